"""'Gebeld: geen plek': a referrer's report, and the reports as the provider sees them in its portal."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from wijzer.db import saved_id
from wijzer.models import NoPlaceReport, Offering, User
from wijzer.services import auditlog
from wijzer.timeutil import utcnow

SUMMARY_WINDOW = timedelta(weeks=4)  # the portal shows the reports of the last four weeks


class NoPlaceSummary(NamedTuple):
    """The reports on one offering within the window (a tuple, so templates may index it)."""

    reports: int
    last_at: datetime
    unseen: int


def report_no_place(session: Session, offering: Offering, user: User, *, now: datetime | None = None) -> bool:
    """Record that ``user`` called about ``offering`` and found no place: at most one report per referrer,
    offering and (UTC) day. Returns False when the user reported this offering today already. Only
    adds/flushes: the caller commits."""
    now = now or utcnow()
    start_of_day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    already = session.exec(
        select(NoPlaceReport.id).where(
            NoPlaceReport.offering_id == offering.id,
            NoPlaceReport.user_id == user.id,
            NoPlaceReport.at >= start_of_day,
        )
    ).first()
    if already is not None:
        return False
    session.add(
        NoPlaceReport(
            offering_id=saved_id(offering), user_id=saved_id(user), region_code=offering.region_code, at=now
        )
    )
    session.flush()
    return True


def no_place_summary(
    session: Session,
    offering_ids: Collection[int],
    *,
    now: datetime | None = None,
    window: timedelta = SUMMARY_WINDOW,
) -> dict[int, NoPlaceSummary]:
    """Per offering with reports in the window: how many, the newest, and how many the provider has not
    seen yet (offerings without reports are absent)."""
    if not offering_ids:
        return {}
    since = (now or utcnow()) - window
    rows = session.exec(
        select(
            NoPlaceReport.offering_id,
            func.count(),
            func.max(NoPlaceReport.at),
            func.count(col(NoPlaceReport.id)).filter(col(NoPlaceReport.seen_by_provider_at).is_(None)),
        )
        .where(col(NoPlaceReport.offering_id).in_(list(offering_ids)), NoPlaceReport.at >= since)
        .group_by(col(NoPlaceReport.offering_id))
    ).all()
    return {oid: NoPlaceSummary(n, at, unseen) for oid, n, at, unseen in rows}


def mark_no_place_seen(
    session: Session, provider_id: int, *, user: User | None = None, now: datetime | None = None
) -> int:
    """Mark every unseen no-place report on the provider's offerings as seen; returns how many.
    Only adds/flushes: the caller commits."""
    now = now or utcnow()
    own = select(Offering.id).where(Offering.provider_id == provider_id)
    result = session.exec(
        update(NoPlaceReport)
        .where(col(NoPlaceReport.offering_id).in_(own), col(NoPlaceReport.seen_by_provider_at).is_(None))
        .values(seen_by_provider_at=now)
        .execution_options(synchronize_session=False)
    )
    count = result.rowcount or 0
    if count:
        auditlog.record(
            session,
            action="no_place_seen",
            entity="provider",
            entity_id=provider_id,
            user=user,
            detail={"reports": count},
        )
    session.flush()
    return count
