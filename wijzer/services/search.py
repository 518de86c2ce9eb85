"""Search for offerings: the one search used by the finder pages, the JSON API, the alerts and the region audit.

1. SQL selects the candidate rows with every filter that an index or a cheap predicate can answer,
   including an indexed bounding box around the family's postcode. SQL also computes, per row, the
   freshness state (with each region's own thresholds), whether a temporary status has expired,
   whether it is a place now, and the expected start in days, so Python reads only ints and floats
   (no date parsing) for every candidate. The region thresholds are those the last search on the database
   read; the page's query checks them (``_assumed``), and a search that finds them changed runs again.
2. Python computes, per candidate, the approximate distance (equirectangular; exact geodesic only
   where the approximation is within 0.1 % of the radius edge) and the rank key, and keeps the page.
3. Only the page that is shown is loaded in full (offering, provider, location, places held) in one query,
   with distances that round exactly as the exact geodesic does (``geo.shown_km``).

Ranking: trusted (fresh or aging) offerings first, stale and never-confirmed ones always after them;
within each: places now first, then by **expected start** (the expected next free place where the
provider gave one, else aanmeldingswachttijd + behandelingswachttijd, a missing treatment wait
counting as 0; unknown last), then distance.

Free places are computed in exactly one place, :func:`free_places_column` (reported free places minus the
places held for plaatsingsverzoeken, never below zero); everything (the rank, "place now", the cards, the
API, the alerts) reads them from there.
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeAlias, TypeVar

from sqlalchemy import (
    ColumnElement,
    Date,
    Float,
    Integer,
    String,
    and_,
    any_,
    bindparam,
    case,
    cast,
    func,
    literal,
    or_,
)
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import BindParameter
from sqlmodel import Session, col

from wijzer.db import row_view, table_of
from wijzer.geo import (
    PostcodePoint,
    bounding_box,
    circle_bound,
    fast_km,
    geodesic_km,
    lookup_postcode,
    shown_km,
)
from wijzer.models import Jeugdregio, Location, Offering, Provider
from wijzer.schemas import SearchFilters
from wijzer.services.availability import Thresholds, thresholds_for
from wijzer.services.placement import held_places_subquery

EDGE_MARGIN = 0.001  # within 0.1 % of the radius the exact geodesic decides (fast_km is within 0.05 %)
UNKNOWN_START = 10_000_000  # days; sorts unknown expected starts last
FRESHNESS = ("fresh", "aging", "stale", "unknown")


def free_places_column(held: ColumnElement[Any]) -> ColumnElement[Any]:
    """The free places a search shows, ranks by and counts as "place now" (the one place to change):
    the reported free places minus ``held``, the places held for plaatsingsverzoeken (``HELD.c.held`` of the
    outer-joined ``HELD``, NULL without a hold), never below zero; unknown stays unknown."""
    net = col(Offering.cur_free_places) - func.coalesce(held, 0)
    return case((col(Offering.cur_free_places).is_(None), None), (net < 0, 0), else_=net)


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
    free_places: int | None = None
    expected_start_days: int | None = None
    contracted_for_family: bool | None = None  # None without the family's postcode
    held_places: int = 0  # places held for accepted plaatsingsverzoeken (already subtracted from free_places)

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

    @property
    def place_now(self) -> bool:
        return self.available_now

    @property
    def contract_regions(self) -> list[str]:
        return self.offering.contract_region_list

    @property
    def expected_start_weeks(self) -> int | None:
        """Expected start in whole weeks (rounded up), for display."""
        d = self.expected_start_days
        return None if d is None else -(-d // 7)


@dataclass
class SearchResult:
    total: int
    results: list[Hit] = field(default_factory=list)
    origin: PostcodePoint | None = None  # the family's postcode


Config = Mapping[str, Any]
RegionThresholds = dict[str | None, Thresholds]


_THRESHOLD_COLUMNS = ("fresh_days", "stale_days", "norm_intake_weeks", "norm_treatment_weeks", "travel_km")
_THRESHOLD_KEYS = ("FRESH_DAYS", "STALE_DAYS", "NORM_INTAKE_WEEKS", "NORM_TREATMENT_WEEKS", "TRAVEL_KM")
# Built Thresholds per (the regions' own values, the app defaults), with those own values as the search's check
# compares them (``_own_values``): the values are read anew (or checked, ``_assumed``), only what is made from
# them is kept.
_thresholds_built: dict[tuple[Any, ...], tuple[RegionThresholds, list[list[Any]]]] = {}
# One statement object for that query: SQLAlchemy finds its compiled form by the object's cache key, which a new
# statement on every search had to build anew (~0.25 ms of the ~0.5 ms of reading the thresholds).
_THRESHOLDS_SELECT = sa_select(
    table_of(Jeugdregio).c.code, *[table_of(Jeugdregio).c[name] for name in _THRESHOLD_COLUMNS]
)


def region_thresholds(session: Session, config: Config) -> RegionThresholds:
    """Thresholds per jeugdregio (with the app defaults under None), as ``thresholds_for`` gives them."""
    return _read_thresholds(session, config)[0]


def _own_values(rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """The regions that have a threshold of their own: [code, *their values], by code (as
    ``_own_values_column`` reads them)."""
    own = [[_comparable(v) for v in row] for row in rows if any(v is not None for v in row[1:])]
    return sorted(own, key=lambda row: str(row[0]))


def _comparable(value: Any) -> Any:
    """A float to 15 significant digits, as SQLite's ``json_array`` writes it (PostgreSQL writes them all): the two
    sides of the check compare equal when the value is the same (a change beyond the 15th digit goes unseen)."""
    return float(f"{value:.15g}") if isinstance(value, float) else value


def _read_thresholds(session: Session, config: Config) -> tuple[RegionThresholds, list[list[Any]]]:
    """``region_thresholds`` and ``_own_values`` of the same read."""
    rows = tuple(tuple(row) for row in session.execute(_THRESHOLDS_SELECT).all())
    key = (rows, tuple(config[k] for k in _THRESHOLD_KEYS))
    kept = _thresholds_built.get(key)
    if kept is None:
        built: RegionThresholds = {None: thresholds_for(None, config)}
        for code, *values in rows:
            # thresholds_for on the row's values (an unsaved object): the region's own value, else the app default
            region = Jeugdregio(code=code, **dict(zip(_THRESHOLD_COLUMNS, values, strict=True)))
            built[code] = thresholds_for(region, config)
        if len(_thresholds_built) >= 64:  # a bound: settings change rarely, tests change them often
            _thresholds_built.clear()
        kept = _thresholds_built[key] = (built, _own_values(rows))
    return dict(kept[0]), kept[1]


def status_expired(status_until: date | None, today: date) -> bool:
    return status_until is not None and status_until < today


def confirmation_cutoff(thresholds: RegionThresholds, now: datetime, days_attr: str) -> ColumnElement[Any]:
    """A SQL expression: the confirmation time cut-off for each offering's region."""
    typ = table_of(Offering).c.last_confirmed_at.type
    default = literal(now - timedelta(days=getattr(thresholds[None], days_attr)), type_=typ)
    groups: dict[int, list[str]] = {}
    for code, t in thresholds.items():
        if code is not None and getattr(t, days_attr) != getattr(thresholds[None], days_attr):
            groups.setdefault(getattr(t, days_attr), []).append(code)
    if not groups:
        return default
    return case(
        *[
            (col(Offering.region_code).in_(codes), literal(now - timedelta(days=days), type_=typ))
            for days, codes in groups.items()
        ],
        else_=default,
    )


