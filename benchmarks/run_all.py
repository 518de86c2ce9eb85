"""Run every benchmark in turn (``make bench``); results are printed, to be copied into BENCHMARKS.md."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
for script in (
    "bench_portal.py",
    "bench_search.py",
    "bench_jobs.py",
    "bench_audit.py",
    "bench_import.py",
    "bench_load.py",
):
    print(f"\n$ python benchmarks/{script}", flush=True)
    subprocess.run([sys.executable, str(HERE / script)], check=True)
