from sqlmodel import func, select

from wijzer.models import CapacityReport, Offering, Provider, User
from wijzer.services import demo


def _snapshot(session):
    rows = session.exec(
        select(
            Offering.offering_ref,
            Offering.care_type,
            Offering.tags,
            Offering.cur_free_places,
            Offering.cur_wait_intake,
        ).order_by(Offering.id)
    ).all()
    return [tuple(r) for r in rows]


def test_seed_is_deterministic_and_consistent(app, session):
    result = demo.seed(session, providers=6, seed_value=7, weeks=10, config=app.config)
    session.commit()
    assert result.providers == 6 and result.offerings == len(_snapshot(session)) >= 25
    assert session.exec(select(func.count()).select_from(CapacityReport)).one() == result.reports
    # The first demo provider is the demo login's: 25 offerings over 3 locations, reporting weekly.
    p1 = session.exec(select(Provider).where(Provider.kvk == "90000001")).one()
    offerings = session.exec(select(Offering).where(Offering.provider_id == p1.id)).all()
    assert len(offerings) == 25
    # Current state equals the newest report of each offering.
    for off in offerings:
        last = session.exec(
            select(CapacityReport)
            .where(CapacityReport.offering_id == off.id)
            .order_by(CapacityReport.reported_at.desc())
        ).first()
        assert last is not None and off.last_report_id == last.id
        assert (off.cur_free_places, off.cur_wait_intake, off.cur_intake_status) == (
            last.free_places,
            last.wait_intake,
            last.intake_status,
        )
        assert off.last_confirmed_at == last.reported_at
        assert off.freshness == "fresh"


def test_same_seed_gives_same_data(app, session):
    from wijzer.timeutil import utcnow

    now = utcnow()
    demo.seed(session, providers=4, seed_value=11, weeks=6, now=now, config=app.config)
    session.flush()
    first = _snapshot(session)
    session.rollback()
    demo.seed(session, providers=4, seed_value=11, weeks=6, now=now, config=app.config)
    session.flush()
    assert _snapshot(session) == first
    session.rollback()
    demo.seed(session, providers=4, seed_value=12, weeks=6, now=now, config=app.config)
    session.flush()
    assert _snapshot(session) != first
    session.rollback()


def test_seed_refuses_twice_and_cli(app, runner, session):
    result = runner.invoke(args=["demo", "seed", "--providers", "3", "--seed", "2", "--weeks", "4"])
    assert result.exit_code == 0, result.output
    assert "3 zorgaanbieders" in result.output and "aanbieder@demo.wijzer.nl" in result.output
    again = runner.invoke(args=["demo", "seed", "--providers", "3", "--seed", "2"])
    assert again.exit_code != 0 and "al demogegevens" in again.output
    quiet = runner.invoke(args=["demo", "seed", "--providers", "3", "--if-empty"])
    assert quiet.exit_code == 0 and "geen demogegevens toegevoegd" in quiet.output
    assert session.exec(select(func.count()).select_from(Provider)).one() == 3
    roles = sorted(u.role for u in session.exec(select(User)).all())
    assert roles == ["admin", "auditor", "provider", "referrer"]


def test_after_the_seed_new_rows_get_new_ids(
    app, session, make_provider, make_location, make_offering, report
):
    """The seed inserts its rows with their ids (in bulk); on PostgreSQL the id sequences must move past them,
    or the first provider, location, offering or report made afterwards collides with a seeded id."""
    demo.seed(session, providers=2, seed_value=3, weeks=2, config=app.config)
    session.commit()
    provider = make_provider(name="Na de demo")
    offering = make_offering(provider, make_location(provider, postcode="3511"))
    report(offering, free_places=1)
    assert session.exec(select(func.count()).select_from(Provider)).one() == 3
