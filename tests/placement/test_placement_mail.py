"""Plaatsingsverzoek mails through a real SMTP server on loopback (aiosmtpd): who gets what, with links
from BASE_URL, and a failing server never loses the transition."""
from __future__ import annotations

import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from sqlmodel import select

from tests.placement.conftest import answer, items_of
from tests.placement.test_state_machine import hold_date
from wijzer.models import OutboxMail
from wijzer.services import placement


class Inbox(Message):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(app):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, BASE_URL="https://wijzer.example.nl")
    yield inbox
    try:
        controller.stop()
    except AssertionError:
        pass


def by_recipient(inbox):
    out = {}
    for m in inbox.messages:
        out.setdefault(m["To"], []).append(m)
    return out


def body_of(message) -> str:
    return message.get_payload(decode=True).decode("utf-8")


def test_the_whole_flow_by_mail(app, session, pworld, send, smtp):
    req = send()
    got = by_recipient(smtp)
    assert set(got) == {s.email for s in pworld["staff"]}  # one mail per provider
    first = got[pworld["staff"][0].email][0]
    assert first["Subject"] == "Nieuw plaatsingsverzoek: antwoord binnen 2 werkdagen"
    a, b, c = items_of(session, req)
    assert f"https://wijzer.example.nl/portaal/verzoeken/{a.id}" in body_of(first)
    assert "poh1@huisarts.nl" in body_of(first) and "BSN" not in body_of(first).split("Met vriendelijke")[0]
    smtp.messages.clear()
    with app.app_context():
        placement.answer_item(session, a.id, a.provider_id, answer("accept", hold_until=hold_date()),
                              user=pworld["staff"][0], config=app.config)
        session.commit()
        placement.confirm_item(session, req.id, a.id, pworld["referrers"][0].id, config=app.config)
        session.commit()
    got = by_recipient(smtp)
    to_referrer = got["poh1@huisarts.nl"]
    assert [m["Subject"] for m in to_referrer] == ["Plek vastgehouden door Logeerhuis A (uw kenmerk DOS-2026/17)"]
    assert f"https://wijzer.example.nl/verzoeken/{req.id}" in body_of(to_referrer[0])
    assert [m["Subject"] for m in got[pworld["staff"][0].email]] == ["Plaatsing bevestigd (L-31)"]
    for staff in pworld["staff"][1:]:
        (withdrawn,) = got[staff.email]
        assert withdrawn["Subject"].startswith("Plaatsingsverzoek ingetrokken")
        assert "andere aanbieder bevestigd" in body_of(withdrawn)
    session.expire_all()
    assert {m.status for m in session.exec(select(OutboxMail)).all()} == {"sent"}


def test_smtp_down_records_the_failure_and_keeps_the_answer(app, session, pworld, send, smtp):
    req = send(indexes=(0,))
    (a,) = items_of(session, req)
    app.config["MAIL_PORT"] = free_port()  # nothing listens here
    with app.app_context():
        placement.answer_item(session, a.id, a.provider_id, answer("decline", reason="geen_plek"), config=app.config)
        session.commit()
    (a,) = items_of(session, req)
    assert a.status == "declined"
    failed = session.exec(select(OutboxMail).where(OutboxMail.status == "failed")).all()
    assert [m.kind for m in failed] == ["placement:answer_decline"]
