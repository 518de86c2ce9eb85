"""HSDS read API benchmark on the national demo dataset (5,000 providers, ~40,000 offerings).

Times, server-side in one process (the whole request through the Flask test client: routing, query,
serialisation, JSON):
- ``GET /hsds/services/{id}`` for random services (looked up by the stored, indexed HSDS id; target p95 <= 20 ms),
  next to the old approach (serialise every offering and filter in Python) for a few ids;
- ``GET /hsds/service_at_locations/{id}`` and ``GET /hsds/organizations/{id}``;
- ``GET /hsds/services?page=N&per_page=50`` for random pages, and ``/hsds/taxonomy_terms``.

    WIJZER_BENCH_DB=/tmp/wijzer-bench/national.db python benchmarks/bench_hsds.py [--lookups 1000] [--naive 3]
    WIJZER_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:54329/wijzer_bench python benchmarks/bench_hsds.py

Every query is plain SQLAlchemy (the bare lookup a parameterised ``text`` statement), so it runs unchanged on
SQLite and PostgreSQL.
"""

from __future__ import annotations

import argparse
import random
import time

from common import fmt, loadavg, machine, national_app, percentiles
from sqlalchemy import text
from sqlmodel import select

from wijzer.db import new_session
from wijzer.models import Offering, Provider
from wijzer.services.hsds import iter_services


def timed_get(client, url: str) -> float:
    start = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, (url, response.status_code, response.get_data(as_text=True)[:200])
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lookups", type=int, default=1000)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--naive", type=int, default=3)
    args = parser.parse_args()
    app = national_app()
    app.config["REQUEST_LOG"] = False  # one JSON line per request on stderr would be timed too
    client = app.test_client()
    rng = random.Random(7)
    with app.app_context():
        session = new_session()
        services = session.exec(select(Offering.hsds_id, Offering.hsds_sal_id).where(Offering.active)).all()
        orgs = session.exec(select(Provider.hsds_id)).all()
        n_offerings = len(services)
        session.close()
    print(f"Machine: {machine()}")
    print(f"Load average before: {loadavg()}")
    print(f"Dataset: {len(orgs)} providers, {n_offerings} active offerings")
    sample = rng.sample(services, min(args.lookups, len(services)))
    for sid, _ in sample[:50]:  # warm up
        client.get(f"/hsds/services/{sid}")
    # Context on a shared machine: a request that does nothing, and the bare indexed SQL of the lookup.
    print(
        "GET /healthz (request floor):         "
        + fmt(percentiles([timed_get(client, "/healthz") for _ in range(300)]))
    )
    with app.app_context():
        session = new_session()
        conn = session.connection()
        bare = []
        for sid, _ in sample[:300]:
            start = time.perf_counter()
            conn.execute(text("SELECT * FROM offering WHERE hsds_id = :sid"), {"sid": sid}).all()
            bare.append((time.perf_counter() - start) * 1000)
        session.close()
    print("bare SQL lookup by hsds_id:           " + fmt(percentiles(bare)))
    wall, cpu = [], []
    for sid, _ in sample:
        started_cpu = time.process_time()
        wall.append(timed_get(client, f"/hsds/services/{sid}"))
        cpu.append((time.process_time() - started_cpu) * 1000)
    print("GET /hsds/services/{id}:              " + fmt(percentiles(wall)))
    print(
        "  the same, CPU time of the request:  "
        + fmt(percentiles(cpu))
        + "  (a busy machine inflates wall time)"
    )
    print(
        "GET /hsds/service_at_locations/{id}:  "
        + fmt(
            percentiles(
                [
                    timed_get(client, f"/hsds/service_at_locations/{sal}")
                    for _, sal in sample[: len(sample) // 2]
                ]
            )
        )
    )
    print(
        "GET /hsds/organizations/{id}:         "
        + fmt(
            percentiles(
                [timed_get(client, f"/hsds/organizations/{o}") for o in rng.sample(orgs, min(500, len(orgs)))]
            )
        )
    )
    last_page = max(1, n_offerings // 50)
    print(
        "GET /hsds/services?page=N&per_page=50: "
        + fmt(
            percentiles(
                [
                    timed_get(client, f"/hsds/services?per_page=50&page={rng.randint(1, last_page)}")
                    for _ in range(args.pages)
                ]
            )
        )
    )
    print(
        "GET /hsds/taxonomy_terms:             "
        + fmt(percentiles([timed_get(client, "/hsds/taxonomy_terms?per_page=200") for _ in range(200)]))
    )
    if args.naive:
        with app.app_context():
            session = new_session()
            naive = []
            for sid, _ in sample[: args.naive]:
                start = time.perf_counter()
                next(s for s in iter_services(session) if s["id"] == sid)
                naive.append((time.perf_counter() - start) * 1000)
            session.close()
        print(
            f"Old approach (serialise every offering, filter in Python), {len(naive)} lookups: "
            + ", ".join(f"{ms:.0f} ms" for ms in naive)
        )
    print(f"Load average after: {loadavg()}")


if __name__ == "__main__":
    main()