# The state columns are built once per database dialect and set of region thresholds, with bound parameters for
# the instant of the search (``state_params``): building them anew cost ~10 % of a search (cProfile).
_TODAY = bindparam("search_today", type_=Date())
_TODAY_ISO = bindparam("search_today_iso", type_=String())  # SQLite: julianday() of the ISO date
# The places held per offering on the search's day: every statement with the state columns outer-joins it once
# (``with_held``); ``state_params`` binds its day.
HELD = held_places_subquery(_TODAY)


_Stmt = TypeVar("_Stmt", bound="Select[*tuple[Any, ...]]")


def with_held(stmt: _Stmt) -> _Stmt:
    """``stmt`` (selecting from ``offering``) with ``HELD`` outer-joined on the offering's id."""
    return stmt.outerjoin(HELD, HELD.c.offering_id == col(Offering.id))


StateColumns: TypeAlias = tuple[
    ColumnElement[Any], ColumnElement[Any], ColumnElement[Any], ColumnElement[Any], ColumnElement[Any]
]
_state_built: dict[tuple[Any, ...], StateColumns] = {}


def _cutoff_groups(
    thresholds: RegionThresholds, days_attr: str
) -> tuple[int, tuple[tuple[int, tuple[str, ...]], ...]]:
    """The default number of days and the regions that differ from it, grouped by their number of days
    (the groups of ``confirmation_cutoff``)."""
    default = getattr(thresholds[None], days_attr)
    groups: dict[int, list[str]] = {}
    for code, t in thresholds.items():
        if code is not None and getattr(t, days_attr) != default:
            groups.setdefault(getattr(t, days_attr), []).append(code)
    return default, tuple((days, tuple(codes)) for days, codes in groups.items())


