"""Region figures for the audit dashboards, the API and the nightly snapshots.

Definitions (issue "Region audit"):
- An offering belongs to a region when its location lies in one of the region's gemeenten.
- Counts and free places cover all the region's active offerings (free places minus places held for a
  plaatsingsverzoek, never below zero per offering); waits, percentiles and shares over
  norm cover those that are not stale (fresh or aging) and have a known value; ``share_stale`` is over
  all offerings and counts never-confirmed offerings (freshness unknown) as stale.
- Percentiles interpolate linearly, as ``statistics.quantiles(..., method="inclusive")``.
- A gemeente is covered for a care type when a non-stale offering of that type with intake ``open`` or
  ``wachtlijst`` lies within the travel distance of the gemeente's centroid, in any region.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, overload

from sqlalchemy import ColumnElement, case, func, literal, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from wijzer.db import table_of
from wijzer.domain import CARE_TYPES, unpack
from wijzer.geo import fast_km, geodesic_km
from wijzer.models import Gemeente, Jeugdregio, NoPlaceReport, Offering, RegionSnapshot
from wijzer.services.availability import Thresholds, freshness_of
from wijzer.services.measures import SNAPSHOT_MEASURES
from wijzer.services.placement import held_places, shown_free
from wijzer.services.search import confirmation_cutoff, region_thresholds
from wijzer.timeutil import AMS


def percentile(values: list[float], p: float) -> float | None:
    """Linear interpolation between closest ranks, as statistics.quantiles(method="inclusive")."""
    if not values:
        return None
    data = sorted(values)
    if len(data) == 1:
        return float(data[0])
    pos = (len(data) - 1) * p / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def free_places(reported: int | None) -> int | None:
    """The free places of an offering as the figures count them: what was reported. Every figure (audit,
    trends, occupancy, trust signals) goes through this one function, so a later rule (e.g. minus active
    holds) changes them all at once."""
    return reported


@dataclass
class CareTypeFigures:
    care_type: str
    offerings: int = 0
    providers: set[int] = field(default_factory=set)
    free_places: int = 0
    waits_intake: list[float] = field(default_factory=list)
    waits_treatment: list[float] = field(default_factory=list)
    stale: int = 0
    no_place_reports_4w: int = 0
    no_place_reports: int = 0  # in one ISO week (trends)
    occ_free: int = 0  # free places of offerings that report both free and total places
    occ_total: int = 0

    def add(
        self,
        t: Thresholds,
        as_of: datetime,
        provider_id: int,
        free: int | None,
        total: int | None,
        wi: int | None,
        wt: int | None,
        confirmed: datetime | None,
    ) -> None:
        """Count one active offering with its state as of ``as_of``."""
        free = free_places(free)
        self.offerings += 1
        self.providers.add(provider_id)
        self.free_places += free or 0
        if free is not None and total:
            self.occ_free += min(free, total)
            self.occ_total += total
        if freshness_of(confirmed, as_of, t.fresh_days, t.stale_days) in ("stale", "unknown"):
            self.stale += 1
            return
        if wi is not None:
            self.waits_intake.append(wi)
        if wt is not None:
            self.waits_treatment.append(wt)

    def as_dict(self, t: Thresholds) -> dict[str, Any]:
        wi, wt = self.waits_intake, self.waits_treatment
        return {
            "care_type": self.care_type,
            "offerings": self.offerings,
            "providers": len(self.providers),
            "free_places": self.free_places,
            "median_wait_intake": percentile(wi, 50),
            "p90_wait_intake": percentile(wi, 90),
            "median_wait_treatment": percentile(wt, 50),
            "p90_wait_treatment": percentile(wt, 90),
            "share_over_norm_intake": (sum(1 for w in wi if w > t.norm_intake_weeks) / len(wi))
            if wi
            else None,
            "share_over_norm_treatment": (sum(1 for w in wt if w > t.norm_treatment_weeks) / len(wt))
            if wt
            else None,
            "share_stale": (self.stale / self.offerings) if self.offerings else None,
            "occupancy": (1 - self.occ_free / self.occ_total) if self.occ_total else None,
            "no_place_reports_4w": self.no_place_reports_4w,
        }


BASES = {"location": "Aanbod in de regio (locatie)", "contract": "Aanbod dat de regio contracteert"}


def parse_basis(value: str | None) -> str | None:
    """'location' (default, also for an absent value), 'contract', or None for anything else."""
    value = (value or "location").strip().lower()
    return value if value in BASES else None


def region_filter(basis: str, codes: list[str] | None) -> ColumnElement[bool] | None:
    """SQL condition selecting the offerings of the given regions under ``basis`` (None: no condition)."""
    if not codes:
        return None
    return region_condition(basis, codes)


def region_condition(basis: str, codes: list[str]) -> ColumnElement[bool]:
    """``region_filter`` for a non-empty list of regions: always a condition."""
    if basis == "contract":
        return or_(*[col(Offering.contract_regions).like(f"%|{c}|%") for c in codes])
    return col(Offering.region_code).in_(codes)


def regions_of(basis: str, region_code: str, contract_regions: str | None) -> list[str]:
    """The regions an offering counts for under ``basis``."""
    return unpack(contract_regions) if basis == "contract" else [region_code]


def all_region_figures(
    session: Session,
    now: datetime,
    config: Mapping[str, Any],
    regions: list[str] | None = None,
    basis: str = "location",
) -> dict[str, list[dict[str, Any]]]:
    """{region_code: [figures dict per care type]} for the given regions (default: all), in one pass.

    ``basis`` 'location': the offerings located in the region; 'contract': those the region contracts.
    Every offering is judged by the thresholds of the region it is counted for."""
    thresholds = region_thresholds(session, config)
    codes = regions or [r for r in thresholds if r is not None]
    figures = {code: {ct: CareTypeFigures(ct) for ct in CARE_TYPES} for code in codes}
    held = held_places(session, None, now.astimezone(AMS).date())  # places held for plaatsingsverzoeken
    stmt = sa_select(  # ten columns: more than sqlmodel's select() has overloads for
        col(Offering.id),
        col(Offering.region_code),
        col(Offering.contract_regions),
        col(Offering.care_type),
        col(Offering.provider_id),
        col(Offering.cur_free_places),
        col(Offering.cur_total_places),
        col(Offering.cur_wait_intake),
        col(Offering.cur_wait_treatment),
        col(Offering.last_confirmed_at),
    ).where(col(Offering.active))
    cond = region_filter(basis, regions)
    if cond is not None:
        stmt = stmt.where(cond)
    for oid, region, contracts, ct, provider_id, free, total, wi, wt, confirmed in session.execute(stmt):
        free = shown_free(free, held.get(oid, 0))
        for code in regions_of(basis, region, contracts):
            f = figures.get(code, {}).get(ct)
            if f is not None:
                f.add(
                    thresholds.get(code, thresholds[None]), now, provider_id, free, total, wi, wt, confirmed
                )
    since = now - timedelta(weeks=4)
    npr = (
        select(NoPlaceReport.region_code, Offering.contract_regions, Offering.care_type, func.count())
        .join(Offering, col(Offering.id) == NoPlaceReport.offering_id)
        .where(NoPlaceReport.at >= since)
        .group_by(NoPlaceReport.region_code, Offering.contract_regions, Offering.care_type)
    )
    if regions:
        npr = npr.where(
            col(NoPlaceReport.region_code).in_(regions)
            if basis == "location"
            else region_condition(basis, regions)
        )
    for region, contracts, ct, n in session.exec(npr):
        for code in regions_of(basis, region, contracts):
            if code in figures and ct in figures[code]:
                figures[code][ct].no_place_reports_4w += n
    return {
        code: [f.as_dict(thresholds.get(code, thresholds[None])) for f in per.values()]
        for code, per in figures.items()
    }


class PointGrid:
    """Points bucketed in cells of CELL degrees, to find the nearest one without scanning them all."""

    CELL = 0.1  # about 11 km north-south, 7 km east-west in the Netherlands

    def __init__(self, points: list[tuple[float, float]]) -> None:
        self.cells: dict[tuple[int, int], list[tuple[float, float]]] = {}
        for lat, lon in points:
            self.cells.setdefault((int(lat // self.CELL), int(lon // self.CELL)), []).append((lat, lon))
        self.max_ring = 0
        if self.cells:
            rows = [k[0] for k in self.cells]
            cols = [k[1] for k in self.cells]
            self.max_ring = max(max(rows) - min(rows), max(cols) - min(cols)) + 200

    def nearest_km(self, lat: float, lon: float) -> float | None:
        """Exact (geodesic) distance to the nearest point; None when there are no points."""
        if not self.cells:
            return None
        ci, cj = int(lat // self.CELL), int(lon // self.CELL)
        found: list[tuple[float, float, float]] = []
        ring = 0
        # a point in ring r+1 or further is at least r cells away; cells are >= ~6.7 km wide here
        min_cell_km = self.CELL * 111.32 * math.cos(math.radians(min(abs(lat) + 1, 89)))
        while ring <= self.max_ring:
            for i in range(ci - ring, ci + ring + 1):
                for j in range(cj - ring, cj + ring + 1):
                    if max(abs(i - ci), abs(j - cj)) == ring:
                        found += [
                            (fast_km(lat, lon, plat, plon), plat, plon)
                            for plat, plon in self.cells.get((i, j), ())
                        ]
            if found and min(found)[0] <= ring * min_cell_km * 0.99:  # 1 % margin for the approximation
                break
            ring += 1
        best = min(found)[0]
        return min(geodesic_km(lat, lon, plat, plon) for d, plat, plon in found if d <= best * 1.01 + 0.01)


def coverage_gaps(
    session: Session, region_code: str, now: datetime, config: Mapping[str, Any], basis: str = "location"
) -> list[dict[str, Any]]:
    """Per gemeente of the region and care type: covered?, and the distance to the nearest qualifying offering.

    'location' basis: qualifying offerings anywhere (also across the region border), each judged by its own
    region's thresholds; 'contract' basis: only the offerings the region contracts, judged by its thresholds."""
    thresholds = region_thresholds(session, config)
    t_region = thresholds.get(region_code, thresholds[None])
    travel = t_region.travel_km
    gemeenten = session.exec(
        select(Gemeente).where(Gemeente.region_code == region_code).order_by(Gemeente.name)
    ).all()
    # fresh or aging (confirmed within stale_days, as ``freshness_of``), decided in SQL: only the qualifying
    # points of the ~30,000 open offerings are read, without converting a timestamp per row
    cutoff: ColumnElement[Any]
    if basis == "contract":
        cutoff = literal(
            now - timedelta(days=t_region.stale_days), type_=table_of(Offering).c.last_confirmed_at.type
        )
    else:
        cutoff = confirmation_cutoff(thresholds, now, "stale_days")
    stmt = select(Offering.care_type, Offering.lat, Offering.lon).where(
        col(Offering.active),
        col(Offering.cur_intake_status).in_(["open", "wachtlijst"]),
        col(Offering.last_confirmed_at) >= cutoff,
    )
    if basis == "contract":
        stmt = stmt.where(region_condition("contract", [region_code]))
    by_type: dict[str, list[tuple[float, float]]] = {ct: [] for ct in CARE_TYPES}
    for ct, lat, lon in session.connection().execute(stmt).all():
        if ct in by_type:
            by_type[ct].append((lat, lon))
    grids = {ct: PointGrid(points) for ct, points in by_type.items()}
    out: list[dict[str, Any]] = []
    for g in gemeenten:
        for ct in CARE_TYPES:
            nearest = grids[ct].nearest_km(g.lat, g.lon)
            out.append(
                {
                    "municipality_code": g.code,
                    "municipality_name": g.name,
                    "care_type": ct,
                    "covered": nearest is not None and nearest <= travel,
                    "nearest_km": None if nearest is None else round(nearest, 2),
                }
            )
    return out


