"""The search keeps what it builds from the region thresholds (the Thresholds objects and the SQL of the state
columns, keyed by the values) but reads the values on every search: a change of a region's settings, by the
settings service, by plain SQL or by another app instance (another process), is seen by the very next search."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from wijzer import create_app
from wijzer.models import Jeugdregio, Offering
from wijzer.schemas import SearchFilters
from wijzer.services import regions_admin
from wijzer.services.availability import freshness_of
from wijzer.services.search import region_thresholds, search_offerings


def _freshness(client) -> list[str]:
    response = client.get("/api/v1/search?postcode=3511&radius_km=10")
    assert response.status_code == 200
    return [r["freshness"] for r in response.get_json()["results"]]


def test_a_region_settings_change_is_seen_by_the_next_search(
    app, client, session, make_provider, make_location, make_offering, report
):
    p = make_provider()
    off = make_offering(p, make_location(p, postcode="3512"))  # JZ22
    report(off, days_ago=10, free_places=1, wait_intake=5, wait_treatment=1)
    assert _freshness(client) == ["aging"]  # defaults: fresh 7, stale 14 days

    # through the settings service (as the admin and region pages do), committed by the caller
    region = session.get(Jeugdregio, "JZ22")
    regions_admin.update_region_settings(session, region, {"fresh_days": "12"}, config=app.config)
    session.commit()
    assert _freshness(client) == ["fresh"]

    # by plain SQL (no ORM event sees this)
    session.execute(text("UPDATE jeugdregio SET fresh_days = 3, stale_days = 9 WHERE code = 'JZ22'"))
    session.commit()
    assert _freshness(client) == ["stale"]

    # back to the defaults: the same values as the first search, the same answer
    session.execute(text("UPDATE jeugdregio SET fresh_days = NULL, stale_days = NULL WHERE code = 'JZ22'"))
    session.commit()
    assert _freshness(client) == ["aging"]


def test_a_change_made_by_another_app_instance_is_seen_by_the_next_search(
    app, client, database_url, make_provider, make_location, make_offering, report
):
    p = make_provider()
    off = make_offering(p, make_location(p, postcode="3512"))
    report(off, days_ago=10, free_places=1, wait_intake=5, wait_treatment=1)
    assert _freshness(client) == ["aging"]
    other = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "other"})
    try:
        with other.app_context():
            from wijzer.db import session_scope

            with session_scope() as s:
                regions_admin.update_region_settings(
                    s,
                    s.get(Jeugdregio, "JZ22"),
                    {"fresh_days": "12", "stale_days": "20"},
                    config=other.config,
                )
        assert _freshness(client) == ["fresh"]
    finally:
        other.extensions["wijzer_db"]["engine"].dispose()


def test_region_thresholds_follow_the_table_and_the_config(app, session):
    before = region_thresholds(session, app.config)
    assert before["JZ22"] == before[None] and before[None].fresh_days == app.config["FRESH_DAYS"]
    session.get(Jeugdregio, "JZ22").norm_intake_weeks = 9  # flushed by the read (autoflush), not committed
    assert region_thresholds(session, app.config)["JZ22"].norm_intake_weeks == 9
    session.rollback()
    assert region_thresholds(session, app.config)["JZ22"].norm_intake_weeks == app.config["NORM_INTAKE_WEEKS"]
    changed = dict(app.config, FRESH_DAYS=2)
    assert region_thresholds(session, changed)["JZ22"].fresh_days == 2
    # the kept objects are not handed out for changing: a caller's change does not reach the next search
    region_thresholds(session, app.config)["JZ22"] = None  # type: ignore[assignment]
    assert region_thresholds(session, app.config)["JZ22"] == before["JZ22"]


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 12, 7, 6, 30, 15, 123456, tzinfo=UTC),
        # three and five days back cross the change to summer time (29 March 2026) in Amsterdam
        datetime(2026, 3, 30, 0, 30, 59, 999999, tzinfo=UTC),
    ],
)
def test_a_regions_own_cutoffs_are_exact_to_the_microsecond(
    app, session, make_provider, make_location, make_offering, report, now
):
    """A region's own freshness cut-offs in the search's SQL are exactly Python's ``now - timedelta(days=n)``, to the
    microsecond and across a change of daylight saving time (on PostgreSQL with the session in Amsterdam time); the
    page's thresholds are the region's own, else the app's. (A guard for any way of computing the cut-offs: one in
    SQL, joined per region, was tried and measured no faster, see BENCHMARKS.md.)"""
    region = session.get(Jeugdregio, "JZ22")
    region.fresh_days, region.stale_days = 3, 5
    p = make_provider()
    loc = make_location(p, postcode="3512")  # JZ22
    confirmed = {
        "fresh, on the cut-off": now - timedelta(days=3),
        "aging, a microsecond before it": now - timedelta(days=3, microseconds=1),
        "aging, on the stale cut-off": now - timedelta(days=5),
        "stale, a microsecond before it": now - timedelta(days=5, microseconds=1),
    }
    ids = {}
    for label in confirmed:
        off = make_offering(p, loc)
        report(off, free_places=1, wait_intake=1)
        ids[off.id] = label
    for off_id, label in ids.items():
        session.get(Offering, off_id).last_confirmed_at = confirmed[label]
    session.commit()

    if session.get_bind().dialect.name == "postgresql":  # a server in Amsterdam time (until the commit below)
        session.execute(text("SET LOCAL TIME ZONE 'Europe/Amsterdam'"))
    result = search_offerings(session, SearchFilters(postcode="3511", radius_km=10), now, app.config)
    shown = {ids[h.offering.id]: h.freshness for h in result.results}
    assert shown == {label: label.split(",")[0] for label in confirmed}
    for hit in result.results:
        assert hit.thresholds.fresh_days == 3 and hit.thresholds.stale_days == 5
        assert hit.freshness == freshness_of(hit.offering.last_confirmed_at, now, 3, 5)
    # the page's own region thresholds, and the app's where the region has none of its own
    region.norm_intake_weeks = 2
    session.commit()
    result = search_offerings(session, SearchFilters(postcode="3511", radius_km=10), now, app.config)
    assert {h.thresholds.norm_intake_weeks for h in result.results} == {2}
    region.fresh_days = region.stale_days = region.norm_intake_weeks = None
    session.commit()
    result = search_offerings(session, SearchFilters(postcode="3511", radius_km=10), now, app.config)
    assert {h.thresholds for h in result.results} == {region_thresholds(session, app.config)[None]}


def test_the_search_assumes_the_last_thresholds_read_and_checks_them(
    app, client, session, make_provider, make_location, make_offering, report
):
    """The search needs no query of its own for the thresholds once it has read them on a database: it assumes
    them, checks them in its page's query (or with a read when it shows no page), and searches again when a region's
    settings changed. Both ways of checking see a change made by plain SQL at the very next search."""
    from sqlalchemy import event

    p = make_provider()
    off = make_offering(p, make_location(p, postcode="3512"))  # JZ22
    report(
        off, days_ago=10, free_places=1, wait_intake=5, wait_treatment=1
    )  # aging with the defaults: a place now
    url = "/api/v1/search?postcode=3511&radius_km=10&available_now=true"
    engine = app.extensions["wijzer_db"]["engine"]
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    def search() -> int:
        statements.clear()
        response = client.get(url)
        assert response.status_code == 200
        return response.get_json()["total"]

    assert search() == 1
    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert search() == 1
        assert len(statements) == 2  # the candidates and the page: no query for the thresholds
        assert not any(s.lstrip().startswith("SELECT jeugdregio.code") for s in statements)

        session.execute(
            text("UPDATE jeugdregio SET stale_days = 9 WHERE code = 'JZ22'")
        )  # now stale: no place
        session.commit()
        assert search() == 0  # the page's check saw the change: searched again with the new thresholds
        assert search() == 0 and len(statements) == 2  # no page: checked with a read of the thresholds

        session.execute(text("UPDATE jeugdregio SET stale_days = NULL WHERE code = 'JZ22'"))
        session.commit()
        assert search() == 1  # found by the search again after the read without a page saw the change
        assert search() == 1 and len(statements) == 2

        # a travel distance of its own with 17 significant digits (SQLite's JSON writes 15): still no extra query
        session.execute(text("UPDATE jeugdregio SET travel_km = 33.333333333333336 WHERE code = 'JZ22'"))
        session.commit()
        assert search() == 1
        assert search() == 1 and len(statements) == 2
    finally:
        event.remove(engine, "before_cursor_execute", seen)
