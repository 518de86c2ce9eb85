"""Load run: the search API under gunicorn (2 workers) on the national demo dataset, driven by concurrent
clients on loopback for a fixed time. Reports searches per second and latency percentiles per concurrency.

    python benchmarks/bench_load.py [--seconds 20]
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
from common import DATASET, ROOT, machine, national_app, percentiles


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
    args = parser.parse_args()
    national_app()  # builds the dataset if missing
    env = dict(
        os.environ,
        WIJZER_DATABASE_URL=f"sqlite:///{DATASET}",
        WIJZER_SECRET_KEY="bench",
        WIJZER_RATELIMIT_ENABLED="false",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{args.port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{args.port}/api/v1/search?"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "postcode=3511", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        queries = [urlencode(q) for q in make_queries(2000, seed=7)]
        print(f"# Load benchmark (gunicorn, 2 workers, SQLite) — {machine()}")
        for clients in (2, 4, 8):
            latencies, errors = run_level(base, queries, clients, args.seconds)
            stats = percentiles(latencies)
            print(
                f"- {clients} concurrent clients: {len(latencies) / args.seconds:.0f} searches/s, "
                f"p50 {stats['p50']:.1f} ms, p95 {stats['p95']:.1f} ms, errors {errors}"
            )
    finally:
        proc.terminate()
        proc.wait(timeout=20)


if __name__ == "__main__":
    main()
