"""The measures of the region figures, the trends and the snapshots, declared once: key, Dutch label and kind.
The exports' columns (``wijzer/audit/routes.py``), the API's response models (``RegionFigures`` and
``TrendWeek`` in ``wijzer/schemas_responses.py``, and so the OpenAPI document) and the measure tuples of
``services.regions`` and ``services.trends`` are all made from this list."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Measure:
    key: str
    label: str  # Dutch, as a column header
    kind: str  # int | num (weeks, may be empty) | pct (a share 0…1, may be empty)


MEASURES: dict[str, Measure] = {
    m.key: m
    for m in (
        Measure("offerings", "Aanbod", "int"),
        Measure("providers", "Aanbieders", "int"),
        Measure("free_places", "Vrije plekken", "int"),
        Measure("median_wait_intake", "Mediaan wachttijd aanmelding (weken)", "num"),
        Measure("p90_wait_intake", "P90 wachttijd aanmelding (weken)", "num"),
        Measure("median_wait_treatment", "Mediaan wachttijd behandeling (weken)", "num"),
        Measure("p90_wait_treatment", "P90 wachttijd behandeling (weken)", "num"),
        Measure("share_over_norm_intake", "Boven norm aanmelding", "pct"),
        Measure("share_over_norm_treatment", "Boven norm behandeling", "pct"),
        Measure("share_stale", "Verouderd", "pct"),
        Measure("occupancy", "Bezetting", "pct"),
        Measure("no_place_reports_4w", "Gebeld: geen plek (4 weken)", "int"),
        Measure("no_place_reports", "Gebeld: geen plek", "int"),
    )
}
# Today's figures per care type (audit page, API, national overview): no-place reports of the last 4 weeks.
FIGURE_MEASURES: tuple[str, ...] = tuple(k for k in MEASURES if k != "no_place_reports")
# A week of the trends: no providers (not reconstructed), no treatment norm, no-place reports of that week.
TREND_MEASURES: tuple[str, ...] = tuple(
    k for k in MEASURES if k not in ("providers", "share_over_norm_treatment", "no_place_reports_4w")
)
# A stored nightly snapshot: every figure, with the no-place reports of the ISO week so far.
SNAPSHOT_MEASURES: tuple[str, ...] = tuple(k for k in MEASURES if k != "no_place_reports_4w")