def _cutoff_param(days: int) -> BindParameter[Any]:
    return bindparam(f"search_cut_{days}", type_=table_of(Offering).c.last_confirmed_at.type)


def _prepared_cutoff(groups: tuple[int, tuple[tuple[int, tuple[str, ...]], ...]]) -> ColumnElement[Any]:
    """``confirmation_cutoff`` with a bound parameter ``search_cut_<days>`` for each number of days."""
    default, differing = groups
    if not differing:
        return _cutoff_param(default)
    return case(
        *[(col(Offering.region_code).in_(codes), _cutoff_param(days)) for days, codes in differing],
        else_=_cutoff_param(default),
    )


def state_params(now: datetime, today: date, thresholds: RegionThresholds) -> dict[str, Any]:
    """The bound parameters of ``state_columns`` for a search at ``now`` (``today`` in Amsterdam)."""
    params: dict[str, Any] = {"search_today": today, "search_today_iso": today.isoformat()}
    for days in {t.fresh_days for t in thresholds.values()} | {t.stale_days for t in thresholds.values()}:
        params[f"search_cut_{days}"] = now - timedelta(days=days)
    return params


def _state_key(dialect: str, thresholds: RegionThresholds) -> tuple[Any, ...]:
    return (dialect, _cutoff_groups(thresholds, "fresh_days"), _cutoff_groups(thresholds, "stale_days"))


def state_columns(dialect: str, thresholds: RegionThresholds) -> StateColumns:
    """SQL expressions: freshness index (0 fresh, 1 aging, 2 stale, 3 unknown), expired (0/1), place now
    (0/1), expected start in days (NULL when unknown), free places. Their bound parameters: ``state_params``;
    a statement that selects them outer-joins ``HELD`` (``with_held``)."""
    key = _state_key(dialect, thresholds)
    built = _state_built.get(key)
    if built is not None:
        return built
    _dialect, fresh_groups, stale_groups = key
    confirmed = col(Offering.last_confirmed_at)
    fresh_cutoff, stale_cutoff = _prepared_cutoff(fresh_groups), _prepared_cutoff(stale_groups)
    fresh = case(
        (confirmed.is_(None), 3),
        (confirmed >= fresh_cutoff, 0),
        (confirmed >= stale_cutoff, 1),
        else_=2,
    )
    expired_cond = and_(col(Offering.cur_status_until).is_not(None), col(Offering.cur_status_until) < _TODAY)
    expired = case((expired_cond, 1), else_=0)
    free = free_places_column(HELD.c.held)
    place_now = case(
        (
            and_(
                confirmed.is_not(None),
                confirmed >= stale_cutoff,
                ~expired_cond,
                col(Offering.cur_intake_status) == "open",
                free > 0,
            ),
            1,
        ),
        else_=0,
    )
    next_free = col(Offering.cur_next_free_date)
    days_until: ColumnElement[Any] = (
        next_free - _TODAY
        if dialect == "postgresql"
        else cast(func.julianday(next_free) - func.julianday(_TODAY_ISO), Integer)
    )
    start = case(
        (and_(next_free.is_not(None), next_free >= _TODAY), days_until),
        (
            col(Offering.cur_wait_intake).is_not(None),
            (col(Offering.cur_wait_intake) + func.coalesce(col(Offering.cur_wait_treatment), 0)) * 7,
        ),
        else_=None,
    )
    built = (fresh, expired, place_now, start, free)
    if len(_state_built) >= 64:
        _state_built.clear()
    _state_built[key] = built
    return built


