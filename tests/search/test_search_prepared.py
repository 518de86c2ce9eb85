"""The search keeps what it builds from the region thresholds (the Thresholds objects and the SQL of the state
columns, keyed by the values) but reads the values on every search: a change of a region's settings, by the
settings service, by plain SQL or by another app instance (another process), is seen by the very next search."""

from sqlalchemy import text

from wijzer import create_app
from wijzer.models import Jeugdregio
from wijzer.services import regions_admin
from wijzer.services.search import region_thresholds


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
