import threading
from datetime import timedelta

import pytest
import time_machine
from sqlmodel import func, select

from tests.servers import free_port
from wijzer.models import (
    CapacityReport,
    FreshnessTransition,
    Jeugdregio,
    JobRun,
    Offering,
    OutboxMail,
    RegionSnapshot,
    Reminder,
)
from wijzer.schemas import SearchFilters
from wijzer.services.reminders import make_confirm_token
from wijzer.services.search import search_offerings
from wijzer.timeutil import utcnow


@pytest.fixture
def two_providers(session, make_provider, make_location, make_offering, make_user, report):
    a = make_provider(name="Logeerhuis A", email="info@a.nl")
    b = make_provider(name="Respijt B", email="info@b.nl")
    oa1 = make_offering(a, make_location(a, postcode="3511"), ref="A-1")
    oa2 = make_offering(a, make_location(a, postcode="3512"), ref="A-2", care_type="respijtzorg")
    ob = make_offering(b, make_location(b, postcode="3581"), ref="B-1")
    for off in (oa1, oa2, ob):
        report(off, free_places=1, wait_intake=2, intake_status="open")
    make_user("provider", email="staf@a.nl", provider=a)  # B has no staff: its contact address is used
    region = session.get(Jeugdregio, "JZ22")
    region.contact_email = "contract@regio-utrecht.nl"
    session.commit()
    return {"a": a, "b": b, "oa1": oa1, "oa2": oa2, "ob": ob}


def _mails(session, kind=None):
    stmt = select(OutboxMail).order_by(OutboxMail.id)
    if kind:
        stmt = stmt.where(OutboxMail.kind == kind)
    return session.exec(stmt).all()


def test_walk_fresh_aging_stale_escalated_confirmed(
    app, client, session, run, two_providers, make_provider, make_location, make_offering, report
):
    other = make_provider(name="Altijd bij", email="info@c.nl")
    always = make_offering(other, make_location(other, postcode="3512"), ref="C-1")
    start = utcnow()
    states = lambda: {o.offering_ref: o.freshness for o in session.exec(select(Offering)).all()}  # noqa: E731

    with time_machine.travel(start + timedelta(days=1), tick=False):
        assert run("freshness").status == "ok"
        assert run("reminders").status == "ok"
        session.expire_all()
        assert states()["A-1"] == "fresh" and states()["C-1"] == "unknown"
        assert [m.kind for m in _mails(session)] == ["reminder:stale"]  # C-1 has never been reported

    report(always, days_ago=0, free_places=1, wait_intake=5, intake_status="open")
    with time_machine.travel(start + timedelta(days=8), tick=False):
        report(always, days_ago=0, kind="confirm")
        run("freshness")
        run("reminders")
        session.expire_all()
        assert states() == {"A-1": "aging", "A-2": "aging", "B-1": "aging", "C-1": "fresh"}
        aging = _mails(session, "reminder:aging")
        assert sorted(m.to for m in aging) == ["info@b.nl", "staf@a.nl"]  # one e-mail per provider
        body_a = next(m.body for m in aging if m.to == "staf@a.nl")
        assert "A-1" in body_a and "A-2" in body_a and "/portaal/bevestigen/" in body_a
        # Aging is still reliable: A-1 (wait 2) ranks before C-1 (wait 5), both with a place now.
        keys = [
            h.offering.offering_ref
            for h in search_offerings(
                session, SearchFilters(care_type="logeeropvang"), utcnow(), app.config
            ).results
        ]
        assert keys[:2] == ["A-1", "B-1"] and "C-1" in keys

    with time_machine.travel(start + timedelta(days=15), tick=False):
        report(always, days_ago=0, kind="confirm")
        run("freshness")
        run("reminders")
        session.expire_all()
        assert states()["A-1"] == "stale"
        assert sorted(m.to for m in _mails(session, "reminder:stale")[-2:]) == ["info@b.nl", "staf@a.nl"]
        keys = [
            h.offering.offering_ref
            for h in search_offerings(
                session, SearchFilters(care_type="logeeropvang"), utcnow(), app.config
            ).results
        ]
        assert keys == ["C-1", "A-1", "B-1"]  # stale ones after the fresh one, whatever their wait
        assert _mails(session, "reminder:escalation") == []

    with time_machine.travel(start + timedelta(days=22), tick=False):
        report(always, days_ago=0, kind="confirm")
        run("freshness")
        run("reminders")
        session.expire_all()
        escalations = _mails(session, "reminder:escalation")
        assert [m.to for m in escalations] == ["contract@regio-utrecht.nl", "contract@regio-utrecht.nl"]
        assert {"Logeerhuis A" in m.body or "Respijt B" in m.body for m in escalations} == {True}
        # Provider A confirms with the link from its stale reminder.
        reminder = session.exec(
            select(Reminder).where(Reminder.provider_id == two_providers["a"].id, Reminder.kind == "stale")
        ).one()
        token = make_confirm_token(app.config, reminder)
        assert client.post(f"/portaal/bevestigen/{token}").status_code == 200
        run("freshness")
        session.expire_all()
        assert states()["A-1"] == "fresh" and states()["A-2"] == "fresh" and states()["B-1"] == "stale"
        keys = [
            h.offering.offering_ref
            for h in search_offerings(
                session, SearchFilters(care_type="logeeropvang"), utcnow(), app.config
            ).results
        ]
        assert keys == ["A-1", "C-1", "B-1"]
    moves = session.exec(
        select(FreshnessTransition.to_state)
        .join(Offering, Offering.id == FreshnessTransition.offering_id)
        .where(Offering.offering_ref == "A-1")
        .order_by(FreshnessTransition.id)
    ).all()
    assert moves == ["fresh", "aging", "stale", "fresh"]  # first report (unknown -> fresh), then the walk


