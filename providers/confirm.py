"""One-click confirmation from a reminder e-mail: a signed, expiring (14 days), single-use link.

GET only shows the offerings and a button; the POST (with CSRF token) records the confirmations, so
link scanners in mail systems cannot confirm by opening the link.
"""
from __future__ import annotations

from flask import current_app, render_template
from sqlmodel import select

from providers import bp
from wijzer.db import get_session
from wijzer.jobs import read_confirm_token
from wijzer.models import Location, Offering, Provider, Reminder
from wijzer.services import auditlog, availability
from wijzer.timeutil import utcnow


def _load(token: str):
    data, problem = read_confirm_token(current_app.config, token)
    if data is None:
        return None, None, problem
    session = get_session()
    reminder = session.get(Reminder, data["r"])
    if reminder is None or reminder.provider_id != data["p"] or reminder.kind == "escalation":
        return None, None, "invalid"
    if reminder.link_used_at is not None:
        return reminder, None, "used"
    return reminder, session.get(Provider, reminder.provider_id), None


@bp.route("/bevestigen/<token>", methods=["GET"])
def confirm_link(token: str):
    reminder, provider, problem = _load(token)
    if problem:
        return render_template("providers/confirm_invalid.html", problem=problem), 410 if problem in ("used", "expired") else 404
    pairs = get_session().exec(select(Offering, Location).join(Location, Location.id == Offering.location_id)
                               .where(Offering.provider_id == provider.id, Offering.active)
                               .order_by(Location.name, Offering.offering_ref)).all()
    return render_template("providers/confirm.html", provider=provider, pairs=pairs, token=token, now=utcnow(),
                           done=False)


@bp.route("/bevestigen/<token>", methods=["POST"])
def confirm_link_post(token: str):
    reminder, provider, problem = _load(token)
    if problem:
        return render_template("providers/confirm_invalid.html", problem=problem), 410 if problem in ("used", "expired") else 404
    session = get_session()
    offerings = session.exec(select(Offering).where(Offering.provider_id == provider.id, Offering.active)).all()
    fresh, stale = current_app.config["FRESH_DAYS"], current_app.config["STALE_DAYS"]
    confirmed = 0
    for off in offerings:
        if off.last_reported_at is None:
            continue  # nothing reported yet: there is nothing to confirm
        availability.record_report(session, off, None, kind="confirm", source="email_link",
                                   fresh_days=fresh, stale_days=stale)
        confirmed += 1
    reminder.link_used_at = utcnow()
    session.add(reminder)
    auditlog.record(session, action="confirm", entity="provider", entity_id=provider.id, actor="email_link",
                    detail={"reminder_id": reminder.id, "offerings": confirmed})
    session.commit()
    return render_template("providers/confirm.html", provider=provider, pairs=[], token=token, now=utcnow(),
                           done=True, confirmed=confirmed)
