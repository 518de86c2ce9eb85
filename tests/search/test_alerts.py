"""Alerts ("Houd me op de hoogte"): mails through a real SMTP server on loopback, idempotent runs, the
signed one-click links (valid, reused, tampered), expiry and extension, the account list and the API."""

from __future__ import annotations

import re
from datetime import timedelta
from email.header import decode_header, make_header

import pytest
from sqlmodel import select

from tests.servers import free_port, smtp_inbox
from wijzer.models import Alert, AlertMail, OutboxMail
from wijzer.services import accounts
from wijzer.services import alerts as svc
from wijzer.timeutil import utcnow


@pytest.fixture
def smtp():
    with smtp_inbox() as inbox:
        yield inbox


@pytest.fixture
def mail_app(app, smtp):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, BASE_URL="https://wijzer.example")
    return app


@pytest.fixture
def world(session, make_provider, make_location, make_offering, make_user, report):
    p = make_provider(name="Logeerhuis Noord", phone="030-7654321")
    near = make_offering(
        p,
        make_location(p, postcode="3431", name="Noord"),
        care_type="logeeropvang",
        ref="NEAR",
        modalities=["weekend"],
    )
    far = make_offering(
        p, make_location(p, postcode="9711", name="Groningen"), care_type="logeeropvang", ref="FAR"
    )
    other = make_offering(
        p, make_location(p, postcode="3431", name="Noord 2"), care_type="respijtzorg", ref="RZ"
    )
    for off in (near, far, other):
        report(off, free_places=0, wait_intake=8, intake_status="wachtlijst")
    user = make_user("referrer", email="poh@huisarts.nl")
    return {"near": near, "far": far, "other": other, "user": user}


def run(app, session, now=None):
    """One run of the job as the scheduler does it (recorded as a JobRun): (detail, failures)."""
    from wijzer.jobs import run_job

    with app.app_context():
        job = run_job("alerts", now=now)
        run_job("mail")  # delivers what the alerts job queued
    session.expire_all()
    return job.detail, ([] if job.status == "ok" else [job.detail])


def make_alert(session, user, **params):
    alert = svc.create_alert(
        session, user, params or {"care_type": "logeeropvang", "postcode": "3431", "radius_km": "25"}
    )
    session.commit()
    return alert


def open_place(report, off, free=1):
    report(off, free_places=free, wait_intake=0, intake_status="open" if free else "wachtlijst")


def test_mail_when_an_offering_becomes_a_place_now(mail_app, session, world, smtp, report):
    run(mail_app, session)  # first run ever: records what already is
    alert = make_alert(session, world["user"])
    run(mail_app, session)
    assert smtp.messages == []
    open_place(report, world["near"])
    open_place(report, world["far"])  # too far
    open_place(report, world["other"])  # other care type
    detail, failed = run(mail_app, session)
    assert not failed and len(smtp.messages) == 1, detail
    msg = smtp.messages[0]
    subject = str(make_header(decode_header(msg["Subject"])))
    assert msg["To"] == "poh@huisarts.nl" and subject == "Nieuwe plek: Logeeropvang · 3431 · 25 km"
    body = msg.get_payload(decode=True).decode()
    assert "Noord" in body and "Groningen" not in body and "030-7654321" in body
    links = re.findall(r"https?://\S+", body)
    assert links and all(link.startswith("https://wijzer.example/") for link in links)
    assert f"https://wijzer.example/aanbod/{world['near'].id}?" in body
    assert re.search(r"https://wijzer.example/meldingen/afmelden/\S+", body)
    # the same place is never mailed twice ...
    run(mail_app, session, utcnow() + timedelta(minutes=15))
    assert len(smtp.messages) == 1
    # ... unless it lost its place in between
    open_place(report, world["near"], free=0)
    run(mail_app, session, utcnow() + timedelta(minutes=30))
    open_place(report, world["near"])
    run(mail_app, session, utcnow() + timedelta(minutes=45))
    assert len(smtp.messages) == 2
    assert session.exec(select(AlertMail).where(AlertMail.alert_id == alert.id)).all()[-1].sent_at is not None