def test_jobs_are_idempotent(session, run, two_providers):
    later = utcnow() + timedelta(days=9)
    with time_machine.travel(later, tick=False):
        run("freshness")
        run("freshness")
        assert (
            session.exec(
                select(func.count())
                .select_from(FreshnessTransition)
                .where(FreshnessTransition.to_state == "aging")
            ).one()
            == 3
        )
        run("reminders")
        run("reminders")
        mails = _mails(session)
        assert sorted(m.to for m in mails) == ["info@b.nl", "staf@a.nl"]
        assert session.exec(select(func.count()).select_from(Reminder)).one() == 2


def test_cli_jobs_run_twice_sends_one_mail_per_provider(runner, session, two_providers):
    with time_machine.travel(utcnow() + timedelta(days=9), tick=False):
        for _ in range(2):
            result = runner.invoke(args=["jobs", "run", "reminders"])
            assert result.exit_code == 0, result.output
        assert "reminders: ok" in result.output
    assert len(_mails(session)) == 2
    assert runner.invoke(args=["jobs", "run", "bestaat-niet"]).exit_code != 0
    listing = runner.invoke(args=["jobs", "list"]).output
    assert "reminders" in listing and "08:00" in listing


def test_delivery_over_real_smtp(app, session, run, two_providers, smtp):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, MAIL_SENDER="wijzer@example.nl")
    with time_machine.travel(utcnow() + timedelta(days=9), tick=False):
        assert run("reminders").status == "ok"
    assert sorted(m["To"] for m in smtp.messages) == ["info@b.nl", "staf@a.nl"]
    msg = next(m for m in smtp.messages if m["To"] == "staf@a.nl")
    assert (
        msg["Subject"] == "Herinnering: bevestig uw beschikbaarheid"
        and "A-1" in msg.get_payload()[0].get_payload()
    )
    assert "http://localhost/portaal/bevestigen/" in msg.get_payload()[0].get_payload()  # from BASE_URL
    assert all(m.status == "sent" for m in _mails(session))


def test_smtp_down_records_failure_and_next_run_sends(app, session, run, two_providers, smtp):
    dead = free_port()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=dead)
    day = utcnow() + timedelta(days=9)
    with time_machine.travel(day, tick=False):
        failed = run("reminders")
        assert failed.status == "failed" and "niet verstuurd" in failed.detail
        session.expire_all()
        assert all(
            r.sent_at is None and r.attempts == 1 and r.last_error for r in session.exec(select(Reminder))
        )
    app.config.update(MAIL_PORT=smtp.port)
    with time_machine.travel(day + timedelta(hours=1), tick=False):
        assert run("reminders").status == "ok"
    assert sorted(m["To"] for m in smtp.messages) == ["info@b.nl", "staf@a.nl"]  # nothing lost, nothing twice
    with time_machine.travel(day + timedelta(hours=2), tick=False):
        run("reminders")
    assert len(smtp.messages) == 2
    runs = session.exec(select(JobRun.status).where(JobRun.job == "reminders").order_by(JobRun.id)).all()
    assert runs == ["failed", "ok", "ok"]


def test_missing_contact_address_is_visible_not_fatal(
    session, run, make_provider, make_location, make_offering, report
):
    p = make_provider(name="Zonder adres")  # no e-mail, no staff
    report(make_offering(p, make_location(p)), free_places=1, intake_status="open")
    with time_machine.travel(utcnow() + timedelta(days=9), tick=False):
        result = run("reminders")
        again = run("reminders")
    # recorded once as "geen adres" and shown, not a failure of the job (issue 12: a run fails only for real
    # delivery errors) and not retried every run
    assert result.status == "ok" and "geen adres" in result.detail, result.detail
    reminder = session.exec(select(Reminder)).one()
    assert reminder.last_error == "Geen e-mailadres van de aanbieder bekend" and reminder.attempts == 1
    assert again.status == "ok"


