"""Scheduled jobs on the national demo dataset: freshness (target ≤ 5 s over ~40,000 offerings),
expire_statuses and region_snapshots. Each job runs twice: a cold run that changes rows and a rerun.

    python benchmarks/bench_jobs.py
    WIJZER_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:54329/wijzer_bench python benchmarks/bench_jobs.py

The jobs run on the national dataset itself (SQLite file or PostgreSQL database): every offering's
recorded freshness is first set to "unknown" so the first freshness run has work; the jobs put it right
again, so the dataset ends as it began (plus the job-run rows and the freshness transitions they record).
"""

from __future__ import annotations

from datetime import timedelta

from common import loadavg, machine, national_app
from sqlalchemy import update

from wijzer.models import Offering
from wijzer.timeutil import utcnow


def main() -> None:
    app = national_app()
    with app.app_context():
        from wijzer.db import session_scope
        from wijzer.jobs import run_job

        with session_scope() as s:  # make every offering's recorded state wrong, so the run has work
            s.execute(update(Offering).values(freshness="unknown"))
        print(f"# Jobs benchmark — {machine()}")
        print(f"- load average before: {loadavg()}")
        for name in ("freshness", "expire_statuses", "region_snapshots"):
            for label, now in (("first run", utcnow()), ("rerun", utcnow() + timedelta(seconds=1))):
                run = run_job(name, now=now)
                print(f"- {name} ({label}): {run.status} in {run.duration_ms} ms – {run.detail}")
        from sqlmodel import func, select

        with session_scope() as s:
            n = s.exec(select(func.count()).select_from(Offering)).one()
        print(f"- offerings in the dataset: {n}")
        print(f"- load average after: {loadavg()}")


if __name__ == "__main__":
    main()