def test_places_that_existed_before_the_alert_are_not_news(mail_app, session, world, smtp, report):
    run(mail_app, session)
    open_place(report, world["near"])
    run(mail_app, session)
    make_alert(session, world["user"])
    run(mail_app, session, utcnow() + timedelta(minutes=15))
    assert smtp.messages == []


def test_one_mail_per_run_lists_all_new_places(
    mail_app, session, world, smtp, report, make_provider, make_location, make_offering
):
    run(mail_app, session)
    make_alert(session, world["user"])
    p = make_provider(name="Tweede")
    second = make_offering(p, make_location(p, postcode="3431"), care_type="logeeropvang", ref="TWO")
    open_place(report, world["near"])
    open_place(report, second)
    run(mail_app, session)
    assert len(smtp.messages) == 1 and smtp.messages[0]["Subject"].startswith("2 nieuwe plekken")


def test_two_runs_in_one_window_send_one_mail(mail_app, session, world, smtp, report):
    run(mail_app, session)
    make_alert(session, world["user"])
    open_place(report, world["near"])
    now = utcnow()
    with mail_app.app_context():
        # two schedulers both claim (the second finds the unique key taken) and both send (one lease wins)
        first = svc.claim_alert_mails(session, now, mail_app.config)
        second = svc.claim_alert_mails(session, now, mail_app.config)
        svc.send_alert_mails(session, now, mail_app.config)
        svc.send_alert_mails(session, now, mail_app.config)
        from wijzer.jobs import run_job

        run_job("mail")
        run_job("mail")
    assert first[0] == 1 and second[0] == 0
    assert len(smtp.messages) == 1


def test_smtp_down_keeps_the_mail_for_the_next_run(app, session, world, report, smtp):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())  # nothing listens
    run(app, session)
    make_alert(session, world["user"])
    open_place(report, world["near"])
    _detail, failed = run(app, session)
    assert not failed  # the alert is queued; delivery is the mail job's
    row = session.exec(select(OutboxMail).where(OutboxMail.kind == "alert:places")).one()
    assert row.status != "sent" and row.error
    app.config.update(MAIL_PORT=smtp.port)  # the server is back: the mail job delivers it, once
    from wijzer.jobs import run_job

    with app.app_context():
        run_job("mail", now=utcnow() + timedelta(hours=2))
        run_job("mail", now=utcnow() + timedelta(hours=3))
    assert len(smtp.messages) == 1


def test_paused_and_unsubscribed_alerts_send_nothing(mail_app, session, world, smtp, report):
    run(mail_app, session)
    alert = make_alert(session, world["user"])
    svc.set_paused(session, alert, True)
    session.commit()
    open_place(report, world["near"])
    run(mail_app, session)
    assert smtp.messages == []


def test_unsubscribe_link_valid_reused_tampered(mail_app, session, world, smtp, report):
    client = mail_app.test_client()
    alert = make_alert(session, world["user"])
    token = svc.make_token(mail_app.config, alert, "stop")
    page = client.get(f"/meldingen/afmelden/{token}")
    assert page.status_code == 200 and "Wilt u geen e-mail meer krijgen" in page.get_data(as_text=True)
    session.refresh(alert)
    assert alert.ended_at is None  # GET only shows
    done = client.post(f"/meldingen/afmelden/{token}")
    assert "U bent afgemeld" in done.get_data(as_text=True)
    session.refresh(alert)
    assert alert.ended_at is not None
    again = client.get(f"/meldingen/afmelden/{token}")  # reused: says so, changes nothing
    assert again.status_code == 200 and "U bent afgemeld" in again.get_data(as_text=True)
    assert client.post(f"/meldingen/afmelden/{token}").status_code == 200
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    bad = client.get(f"/meldingen/afmelden/{tampered}")
    assert bad.status_code == 404 and "ongeldig" in bad.get_data(as_text=True)
    assert client.post(f"/meldingen/afmelden/{tampered}").status_code == 404
    extend_as_stop = svc.make_token(mail_app.config, alert, "extend")
    assert client.get(f"/meldingen/afmelden/{extend_as_stop}").status_code == 404  # one purpose per link
    open_place(report, world["near"])
    run(mail_app, session)
    assert smtp.messages == []


