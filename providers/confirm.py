"""One-click confirmation from a reminder e-mail: a signed, expiring (14 days), single-use link.

GET only shows the offerings and a button; the POST (with CSRF token) records the confirmations, so
link scanners in mail systems cannot confirm by opening the link.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import current_app, render_template
from flask.typing import ResponseReturnValue

from providers import bp
from wijzer.db import get_session, saved_id
from wijzer.models import Location, Offering
from wijzer.services import confirmation
from wijzer.services.reminders import read_confirm_token
from wijzer.timeutil import utcnow


def _target(token: str) -> confirmation.LinkTarget:
    data, problem = read_confirm_token(current_app.config, token)
    if data is None:
        return confirmation.LinkTarget(problem=problem)
    return confirmation.link_target(get_session(), data)


def _invalid(problem: str) -> ResponseReturnValue:
    return render_template("providers/confirm_invalid.html", problem=problem), 410 if problem in (
        "used",
        "expired",
    ) else 404


def _page(
    target: confirmation.LinkTarget, token: str, pairs: Sequence[tuple[Offering, Location]], **context: Any
) -> ResponseReturnValue:
    """The confirmation page: the provider's offerings, before (``done=False``) or after confirming."""
    return render_template(
        "providers/confirm.html", provider=target.provider, pairs=pairs, token=token, now=utcnow(), **context
    )


@bp.route("/bevestigen/<token>", methods=["GET"])
def confirm_link(token: str) -> ResponseReturnValue:
    target = _target(token)
    if target.problem or target.provider is None:
        return _invalid(target.problem or "invalid")
    pairs = confirmation.offerings_with_locations(get_session(), saved_id(target.provider))
    return _page(
        target, token, pairs, done=False, needs_answer=confirmation.needing_answer(o for o, _ in pairs)
    )


@bp.route("/bevestigen/<token>", methods=["POST"])
def confirm_link_post(token: str) -> ResponseReturnValue:
    target = _target(token)
    if target.problem or target.reminder is None or target.provider is None:
        return _invalid(target.problem or "invalid")
    session = get_session()
    result = confirmation.confirm_by_link(
        session,
        target.reminder,
        fresh_days=current_app.config["FRESH_DAYS"],
        stale_days=current_app.config["STALE_DAYS"],
    )
    if not result.claimed:
        session.rollback()
        return _invalid("used")
    session.commit()
    pairs = [
        (o, loc)
        for o, loc in confirmation.offerings_with_locations(session, saved_id(target.provider))
        if o.id in result.needs_answer
    ]
    return _page(
        target, token, pairs, done=True, confirmed=result.confirmed, needs_answer=result.needs_answer
    )
