"""Reminders to providers whose data is getting old, escalations to the region, and the signed confirmation link
in them: the ``reminders`` job (registered in ``wijzer/jobs.py``).

One Reminder row per provider × kind × window under a unique key (a rerun or a second scheduler cannot create it
twice), then each unsent reminder is leased before it is sent, so two senders never send the same one. Its mail
is queued under the key ``reminder:<id>`` (one outbox row however often it runs) and sent at once; a failed send
keeps the reminder unsent and the next run (or the ``mail`` job) retries it. The job commits its claims before
sending and each reminder as it is sent: it is an entry point of its own.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from wijzer.domain import CARE_TYPES, pack, unpack
from wijzer.models import Jeugdregio, Offering, OutboxMail, Provider, Reminder, User
from wijzer.services import mail
from wijzer.services.availability import freshness_of
from wijzer.services.jobresult import JobFailed
from wijzer.services.regions_admin import NO_ADDRESS
from wijzer.services.search import region_thresholds
from wijzer.timeutil import AMS, utcnow

LINK_SALT = "wijzer-confirm-link"
MAX_SEND_ATTEMPTS = 10
LEASE = timedelta(minutes=10)


def link_serializer(config: Mapping[str, Any]) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(config["SECRET_KEY"], salt=LINK_SALT)


def make_confirm_token(config: Mapping[str, Any], reminder: Reminder) -> str:
    return link_serializer(config).dumps({"r": reminder.id, "p": reminder.provider_id})


def read_confirm_token(config: Mapping[str, Any], token: str) -> tuple[dict[str, int] | None, str | None]:
    """({'r': reminder id, 'p': provider id}, None) or (None, 'expired' | 'invalid')."""
    try:
        data = link_serializer(config).loads(token, max_age=int(config["CONFIRM_LINK_TTL_DAYS"]) * 86400)
    except SignatureExpired:
        return None, "expired"
    except BadSignature:
        return None, "invalid"
    if not isinstance(data, dict) or not {"r", "p"} <= set(data):
        return None, "invalid"
    return data, None


def _claim(
    session: Session, provider_id: int, kind: str, window: str, offering_ids: list[int], region: str | None
) -> bool:
    exists = session.exec(
        select(Reminder.id).where(
            Reminder.provider_id == provider_id, Reminder.kind == kind, Reminder.window == window
        )
    ).first()
    if exists is not None:
        return False
    try:
        with session.begin_nested():
            session.add(
                Reminder(
                    provider_id=provider_id,
                    kind=kind,
                    window=window,
                    region_code=region,
                    offering_ids=pack([str(i) for i in offering_ids]),
                )
            )
        return True
    except IntegrityError:  # another scheduler claimed it first
        return False


def _recipients(session: Session, reminder: Reminder, config: Mapping[str, Any] | None = None) -> list[str]:
    if reminder.kind == "escalation":
        region = session.get(Jeugdregio, reminder.region_code) if reminder.region_code else None
        if region is not None and region.contact_list:
            return region.contact_list
        admin = ((config or {}).get("ADMIN_EMAIL") or "").strip()
        return [admin] if admin else []
    staff = session.exec(
        select(User.email).where(
            User.provider_id == reminder.provider_id, User.active, User.role == "provider"
        )
    ).all()
    if staff:
        return sorted(staff)
    provider = session.get(Provider, reminder.provider_id)
    return [provider.email] if provider and provider.email else []


def _queue_message(
    session: Session, reminder: Reminder, recipients: list[str], config: Mapping[str, Any]
) -> OutboxMail:
    """Queue the reminder's mail (templates ``email/reminder`` / ``email/escalation``) under the key
    ``reminder:<id>``: however often this runs, the reminder has one outbox row, sent once."""
    from wijzer.links import external_url

    provider = session.get_one(Provider, reminder.provider_id)
    ids = [int(i) for i in unpack(reminder.offering_ids)]
    offerings = [
        {
            "ref": o.offering_ref,
            "name": o.name or CARE_TYPES.get(o.care_type, o.care_type),
            "when": "nog nooit"
            if o.last_confirmed_at is None
            else o.last_confirmed_at.astimezone(AMS).strftime("%d-%m-%Y"),
        }
        for o in session.exec(
            select(Offering).where(col(Offering.id).in_(ids)).order_by(Offering.offering_ref)
        ).all()
    ]
    common: dict[str, Any] = {
        "kind": f"reminder:{reminder.kind}",
        "key": f"reminder:{reminder.id}",
        "provider_name": provider.name,
        "offerings": offerings,
    }
    if reminder.kind == "escalation":
        return mail.queue(
            session, recipients, "escalation", kvk=provider.kvk, days=config["ESCALATE_DAYS"], **common
        )
    return mail.queue(
        session,
        recipients,
        "reminder",
        stale=reminder.kind == "stale",
        link=external_url(
            "providers.confirm_link", config=config, token=make_confirm_token(config, reminder)
        ),
        portal_link=external_url("providers.weekly", config=config),
        ttl_days=config["CONFIRM_LINK_TTL_DAYS"],
        **common,
    )


def send_reminders(session: Session, now: datetime, config: Mapping[str, Any]) -> str:
    """The ``reminders`` job (see the module docstring); commits its claims and each sent reminder."""
    thresholds = region_thresholds(session, config)
    escalate_after = timedelta(days=int(config["ESCALATE_DAYS"]))
    aging: defaultdict[int, list[tuple[int, datetime]]] = defaultdict(list)
    stale: defaultdict[int, list[tuple[int, datetime]]] = defaultdict(list)
    escalate: defaultdict[tuple[int, str], list[tuple[int, datetime]]] = defaultdict(list)
    rows = session.execute(
        sa_select(  # five columns: more than sqlmodel's select() has overloads for
            col(Offering.id),
            col(Offering.provider_id),
            col(Offering.region_code),
            col(Offering.last_confirmed_at),
            col(Offering.created_at),
        ).where(col(Offering.active))
    ).all()
    for oid, pid, region, confirmed, created in rows:
        t = thresholds.get(region, thresholds[None])
        state = freshness_of(confirmed, now, t.fresh_days, t.stale_days)
        since = confirmed or created
        if state == "aging":
            aging[pid].append((oid, since))
        elif state in ("stale", "unknown"):
            stale[pid].append((oid, since))
            if now - since > escalate_after:
                escalate[(pid, region)].append((oid, since))
    claimed = 0
    for kind, groups in (("aging", aging), ("stale", stale)):
        for pid, items in groups.items():
            window = min(s for _, s in items).isoformat(timespec="seconds")
            claimed += _claim(session, pid, kind, window, [i for i, _ in items], None)
    for (pid, region), items in escalate.items():
        window = f"{region}:{min(s for _, s in items).isoformat(timespec='seconds')}"
        claimed += _claim(session, pid, "escalation", window, [i for i, _ in items], region)
    session.commit()  # the claims are durable before anything is sent

    owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    sent, no_address, failed = 0, 0, []
    pending = session.exec(
        select(Reminder.id)
        .where(col(Reminder.sent_at).is_(None), col(Reminder.attempts) < MAX_SEND_ATTEMPTS)
        .order_by(col(Reminder.id))
    ).all()
    for rid in pending:
        leased = session.exec(
            update(Reminder)
            .where(
                col(Reminder.id) == rid,
                col(Reminder.sent_at).is_(None),
                or_(col(Reminder.lease_until).is_(None), col(Reminder.lease_until) < now),
            )
            .values(lease_owner=owner, lease_until=now + LEASE, attempts=Reminder.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        if leased.rowcount != 1:
            continue  # another sender has it
        reminder = session.get_one(Reminder, rid)
        session.refresh(reminder)
        recipients = _recipients(session, reminder, config)
        if not recipients:
            # Nobody to write to (a region without contact and no WIJZER_ADMIN_EMAIL, or a provider without
            # an e-mail address or staff): recorded once as "geen adres" (shown on the operator page and
            # the region's settings page), not retried every run, and not a failure of the job: a run fails
            # only for real delivery errors.
            reminder.sent_at, reminder.recipients = utcnow(), NO_ADDRESS
            reminder.last_error = (
                "Geen contactadres van de regio en geen WIJZER_ADMIN_EMAIL bekend"
                if reminder.kind == "escalation"
                else "Geen e-mailadres van de aanbieder bekend"
            )
            reminder.lease_until = None
            session.add(reminder)
            session.commit()
            no_address += 1
            continue
        # Queued once under the reminder's key, committed, then sent now.
        error = mail.send_queued_now(
            session, _queue_message(session, reminder, recipients, config), config, now
        )
        session.refresh(reminder)
        if error is not None:
            reminder.last_error = error
            reminder.lease_until = None
            session.add(reminder)
            session.commit()  # keeps the queued row and the error; the mail job and the next run retry
            failed.append(f"herinnering {rid}: {reminder.last_error}")
            continue
        reminder.sent_at, reminder.recipients, reminder.last_error = (
            utcnow(),
            ", ".join(recipients)[:2000],
            None,
        )
        session.add(reminder)
        session.commit()
        sent += 1
    detail = f"{claimed} nieuwe herinneringen, {sent} verstuurd"
    if no_address:
        detail += f", {no_address} herinnering(en)/escalatie(s) vastgelegd zonder ontvanger ({NO_ADDRESS})"
    if failed:
        raise JobFailed(detail + f", {len(failed)} niet verstuurd: " + "; ".join(failed[:10]))
    return detail
