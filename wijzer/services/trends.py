"""Weekly region figures reconstructed from the append-only ``capacity_report`` history, and the
providers' trust signals over the last 13 weeks. Every formula is in docs/regio-audit.md.

A week is an ISO week in Europe/Amsterdam; its figures are the state "as of the end of the week"
(the next Monday 00:00 local time): per offering the newest report made before that moment (newest by
``reported_at``, then id, as ``services.availability`` applies reports) gives the values, and the time of
that report is the last confirmation. An offering counts in a week when it existed (created, or first
reported, before the end of the week) and was active then (deactivations and reactivations are read
from the audit log; without such an entry the current flag holds). The current week is "as of now" and
uses the live state, so it equals ``/api/v1/regions/{code}/audit``.
"""

from __future__ import annotations

import bisect
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    String,
    and_,
    cast,
    func,
    literal_column,
    type_coerce,
    update,
)
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from wijzer.domain import CARE_TYPES, unpack
from wijzer.models import AuditLog, CapacityReport, Jeugdregio, NoPlaceReport, Offering, Reminder, TrendWeek
from wijzer.services.availability import Thresholds, freshness_of
from wijzer.services.measures import TREND_MEASURES
from wijzer.services.regions import (
    CareTypeFigures,
    all_region_figures,
    free_places,
    region_condition,
    regions_of,
)
from wijzer.services.search import region_thresholds
from wijzer.timeutil import AMS, as_utc

Figures = dict[str, Any]  # one care type's figures (``CareTypeFigures.as_dict``)
# A moment as the history is read (``native``): text on SQLite, a float on PostgreSQL; only ever compared with
# moments of the same database, so typed as Any rather than a union mypy would compare across.
Native = Any
Waits = defaultdict[int, list[int]]  # per wait in weeks: a difference array over the weeks

MAX_WEEKS = 157  # three years: bounds the work of one request
TRUST_WEEKS = 13
REMINDER_RESPONSE = timedelta(days=7)


# ---------------------------------------------------------------- weeks and periods
def monday_of(d: date) -> date:
    return d - timedelta(days=d.weekday())


def local_midnight(d: date) -> datetime:
    """Midnight at the start of ``d`` in Europe/Amsterdam, as aware UTC."""
    return datetime.combine(d, time(0), tzinfo=AMS).astimezone(UTC)


def week_bounds(moment: datetime) -> tuple[datetime, datetime]:
    """[Monday 00:00, next Monday 00:00) of the ISO week holding ``moment`` in Europe/Amsterdam, in UTC."""
    monday = monday_of(moment.astimezone(AMS).date())
    return local_midnight(monday), local_midnight(monday + timedelta(days=7))


def week_label(monday: date) -> str:
    iso = monday.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


class PeriodError(ValueError):
    """A period that cannot be used (Dutch message); ``field`` is the bound to correct ('van' or 'tot')."""

    def __init__(self, message: str, field: str = "tot"):
        super().__init__(message)
        self.field = field