def snapshot_job(session: Session, now: datetime, config: Mapping[str, Any]) -> str:
    """The ``region_snapshots`` job: today's figures per jeugdregio × care type (``take_snapshots``)."""
    n = take_snapshots(session, now.astimezone(AMS).date(), now, config)
    return f"{n} regio-momentopnamen"


def take_snapshots(session: Session, today: date, now: datetime, config: Mapping[str, Any]) -> int:
    """Store the figures as of ``now`` per jeugdregio × care type (location basis) under ``today``; a rerun
    updates the same rows. ``no_place_reports`` counts the reports of the ISO week of ``now`` so far, so a
    snapshot taken at the end of a week holds that week's figures as ``services.trends`` reconstructs them."""
    from wijzer.services.trends import no_place_counts, week_bounds

    figures = all_region_figures(session, now, config)
    start, _end = week_bounds(now)
    npr = no_place_counts(session, list(figures), "location", start, now, inclusive=True)
    existing = {
        (s.region_code, s.care_type): s
        for s in session.exec(select(RegionSnapshot).where(RegionSnapshot.taken_on == today)).all()
    }
    n = 0
    for region, per_type in figures.items():
        for f in per_type:
            values = {k: f[k] for k in SNAPSHOT_MEASURES if k != "no_place_reports"}
            values["no_place_reports"] = npr.get((region, f["care_type"]), 0)
            snap = existing.get((region, f["care_type"]))
            if snap is None:
                snap = RegionSnapshot(region_code=region, care_type=f["care_type"], taken_on=today)
            for k, v in values.items():
                setattr(snap, k, v)
            session.add(snap)
            n += 1
    session.flush()
    return n


