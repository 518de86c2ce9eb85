"""E-mail: a pair of templates, queued in the caller's transaction, sent after the commit.

- ``queue(session, to, template, kind=..., key=None, **context)`` renders ``templates/email/<template>.txt``
  (plain text; ``{% set subject = "..." %}`` at the top gives the subject) and ``<template>.html`` and adds an
  ``outbox_mail`` row to the caller's transaction. ``send_mail(session, to, subject, body, kind=...)`` queues
  a message written in code. Neither ever talks to the SMTP server: a slow or dead mail server cannot hold
  up a request, and a rolled-back transaction sends nothing.
- After a web request commits, a background thread sends what that request queued at once; the ``mail``
  job (every minute, or ``flask --app wsgi jobs run mail``) sends whatever is left. Each row is leased before
  it is sent (two senders never send the same row), a failure is retried with back-off up to
  ``MAX_ATTEMPTS`` times, and a ``key`` makes queueing idempotent (one row per key).
- SMTP settings: WIJZER_MAIL_SERVER, _PORT, _USERNAME, _PASSWORD, _USE_TLS, _SENDER. Without a server,
  mail stays in ``outbox_mail`` (status ``outbox``), where a developer reads it.
- No live token in logs: the log names the row, kind and number of recipients, never the body. After
  delivery every link in the stored body is replaced, so the outbox keeps a link only while undelivered.
"""

from __future__ import annotations

import logging
import os
import re
import smtplib
import socket
import threading
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any, overload

from flask import Flask, current_app, has_request_context
from jinja2 import StrictUndefined
from sqlalchemy import func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from wijzer.db import insert_rows, saved_id
from wijzer.models import OutboxMail
from wijzer.services.jobresult import JobFailed
from wijzer.timeutil import utcnow

log = logging.getLogger("wijzer.mail")
MAX_ATTEMPTS = 10
LEASE = timedelta(minutes=10)
BATCH = 200
REDACTED = "[link verwijderd na verzending]"
_URL = re.compile(r"https?://[^\s<>\"']+")
_PENDING = "wijzer_mail_queued"  # session.info key: ids queued in the open transaction


class MailError(RuntimeError):
    """Delivery failed (the SMTP server is down or refused the message)."""


# ---------------------------------------------------------------- queueing (inside the caller's transaction)
def render(template: str, **context: Any) -> tuple[str, str, str]:
    """(subject, text, html) from ``templates/email/<template>.txt`` and ``.html``."""
    env = current_app.jinja_env
    if current_app.testing:
        # Under test a mail that uses a name or attribute nobody passes fails instead of going out with a blank
        # (a mail's context is complete; unlike pages, no mail template relies on optional values).
        env = env.overlay(undefined=StrictUndefined)
    text_module = env.get_template(f"email/{template}.txt").make_module(context)
    subject = str(context.get("subject") or getattr(text_module, "subject", "")).strip()
    html = env.get_template(f"email/{template}.html").render(context | {"subject": subject})
    return subject, str(text_module).strip() + "\n", html


def queue(
    session: Session, to: list[str] | str, template: str, *, kind: str, key: str | None = None, **context: Any
) -> OutboxMail:
    """Render a template pair and queue it (see module doc). Returns the outbox row (the existing row when
    ``key`` was queued before)."""
    subject, text, html = render(template, **context)
    return send_mail(session, to, subject, text, kind=kind, key=key, html=html)


def send_mail(
    session: Session,
    to: list[str] | str,
    subject: str,
    body: str,
    *,
    kind: str = "",
    config: Mapping[str, Any] | None = None,
    key: str | None = None,
    html: str | None = None,
) -> OutboxMail:
    """Queue one message in the caller's transaction (sent after the commit; never raises for delivery).
    ``config`` is accepted for callers outside a request and otherwise unused."""
    recipients = [to] if isinstance(to, str) else list(to)
    if key is not None:
        existing = session.exec(select(OutboxMail).where(OutboxMail.key == key)).first()
        if existing is not None:
            return existing
    row = _outbox_row(recipients, subject, body, kind, key, html)
    if key is None:
        session.add(row)
        session.flush()
    else:
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:  # queued by a concurrent transaction meanwhile
            return session.exec(select(OutboxMail).where(OutboxMail.key == key)).one()
    session.info.setdefault(_PENDING, set()).add(row.id)
    log.info("mail %s (%s) queued for %d recipient(s)", row.id, kind, len(recipients))
    return row


def _outbox_row(
    recipients: list[str], subject: str, body: str, kind: str, key: str | None, html: str | None
) -> OutboxMail:
    return OutboxMail(
        to=", ".join(recipients)[:2000],
        subject=subject[:300],
        body=body[:20000],
        html=html[:60000] if html else None,
        kind=kind[:40],
        key=key,
    )


def send_many(session: Session, messages: list[tuple[list[str], str, str]], *, kind: str) -> list[int]:
    """Queue many messages without keys, each (recipients, subject, text body), with one INSERT (a job that
    mails thousands at once: one flush per message cost ~10 ms each). Same rules as ``send_mail``."""
    if not messages:
        return []
    rows = [
        _outbox_row(to, subject, body, kind, None, None).model_dump(exclude={"id"})
        for to, subject, body in messages
    ]
    ids = insert_rows(session, OutboxMail, rows)
    session.info.setdefault(_PENDING, set()).update(ids)
    log.info("%d mails (%s) queued", len(ids), kind)
    return ids


def send_invitation(session: Session, email: str, link: str, provider_name: str) -> OutboxMail:
    """The invitation for a provider's staff member (the admin also sees the link on screen)."""
    return queue(
        session,
        email,
        "invitation",
        kind="invitation",
        link=link,
        provider_name=provider_name,
        ttl_hours=current_app.config["INVITE_TTL_HOURS"],
    )