def parse_date(value: str | None, name: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise PeriodError(
            f"'{name}' moet een datum zijn als JJJJ-MM-DD (bijvoorbeeld 2026-10-01).", name
        ) from None


def parse_period(van: str | None, tot: str | None, today: date, default_weeks: int = 13) -> tuple[date, date]:
    """(from, to) dates; default: the last ``default_weeks`` ISO weeks up to today. Raises PeriodError."""
    end = parse_date(tot, "tot") or today
    start = parse_date(van, "van") or monday_of(end) - timedelta(weeks=default_weeks - 1)
    if start > end:
        raise PeriodError("De begindatum ligt na de einddatum.")
    if end > today:
        end = today
        if start > end:
            raise PeriodError("De periode ligt helemaal in de toekomst.")
    if (monday_of(end) - monday_of(start)).days // 7 + 1 > MAX_WEEKS:
        raise PeriodError(f"Kies een periode van hoogstens {MAX_WEEKS} weken.", "van")
    return start, end


def quarter_of(d: date) -> tuple[date, date]:
    q = (d.month - 1) // 3
    start = date(d.year, 3 * q + 1, 1)
    nxt = date(d.year + (q == 3), (3 * q + 3) % 12 + 1, 1)
    return start, nxt - timedelta(days=1)


def quarter_shortcuts(today: date, n: int = 5) -> list[dict[str, Any]]:
    """The current quarter and the n-1 before it: [{'label': 'Q4 2026', 'van': date, 'tot': date}]."""
    out: list[dict[str, Any]] = []
    d = today
    for _ in range(n):
        start, end = quarter_of(d)
        out.append(
            {"label": f"Q{(start.month - 1) // 3 + 1} {start.year}", "van": start, "tot": min(end, today)}
        )
        d = start - timedelta(days=1)
    return out


def mondays(start: date, end: date) -> list[date]:
    first, last = monday_of(start), monday_of(end)
    return [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]


# ---------------------------------------------------------------- history
def activity_events(session: Session, offering_ids: set[int]) -> dict[int, list[tuple[datetime, bool]]]:
    """Per offering: [(at, active after the event)] from the audit log, oldest first."""
    events: dict[int, list[tuple[datetime, bool]]] = defaultdict(list)
    rows = session.exec(
        select(AuditLog.entity_id, AuditLog.at, AuditLog.action)
        .where(AuditLog.entity == "offering", col(AuditLog.action).in_(["activate", "deactivate"]))
        .order_by(col(AuditLog.at), col(AuditLog.id))
    )
    for entity_id, at, action in rows:
        if entity_id and entity_id.isdigit() and int(entity_id) in offering_ids:
            events[int(entity_id)].append((as_utc(at), action == "activate"))
    return events


def active_at(current: bool, events: list[tuple[datetime, bool]], moment: datetime) -> bool:
    """Active at ``moment``: the state before the first later event, or the current flag."""
    for at, active_after in events:
        if at >= moment:
            return not active_after
    return current


@dataclass
class _Off:
    id: int
    care_type: str
    provider_id: int
    region_code: str
    contract_regions: str
    active: bool
    first_seen: Native  # see ``native``
    times: list[Native]  # report times, ascending (ties by id)
    values: list[Sequence[Any]]  # (free, total, wait_intake, wait_treatment, intake_status) per report
    naive: bool = False


def native(moment: datetime, naive: bool) -> Native:
    """A moment in the form the history rows are read in (``native_column``): on SQLite the stored text
    (``YYYY-MM-DD HH:MM:SS.ffffff`` in UTC, which orders as the moments do), on PostgreSQL seconds since 1970 as a
    float (exact to the microsecond). Reading a year of history without making a datetime of every row is most
    of the cost of reconstructing it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") if naive else moment.timestamp()


def native_column(column: Any, naive: bool) -> ColumnElement[Any]:
    """SQL: a timestamp column read in ``native`` form."""
    return type_coerce(column, String()) if naive else cast(func.extract("epoch", column), Float)


def from_native(value: Native, naive: bool) -> datetime:
    """The aware UTC moment of a value in ``native`` form."""
    if isinstance(value, str):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return datetime.fromtimestamp(value, UTC)


def load_history(
    session: Session,
    cond: ColumnElement[bool] | None,
    until: datetime,
    since: datetime | None = None,
    with_status: bool = False,
) -> list[_Off]:
    """The offerings matching ``cond`` with their reports made before ``until`` (and from ``since``)."""
    naive = session.get_bind().dialect.name == "sqlite"
    offs: dict[int, _Off] = {}
    stmt = sa_select(
        col(Offering.id),
        col(Offering.care_type),
        col(Offering.provider_id),
        col(Offering.region_code),
        col(Offering.contract_regions),
        col(Offering.active),
        native_column(Offering.created_at, naive),
    )
    ids = sa_select(col(Offering.id))
    if cond is not None:
        stmt, ids = stmt.where(cond), ids.where(cond)
    conn = session.connection()  # Core rows: no ORM loading for tens of thousands of history rows
    for oid, ct, pid, region, contracts, active, created in conn.execute(stmt):
        offs[oid] = _Off(oid, ct, pid, region, contracts or "", active, created, [], [], naive)
    if not offs:
        return []
    status: Any = col(CapacityReport.intake_status) if with_status else literal_column("NULL")
    rstmt = (
        sa_select(
            col(CapacityReport.offering_id),
            native_column(CapacityReport.reported_at, naive),
            col(CapacityReport.free_places),
            col(CapacityReport.total_places),
            col(CapacityReport.wait_intake),
            col(CapacityReport.wait_treatment),
            status,
        )
        .where(col(CapacityReport.offering_id).in_(ids), col(CapacityReport.reported_at) < until)
        .order_by(col(CapacityReport.offering_id), col(CapacityReport.reported_at), col(CapacityReport.id))
    )
    if since is not None:
        rstmt = rstmt.where(col(CapacityReport.reported_at) >= since)
    result = conn.execute(rstmt)
    rows = result.cursor.fetchall()  # plain driver rows: the time in ``native`` form, no conversion per row
    result.close()
    current: int | None = None
    times: list[Native] = []
    values: list[Sequence[Any]] = []
    for oid, at, *vals in rows:
        if oid != current:
            off = offs[oid]
            current, times, values = oid, off.times, off.values
        times.append(at)
        values.append(vals)
    for off in offs.values():
        if off.times and off.times[0] < off.first_seen:
            off.first_seen = off.times[0]
    return list(offs.values())


def state_before(
    off: _Off, moment: datetime, moment_native: Native | None = None
) -> tuple[Sequence[Any] | None, datetime | None]:
    """(values of the newest report before ``moment`` or None, its time as aware UTC or None);
    ``moment_native``: the same moment already in ``native`` form (saves converting it per offering)."""
    i = bisect.bisect_left(off.times, native(moment, off.naive) if moment_native is None else moment_native)
    if not i:
        return None, None
    return off.values[i - 1], from_native(off.times[i - 1], off.naive)


def no_place_counts(
    session: Session, codes: list[str], basis: str, start: datetime, end: datetime, inclusive: bool = False
) -> dict[tuple[str, str], int]:
    """{(region, care type): number of 'gebeld: geen plek' reports in [start, end)} (``inclusive``: end too)."""
    out: dict[tuple[str, str], int] = defaultdict(int)
    for _at, region, ct in _no_place_rows(session, codes, basis, start, end, inclusive):
        out[(region, ct)] += 1
    return out


def _no_place_rows(
    session: Session, codes: list[str], basis: str, start: datetime, end: datetime, inclusive: bool = False
) -> Iterator[tuple[datetime, str, str]]:
    if not codes:
        return
    at_col = col(NoPlaceReport.at)
    stmt = (
        select(NoPlaceReport.at, NoPlaceReport.region_code, Offering.contract_regions, Offering.care_type)
        .join(Offering, col(Offering.id) == col(NoPlaceReport.offering_id))
        .where(at_col >= start)
        .where(at_col <= end if inclusive else at_col < end)
    )
    if basis == "contract":
        stmt = stmt.where(region_condition("contract", codes))
    else:
        stmt = stmt.where(col(NoPlaceReport.region_code).in_(codes))
    wanted = set(codes)
    for at, region, contracts, ct in session.exec(stmt):
        for code in regions_of(basis, region, contracts):
            if code in wanted:
                yield as_utc(at), code, ct


# ---------------------------------------------------------------- trends
def _trend_row(monday: date, figures: Figures, no_place: int) -> dict[str, Any]:
    row: dict[str, Any] = {"week": week_label(monday), "care_type": figures["care_type"]}
    row.update({k: figures[k] for k in TREND_MEASURES if k != "no_place_reports"})
    row["no_place_reports"] = no_place
    return row


def reconstruct_weeks(
    session: Session,
    region_code: str,
    week_mondays: list[date],
    thresholds: Thresholds,
    basis: str = "location",
    *,
    by_intervals: bool = True,
) -> dict[date, dict[str, Figures]]:
    """{monday: {care type: figures dict}} as of the end of each given (past) week, ``week_mondays`` ascending.

    The same rules as ``CareTypeFigures.add``. A year of the largest region is a quarter of a million reports:
    the offerings that are active and were never (de)activated through the portal go through one pass over
    their reports (``_weeks_by_intervals``); the few with such audit-log events, and every offering when
    ``by_intervals`` is false (the reference the tests compare with), week by week (``_weeks_in_python``). ``providers`` is not
    reconstructed (None): the trend rows do not carry it."""
    if not week_mondays:
        return {}
    ends = [local_midnight(m + timedelta(days=7)) for m in week_mondays]
    figs = [{ct: CareTypeFigures(ct) for ct in CARE_TYPES} for _ in ends]
    cond = region_condition(basis, [region_code])
    conn = session.connection()
    offerings = conn.execute(sa_select(col(Offering.id), col(Offering.active)).where(cond)).all()
    events = activity_events(session, {oid for oid, _ in offerings if oid is not None}) if offerings else {}
    in_python = [oid for oid, _active in offerings if oid in events or not by_intervals]
    if by_intervals and len(in_python) < len(offerings):
        sql_cond = and_(cond, col(Offering.active).is_(True))
        if in_python:
            sql_cond = and_(sql_cond, col(Offering.id).not_in(in_python))
        _weeks_by_intervals(session, sql_cond, ends, thresholds, figs)
    if in_python:
        offs = load_history(session, col(Offering.id).in_(in_python), until=max(ends))
        _weeks_in_python(offs, events, ends, thresholds, figs)
    out: dict[date, dict[str, Figures]] = {}
    for k, m in enumerate(week_mondays):
        out[m] = {}
        for ct, f in figs[k].items():
            out[m][ct] = f.as_dict(thresholds) | {"providers": None}
    return out


def _spread(diff: list[int], start: int, stop: int, amount: int) -> None:
    """Add ``amount`` to weeks [start, stop) of a difference array (prefix-summed afterwards)."""
    if start < stop and amount:
        diff[start] += amount
        diff[stop] -= amount


def _weeks_by_intervals(
    session: Session,
    cond: ColumnElement[bool],
    ends: list[datetime],
    thresholds: Thresholds,
    figs: list[dict[str, CareTypeFigures]],
) -> None:
    """Add the offerings matching ``cond`` to ``figs`` (one dict of CareTypeFigures per week end).

    Each report is its offering's state for an interval of weeks: from the first week end after it up to the
    first week end after the offering's next report; the later part of that interval, from the first week end
    more than ``stale_days`` after it, counts as stale. So one pass over the reports (in index order, read as
    plain rows, the time in ``native`` form) adds each report to difference arrays over
    the weeks, instead of a step per offering and week. An offering that existed before its first report counts
    as an offering without data (stale) for the weeks in between."""
    n_weeks = len(ends)
    sqlite = session.get_bind().dialect.name == "sqlite"

    bounds = [native(e, sqlite) for e in ends]
    cuts = [native(e - timedelta(days=thresholds.stale_days), sqlite) for e in ends]
    until = max(ends)
    conn = session.connection()
    cond = and_(cond, col(Offering.care_type).in_(list(figs[0])))  # a care type since removed has no figures
    care_type: dict[int, str] = {}
    first_b0: dict[int, int] = {}
    seen: dict[int, Native] = {}
    for oid, ct, created in conn.execute(
        sa_select(
            col(Offering.id), col(Offering.care_type), native_column(Offering.created_at, sqlite)
        ).where(cond)
    ).all():
        care_type[oid], seen[oid] = ct, created
    if not care_type:
        return

    def arrays() -> list[int]:
        return [0] * (n_weeks + 1)

    # per care type: offerings, stale, free, occupancy free, occupancy total, {wait: intake}, {wait: treatment}
    acc: dict[str, tuple[list[int], list[int], list[int], list[int], list[int], Waits, Waits]] = {
        ct: (arrays(), arrays(), arrays(), arrays(), arrays(), defaultdict(arrays), defaultdict(arrays))
        for ct in CARE_TYPES
    }
    result = conn.execute(
        sa_select(
            col(CapacityReport.offering_id),
            native_column(CapacityReport.reported_at, sqlite),
            col(CapacityReport.free_places),
            col(CapacityReport.total_places),
            col(CapacityReport.wait_intake),
            col(CapacityReport.wait_treatment),
        )
        .where(
            col(CapacityReport.offering_id).in_(sa_select(col(Offering.id)).where(cond)),
            col(CapacityReport.reported_at) < until,
        )
        .order_by(col(CapacityReport.offering_id), col(CapacityReport.reported_at), col(CapacityReport.id))
    )
    rows = result.cursor.fetchall()  # plain driver rows: ints and the time in ``native`` form
    result.close()
    rows = [*rows, (None, None, None, None, None, None)]  # the end: adds the last pending report
    after = bisect.bisect_right
    pending, current = None, None
    for oid, at, free, total, wi, wt in rows:
        start = n_weeks if oid is None else after(bounds, at)
        if pending is not None:
            # the pending report is its offering's state until the week end after this report (or the end)
            ct, first, stale_from, p_free, p_total, p_wi, p_wt = pending
            stop = start if oid == current else n_weeks
            if first < stop:  # else a later report of the offering came before the same week end
                offerings, stale, free_sum, occ_free, occ_total, by_wi, by_wt = acc[ct]
                offerings[first] += 1
                offerings[stop] -= 1
                if p_free is not None:
                    free_sum[first] += p_free
                    free_sum[stop] -= p_free
                    if p_total:
                        occupied = min(p_free, p_total)
                        occ_free[first] += occupied
                        occ_free[stop] -= occupied
                        occ_total[first] += p_total
                        occ_total[stop] -= p_total
                fresh_until = min(stale_from, stop)
                if fresh_until < stop:
                    stale[max(stale_from, first)] += 1
                    stale[stop] -= 1
                if first < fresh_until:
                    if p_wi is not None:
                        counts = by_wi[p_wi]
                        counts[first] += 1
                        counts[fresh_until] -= 1
                    if p_wt is not None:
                        counts = by_wt[p_wt]
                        counts[first] += 1
                        counts[fresh_until] -= 1
        if oid is None:
            break
        if oid != current:
            current = oid
            first_b0[oid] = start
            if at < seen[oid]:
                seen[oid] = at
        pending = (care_type[oid], start, after(cuts, at), free_places(free), total, wi, wt)
    for oid, ct in care_type.items():  # weeks before an offering's first report: counted, without data
        start, stop = after(bounds, seen[oid]), first_b0.get(oid, n_weeks)
        for diff in acc[ct][:2]:  # offerings and stale
            _spread(diff, start, stop, 1)
    for ct, (offerings, stale, free_sum, occ_free, occ_total, by_wi, by_wt) in acc.items():
        running = [0] * 5
        waits: tuple[dict[int, int], dict[int, int]] = ({v: 0 for v in by_wi}, {v: 0 for v in by_wt})
        for k in range(n_weeks):
            for i, diff in enumerate((offerings, stale, free_sum, occ_free, occ_total)):
                running[i] += diff[k]
            f = figs[k][ct]
            f.offerings += running[0]
            f.stale += running[1]
            f.free_places += running[2]
            f.occ_free += running[3]
            f.occ_total += running[4]
            for by_wait, now_waiting, target in (
                (by_wi, waits[0], f.waits_intake),
                (by_wt, waits[1], f.waits_treatment),
            ):
                for value, wait_diff in by_wait.items():
                    now_waiting[value] += wait_diff[k]
                    if now_waiting[value]:
                        target.extend([value] * now_waiting[value])


def _weeks_in_python(
    offs: list[_Off],
    events: dict[int, list[tuple[datetime, bool]]],
    ends: list[datetime],
    thresholds: Thresholds,
    figs: list[dict[str, CareTypeFigures]],
) -> None:
    """Add ``offs`` to ``figs`` one offering and week at a time (for offerings with activity events, and the
    reference for ``_weeks_by_intervals``)."""
    naive = offs[0].naive if offs else False
    n_ends = [native(e, naive) for e in ends]
    stale_td = timedelta(days=thresholds.stale_days)
    cuts = [
        native(e - stale_td, naive) for e in ends
    ]  # confirmed at or after the cut: not stale at the week end
    weeks = range(len(ends))
    for off in offs:
        times, values, ev = off.times, off.values, events.get(off.id)
        if not ev and not off.active:
            continue  # inactive and never (re)activated through the portal: not counted in any week
        n, i = len(times), 0
        for k in weeks:
            end = n_ends[k]
            if off.first_seen >= end:
                continue
            while i < n and times[i] < end:
                i += 1
            if ev and not active_at(off.active, ev, ends[k]):
                continue
            f = figs[k].get(off.care_type)
            if f is None:
                continue
            f.offerings += 1
            f.providers.add(off.provider_id)
            if not i:
                f.stale += 1
                continue
            free, total, wi, wt, _status = values[i - 1]
            free = free_places(free)
            if free is not None:
                f.free_places += free
                if total:
                    f.occ_free += min(free, total)
                    f.occ_total += total
            if times[i - 1] < cuts[k]:
                f.stale += 1
                continue
            if wi is not None:
                f.waits_intake.append(wi)
            if wt is not None:
                f.waits_treatment.append(wt)


# ---------------------------------------------------------------- kept weeks
WEEK_KEPT = timedelta(hours=26)  # a kept week is computed anew after this (see ``cached_weeks``)
WARM_WEEKS = 53  # the nightly ``trend_weeks`` job keeps this many complete weeks of every region


def _week_inputs(offerings: Sequence[Sequence[Any]], thresholds: Thresholds, basis: str) -> str:
    """Fingerprint of everything a reconstructed week depends on besides the reports: the region's offerings
    (id, care type, active, created), the thresholds and the care types."""
    digest = hashlib.sha256(repr((basis, tuple(CARE_TYPES), thresholds)).encode())
    for row in offerings:
        digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def cached_weeks(
    session: Session,
    region_code: str,
    week_mondays: list[date],
    thresholds: Thresholds,
    now: datetime,
    basis: str = "location",
    *,
    refresh: bool = False,
) -> dict[date, dict[str, Figures]]:
    """``reconstruct_weeks`` for complete past weeks, kept in ``trend_week`` (added to the session; the entry
    point commits) so a year of trends is rebuilt from the history once rather than on every request.

    A kept week is used only while it is still what ``reconstruct_weeks`` would give: the same inputs
    (``_week_inputs``), computed less than ``WEEK_KEPT`` ago, and no report added since (id above the row's
    ``last_report_id``; reports are never deleted) dated before the week's end — a back-dated report, a
    moved or edited offering, another threshold or care type each make the week be computed anew. The rows
    found still valid are marked as checked up to the newest report, so the next check reads only the reports
    made after this one. ``refresh``: compute every week anew (the nightly job)."""
    if not week_mondays:
        return {}
    cond = region_condition(basis, [region_code])
    conn = session.connection()
    offerings = conn.execute(
        sa_select(col(Offering.id), col(Offering.care_type), col(Offering.active), col(Offering.created_at))
        .where(cond)
        .order_by(col(Offering.id))
    ).all()
    inputs = _week_inputs(offerings, thresholds, basis)
    newest = conn.execute(sa_select(func.max(col(CapacityReport.id)))).scalar_one() or 0
    kept = {
        row.monday: row
        for row in session.exec(
            select(TrendWeek).where(
                TrendWeek.region_code == region_code,
                TrendWeek.basis == basis,
                col(TrendWeek.monday).in_(week_mondays),
            )
        )
        if not refresh and row.inputs == inputs and as_utc(row.computed_at) > now - WEEK_KEPT
    }
    if kept:
        checked = min(row.last_report_id for row in kept.values())
        if checked < newest:
            report_id = col(CapacityReport.id)
            earliest_report = conn.execute(
                sa_select(func.min(CapacityReport.reported_at)).where(
                    report_id > checked,
                    report_id <= newest,
                    col(CapacityReport.offering_id).in_(sa_select(col(Offering.id)).where(cond)),
                )
            ).scalar()
            if earliest_report is not None:
                earliest = as_utc(earliest_report)
                kept = {
                    m: row for m, row in kept.items() if earliest >= local_midnight(m + timedelta(days=7))
                }
            if kept:
                session.execute(
                    update(TrendWeek)
                    .where(col(TrendWeek.id).in_([row.id for row in kept.values()]))
                    .values(last_report_id=newest)
                )
    out = {m: json.loads(row.figures) for m, row in kept.items()}
    missing = [m for m in week_mondays if m not in kept]
    if missing:
        computed = reconstruct_weeks(session, region_code, missing, thresholds, basis)
        _keep_weeks(session, region_code, basis, inputs, newest, now, computed)
        out.update(computed)
    return out


def _keep_weeks(
    session: Session,
    region_code: str,
    basis: str,
    inputs: str,
    newest: int,
    now: datetime,
    weeks: dict[date, dict[str, Figures]],
) -> None:
    """Insert or replace the kept rows of ``weeks`` (one statement; a concurrent request doing the same
    waits for the other and then overwrites it with the same figures)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    values = [
        {
            "region_code": region_code,
            "basis": basis,
            "monday": m,
            "inputs": inputs,
            "last_report_id": newest,
            "computed_at": now,
            "figures": json.dumps(figures, separators=(",", ":")),
        }
        for m, figures in sorted(weeks.items())
    ]
    stmt = insert(TrendWeek).values(values)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["region_code", "basis", "monday"],
            set_={c: stmt.excluded[c] for c in ("inputs", "last_report_id", "computed_at", "figures")},
        )
    )


