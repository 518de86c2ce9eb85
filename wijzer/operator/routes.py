"""Operator view for admins: the scheduled jobs (last run, duration, outcome, failures) and the outbox."""

from flask import render_template
from sqlmodel import col, select

from wijzer.auth import role_required
from wijzer.db import get_session
from wijzer.jobs import JOBS, SCHEDULE_TEXT
from wijzer.models import JobRun, OutboxMail, Reminder
from wijzer.operator import bp
from wijzer.services.regions_admin import NO_ADDRESS


@bp.route("/")
@role_required("admin")
def jobs():
    session = get_session()
    last = {
        name: session.exec(
            select(JobRun).where(JobRun.job == name).order_by(col(JobRun.started_at).desc())
        ).first()
        for name in JOBS
    }
    failures = session.exec(
        select(JobRun).where(JobRun.status == "failed").order_by(col(JobRun.started_at).desc()).limit(20)
    ).all()
    unsent = session.exec(
        select(Reminder)
        .where(col(Reminder.sent_at).is_(None))
        .order_by(col(Reminder.created_at).desc())
        .limit(50)
    ).all()
    no_address = session.exec(
        select(Reminder)
        .where(Reminder.kind == "escalation", Reminder.recipients == NO_ADDRESS)
        .order_by(col(Reminder.created_at).desc())
        .limit(50)
    ).all()
    outbox = session.exec(select(OutboxMail).order_by(col(OutboxMail.created_at).desc()).limit(30)).all()
    return render_template(
        "operator/jobs.html",
        last=last,
        schedule=SCHEDULE_TEXT,
        failures=failures,
        unsent=unsent,
        outbox=outbox,
        no_address=no_address,
    )
