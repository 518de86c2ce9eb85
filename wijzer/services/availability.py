"""Capacity reports and freshness.

Every capacity report (portal edit, "Alles klopt nog", file row, API record, e-mail link) confirms
the offering as of its ``reported_at``. Editing the description of a provider or offering confirms
nothing. The offering's ``cur_*`` columns mirror the newest report so reads never scan history.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, insert, or_, update
from sqlmodel import Session, col, select

from wijzer.db import insert_rows, saved_id, table_of
from wijzer.domain import FRESH_DAYS, STALE_DAYS
from wijzer.models import CapacityReport, FreshnessTransition, Jeugdregio, Offering, User
from wijzer.schemas import CapacityInput
from wijzer.timeutil import AMS, today_local, utcnow

CAPACITY_FIELDS = (
    "free_places",
    "total_places",
    "wait_intake",
    "wait_treatment",
    "waitlist_length",
    "intake_status",
    "status_until",
    "next_free_date",
    "note",
)
EXPIRED_STATUS = (
    "De tijdelijke status is verlopen (einddatum {until:%d-%m-%Y}). Kies een nieuwe intakestatus of "
    "een nieuwe einddatum."
)
EXPIRED_NEXT_FREE = (
    "De verwachte datum van de volgende vrije plek ({when:%d-%m-%Y}) is voorbij. Vul een nieuwe "
    "datum in of maak het veld leeg."
)


@dataclass(frozen=True)
class Thresholds:
    fresh_days: int = FRESH_DAYS
    stale_days: int = STALE_DAYS
    norm_intake_weeks: int = 4
    norm_treatment_weeks: int = 10
    travel_km: float = 25.0


def thresholds_for(region: Jeugdregio | None, config: Mapping[str, Any]) -> Thresholds:
    """App defaults from config, overridden per jeugdregio where the region has its own values."""

    def pick(attr: str, key: str) -> Any:
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


def current_values(offering: Offering) -> dict[str, Any]:
    return {f: getattr(offering, "cur_" + f) for f in CAPACITY_FIELDS}


def merged_values(offering: Offering, data: CapacityInput) -> dict[str, Any]:
    """The offering's capacity values after applying ``data`` (JSON merge-patch semantics, RFC 7396).

    A field that is absent from ``data`` keeps its current value; a field given as ``None`` (an explicit
    ``null`` or an empty cell) becomes unknown. A new intake status without its own end date drops the
    end date of the old status (the end date belongs to the status it was given with).
    """
    current = (
        current_values(offering) if offering.last_reported_at is not None else dict.fromkeys(CAPACITY_FIELDS)
    )
    given = data.model_fields_set & set(CAPACITY_FIELDS)
    values = current | data.model_dump(include=given)
    if (
        "intake_status" in given
        and "status_until" not in given
        and values["intake_status"] != current["intake_status"]
    ):
        values["status_until"] = None
    return values


def state_problems(values: Mapping[str, Any], today: date | None = None) -> dict[str, str]:
    """The rules on the state an offering would be in: one rule set for the portal, the e-mail link,
    file uploads and the API. Returns {field: Dutch message}; empty when the state may be stored."""
    today = today or today_local()
    problems: dict[str, str] = {}
    if values.get("intake_status") is None:
        problems["intake_status"] = "Kies een intakestatus."
    until = values.get("status_until")
    if until is not None:
        if values.get("intake_status") == "open":
            problems["status_until"] = (
                "Een einddatum hoort bij een tijdelijke status (opnamestop, wachtlijst of alleen crisis)."
            )
        elif until < today:
            problems["status_until"] = EXPIRED_STATUS.format(until=until)
    when = values.get("next_free_date")
    if when is not None and when < today:
        problems["next_free_date"] = EXPIRED_NEXT_FREE.format(when=when)
    free, total = values.get("free_places"), values.get("total_places")
    if free is not None and total is not None and free > total:
        problems["free_places"] = f"Er zijn meer vrije plekken ({free}) dan plekken in totaal ({total})."
    return problems


def needs_answer(offering: Offering, today: date | None = None) -> dict[str, str]:
    """Why the offering's current values can no longer simply be confirmed (an expired temporary status,
    a passed next-free date). Empty when "Alles klopt nog" may confirm them."""
    if offering.last_reported_at is None:
        return {}
    problems = state_problems(current_values(offering), today)
    return {k: v for k, v in problems.items() if k in ("status_until", "next_free_date")}


def record_report(
    session: Session,
    offering: Offering,
    data: CapacityInput | None,
    *,
    kind: str,
    source: str,
    user: User | None = None,
    reported_at: datetime | None = None,
    now: datetime | None = None,
    fresh_days: int = FRESH_DAYS,
    stale_days: int = STALE_DAYS,
) -> CapacityReport:
    """Append a capacity report and bring the offering's current state up to date.

    ``kind='confirm'`` repeats the current values ("still correct"); ``kind='update'`` applies ``data``
    with merge semantics (see ``merged_values``). A report older than the newest one (a back-dated
    import row) is kept in the history and confirms as of its time, but does not overwrite newer current
    values. Callers check ``state_problems`` first (``weekly_update``, the importers and the link do).
    """
    if kind not in ("update", "confirm"):
        raise ValueError(f"unknown report kind {kind!r}")
    now = now or utcnow()
    at = reported_at or now
    if kind == "confirm":
        values = current_values(offering)
    elif data is None:
        raise ValueError("an update report needs its values")
    else:
        values = merged_values(offering, data)
    report = CapacityReport(
        offering_id=saved_id(offering),
        reported_at=at,
        kind=kind,
        source=source,
        user_id=getattr(user, "id", None),
        **values,
    )
    session.add(report)
    session.flush()
    _apply_report(session, offering, values, at, saved_id(report), now, fresh_days, stale_days)
    return report


# The offering's columns a report changes (its current state).
REPORT_STATE = (
    *("cur_" + f for f in CAPACITY_FIELDS),
    "last_reported_at",
    "last_report_id",
    "needs_update",
    "last_confirmed_at",
    "freshness",
    "capacity_version",
    "updated_at",
)


def _state_after(
    offering: Offering,
    new_values: Mapping[str, Any],
    at: datetime,
    report_id: int,
    now: datetime,
    *,
    fresh_days: int,
    stale_days: int,
) -> dict[str, Any]:
    """The offering's ``REPORT_STATE`` after a report of ``new_values`` made at ``at`` (newest wins): the one rule for a single
    report (``_apply_report``) and for a file of them (``record_reports_bulk``)."""
    state = {k: getattr(offering, k) for k in REPORT_STATE}
    reported = state["last_reported_at"]
    if reported is None or at >= reported:
        if reported is None or any(new_values[f] != state["cur_" + f] for f in CAPACITY_FIELDS):
            state["capacity_version"] = (state["capacity_version"] or 0) + 1
        for f in CAPACITY_FIELDS:
            state["cur_" + f] = new_values[f]
        state["last_reported_at"], state["last_report_id"], state["needs_update"] = at, report_id, False
    if state["last_confirmed_at"] is None or at > state["last_confirmed_at"]:
        state["last_confirmed_at"] = at
    state["freshness"] = freshness_of(state["last_confirmed_at"], now, fresh_days, stale_days)
    state["updated_at"] = now
    return state


def _apply_report(
    session: Session,
    offering: Offering,
    values: Mapping[str, Any],
    at: datetime,
    report_id: int,
    now: datetime,
    fresh_days: int,
    stale_days: int,
) -> None:
    """Bring the offering's current state up to date with a report made at ``at`` (newest wins)."""
    state = _state_after(offering, values, at, report_id, now, fresh_days=fresh_days, stale_days=stale_days)
    if state["freshness"] != offering.freshness:
        session.add(
            FreshnessTransition(
                offering_id=saved_id(offering),
                from_state=offering.freshness,
                to_state=state["freshness"],
                at=now,
            )
        )
    for k, v in state.items():
        setattr(offering, k, v)
    session.add(offering)


