"""The reminder job killed (SIGKILL) in the middle of sending, then run again: every provider gets its
reminder exactly once. A message counts as delivered only when the SMTP server answered 250 to the
sender, as in real SMTP; the killed sender never got that answer for the message it was sending."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from aiosmtpd.controller import Controller
from sqlmodel import select

from tests.servers import free_port, wait_for
from wijzer.models import Reminder
from wijzer.timeutil import utcnow

ROOT = Path(__file__).resolve().parents[2]


class SlowInbox:
    """Accepts the first message at once and holds the others for `delay` seconds before answering."""

    def __init__(self):
        self.messages: list[str] = []
        self.delay = 4.0

    async def handle_DATA(self, server, session, envelope):
        if self.messages:
            await asyncio.sleep(self.delay)
        if server.transport is None or server.transport.is_closing():
            return "451 sender went away"  # the sender never sees a 250: not delivered
        self.messages.append(",".join(envelope.rcpt_tos))
        return "250 OK"


def test_killed_reminder_run_is_finished_by_the_next_run(
    app, database_url, session, make_provider, make_location, make_offering, make_user, report
):
    for i in range(3):
        p = make_provider(name=f"Aanbieder {i}")
        report(make_offering(p, make_location(p)), days_ago=9, free_places=1, intake_status="open")
        make_user("provider", email=f"staf{i}@example.nl", provider=p)
    inbox = SlowInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        env = dict(
            os.environ,
            WIJZER_DATABASE_URL=database_url,
            WIJZER_MAIL_SERVER="127.0.0.1",
            WIJZER_MAIL_PORT=str(controller.port),
            WIJZER_SECRET_KEY="t",
        )
        proc = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "run", "reminders"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        assert wait_for(lambda: len(inbox.messages) == 1, timeout=30), (
            proc.stdout.read1().decode() if proc.poll() else ""
        )
        time.sleep(1.0)  # the second message is now being sent
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        session.expire_all()
        reminders = session.exec(select(Reminder)).all()
        assert len(reminders) == 3 and sum(r.sent_at is not None for r in reminders) == 1
        # The scheduler restarts; the killed run's lease has run out by its next run.
        inbox.delay = 0
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
        from wijzer.jobs import run_job

        with app.app_context():
            result = run_job("reminders", now=utcnow() + timedelta(minutes=11))
        assert result.status == "ok", result.detail
        assert sorted(inbox.messages) == ["staf0@example.nl", "staf1@example.nl", "staf2@example.nl"]
        session.expire_all()
        assert all(r.sent_at is not None for r in session.exec(select(Reminder)).all())
        with app.app_context():
            run_job("reminders", now=utcnow() + timedelta(minutes=30))
        assert len(inbox.messages) == 3  # and nothing twice afterwards
    finally:
        controller.stop()
