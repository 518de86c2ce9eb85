"""Postcodes to coordinates from the local PC4 table, and distances.

``LocalGeocoder`` follows geopy's geocoder interface (``geocode(query) -> geopy.Location``) so an
online geocoder could be put in its place; the default works fully offline from the shipped
GeoNames/CBS table (CC BY 4.0).

Distances: an indexed bounding box prefilters in SQL, ``fast_km`` (equirectangular on the WGS84
ellipsoid, within 0.03 % of geodesic at Dutch distances) ranks and cuts candidates, and the exact geodesic
(Karney's algorithm in geographiclib, the library behind geopy's ``geodesic``) is used only for distances that
decide membership near the radius. Shown distances come from ``shown_km``: Vincenty's formula (~13x cheaper, within
0.01 mm of the exact geodesic across the Netherlands), and the exact geodesic wherever the two could round
differently, so every shown distance rounds exactly as the exact geodesic does.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from geographiclib.geodesic import Geodesic
from geopy.location import Location as GeoLocation
from geopy.point import Point

DATA_DIR = Path(__file__).resolve().parent / "data"
PC_RE = re.compile(r"^\s*([1-9][0-9]{3})\s*([A-Za-z]{2})?\s*$")
KM_PER_DEG_LAT = 110.574


class PostcodeError(ValueError):
    """A malformed or unknown postcode (message in Dutch)."""


def normalise_postcode(text: str) -> str:
    """'3511 ab' -> '3511AB'; '3511' -> '3511'. Raises PostcodeError with a Dutch message."""
    m = PC_RE.match(text or "")
    if not m:
        raise PostcodeError(
            f"'{(text or '').strip()}' is geen geldige postcode. Gebruik vier cijfers, eventueel met "
            "twee letters, bijvoorbeeld 3511 of 3511 AB."
        )
    letters = (m.group(2) or "").upper()
    if letters in ("SA", "SD", "SS"):
        raise PostcodeError(
            f"'{text.strip()}' is geen geldige postcode (lettercombinatie {letters} bestaat niet)."
        )
    return m.group(1) + letters


@dataclass(frozen=True)
class PostcodePoint:
    pc4: str
    lat: float
    lon: float
    place: str
    municipality_code: str
    municipality_name: str
    region_code: str
    region_name: str


@lru_cache(maxsize=1)
def _pc4_table() -> dict[str, PostcodePoint]:
    table: dict[str, PostcodePoint] = {}
    with open(DATA_DIR / "pc4.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            table[row["postcode"]] = PostcodePoint(
                row["postcode"],
                float(row["lat"]),
                float(row["lon"]),
                row["place"],
                row["gemeente_code"],
                row["gemeente_name"],
                row["jeugdregio_code"],
                row["jeugdregio_name"],
            )
    return table


def lookup_postcode(text: str) -> PostcodePoint:
    """Normalise and look up a PC4 or PC6 postcode. Raises PostcodeError (Dutch) when unknown."""
    pc = normalise_postcode(text)
    point = _pc4_table().get(pc[:4])
    if point is None:
        raise PostcodeError(f"Postcode {pc[:4]} is niet bekend. Controleer de postcode of kies een gemeente.")
    return point


class LocalGeocoder:
    """geopy-style geocoder over the local PC4 table (offline)."""

    def geocode(self, query: str, exactly_one: bool = True, **_kwargs) -> GeoLocation | None:
        try:
            p = lookup_postcode(query)
        except PostcodeError:
            return None
        loc = GeoLocation(
            f"{p.pc4} {p.place}, {p.municipality_name}",
            Point(p.lat, p.lon),
            {"pc4": p.pc4, "municipality_code": p.municipality_code, "region_code": p.region_code},
        )
        return loc if exactly_one else [loc]


def bounding_box(lat: float, lon: float, km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) that contains every point within ``km`` (with margin)."""
    dlat = km / KM_PER_DEG_LAT * 1.01
    dlon = km / (111.320 * math.cos(math.radians(lat))) * 1.01
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


WGS84_A, WGS84_E2 = 6378.137, 0.00669437999014
CIRCLE_MARGIN = 1.005  # the circle test's radius: 0.5 % over, ten times fast_km's error bound


