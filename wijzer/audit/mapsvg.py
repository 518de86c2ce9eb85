"""Server-side SVG map of a region's gemeenten coloured by coverage gaps (works offline)."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from functools import lru_cache

from markupsafe import Markup, escape

from wijzer.geo import DATA_DIR

COLOURS = {0: "#2e7d32", 1: "#f9a825", 2: "#ef6c00", 3: "#c62828", 4: "#7f0000"}
LEGEND = {
    0: "geen gaten",
    1: "1 zorgsoort mist",
    2: "2 zorgsoorten missen",
    3: "3 zorgsoorten missen",
    4: "alle 4 zorgsoorten missen",
}


@lru_cache(maxsize=1)
def _features() -> dict[str, dict]:
    data = json.loads((DATA_DIR / "gemeenten.geojson").read_text(encoding="utf-8"))
    return {f["properties"]["gemeente_code"]: f for f in data["features"]}


def _rings(geometry: dict):
    polys = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    for poly in polys:
        yield from poly


def region_map(
    gemeenten: Sequence[tuple[str, str]], gaps_per_gemeente: dict[str, int], width: int = 640
) -> Markup:
    """gemeenten: [(code, name)]; gaps_per_gemeente: code -> number of care types not covered."""
    feats = [(code, name, _features()[code]) for code, name in gemeenten if code in _features()]
    if not feats:
        return Markup("")
    lons = [pt[0] for _, _, f in feats for ring in _rings(f["geometry"]) for pt in ring]
    lats = [pt[1] for _, _, f in feats for ring in _rings(f["geometry"]) for pt in ring]
    kx = math.cos(math.radians((min(lats) + max(lats)) / 2))
    w_deg, h_deg = (max(lons) - min(lons)) * kx or 1e-6, (max(lats) - min(lats)) or 1e-6
    scale = (width - 20) / w_deg
    height = int(h_deg * scale) + 20
    paths = []
    for code, name, f in feats:
        d = []
        for ring in _rings(f["geometry"]):
            pts = [
                f"{10 + (lon - min(lons)) * kx * scale:.1f},{10 + (max(lats) - lat) * scale:.1f}"
                for lon, lat in ring
            ]
            d.append("M" + "L".join(pts) + "Z")
        gaps = gaps_per_gemeente.get(code, 0)
        paths.append(
            f'<path d="{"".join(d)}" fill="{COLOURS[min(gaps, 4)]}" stroke="#fff" stroke-width="1">'
            f"<title>{escape(name)}: {LEGEND[min(gaps, 4)]}</title></path>"
        )
    return Markup(  # noqa: S704 — every text in the paths is escaped above; the rest are numbers
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="region-map" role="img" '
        f'aria-labelledby="map-title"><title id="map-title">Kaart van de gemeenten in de regio, gekleurd naar '
        f"het aantal zorgsoorten zonder aanbod binnen reisafstand</title>{''.join(paths)}</svg>"
    )
