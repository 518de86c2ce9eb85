"""'Gebeld: geen plek' reports as the provider sees them in its portal."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, select

from wijzer.models import NoPlaceReport, Offering
from wijzer.services import auditlog
from wijzer.timeutil import utcnow


def mark_no_place_seen(session: Session, provider_id: int, *, user=None, now: datetime | None = None) -> int:
    """Mark every unseen no-place report on the provider's offerings as seen; returns how many.
    Only adds/flushes: the caller commits."""
    now = now or utcnow()
    own = select(Offering.id).where(Offering.provider_id == provider_id)
    result = session.exec(
        update(NoPlaceReport)
        .where(NoPlaceReport.offering_id.in_(own), NoPlaceReport.seen_by_provider_at.is_(None))
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