def region_audit(
    session: Session, region: Jeugdregio, now: datetime, config: Mapping[str, Any], basis: str = "location"
) -> dict[str, Any]:
    """The audit document of one region (the JSON API shape; pages and exports use the same)."""
    figures = all_region_figures(session, now, config, regions=[region.code], basis=basis)[region.code]
    gaps = coverage_gaps(session, region.code, now, config, basis)
    return {
        "region": {"code": region.code, "name": region.name},
        "basis": basis,
        "care_types": figures,
        "gaps": [
            {k: g[k] for k in ("municipality_code", "care_type", "covered", "nearest_km")} for g in gaps
        ],
        "_gaps_named": gaps,
    }


def compliance(
    session: Session,
    region_code: str,
    now: datetime,
    sort: str = "age",
    *,
    basis: str = "location",
    config: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Each provider with active offerings in the region (under ``basis``): confirmation ages, reminders,
    escalation, and (with ``config``) the trust signals over 13 weeks from ``services.trends``."""
    from wijzer.models import Provider, Reminder

    cond = region_condition(basis, [region_code])
    rows = session.execute(
        sa_select(  # five columns: more than sqlmodel's select() has overloads for
            col(Offering.provider_id),
            func.count(),
            func.min(col(Offering.last_confirmed_at)),
            func.max(col(Offering.last_confirmed_at)),
            func.sum(case((col(Offering.last_confirmed_at).is_(None), 1), else_=0)),
        )
        .where(cond, col(Offering.active))
        .group_by(col(Offering.provider_id))
    ).all()
    ids = [r[0] for r in rows]
    names = (
        dict(session.exec(select(Provider.id, Provider.name).where(col(Provider.id).in_(ids))).all())
        if ids
        else {}
    )
    sent = (
        dict(
            session.exec(
                select(Reminder.provider_id, func.count())
                .where(
                    col(Reminder.provider_id).in_(ids),
                    col(Reminder.sent_at).is_not(None),
                    Reminder.kind != "escalation",
                )
                .group_by(col(Reminder.provider_id))
            ).all()
        )
        if ids
        else {}
    )
    escalated = (
        set(
            session.exec(
                select(Reminder.provider_id).where(
                    col(Reminder.provider_id).in_(ids),
                    Reminder.kind == "escalation",
                    Reminder.region_code == region_code,
                )
            ).all()
        )
        if ids
        else set()
    )
    out: list[dict[str, Any]] = []
    for pid, n, oldest, newest, never in rows:
        oldest = as_aware(oldest)
        newest = as_aware(newest)
        out.append(
            {
                "provider_id": pid,
                "provider": names.get(pid, "?"),
                "offerings": n,
                "never_confirmed": int(never or 0),
                "oldest_confirmation": oldest,
                "newest_confirmation": newest,
                "age_days": None
                if never or oldest is None
                else round((now - oldest).total_seconds() / 86400, 1),
                "reminders_sent": sent.get(pid, 0),
                "escalated": pid in escalated,
            }
        )
    if config is not None and ids:
        from wijzer.services.trends import trust_signals

        signals = trust_signals(session, now, config, provider_ids=ids, cond=cond)
        empty = {
            "weeks_counted": 0,
            "weeks_on_time": 0,
            "share_on_time": None,
            "no_place_reports": 0,
            "no_place_while_place_now": 0,
            "reminders": 0,
            "changed_after_reminder": 0,
        }
        for r in out:
            r.update({k: v for k, v in signals.get(r["provider_id"], empty).items() if k != "provider_id"})
    keys: dict[str, Callable[[dict[str, Any]], Any]] = {
        "age": lambda r: (-(r["age_days"] if r["age_days"] is not None else 10**6), r["provider"]),
        "name": lambda r: r["provider"].lower(),
        "reminders": lambda r: (-r["reminders_sent"], r["provider"]),
        "escalated": lambda r: (not r["escalated"], r["provider"]),
        "offerings": lambda r: (-r["offerings"], r["provider"]),
        # least trustworthy first
        "on_time": lambda r: (
            r.get("share_on_time") if r.get("share_on_time") is not None else 2,
            r["provider"],
        ),
        "no_place": lambda r: (
            -r.get("no_place_while_place_now", 0),
            -r.get("no_place_reports", 0),
            r["provider"],
        ),
        "after_reminder": lambda r: (-r.get("changed_after_reminder", 0), r["provider"]),
    }
    return sorted(out, key=keys.get(sort, keys["age"]))


@overload
def as_aware(dt: datetime | str) -> datetime: ...
@overload
def as_aware(dt: None) -> None: ...
@overload
def as_aware(dt: datetime | str | None) -> datetime | None: ...
def as_aware(dt: datetime | str | None) -> datetime | None:
    """func.min/max bypass the column type on SQLite, so make those values aware UTC again."""
    from wijzer.timeutil import as_utc

    if isinstance(dt, str):
        dt = datetime.fromisoformat(dt)
    return as_utc(dt)
