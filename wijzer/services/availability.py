"""Capacity reports and freshness.

Every capacity report (portal edit, "Alles klopt nog", file row, API record, e-mail link) confirms
the offering as of its ``reported_at``. Editing the description of a provider or offering confirms
nothing. The offering's ``cur_*`` columns mirror the newest report so reads never scan history.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from wijzer.models import CapacityReport, FreshnessTransition, Jeugdregio, Offering
from wijzer.schemas import CapacityInput
from wijzer.timeutil import utcnow

CAPACITY_FIELDS = ("free_places", "wait_intake", "wait_treatment", "waitlist_length", "intake_status",
                   "status_until", "next_free_date", "note")


@dataclass(frozen=True)
class Thresholds:
    fresh_days: int = 7
    stale_days: int = 14
    norm_intake_weeks: int = 4
    norm_treatment_weeks: int = 10
    travel_km: float = 25.0


def thresholds_for(region: Jeugdregio | None, config) -> Thresholds:
    """App defaults from config, overridden per jeugdregio where the region has its own values."""
    def pick(attr: str, key: str):
        value = getattr(region, attr, None) if region is not None else None
        return value if value is not None else config[key]
    return Thresholds(
        fresh_days=pick("fresh_days", "FRESH_DAYS"),
        stale_days=pick("stale_days", "STALE_DAYS"),
        norm_intake_weeks=pick("norm_intake_weeks", "NORM_INTAKE_WEEKS"),
        norm_treatment_weeks=pick("norm_treatment_weeks", "NORM_TREATMENT_WEEKS"),
        travel_km=pick("travel_km", "TRAVEL_KM"),
    )


def freshness_of(last_confirmed_at: datetime | None, now: datetime, fresh_days: int, stale_days: int) -> str:
    """fresh (≤ fresh_days), aging (≤ stale_days), stale (older), unknown (never confirmed)."""
    if last_confirmed_at is None:
        return "unknown"
    age = now - last_confirmed_at
    if age <= timedelta(days=fresh_days):
        return "fresh"
    if age <= timedelta(days=stale_days):
        return "aging"
    return "stale"


def current_values(offering: Offering) -> dict:
    return {f: getattr(offering, "cur_" + f) for f in CAPACITY_FIELDS}


def record_report(session: Session, offering: Offering, data: CapacityInput | None, *, kind: str,
                  source: str, user=None, reported_at: datetime | None = None,
                  now: datetime | None = None, fresh_days: int = 7, stale_days: int = 14) -> CapacityReport:
    """Append a capacity report and bring the offering's current state up to date.

    ``kind='confirm'`` repeats the current values ("still correct"); ``kind='update'`` stores
    ``data``. A report older than the newest one (a back-dated import row) is kept in the history
    and confirms as of its time, but does not overwrite newer current values.
    """
    if kind not in ("update", "confirm"):
        raise ValueError(f"unknown report kind {kind!r}")
    now = now or utcnow()
    at = reported_at or now
    values = current_values(offering) if kind == "confirm" else data.model_dump(include=set(CAPACITY_FIELDS))
    report = CapacityReport(offering_id=offering.id, reported_at=at, kind=kind, source=source,
                            user_id=getattr(user, "id", None), **values)
    session.add(report)
    session.flush()
    _apply_report(session, offering, values, at, report.id, now, fresh_days, stale_days)
    return report


def _apply_report(session: Session, offering: Offering, values: dict, at: datetime, report_id: int, now: datetime,
                  fresh_days: int, stale_days: int) -> None:
    """Bring the offering's current state up to date with a report made at ``at`` (newest wins)."""
    if offering.last_reported_at is None or at >= offering.last_reported_at:
        for f in CAPACITY_FIELDS:
            setattr(offering, "cur_" + f, values[f])
        offering.last_reported_at, offering.last_report_id, offering.needs_update = at, report_id, False
    if offering.last_confirmed_at is None or at > offering.last_confirmed_at:
        offering.last_confirmed_at = at
    state = freshness_of(offering.last_confirmed_at, now, fresh_days, stale_days)
    if state != offering.freshness:
        session.add(FreshnessTransition(offering_id=offering.id, from_state=offering.freshness, to_state=state, at=now))
        offering.freshness = state
    offering.updated_at = now
    session.add(offering)


def differs(offering: Offering, data: CapacityInput) -> bool:
    """True when ``data`` changes any current value (so it is an edit, not a confirmation)."""
    new = data.model_dump(include=set(CAPACITY_FIELDS))
    return offering.last_reported_at is None or any(new[f] != getattr(offering, "cur_" + f) for f in CAPACITY_FIELDS)


def history(session: Session, offering_id: int, since: datetime | None = None, limit: int | None = None):
    stmt = select(CapacityReport).where(CapacityReport.offering_id == offering_id)
    if since is not None:
        stmt = stmt.where(CapacityReport.reported_at >= since)
    stmt = stmt.order_by(CapacityReport.reported_at.desc(), CapacityReport.id.desc())
    if limit:
        stmt = stmt.limit(limit)
    return session.exec(stmt).all()


def weekly_update(session: Session, offerings: list[Offering], rows: dict[int, CapacityInput | None], *,
                  confirm_unchanged: bool, user=None, source: str = "portal", now: datetime | None = None,
                  fresh_days: int = 7, stale_days: int = 14) -> tuple[int, int]:
    """The provider's weekly round: a changed row becomes an ``update`` report; an unchanged one a
    ``confirm`` report when ``confirm_unchanged`` ("Alles klopt nog"), else nothing. Rows that are
    ``None`` (never reported and left empty) are skipped. Returns (updated, confirmed)."""
    now = now or utcnow()
    updated = confirmed = 0
    for off in offerings:
        data = rows.get(off.id)
        if data is None:
            continue
        if differs(off, data):
            record_report(session, off, data, kind="update", source=source, user=user, now=now,
                          fresh_days=fresh_days, stale_days=stale_days)
            updated += 1
        elif confirm_unchanged:
            record_report(session, off, None, kind="confirm", source=source, user=user, now=now,
                          fresh_days=fresh_days, stale_days=stale_days)
            confirmed += 1
    return updated, confirmed


def record_reports_bulk(session: Session, items: list[tuple[Offering, CapacityInput, datetime | None]], *,
                        source: str, user=None, now: datetime | None = None, fresh_days: int = 7,
                        stale_days: int = 14) -> int:
    """Many ``update`` reports at once (files, API): the same result as ``record_report`` per item, in
    a few statements. Items for one offering may come in any order; the newest decides the state."""
    from sqlalchemy import insert

    now = now or utcnow()
    rows = []
    for off, data, at in items:
        rows.append({"offering_id": off.id, "reported_at": at or now, "kind": "update", "source": source,
                     "user_id": getattr(user, "id", None), "created_at": now,
                     **data.model_dump(include=set(CAPACITY_FIELDS))})
    if not rows:
        return 0
    ids = []
    for start in range(0, len(rows), 5000):
        ids += session.execute(insert(CapacityReport).returning(CapacityReport.id, sort_by_parameter_order=True),
                               rows[start:start + 5000]).scalars().all()
    newest: dict[int, tuple[datetime, int, dict, Offering]] = {}
    for (off, _data, _at), row, rid in zip(items, rows, ids, strict=True):
        key = (row["reported_at"], rid)
        if off.id not in newest or key > newest[off.id][:2]:
            newest[off.id] = (row["reported_at"], rid, row, off)
    for at, rid, row, off in newest.values():
        _apply_report(session, off, row, at, rid, now, fresh_days, stale_days)
    session.flush()
    return len(rows)
