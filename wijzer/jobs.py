"""Scheduled jobs and the scheduler process.

Run the scheduler in its own process (``flask --app wsgi scheduler``), never in web workers; run any
job once with ``flask --app wsgi jobs run NAME``. Every job is idempotent:

- ``freshness``: set-based UPDATE of the recorded freshness, with a transition row only for rows that
  change (a rerun finds nothing to change).
- ``reminders``: one Reminder row per provider × kind × window under a unique key (a rerun or a second
  scheduler cannot create it twice), then each unsent reminder is leased before it is sent, so two
  senders never send the same one. Its mail is queued under the key ``reminder:<id>`` (one outbox row
  however often it runs) and sent at once; a failed send keeps the reminder unsent and the next run (or the
  ``mail`` job) retries it.
- ``mail``: every minute, sends queued e-mail (``wijzer.services.mail``: lease, retries with back-off).
- ``expire_statuses``: flags offerings whose temporary status end date has passed (once).
- ``region_snapshots``: upserts today's figures per jeugdregio × care type (as of now; the same figures
  ``services.trends`` reconstructs from the report history, plus occupancy and the week's no-place reports).
- ``trend_weeks``: computes and keeps the last 53 complete weeks of every region's trends (``trend_week``),
  so the trends pages and API read a year without rebuilding it from the report history.
- ``placement_answers``, ``placement_holds``, ``placement_retention``: the plaatsingsverzoek's reminder
  and expiry, hold release and 90-day anonymisation (``services.placement``; each item is claimed by a
  conditional UPDATE, so a rerun sends nothing twice).

On PostgreSQL each run also takes an advisory lock per job, so two schedulers do not run the same job at
the same time (the second run is recorded as ``skipped``).
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
import zlib
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import case, insert, literal, or_, text, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from wijzer.db import get_engine, new_session, table_of
from wijzer.domain import CARE_TYPES, pack, unpack
from wijzer.models import FreshnessTransition, Jeugdregio, JobRun, Offering, Provider, Reminder, User
from wijzer.services import mail, placement
from wijzer.services.availability import freshness_of
from wijzer.services.regions import take_snapshots
from wijzer.services.regions_admin import NO_ADDRESS
from wijzer.services.search import region_thresholds
from wijzer.timeutil import AMS, utcnow

log = logging.getLogger("wijzer.jobs")
LINK_SALT = "wijzer-confirm-link"
MAX_SEND_ATTEMPTS = 10
LEASE = timedelta(minutes=10)


class JobFailed(RuntimeError):
    """The job did part of its work and must report failure (e.g. some e-mails could not be sent)."""


# ---------------------------------------------------------------- freshness
def job_freshness(session: Session, now: datetime, config) -> str:
    thresholds = region_thresholds(session, config)
    groups: dict[tuple[int, int], list[str]] = defaultdict(list)
    for code, t in thresholds.items():
        if code is not None:
            groups[(t.fresh_days, t.stale_days)].append(code)
    changed = 0
    for (fresh, stale), regions in groups.items():
        state = case(
            (col(Offering.last_confirmed_at).is_(None), "unknown"),
            (col(Offering.last_confirmed_at) >= now - timedelta(days=fresh), "fresh"),
            (col(Offering.last_confirmed_at) >= now - timedelta(days=stale), "aging"),
            else_="stale",
        )
        where = (col(Offering.region_code).in_(regions), col(Offering.freshness) != state)
        sel = select(
            Offering.id,
            Offering.freshness,
            state,
            literal(now, type_=table_of(FreshnessTransition).c.at.type),
        ).where(*where)
        # A Core insert on the connection: through the ORM session an insert … select of an entity is an
        # ORM bulk insert whose rowcount PostgreSQL's driver reports as -1.
        result = session.connection().execute(
            insert(table_of(FreshnessTransition)).from_select(
                ["offering_id", "from_state", "to_state", "at"], sel
            )
        )
        changed += max(result.rowcount, 0)
        session.execute(
            update(Offering)
            .where(*where)
            .values(freshness=state)
            .execution_options(synchronize_session=False)
        )
    return f"{changed} overgangen vastgelegd"


# ---------------------------------------------------------------- expire temporary statuses
def job_expire_statuses(session: Session, now: datetime, config) -> str:
    today = now.astimezone(AMS).date()
    result = session.exec(
        update(Offering)
        .where(col(Offering.cur_status_until) < today, col(Offering.needs_update).is_(False))
        .values(needs_update=True)
        .execution_options(synchronize_session=False)
    )
    return f"{result.rowcount or 0} aanbod met verlopen tijdelijke status gemarkeerd"


# ---------------------------------------------------------------- region snapshots
def job_region_snapshots(session: Session, now: datetime, config) -> str:
    n = take_snapshots(session, now.astimezone(AMS).date(), now, config)
    return f"{n} regio-momentopnamen"


# ---------------------------------------------------------------- reminders
def link_serializer(config) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(config["SECRET_KEY"], salt=LINK_SALT)


def make_confirm_token(config, reminder: Reminder) -> str:
    return link_serializer(config).dumps({"r": reminder.id, "p": reminder.provider_id})


def read_confirm_token(config, token: str) -> tuple[dict | None, str | None]:
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


def _recipients(session: Session, reminder: Reminder, config=None) -> list[str]:
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


def _queue_message(session: Session, reminder: Reminder, recipients: list[str], config):
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


def job_reminders(session: Session, now: datetime, config) -> str:
    thresholds = region_thresholds(session, config)
    escalate_after = timedelta(days=int(config["ESCALATE_DAYS"]))
    aging, stale = defaultdict(list), defaultdict(list)
    escalate: dict[tuple[int, str], list] = defaultdict(list)
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


# ---------------------------------------------------------------- registry and runner
from wijzer.services.alerts import job_alerts  # noqa: E402  (alerts: "Houd me op de hoogte", services/alerts.py)
from wijzer.services.trends import warm_trend_weeks  # noqa: E402  (kept trend weeks, services/trends.py)

JOBS: dict[str, tuple[Callable, dict]] = {
    "freshness": (job_freshness, {"trigger": "cron", "minute": 5}),
    "reminders": (job_reminders, {"trigger": "cron", "hour": 8, "minute": 0}),
    "expire_statuses": (job_expire_statuses, {"trigger": "cron", "minute": 10}),
    "region_snapshots": (job_region_snapshots, {"trigger": "cron", "hour": 2, "minute": 30}),
    "trend_weeks": (warm_trend_weeks, {"trigger": "cron", "hour": 2, "minute": 40}),
    "mail": (mail.job_mail, {"trigger": "interval", "minutes": 1}),
    "alerts": (job_alerts, {"trigger": "cron", "minute": "*/15"}),
    "placement_answers": (placement.remind_and_expire, {"trigger": "cron", "minute": "*/15"}),
    "placement_holds": (placement.release_expired_holds, {"trigger": "cron", "minute": 2}),
    "placement_retention": (placement.anonymise_closed, {"trigger": "cron", "hour": 3, "minute": 15}),
}
SCHEDULE_TEXT = {
    "freshness": "elk uur (:05)",
    "reminders": "dagelijks 08:00",
    "expire_statuses": "elk uur (:10)",
    "region_snapshots": "elke nacht 02:30",
    "trend_weeks": "elke nacht 02:40",
    "mail": "elke minuut (en direct na elk webverzoek)",
    "alerts": "elk kwartier",
    "placement_answers": "elk kwartier",
    "placement_holds": "elk uur (:02)",
    "placement_retention": "elke nacht 03:15",
}


def _pg_lock(name: str):
    """A dedicated connection holding a session advisory lock for the job, or None when taken."""
    engine = get_engine()
    if engine.dialect.name != "postgresql":
        return False
    conn = engine.connect()
    key = zlib.crc32(f"wijzer-job:{name}".encode())
    if conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
        return conn
    conn.close()
    return None


def run_job(name: str, now: datetime | None = None) -> JobRun:
    """Run one job inside the current app context, recording a JobRun. Never raises for job errors."""
    from flask import current_app

    fn, _ = JOBS[name]
    now = now or utcnow()
    config = current_app.config
    with new_session() as bookkeeping:
        run = JobRun(job=name, started_at=utcnow(), host=f"{socket.gethostname()}:{os.getpid()}")
        bookkeeping.add(run)
        bookkeeping.commit()
        run_id = run.id
    lock = _pg_lock(name)
    status, detail = "ok", ""
    started = datetime.now().timestamp()
    if lock is None:
        status, detail = "skipped", "Een andere run van deze taak is bezig."
    else:
        session = new_session()
        try:
            detail = fn(session, now, config)
            session.commit()
        except JobFailed as exc:
            session.rollback()
            status, detail = "failed", str(exc)
        except Exception as exc:
            session.rollback()
            log.exception("job %s failed", name)
            status, detail = "failed", f"{type(exc).__name__}: {exc}"
        finally:
            session.close()
            if lock:
                lock.execute(text("SELECT pg_advisory_unlock_all()"))
                lock.close()
    with new_session() as bookkeeping:
        run = bookkeeping.get_one(JobRun, run_id)
        run.finished_at = utcnow()
        run.duration_ms = int((datetime.now().timestamp() - started) * 1000)
        run.status, run.detail = status, (detail or "")[:4000]
        bookkeeping.add(run)
        bookkeeping.commit()
        bookkeeping.refresh(run)
        log.info("job %s: %s (%s ms) %s", name, status, run.duration_ms, detail)
        return run


def build_scheduler(app):
    """APScheduler 3 BlockingScheduler (Europe/Amsterdam) with every job; each run pushes an app context."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = BlockingScheduler(
        timezone=app.config["SCHEDULER_TIMEZONE"],
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
    )

    def runner(job_name: str):
        with app.app_context():
            run_job(job_name)

    for name, (_, trigger) in JOBS.items():
        scheduler.add_job(runner, args=[name], id=name, name=name, replace_existing=True, **trigger)
    return scheduler
