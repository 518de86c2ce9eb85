"""The scheduled upkeep of the recorded freshness: the ``freshness`` and ``expire_statuses`` jobs (registered in
``wijzer/jobs.py``, which runs them in a transaction of their own and commits)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, insert, literal, update
from sqlmodel import Session, col, select

from wijzer.db import table_of
from wijzer.models import FreshnessTransition, Offering
from wijzer.services.search import region_thresholds
from wijzer.timeutil import AMS


def record_freshness(session: Session, now: datetime, config: Mapping[str, Any]) -> str:
    """The ``freshness`` job: set-based UPDATE of each offering's recorded freshness (with each region's own
    thresholds), with a transition row only for the rows that change (a rerun finds nothing to change)."""
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
        # Counted from RETURNING: the driver's rowcount of an insert … select is not reliable (psycopg reports
        # -1 for it on PostgreSQL).
        transitions = table_of(FreshnessTransition)
        inserted = session.execute(
            insert(transitions)
            .from_select(["offering_id", "from_state", "to_state", "at"], sel)
            .returning(transitions.c.id)
        )
        changed += len(inserted.all())
        session.execute(
            update(Offering)
            .where(*where)
            .values(freshness=state)
            .execution_options(synchronize_session=False)
        )
    return f"{changed} overgangen vastgelegd"


def flag_expired_statuses(session: Session, now: datetime, config: Mapping[str, Any]) -> str:
    """The ``expire_statuses`` job: flag (once) the offerings whose temporary status end date has passed."""
    today = now.astimezone(AMS).date()
    result = session.exec(
        update(Offering)
        .where(col(Offering.cur_status_until) < today, col(Offering.needs_update).is_(False))
        .values(needs_update=True)
        .execution_options(synchronize_session=False)
    )
    return f"{result.rowcount or 0} aanbod met verlopen tijdelijke status gemarkeerd"