def _filtered(stmt: Select[Any], filters: SearchFilters, origin: PostcodePoint | None) -> Select[Any]:
    """``stmt`` with the search's filters (values in bound parameters: ``_filter_params``)."""
    stmt = stmt.where(col(Offering.active))
    if filters.care_type:
        stmt = stmt.where(col(Offering.care_type) == bindparam("f_care_type"))
    for i in range(len(filters.tags)):
        stmt = stmt.where(col(Offering.tags).contains(bindparam(f"f_tag_{i}")))
    if filters.age is not None:
        stmt = stmt.where(
            col(Offering.min_age) <= bindparam("f_age"), col(Offering.max_age) >= bindparam("f_age")
        )
    if filters.modality:
        stmt = stmt.where(
            or_(
                *[
                    col(Offering.modalities).contains(bindparam(f"f_modality_{i}"))
                    for i in range(len(filters.modality))
                ]
            )
        )
    if filters.funding:
        stmt = stmt.where(col(Offering.funding).contains(bindparam("f_funding")))
    if filters.region:
        stmt = stmt.where(col(Offering.region_code) == bindparam("f_region"))
    if filters.municipality:
        stmt = stmt.where(col(Offering.municipality_code) == bindparam("f_municipality"))
    if filters.max_wait_weeks is not None:
        stmt = stmt.where(col(Offering.cur_wait_intake) <= bindparam("f_max_wait"))
    if filters.contract_region:
        stmt = stmt.where(col(Offering.contract_regions).contains(bindparam("f_contract_region")))
    if filters.contracted and origin is not None:
        stmt = stmt.where(col(Offering.contract_regions).contains(bindparam("f_contracted_region")))
    if origin is not None:
        dlat = col(Offering.lat) - bindparam("f_lat", type_=Float())
        dlon = col(Offering.lon) - bindparam("f_lon", type_=Float())
        stmt = stmt.where(
            col(Offering.lat).between(bindparam("f_min_lat"), bindparam("f_max_lat")),
            col(Offering.lon).between(bindparam("f_min_lon"), bindparam("f_max_lon")),
            # the circle inside the box (geo.circle_bound): the corners' rows are neither sent nor ranked
            dlat * dlat * bindparam("f_ky", type_=Float()) + dlon * dlon * bindparam("f_kx", type_=Float())
            <= bindparam("f_r2", type_=Float()),
        )
    return stmt


def _filter_shape(filters: SearchFilters, origin: PostcodePoint | None) -> tuple[Any, ...]:
    """What decides the SQL of ``_filtered`` (which filters are given, how many tags and forms), not the values."""
    return (
        bool(filters.care_type),
        len(filters.tags),
        filters.age is not None,
        len(filters.modality),
        bool(filters.funding),
        bool(filters.region),
        bool(filters.municipality),
        filters.max_wait_weeks is not None,
        bool(filters.contract_region),
        filters.contracted and origin is not None,
        origin is not None,
        filters.available_now,
    )


def _filter_params(filters: SearchFilters, origin: PostcodePoint | None) -> dict[str, Any]:
    """The values of ``_filtered``'s bound parameters."""
    params: dict[str, Any] = {
        "f_care_type": filters.care_type,
        "f_age": filters.age,
        "f_funding": f"|{filters.funding}|",
        "f_region": filters.region,
        "f_municipality": filters.municipality,
        "f_max_wait": filters.max_wait_weeks,
        "f_contract_region": f"|{filters.contract_region}|",
    }
    for i, tag in enumerate(filters.tags):
        params[f"f_tag_{i}"] = f"|{tag}|"
    for i, m in enumerate(filters.modality):
        params[f"f_modality_{i}"] = f"|{m}|"
    if origin is not None:
        params["f_contracted_region"] = f"|{origin.region_code}|"
        box = bounding_box(origin.lat, origin.lon, filters.radius_km)
        params.update(zip(("f_min_lat", "f_max_lat", "f_min_lon", "f_max_lon"), box, strict=True))
        params.update(
            zip(
                ("f_ky", "f_kx", "f_r2"), circle_bound(origin.lat, origin.lon, filters.radius_km), strict=True
            )
        )
        params["f_lat"], params["f_lon"] = origin.lat, origin.lon
    return params