def test_expiry_warning_and_one_click_extend(mail_app, session, world, smtp):
    alert = make_alert(session, world["user"])
    now = utcnow() + timedelta(days=84)
    run(mail_app, session, now)
    assert len(smtp.messages) == 1 and "loopt af op" in smtp.messages[0]["Subject"]
    body = smtp.messages[0].get_payload(decode=True).decode()
    token = re.search(r"https://wijzer.example/meldingen/verlengen/(\S+)", body).group(1)
    run(mail_app, session, now + timedelta(hours=1))
    assert len(smtp.messages) == 1  # warned once
    client = mail_app.test_client()
    assert "Verlengen" in client.get(f"/meldingen/verlengen/{token}").get_data(as_text=True)
    client.post(f"/meldingen/verlengen/{token}")
    session.refresh(alert)
    assert alert.expires_at > utcnow() + timedelta(days=89) and alert.expiry_warned_at is None


def test_alerts_end_after_90_days(mail_app, session, world):
    alert = make_alert(session, world["user"])
    run(mail_app, session, utcnow() + timedelta(days=91))
    session.refresh(alert)
    assert alert.ended_at is not None


def test_alert_stores_only_filters(session, world):
    alert = svc.create_alert(
        session,
        world["user"],
        {"care_type": "logeeropvang", "age": "9", "postcode": "3431 AB", "modality": ["weekend", "vakantie"]},
    )
    assert (
        alert.filters
        == "care_type=logeeropvang&age=9&modality=weekend%2Cvakantie&postcode=3431AB&radius_km=25"
    )
    assert set(Alert.model_fields) == {
        "id",
        "user_id",
        "filters",
        "label",
        "created_at",
        "expires_at",
        "paused",
        "ended_at",
        "checked_until",
        "expiry_warned_at",
    }
    with pytest.raises(svc.AlertError):
        svc.create_alert(session, world["user"], {})
    with pytest.raises(svc.AlertError):
        svc.create_alert(session, world["user"], {"child_name": "x", "care_type": "logeeropvang"})


def test_matcher_agrees_with_the_search(app, session, make_provider, make_location, make_offering, report):
    """For every filter the Python matcher of the job finds exactly what the search finds."""
    from tests.search.test_search import SPEC
    from wijzer.schemas import SearchFilters
    from wijzer.services.search import search_offerings

    for key, (pc, ct, tags, (lo, hi), mods, funding, rep) in SPEC.items():
        p = make_provider(name=f"Aanbieder {key}")
        off = make_offering(
            p,
            make_location(p, postcode=pc),
            care_type=ct,
            ref=key,
            tags=tags,
            min_age=lo,
            max_age=hi,
            modalities=mods,
            funding=funding,
            contract_regions=["JZ22"] if lo else [],
        )
        if rep:
            report(off, days_ago=rep[0], **rep[1])
    rows = [svc.Light(*r) for r in session.exec(select(*svc.LIGHT_COLUMNS)).all()]
    cases = [{"postcode": "3511", "radius_km": r} for r in (5, 10, 19.9, 20, 25, 250)] + [
        {"care_type": "logeeropvang"},
        {"tags": ["vg", "ass"]},
        {"age": 3},
        {"age": 20},
        {"modality": ["vakantie"]},
        {"modality": ["weekend", "dag"]},
        {"funding": "pgb"},
        {"region": "JZ22"},
        {"municipality": "GM0356"},
        {"max_wait_weeks": 2},
        {"contract_region": "JZ22"},
        {"contracted": True, "postcode": "3511"},
        {"tags": ["vg"], "age": 8, "funding": "zin", "modality": ["weekend"], "region": "JZ22"},
    ]
    from wijzer.geo import lookup_postcode

    for case in cases:
        f = SearchFilters(**case, limit=100)
        origin = lookup_postcode(f.postcode) if f.postcode else None
        expected = {h.offering.id for h in search_offerings(session, f, utcnow(), app.config).results}
        assert {o.id for o in rows if svc.matches(f, origin, o)} == expected, case


