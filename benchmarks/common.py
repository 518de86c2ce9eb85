"""Shared helpers for the benchmarks: the national demo dataset and timing statistics."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATASET = Path(os.environ.get("WIJZER_BENCH_DB", "/tmp/wijzer-bench/national.db"))
# Another database for the same dataset, e.g. PostgreSQL: postgresql+psycopg://…/wijzer_bench (seeded when empty)
BENCH_URL = os.environ.get("WIJZER_BENCH_DATABASE_URL")


def dataset_url() -> str:
    return BENCH_URL or f"sqlite:///{DATASET}"


def national_app(providers: int = 5000):
    """An app on the national demo dataset (5,000 providers), creating it once if missing."""
    from sqlalchemy import create_engine, text

    from wijzer import create_app

    url = dataset_url()
    if not BENCH_URL:
        DATASET.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, WIJZER_DATABASE_URL=url)
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    # always: brings a dataset built by an older checkout up to the current migrations (idempotent)
    subprocess.run([*flask, "setup"], cwd=ROOT, env=env, check=True, capture_output=True)
    engine = create_engine(url)
    with engine.connect() as conn:
        seeded = conn.execute(text("SELECT count(*) FROM provider")).scalar() > 0
    engine.dispose()
    if not seeded:
        subprocess.run(
            [*flask, "demo", "seed", "--providers", str(providers), "--seed", "1"],
            cwd=ROOT,
            env=env,
            check=True,
        )
    from wijzer.serving import prepare

    # prepared as wsgi.py prepares every serving process (reference data loaded, long-lived objects frozen)
    return prepare(
        create_app(
            {
                "DATABASE_URL": url,
                "RATELIMIT_ENABLED": False,
                "SECRET_KEY": "bench",
                "WTF_CSRF_ENABLED": False,
            }
        )
    )


def machine() -> str:
    """The machine line of a benchmark report, with the database kind."""
    kind = "PostgreSQL" if dataset_url().startswith("postgresql") else "SQLite"
    return f"{_machine()}, {kind}"


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    qs = statistics.quantiles(samples_ms, n=100, method="inclusive")
    return {"n": len(samples_ms), "p50": statistics.median(samples_ms), "p95": qs[94], "max": max(samples_ms)}


def fmt(stats: dict[str, float]) -> str:
    return f"n={stats['n']}, p50 {stats['p50']:.2f} ms, p95 {stats['p95']:.2f} ms, max {stats['max']:.2f} ms"


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    return (time.perf_counter() - start) * 1000, value


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            model = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        model = cpu
    mem = ""
    try:
        with open("/proc/meminfo") as fh:
            kb = int(next(line.split()[1] for line in fh if line.startswith("MemTotal")))
        mem = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration):
        pass
    return f"{model}, {os.cpu_count()} cores{mem}, Python {platform.python_version()}, {date.today().isoformat()}"