def differs(offering: Offering, data: CapacityInput) -> bool:
    """True when ``data`` changes any current value (so it is an edit, not a confirmation)."""
    if offering.last_reported_at is None:
        return True
    new = merged_values(offering, data)
    return any(new[f] != getattr(offering, "cur_" + f) for f in CAPACITY_FIELDS)


def history(
    session: Session,
    offering_id: int,
    since: datetime | None = None,
    limit: int | None = None,
    *,
    oldest_first: bool = False,
) -> Sequence[CapacityReport]:
    """The offering's capacity reports (since ``since``), newest first unless ``oldest_first``."""
    stmt = select(CapacityReport).where(CapacityReport.offering_id == offering_id)
    if since is not None:
        stmt = stmt.where(CapacityReport.reported_at >= since)
    if oldest_first:
        stmt = stmt.order_by(col(CapacityReport.reported_at), col(CapacityReport.id))
    else:
        stmt = stmt.order_by(col(CapacityReport.reported_at).desc(), col(CapacityReport.id).desc())
    if limit:
        stmt = stmt.limit(limit)
    return session.exec(stmt).all()


@dataclass
class Conflict:
    """A row that was not saved because its values changed since the form was loaded."""

    offering_id: int
    values: dict[str, Any]
    by: str | None
    at: datetime | None


