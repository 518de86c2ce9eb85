"""Region audit on the national demo dataset: one region's audit (figures + coverage gaps, as the
dashboard and the API compute it) and the national overview of all 42 regions.

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
        regions = [session.get(Jeugdregio, c) for c in ("JZ22", "JZ13", "JZ02", "JZ38")]
        one, national = [], []
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
    print(f"- national overview, all 42 regions (figures): {fmt(percentiles(national))} (target ≤ 3 s)")
    print(f"- national overview page (whole request): {national_page:.0f} ms")


if __name__ == "__main__":
    main()
