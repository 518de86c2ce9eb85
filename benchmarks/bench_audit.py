"""Region audit on the national demo dataset: one region's audit (figures + coverage gaps, as the
dashboard and the API compute it), one region's trends over 52 weeks reconstructed from the report history
(target <= 1 s), the trust signals of a region's providers, and the national overview of all 42 regions.

    python benchmarks/bench_audit.py [--rounds 10]
"""

from __future__ import annotations

import argparse
import time

from common import fmt, machine, national_app, percentiles


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    app = national_app()
    with app.app_context():
        from wijzer.db import get_session
        from wijzer.models import Jeugdregio
        from wijzer.services.regions import all_region_figures, region_audit
        from wijzer.timeutil import utcnow

        session = get_session()
        # JZ02 is the largest region (4,648 offerings, ~223,000 reports in the year), JZ43 the smallest
        regions = [session.get(Jeugdregio, c) for c in ("JZ22", "JZ13", "JZ02", "JZ38")]
        from datetime import timedelta

        from wijzer.services.regions import compliance
        from wijzer.services.trends import region_trends

        one, national, trends52, trends52_cpu, trust = [], [], [], [], []
        per_region: dict[str, list] = {}
        for i in range(args.rounds):
            region = regions[i % len(regions)]
            now = utcnow()
            start, cpu = time.perf_counter(), time.process_time()
            rows = region_trends(
                session, region, (now - timedelta(weeks=51)).date(), now.date(), now, app.config
            )
            trends52.append((time.perf_counter() - start) * 1000)
            trends52_cpu.append((time.process_time() - cpu) * 1000)
            per_region.setdefault(region.code, []).append((trends52[-1], trends52_cpu[-1]))
            assert len(rows) == 52 * 4 or len(rows) == 53 * 4
            start = time.perf_counter()
            compliance(session, region.code, now, config=app.config)
            trust.append((time.perf_counter() - start) * 1000)
        for i in range(args.rounds):
            region = regions[i % len(regions)]
            start = time.perf_counter()
            region_audit(session, region, utcnow(), app.config)
            one.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            all_region_figures(session, utcnow(), app.config)
            national.append((time.perf_counter() - start) * 1000)
    client = app.test_client()
    from wijzer.services.demo import DEMO_PASSWORD

    client.post("/inloggen", data={"email": "beheerder@demo.wijzer.nl", "password": DEMO_PASSWORD})
    pages = []
    for code in ("JZ22", "JZ13", "JZ02", "JZ38") * 2:
        start = time.perf_counter()
        assert client.get(f"/regio/{code}").status_code == 200
        pages.append((time.perf_counter() - start) * 1000)
    start = time.perf_counter()
    assert client.get("/regio/landelijk").status_code == 200
    national_page = (time.perf_counter() - start) * 1000
    print(f"# Audit benchmark — {machine()}")
    print(f"- one region's audit (figures + gaps): {fmt(percentiles(one))} (target ≤ 300 ms)")
    print(f"- region dashboard page (whole request): {fmt(percentiles(pages))}")
    print(
        f"- one region's trends, 52 weeks × 4 care types from the report history: {fmt(percentiles(trends52))} "
        "(target ≤ 1 s)"
    )
    print(
        f"  same, CPU time of this process (a loaded machine inflates wall time): {fmt(percentiles(trends52_cpu))}"
    )
    print(
        "  per region (offerings: JZ22 501, JZ13 967, JZ02 4,648 = the largest, JZ38 1,675), best wall / CPU ms: "
        + ", ".join(
            f"{c} {min(w for w, _ in v):.0f} / {min(p for _, p in v):.0f}" for c, v in per_region.items()
        )
    )
    print(f"- one region's compliance with 13-week trust signals: {fmt(percentiles(trust))}")
    print(f"- national overview, all 42 regions (figures): {fmt(percentiles(national))} (target ≤ 3 s)")
    print(f"- national overview page (whole request): {national_page:.0f} ms")


if __name__ == "__main__":
    main()