# The candidate query per dialect, set of thresholds (state columns) and filter shape: built once, executed with
# bound parameters (building it and SQLAlchemy's cache key for a new statement object cost ~0.5 ms a search).
_candidates_built: dict[tuple[Any, ...], Select[Any]] = {}


def _candidates(
    dialect: str, thresholds: RegionThresholds, filters: SearchFilters, origin: PostcodePoint | None
) -> Select[Any]:
    key = (dialect, _state_key(dialect, thresholds), _filter_shape(filters, origin))
    stmt = _candidates_built.get(key)
    if stmt is None:
        fresh_c, expired_c, place_c, start_c, free_c = state_columns(dialect, thresholds)
        columns: Select[Any] = sa_select(  # type: ignore[assignment]  # eight columns, typed one by one
            col(Offering.id),
            col(Offering.lat),
            col(Offering.lon),
            fresh_c,
            place_c,
            expired_c,
            start_c,
            free_c,
        )
        stmt = _filtered(with_held(columns), filters, origin)
        if filters.available_now:
            stmt = stmt.where(place_c == 1)
        if len(_candidates_built) >= 512:
            _candidates_built.clear()
        _candidates_built[key] = stmt
    return stmt


def _own_values_column(dialect: str) -> ColumnElement[Any]:
    """SQL: the regions that have a threshold of their own as JSON, ``[[code, *values], …]`` (``_own_values``; NULL
    or ``[]`` when none has), computed once per statement."""
    region = table_of(Jeugdregio)
    values = [region.c.code, *[region.c[name] for name in _THRESHOLD_COLUMNS]]
    own = or_(*[region.c[name].is_not(None) for name in _THRESHOLD_COLUMNS])
    if dialect == "postgresql":
        return sa_select(func.json_agg(func.json_build_array(*values))).where(own).scalar_subquery()
    joined = func.coalesce(func.group_concat(func.json_array(*values), ","), "", type_=String)
    return sa_select(literal("[", String) + joined + literal("]", String)).where(own).scalar_subquery()


def _as_own_values(value: Any) -> list[list[Any]]:
    """``_own_values_column``'s value as ``_own_values`` gives it."""
    if isinstance(value, str):  # SQLite; psycopg reads PostgreSQL's json itself
        value = json.loads(value)
    return sorted([[_comparable(v) for v in row] for row in value or ()], key=lambda row: str(row[0]))


# The page in one query: each offering with its provider and location, and the places held for it today (``HELD``,
# which ``free_places_column`` subtracts; 0 without a hold), so that holds cost no second round trip, and the
# regions' own thresholds (``_own_values_column``), the check of the thresholds the search assumed. One statement
# object per dialect, the ids one parameter (an array on PostgreSQL, an expanding IN on SQLite): SQLAlchemy reuses
# its compiled form instead of building it every search. The rows are read as Core rows and shown through
# read-only views (``db.row_view``), not loaded as ORM objects.
_OFFERING, _PROVIDER, _LOCATION = table_of(Offering), table_of(Provider), table_of(Location)
_page_built: dict[str, Select[Any]] = {}


def _page_select(dialect: str) -> Select[Any]:
    stmt = _page_built.get(dialect)
    if stmt is None:
        columns = (*_OFFERING.c, *_PROVIDER.c, *_LOCATION.c, func.coalesce(HELD.c.held, 0))
        built: Select[Any] = sa_select(*columns, _own_values_column(dialect))
        stmt = (
            with_held(built)
            .join(_PROVIDER, _PROVIDER.c.id == _OFFERING.c.provider_id)
            .join(_LOCATION, _LOCATION.c.id == _OFFERING.c.location_id)
            .where(
                # PostgreSQL: one array parameter (the same SQL for any page; an expanding IN is rewritten for
                # each number of ids on every execution)
                _OFFERING.c.id == any_(bindparam("page_ids", type_=ARRAY(Integer)))
                if dialect == "postgresql"
                else _OFFERING.c.id.in_(bindparam("page_ids", expanding=True))
            )
        )
        _page_built[dialect] = stmt
    return stmt