@dataclass
class WeeklyResult:
    updated: int = 0
    confirmed: int = 0
    conflicts: dict[int, Conflict] = field(default_factory=dict)
    problems: dict[int, dict[str, str]] = field(default_factory=dict)


def last_change(session: Session, offering: Offering) -> tuple[str | None, datetime | None]:
    """Who made the newest change to the offering's values, and when (for a conflict message)."""
    row = session.exec(
        select(CapacityReport, User)
        .join(User, col(User.id) == CapacityReport.user_id, isouter=True)
        .where(CapacityReport.offering_id == offering.id, CapacityReport.kind == "update")
        .order_by(col(CapacityReport.reported_at).desc(), col(CapacityReport.id).desc())
        .limit(1)
    ).first()
    if row is None:
        return None, None
    report, user = row
    who = f"{user.name} ({user.email})" if user is not None and user.name else getattr(user, "email", None)
    return who or {"import": "een bestandsimport", "api": "de API", "email_link": "de bevestigingslink"}.get(
        report.source, report.source
    ), report.reported_at


def _conflict(session: Session, off: Offering) -> Conflict:
    session.refresh(off)
    by, at = last_change(session, off)
    return Conflict(saved_id(off), current_values(off), by, at)


def weekly_update(
    session: Session,
    offerings: list[Offering],
    rows: dict[int, CapacityInput | None],
    *,
    confirm_unchanged: bool,
    versions: dict[int, int | None] | None = None,
    user: User | None = None,
    source: str = "portal",
    now: datetime | None = None,
    fresh_days: int = FRESH_DAYS,
    stale_days: int = STALE_DAYS,
) -> WeeklyResult:
    """The provider's weekly round, row by row.

    A row based on an older version of the offering's values (``versions``: what the form was loaded
    with) is not saved when the values changed meanwhile: it becomes a conflict with the current values
    and who changed them. A row whose resulting state breaks a rule (an expired temporary status, more
    free than total places) is not saved either and gets its problems. Every other row is saved: a
    changed row as an ``update`` report; an unchanged one as a ``confirm`` report when
    ``confirm_unchanged`` ("Alles klopt nog"), which confirms only values that are still current. Rows
    that are ``None`` (never reported and left empty) are skipped.
    """
    now = now or utcnow()
    result = WeeklyResult()
    today = now.astimezone(AMS).date()
    candidates: list[tuple[Offering, dict[str, Any], bool]] = []  # (offering, resulting values, changed)
    for off in offerings:
        off_id = saved_id(off)
        data = rows.get(off_id)
        if data is None:
            continue
        expected = (versions or {}).get(off_id, off.capacity_version)
        if expected is None:
            expected = off.capacity_version
        values = merged_values(off, data)
        changed = off.last_reported_at is None or any(
            values[f] != getattr(off, "cur_" + f) for f in CAPACITY_FIELDS
        )
        if not changed and not confirm_unchanged:
            continue
        if expected != off.capacity_version and changed:
            result.conflicts[off_id] = _conflict(session, off)
            continue
        problems = state_problems(values, today)
        if problems:
            result.problems[off_id] = problems
            continue
        candidates.append((off, values if changed else current_values(off), changed))
    claimed = claim_versions(session, {saved_id(off): off.capacity_version for off, _, _ in candidates})
    items: list[tuple[Offering, dict[str, Any], str]] = []
    for off, values, changed in candidates:
        if saved_id(off) not in claimed:
            result.conflicts[saved_id(off)] = _conflict(session, off)
            continue
        items.append((off, values, "update" if changed else "confirm"))
        if changed:
            result.updated += 1
        else:
            result.confirmed += 1
    _insert_reports(
        session, items, source=source, user=user, now=now, fresh_days=fresh_days, stale_days=stale_days
    )
    return result