def circle_bound(lat: float, lon: float, km: float) -> tuple[float, float, float]:
    """(ky, kx, r2) of a test that keeps every point within ``km`` of (lat, lon) and drops most of the bounding
    box's corners (~20 % of it): ``(Δlat)² · ky + (Δlon)² · kx <= r2``, plain arithmetic that SQL can evaluate
    on the candidate rows (PostgreSQL and SQLite alike).

    ky and kx are the squared km per degree of latitude and longitude at their *smallest* over the bounding box's
    latitudes, so the left side never exceeds the squared ``fast_km`` of the pair (whose mean latitude lies in
    that range); r2 is ``km`` with ``CIRCLE_MARGIN`` squared, which covers fast_km's error against the exact
    geodesic (< 0.05 %). The search still decides every kept point exactly as before."""
    min_lat, max_lat, _min_lon, _max_lon = bounding_box(lat, lon, km)
    lo, hi = sorted((abs(min_lat), abs(max_lat)))
    nearest_equator = 0.0 if min_lat <= 0 <= max_lat else lo
    farthest = min(hi, 90.0)

    def m_deg(phi_deg: float) -> float:  # meridional radius of curvature, km per degree
        w = 1 - WGS84_E2 * math.sin(math.radians(phi_deg)) ** 2
        return WGS84_A * (1 - WGS84_E2) / w**1.5 * math.pi / 180

    def n_cos_deg(phi_deg: float) -> float:  # radius of the parallel, km per degree of longitude
        w = 1 - WGS84_E2 * math.sin(math.radians(phi_deg)) ** 2
        return WGS84_A / math.sqrt(w) * math.cos(math.radians(phi_deg)) * math.pi / 180

    # M grows and N·cos falls with the distance from the equator: their smallest values over the box
    ky, kx = m_deg(nearest_equator) ** 2, n_cos_deg(farthest) ** 2
    return ky, kx, (km * CIRCLE_MARGIN) ** 2


def fast_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Equirectangular distance with the WGS84 radii of curvature at the mean latitude.

    Across the Netherlands (pairs up to ~400 km) it stays within 0.03 % of geopy's geodesic
    (``tests/unit/test_geo.py`` checks 0.05 %), so only pairs that close to a decision need the exact value.
    """
    # Called for every candidate of a search (~600): the same operations in the same order as the plain formula
    # (tests/unit/test_geo_exact.py compares them bit for bit), with the functions and constants bound locally.
    phi = _radians((lat1 + lat2) / 2)
    w = 1 - _E2 * _sin(phi) ** 2
    return _hypot(
        _A_1_E2 / w**1.5 * _radians(lat2 - lat1), WGS84_A / _sqrt(w) * _cos(phi) * _radians(lon2 - lon1)
    )


_radians, _sin, _cos, _sqrt, _hypot = math.radians, math.sin, math.cos, math.sqrt, math.hypot
_E2, _A_1_E2 = WGS84_E2, WGS84_A * (1 - WGS84_E2)


# geopy's ``geodesic`` on its default WGS-84 ellipsoid in km: the same geographiclib object and call, so the same
# float to the last bit (tests/unit/test_geo_exact.py), without geopy building a new Geodesic (~60 µs) and its
# Point and Distance objects for every pair.
_WGS84_KM = Geodesic(6378.137, 1 / 298.257223563)
_DISTANCE = Geodesic.DISTANCE


def geodesic_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The exact geodesic distance on the WGS-84 ellipsoid (identical to geopy's ``geodesic(...).km``)."""
    s12: float = _WGS84_KM.Inverse(lat1, lon1, lat2, lon2, _DISTANCE)["s12"]
    return s12


_A, _F = 6378.137, 1 / 298.257223563
_B = _A * (1 - _F)
_EP2 = (_A * _A - _B * _B) / (_B * _B)
# Shown distances are rounded to 0.01 km (API) or 0.1 km (pages); every rounding boundary of either (and of whole km)
# is a multiple of 0.005 km. Within this distance of one, the exact geodesic decides; elsewhere Vincenty's value,
# which differs from the exact geodesic by at most ~4e-9 km in the Netherlands (tests/unit/test_geo_exact.py checks
# 1e-8; 220,000 random pairs measured 3.9e-9), rounds the same. 1e-6 km leaves a margin of 100x.
SHOWN_GUARD_KM = 1e-6
_ROUNDING_STEP_KM = 0.005


