"""One region's trends over 52 ISO weeks on the national demo dataset (target <= 1 s), cold and with the weeks
kept (``trend_week``, services/trends.py ``cached_weeks``), and the nightly ``trend_weeks`` job for all regions.

    python benchmarks/bench_trends.py [--rounds 10]

cold   no kept weeks: every week reconstructed from the report history (the first request of a period or basis
       nobody asked for before, or a request right after the region's offerings changed)
kept   the weeks kept by an earlier request or the nightly job; each request checks them against the reports
       made since (here: 200 reports of this week added between requests, as a working region would)
job    ``warm_trend_weeks``: 53 weeks of all 42 regions recomputed and kept (runs nightly)

Runs on a throw-away copy of the dataset (it adds kept weeks and reports): a file copy on SQLite, a database made
from it as a template on PostgreSQL (``WIJZER_BENCH_DATABASE_URL``).
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta

from common import fmt, loadavg, machine, national_app, percentiles, prepared_app, scratch_database

REGIONS = ("JZ22", "JZ13", "JZ38", "JZ02")  # 501, 967, 1,675 and 4,648 offerings; JZ02 is the largest


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    national_app()  # make sure the dataset exists (seeded when empty)
    print(f"- load average before: {loadavg()}")
    with scratch_database("wijzer_trends_bench", copy_of_dataset=True) as url:
        _run(url, args)
    print(f"- load average after: {loadavg()}")


def _run(url: str, args: argparse.Namespace) -> None:
    app = prepared_app(url)
    with app.app_context():
        from sqlalchemy import delete, func
        from sqlmodel import select

        from wijzer.db import get_session
        from wijzer.models import CapacityReport, Jeugdregio, Offering, TrendWeek
        from wijzer.services.trends import region_trends, warm_trend_weeks
        from wijzer.timeutil import utcnow

        session = get_session()
        print(machine())
        for code in REGIONS:
            region = session.get(Jeugdregio, code)
            offerings = session.exec(
                select(Offering.id).where(Offering.region_code == code, Offering.active.is_(True))
            ).all()
            session.exec(delete(TrendWeek).where(TrendWeek.region_code == code))
            session.commit()

            def once(region: Jeugdregio = region) -> tuple[float, float]:
                now = utcnow()
                start, cpu = time.perf_counter(), time.process_time()
                rows = region_trends(
                    session, region, (now - timedelta(weeks=51)).date(), now.date(), now, app.config
                )
                session.commit()  # as the entry points do: keeps what was computed
                assert len(rows) in (52 * 4, 53 * 4)
                return (time.perf_counter() - start) * 1000, (time.process_time() - cpu) * 1000

            cold_wall, cold_cpu = once()
            kept_wall, kept_cpu = [], []
            for i in range(args.rounds):
                now = utcnow()
                for k in range(200):  # this week's reports keep coming in
                    session.add(
                        CapacityReport(
                            offering_id=offerings[(i * 200 + k) % len(offerings)],
                            reported_at=now,
                            kind="confirm",
                            source="portal",
                            free_places=1,
                        )
                    )
                session.commit()
                wall, cpu = once()
                kept_wall.append(wall)
                kept_cpu.append(cpu)
            print(
                f"{code} ({len(offerings):,} active offerings): cold {cold_wall:.0f} ms (CPU {cold_cpu:.0f} ms); "
                f"kept, 200 new reports before each request: wall {fmt(percentiles(kept_wall))}, "
                f"CPU {fmt(percentiles(kept_cpu))}"
            )
        reports = session.exec(select(func.count()).select_from(CapacityReport)).one()
        start = time.perf_counter()
        detail = warm_trend_weeks(session, utcnow(), app.config)
        print(f"trend_weeks job over {reports:,} reports: {detail} in {time.perf_counter() - start:.1f} s")
        session.close()
        from wijzer.db import get_engine

        get_engine().dispose()  # the copy is dropped after this


if __name__ == "__main__":
    main()
