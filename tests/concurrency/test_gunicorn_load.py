"""Under gunicorn (2 workers) against a real database file or server: 50 concurrent provider updates and
200 concurrent searches. No 5xx, no "database is locked", and every update lands in the history."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, text

from tests.concurrency.gunicorn_server import ROOT, call, running_gunicorn

pytestmark = pytest.mark.concurrency


def seed(db_url: str) -> list[tuple[str, str, str]]:
    """Schema via `flask setup`, five providers with two offerings each and an API token per provider."""
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
    from wijzer.schemas import LocationInput, OfferingInput, ProviderInput
    from wijzer.services import accounts, catalogue

    app = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "load"})
    out = []
    with app.app_context(), session_scope() as s:
        for i, pc in enumerate(("3511", "3512", "3431", "1012", "2511")):
            p = catalogue.save_provider(s, ProviderInput(name=f"Aanbieder {i}", kvk=f"{50000000 + i}"))
            loc = catalogue.save_location(s, p, LocationInput(name="Huis", postcode=pc))
            for ref in ("X", "Y"):
                catalogue.save_offering(s, p, loc, OfferingInput(offering_ref=ref, care_type="logeeropvang"))
            user = accounts.create_user(
                s,
                email=f"staf{i}@example.nl",
                password="Correct-Paard-Nietje-42",
                role="provider",
                provider_id=p.id,
            )
            out.append((p.kvk, accounts.create_api_token(s, user, "load")[1], pc))
    app.extensions["wijzer_db"]["engine"].dispose()
    return out


@pytest.fixture
def gunicorn(scratch_database_url, tmp_path):
    providers = seed(scratch_database_url)
    with running_gunicorn(scratch_database_url, tmp_path / "gunicorn.log") as base:
        yield base, providers, scratch_database_url


def test_concurrent_updates_and_searches(gunicorn):
    base, providers, db_url = gunicorn
    updates = []
    for n in range(50):
        kvk, token, _ = providers[n % 5]
        ref = "X" if n % 2 == 0 else "Y"
        updates.append(
            (
                token,
                {
                    "records": [
                        {
                            "kvk": kvk,
                            "offering_ref": ref,
                            "free_places": n,
                            "waiting_weeks_intake": n % 7,
                            "intake_status": "open",
                            "note": f"update {n}",
                        }
                    ]
                },
            )
        )
    searches = [
        f"{base}/api/v1/search?care_type=logeeropvang&postcode={providers[i % 5][2]}&radius_km={10 + i % 40}"
        for i in range(200)
    ]
    with ThreadPoolExecutor(max_workers=50) as pool:
        update_futures = [
            pool.submit(call, "POST", f"{base}/api/v1/capacity", body, token) for token, body in updates
        ]
        search_futures = [pool.submit(call, "GET", url) for url in searches]
        update_results = [f.result() for f in update_futures]
        search_results = [f.result() for f in search_futures]
    bad = [(s, b[:200]) for s, b in update_results + search_results if s != 200]
    assert not bad, bad[:5]
    assert all(json.loads(b)["written"] == 1 for _, b in update_results)
    assert all("results" in json.loads(b) for _, b in search_results)
    engine = create_engine(db_url)
    with engine.connect() as conn:
        notes = {row[0] for row in conn.execute(text("SELECT note FROM capacity_report"))}
    engine.dispose()
    assert notes == {f"update {n}" for n in range(50)}  # nothing lost


def test_a_long_request_log_never_blocks_the_workers(gunicorn):
    """The app logs a line per request. 1,500 requests write well over the 64 KB a pipe holds; when the
    server's output went to an unread pipe, every worker thread blocked in its log write and requests hung."""
    base, _, _ = gunicorn
    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(lambda _: call("GET", f"{base}/api/v1/health")[0], range(1500)))
    assert statuses == [200] * 1500
