"""Shared helpers for the benchmarks: the national demo dataset and timing statistics."""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATASET = Path(os.environ.get("WIJZER_BENCH_DB", "/tmp/wijzer-bench/national.db"))
# Another database for the same dataset, e.g. PostgreSQL: postgresql+psycopg://…/wijzer_bench (seeded when empty)
BENCH_URL = os.environ.get("WIJZER_BENCH_DATABASE_URL")


def dataset_url() -> str:
    return BENCH_URL or f"sqlite:///{DATASET}"


def is_postgres(url: str | None = None) -> bool:
    """Whether ``url`` (default: the benchmark dataset's URL) is a PostgreSQL database."""
    return (url or dataset_url()).startswith("postgresql")


def _pg_admin(url: str):
    """An autocommit psycopg connection to the cluster's ``postgres`` database (CREATE/DROP DATABASE cannot
    run inside a transaction, nor while connected to the database concerned)."""
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(url).set(drivername="postgresql", database="postgres")
    return psycopg.connect(u.render_as_string(hide_password=False), autocommit=True)


@contextmanager
def scratch_database(name: str, *, copy_of_dataset: bool) -> Iterator[str]:
    """A throw-away database next to the benchmark dataset; yields its URL and removes it afterwards.

    ``copy_of_dataset``: start from a copy of the national dataset (for benchmarks that change it), else empty.
    - SQLite: a file ``<name>.db`` next to ``WIJZER_BENCH_DB`` (a file copy of it, or a new file).
    - PostgreSQL: ``CREATE DATABASE <name> [TEMPLATE <dataset>]`` in the dataset's cluster (a template copy
      is a file-level copy on the server, seconds for the ~1 GB national dataset; it needs no other
      session on the dataset database, so callers dispose their engines first), ``DROP DATABASE`` after.
    """
    from sqlalchemy.engine import make_url

    url = dataset_url()
    if not is_postgres(url):
        copy = DATASET.with_name(f"{name}.db")
        files = [copy.with_name(copy.name + suffix) for suffix in ("", "-wal", "-shm")]
        for f in files:  # a stale WAL of an interrupted run would corrupt the new copy
            f.unlink(missing_ok=True)
        if copy_of_dataset:
            shutil.copyfile(DATASET, copy)
        try:
            yield f"sqlite:///{copy}"
        finally:
            for f in files:
                f.unlink(missing_ok=True)
        return
    source = make_url(url).database
    with _pg_admin(url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')  # left over by an interrupted run
        template = f' TEMPLATE "{source}"' if copy_of_dataset else ""
        admin.execute(f'CREATE DATABASE "{name}"{template}')
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with _pg_admin(url) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # FORCE: ends leftover sessions


def loadavg() -> str:
    """The 1/5/15-minute load averages, printed before and after every run: the 2 cores are shared with
    other engineers' test suites, which inflates absolute times (ratios within one run stay comparable)."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def prepared_app(url: str):
    """An app on the database at ``url``, brought to the current migrations and prepared as ``wsgi.py``
    prepares every serving process (reference data loaded, long-lived objects frozen)."""
    from wijzer import create_app
    from wijzer.serving import prepare

    env = dict(os.environ, WIJZER_DATABASE_URL=url)
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "setup"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    return prepare(
        create_app(
            {
                "DATABASE_URL": url,
                "RATELIMIT_ENABLED": False,
                # the JSON line per request on stderr would be timed with every request (and flood the output)
                "REQUEST_LOG": False,
                "SECRET_KEY": "bench",
                "WTF_CSRF_ENABLED": False,
            }
        )
    )


def national_app(providers: int = 5000):
    """An app on the national demo dataset (5,000 providers), creating it once if missing."""
    from sqlalchemy import create_engine, text

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
    return prepared_app(url)


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
