"""Import benchmark: 40,000 offering rows (5,000 providers, ~15,000 locations) and then 40,000 capacity
rows, each through the CLI code path (validation with the shared schemas, one transaction), into an empty
database. Targets: ≤ 30 s and ≤ 20 s.

The empty database is a scratch one: a new SQLite file next to ``WIJZER_BENCH_DB``, or, with
``WIJZER_BENCH_DATABASE_URL`` set to PostgreSQL, a database ``wijzer_import_bench`` created in the same
cluster (dropped after the run; the national dataset itself is not touched).

    python benchmarks/bench_import.py
    WIJZER_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:54329/wijzer_bench python benchmarks/bench_import.py
"""

from __future__ import annotations

import csv
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, loadavg, machine, scratch_database

from importers.capacity import COLUMNS as CAP_COLUMNS
from importers.providers import COLUMNS
from wijzer.domain import CARE_TYPES, MODALITIES, TAGS
from wijzer.geo import _pc4_table


def write_files(folder: Path, n_providers=5000, offerings=40_000, seed=3) -> tuple[Path, Path]:
    rng = random.Random(seed)
    pcs = sorted(_pc4_table().values(), key=lambda p: p.pc4)
    providers = []
    for i in range(n_providers):
        locs = [rng.choice(pcs) for _ in range(rng.choice([1, 2, 3, 3, 4, 5]))]
        providers.append((f"{30000000 + i}", f"Zorgaanbieder {i} {locs[0].place}", locs))
    prov_path, cap_path = folder / "aanbieders.csv", folder / "capaciteit.csv"
    keys = []
    with open(prov_path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for n in range(offerings):
            kvk, name, locs = providers[n % n_providers]
            j = (n // n_providers) % len(locs)
            pc = locs[j]
            ref = f"AB-{n // n_providers:03d}"
            ct = rng.choice(list(CARE_TYPES))
            w.writerow(
                [
                    name,
                    kvk,
                    "",
                    f"https://www.zorg{kvk}.nl",
                    "030-1234567",
                    f"info@zorg{kvk}.nl",
                    f"Locatie {j + 1} {pc.place}",
                    "Dorpsstraat",
                    str(j + 1),
                    pc.pc4 + "AB",
                    pc.place,
                    ref,
                    ct,
                    "|".join(rng.sample(list(TAGS), 2)),
                    0,
                    18,
                    "|".join(rng.sample(list(MODALITIES), 2)),
                    "zin|pgb",
                    pc.region_code,
                    "45",
                    "Omschrijving van het aanbod.",
                ]
            )
            keys.append((kvk, ref))
    with open(cap_path, "w", newline="", encoding="utf-8") as fh:
        # by column name, so a column added to the capacity format (``total_places`` was) cannot shift the
        # values into the wrong columns; columns not given here are left empty
        w = csv.DictWriter(fh, fieldnames=CAP_COLUMNS, restval="")
        w.writeheader()
        for kvk, ref in keys:
            status = rng.choice(["open", "wachtlijst", "opnamestop"])
            w.writerow(
                {
                    "kvk": kvk,
                    "offering_ref": ref,
                    "free_places": rng.randint(1, 3) if status == "open" else 0,
                    "waiting_weeks_intake": rng.randint(0, 12),
                    "waiting_weeks_treatment": rng.randint(0, 20),
                    "waitlist_length": rng.randint(0, 30),
                    "intake_status": status,
                }
            )
    return prov_path, cap_path


def run(args, env) -> tuple[float, str]:
    """Run one flask CLI command; returns its wall time (s) and last output line. The CPU time the command
    used (its own and the database server's are apart: for SQLite all of it is in the command) is
    appended to the line, as a busy machine inflates wall time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode:  # the CLI lists every row's problem: only the start and the end are useful here
        text = out.stdout + out.stderr
        raise SystemExit(text if len(text) < 6000 else text[:3000] + "\n…\n" + text[-3000:])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, f"{out.stdout.strip().splitlines()[-1]} (CPU time of the CLI process {cpu:.1f} s)"


def main() -> None:
    import os

    print(f"# Import benchmark — {machine()}")
    print(f"- load average before: {loadavg()}")
    with (
        tempfile.TemporaryDirectory() as tmp,
        scratch_database("wijzer_import_bench", copy_of_dataset=False) as url,
    ):
        folder = Path(tmp)
        prov, cap = write_files(folder)
        env = dict(os.environ, WIJZER_DATABASE_URL=url)
        run(["setup"], env)  # the schema (migrations), the reference data
        t1, out1 = run(["import", "providers", str(prov)], env)
        t2, out2 = run(["import", "capacity", str(cap)], env)
        t3, out3 = run(["import", "providers", str(prov)], env)
    print(f"- 40,000 offering rows, empty database: {t1:.1f} s (target ≤ 30 s) – {out1}")
    print(f"- 40,000 capacity rows: {t2:.1f} s (target ≤ 20 s) – {out2}")
    print(f"- re-import of the same 40,000 offering rows (no changes): {t3:.1f} s – {out3}")
    print("  (times include starting the flask CLI process, ~1 s)")
    print(f"- load average after: {loadavg()}")


if __name__ == "__main__":
    main()
