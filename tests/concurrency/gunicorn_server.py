"""gunicorn (2 workers × 4 threads) in a subprocess for the concurrency tests.

Its log goes to a file, never to a pipe: the app logs a line per request (wijzer.observability), and a pipe
that nobody reads fills after 64 KB, after which every worker thread blocks in its log write and every
request hangs. The file is read at the end and must have no traceback and no "database is locked".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def running_gunicorn(db_url: str, log_path: Path, *, secret: str = "load-test-secret") -> Iterator[str]:
    """Yield the base URL of a gunicorn serving ``wsgi:app`` on ``db_url``; check its log afterwards."""
    port = free_port()
    env = dict(
        os.environ, WIJZER_DATABASE_URL=db_url, WIJZER_SECRET_KEY=secret, WIJZER_RATELIMIT_ENABLED="false"
    )
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-w",
                "2",
                "--threads",
                "4",
                "-b",
                f"127.0.0.1:{port}",
                "--timeout",
                "60",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(base + "/api/v1/health", timeout=5)
                break
            except OSError:  # not up yet: refused, reset or a slow first answer on a busy machine
                time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not start: " + log_path.read_text(errors="replace")[-3000:])
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    text = log_path.read_text(errors="replace")
    assert "database is locked" not in text and "Traceback" not in text, text[-3000:]


def call(method: str, url: str, body: dict | None = None, token: str | None = None) -> tuple[int, str]:
    req = urllib.request.Request(
        url, method=method, data=json.dumps(body).encode() if body is not None else None
    )
    if body is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
