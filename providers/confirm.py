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
from wijzer.services import availability, confirmation
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


def _invalid(problem: str):
    return render_template("providers/confirm_invalid.html", problem=problem), 410 if problem in (
        "used",
        "expired",
    ) else 404


def _pairs(provider_id: int):
    return (
        get_session()
        .exec(
            select(Offering, Location)
            .join(Location, Location.id == Offering.location_id)
            .where(Offering.provider_id == provider_id, Offering.active)
            .order_by(Location.name, Offering.offering_ref)
        )
        .all()
    )


@bp.route("/bevestigen/<token>", methods=["GET"])
def confirm_link(token: str):
    _reminder, provider, problem = _load(token)
    if problem:
        return _invalid(problem)
    pairs = _pairs(provider.id)
    needs_answer = {o.id: p for o, _ in pairs if (p := availability.needs_answer(o))}
    return render_template(
        "providers/confirm.html",
        provider=provider,
        pairs=pairs,
        token=token,
        now=utcnow(),
        done=False,
        needs_answer=needs_answer,
    )


@bp.route("/bevestigen/<token>", methods=["POST"])
def confirm_link_post(token: str):
    reminder, provider, problem = _load(token)
    if problem:
        return _invalid(problem)
    session = get_session()
    result = confirmation.confirm_by_link(
        session,
        reminder,
        fresh_days=current_app.config["FRESH_DAYS"],
        stale_days=current_app.config["STALE_DAYS"],
    )
    if not result.claimed:
        session.rollback()
        return _invalid("used")
    session.commit()
    pairs = [(o, loc) for o, loc in _pairs(provider.id) if o.id in result.needs_answer]
    return render_template(
        "providers/confirm.html",
        provider=provider,
        pairs=pairs,
        token=token,
        now=utcnow(),
        done=True,
        confirmed=result.confirmed,
        needs_answer=result.needs_answer,
    )
