"""Weekly update benchmark on the national dataset, timed server-side (whole request via the test client).

1. The demo provider (25 offerings): load the weekly page, submit "Alles klopt nog" unchanged.
2. A large provider (14 locations, 60 offerings, 12 weeks of weekly history) added to a copy of the
   national dataset: load the weekly grid (target p95 <= 100 ms) and save 5 changes + 55 confirmations
   with "Alles klopt nog" (target p95 <= 150 ms). Every round loads the page first, so each save carries
   the row versions it was rendered with, exactly as a planner's browser does.

    python benchmarks/bench_portal.py [--rounds 30]
"""

from __future__ import annotations

import argparse
import html as htmllib
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import timedelta

from common import BENCH_URL, DATASET, ROOT, fmt, machine, national_app, percentiles
from sqlalchemy import event
from sqlalchemy.engine import Engine

from wijzer.services.demo import DEMO_PASSWORD

BIG_KVK = "89999960"
BIG_EMAIL = "planner60@bench.wijzer.nl"
BIG_OFFERINGS, BIG_LOCATIONS, CHANGES = 60, 14, 5
POSTCODES = [
    "3511AB",
    "3521AA",
    "3581AB",
    "1012AB",
    "2511AB",
    "3011AB",
    "5611AB",
    "6511AB",
    "9711AB",
    "8011AB",
    "6811AB",
    "4811AB",
    "7511AB",
    "2011AB",
]


def _fields(page: str) -> dict[str, str]:
    """The form as the browser would send it: every input's value and each select's chosen option."""
    fields = {k: htmllib.unescape(v) for k, v in re.findall(r'name="(o\d+-[a-z_]+)" value="([^"]*)"', page)}
    for select in re.findall(r'<select[^>]*name="o\d+-intake_status".*?</select>', page, re.S):
        name = re.search(r'name="(o\d+-intake_status)"', select).group(1)
        chosen = re.search(r'<option value="([a-z_]*)" selected', select)
        fields[name] = chosen.group(1) if chosen else ""
    return fields


def _big_provider_app():
    """A copy of the national dataset with one provider of 60 offerings (built once, then reused)."""
    from wijzer import create_app
    from wijzer.db import session_scope
    from wijzer.models import Provider
    from wijzer.schemas import CapacityInput, LocationInput, OfferingInput, ProviderInput
    from wijzer.services import accounts, availability, catalogue
    from wijzer.timeutil import utcnow

    national_app()  # builds the national dataset if missing
    if BENCH_URL:  # another database (PostgreSQL): the big provider is added to it directly
        url = BENCH_URL
    else:
        copy = DATASET.with_name("national-portal60.db")
        if not copy.exists():
            shutil.copyfile(DATASET, copy)
        url = f"sqlite:///{copy}"
    # bring the copy's schema up to this code's migrations (idempotent)
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "setup"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        env=dict(os.environ, WIJZER_DATABASE_URL=url),
    )
    app = create_app(
        {"DATABASE_URL": url, "RATELIMIT_ENABLED": False, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False}
    )
    with app.app_context(), session_scope() as s:
        from sqlmodel import select

        if s.exec(select(Provider).where(Provider.kvk == BIG_KVK)).first() is None:
            provider = catalogue.save_provider(
                s, ProviderInput(name="Jeugdzorg Groot (benchmark)", kvk=BIG_KVK), actor="bench"
            )
            locations = [
                catalogue.save_location(
                    s, provider, LocationInput(name=f"Locatie {i + 1:02d}", postcode=pc), actor="bench"
                )
                for i, pc in enumerate(POSTCODES[:BIG_LOCATIONS])
            ]
            care = ["respijtzorg", "logeeropvang", "specialistische_jeugdhulp", "onderwijs_zorgarrangement"]
            now = utcnow()
            for k in range(BIG_OFFERINGS):
                off = catalogue.save_offering(
                    s,
                    provider,
                    locations[k % BIG_LOCATIONS],
                    OfferingInput(offering_ref=f"G-{k + 1:03d}", care_type=care[k % 4], tags=["ass"]),
                    actor="bench",
                )
                for week in range(12, 0, -1):  # weekly history: mostly confirmations, some edits
                    at = now - timedelta(weeks=week, hours=k % 7)
                    if week == 12 or (k + week) % 3 == 0:
                        data = CapacityInput(
                            free_places=(k + week) % 4,
                            wait_intake=(k + week) % 9,
                            wait_treatment=k % 12,
                            waitlist_length=(k * week) % 15,
                            intake_status="open" if (k + week) % 4 else "wachtlijst",
                        )
                        availability.record_report(
                            s, off, data, kind="update", source="portal", reported_at=at, now=now
                        )
                    else:
                        availability.record_report(
                            s, off, None, kind="confirm", source="portal", reported_at=at, now=now
                        )
            accounts.create_user(
                s,
                email=BIG_EMAIL,
                password=DEMO_PASSWORD,
                role="provider",
                provider_id=provider.id,
                actor="bench",
            )
    from wijzer.serving import prepare

    return prepare(app)  # as wsgi.py prepares every serving process


