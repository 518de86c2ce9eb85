"""Confirming every offering of a provider at once through the signed link in a reminder e-mail.

The same rules as the portal's "Alles klopt nog": only values that can still be confirmed are
confirmed (an expired temporary status or a passed next-free date must be answered in the portal);
offerings never reported have nothing to confirm. The link is single use: the reminder is claimed
with one conditional UPDATE, so two clicks at the same moment confirm once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from wijzer.db import saved_id
from wijzer.domain import FRESH_DAYS, STALE_DAYS
from wijzer.models import Location, Offering, Provider, Reminder
from wijzer.services import auditlog, availability
from wijzer.timeutil import AMS, utcnow


@dataclass
class LinkResult:
    claimed: bool
    confirmed: int = 0
    needs_answer: dict[int, dict[str, str]] = field(default_factory=dict)


def active_offerings(session: Session, provider_id: int) -> list[Offering]:
    return list(
        session.exec(
            select(Offering)
            .where(Offering.provider_id == provider_id, Offering.active)
            .order_by(Offering.offering_ref)
        ).all()
    )


@dataclass
class LinkTarget:
    """What a confirmation link points at; ``problem`` ('invalid' or 'used') when it cannot be used."""

    reminder: Reminder | None = None
    provider: Provider | None = None
    problem: str | None = None


def link_target(session: Session, data: Mapping[str, Any]) -> LinkTarget:
    """The reminder and provider of a verified link payload (``{'r': reminder id, 'p': provider id}``).
    An escalation has no confirmation link; a link used before is 'used' (with its reminder)."""
    reminder = session.get(Reminder, data["r"])
    if reminder is None or reminder.provider_id != data["p"] or reminder.kind == "escalation":
        return LinkTarget(problem="invalid")
    if reminder.link_used_at is not None:
        return LinkTarget(reminder=reminder, problem="used")
    return LinkTarget(reminder=reminder, provider=session.get(Provider, reminder.provider_id))


def offerings_with_locations(session: Session, provider_id: int) -> Sequence[tuple[Offering, Location]]:
    """The provider's active offerings with their locations, as the confirmation page lists them."""
    return session.exec(
        select(Offering, Location)
        .join(Location, col(Location.id) == col(Offering.location_id))
        .where(Offering.provider_id == provider_id, col(Offering.active))
        .order_by(Location.name, Offering.offering_ref)
    ).all()


def needing_answer(offerings: Iterable[Offering]) -> dict[int, dict[str, str]]:
    """Per offering whose values cannot simply be confirmed: why (they must be answered in the portal)."""
    return {
        off.id: problems
        for off in offerings
        if off.id is not None and (problems := availability.needs_answer(off))
    }


def confirm_by_link(
    session: Session,
    reminder: Reminder,
    *,
    now: datetime | None = None,
    fresh_days: int = FRESH_DAYS,
    stale_days: int = STALE_DAYS,
) -> LinkResult:
    """Claim the reminder's link and confirm the provider's confirmable offerings. ``claimed`` is False
    when the link was used already (also by a concurrent request); nothing is written then."""
    now = now or utcnow()
    claim = session.exec(
        update(Reminder)
        .where(col(Reminder.id) == reminder.id, col(Reminder.link_used_at).is_(None))
        .values(link_used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claim.rowcount != 1:
        return LinkResult(claimed=False)
    result = LinkResult(claimed=True)
    for off in active_offerings(session, reminder.provider_id):
        if off.last_reported_at is None:
            continue  # nothing reported yet: there is nothing to confirm
        problems = availability.needs_answer(off, now.astimezone(AMS).date())
        if problems:
            result.needs_answer[saved_id(off)] = problems
            continue
        availability.record_report(
            session,
            off,
            None,
            kind="confirm",
            source="email_link",
            now=now,
            fresh_days=fresh_days,
            stale_days=stale_days,
        )
        result.confirmed += 1
    auditlog.record(
        session,
        action="confirm",
        entity="provider",
        entity_id=reminder.provider_id,
        actor="email_link",
        detail={
            "reminder_id": reminder.id,
            "offerings": result.confirmed,
            "not_confirmed": sorted(result.needs_answer),
        },
    )
    return result
