"""Search API benchmark on the national demo dataset (5,000 providers, ~40,000 offerings).

Times 1,000 realistic queries server-side in one process (the whole request through the Flask test
client: parsing, search, JSON; and the same requests timed inside the WSGI app, what a server spends on them
without the test client's own work), the bare indexed bounding-box SQL for the same filters (the floor),
and a naive variant that computes geopy's geodesic to every offering of the care type.

    python benchmarks/bench_search.py [--queries 1000] [--naive 30] [--wide-only] [--profile 300]
    WIJZER_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:54329/wijzer_bench python benchmarks/bench_search.py

``--wide-only`` times just the expensive anonymous searches of issue 11 item 20 (radius 250 km without a
care type, age alone), 30 requests each, as an anonymous client.

``--dump FILE`` times nothing: it writes the full JSON answer of the benchmark's queries and of a set of queries
with the other filters, sorts and pages (one line each) to FILE, on a scratch copy of the dataset in which some
regions have their own freshness thresholds and some offerings have places held for plaatsingsverzoeken, at a
fixed instant. Two dumps made with different code must be
byte-identical (``cmp``): the equivalence check for changes to the search that must not change its answers.

``--profile N`` runs the first N queries once more under cProfile (after the timed runs, so it does not
distort them) and prints the functions with the most cumulative and own time: where the time between the
floor and the answer goes.

The floor is the same SQL on both databases (the indexed filters and the bounding box, three plain columns,
no per-row state, read as rows); on PostgreSQL the query plan of the search's own candidate query is
printed as well (``EXPLAIN (ANALYZE, BUFFERS)`` of one typical query).
"""

from __future__ import annotations

import argparse
import json
import random
import time
from urllib.parse import urlencode

from common import fmt, is_postgres, loadavg, machine, national_app, percentiles
from sqlmodel import select

from wijzer.domain import CARE_TYPES, TAGS
from wijzer.geo import _pc4_table, bounding_box, geodesic_km, lookup_postcode
from wijzer.models import Offering


def make_queries(n: int, seed: int = 42) -> list[dict]:
    rng = random.Random(seed)
    pcs = sorted(_pc4_table())
    out = []
    for _ in range(n):
        q = {"postcode": rng.choice(pcs), "radius_km": rng.choice([10, 15, 25, 25, 35, 50])}
        if rng.random() < 0.9:
            q["care_type"] = rng.choice(list(CARE_TYPES))
        if rng.random() < 0.7:
            q["age"] = rng.randint(0, 18)
        if rng.random() < 0.2:
            q["tags"] = rng.choice(list(TAGS))
        if rng.random() < 0.2:
            q["available_now"] = "true"
        out.append(q)
    return out


def bare_sql(session, q: dict) -> int:
    p = lookup_postcode(q["postcode"])
    min_lat, max_lat, min_lon, max_lon = bounding_box(p.lat, p.lon, float(q["radius_km"]))
    stmt = select(Offering.id, Offering.lat, Offering.lon).where(
        Offering.active, Offering.lat.between(min_lat, max_lat), Offering.lon.between(min_lon, max_lon)
    )
    if "care_type" in q:
        stmt = stmt.where(Offering.care_type == q["care_type"])
    if "age" in q:
        stmt = stmt.where(Offering.min_age <= q["age"], Offering.max_age >= q["age"])
    if "tags" in q:
        stmt = stmt.where(Offering.tags.contains(f"|{q['tags']}|"))
    return len(session.exec(stmt).all())


def naive(session, q: dict) -> int:
    p = lookup_postcode(q["postcode"])
    stmt = select(Offering.id, Offering.lat, Offering.lon).where(Offering.active)
    if "care_type" in q:
        stmt = stmt.where(Offering.care_type == q["care_type"])
    rows = session.exec(stmt).all()
    return sum(1 for _, lat, lon in rows if geodesic_km(p.lat, p.lon, lat, lon) <= float(q["radius_km"]))


WIDE = {
    "radius 250 km, no care type": {"postcode": "3511", "radius_km": 250},
    "age alone": {"age": 10},
    "no filter at all": {"postcode": "3511", "radius_km": 250, "age": 10},
}


def wide(client, rounds: int = 30) -> None:
    for label, q in WIDE.items():
        url = "/api/v1/search?" + urlencode(q)
        client.get(url)
        ms, statuses = [], set()
        for _ in range(rounds):
            start = time.perf_counter()
            response = client.get(url)
            ms.append((time.perf_counter() - start) * 1000)
            statuses.add(response.status_code)
        print(
            f"- wide anonymous search, {label} ({urlencode(q)}): {fmt(percentiles(ms))}; statuses {sorted(statuses)}"
        )