# ---------------------------------------------------------------- sending (after the commit)
@overload
def redact(text: str) -> str: ...
@overload
def redact(text: None) -> None: ...
@overload
def redact(text: str | None) -> str | None: ...
def redact(text: str | None) -> str | None:
    return _URL.sub(REDACTED, text) if text else text


def _backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2**attempts, 360))


def _smtp_send(config: Mapping[str, Any], row: OutboxMail) -> None:
    msg = EmailMessage()
    msg["From"] = config["MAIL_SENDER"]
    msg["To"] = row.to
    msg["Subject"] = row.subject
    msg.set_content(row.body)
    if row.html:
        msg.add_alternative(row.html, subtype="html")
    recipients = [a.strip() for a in row.to.split(",") if a.strip()]
    with smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=15) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(msg, to_addrs=recipients)


def deliver(
    session: Session,
    config: Mapping[str, Any],
    now: datetime | None = None,
    ids: Iterable[int] | None = None,
) -> tuple[int, list[str]]:
    """Send due queued mail (only ``ids`` when given): (number sent, problems). Each row is leased in its
    own short transaction first, so concurrent senders never send it twice; commits per row."""
    if not config.get("MAIL_SERVER"):
        return 0, []
    now = now or utcnow()
    owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    due = (
        col(OutboxMail.status) == "outbox",
        col(OutboxMail.attempts) < MAX_ATTEMPTS,
        or_(col(OutboxMail.next_attempt_at).is_(None), col(OutboxMail.next_attempt_at) <= now),
    )
    stmt = select(OutboxMail.id).where(*due).order_by(col(OutboxMail.id)).limit(BATCH)
    if ids is not None:
        stmt = stmt.where(col(OutboxMail.id).in_(list(ids)))
    candidates = session.exec(stmt).all()
    session.commit()
    sent = 0
    problems: list[str] = []
    for mid in candidates:
        leased = session.exec(
            update(OutboxMail)
            .where(
                col(OutboxMail.id) == mid,
                *due,
                or_(col(OutboxMail.lease_until).is_(None), col(OutboxMail.lease_until) < now),
            )
            .values(lease_owner=owner, lease_until=now + LEASE, attempts=OutboxMail.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        if leased.rowcount != 1:
            continue  # another sender has it
        row = session.get_one(OutboxMail, mid)
        session.refresh(row)
        try:
            _smtp_send(config, row)
        except (OSError, smtplib.SMTPException) as exc:
            row.error, row.lease_owner, row.lease_until = str(exc)[:1000], None, None
            row.next_attempt_at = now + _backoff(row.attempts)
            if row.attempts >= MAX_ATTEMPTS:
                row.status = "failed"
            session.add(row)
            session.commit()
            log.warning("mail %s (%s) not sent, attempt %d: %s", row.id, row.kind, row.attempts, exc)
            problems.append(f"e-mail {row.id}: {exc}")
            continue
        row.status, row.sent_at, row.error = "sent", utcnow(), None
        row.lease_owner = row.lease_until = None
        row.body, row.html = redact(row.body), redact(row.html)  # no live link stays behind
        session.add(row)
        session.commit()
        sent += 1
    return sent, problems


def send_queued_now(
    session: Session, row: OutboxMail, config: Mapping[str, Any], now: datetime | None = None
) -> str | None:
    """For jobs that own a message (reminders, alerts): commit the queued ``row`` and send it now. Returns
    None when it is sent (or, without an SMTP server, stays in the outbox by design), else the reason it
    is still waiting (the ``mail`` job and the job's next run retry it)."""
    session.commit()
    if not config.get("MAIL_SERVER"):
        return None
    if row.status == "outbox":
        deliver(session, config, now, ids=[saved_id(row)])
        session.refresh(row)
    return None if row.status == "sent" else (row.error or "De e-mail wacht op verzending.")[:1000]


def job_mail(session: Session, now: datetime, config: Mapping[str, Any]) -> str:
    """The ``mail`` job: send every due queued message."""
    if not config.get("MAIL_SERVER"):
        waiting = session.exec(
            select(func.count()).select_from(OutboxMail).where(OutboxMail.status == "outbox")
        ).one()
        return f"geen SMTP-server ingesteld (WIJZER_MAIL_SERVER); {waiting} e-mail(s) in outbox_mail"
    sent, problems = deliver(session, config, now)
    detail = f"{sent} verstuurd"
    if problems:
        raise JobFailed(detail + f", {len(problems)} niet verstuurd: " + "; ".join(problems[:10]))
    return detail


def _send_in_background(app: Flask, ids: set[int]) -> None:
    from wijzer.db import new_session

    try:
        with app.app_context(), new_session() as session:
            deliver(session, app.config, ids=ids)
    except Exception:  # the mail job retries; never let a thread die noisily
        log.exception("background mail sender failed; the mail job will retry")


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the outer transaction has not committed yet
    ids = session.info.pop(_PENDING, None)
    if not ids or not has_request_context():
        return  # jobs and CLI commands: the mail job (or the job itself) sends
    # current_app is a LocalProxy typed as Flask; the thread needs the real app.
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config.get("MAIL_SERVER") and app.config.get("MAIL_SEND_AFTER_COMMIT", True):
        threading.Thread(target=_send_in_background, args=(app, ids), name="wijzer-mail").start()


def _after_rollback(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_PENDING, None)


def init_app(app: Flask) -> None:
    """Send what a request queued once its transaction has committed (see module doc)."""
    from sqlalchemy import event

    factory = app.extensions["wijzer_db"]["factory"]
    if not event.contains(factory, "after_commit", _after_commit):
        event.listen(factory, "after_commit", _after_commit)
        event.listen(factory, "after_rollback", _after_rollback)
