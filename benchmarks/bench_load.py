"""Load run: the search API under gunicorn on the national demo dataset, driven by concurrent clients on
loopback for a fixed time. Reports searches per second and latency percentiles per concurrency.

    python benchmarks/bench_load.py [--seconds 20] [--workers 2]
    WIJZER_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:54329/wijzer_bench python benchmarks/bench_load.py

Sync workers, one request at a time each: 2 workers on SQLite (the default there: one writer at a time, and
the 2 cores), 4 on PostgreSQL (the default there; a worker waiting on the server's socket leaves its core to
another). gunicorn is started as ``tests/concurrency/gunicorn_server.py`` starts it, with its stdout and
stderr going to a log file (``gunicorn-load.log`` next to ``WIJZER_BENCH_DB``): the app logs a JSON line per
request, and a pipe nobody reads fills after 64 KB and then blocks every worker. The log is checked for
tracebacks afterwards. The load generator runs on the same 2 cores, so it competes with the workers.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
import urllib.request
from urllib.parse import urlencode

from bench_search import make_queries
from common import DATASET, ROOT, dataset_url, is_postgres, loadavg, machine, national_app, percentiles


def run_level(base: str, queries: list[str], clients: int, seconds: float) -> tuple[list[float], int]:
    """`clients` threads send searches back to back for `seconds`; returns latencies (ms) and errors."""
    latencies: list[float] = []
    errors = [0]
    stop = time.perf_counter() + seconds
    lock = threading.Lock()

    def worker(offset: int) -> None:
        i = offset
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            try:
                with urllib.request.urlopen(base + queries[i % len(queries)], timeout=30) as r:
                    r.read()
                    ok = r.status == 200
            except OSError:
                ok = False
            with lock:
                latencies.append((time.perf_counter() - t0) * 1000)
                errors[0] += 0 if ok else 1
            i += clients

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--port", type=int, default=5199)
    parser.add_argument("--workers", type=int, default=None, help="default: 4 on PostgreSQL, 2 on SQLite")
    parser.add_argument("--clients", default="2,4,8", help="concurrency levels, comma-separated")
    args = parser.parse_args()
    national_app()  # builds (SQLite) or seeds (PostgreSQL) the dataset if missing
    url = dataset_url()
    workers = args.workers or (4 if is_postgres(url) else 2)
    env = dict(
        os.environ,
        WIJZER_DATABASE_URL=url,
        WIJZER_SECRET_KEY="bench",
        WIJZER_RATELIMIT_ENABLED="false",
    )
    log_path = DATASET.with_name("gunicorn-load.log")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:  # the child keeps its own descriptor; ours can close
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{args.port}",
                "--timeout",
                "60",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{args.port}/api/v1/search?"
    kind = "PostgreSQL" if is_postgres(url) else "SQLite"
    try:
        for _ in range(300):  # up to 60 s: every worker loads and freezes the reference data first
            try:
                urllib.request.urlopen(base + "postcode=3511", timeout=5).read()
                break
            except OSError:
                if proc.poll() is not None:
                    raise SystemExit(
                        "gunicorn exited: " + log_path.read_text(errors="replace")[-3000:]
                    ) from None
                time.sleep(0.2)
        queries = [urlencode(q) for q in make_queries(2000, seed=7)]
        run_level(base, queries, workers, 2)  # warm every worker (caches, connection pool)
        print(f"# Load benchmark (gunicorn, {workers} sync workers, {kind}) — {machine()}")
        print(f"- load average before: {loadavg()}")
        for clients in (int(c) for c in args.clients.split(",")):
            latencies, errors = run_level(base, queries, clients, args.seconds)
            stats = percentiles(latencies)
            print(
                f"- {clients} concurrent clients: {len(latencies) / args.seconds:.0f} searches/s, "
                f"p50 {stats['p50']:.1f} ms, p95 {stats['p95']:.1f} ms, errors {errors} "
                f"(load average {loadavg()})"
            )
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    text = log_path.read_text(errors="replace")
    if "Traceback" in text:
        raise SystemExit("gunicorn logged a traceback: " + text[-3000:])


if __name__ == "__main__":
    main()
