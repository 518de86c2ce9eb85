"""Plaatsingsverzoek mails through a real SMTP server on loopback (aiosmtpd): who gets what, as a text and
HTML pair with links from BASE_URL, sent after the commit; a failing server never loses the transition."""

from __future__ import annotations

import pytest
from sqlmodel import select

from tests.placement.conftest import answer, items_of
from tests.placement.test_state_machine import hold_date
from tests.servers import free_port, smtp_inbox
from wijzer.models import OutboxMail
from wijzer.services import mail, placement


@pytest.fixture
def smtp(app):
    with smtp_inbox() as inbox:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=inbox.port, BASE_URL="https://wijzer.example.nl")
        yield inbox


def by_recipient(inbox):
    out = {}
    for m in inbox.messages:
        out.setdefault(m["To"], []).append(m)
    return out


def body_of(message) -> str:
    return (
        message.get_body(("plain",)).get_content()
        if hasattr(message, "get_body")
        else next(p for p in message.walk() if p.get_content_type() == "text/plain")
        .get_payload(decode=True)
        .decode()
    )


def html_of(message) -> str:
    return (
        next(p for p in message.walk() if p.get_content_type() == "text/html")
        .get_payload(decode=True)
        .decode()
    )


def deliver(app, session):
    """What the mail job (or the after-commit sender of a web request) does."""
    with app.app_context():
        sent, problems = mail.deliver(session, app.config)
    return sent, problems


def test_the_whole_flow_by_mail(app, session, pworld, send, smtp):
    req = send()
    assert smtp.messages == []  # queued in the transaction, not sent from inside it
    assert deliver(app, session) == (3, [])
    got = by_recipient(smtp)
    assert set(got) == {s.email for s in pworld["staff"]}  # one mail per provider
    first = got[pworld["staff"][0].email][0]
    assert first["Subject"] == "Nieuw plaatsingsverzoek: antwoord binnen 2 werkdagen"
    a, _b, _c = items_of(session, req)
    assert f"https://wijzer.example.nl/portaal/verzoeken/{a.id}" in body_of(first)
    assert "poh1@huisarts.nl" in body_of(first) and "BSN" not in body_of(first).split("Dit verzoek bevat")[0]
    assert f'href="https://wijzer.example.nl/portaal/verzoeken/{a.id}"' in html_of(first)
    smtp.messages.clear()
    with app.app_context():
        placement.answer_item(
            session,
            a.id,
            a.provider_id,
            answer("accept", hold_until=hold_date()),
            user=pworld["staff"][0],
            config=app.config,
        )
        session.commit()
        placement.confirm_item(session, req.id, a.id, pworld["referrers"][0].id, config=app.config)
        session.commit()
    assert deliver(app, session) == (4, [])
    got = by_recipient(smtp)
    to_referrer = got["poh1@huisarts.nl"]
    assert [m["Subject"] for m in to_referrer] == [
        "Plek vastgehouden door Logeerhuis A (uw kenmerk DOS-2026/17)"
    ]
    assert f"https://wijzer.example.nl/verzoeken/{req.id}" in body_of(to_referrer[0])
    assert [m["Subject"] for m in got[pworld["staff"][0].email]] == ["Plaatsing bevestigd (L-31)"]
    for staff in pworld["staff"][1:]:
        (withdrawn,) = got[staff.email]
        assert withdrawn["Subject"].startswith("Plaatsingsverzoek ingetrokken")
        assert "andere aanbieder bevestigd" in body_of(withdrawn)
    session.expire_all()
    rows = session.exec(select(OutboxMail)).all()
    assert {m.status for m in rows} == {"sent"}
    assert all("https://" not in m.body for m in rows)  # links are not kept after delivery


def test_smtp_down_keeps_the_answer_and_the_mail_is_retried(app, session, pworld, send, smtp):
    req = send(indexes=(0,))
    (a,) = items_of(session, req)
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = free_port()  # nothing listens here
    with app.app_context():
        placement.answer_item(
            session, a.id, a.provider_id, answer("decline", reason="geen_plek"), config=app.config
        )
        session.commit()
    sent, problems = deliver(app, session)
    assert sent == 0 and len(problems) == 2  # the new-request mail and the answer
    (a,) = items_of(session, req)
    assert a.status == "declined"
    waiting = session.exec(select(OutboxMail).where(OutboxMail.kind == "placement:answer_decline")).one()
    assert waiting.status == "outbox" and waiting.error and waiting.attempts == 1
    app.config["MAIL_PORT"] = port
    with app.app_context():
        assert mail.deliver(session, app.config, now=waiting.next_attempt_at)[0] == 2
    assert [m["To"] for m in smtp.messages if "Afgewezen" in m["Subject"]] == ["poh1@huisarts.nl"]