# The thresholds that the last search on a database (and app defaults) read: the next search assumes them, so that
# it needs no query of its own for them (~6 % of a search on PostgreSQL), and checks them with its page
# (``_own_values_column``), or with a read of its own when it shows no page. When they changed (by any process),
# it searches again with the thresholds read anew: a change is seen by the very next search, as before.
_assumed: dict[tuple[Any, ...], tuple[RegionThresholds, list[list[Any]]]] = {}


_PAGE_OFFERING = slice(0, len(_OFFERING.c))
_PAGE_PROVIDER = slice(_PAGE_OFFERING.stop, _PAGE_OFFERING.stop + len(_PROVIDER.c))
_PAGE_LOCATION = slice(_PAGE_PROVIDER.stop, _PAGE_PROVIDER.stop + len(_LOCATION.c))
_PAGE_HELD = _PAGE_LOCATION.stop
OfferingRow, ProviderRow, LocationRow = row_view(Offering), row_view(Provider), row_view(Location)


def _rank_key(
    sort: str | None, fresh: int, place_now: int, start: int | None, dist: float, free: int | None, oid: int
) -> tuple[float, ...]:
    unreliable = 0 if fresh < 2 else 1
    start_key = UNKNOWN_START if start is None else start
    if sort == "start":
        return (unreliable, start_key, dist, oid)
    if sort == "afstand":
        return (unreliable, dist, oid)
    if sort == "plekken":
        return (unreliable, -(free if free is not None else -1), dist, oid)
    return (unreliable, 1 - place_now, start_key, dist, oid)


def search_offerings(
    session: Session,
    filters: SearchFilters,
    now: datetime,
    config: Config,
    thresholds: RegionThresholds | None = None,
    count_only: bool = False,
) -> SearchResult:
    """The search (see the module's docstring). ``thresholds``: as ``region_thresholds`` read them in this
    transaction (a caller that searches many times); without them the search assumes the last ones read on this
    database and checks them (``_assumed``)."""
    from wijzer.timeutil import AMS

    today = now.astimezone(AMS).date()
    bind = session.get_bind()
    dialect = bind.dialect.name
    assumed_key: tuple[Any, ...] | None = None
    own: list[list[Any]] = []
    if thresholds is None:
        assumed_key = (bind.engine.url, tuple(config[k] for k in _THRESHOLD_KEYS))
        assumed = _assumed.get(assumed_key)
        if assumed is None:
            assumed = _read_thresholds(session, config)
            if len(_assumed) >= 16:
                _assumed.clear()
            _assumed[assumed_key] = assumed
        thresholds, own = assumed
    default = thresholds[None]
    origin = lookup_postcode(filters.postcode) if filters.postcode else None  # PostcodeError -> caller

    stmt = _candidates(dialect, thresholds, filters, origin)

    radius = filters.radius_km
    olat, olon = (origin.lat, origin.lon) if origin is not None else (0.0, 0.0)
    outer, inner = radius * (1 + EDGE_MARGIN), radius * (1 - EDGE_MARGIN)
    sort = filters.sort
    ranked: list[tuple[Any, ...]] = []
    append = ranked.append
    # The candidates (often ~1,000 rows) are plain values, so they are read through the session's connection
    # as Core rows, all at once (``.all()``: one fetchall, rows built in C; iterating the result instead
    # fetches row by row): the ORM's per-row result processing cost ~6 % of a search (cProfile, both
    # databases) and adds nothing for a select of columns. The session's autoflush is done by hand first, so
    # pending changes of the caller's session are seen exactly as ``session.execute`` would see them.
    if session.autoflush:
        session.flush()
    params = state_params(now, today, thresholds) | _filter_params(filters, origin)
    for oid, lat, lon, fresh, place_now, expired, start, free in (
        session.connection().execute(stmt, params).all()
    ):
        dist = 0.0
        if origin is not None:
            dist = fast_km(olat, olon, lat, lon)
            if dist > outer:
                continue
            if dist >= inner:
                dist = geodesic_km(olat, olon, lat, lon)
                if dist > radius:
                    continue
        # the default ranking spelled out (_rank_key's last line): one call less per candidate
        key = (
            (0 if fresh < 2 else 1, 1 - place_now, UNKNOWN_START if start is None else start, dist, oid)
            if sort is None
            else _rank_key(sort, fresh, place_now, start, dist, free, oid)
        )
        append((key, oid, fresh, place_now, expired, start, free))
    shows_page = not count_only and filters.offset < len(ranked)
    if assumed_key is not None and not shows_page:  # no page to check the assumed thresholds with: a read
        fresh = _read_thresholds(session, config)
        if fresh[1] != own:
            _assumed[assumed_key] = fresh
            return search_offerings(session, filters, now, config, fresh[0], count_only)
    if count_only:
        return SearchResult(total=len(ranked), origin=origin)
    end = filters.offset + filters.limit
    page = (
        heapq.nsmallest(end, ranked)[filters.offset : end]
        if end < len(ranked)
        else sorted(ranked)[filters.offset :]
    )
    result = SearchResult(total=len(ranked), origin=origin)
    if not page:
        return result
    rows = (
        session.connection()
        .execute(_page_select(dialect), {"search_today": today, "page_ids": [r[1] for r in page]})
        .all()
    )
    if assumed_key is not None and _as_own_values(rows[0][-1]) != own:  # the regions' thresholds changed
        fresh = _read_thresholds(session, config)
        _assumed[assumed_key] = fresh
        return search_offerings(session, filters, now, config, fresh[0], count_only)
    by_id: dict[Any, tuple[Offering, Provider, Location, int]] = {}
    for row in rows:
        off = OfferingRow(row[_PAGE_OFFERING])
        by_id[off.id] = (
            off,
            ProviderRow(row[_PAGE_PROVIDER]),
            LocationRow(row[_PAGE_LOCATION]),
            int(row[_PAGE_HELD]),
        )
    for _key, oid, fresh, place_now, expired, start, free in page:
        off, prov, loc, held = by_id[oid]
        t = thresholds.get(off.region_code, default)
        result.results.append(_hit(off, prov, loc, origin, fresh, place_now, expired, start, free, t, held))
    return result


