"""Issue 11 items 17 and 21, issue 16 item 2: mail is a pair of templates, queued in the caller's
transaction, sent after the commit (never by SMTP inside the request), exactly once, and no live token
stays in the log or in a delivered outbox row. The SMTP server is a real one on loopback (aiosmtpd)."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select

from tests.servers import free_port, wait_for
from wijzer.models import OutboxMail
from wijzer.services import mail
from wijzer.timeutil import utcnow

BASE = "https://wijzer.example.nl"


class Inbox:
    """Keeps every message; while `gate` is clear it holds the SMTP answer (a slow mail server)."""

    def __init__(self):
        self.messages: list[bytes] = []
        self.gate = threading.Event()
        self.gate.set()
        self.arrived = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        self.arrived.set()
        for _ in range(400):  # at most 20 s, so a broken sender cannot hang the suite
            if self.gate.is_set():
                break
            await asyncio.sleep(0.05)
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def inbox():
    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port
    yield box
    box.gate.set()
    controller.stop()


def _rows(session):
    session.expire_all()
    return session.exec(select(OutboxMail).order_by(OutboxMail.id)).all()


def _as_text(raw: bytes) -> str:
    import email
    from email import policy

    msg = email.message_from_bytes(raw, policy=policy.default)
    return (
        msg["To"]
        + "\n"
        + msg["Subject"]
        + "\n"
        + msg.get_body(("plain",)).get_content()
        + "\n"
        + msg.get_body(("html",)).get_content()
    )


def test_slow_smtp_does_not_delay_the_response(app, client, session, make_user, inbox):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=inbox.port, BASE_URL=BASE)
    make_user("referrer", email="traag@example.nl")
    inbox.gate.clear()  # the mail server does not answer until the test says so
    response = client.post("/wachtwoord-vergeten", data={"email": "traag@example.nl"})
    assert response.status_code == 200 and "Als er een account is" in response.get_data(as_text=True)
    assert inbox.messages == []  # the answer came while the mail was still on its way (or not yet started)
    (row,) = _rows(session)
    assert row.status == "outbox" and row.kind == "password_reset"
    inbox.gate.set()
    assert wait_for(lambda: len(inbox.messages) == 1, timeout=20)
    text = _as_text(inbox.messages[0])
    assert "traag@example.nl" in text and f"{BASE}/wachtwoord-herstellen/" in text
    assert "Nieuw wachtwoord" in text.splitlines()[1]
    assert wait_for(lambda: _rows(session)[0].status == "sent", timeout=10)
    row = _rows(session)[0]
    assert "/wachtwoord-herstellen/" not in row.body and "/wachtwoord-herstellen/" not in (row.html or "")
    assert row.sent_at is not None


def test_mail_job_retries_until_the_server_answers_and_sends_once(app, session, inbox, runner):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())  # nobody listens there
    with app.app_context():
        mail.send_mail(
            session,
            ["a@example.nl", "b@example.nl"],
            "Onderwerp",
            f"Tekst met {BASE}/x/geheim",
            kind="test",
            key="test:1",
        )
        mail.send_mail(session, "a@example.nl", "Onderwerp", "dubbel", kind="test", key="test:1")  # same key
        session.commit()
    assert len(_rows(session)) == 1
    from wijzer.jobs import run_job

    with app.app_context():
        failed = run_job("mail")
    assert failed.status == "failed" and "niet verstuurd" in failed.detail
    row = _rows(session)[0]
    assert row.status == "outbox" and row.attempts == 1 and row.error and row.next_attempt_at > row.created_at
    app.config.update(MAIL_PORT=inbox.port)
    with app.app_context():
        assert run_job("mail").detail.startswith("0 verstuurd")  # not yet due (back-off)
        ok = run_job("mail", now=utcnow() + timedelta(hours=1))
    assert ok.status == "ok" and ok.detail.startswith("1 verstuurd")
    assert len(inbox.messages) == 1 and b"a@example.nl, b@example.nl" in inbox.messages[0]
    row = _rows(session)[0]
    assert row.status == "sent" and "geheim" not in row.body and "[link verwijderd na verzending]" in row.body
    result = runner.invoke(args=["jobs", "run", "mail"])
    assert result.exit_code == 0 and "mail: ok" in result.output
    assert len(inbox.messages) == 1  # nothing twice


def test_concurrent_senders_send_each_mail_once(app, session, inbox):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=inbox.port)
    with app.app_context():
        for i in range(6):
            mail.send_mail(session, f"m{i}@example.nl", "Onderwerp", "Tekst", kind="test")
        session.commit()
    from wijzer.jobs import run_job

    def worker():
        with app.app_context():
            run_job("mail")

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(inbox.messages) == 6
    assert all(r.status == "sent" for r in _rows(session))


def test_queue_renders_a_text_and_html_pair_and_escapes_html(app, session, inbox):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=inbox.port, BASE_URL=BASE)
    with app.app_context():
        row = mail.queue(
            session,
            "staf@example.nl",
            "invitation",
            kind="invitation",
            link=f"{BASE}/uitnodiging/abc",
            provider_name="<b>Zorg & Co</b>",
            ttl_hours=72,
        )
        session.commit()
        assert row.subject == "Uitnodiging Beschikbaarheidswijzer"
        assert "<b>Zorg & Co</b>" in row.body and "&lt;b&gt;Zorg &amp; Co&lt;/b&gt;" in row.html
        assert f'href="{BASE}/uitnodiging/abc"' in row.html
        from wijzer.jobs import run_job

        assert run_job("mail").status == "ok"
    text = _as_text(inbox.messages[0])
    assert "Zorg & Co" in text and f"{BASE}/uitnodiging/abc" in text


def test_a_rolled_back_transaction_sends_nothing(app, session, inbox):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=inbox.port)
    with app.app_context():
        mail.send_mail(session, "x@example.nl", "Onderwerp", "Tekst", kind="test")
        session.rollback()
        from wijzer.jobs import run_job

        assert run_job("mail").status == "ok"
    assert _rows(session) == [] and inbox.messages == []


def test_no_live_token_in_the_log(app, client, session, make_user, make_provider, login, caplog):
    app.config["BASE_URL"] = BASE
    provider = make_provider()
    make_user("referrer", email="log@example.nl")
    with caplog.at_level(logging.DEBUG):
        client.post("/wachtwoord-vergeten", data={"email": "log@example.nl"})
        login(make_user("admin"))
        client.post(f"/portaal/beheer/aanbieders/{provider.id}", data={"email": "nieuw@example.nl"})
    tokens = [
        word.rsplit("/", 1)[1] for row in _rows(session) for word in row.body.split() if word.startswith(BASE)
    ]
    assert len(tokens) == 2
    for token in tokens:
        assert token not in caplog.text
    assert "log@example.nl" not in caplog.text or "wachtwoord-herstellen" not in caplog.text