# ---------------------------------------------------------------- web: save, list, pause, delete
def test_save_list_pause_delete_on_the_web(client, session, world, login, make_user):
    login(world["user"])
    page = client.get("/?care_type=logeeropvang&postcode=3431")
    assert "Houd me op de hoogte" in page.get_data(as_text=True)
    client.post("/meldingen", data={"q": "care_type=logeeropvang&postcode=3431&radius_km=25"})
    alert = session.exec(select(Alert)).one()
    account = client.get("/account").get_data(as_text=True)
    assert "Logeeropvang · 3431 · 25 km" in account and "Pauzeren" in account
    client.post(f"/meldingen/{alert.id}/pauzeren", data={"pauze": "1"})
    session.refresh(alert)
    assert alert.paused and "Hervatten" in client.get("/account").get_data(as_text=True)
    client.post(f"/meldingen/{alert.id}/pauzeren", data={"pauze": "0"})
    session.refresh(alert)
    assert not alert.paused
    bad = client.post("/meldingen", data={"q": "postcode=12"})
    assert bad.status_code == 302 and session.exec(select(Alert)).all() == [alert]
    client.post("/uitloggen")
    login(make_user("referrer"))
    assert client.post(f"/meldingen/{alert.id}/verwijderen").status_code == 404  # not hers
    client.post("/uitloggen")
    login(world["user"])
    client.post(f"/meldingen/{alert.id}/verwijderen")
    assert session.exec(select(Alert)).all() == []


# ---------------------------------------------------------------- API
def test_api_alerts(client, session, world, make_user, make_provider):
    _, token = accounts.create_api_token(session, world["user"], "t")
    other_user = make_user("referrer")
    _, other = accounts.create_api_token(session, other_user, "t")
    _, staff = accounts.create_api_token(session, make_user("provider", provider=make_provider()), "t")
    session.commit()
    auth = {"Authorization": f"Bearer {token}"}
    created = client.post(
        "/api/v1/alerts",
        json={
            "care_type": "logeeropvang",
            "postcode": "3431",
            "radius_km": 25,
            "modality": "weekend,vakantie",
            "available_now": True,
        },
        headers=auth,
    )
    assert created.status_code == 201
    alert_id = created.get_json()["id"]
    listed = client.get("/api/v1/alerts", headers=auth).get_json()["alerts"]
    assert [a["id"] for a in listed] == [alert_id] and listed[0]["filters"]["modality"] == "weekend,vakantie"
    assert (
        client.get("/api/v1/alerts", headers={"Authorization": f"Bearer {other}"}).get_json()["alerts"] == []
    )
    assert (
        client.delete(f"/api/v1/alerts/{alert_id}", headers={"Authorization": f"Bearer {other}"}).status_code
        == 404
    )
    assert (
        client.post(
            "/api/v1/alerts", json={"care_type": "logeeropvang"}, headers={"Authorization": f"Bearer {staff}"}
        ).status_code
        == 403
    )
    assert client.post("/api/v1/alerts", json={"care_type": "logeeropvang"}).status_code == 401
    for body, field in (
        ({"care_type": "logeeropvang", "limit": 5}, "limit"),
        ({"contracted": True}, None),
        ({"postcode": "1000"}, "postcode"),
        ({"age": "x"}, "age"),
        ({}, None),
    ):
        response = client.post("/api/v1/alerts", json=body, headers=auth)
        assert response.status_code == 400 and response.get_json()["error"]["field"] == field, body
    assert client.post("/api/v1/alerts", data="nee", headers=auth).status_code == 400
    assert client.delete(f"/api/v1/alerts/{alert_id}", headers=auth).status_code == 204
    assert client.delete(f"/api/v1/alerts/{alert_id}", headers=auth).status_code == 404


def test_job_is_registered_every_15_minutes(runner, session, world):
    from wijzer.jobs import JOBS

    assert JOBS["alerts"][1] == {"trigger": "cron", "minute": "*/15"}
    result = runner.invoke(args=["jobs", "run", "alerts"])
    assert result.exit_code == 0, result.output
    assert session.exec(select(OutboxMail)).all() == []


def test_bulk_claim_falls_back_when_another_run_claimed_first(session, world):
    alert = make_alert(session, world["user"])
    claim = {"alert_id": alert.id, "kind": "places", "window": "w", "offering_ids": "|1|"}
    assert svc._claim_all(session, [claim]) == [alert.id]
    session.commit()
    assert svc._claim_all(session, [dict(claim)]) == []  # the unique key holds; no error
    session.commit()
    assert len(session.exec(select(AlertMail)).all()) == 1
