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

The jobs' logic lives in services (``services/freshness.py``, ``reminders.py``, ``mail.py``, ``alerts.py``,
``regions.py``, ``trends.py``, ``placement.py``); this module keeps the registry, the runner, the locks and the
scheduler. On PostgreSQL each run also takes an advisory lock per job, so two schedulers do not run the same job at
the same time (the second run is recorded as ``skipped``).
"""

from __future__ import annotations

import logging
import os
import socket
import zlib
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import text

from wijzer.db import get_engine, new_session
from wijzer.models import JobRun
from wijzer.services import alerts, freshness, mail, placement, regions, reminders, trends
from wijzer.services.jobresult import JobFailed
from wijzer.timeutil import utcnow

log = logging.getLogger("wijzer.jobs")


JOBS: dict[str, tuple[Callable, dict]] = {
    "freshness": (freshness.record_freshness, {"trigger": "cron", "minute": 5}),
    "reminders": (reminders.send_reminders, {"trigger": "cron", "hour": 8, "minute": 0}),
    "expire_statuses": (freshness.flag_expired_statuses, {"trigger": "cron", "minute": 10}),
    "region_snapshots": (regions.snapshot_job, {"trigger": "cron", "hour": 2, "minute": 30}),
    "trend_weeks": (trends.warm_trend_weeks, {"trigger": "cron", "hour": 2, "minute": 40}),
    "mail": (mail.job_mail, {"trigger": "interval", "minutes": 1}),
    "alerts": (alerts.job_alerts, {"trigger": "cron", "minute": "*/15"}),
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
