"""The JSON API's response bodies as pydantic models, for the OpenAPI document only.

The endpoints build their answers as plain dicts (``hit_json``, ``request_json``, ``region_audit`` …) and
never go through these models: validating every search hit would cost time on the hottest path. These models
describe those dicts; ``wijzer.api.openapi`` turns them into ``components.schemas``, and the tests in
``tests/api/test_openapi_responses.py`` check real answers against the document. Every model forbids other
fields (``additionalProperties: false``) and every field is required: an answer with a field that is missing
here, or without a field that is here, fails those tests.

The region figures and the trend weeks are generated from the measure catalogue (``services.measures``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, create_model

from wijzer import domain
from wijzer.schemas import IntakeStatus
from wijzer.schemas_placement import DECLINE_REASONS, STATUS_LABELS
from wijzer.services.measures import FIGURE_MEASURES, MEASURES, TREND_MEASURES
from wijzer.services.search import FRESHNESS

CareType = Annotated[str, WithJsonSchema({"type": "string", "enum": list(domain.CARE_TYPES)})]
Freshness = Annotated[str, WithJsonSchema({"type": "string", "enum": list(FRESHNESS)})]
Basis = Annotated[str, WithJsonSchema({"type": "string", "enum": ["location", "contract"]})]
ItemStatus = Annotated[str, WithJsonSchema({"type": "string", "enum": list(STATUS_LABELS)})]
DeclineReason = Annotated[
    str | None, WithJsonSchema({"type": ["string", "null"], "enum": [*DECLINE_REASONS, None]})
]
Count = Annotated[int, Field(ge=0)]
NullableCount = Annotated[int | None, Field(ge=0)]


class _Response(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------- search and offerings
class ResultProvider(_Response):
    """De aanbieder van een zoekresultaat."""

    id: int
    name: str
    kvk: str = Field(description="KvK-nummer")
    phone: str | None
    email: str | None
    website: str | None


class ResultLocation(_Response):
    """De locatie van een zoekresultaat."""

    id: int
    name: str
    postcode: str
    city: str | None
    municipality_code: str = Field(description="CBS-gemeentecode")
    region_code: str = Field(description="Jeugdregiocode")
    lat: float
    lon: float


class SearchResult(_Response):
    """Eén aanbod in de zoekresultaten: de huidige stand; null = onbekend."""

    offering_id: int
    offering_ref: str = Field(description="Eigen kenmerk van het aanbod")
    name: str | None
    care_type: CareType
    tags: list[str] = Field(description="Doelgroepen (codes)")
    min_age: int
    max_age: int
    modalities: list[str] = Field(description="Vormen (codes)")
    funding: list[str] = Field(description="Financiering (codes)")
    provider: ResultProvider
    location: ResultLocation
    distance_km: float | None = Field(
        description="Afstand vanaf de postcode van het gezin; null zonder postcode"
    )
    free_places: NullableCount = Field(
        description="Gemelde vrije plekken min actief vastgehouden plekken (nooit onder nul)"
    )
    held_places: Count = Field(description="Plekken vastgehouden voor een geaccepteerd plaatsingsverzoek")
    total_places: int | None
    waiting_weeks_intake: int | None = Field(description="Aanmeldingswachttijd in weken")
    waiting_weeks_treatment: int | None = Field(description="Behandelingswachttijd in weken")
    intake_status: IntakeStatus
    waitlist_length: int | None
    next_free_date: date | None = Field(description="Verwachte datum van de volgende vrije plek")
    place_now: bool = Field(description="Direct plek: vrije plek, intake open, recent bevestigd")
    expected_start_days: int | None = Field(
        description="Dagen tot de verwachte start: verwachte vrije plek, "
        "anders (aanmeldings- + behandelingswachttijd) x 7; null = onbekend"
    )
    contract_regions: list[str] = Field(description="Jeugdregio's die dit aanbod contracteren (codes)")
    contracted_for_family: bool | None = Field(
        description="Contracteert de jeugdregio van de postcode dit aanbod? null zonder postcode"
    )
    last_confirmed_at: datetime | None = Field(description="Laatste bevestiging (ISO 8601, UTC)")
    freshness: Freshness = Field(description="Versheid van de laatste bevestiging")


class SearchResults(_Response):
    """Antwoord op GET /api/v1/search: de resultaten, gerangschikt."""

    total: Count = Field(description="Aantal resultaten in totaal (alle pagina's)")
    results: list[SearchResult]


class HistoryEntry(_Response):
    """Eén melding in de historie van een aanbod."""

    reported_at: datetime
    kind: str = Field(description="update of confirm")
    source: str = Field(description="portal, import, api of email_link")
    free_places: int | None
    waiting_weeks_intake: int | None
    waiting_weeks_treatment: int | None
    waitlist_length: int | None
    intake_status: IntakeStatus


class OfferingDetail(SearchResult):
    """Antwoord op GET /api/v1/offerings/{offering_id}: het zoekresultaat met omschrijving en historie."""

    description: str | None
    category: str | None = Field(description="Productcategorie (iJw JZ020)")
    crisis_intake: bool
    status_until: date | None = Field(description="Einddatum van een tijdelijke intakestatus")
    note: str | None = Field(description="Toelichting van de aanbieder")
    available_now: bool = Field(description="Gelijk aan place_now")
    history: list[HistoryEntry] = Field(description="De laatste 200 meldingen, nieuwste eerst")


class Health(_Response):
    """Antwoord op GET /api/v1/health."""

    status: str = Field(description="ok")


# ---------------------------------------------------------------- alerts
class Alert(_Response):
    """Een bewaarde zoekopdracht ("Houd me op de hoogte")."""

    id: int
    label: str
    filters: dict[str, str] = Field(description="De zoekparameters zoals bewaard")
    created_at: datetime
    expires_at: datetime
    paused: bool


class AlertList(_Response):
    """Antwoord op GET /api/v1/alerts."""

    alerts: list[Alert]


# ---------------------------------------------------------------- plaatsingsverzoek
class PlacementItem(_Response):
    """Eén onderdeel van een plaatsingsverzoek: één gevraagd aanbod."""

    id: int
    offering_id: int
    provider_id: int
    provider_name: str
    status: ItemStatus
    status_label: str = Field(description="De status in het Nederlands")
    answer_due_at: datetime = Field(description="Uiterlijk antwoordmoment van de aanbieder")
    answered_at: datetime | None
    hold_until: date | None = Field(description="Bij accept: laatste dag dat de plek wordt vastgehouden")
    reason: DeclineReason = Field(description="Bij decline: de reden")
    earliest_start: date | None = Field(description="Bij counter: vroegst mogelijke start")


class PlacementReferrer(_Response):
    name: str
    email: str


class PlacementRequest(_Response):
    """Een plaatsingsverzoek. Na de bewaartermijn zijn leeftijd, doelgroep, vorm, start, toelichting,
    kenmerk en verwijzer gewist (null of leeg)."""

    id: int
    care_type: CareType
    modality: str | None
    age: int | None
    tags: list[str]
    gemeente_code: str = Field(description="Gemeente van het gezin (CBS-code)")
    region_code: str = Field(description="Jeugdregio van het gezin")
    start_from: date | None
    start_to: date | None
    note: str | None
    reference: str | None = Field(description="Eigen kenmerk van de verwijzer")
    referrer: PlacementReferrer | None
    created_at: datetime
    closed_at: datetime | None
    items: list[PlacementItem] = Field(description="Een aanbieder ziet alleen de eigen onderdelen")


class PlacementItemCreated(_Response):
    id: int
    offering_id: int
    status: ItemStatus


class PlacementRequestCreated(_Response):
    """Antwoord op POST /api/v1/requests."""

    id: int
    items: list[PlacementItemCreated]


class PlacementRequestList(_Response):
    """Antwoord op GET /api/v1/requests."""

    total: Count = Field(description="Aantal verzoeken in totaal (alle pagina's)")
    requests: list[PlacementRequest]


# ---------------------------------------------------------------- region figures, from the measure catalogue
_MEASURE_TYPES: dict[str, Any] = {"int": Count, "num": float | None, "pct": float | None}
_MEASURE_NOTES = {"int": "", "num": "", "pct": " (fractie 0–1)"}


def _measure_fields(keys: tuple[str, ...]) -> dict[str, Any]:
    """create_model fields of the given measures: type by kind, the Dutch label as description."""
    return {
        k: (_MEASURE_TYPES[m.kind], Field(description=m.label + _MEASURE_NOTES[m.kind]))
        for k, m in ((k, MEASURES[k]) for k in keys)
    }


RegionFigures: type[BaseModel] = create_model(
    "RegionFigures",
    __base__=_Response,
    __doc__="De cijfers van één zorgsoort in de regio, nu.",
    care_type=(CareType, ...),
    **_measure_fields(FIGURE_MEASURES),
)
TrendWeek: type[BaseModel] = create_model(
    "TrendWeek",
    __base__=_Response,
    __doc__="De cijfers van één zorgsoort in één ISO-week, herleid uit de meldingshistorie.",
    week=(str, Field(pattern=r"^[0-9]{4}-W[0-9]{2}$", description="ISO-week, bijvoorbeeld 2026-W41")),
    care_type=(CareType, ...),
    **_measure_fields(TREND_MEASURES),
)


class AuditRegion(_Response):
    code: str
    name: str


class CoverageGap(_Response):
    """Een gemeente en zorgsoort: is er aanbod binnen bereik?"""

    municipality_code: str
    care_type: CareType
    covered: bool
    nearest_km: float | None = Field(
        description="Afstand tot het dichtstbijzijnde aanbod; null als er geen is"
    )


class RegionAudit(_Response):
    """Antwoord op GET /api/v1/regions/{code}/audit."""

    region: AuditRegion
    basis: Basis = Field(
        description="location: aanbod op een locatie in de regio; contract: door de regio gecontracteerd"
    )
    care_types: list[RegionFigures]
    gaps: list[CoverageGap]


class RegionTrends(_Response):
    """Antwoord op GET /api/v1/regions/{code}/trends."""

    region: str = Field(description="Jeugdregiocode")
    basis: Basis
    from_: date = Field(alias="from", description="Eerste dag van de periode")
    to: date = Field(description="Laatste dag van de periode")
    weeks: list[TrendWeek]