def _hit(
    off: Offering,
    prov: Provider,
    loc: Location,
    origin: PostcodePoint | None,
    fresh: int,
    place_now: int,
    expired: int,
    start: int | None,
    free: int | None,
    t: Thresholds,
    held: int = 0,
) -> Hit:
    # shown_km rounds exactly as the exact geodesic (wijzer/geo.py); shown distances are always rounded
    dist = shown_km(origin.lat, origin.lon, off.lat, off.lon) if origin is not None else None
    contracted = (origin.region_code in off.contract_region_list) if origin is not None else None
    return Hit(
        off,
        prov,
        loc,
        dist,
        FRESHNESS[fresh],
        bool(place_now),
        bool(expired),
        t,
        free_places=free,
        expected_start_days=None if start is None else int(start),
        contracted_for_family=contracted,
        held_places=held,
    )


def offering_detail(
    session: Session, offering_id: int, now: datetime, config: Config, origin: PostcodePoint | None = None
) -> Hit | None:
    from wijzer.timeutil import AMS

    thresholds = region_thresholds(session, config)
    state = state_columns(session.get_bind().dialect.name, thresholds)
    row = session.execute(
        with_held(sa_select(Offering, Provider, Location, *state, func.coalesce(HELD.c.held, 0)))
        .join(Provider, col(Provider.id) == col(Offering.provider_id))
        .join(Location, col(Location.id) == col(Offering.location_id))
        .where(col(Offering.id) == offering_id, col(Offering.active)),
        state_params(now, now.astimezone(AMS).date(), thresholds),
    ).first()
    if row is None:
        return None
    off, prov, loc, fresh, expired, place_now, start, free, held = row
    t = thresholds.get(off.region_code, thresholds[None])
    return _hit(off, prov, loc, origin, fresh, place_now, expired, start, free, t, int(held))


def place_now_ids(
    session: Session, now: datetime, config: Config, thresholds: RegionThresholds | None = None
) -> set[int]:
    """Ids of every active offering that is a place now (what "Alleen direct plek" finds nationally)."""
    from wijzer.timeutil import AMS

    thresholds = thresholds or region_thresholds(session, config)
    _fresh, _expired, place_c, _start, _free = state_columns(session.get_bind().dialect.name, thresholds)
    ids = session.execute(
        with_held(sa_select(col(Offering.id))).where(col(Offering.active), place_c == 1),
        state_params(now, now.astimezone(AMS).date(), thresholds),
    ).scalars()
    return {i for i in ids if i is not None}