# Queries for --dump beyond the benchmark's own: every other filter, the sorts, pages and limits.
DUMP_EXTRA: list[dict] = [
    {"postcode": "3511", "radius_km": 25, "sort": "start"},
    {"postcode": "3511", "radius_km": 25, "sort": "afstand", "limit": 100},
    {"postcode": "3511", "radius_km": 25, "sort": "plekken", "offset": 40},
    {"postcode": "1012", "radius_km": 15, "care_type": "logeeropvang", "offset": 5, "limit": 7},
    {"postcode": "9711", "radius_km": 50, "available_now": "true", "sort": "afstand"},
    {"postcode": "5611", "radius_km": 35, "contracted": "true"},
    {"postcode": "6211", "radius_km": 35, "modality": "weekend,nacht"},
    {"postcode": "7511", "radius_km": 35, "funding": "pgb", "age": 12},
    {"postcode": "2511", "radius_km": 10, "max_wait_weeks": 4},
    {"postcode": "8011", "radius_km": 50, "contract_region": "JZ22", "offset": 100_000},
    {"region": "JZ22"},
    {"region": "JZ02", "care_type": "respijtzorg", "sort": "plekken", "limit": 100},
    {"municipality": "GM0344", "age": 8},
    {"care_type": "specialistische_jeugdhulp", "age": 15, "available_now": "true"},
    {"postcode": "3511", "radius_km": 250, "care_type": "logeeropvang", "limit": 100, "offset": 300},
    {"postcode": "1011", "radius_km": 1},
    {"postcode": "3511AB", "radius_km": 12.5, "care_type": "respijtzorg"},
]
DUMP_AT = "2026-12-01T08:00:00+00:00"  # the fixed instant of --dump (freshness and holds depend on it)


def add_holds(conn) -> None:
    """Places held for plaatsingsverzoeken on some offerings with free places (the demo data has none): one hold
    on every 7th, two on every 21st (some go to zero free places), holds that ran out before DUMP_AT on every
    11th, unanswered items on every 13th (neither counts)."""
    from sqlalchemy import text

    at = DUMP_AT[:10]
    rid = conn.execute(
        text(
            "INSERT INTO placement_request (age, tags, care_type, municipality_code, region_code, ever_accepted,"
            " created_at) VALUES (8, '', 'respijtzorg', 'GM0344', 'JZ22', :yes, :at) RETURNING id"
        ),
        {"yes": True, "at": at},
    ).scalar_one()
    insert = (
        "INSERT INTO placement_item (request_id, offering_id, provider_id, status, created_at, answer_due_at,"
        " remind_at, hold_until, version) SELECT :rid, id, provider_id, :status, :at, :at, :at, :hold, 0"
        " FROM offering WHERE cur_free_places > 0 AND id % :every = 0"
    )
    for every, status, hold in (
        (7, "accepted", "2026-12-05"),
        (21, "accepted", "2026-12-01"),
        (11, "accepted", "2026-11-30"),
        (13, "open", None),
    ):
        conn.execute(
            text(insert),
            {"rid": rid, "status": status, "at": at, "hold": hold, "every": every},
        )


