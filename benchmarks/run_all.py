"""Run every benchmark in turn (``make bench``); results are printed, to be copied into BENCHMARKS.md.

On PostgreSQL: ``WIJZER_BENCH_DATABASE_URL=postgresql+psycopg://…/wijzer_bench python benchmarks/run_all.py``
(the environment is passed on to every benchmark; the dataset is seeded when empty)."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
for script in (
    "bench_portal.py",
    "bench_search.py",
    "bench_alerts.py",
    "bench_jobs.py",
    "bench_hsds.py",
    "bench_audit.py",
    "bench_trends.py",
    "bench_import.py",
    "bench_load.py",
):
    print(f"\n$ python benchmarks/{script}", flush=True)
    subprocess.run([sys.executable, str(HERE / script)], check=True)
