"""What the provider portal pages show: a provider's offerings with their locations, how fresh each one
is against its jeugdregio's limits, and the history of its capacity reports. Read only."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from wijzer.db import saved_id
from wijzer.models import CapacityReport, Jeugdregio, Location, Offering, User
from wijzer.services import availability
from wijzer.timeutil import utcnow

STALE_SOON = timedelta(days=3)  # "verouderd binnenkort": the weekly grid warns this long before
HISTORY_LIMIT = 500


def offerings_with_locations(
    session: Session, provider_id: int, active_only: bool = True
) -> Sequence[tuple[Offering, Location]]:
    """The provider's offerings with their locations, by location name, care type and own reference."""
    stmt = (
        select(Offering, Location)
        .join(Location, col(Location.id) == col(Offering.location_id))
        .where(Offering.provider_id == provider_id)
    )
    if active_only:
        stmt = stmt.where(col(Offering.active))
    return session.exec(stmt.order_by(Location.name, Offering.care_type, Offering.offering_ref)).all()


def own_locations(session: Session, provider_id: int) -> Sequence[Location]:
    """The provider's locations, by name."""
    return session.exec(
        select(Location).where(Location.provider_id == provider_id).order_by(Location.name)
    ).all()


def thresholds_by_region(
    session: Session, codes: Collection[str | None], config: Mapping[str, Any]
) -> dict[str | None, availability.Thresholds]:
    """Freshness limits per jeugdregio (regions may override the defaults in ``config``), in one query."""
    wanted = [c for c in codes if c]
    found = (
        {r.code: r for r in session.exec(select(Jeugdregio).where(col(Jeugdregio.code).in_(wanted))).all()}
        if wanted
        else {}
    )
    return {code: availability.thresholds_for(found.get(code) if code else None, config) for code in codes}


@dataclass
class WeeklyStatus:
    """Per offering id: its freshness, why it must be answered rather than confirmed, and when it turns
    stale if that is within ``STALE_SOON``."""

    freshness: dict[int, str] = field(default_factory=dict)
    expired: dict[int, dict[str, str]] = field(default_factory=dict)
    stale_soon: dict[int, datetime] = field(default_factory=dict)


def weekly_status(
    session: Session, offerings: Iterable[Offering], config: Mapping[str, Any], now: datetime | None = None
) -> WeeklyStatus:
    offerings = list(offerings)
    now = now or utcnow()
    limits = thresholds_by_region(session, {o.region_code for o in offerings}, config)
    status = WeeklyStatus()
    for off in offerings:
        limit = limits[off.region_code]
        oid = saved_id(off)
        status.freshness[oid] = availability.freshness_of(
            off.last_confirmed_at, now, limit.fresh_days, limit.stale_days
        )
        if reasons := availability.needs_answer(off):
            status.expired[oid] = reasons
        if off.last_confirmed_at is not None:
            stale_at = off.last_confirmed_at + timedelta(days=limit.stale_days)
            if timedelta(0) <= stale_at - now <= STALE_SOON:
                status.stale_soon[oid] = stale_at
    return status


def report_history(
    session: Session, offering_id: int, limit: int = HISTORY_LIMIT
) -> Sequence[tuple[CapacityReport, str | None]]:
    """The offering's capacity reports, newest first, each with the e-mail address of who made it (None
    for an import, the API or the confirmation link)."""
    return session.exec(
        select(CapacityReport, User.email)
        .join(User, col(User.id) == col(CapacityReport.user_id), isouter=True)
        .where(CapacityReport.offering_id == offering_id)
        .order_by(col(CapacityReport.reported_at).desc(), col(CapacityReport.id).desc())
        .limit(limit)
    ).all()