def dump(path: str, n: int) -> None:
    """Full JSON answers of ``n`` benchmark queries and DUMP_EXTRA, one line each, to ``path`` (see --dump)."""
    from datetime import datetime

    import time_machine
    from common import prepared_app, scratch_database
    from sqlalchemy import create_engine, text

    national_app()  # builds or migrates the dataset before it is copied
    with scratch_database("wijzer_search_equiv", copy_of_dataset=True) as url:
        engine = create_engine(url)
        with engine.begin() as conn:  # some regions with their own thresholds (the cut-off CASEs in the SQL)
            for i, (fresh, stale) in enumerate([(3, 10), (14, 30), (7, 60), (1, 2), (30, 31)]):
                conn.execute(
                    text("UPDATE jeugdregio SET fresh_days = :f, stale_days = :s WHERE code = :c"),
                    {"f": fresh, "s": stale, "c": f"JZ{i * 7 + 2:02d}"},
                )
            conn.execute(text("UPDATE jeugdregio SET norm_intake_weeks = 1 WHERE code = 'JZ13'"))
            add_holds(conn)
        engine.dispose()
        app = prepared_app(url)
        client = app.test_client()
        with time_machine.travel(datetime.fromisoformat(DUMP_AT), tick=False), open(path, "w") as out:
            for q in make_queries(n) + DUMP_EXTRA:
                response = client.get("/api/v1/search?" + urlencode(q))
                # the answer's JSON in one spelling (sorted keys, ASCII, no spaces): the same answer written by
                # another JSON library compares equal
                body = json.dumps(response.get_json(), sort_keys=True, separators=(",", ":"))
                out.write(f"{urlencode(q)}\t{response.status_code}\t{body}\n")
        app.extensions["wijzer_db"]["engine"].dispose()
    print(f"- wrote {n + len(DUMP_EXTRA)} answers to {path}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--naive", type=int, default=30)
    parser.add_argument("--wide-only", action="store_true")
    parser.add_argument(
        "--no-wide", dest="wide", action="store_false", help="skip the wide anonymous searches"
    )
    parser.add_argument("--profile", type=int, default=0, help="profile this many searches under cProfile")
    parser.add_argument(
        "--dump", metavar="FILE", help="write the full answers of the queries to FILE (no timing)"
    )
    args = parser.parse_args()
    if args.dump:
        dump(args.dump, args.queries)
        return
    app = national_app()
    client = app.test_client()
    if args.wide_only:
        print(f"# Wide anonymous searches — {machine()}")
        wide(client)
        return
    queries = make_queries(args.queries)
    print(f"- load average before: {loadavg()}")
    for q in queries[:50]:  # warm up caches (PC4 table, database pages, PostgreSQL plan cache)
        client.get("/api/v1/search?" + urlencode(q))
    # The API request and its floor are timed alternately, query by query, so that load from other processes
    # on the shared cores falls on both alike and their ratio stays meaningful.
    floor_session = app.extensions["wijzer_db"]["factory"]()  # its own session, outside any request
    api_ms, api_cpu, floor_ms, totals = [], [], [], []
    # Also timed inside the WSGI app: what a server spends on the request, without the test client's own work
    # (building the WSGI environ from the URL, its cookie jar, wrapping the response: ~0.25 ms a request here).
    in_app_ms: list[float] = []
    app_wsgi = app.wsgi_app

    def timed_wsgi(environ, start_response):
        start = time.perf_counter()
        try:
            return app_wsgi(environ, start_response)
        finally:
            in_app_ms.append((time.perf_counter() - start) * 1000)

    app.wsgi_app = timed_wsgi
    for q in queries:
        cpu, start = time.process_time(), time.perf_counter()
        response = client.get("/api/v1/search?" + urlencode(q))
        api_ms.append((time.perf_counter() - start) * 1000)
        api_cpu.append((time.process_time() - cpu) * 1000)
        assert response.status_code == 200, response.get_data(as_text=True)
        totals.append(response.get_json()["total"])
        start = time.perf_counter()
        bare_sql(floor_session, q)
        floor_ms.append((time.perf_counter() - start) * 1000)
    naive_ms = []
    for q in queries[: args.naive]:
        start = time.perf_counter()
        naive(floor_session, q)
        naive_ms.append((time.perf_counter() - start) * 1000)
    floor_session.close()
    app.wsgi_app = app_wsgi
    api, floor = percentiles(api_ms), percentiles(floor_ms)
    print(f"# Search benchmark — {machine()}")
    print(
        f"- dataset: {app.config['DATABASE_URL']}; {len(queries)} queries; median matches {sorted(totals)[len(totals) // 2]}"
    )
    print(f"- search API, full request through the Flask test client: {fmt(api)}")
    print(f"  - CPU time of this process per request: {fmt(percentiles(api_cpu))}")
    in_app = percentiles(in_app_ms)
    print(
        f"  - inside the WSGI app (what a server spends, without the test client): {fmt(in_app)}"
        f" -> {in_app['p50'] / floor['p50']:.1f}x the floor at p50, {in_app['p95'] / floor['p95']:.1f}x at p95"
    )
    print(
        f"- bare indexed bounding-box SQL (floor):  {fmt(floor)}  -> API / floor = "
        f"{api['p50'] / floor['p50']:.1f}x at p50, {api['p95'] / floor['p95']:.1f}x at p95"
    )
    if naive_ms:
        slow = percentiles(naive_ms)
        print(
            f"- naive geodesic to every offering of the care type: {fmt(slow)} -> {slow['p50'] / api['p50']:.0f}x slower (p50)"
        )
    if args.wide:
        wide(client)
    if is_postgres():
        explain(app, queries)
    if args.profile:
        profile(client, queries[: args.profile])
    print(f"- load average after: {loadavg()}")


def explain(app, queries: list[dict]) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the search's own candidate query for a typical query (PostgreSQL)."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    captured: list[tuple[str, object]] = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT OFFERING.ID, OFFERING.LAT"):
            captured.append((statement, parameters))

    q = next(q for q in queries if "care_type" in q and "age" in q and "tags" not in q)
    event.listen(Engine, "before_cursor_execute", grab)
    try:
        app.test_client().get("/api/v1/search?" + urlencode(q))
    finally:
        event.remove(Engine, "before_cursor_execute", grab)
    if not captured:
        print("- (candidate query not captured)")
        return
    statement, parameters = captured[0]
    with app.app_context():
        from wijzer.db import get_engine

        with get_engine().connect() as conn:
            raw = conn.connection.dbapi_connection  # psycopg: run the statement with its own parameters
            with raw.cursor() as cur:
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                plan = [r[0] for r in cur.fetchall()]
    print(f"- EXPLAIN ANALYZE of the candidate query for {urlencode(q)}:")
    for line in plan:
        print("    " + line)


def profile(client, queries: list[dict]) -> None:
    """cProfile over ``queries`` through the whole request; prints the top functions."""
    import cProfile
    import io
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    for q in queries:
        client.get("/api/v1/search?" + urlencode(q))
    prof.disable()
    for key in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats(key).print_stats(30)
        print(f"- cProfile of {len(queries)} searches, by {key}:")
        print(out.getvalue())


if __name__ == "__main__":
    main()