def warm_trend_weeks(session: Session, now: datetime, config: Mapping[str, Any]) -> str:
    """The ``trend_weeks`` job: compute and keep the last ``WARM_WEEKS`` complete weeks of every region
    (location basis, the default of every page), so the first request of the day finds them kept."""
    thresholds = region_thresholds(session, config)
    current = monday_of(now.astimezone(AMS).date())
    weeks = [current - timedelta(weeks=k) for k in range(WARM_WEEKS, 0, -1)]
    codes = session.exec(select(Jeugdregio.code).order_by(Jeugdregio.code)).all()
    for code in codes:
        cached_weeks(session, code, weeks, thresholds.get(code, thresholds[None]), now, refresh=True)
        session.commit()  # one region at a time: a long run holds no write lock for long
    return f"{len(weeks)} weken van {len(codes)} regio's bijgehouden"


def region_trends(
    session: Session,
    region: Jeugdregio,
    start: date,
    end: date,
    now: datetime,
    config: Mapping[str, Any],
    basis: str = "location",
) -> list[dict[str, Any]]:
    """One row per ISO week × care type from the week of ``start`` to the week of ``end`` (at most the
    current week, which is "as of now")."""
    thresholds = region_thresholds(session, config)
    t = thresholds.get(region.code, thresholds[None])
    current = monday_of(now.astimezone(AMS).date())
    weeks = [m for m in mondays(start, end) if m <= current]
    past = [m for m in weeks if m < current]
    figures = cached_weeks(session, region.code, past, t, now, basis)
    npr: dict[tuple[date, str], int] = defaultdict(int)
    if weeks:
        for at, _code, ct in _no_place_rows(
            session,
            [region.code],
            basis,
            local_midnight(weeks[0]),
            min(now, local_midnight(weeks[-1] + timedelta(days=7))),
            inclusive=True,
        ):
            npr[(monday_of(at.astimezone(AMS).date()), ct)] += 1
    if current in weeks:
        live = all_region_figures(session, now, config, regions=[region.code], basis=basis)[region.code]
        figures[current] = {f["care_type"]: f for f in live}
    return [_trend_row(m, figures[m][ct], npr.get((m, ct), 0)) for m in weeks for ct in CARE_TYPES]