def test_concurrent_reminder_runs_send_no_duplicates(
    app, session, two_providers, make_provider, make_location, make_offering, report
):
    from wijzer.jobs import run_job

    for i in range(6):
        p = make_provider(name=f"Extra {i}", email=f"extra{i}@example.nl")
        report(make_offering(p, make_location(p)), free_places=1, intake_status="open")
    later = utcnow() + timedelta(days=9)
    results = []

    def worker():
        with app.app_context():
            results.append(run_job("reminders", now=later))

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.status in ("ok", "skipped") for r in results), [(r.status, r.detail) for r in results]
    mails = _mails(session)
    assert len(mails) == 8 and len({m.to for m in mails}) == 8


def test_confirm_link_get_shows_post_confirms_single_use(app, client, session, run, two_providers):
    with time_machine.travel(utcnow() + timedelta(days=9), tick=False):
        run("reminders")
    reminder = session.exec(select(Reminder).where(Reminder.provider_id == two_providers["a"].id)).one()
    token = make_confirm_token(app.config, reminder)
    before = session.exec(select(func.count()).select_from(CapacityReport)).one()
    page = client.get(f"/portaal/bevestigen/{token}")
    assert (
        page.status_code == 200
        and "A-1" in page.get_data(as_text=True)
        and "A-2" in page.get_data(as_text=True)
    )
    assert (
        session.exec(select(func.count()).select_from(CapacityReport)).one() == before
    )  # GET changes nothing
    done = client.post(f"/portaal/bevestigen/{token}")
    assert done.status_code == 200 and "2 aanbod is bevestigd" in done.get_data(as_text=True)
    reports = session.exec(select(CapacityReport).order_by(CapacityReport.id.desc()).limit(2)).all()
    assert {r.kind for r in reports} == {"confirm"} and {r.source for r in reports} == {"email_link"}
    assert client.post(f"/portaal/bevestigen/{token}").status_code == 410  # single use
    assert client.get(f"/portaal/bevestigen/{token}").status_code == 410
    assert client.get(f"/portaal/bevestigen/{token[:-3]}abc").status_code == 404  # tampered
    assert client.post("/portaal/bevestigen/onzin").status_code == 404


def test_confirm_link_expires_after_14_days(app, client, session, run, two_providers):
    start = utcnow() + timedelta(days=9)
    with time_machine.travel(start, tick=False):
        run("reminders")
        reminder = session.exec(select(Reminder).where(Reminder.provider_id == two_providers["b"].id)).one()
        token = make_confirm_token(app.config, reminder)
    with time_machine.travel(start + timedelta(days=15), tick=False):
        response = client.get(f"/portaal/bevestigen/{token}")
        assert response.status_code == 410 and "verlopen" in response.get_data(as_text=True)


def test_expire_statuses(session, run, make_provider, make_location, make_offering, report):
    p = make_provider()
    off = make_offering(p, make_location(p))
    report(
        off,
        free_places=0,
        intake_status="opnamestop",
        status_until=(utcnow() + timedelta(days=2)).date().isoformat(),
    )
    assert "0 aanbod" in run("expire_statuses").detail
    with time_machine.travel(utcnow() + timedelta(days=4), tick=False):
        assert "1 aanbod" in run("expire_statuses").detail
        assert "0 aanbod" in run("expire_statuses").detail
    session.expire_all()
    assert session.get(Offering, off.id).needs_update is True


def test_region_snapshots_upsert(session, run, two_providers):
    assert run("region_snapshots").status == "ok"
    assert run("region_snapshots").status == "ok"
    assert session.exec(select(func.count()).select_from(RegionSnapshot)).one() == 42 * 4
    snap = session.exec(
        select(RegionSnapshot).where(
            RegionSnapshot.region_code == "JZ22", RegionSnapshot.care_type == "logeeropvang"
        )
    ).one()
    assert (snap.offerings, snap.providers, snap.free_places, snap.median_wait_intake) == (2, 2, 2, 2)


def test_operator_view_admin_only(client, run, make_user, login):
    run("freshness")
    login(make_user("referrer"))
    assert client.get("/beheer/taken/").status_code == 403
    client.post("/uitloggen")
    login(make_user("admin"))
    html = client.get("/beheer/taken/").get_data(as_text=True)
    assert "freshness" in html and "Gelukt" in html and "reminders" in html and "nog nooit" in html


def test_scheduler_registers_all_jobs(app):
    from wijzer.jobs import build_scheduler

    scheduler = build_scheduler(app)
    jobs = {j.id: j for j in scheduler.get_jobs()}
    assert set(jobs) == {
        "freshness",
        "reminders",
        "expire_statuses",
        "region_snapshots",
        "trend_weeks",
        "mail",
        "alerts",
        "placement_answers",
        "placement_holds",
        "placement_retention",
    }
    assert str(scheduler.timezone) == "Europe/Amsterdam"
    assert "hour='8'" in str(jobs["reminders"].trigger)