def _run(app, email: str, rounds: int, changes: int, statements: list[str]):
    client = app.test_client()
    assert client.post("/inloggen", data={"email": email, "password": DEMO_PASSWORD}).status_code == 302
    get_ms, post_ms, get_sql, post_sql, get_cpu, post_cpu = [], [], [], [], [], []
    offerings = 0
    for r in range(rounds):
        statements.clear()
        c0, t0 = time.process_time(), time.perf_counter()
        page = client.get("/portaal/")
        c1, t1 = time.process_time(), time.perf_counter()
        get_sql.append(sum(st.lstrip().upper().startswith("SELECT") for st in statements))
        fields = _fields(page.get_data(as_text=True))
        ids = sorted({k.split("-")[0] for k in fields})
        offerings = len(ids)
        for oid in ids[:changes]:  # change the free places of `changes` rows (open, so any number is allowed)
            fields[f"{oid}-intake_status"] = "open"
            fields[f"{oid}-status_until"] = ""
            fields[f"{oid}-total_places"] = ""
            fields[f"{oid}-free_places"] = str(1 + (r + int(oid[1:])) % 5)
        statements.clear()
        c2, t2 = time.process_time(), time.perf_counter()
        response = client.post("/portaal/", data={"action": "confirm_all", **fields})
        c3, t3 = time.process_time(), time.perf_counter()
        post_sql.append((sum(st.lstrip().upper().startswith("SELECT") for st in statements), len(statements)))
        assert page.status_code == 200 and response.status_code == 302, response.get_data(as_text=True)[:2000]
        get_ms.append((t1 - t0) * 1000)
        post_ms.append((t3 - t2) * 1000)
        get_cpu.append((c1 - c0) * 1000)
        post_cpu.append((c3 - c2) * 1000)
    flashes = client.get("/portaal/").get_data(as_text=True)
    assert f"{changes} gewijzigd, {offerings - changes} bevestigd" in flashes
    return offerings, get_ms, post_ms, get_sql, post_sql, get_cpu, post_cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    statements: list[str] = []
    event.listen(Engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    print(f"# Portal weekly update benchmark — {machine()}")

    app = _big_provider_app()  # the national dataset plus the large provider, migrated to this code
    n, get_ms, post_ms, get_sql, post_sql, _, _ = _run(
        app, "aanbieder@demo.wijzer.nl", args.rounds, 0, statements
    )
    both = [g + p for g, p in zip(get_ms, post_ms, strict=True)]
    print(
        f"- demo provider, {n} offerings, on {app.config['DATABASE_URL']} (the national dataset + one provider)"
    )
    print(f"  - GET weekly page:            {fmt(percentiles(get_ms))}")
    print(f"  - POST 'Alles klopt nog':     {fmt(percentiles(post_ms))}")
    print(f"  - load + submit (server):     {fmt(percentiles(both))}  (target < 300 ms)")
    print(
        f"  - SQL: GET max {max(get_sql)} SELECTs; POST max {max(p[0] for p in post_sql)} SELECTs of "
        f"{max(p[1] for p in post_sql)} statements"
    )

    n, get_ms, post_ms, get_sql, post_sql, get_cpu, post_cpu = _run(
        app, BIG_EMAIL, args.rounds, CHANGES, statements
    )
    print(f"- provider with {n} offerings over {BIG_LOCATIONS} locations, same database")
    print(f"  - GET weekly grid:            {fmt(percentiles(get_ms))}  (target p95 <= 100 ms)")
    print(
        f"  - POST {CHANGES} changes + {n - CHANGES} confirmations: {fmt(percentiles(post_ms))}  (target p95 <= 150 ms)"
    )
    print(
        f"  - CPU time of the process (less sensitive to a busy machine): GET {fmt(percentiles(get_cpu))}; "
        f"POST {fmt(percentiles(post_cpu))}"
    )
    print(
        f"  - SQL: GET max {max(get_sql)} SELECTs; POST max {max(p[0] for p in post_sql)} SELECTs of "
        f"{max(p[1] for p in post_sql)} statements"
    )
    print(f"- load average during the run: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
