"""Under gunicorn (2 workers) against a real database file or server: 50 concurrent provider updates and
200 concurrent searches. No 5xx, no "database is locked", and every update lands in the history."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.concurrency


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(db_url: str) -> list[tuple[str, str, str]]:
    """Schema via `flask setup`, five providers with two offerings each and an API token per provider."""
    env = dict(os.environ, WIJZER_DATABASE_URL=db_url)
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "setup"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    from wijzer import create_app
    from wijzer.db import session_scope
    from wijzer.schemas import LocationInput, OfferingInput, ProviderInput
    from wijzer.services import accounts, catalogue

    app = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "load"})
    out = []
    with app.app_context(), session_scope() as s:
        for i, pc in enumerate(("3511", "3512", "3431", "1012", "2511")):
            p = catalogue.save_provider(s, ProviderInput(name=f"Aanbieder {i}", kvk=f"{50000000 + i}"))
            loc = catalogue.save_location(s, p, LocationInput(name="Huis", postcode=pc))
            for ref in ("X", "Y"):
                catalogue.save_offering(s, p, loc, OfferingInput(offering_ref=ref, care_type="logeeropvang"))
            user = accounts.create_user(s, email=f"staf{i}@example.nl", password="Correct-Paard-Nietje-42",
                                        role="provider", provider_id=p.id)
            out.append((p.kvk, accounts.create_api_token(s, user, "load")[1], pc))
    app.extensions["wijzer_db"]["engine"].dispose()
    return out


@pytest.fixture
def gunicorn(scratch_database_url):
    server_db = scratch_database_url
    providers = seed(server_db)
    port = free_port()
    env = dict(os.environ, WIJZER_DATABASE_URL=server_db, WIJZER_SECRET_KEY="load-test-secret",
               WIJZER_RATELIMIT_ENABLED="false")
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "--threads", "4", "-b", f"127.0.0.1:{port}",
                             "--timeout", "60", "wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            urllib.request.urlopen(base + "/api/v1/health", timeout=2)
            break
        except (urllib.error.URLError, ConnectionError, TimeoutError):  # a busy machine: the first answer can take > 2 s
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("gunicorn did not start: " + proc.stdout.read())
    yield base, providers, server_db
    proc.terminate()
    log = proc.communicate(timeout=20)[0]
    assert "database is locked" not in log and "Traceback" not in log, log[-3000:]


def call(method: str, url: str, body: dict | None = None, token: str | None = None) -> tuple[int, str]:
    req = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body is not None else None)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_concurrent_updates_and_searches(gunicorn):
    base, providers, db_url = gunicorn
    updates = []
    for n in range(50):
        kvk, token, _ = providers[n % 5]
        ref = "X" if n % 2 == 0 else "Y"
        updates.append((token, {"records": [{"kvk": kvk, "offering_ref": ref, "free_places": n, "waiting_weeks_intake": n % 7,
                                             "intake_status": "open", "note": f"update {n}"}]}))
    searches = [f"{base}/api/v1/search?care_type=logeeropvang&postcode={providers[i % 5][2]}&radius_km={10 + i % 40}"
                for i in range(200)]
    with ThreadPoolExecutor(max_workers=50) as pool:
        update_futures = [pool.submit(call, "POST", f"{base}/api/v1/capacity", body, token) for token, body in updates]
        search_futures = [pool.submit(call, "GET", url) for url in searches]
        update_results = [f.result() for f in update_futures]
        search_results = [f.result() for f in search_futures]
    bad = [(s, b[:200]) for s, b in update_results + search_results if s != 200]
    assert not bad, bad[:5]
    assert all(json.loads(b)["written"] == 1 for _, b in update_results)
    assert all("results" in json.loads(b) for _, b in search_results)
    engine = create_engine(db_url)
    with engine.connect() as conn:
        notes = {row[0] for row in conn.execute(text("SELECT note FROM capacity_report"))}
    engine.dispose()
    assert notes == {f"update {n}" for n in range(50)}  # nothing lost
