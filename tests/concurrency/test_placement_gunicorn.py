"""Under gunicorn (2 workers × 4 threads) on SQLite and PostgreSQL: five offerings each with one free place
and two accepted holds (from two referrers); all ten confirmations are sent at the same moment. For every
offering exactly one confirmation succeeds (200) and the other gets 409; free places end at zero, never
below, and exactly one placement report is written per offering."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, text

from tests.concurrency.gunicorn_server import ROOT, call, running_gunicorn

pytestmark = pytest.mark.concurrency
PASSWORD = "Correct-Paard-Nietje-42"


def seed(db_url: str) -> dict:
    env = dict(os.environ, WIJZER_DATABASE_URL=db_url)
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "setup"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    from wijzer import create_app
    from wijzer.db import session_scope
    from wijzer.schemas import CapacityInput, LocationInput, OfferingInput, ProviderInput
    from wijzer.services import accounts, availability, catalogue

    app = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "race"})
    out = {"offerings": [], "referrers": []}
    with app.app_context(), session_scope() as s:
        p = catalogue.save_provider(s, ProviderInput(name="Logeerhuis Race", kvk="60000001"))
        loc = catalogue.save_location(s, p, LocationInput(name="Huis", postcode="3511"))
        for n in range(5):
            off = catalogue.save_offering(
                s, p, loc, OfferingInput(offering_ref=f"R{n}", care_type="logeeropvang")
            )
            availability.record_report(
                s, off, CapacityInput(free_places=1, intake_status="open"), kind="update", source="portal"
            )
            out["offerings"].append(off.id)
        staff = accounts.create_user(
            s, email="staf@race.nl", password=PASSWORD, role="provider", provider_id=p.id
        )
        out["provider_token"] = accounts.create_api_token(s, staff, "race")[1]
        for r in range(2):
            user = accounts.create_user(s, email=f"verwijzer{r}@race.nl", password=PASSWORD, role="referrer")
            out["referrers"].append(accounts.create_api_token(s, user, "race")[1])
    app.extensions["wijzer_db"]["engine"].dispose()
    return out


@pytest.fixture
def server(scratch_database_url, tmp_path):
    world = seed(scratch_database_url)
    with running_gunicorn(scratch_database_url, tmp_path / "gunicorn.log", secret="race-test-secret") as base:
        yield base, world, scratch_database_url


def test_two_referrers_confirming_holds_on_the_last_place(server):
    from wijzer.services.workdays import add_working_days_to_date
    from wijzer.timeutil import today_local

    base, world, db_url = server
    today = today_local()
    hold = add_working_days_to_date(today, 5).isoformat()
    confirms = []  # (offering id, referrer token, request id, item id)
    for oid in world["offerings"]:
        for token in world["referrers"]:
            status, body = call(
                "POST",
                f"{base}/api/v1/requests",
                {
                    "offering_ids": [oid],
                    "age": 10,
                    "care_type": "logeeropvang",
                    "gemeente_code": "GM0344",
                    "start_from": today.isoformat(),
                    "start_to": (today + timedelta(days=14)).isoformat(),
                    "reference": "RACE",
                },
                token,
            )
            assert status == 201, body
            created = json.loads(body)
            item = created["items"][0]["id"]
            status, body = call(
                "POST",
                f"{base}/api/v1/request-items/{item}/answer",
                {"answer": "accept", "hold_until": hold},
                world["provider_token"],
            )
            assert status == 200, body
            confirms.append((oid, token, created["id"], item))
    status, body = call("GET", f"{base}/api/v1/offerings/{world['offerings'][0]}")
    assert json.loads(body)["held_places"] == 2 and json.loads(body)["free_places"] == 0

    barrier = threading.Barrier(len(confirms))
    results: dict[int, tuple[int, str]] = {}

    def confirm(i, rid, item, token):
        barrier.wait(timeout=30)
        results[i] = call("POST", f"{base}/api/v1/requests/{rid}/confirm", {"item_id": item}, token)

    threads = [
        threading.Thread(target=confirm, args=(i, rid, item, token))
        for i, (_oid, token, rid, item) in enumerate(confirms)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(results) == len(confirms)
    for oid in world["offerings"]:
        pair = sorted(results[i][0] for i, c in enumerate(confirms) if c[0] == oid)
        assert pair == [200, 409], (oid, [results[i] for i, c in enumerate(confirms) if c[0] == oid])
        loser = next(results[i][1] for i, c in enumerate(confirms) if c[0] == oid and results[i][0] == 409)
        assert "geen vrije plek meer" in json.loads(loser)["error"]["message"]
    engine = create_engine(db_url)
    with engine.connect() as conn:
        free = dict(conn.execute(text("SELECT id, cur_free_places FROM offering")).all())
        placements = dict(
            conn.execute(
                text(
                    "SELECT offering_id, count(*) FROM capacity_report WHERE source = 'plaatsing' GROUP BY offering_id"
                )
            ).all()
        )
        statuses = sorted(r[0] for r in conn.execute(text("SELECT status FROM placement_item")))
    engine.dispose()
    assert all(free[oid] == 0 for oid in world["offerings"])
    assert placements == {oid: 1 for oid in world["offerings"]}
    assert statuses == ["accepted"] * 5 + ["confirmed"] * 5
    for oid in world["offerings"]:
        status, body = call("GET", f"{base}/api/v1/offerings/{oid}")
        shown = json.loads(body)
        assert shown["free_places"] == 0 and shown["held_places"] == 1  # never below zero