def count_offerings(
    session: Session,
    filters: SearchFilters,
    now: datetime,
    config: Config,
    thresholds: RegionThresholds | None = None,
) -> int:
    """How many offerings a search finds (loads no page)."""
    return search_offerings(session, filters, now, config, thresholds, count_only=True).total


# ---------------------------------------------------------------- wide searches, summaries, suggestions
WIDE_RADIUS_KM = 50


def is_wide(filters: SearchFilters) -> bool:
    """A search over a large part of the country: no care type, and no postcode or a radius above 50 km."""
    return not filters.care_type and (not filters.postcode or filters.radius_km > WIDE_RADIUS_KM)


def _weeks(n: int) -> str:
    return "1 week" if n == 1 else f"{n} weken"


def search_summary(filters: SearchFilters, origin: PostcodePoint | None = None) -> str:
    """One line: 'Logeeropvang · 9 jaar · 3431 · 25 km' (the collapsed form, alert names, e-mails)."""
    from wijzer import domain

    parts = [
        domain.CARE_TYPES.get(filters.care_type, filters.care_type)
        if filters.care_type
        else "Alle zorgsoorten"
    ]
    if filters.age is not None:
        parts.append(f"{filters.age} jaar")
    if filters.tags:
        parts.append(", ".join(domain.TAGS.get(t, t) for t in filters.tags))
    if filters.modality:
        parts.append(" of ".join(domain.MODALITIES.get(m, m).lower() for m in filters.modality))
    if filters.funding:
        parts.append(domain.FUNDING.get(filters.funding, filters.funding))
    if filters.postcode:
        parts.append(filters.postcode)
        parts.append(f"{filters.radius_km:g} km")
    if filters.region:
        parts.append(filters.region)
    if filters.municipality:
        parts.append(filters.municipality)
    if filters.contract_region:
        parts.append(f"gecontracteerd door {filters.contract_region}")
    if filters.contracted:
        parts.append("gecontracteerd voor dit gezin")
    if filters.max_wait_weeks is not None:
        parts.append(f"hoogstens {_weeks(filters.max_wait_weeks)} wachten")
    if filters.available_now:
        parts.append("direct plek")
    return " · ".join(parts)


RADIUS_STEPS = (5, 10, 25, 50, 100, 250)
_DROPS: tuple[tuple[str, Any, str], ...] = (
    ("available_now", False, "Zonder 'alleen direct plek'"),
    ("contracted", False, "Ook aanbod dat niet voor dit gezin gecontracteerd is"),
    ("contract_region", None, "Zonder contractregio"),
    ("max_wait_weeks", None, "Zonder maximale wachttijd"),
    ("modality", [], "Zonder vorm"),
    ("tags", [], "Zonder doelgroep"),
    ("funding", None, "Zonder financiering"),
    ("municipality", None, "Zonder gemeente"),
    ("region", None, "Zonder jeugdregio"),
    ("age", None, "Zonder leeftijd"),
    ("care_type", None, "Zonder zorgsoort"),
)


def suggestions(
    session: Session, filters: SearchFilters, now: datetime, config: Config, total: int
) -> list[tuple[str, dict[str, Any], int]]:
    """What would help when a search finds few results: (label, change to the parameters, count),
    only changes that find more than ``total``. A larger radius first, then dropping one filter."""
    thresholds = region_thresholds(session, config)
    out = []
    if filters.postcode:
        for km in RADIUS_STEPS:
            if km > filters.radius_km:
                n = count_offerings(
                    session, filters.model_copy(update={"radius_km": km}), now, config, thresholds
                )
                if n > total:
                    out.append((f"Met {km} km", {"radius_km": str(km)}, n))
                    break
    for name, empty, label in _DROPS:
        if getattr(filters, name) in (empty, None) or getattr(filters, name) == empty:
            continue
        n = count_offerings(session, filters.model_copy(update={name: empty}), now, config, thresholds)
        if n > total:
            out.append((label, {name: ""}, n))
    return out