def series_by_care_type(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {ct: [] for ct in CARE_TYPES}
    for r in rows:
        out.setdefault(r["care_type"], []).append(r)
    return out


# ---------------------------------------------------------------- national comparison
def national_comparison(
    session: Session, now: datetime, config: Mapping[str, Any], basis: str = "location"
) -> dict[str, Any]:
    """Aggregates per region (no provider names) and the national median per care type and measure.

    The national median of a measure is the median over the regions that have a value for it."""
    from wijzer.services.regions import percentile

    names = dict(session.exec(select(Jeugdregio.code, Jeugdregio.name)).all())
    figures = all_region_figures(session, now, config, basis=basis)
    rows = []
    for code in sorted(figures, key=lambda c: names[c]):
        for f in figures[code]:
            rows.append({"region_code": code, "region_name": names[code]} | f)
    medians: dict[str, dict[str, Any]] = {}
    for ct in CARE_TYPES:
        per = [r for r in rows if r["care_type"] == ct]
        medians[ct] = (
            {"care_type": ct}
            | {
                k: percentile([r[k] for r in per if r[k] is not None], 50)
                for k in per[0]
                if k not in ("care_type", "region_code", "region_name")
            }
            if per
            else {"care_type": ct}
        )
    return {"rows": rows, "medians": medians}


# ---------------------------------------------------------------- trust signals
def trust_signals(
    session: Session,
    now: datetime,
    config: Mapping[str, Any],
    *,
    provider_ids: list[int] | None = None,
    cond: ColumnElement[bool] | None = None,
) -> dict[int, dict[str, Any]]:
    """Per provider over the last 13 complete ISO weeks (see docs/regio-audit.md):

    - ``weeks_on_time`` / ``weeks_counted`` / ``share_on_time``: weeks in which every active offering was
      fresh (confirmed within its region's ``fresh_days``) at the end of the week, over weeks with at least
      one active offering;
    - ``no_place_reports``: 'gebeld: geen plek' reports in the 13 weeks; ``no_place_while_place_now``: those
      made while the offering was shown as a place now (not stale, intake open, free places > 0);
    - ``reminders`` / ``changed_after_reminder``: reminders (not escalations) sent in the 13 weeks, and how
      many were followed within 7 days by a report on a reminded offering.
    ``cond`` narrows the offerings (e.g. a region under a basis); ``provider_ids`` the providers.
    """
    thresholds = region_thresholds(session, config)
    current = monday_of(now.astimezone(AMS).date())
    weeks = [current - timedelta(weeks=i) for i in range(TRUST_WEEKS, 0, -1)]
    start = local_midnight(weeks[0])
    max_stale = max(t.stale_days for t in thresholds.values())
    conds = [
        c
        for c in (cond, col(Offering.provider_id).in_(provider_ids) if provider_ids is not None else None)
        if c is not None
    ]
    offs = load_history(
        session,
        and_(*conds) if conds else None,
        until=now,
        since=start - timedelta(days=max_stale + 1),
        with_status=True,
    )
    events = activity_events(session, {o.id for o in offs}) if offs else {}
    by_provider: dict[int, list[_Off]] = defaultdict(list)
    for off in offs:
        by_provider[off.provider_id].append(off)
    out: dict[int, dict[str, Any]] = {}
    naive = offs[0].naive if offs else False
    week_ends = [(end, native(end, naive)) for end in (local_midnight(m + timedelta(days=7)) for m in weeks)]
    for pid, own in by_provider.items():
        on_time = counted = 0
        for end, end_native in week_ends:
            alive = [
                o for o in own if o.first_seen < end_native and active_at(o.active, events.get(o.id, []), end)
            ]
            if not alive:
                continue
            counted += 1
            if all(
                freshness_of(
                    state_before(o, end, end_native)[1],
                    end,
                    _t(thresholds, o).fresh_days,
                    _t(thresholds, o).stale_days,
                )
                == "fresh"
                for o in alive
            ):
                on_time += 1
        out[pid] = {
            "provider_id": pid,
            "weeks_counted": counted,
            "weeks_on_time": on_time,
            "share_on_time": on_time / counted if counted else None,
            "no_place_reports": 0,
            "no_place_while_place_now": 0,
            "reminders": 0,
            "changed_after_reminder": 0,
        }
    if not out:
        return out
    index = {o.id: o for o in offs}
    for oid, reported in session.exec(
        select(NoPlaceReport.offering_id, NoPlaceReport.at).where(
            col(NoPlaceReport.offering_id).in_(list(index)),
            NoPlaceReport.at >= start,
            NoPlaceReport.at <= now,
        )
    ):
        off = index[oid]
        at = as_utc(reported)
        sig = out[off.provider_id]
        sig["no_place_reports"] += 1
        values, confirmed = state_before(off, at + timedelta(microseconds=1))
        t = _t(thresholds, off)
        if (
            values is not None
            and freshness_of(confirmed, at, t.fresh_days, t.stale_days) in ("fresh", "aging")
            and values[4] == "open"
            and (free_places(values[0]) or 0) > 0
        ):
            sig["no_place_while_place_now"] += 1
    sent_at = col(Reminder.sent_at)
    for pid, offering_ids, sent_value in session.exec(
        select(Reminder.provider_id, Reminder.offering_ids, Reminder.sent_at).where(
            col(Reminder.provider_id).in_(list(out)),
            Reminder.kind != "escalation",
            sent_at.is_not(None),
            sent_at >= start,
        )
    ):
        if sent_value is None:
            continue
        sent = as_utc(sent_value)
        sig = out[pid]
        sig["reminders"] += 1
        reminded = [index[int(i)] for i in unpack(offering_ids) if i.isdigit() and int(i) in index]
        if any(
            native(sent, o.naive) < tm <= native(sent + REMINDER_RESPONSE, o.naive)
            for o in reminded
            for tm in o.times[bisect.bisect_right(o.times, native(sent, o.naive)) :][:1]
        ):
            sig["changed_after_reminder"] += 1
    return out


def _t(thresholds: dict[str | None, Thresholds], off: _Off) -> Thresholds:
    return thresholds.get(off.region_code, thresholds[None])


HINT_KEPT = timedelta(minutes=10)
HINT_CACHE_SIZE = 10_000


def provider_trust_hint(
    session: Session,
    provider_id: int,
    now: datetime,
    config: Mapping[str, Any],
    cache: dict[tuple[int, date], tuple[datetime, dict[str, Any] | None]] | None = None,
) -> dict[str, Any] | None:
    """The quiet hint in the portal: the provider's own trust signals over 13 weeks, or None without data.

    ``cache`` (a dict kept by the app, per process): the hint is shown on every load of the weekly page and costs
    ~30 ms for a provider with 60 offerings, so it is kept per provider and ISO week for at most ``HINT_KEPT``.
    Its weeks on time count complete weeks only, so a save does not change them; a save that answers a reminder,
    a 'gebeld: geen plek' report or a region's changed thresholds show within 10 minutes."""
    key = (provider_id, monday_of(now.astimezone(AMS).date()))
    if cache is not None:
        kept = cache.get(key)
        if kept is not None and timedelta(0) <= now - kept[0] < HINT_KEPT:
            return kept[1]
    sig = trust_signals(session, now, config, provider_ids=[provider_id]).get(provider_id)
    hint = None if sig is None or not sig["weeks_counted"] else sig
    if cache is not None:
        if len(cache) >= HINT_CACHE_SIZE:
            cache.clear()
        cache[key] = (now, hint)
    return hint
