"""The plaatsingsverzoek state machine: every transition, the rules around it, holds and the jobs."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from tests.placement.conftest import answer, items_of, request_data
from wijzer.models import AuditLog, CapacityReport, Offering, OutboxMail, PlacementRequest
from wijzer.services import placement
from wijzer.services.placement import PlacementError, held_places, local_today
from wijzer.timeutil import AMS, utcnow

ACCEPT_DAYS = 3


def hold_date(days=ACCEPT_DAYS):
    from wijzer.services.workdays import add_working_days_to_date

    return add_working_days_to_date(local_today(utcnow()), days)


def do_answer(app, session, item, staff, kind, now=None, **fields):
    with app.app_context():
        out = placement.answer_item(
            session,
            item.id,
            staff.provider_id,
            answer(kind, **fields),
            user=staff,
            now=now,
            config=app.config,
        )
        session.commit()
    return out


def outbox(session, kind=None):
    session.expire_all()
    stmt = select(OutboxMail).order_by(OutboxMail.id)
    if kind:
        stmt = stmt.where(OutboxMail.kind == kind)
    return session.exec(stmt).all()


def test_request_creates_open_items_with_deadlines_mails_and_audit(session, pworld, send):
    now = datetime(2026, 12, 4, 15, 0, tzinfo=AMS)  # a Friday
    req = send(now=now)
    items = items_of(session, req)
    assert [i.status for i in items] == ["open"] * 3
    assert {i.provider_id for i in items} == {p.id for p in pworld["providers"]}
    assert items[0].answer_due_at == datetime(2026, 12, 8, 15, 0, tzinfo=AMS)  # Tuesday: Mon + Tue
    assert items[0].remind_at == datetime(2026, 12, 7, 15, 0, tzinfo=AMS)
    assert req.region_code == "JZ22" and req.referrer_id == pworld["referrers"][0].id
    mails = outbox(session, "placement:new_request")
    assert sorted(m.to for m in mails) == sorted(s.email for s in pworld["staff"])  # one per provider
    assert (
        "DOS-2026/17" in mails[0].body
        and "/portaal/verzoeken/" in mails[0].body
        and "GM0344" in mails[0].body
    )
    audit = session.exec(select(AuditLog).where(AuditLog.action == "placement_create")).all()
    assert len(audit) == 3 and all(a.user_id == pworld["referrers"][0].id for a in audit)
    assert all("Weekendopvang" not in (a.detail or "") for a in audit)  # the note never enters the audit log


def test_provider_without_staff_gets_mail_at_contact_address(app, session, pworld, send):
    from wijzer.models import User

    staff = session.get(User, pworld["staff"][2].id)
    staff.active = False
    session.add(staff)
    session.commit()
    send(indexes=(2,))
    assert [m.to for m in outbox(session, "placement:new_request")] == ["info@33333333.nl"]


@pytest.mark.parametrize(
    "over, field, text",
    [
        ({"offering_ids": []}, "offering_ids", "1 tot 3"),
        ({"offering_ids": [1, 2, 3, 4]}, "offering_ids", "1 tot 3"),
        ({"note": "BSN 111222333, graag snel"}, "note", "BSN"),
        ({"note": "bsn: 123.456.782"}, "note", "BSN"),
        ({"note": "geboren 12-03-2015"}, "note", "geboortedatum"),
        ({"note": "geb. 3 maart 2016"}, "note", "geboortedatum"),
        ({"note": "Kind van 14-06-2012 zoekt plek"}, "note", "geboortedatum"),
        ({"note": "woont op 3511 AB 12"}, "note", "postcode met huisnummer"),
        ({"note": "adres Lindelaan 4 in Utrecht"}, "note", "straat met huisnummer"),
        ({"note": "x" * 501}, "note", "500"),
        ({"reference": "111222333"}, "reference", "BSN"),
        ({"reference": ""}, "reference", "kenmerk"),
        ({"age": 40}, "age", "leeftijd"),
        ({"gemeente_code": "3511"}, "gemeente_code", "gemeente"),
        ({"care_type": "zwemles"}, "care_type", "zorgsoort"),
        ({"tags": ["xyz"]}, "tags", "doelgroep"),
        ({"start_from": "2020-01-01"}, "start_from", "verleden"),
    ],
)
def test_request_input_refuses_bad_or_identifying_input(over, field, text):
    from wijzer.schemas import validate
    from wijzer.schemas_placement import RequestInput

    base = request_data([1]).model_dump()
    obj, errors = validate(RequestInput, base | over)
    assert obj is None and text.lower() in errors[field].lower(), errors


def test_request_window_must_be_ordered_and_unknown_fields_refused():
    from wijzer.schemas import validate
    from wijzer.schemas_placement import RequestInput

    base = request_data([1]).model_dump()
    _, errors = validate(RequestInput, base | {"start_to": base["start_from"] - timedelta(days=1)})
    assert "vóór de begindatum" in errors["start_to"]
    _, errors = validate(RequestInput, base | {"postcode": "3511AB"})
    assert errors == {"postcode": "Onbekend veld."}


def test_note_screen_lets_ordinary_planning_text_through():
    from wijzer.schemas_placement import screen_text

    today = local_today(utcnow())
    for text in (
        "Start bij voorkeur per 01-02-2027, weekend",
        "Kind is 9 jaar, 2 weekenden per maand",
        f"vanaf {today:%d-%m-%Y} mogelijk",
        "Telefonisch bereikbaar 030-1234567",
        "Dossiernummer 12345678 bij ons",
        "Graag contact via wijkteam 3511",
    ):
        assert screen_text(text, today) is None, text


def test_request_service_rules(app, session, pworld, send, make_offering, make_location):
    with pytest.raises(PlacementError, match="geen respijtzorg"):
        send(care_type="respijtzorg")
    with pytest.raises(PlacementError, match="Onbekende gemeente"):
        send(gemeente_code="GM9999")
    session.rollback()
    off = pworld["offerings"][0]
    off = session.get(Offering, off.id)
    off.active = False
    session.add(off)
    session.commit()
    with pytest.raises(PlacementError, match="bestaat niet"):
        send(indexes=(0,))


def test_working_days_skip_weekends_and_dutch_holidays():
    from datetime import date

    from wijzer.services.workdays import add_working_days, add_working_days_to_date, is_working_day

    assert not is_working_day(date(2026, 12, 25)) and not is_working_day(
        date(2027, 4, 27)
    )  # Kerst, Koningsdag
    assert add_working_days(datetime(2026, 12, 5, 10, 0, tzinfo=AMS), 2) == datetime(
        2026, 12, 9, 0, 0, tzinfo=AMS
    )
    assert add_working_days(datetime(2026, 12, 24, 10, 0, tzinfo=AMS), 2) == datetime(
        2026, 12, 29, 10, 0, tzinfo=AMS
    )
    assert add_working_days(datetime(2027, 4, 26, 9, 0, tzinfo=AMS), 2) == datetime(
        2027, 4, 29, 9, 0, tzinfo=AMS
    )
    assert add_working_days_to_date(date(2026, 12, 18), 10) == date(2027, 1, 5)  # skips 25/26 Dec and 1 Jan


def test_accept_holds_a_place_and_search_sees_it(app, session, pworld, send):
    req = send()
    a, b, _c = items_of(session, req)
    do_answer(app, session, a, pworld["staff"][0], "accept", hold_until=hold_date())
    session.refresh(a)
    assert a.status == "accepted" and a.answered_at is not None and a.answered_by == pworld["staff"][0].id
    assert held_places(session, [a.offering_id, b.offering_id]) == {a.offering_id: 1}
    assert (
        placement.shown_free(2, 1) == 1
        and placement.shown_free(0, 3) == 0
        and placement.shown_free(None, 1) is None
    )
    assert session.get(PlacementRequest, req.id).ever_accepted
    mail = outbox(session, "placement:answer_accept")[-1]
    assert mail.to == "poh1@huisarts.nl" and f"{hold_date():%d-%m-%Y}" in mail.body
    assert "Geaccepteerd tot" in placement.item_label(a)


def test_hold_at_most_ten_working_days(app, session, pworld, send):
    req = send(indexes=(0,))
    (a,) = items_of(session, req)
    with pytest.raises(PlacementError, match="10 werkdagen") as exc:
        do_answer(app, session, a, pworld["staff"][0], "accept", hold_until=hold_date(11))
    assert exc.value.field == "hold_until"
    session.rollback()
    do_answer(app, session, a, pworld["staff"][0], "accept", hold_until=hold_date(10))


def test_decline_with_reason_and_counter_then_accept(app, session, pworld, send):
    req = send()
    a, b, _c = items_of(session, req)
    do_answer(app, session, a, pworld["staff"][0], "decline", reason="werkgebied")
    session.refresh(a)
    assert a.status == "declined" and placement.item_label(a) == "Afgewezen (Buiten werkgebied)"
    start = local_today(utcnow()) + timedelta(days=40)
    do_answer(app, session, b, pworld["staff"][1], "counter", earliest_start=start)
    session.refresh(b)
    assert b.status == "countered" and b.counter_due_at is not None
    assert placement.item_label(b) == f"Tegenvoorstel: start vanaf {start:%d-%m-%Y}"
    assert "vanaf" in outbox(session, "placement:answer_counter")[-1].body
    do_answer(
        app, session, b, pworld["staff"][1], "accept", hold_until=hold_date()
    )  # after agreeing by phone
    session.refresh(b)
    assert b.status == "accepted"
    with pytest.raises(PlacementError, match="al afgewezen"):
        do_answer(app, session, a, pworld["staff"][0], "accept", hold_until=hold_date())


def test_answer_input_rules():
    from wijzer.schemas import validate
    from wijzer.schemas_placement import AnswerInput

    assert validate(AnswerInput, {"answer": "accept"})[1] == {
        "hold_until": "Vul in tot wanneer u de plek vasthoudt."
    }
    assert "reden" in validate(AnswerInput, {"answer": "decline"})[1]["reason"]
    assert "reden" in validate(AnswerInput, {"answer": "decline", "reason": "te druk"})[1]["reason"].lower()
    assert "startdatum" in validate(AnswerInput, {"answer": "counter"})[1]["earliest_start"]
    assert "afwijzen" in validate(AnswerInput, {"answer": "misschien"})[1]["answer"]
    ok, _ = validate(AnswerInput, {"answer": "decline", "reason": "geen_plek", "hold_until": "2020-01-01"})
    assert ok.hold_until is None  # fields of another answer are ignored


def test_only_own_items_can_be_answered(app, session, pworld, send):
    req = send(indexes=(0,))
    (a,) = items_of(session, req)
    with pytest.raises(PlacementError) as exc:
        do_answer(app, session, a, pworld["staff"][1], "decline", reason="anders")
    assert exc.value.code == "not_found"


def test_answer_after_withdrawal_is_refused(app, session, pworld, send):
    req = send()
    a, _b, _c = items_of(session, req)
    with app.app_context():
        n = placement.withdraw_request(
            session, req.id, pworld["referrers"][0].id, user=pworld["referrers"][0], config=app.config
        )
        session.commit()
    assert n == 3
    assert [i.status for i in items_of(session, req)] == ["withdrawn"] * 3
    assert session.get(PlacementRequest, req.id).closed_at is not None
    assert len(outbox(session, "placement:withdrawn")) == 3
    with pytest.raises(PlacementError, match="ingetrokken") as exc:
        do_answer(app, session, a, pworld["staff"][0], "accept", hold_until=hold_date())
    assert exc.value.code == "conflict"
    session.rollback()
    with pytest.raises(PlacementError, match="niets meer"), app.app_context():
        placement.withdraw_request(session, req.id, pworld["referrers"][0].id)


def test_answer_after_deadline_is_refused_even_before_the_job(app, session, pworld, send):
    req = send(indexes=(0,))
    (a,) = items_of(session, req)
    late = a.answer_due_at + timedelta(minutes=1)
    with pytest.raises(PlacementError, match="verstreken"):
        do_answer(app, session, a, pworld["staff"][0], "decline", reason="geen_plek", now=late)


def test_reminder_once_then_expiry_tells_the_referrer(app, session, pworld, send, run_job):
    now = datetime(2026, 12, 7, 9, 0, tzinfo=AMS)  # Monday
    req = send(indexes=(0, 1), now=now)
    a, b = items_of(session, req)
    do_answer(
        app, session, b, pworld["staff"][1], "decline", reason="geen_plek", now=now + timedelta(hours=1)
    )
    assert run_job("placement_answers", now + timedelta(hours=12)).detail == "0 herinneringen, 0 verlopen"
    assert (
        run_job("placement_answers", now + timedelta(days=1, minutes=1)).detail
        == "1 herinneringen, 0 verlopen"
    )
    assert (
        run_job("placement_answers", now + timedelta(days=1, minutes=20)).detail
        == "0 herinneringen, 0 verlopen"
    )
    reminders = outbox(session, "placement:reminder")
    assert [m.to for m in reminders] == [pworld["staff"][0].email]
    assert (
        run_job("placement_answers", now + timedelta(days=2, minutes=1)).detail
        == "0 herinneringen, 1 verlopen"
    )
    assert (
        run_job("placement_answers", now + timedelta(days=2, minutes=30)).detail
        == "0 herinneringen, 0 verlopen"
    )
    a, b = items_of(session, req)
    assert a.status == "expired" and a.close_reason == "open_timeout"
    expired = outbox(session, "placement:expired")
    assert [m.to for m in expired] == ["poh1@huisarts.nl"] and "niet binnen 2 werkdagen" in expired[0].body
    assert session.get(PlacementRequest, req.id).closed_at is not None


def test_expiry_counts_working_days_over_a_holiday(app, session, pworld, send, run_job):
    now = datetime(2026, 12, 24, 10, 0, tzinfo=AMS)  # Thursday before Christmas
    req = send(indexes=(0,), now=now)
    assert (
        run_job("placement_answers", datetime(2026, 12, 28, 12, 0, tzinfo=AMS)).detail
        == "1 herinneringen, 0 verlopen"
    )
    assert items_of(session, req)[0].status == "open"
    run_job("placement_answers", datetime(2026, 12, 29, 10, 1, tzinfo=AMS))
    assert items_of(session, req)[0].status == "expired"


def test_unfollowed_counter_expires(app, session, pworld, send, run_job):
    req = send(indexes=(0,))
    (a,) = items_of(session, req)
    do_answer(
        app,
        session,
        a,
        pworld["staff"][0],
        "counter",
        earliest_start=local_today(utcnow()) + timedelta(days=30),
    )
    session.refresh(a)
    run_job("placement_answers", a.counter_due_at + timedelta(minutes=1))
    a = items_of(session, req)[0]
    assert a.status == "expired" and a.close_reason == "countered_timeout"
    assert "tegenvoorstel niet opgevolgd" in outbox(session, "placement:expired")[-1].body


def test_confirm_lowers_free_places_and_withdraws_the_others(app, session, pworld, send):
    req = send()
    a, b, c = items_of(session, req)
    do_answer(app, session, a, pworld["staff"][0], "accept", hold_until=hold_date())
    do_answer(app, session, b, pworld["staff"][1], "accept", hold_until=hold_date())
    referrer = pworld["referrers"][0]
    with app.app_context():
        placement.confirm_item(session, req.id, a.id, referrer.id, user=referrer, config=app.config)
        session.commit()
    a, b, c = items_of(session, req)
    assert (a.status, b.status, c.status) == ("confirmed", "withdrawn", "withdrawn")
    assert (
        b.close_reason == "confirmed_elsewhere"
        and placement.item_label(b) == "Ingetrokken (elders bevestigd)"
    )
    off = session.get(Offering, a.offering_id)
    session.refresh(off)
    assert off.cur_free_places == 1
    rep = session.exec(
        select(CapacityReport).where(CapacityReport.offering_id == off.id).order_by(CapacityReport.id.desc())
    ).first()
    assert rep.source == "plaatsing" and rep.free_places == 1 and rep.user_id == referrer.id
    assert held_places(session, [o.id for o in pworld["offerings"]]) == {}  # no hold counted twice
    assert session.get(PlacementRequest, req.id).closed_at is not None
    assert sorted(m.to for m in outbox(session, "placement:withdrawn")) == sorted(
        [pworld["staff"][1].email, pworld["staff"][2].email]
    )
    confirmed = outbox(session, "placement:confirmed")
    assert [m.to for m in confirmed] == [pworld["staff"][0].email] and "poh1@huisarts.nl" in confirmed[0].body
    actions = [
        r.action
        for r in session.exec(
            select(AuditLog).where(AuditLog.entity == "placement_item").order_by(AuditLog.id)
        ).all()
    ]
    assert actions.count("placement_confirm") == 1 and actions.count("placement_withdraw") == 2
    with pytest.raises(PlacementError, match="ingetrokken"):
        do_answer(app, session, c, pworld["staff"][2], "accept", hold_until=hold_date())


def test_confirm_needs_an_accepted_hold_and_the_referrers_own_request(app, session, pworld, send):
    req = send(indexes=(0, 1))
    a, _b = items_of(session, req)
    with app.app_context():
        with pytest.raises(PlacementError, match="nog niet geaccepteerd"):
            placement.confirm_item(session, req.id, a.id, pworld["referrers"][0].id)
        session.rollback()
        with pytest.raises(PlacementError) as exc:
            placement.confirm_item(session, req.id, a.id, pworld["referrers"][1].id)
        assert exc.value.code == "not_found"
        with pytest.raises(PlacementError) as exc:
            placement.release_item(session, req.id, 999999, pworld["referrers"][0].id)
        assert exc.value.code == "not_found"


def test_confirm_after_hold_expiry_is_refused(app, session, pworld, send):
    req = send(indexes=(0,))
    (a,) = items_of(session, req)
    do_answer(app, session, a, pworld["staff"][0], "accept", hold_until=hold_date(1))
    later = datetime.combine(hold_date(1) + timedelta(days=1), datetime.min.time(), tzinfo=AMS) + timedelta(
        hours=9
    )
    with app.app_context():
        with pytest.raises(PlacementError, match="verlopen"):
            placement.confirm_item(session, req.id, a.id, pworld["referrers"][0].id, now=later)
        session.rollback()
    off = session.get(Offering, a.offering_id)
    session.refresh(off)
    assert off.cur_free_places == 2  # nothing changed


def test_release_by_referrer_frees_the_hold(app, session, pworld, send):
    req = send(indexes=(0, 1))
    a, b = items_of(session, req)
    do_answer(app, session, a, pworld["staff"][0], "accept", hold_until=hold_date())
    with app.app_context():
        placement.release_item(session, req.id, a.id, pworld["referrers"][0].id, config=app.config)
        session.commit()
    a, b = items_of(session, req)
    assert a.status == "released" and b.status == "open"
    assert held_places(session, [a.offering_id]) == {}
    assert "door de verwijzer" in outbox(session, "placement:released")[-1].body
    with app.app_context(), pytest.raises(PlacementError, match="al vrijgegeven"):
        placement.release_item(session, req.id, a.id, pworld["referrers"][0].id)


def test_hold_expiry_job_releases_and_tells_both_sides(app, session, pworld, send, run_job):
    req = send(indexes=(0,))
    (a,) = items_of(session, req)
    do_answer(app, session, a, pworld["staff"][0], "accept", hold_until=hold_date(1))
    last_day = datetime.combine(hold_date(1), datetime.min.time(), tzinfo=AMS) + timedelta(hours=23)
    assert run_job("placement_holds", last_day).detail == "0 vastgehouden plekken vrijgegeven"
    assert held_places(session, [a.offering_id], today=hold_date(1)) == {a.offering_id: 1}
    day_after = last_day + timedelta(hours=2)
    assert (
        held_places(session, [a.offering_id], today=hold_date(1) + timedelta(days=1)) == {}
    )  # even before the job
    assert run_job("placement_holds", day_after).detail == "1 vastgehouden plekken vrijgegeven"
    assert run_job("placement_holds", day_after).detail == "0 vastgehouden plekken vrijgegeven"
    (a,) = items_of(session, req)
    assert a.status == "released" and a.close_reason == "hold_expired"
    assert [m.to for m in outbox(session, "placement:hold_expired")] == ["poh1@huisarts.nl"]
    assert [m.to for m in outbox(session, "placement:released")] == [pworld["staff"][0].email]
    assert session.get(PlacementRequest, req.id).closed_at is not None


def test_retention_anonymises_ninety_days_after_closing(app, session, pworld, send, run_job):
    req = send(indexes=(0,))
    (a,) = items_of(session, req)
    do_answer(app, session, a, pworld["staff"][0], "decline", reason="doelgroep")
    session.refresh(req)
    closed = req.closed_at
    assert closed is not None
    open_req = send(indexes=(1,))
    assert (
        run_job("placement_retention", closed + timedelta(days=89)).detail
        == "0 plaatsingsverzoeken geanonimiseerd"
    )
    assert run_job("placement_retention", closed + timedelta(days=91)).detail.startswith(
        "1 plaatsingsverzoeken geanonimiseerd, "
    )
    assert (
        run_job("placement_retention", closed + timedelta(days=92)).detail
        == "0 plaatsingsverzoeken geanonimiseerd"
    )
    session.expire_all()
    gone = session.get(PlacementRequest, req.id)
    assert (gone.note, gone.reference, gone.age, gone.tags, gone.referrer_id, gone.start_from) == (
        None,
        None,
        None,
        "",
        None,
        None,
    )
    assert (
        gone.care_type == "logeeropvang"
        and gone.municipality_code == "GM0344"
        and gone.anonymised_at is not None
    )
    kept = session.get(PlacementRequest, open_req.id)
    assert kept.reference == "DOS-2026/17"  # still open: untouched
    assert items_of(session, gone)[0].decline_reason == "doelgroep"  # anonymous counts still work
    mails = session.exec(select(OutboxMail).where(OutboxMail.kind.like("placement:%"))).all()
    assert mails and all("DOS-2026/17" not in m.body + m.subject for m in mails)  # the outbox copies too


def _thread_session(app):
    from wijzer.db import new_session

    with app.app_context():
        return new_session()


def _race(app, fns):
    """Run callables at the same moment, each in its own thread, app context and session."""
    barrier = threading.Barrier(len(fns))
    results = [None] * len(fns)

    def worker(i, fn):
        with app.app_context():
            from wijzer.db import new_session

            s = new_session()
            try:
                barrier.wait(timeout=10)
                fn(s)
                s.commit()
                results[i] = "ok"
            except PlacementError as exc:
                s.rollback()
                results[i] = exc.code
            finally:
                s.close()

    threads = [threading.Thread(target=worker, args=(i, fn)) for i, fn in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_two_providers_accepting_at_the_same_moment(app, session, pworld, send):
    req = send(indexes=(0, 1))
    a, b = items_of(session, req)
    s0, s1 = pworld["staff"][0], pworld["staff"][1]
    results = _race(
        app,
        [
            lambda s: placement.answer_item(
                s, a.id, s0.provider_id, answer("accept", hold_until=hold_date()), config=app.config
            ),
            lambda s: placement.answer_item(
                s, b.id, s1.provider_id, answer("accept", hold_until=hold_date()), config=app.config
            ),
        ],
    )
    assert results == ["ok", "ok"]
    assert [i.status for i in items_of(session, req)] == ["accepted", "accepted"]
    assert held_places(session, [a.offering_id, b.offering_id]) == {a.offering_id: 1, b.offering_id: 1}
    assert len(outbox(session, "placement:answer_accept")) == 2


def test_two_staff_answering_the_same_item_at_once_one_wins(app, session, pworld, send, make_user):
    req = send(indexes=(1,))
    (b,) = items_of(session, req)
    pid = pworld["providers"][1].id
    results = _race(
        app,
        [
            lambda s: placement.answer_item(
                s, b.id, pid, answer("accept", hold_until=hold_date()), config=app.config
            ),
            lambda s: placement.answer_item(
                s, b.id, pid, answer("decline", reason="geen_plek"), config=app.config
            ),
        ],
    )
    assert sorted(results) == ["conflict", "ok"]
    (b,) = items_of(session, req)
    assert b.version == 1 and b.status in ("accepted", "declined")
    audit = session.exec(
        select(AuditLog).where(AuditLog.action.in_(["placement_accept", "placement_decline"]))
    ).all()
    assert len(audit) == 1


def test_two_referrers_confirming_holds_on_the_last_place(app, session, pworld, send):
    """Offering B has one free place and holds for two requests: exactly one confirmation wins."""
    r1 = send(indexes=(1,), referrer=0)
    r2 = send(indexes=(1,), referrer=1)
    (i1,), (i2,) = items_of(session, r1), items_of(session, r2)
    for it in (i1, i2):
        do_answer(app, session, it, pworld["staff"][1], "accept", hold_until=hold_date())
    assert held_places(session, [i1.offering_id]) == {i1.offering_id: 2}
    ref = pworld["referrers"]
    results = _race(
        app,
        [
            lambda s: placement.confirm_item(s, r1.id, i1.id, ref[0].id, config=app.config),
            lambda s: placement.confirm_item(s, r2.id, i2.id, ref[1].id, config=app.config),
        ],
    )
    assert sorted(results) == ["conflict", "ok"]
    statuses = sorted(i.status for i in items_of(session, r1) + items_of(session, r2))
    assert statuses == ["accepted", "confirmed"]  # the loser keeps its hold; nothing half-written
    off = session.get(Offering, i1.offering_id)
    session.refresh(off)
    assert off.cur_free_places == 0
    plaatsing = session.exec(select(CapacityReport).where(CapacityReport.source == "plaatsing")).all()
    assert len(plaatsing) == 1
    assert placement.shown_free(off.cur_free_places, held_places(session, [off.id]).get(off.id, 0)) == 0


def test_region_figures(app, session, pworld, send, run_job):
    now = utcnow()
    r1 = send(indexes=(0, 1))
    a, b = items_of(session, r1)
    do_answer(
        app, session, a, pworld["staff"][0], "accept", hold_until=hold_date(), now=now + timedelta(hours=2)
    )
    do_answer(
        app, session, b, pworld["staff"][1], "decline", reason="geen_plek", now=now + timedelta(hours=4)
    )
    r2 = send(indexes=(1,), gemeente_code="GM0307")  # Amersfoort, another jeugdregio
    (c,) = items_of(session, r2)
    do_answer(
        app, session, c, pworld["staff"][1], "decline", reason="geen_plek", now=now + timedelta(hours=6)
    )
    with app.app_context():
        fig = placement.region_figures(session, "JZ22", now + timedelta(hours=7), app.config)
    rows = {(r["provider"], r["care_type"]): r for r in fig["providers"]}
    assert rows[("Logeerhuis A", "logeeropvang")] | {} == rows[("Logeerhuis A", "logeeropvang")]
    a_row, b_row = rows[("Logeerhuis A", "logeeropvang")], rows[("Logeerhuis B", "logeeropvang")]
    assert (a_row["received"], a_row["answered_in_time"], a_row["accepted"]) == (1, 1, 1)
    assert (b_row["received"], b_row["answered_in_time"], b_row["accepted"]) == (2, 2, 0)
    assert b_row["median_answer_hours"] == pytest.approx(5.0, abs=0.1)
    assert ("Logeerhuis C", "logeeropvang") not in rows  # located in Amsterdam (JZ 13)
    gemeente_region = session.get(PlacementRequest, r2.id).region_code
    with app.app_context():
        other = placement.region_figures(session, gemeente_region, now + timedelta(hours=7), app.config)
    assert [(u["municipality_code"], u["requests_without_acceptance"]) for u in other["unmet"]] == [
        ("GM0307", 1)
    ]
    assert fig["unmet"] == []  # r1 had an acceptance (and is still open)
    json.dumps(fig)  # plain data for the API and exports
