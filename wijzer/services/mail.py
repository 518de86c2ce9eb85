"""Sending e-mail. SMTP is configured with WIJZER_MAIL_SERVER, _PORT, _USERNAME, _PASSWORD, _USE_TLS and
_SENDER; without a server, mail goes to the ``outbox_mail`` table and the log. Every message is
recorded in the outbox either way, with its delivery status."""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app
from sqlmodel import Session

from wijzer.models import OutboxMail
from wijzer.timeutil import utcnow

log = logging.getLogger("wijzer.mail")


class MailError(RuntimeError):
    """Delivery failed (the SMTP server is down or refused the message)."""


def _smtp_send(config, to: list[str], subject: str, body: str) -> None:
    msg = EmailMessage()
    msg["From"] = config["MAIL_SENDER"]
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg.set_content(body)
    with smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=15) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(msg)


def send_mail(session: Session, to: list[str] | str, subject: str, body: str, *, kind: str = "",
              config=None) -> OutboxMail:
    """Send (or queue) one message and record it. Raises MailError when SMTP delivery fails; the
    failure is recorded in the outbox row, which the caller's transaction keeps or rolls back."""
    config = config or current_app.config
    recipients = [to] if isinstance(to, str) else list(to)
    row = OutboxMail(to=", ".join(recipients), subject=subject[:300], body=body[:20000], kind=kind)
    session.add(row)
    if not config.get("MAIL_SERVER"):
        log.info("Mail (outbox, no SMTP server configured) to %s: %s\n%s", row.to, subject, body)
        session.flush()
        return row
    try:
        _smtp_send(config, recipients, subject, body)
    except (OSError, smtplib.SMTPException) as exc:
        row.status, row.error = "failed", str(exc)[:1000]
        session.flush()
        log.warning("Mail to %s failed: %s", row.to, exc)
        raise MailError(str(exc)) from exc
    row.status, row.sent_at = "sent", utcnow()
    session.flush()
    return row


def send_invitation(session: Session, email: str, link: str, provider_name: str) -> OutboxMail | None:
    """The invitation for a provider's staff member. A failed delivery is recorded; the admin also sees
    the link on screen, so it is not lost."""
    body = (f"Beste collega,\n\nU bent uitgenodigd om namens {provider_name} de vrije plekken en wachttijden "
            f"bij te houden in de Beschikbaarheidswijzer jeugdhulp.\n\nMaak uw account aan via deze link "
            f"(eenmalig te gebruiken, {current_app.config['INVITE_TTL_HOURS']} uur geldig):\n{link}\n\n"
            "Met vriendelijke groet,\nBeschikbaarheidswijzer")
    try:
        return send_mail(session, email, "Uitnodiging Beschikbaarheidswijzer", body, kind="invitation")
    except MailError:
        return None
