"""Search for offerings: the one search used by the finder pages, the JSON API and the region audit.

1. SQL selects the candidate rows with every filter that an index or a cheap predicate can answer,
   including an indexed bounding box around the family's postcode; only a few light columns are read.
2. Python computes, per candidate, the approximate distance (equirectangular; exact geodesic only
   where the approximation is within 0.1 % of the radius edge), freshness at ``now`` with the
   region's own thresholds, and the rank key; it filters "available now" and maximum wait.
3. Only the page that is shown is loaded in full (offering, provider, location) in one query,
   with exact geodesic distances.

Ranking: places now first, then by aanmeldingswachttijd (unknown last), then distance; stale and
never-confirmed offerings always after fresh and aging ones.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlmodel import Session, select

from wijzer.geo import bounding_box, fast_km, geodesic_km, lookup_postcode
from wijzer.models import Jeugdregio, Location, Offering, Provider
from wijzer.schemas import SearchFilters
from wijzer.services.availability import Thresholds, freshness_of, thresholds_for
from wijzer.services.placement import held_places, shown_free

EDGE_MARGIN = 0.001  # within 0.1 % of the radius the exact geodesic decides (fast_km is within 0.05 %)


@dataclass
class Hit:
    offering: Offering
    provider: Provider
    location: Location
    distance_km: float | None
    freshness: str
    available_now: bool
    status_expired: bool
    thresholds: Thresholds
    held_places: int = 0  # places held by accepted plaatsingsverzoeken (services.placement)

    @property
    def free_places(self) -> int | None:
        """Free places shown: reported free places minus active holds, never below zero."""
        return shown_free(self.offering.cur_free_places, self.held_places)

    @property
    def reliable(self) -> bool:
        return self.freshness in ("fresh", "aging")

    @property
    def over_norm_intake(self) -> bool:
        w = self.offering.cur_wait_intake
        return w is not None and w > self.thresholds.norm_intake_weeks

    @property
    def over_norm_treatment(self) -> bool:
        w = self.offering.cur_wait_treatment
        return w is not None and w > self.thresholds.norm_treatment_weeks


@dataclass
class SearchResult:
    total: int
    results: list[Hit] = field(default_factory=list)
    origin: object | None = None  # PostcodePoint of the family's postcode


def region_thresholds(session: Session, config) -> dict[str | None, Thresholds]:
    """Thresholds per jeugdregio (with the app defaults under None)."""
    out = {None: thresholds_for(None, config)}
    for region in session.exec(select(Jeugdregio)).all():
        out[region.code] = thresholds_for(region, config)
    return out


def status_expired(status_until: date | None, today: date) -> bool:
    return status_until is not None and status_until < today


def search_offerings(session: Session, filters: SearchFilters, now: datetime, config,
                     thresholds: dict | None = None) -> SearchResult:
    from wijzer.timeutil import AMS

    today = now.astimezone(AMS).date()
    thresholds = thresholds or region_thresholds(session, config)
    default = thresholds[None]
    origin = lookup_postcode(filters.postcode) if filters.postcode else None  # PostcodeError -> caller

    cols = (Offering.id, Offering.lat, Offering.lon, Offering.region_code, Offering.last_confirmed_at,
            Offering.cur_free_places, Offering.cur_intake_status, Offering.cur_wait_intake,
            Offering.cur_status_until)
    stmt = select(*cols).where(Offering.active)
    if filters.care_type:
        stmt = stmt.where(Offering.care_type == filters.care_type)
    for tag in filters.tags:
        stmt = stmt.where(Offering.tags.contains(f"|{tag}|"))
    if filters.age is not None:
        stmt = stmt.where(Offering.min_age <= filters.age, Offering.max_age >= filters.age)
    if filters.modality:
        stmt = stmt.where(Offering.modalities.contains(f"|{filters.modality}|"))
    if filters.funding:
        stmt = stmt.where(Offering.funding.contains(f"|{filters.funding}|"))
    if filters.region:
        stmt = stmt.where(Offering.region_code == filters.region)
    if filters.municipality:
        stmt = stmt.where(Offering.gemeente_code == filters.municipality)
    if filters.max_wait_weeks is not None:
        stmt = stmt.where(Offering.cur_wait_intake <= filters.max_wait_weeks)
    if origin is not None:
        min_lat, max_lat, min_lon, max_lon = bounding_box(origin.lat, origin.lon, filters.radius_km)
        stmt = stmt.where(Offering.lat.between(min_lat, max_lat), Offering.lon.between(min_lon, max_lon))

    radius = filters.radius_km
    # Per region: the confirmation times that separate fresh / aging / stale (what freshness_of computes).
    cutoffs = {code: (now - timedelta(days=t.fresh_days), now - timedelta(days=t.stale_days))
               for code, t in thresholds.items()}
    default_cut = cutoffs[None]
    olat, olon = (origin.lat, origin.lon) if origin is not None else (0.0, 0.0)
    outer, inner = radius * (1 + EDGE_MARGIN), radius * (1 - EDGE_MARGIN)
    ranked = []
    held = held_places(session, None, today)  # the few offerings with an active hold
    for oid, lat, lon, region, confirmed, free, status, wait, until in session.exec(stmt):
        free = shown_free(free, held.get(oid, 0))
        dist = None
        if origin is not None:
            dist = fast_km(olat, olon, lat, lon)
            if dist > outer:
                continue
            if dist >= inner:
                dist = geodesic_km(olat, olon, lat, lon)
                if dist > radius:
                    continue
        fresh_cut, stale_cut = cutoffs.get(region, default_cut)
        if confirmed is None:
            fresh = "unknown"
        elif confirmed >= fresh_cut:
            fresh = "fresh"
        elif confirmed >= stale_cut:
            fresh = "aging"
        else:
            fresh = "stale"
        reliable = fresh in ("fresh", "aging")
        expired = status_expired(until, today)
        place_now = reliable and not expired and status == "open" and (free or 0) > 0
        if filters.available_now and not place_now:
            continue
        key = (0 if reliable else 1, 0 if place_now else 1, wait if wait is not None else 10_000,
               dist if dist is not None else 0.0, oid)
        ranked.append((key, oid, dist, fresh, place_now, expired, region))
    ranked.sort()
    page = ranked[filters.offset:filters.offset + filters.limit]
    result = SearchResult(total=len(ranked), origin=origin)
    if not page:
        return result
    rows = session.exec(select(Offering, Provider, Location)
                        .join(Provider, Provider.id == Offering.provider_id)
                        .join(Location, Location.id == Offering.location_id)
                        .where(Offering.id.in_([r[1] for r in page]))).all()
    by_id = {o.id: (o, p, loc) for o, p, loc in rows}
    for _key, oid, dist, fresh, place_now, expired, region in page:
        off, prov, loc = by_id[oid]
        if origin is not None:
            dist = geodesic_km(origin.lat, origin.lon, off.lat, off.lon)
        result.results.append(Hit(off, prov, loc, dist, fresh, place_now, expired,
                                  thresholds.get(region, default), held.get(oid, 0)))
    return result


def offering_detail(session: Session, offering_id: int, now: datetime, config) -> Hit | None:
    row = session.exec(select(Offering, Provider, Location)
                       .join(Provider, Provider.id == Offering.provider_id)
                       .join(Location, Location.id == Offering.location_id)
                       .where(Offering.id == offering_id, Offering.active)).first()
    if row is None:
        return None
    off, prov, loc = row
    from wijzer.timeutil import AMS

    t = thresholds_for(session.get(Jeugdregio, off.region_code), config)
    fresh = freshness_of(off.last_confirmed_at, now, t.fresh_days, t.stale_days)
    expired = status_expired(off.cur_status_until, now.astimezone(AMS).date())
    held = held_places(session, [off.id], now.astimezone(AMS).date()).get(off.id, 0)
    place_now = (fresh in ("fresh", "aging") and not expired and off.cur_intake_status == "open"
                 and (shown_free(off.cur_free_places, held) or 0) > 0)
    return Hit(off, prov, loc, None, fresh, place_now, expired, t, held)