def vincenty_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float | None:
    """Vincenty's inverse formula on the WGS-84 ellipsoid (T. Vincenty, Survey Review XXIII, 1975), in km;
    None where it does not converge (nearly antipodal points, never within the Netherlands)."""
    sin, cos = math.sin, math.cos
    lam = big_l = math.radians(lon2 - lon1)
    u1 = math.atan((1 - _F) * math.tan(math.radians(lat1)))
    u2 = math.atan((1 - _F) * math.tan(math.radians(lat2)))
    sin_u1, cos_u1, sin_u2, cos_u2 = sin(u1), cos(u1), sin(u2), cos(u2)
    for _ in range(100):
        sin_lam, cos_lam = sin(lam), cos(lam)
        sin_sigma = math.hypot(cos_u2 * sin_lam, cos_u1 * sin_u2 - sin_u1 * cos_u2 * cos_lam)
        if sin_sigma == 0:
            return 0.0  # the same point
        cos_sigma = sin_u1 * sin_u2 + cos_u1 * cos_u2 * cos_lam
        sigma = math.atan2(sin_sigma, cos_sigma)
        sin_alpha = cos_u1 * cos_u2 * sin_lam / sin_sigma
        cos2_alpha = 1 - sin_alpha * sin_alpha
        cos_2sm = cos_sigma - 2 * sin_u1 * sin_u2 / cos2_alpha if cos2_alpha else 0.0
        c = _F / 16 * cos2_alpha * (4 + _F * (4 - 3 * cos2_alpha))
        previous = lam
        lam = big_l + (1 - c) * _F * sin_alpha * (
            sigma + c * sin_sigma * (cos_2sm + c * cos_sigma * (-1 + 2 * cos_2sm * cos_2sm))
        )
        if abs(lam - previous) < 1e-12:
            break
    else:
        return None
    usq = cos2_alpha * _EP2
    a = 1 + usq / 16384 * (4096 + usq * (-768 + usq * (320 - 175 * usq)))
    b = usq / 1024 * (256 + usq * (-128 + usq * (74 - 47 * usq)))
    delta_sigma = (
        b
        * sin_sigma
        * (
            cos_2sm
            + b
            / 4
            * (
                cos_sigma * (-1 + 2 * cos_2sm * cos_2sm)
                - b / 6 * cos_2sm * (-3 + 4 * sin_sigma * sin_sigma) * (-3 + 4 * cos_2sm * cos_2sm)
            )
        )
    )
    return _B * a * (sigma - delta_sigma)


def shown_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """A distance to show (rounded to 0.01 or 0.1 km): it rounds exactly as ``geodesic_km`` does, at ~1/13 of
    its cost. Vincenty's value, or the exact geodesic within ``SHOWN_GUARD_KM`` of a rounding boundary."""
    d = vincenty_km(lat1, lon1, lat2, lon2)
    if d is None:
        return geodesic_km(lat1, lon1, lat2, lon2)
    steps = d / _ROUNDING_STEP_KM
    if abs(steps - round(steps)) * _ROUNDING_STEP_KM < SHOWN_GUARD_KM:
        return geodesic_km(lat1, lon1, lat2, lon2)
    return d


@lru_cache(maxsize=1)
def known_region_codes() -> frozenset[str]:
    """The jeugdregio codes of the shipped reference data (the same rows ``flask setup`` loads)."""
    with open(DATA_DIR / "jeugdregios.csv", encoding="utf-8", newline="") as fh:
        return frozenset(row["jeugdregio_code"] for row in csv.DictReader(fh))


@lru_cache(maxsize=1)
def known_municipality_codes() -> frozenset[str]:
    """The CBS gemeente codes of the shipped reference data."""
    with open(DATA_DIR / "gemeenten.csv", encoding="utf-8", newline="") as fh:
        return frozenset(row["gemeente_code"] for row in csv.DictReader(fh))