def claim_versions(session: Session, expected: dict[int, int]) -> set[int]:
    """Atomically check that each offering's capacity values are still at the expected version and hold
    those rows until the transaction ends: a conditional UPDATE … RETURNING per 500 offerings (a concurrent
    save waits, then finds the version moved on). Returns the ids that were still at their version; the
    others were changed by a colleague in the meantime."""
    claimed: set[int] = set()
    pairs = list(expected.items())
    for start in range(0, len(pairs), 500):
        chunk = pairs[start : start + 500]
        stmt = (
            update(Offering)
            .where(
                or_(
                    *[
                        and_(col(Offering.id) == oid, col(Offering.capacity_version) == version)
                        for oid, version in chunk
                    ]
                )
            )
            .values(capacity_version=Offering.capacity_version)
            .returning(col(Offering.id))
            .execution_options(synchronize_session=False)
        )
        claimed.update(session.execute(stmt).scalars().all())
    return claimed


def _insert_reports(
    session: Session,
    items: list[tuple[Offering, dict[str, Any], str]],
    *,
    source: str,
    user: User | None = None,
    now: datetime,
    fresh_days: int,
    stale_days: int,
) -> None:
    """Append one report per (offering, full values, kind) in a few statements and bring each offering's
    current state up to date (the batch form of ``record_report`` for reports made now)."""

    if not items:
        return
    rows = [
        {
            "offering_id": off.id,
            "reported_at": now,
            "kind": kind,
            "source": source,
            "user_id": getattr(user, "id", None),
            "created_at": now,
            **values,
        }
        for off, values, kind in items
    ]
    ids = insert_rows(session, CapacityReport, rows)
    for (off, values, _kind), rid in zip(items, ids, strict=True):
        _apply_report(session, off, values, now, rid, now, fresh_days, stale_days)
    session.flush()


def record_reports_bulk(
    session: Session,
    items: list[tuple[Offering, CapacityInput, datetime | None]],
    *,
    source: str,
    user: User | None = None,
    now: datetime | None = None,
    fresh_days: int = FRESH_DAYS,
    stale_days: int = STALE_DAYS,
) -> int:
    """Many ``update`` reports at once (files, API): the same result as ``record_report`` per item, in
    a few statements (each item merged onto the offering's values as they were before the batch).
    Items for one offering may come in any order; the newest decides the state."""

    now = now or utcnow()
    rows = []
    for off, data, at in items:
        rows.append(
            {
                "offering_id": off.id,
                "reported_at": at or now,
                "kind": "update",
                "source": source,
                "user_id": getattr(user, "id", None),
                "created_at": now,
                **merged_values(off, data),
            }
        )
    if not rows:
        return 0
    ids = insert_rows(session, CapacityReport, rows)
    newest: dict[int, tuple[datetime, int, dict[str, Any], Offering]] = {}
    for (off, _data, _at), row, rid in zip(items, rows, ids, strict=True):
        key = (row["reported_at"], rid)
        off_id = saved_id(off)
        if off_id not in newest or key > newest[off_id][:2]:
            newest[off_id] = (row["reported_at"], rid, row, off)
    # The new states in two executemany statements rather than one ORM object update per offering (a file of
    # 40,000 rows spent most of its time in attribute events and the unit of work); the session's objects are
    # then expired for these columns, so they read what the database now holds.
    session.flush()
    states: list[tuple[Offering, dict[str, Any]]] = []
    transitions: list[dict[str, Any]] = []
    for at, rid, row, off in newest.values():
        state = _state_after(off, row, at, rid, now, fresh_days=fresh_days, stale_days=stale_days)
        states.append((off, state))
        if state["freshness"] != off.freshness:
            transitions.append(
                {
                    "offering_id": saved_id(off),
                    "from_state": off.freshness,
                    "to_state": state["freshness"],
                    "at": now,
                }
            )
    offerings = table_of(Offering)
    session.execute(
        update(offerings)
        .where(offerings.c.id == bindparam("offering"))
        .values({k: bindparam(k) for k in REPORT_STATE}),
        [{"offering": saved_id(off), **state} for off, state in states],
    )
    if transitions:
        session.execute(insert(table_of(FreshnessTransition)), transitions)
    expired = list(REPORT_STATE)
    for off, _state in states:
        session.expire(off, expired)
    return len(rows)