def test_confirm_link_post_needs_csrf_and_skips_never_reported(
    app, database_url, session, run, two_providers, make_offering, make_location
):
    from wijzer import create_app

    never = make_offering(two_providers["a"], make_location(two_providers["a"]), ref="A-NIEUW")
    with time_machine.travel(utcnow() + timedelta(days=9), tick=False):
        run("reminders")
    reminder = session.exec(
        select(Reminder).where(Reminder.provider_id == two_providers["a"].id, Reminder.kind == "aging")
    ).one()
    token = make_confirm_token(app.config, reminder)
    strict = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": app.config["SECRET_KEY"],
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": True,
        }
    )
    client = strict.test_client()
    assert client.post(f"/portaal/bevestigen/{token}").status_code == 400  # no CSRF token: refused
    session.expire_all()
    assert session.get(Reminder, reminder.id).link_used_at is None
    page = client.get(f"/portaal/bevestigen/{token}").get_data(as_text=True)
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    done = client.post(f"/portaal/bevestigen/{token}", data={"csrf_token": csrf})
    assert done.status_code == 200 and "2 aanbod is bevestigd" in done.get_data(as_text=True)
    session.expire_all()
    assert session.get(Offering, never.id).last_confirmed_at is None  # nothing reported, nothing to confirm
    strict.extensions["wijzer_db"]["engine"].dispose()


def _stale_offering_in_region_without_contact(make_provider, make_location, make_offering, report):
    p = make_provider(name="Stil Zorg", email="info@stil.nl")
    off = make_offering(p, make_location(p, postcode="3511"), ref="S-1")
    report(off, free_places=1, intake_status="open")
    return p, off


def test_escalation_without_region_contact_is_recorded_once_and_the_job_succeeds(
    app, session, run, make_provider, make_location, make_offering, report
):
    """Regression (issue 12): with no contact address for the region, the reminders job reported
    'Mislukt' on its first run and every day after, retrying the escalation each time."""
    _stale_offering_in_region_without_contact(make_provider, make_location, make_offering, report)
    start = utcnow()
    with time_machine.travel(start + timedelta(days=22), tick=False):
        first = run("reminders")
    assert first.status == "ok", first.detail
    assert "geen adres" in first.detail
    escalation = session.exec(select(Reminder).where(Reminder.kind == "escalation")).one()
    assert escalation.recipients == "geen adres" and escalation.sent_at is not None
    assert escalation.attempts == 1
    with time_machine.travel(start + timedelta(days=23), tick=False):
        second = run("reminders")
    assert second.status == "ok", second.detail
    session.expire_all()
    assert (
        session.exec(select(Reminder).where(Reminder.kind == "escalation")).one().attempts == 1
    )  # not retried
    assert _mails(session, "reminder:escalation") == []


def test_escalation_without_region_contact_goes_to_the_admin_address(
    app, session, run, make_provider, make_location, make_offering, report
):
    app.config["ADMIN_EMAIL"] = "beheer@wijzer.example"
    _stale_offering_in_region_without_contact(make_provider, make_location, make_offering, report)
    with time_machine.travel(utcnow() + timedelta(days=22), tick=False):
        assert run("reminders").status == "ok"
    assert [m.to for m in _mails(session, "reminder:escalation")] == ["beheer@wijzer.example"]


def test_escalation_goes_to_every_region_contact(
    session, run, make_provider, make_location, make_offering, report
):
    region = session.get(Jeugdregio, "JZ22")
    region.contact_email = "a@regio.nl, b@regio.nl"
    session.commit()
    _stale_offering_in_region_without_contact(make_provider, make_location, make_offering, report)
    with time_machine.travel(utcnow() + timedelta(days=22), tick=False):
        assert run("reminders").status == "ok"
    assert [m.to for m in _mails(session, "reminder:escalation")] == ["a@regio.nl, b@regio.nl"]


def test_freshness_job_reports_how_many_transitions_it_recorded(session, run, two_providers):
    """The run's detail is the number of transition rows it wrote (on PostgreSQL the ORM insert … select
    reported -1: "-1 overgangen vastgelegd")."""
    before = session.exec(select(func.count()).select_from(FreshnessTransition)).one()
    with time_machine.travel(utcnow() + timedelta(days=30), tick=False):
        result = run("freshness")
    session.expire_all()
    written = session.exec(select(func.count()).select_from(FreshnessTransition)).one() - before
    assert written > 0
    assert result.detail == f"{written} overgangen vastgelegd"
    with time_machine.travel(utcnow() + timedelta(days=30, minutes=5), tick=False):
        assert run("freshness").detail == "0 overgangen vastgelegd"
