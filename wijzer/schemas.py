"""Non-table models: the input rules shared by portal forms, importers and the API.

Every rule that decides whether a value may be stored lives here (or, where it needs the database,
in a service), so the portal, the CSV/XLSX importers and the JSON API accept exactly the same data.
Messages are Dutch; ``errors_by_field`` turns a ValidationError into {field: message}.

Range limits are declared once, as ``Range``/``Count`` metadata on the field's type: pydantic checks them,
they appear in the JSON schema (and so in the OpenAPI document, see ``wijzer.api.openapi``), and
``errors_by_field`` renders the metadata's Dutch message when a value falls outside them.
"""

from __future__ import annotations

import dataclasses
import re
import types
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Annotated, Any, Self, TypeVar, Union, get_args, get_origin

import annotated_types
from email_validator import EmailNotValidError, validate_email
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    create_model,
    field_validator,
    model_validator,
)

from wijzer import domain
from wijzer.geo import PostcodeError, known_municipality_codes, known_region_codes, normalise_postcode
from wijzer.timeutil import to_utc, today_local, utcnow

KVK_RE = re.compile(r"^\d{8}$")
AGB_RE = re.compile(r"^\d{8}$")
REF_RE = re.compile(r"^[A-Za-z0-9._\-/]{1,64}$")
PHONE_RE = re.compile(r"^[0-9+()\- ]{6,30}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

_TYPE_MESSAGES = {
    "int_parsing": "Vul een heel getal in.",
    "int_type": "Vul een heel getal in.",
    "int_from_float": "Vul een heel getal in.",
    "date_parsing": "Vul een geldige datum in (JJJJ-MM-DD).",
    "date_from_datetime_parsing": "Vul een geldige datum in (JJJJ-MM-DD).",
    "date_type": "Vul een geldige datum in (JJJJ-MM-DD).",
    "datetime_parsing": "Vul een geldig tijdstip in (ISO 8601).",
    "datetime_from_date_parsing": "Vul een geldig tijdstip in (ISO 8601).",
    "datetime_type": "Vul een geldig tijdstip in (ISO 8601).",
    "missing": "Dit veld is verplicht.",
    "string_type": "Vul tekst in.",
    "bool_parsing": "Vul ja of nee in.",
    "extra_forbidden": "Onbekend veld.",
}


@dataclasses.dataclass(frozen=True, kw_only=True)
class Range(annotated_types.Interval):
    """Bounds of a number with the Dutch message for a value outside them.

    pydantic reads the bounds like ``Field(ge=..., le=...)`` (so they are checked and appear in the JSON
    schema as minimum/maximum); ``message`` may name them as {ge}, {le}, {gt} and {lt}.
    """

    message: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class Count(annotated_types.Len):
    """Length bounds of a list with the Dutch message; ``message`` may name {min_length} and {max_length}."""

    message: str


# Errors of the bounds above; the error of a non-finite number (NaN, inf) gets the range message too.
_RANGE_ERRORS = frozenset(
    {"greater_than", "greater_than_equal", "less_than", "less_than_equal", "finite_number"}
)
_COUNT_ERRORS = frozenset({"too_short", "too_long"})


def _bound_in(annotation: Any, kind: type[Range] | type[Count], depth: int) -> Range | Count | None:
    """The ``kind`` metadata in ``annotation``, ``depth`` list levels down (0: the field itself)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        inner, *metadata = get_args(annotation)
        found = next((m for m in metadata if isinstance(m, kind)), None) if depth == 0 else None
        return found or _bound_in(inner, kind, depth)
    if origin in (Union, types.UnionType):
        for arg in get_args(annotation):
            found = _bound_in(arg, kind, depth)
            if found is not None:
                return found
        return None
    if depth > 0 and origin in (list, tuple, set, frozenset):
        args = get_args(annotation)
        return _bound_in(args[0], kind, depth - 1) if args else None
    return None


def _bound_message(model: type[BaseModel] | None, error_type: str, loc: Sequence[int | str]) -> str | None:
    """The Dutch message of the Range/Count that ``error_type`` at ``loc`` broke, if the field declares one."""
    kind: type[Range] | type[Count]
    if error_type in _RANGE_ERRORS:
        kind = Range
    elif error_type in _COUNT_ERRORS:
        kind = Count
    else:
        return None
    field = model.model_fields.get(str(loc[0])) if model is not None and loc else None
    if field is None:
        return None
    depth = sum(isinstance(p, int) for p in loc[1:])
    bound = next((m for m in field.metadata if isinstance(m, kind)), None) if depth == 0 else None
    bound = bound or _bound_in(field.annotation, kind, depth)
    if bound is None:
        return None
    values = {f.name: getattr(bound, f.name) for f in dataclasses.fields(bound) if f.name != "message"}
    return bound.message.format(**values)


def errors_by_field(exc: ValidationError, model: type[BaseModel] | None = None) -> dict[str, str]:
    """First Dutch message per field ('__all__' for whole-record errors).

    With ``model``, a value outside a field's ``Range``/``Count`` gets that metadata's message.
    """
    out: dict[str, str] = {}
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if not isinstance(p, int)]
        field = loc[0] if loc else "__all__"
        bound_message = _bound_message(model, err["type"], err.get("loc", ()))
        if bound_message is not None:
            msg = bound_message
        elif err["type"] in ("value_error", "assertion_error"):
            msg = str(err.get("ctx", {}).get("error", err["msg"]))
        elif err["type"] == "string_too_long":
            msg = f"Hoogstens {err['ctx']['max_length']} tekens."
        else:
            msg = _TYPE_MESSAGES.get(err["type"], err["msg"])
        out.setdefault(field, msg)
    return out


def normalise_email(value: Any) -> str:
    """One e-mail address, validated as an address by email-validator (no ``mailto:``, ``?bcc=``, ``body=``,
    display names or lists; no special-use domains such as localhost), lower-cased. ValueError otherwise.

    Used by every place that accepts an address: the provider contact, invitations and accounts.
    """
    v = str(value or "").strip()
    if not v or len(v) > 254:
        raise ValueError("Vul een geldig e-mailadres in.")
    try:
        info = validate_email(v, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        raise ValueError("Vul een geldig e-mailadres in.") from None
    return info.normalized.lower()


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _codes(value: Any, separators: str, message: str) -> list[str]:
    """A list of lower-case codes from a list or a string split on ``separators`` (a regex class); blanks dropped."""
    if value is None:
        return []
    if isinstance(value, str):
        parts = re.split(separators, value)
    elif isinstance(value, (list, tuple, set)):
        parts = list(value)
    else:
        raise ValueError(message)
    stripped = (str(p).strip() for p in parts)
    return [p.lower() for p in stripped if p]


def _split_list(value: Any) -> list[str]:
    """Codes of a file cell or form: separated by | or a comma."""
    return _codes(value, r"[|,]", "Geef een lijst van codes, gescheiden door | of een komma.")


def _check_codes(values: list[str], allowed: dict[str, str], what: str) -> list[str]:
    values = [domain.code_for(allowed, v) or v for v in values]  # Dutch labels as well as codes
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ValueError(f"Onbekende {what}: {', '.join(unknown)}. Kies uit: {', '.join(allowed)}.")
    return list(dict.fromkeys(values))


def _care_type_code(value: Any) -> str:
    """'Specialistische jeugdhulp', 'specialistische-jeugdhulp' ... -> 'specialistische_jeugdhulp'."""
    v = domain.code_for(domain.CARE_TYPES, value) or str(value or "").strip().lower().replace(
        "-", "_"
    ).replace(" ", "_")
    if v not in domain.CARE_TYPES:
        raise ValueError(f"Onbekende zorgsoort '{v}'. Kies uit: {', '.join(domain.CARE_TYPES)}.")
    return v


class _Base(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")


MAX_FUTURE_DAYS = 5 * 366  # an end date or next free place more than five years ahead is a typo
EARLIEST_REPORT = datetime(2000, 1, 1, tzinfo=UTC)

FreePlaces = Annotated[
    int,
    Range(ge=0, le=domain.MAX_PLACES, message="Het aantal vrije plekken moet tussen {ge} en {le} liggen."),
]
TotalPlaces = Annotated[
    int,
    Range(
        ge=0, le=domain.MAX_PLACES, message="Het aantal plekken in totaal moet tussen {ge} en {le} liggen."
    ),
]
WaitWeeks = Annotated[
    int, Range(ge=0, le=domain.MAX_WAIT_WEEKS, message="Een wachttijd moet tussen {ge} en {le} weken liggen.")
]
WaitlistLength = Annotated[
    int,
    Range(ge=0, le=domain.MAX_WAITLIST, message="De wachtlijst moet tussen {ge} en {le} wachtenden hebben."),
]
Age = Annotated[
    int, Range(ge=domain.MIN_AGE, le=domain.MAX_AGE, message="Een leeftijd ligt tussen {ge} en {le} jaar.")
]
# None only stands for "not given" (a partial record keeps the current status); an explicit null is refused.
# null (or empty) means "unknown" (merge-patch: an absent key keeps the value), so null is in the schema too.
IntakeStatus = Annotated[
    str | None, WithJsonSchema({"type": ["string", "null"], "enum": [*domain.INTAKE_STATUSES, None]})
]


class CapacityQuery(BaseModel):
    """The query of ``POST /api/v1/capacity``: validated by this model and documented from it."""

    model_config = ConfigDict(extra="forbid")

    dry_run: bool = Field(default=False, description="Alleen controleren, niets opslaan (true/false, ja/nee)")

    @field_validator("dry_run", mode="before")
    @classmethod
    def _dutch_yes_no(cls, v: Any) -> Any:
        if isinstance(v, str):
            return {"ja": True, "nee": False}.get(v.strip().lower(), v.strip())
        return v


class CapacityInput(_Base):
    """One capacity report (portal form row, capacity file row, API record): format and range rules.

    Every field is optional: on partial paths (file without a column, API record without a key) an
    absent field keeps the offering's current value, while an explicit empty value means "unknown"
    (``model_fields_set`` tells them apart). The rules on the resulting state — an intake status is
    needed, an expired temporary status must be answered, free places may not exceed total places —
    live in ``services.availability.state_problems``, shared by every path.
    """

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    free_places: FreePlaces | None = None
    total_places: TotalPlaces | None = None
    wait_intake: WaitWeeks | None = Field(default=None, description="Aanmeldingswachttijd in weken")
    wait_treatment: WaitWeeks | None = Field(default=None, description="Behandelingswachttijd in weken")
    waitlist_length: WaitlistLength | None = None
    intake_status: IntakeStatus = None
    status_until: date | None = None
    next_free_date: date | None = None
    note: str | None = Field(default=None, max_length=500)

    _blank = field_validator(
        "free_places",
        "total_places",
        "wait_intake",
        "wait_treatment",
        "waitlist_length",
        "status_until",
        "next_free_date",
        "note",
        "intake_status",
        mode="before",
    )(_blank_to_none)

    @field_validator("intake_status", mode="before")
    @classmethod
    def _status(cls, v: Any) -> Any:
        v = _blank_to_none(v)
        if v is None:
            raise ValueError("Kies een intakestatus.")
        v = domain.code_for(domain.INTAKE_STATUSES, v) or str(v).strip().lower()  # 'Alleen crisis' too
        if v not in domain.INTAKE_STATUSES:
            raise ValueError(f"Onbekende intakestatus '{v}'. Kies uit: {', '.join(domain.INTAKE_STATUSES)}.")
        return v

    @field_validator("status_until", "next_free_date")
    @classmethod
    def _not_far_ahead(cls, v: date | None) -> date | None:
        if v is not None and (v - today_local()).days > MAX_FUTURE_DAYS:
            raise ValueError("Deze datum ligt meer dan vijf jaar in de toekomst.")
        return v


class ReportedAt(_Base):
    """Optional report time of an imported/API capacity record: ISO 8601, from 2000 on, not in the future.

    Without a UTC offset the time is read as Dutch local time.
    """

    reported_at: datetime | None = None

    _blank = field_validator("reported_at", mode="before")(_blank_to_none)

    @field_validator("reported_at")
    @classmethod
    def _in_range(cls, v: datetime | None) -> datetime | None:
        if v is None:
            return v
        try:
            v = to_utc(v)
        except (OverflowError, ValueError):
            raise ValueError("Het meldmoment (reported_at) ligt buiten het geldige bereik.") from None
        if v < EARLIEST_REPORT:
            raise ValueError("Het meldmoment (reported_at) ligt voor 2000.")
        if (v - utcnow()).total_seconds() > 300:  # 5 minutes clock skew
            raise ValueError("Het meldmoment (reported_at) ligt in de toekomst.")
        return v


# The capacity record of a file row or of ``POST /api/v1/capacity``: the CapacityInput fields under their
# column names, the offering's key (kvk, offering_ref) and reported_at. Generated from those models for the
# OpenAPI document; the importer validates a record with CapacityInput and ReportedAt themselves.
CAPACITY_COLUMN_NAMES = {"wait_intake": "waiting_weeks_intake", "wait_treatment": "waiting_weeks_treatment"}
_RECORD_FIELDS: dict[str, Any] = {
    "kvk": (str, Field(description="KvK-nummer van de aanbieder")),
    "offering_ref": (str, Field(description="Eigen kenmerk van het aanbod")),
    **{
        CAPACITY_COLUMN_NAMES.get(name, name): (field.annotation, field)
        for name, field in {**CapacityInput.model_fields, **ReportedAt.model_fields}.items()
    },
}
CapacityRecord: type[BaseModel] = create_model(
    "CapacityRecord",
    __config__=ConfigDict(extra="forbid"),
    __doc__="Een veld dat ontbreekt houdt zijn huidige waarde; null betekent 'onbekend'. Een eerste melding "
    "voor een aanbod heeft een intake_status nodig. Onbekende velden geven 422.",
    **_RECORD_FIELDS,
)


class ProviderInput(_Base):
    name: str
    kvk: str
    agb: str | None = None
    website: str | None = None
    phone: str | None = None
    email: str | None = None

    _blank = field_validator("agb", "website", "phone", "email", mode="before")(_blank_to_none)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not v or len(v) > 200:
            raise ValueError("Vul een naam in (hoogstens 200 tekens).")
        return v

    @field_validator("kvk", mode="before")
    @classmethod
    def _kvk(cls, v: Any) -> str:
        kvk = re.sub(r"\s", "", str(v or ""))
        if kvk.isdigit() and len(kvk) < 8:
            kvk = kvk.zfill(8)
        if not KVK_RE.match(kvk):
            raise ValueError("Een KvK-nummer bestaat uit 8 cijfers.")
        return kvk

    @field_validator("agb")
    @classmethod
    def _agb(cls, v: str | None) -> str | None:
        if v is not None and not AGB_RE.match(v):
            raise ValueError("Een AGB-code bestaat uit 8 cijfers.")
        return v

    @field_validator("website")
    @classmethod
    def _website(cls, v: str | None) -> str | None:
        if v is None:
            return v
        if not re.match(r"^https?://", v):
            v = "https://" + v
        if len(v) > 300 or " " in v or "." not in v:
            raise ValueError("Vul een geldig webadres in, bijvoorbeeld https://www.voorbeeld.nl.")
        return v

    @field_validator("phone")
    @classmethod
    def _phone(cls, v: str | None) -> str | None:
        if v is not None and not PHONE_RE.match(v):
            raise ValueError("Vul een geldig telefoonnummer in, bijvoorbeeld 030-1234567.")
        return v

    @field_validator("email")
    @classmethod
    def _email(cls, v: str | None) -> str | None:
        return None if v is None else normalise_email(v)


class LocationInput(_Base):
    name: str
    street: str | None = Field(default=None, max_length=120)
    house_number: str | None = Field(default=None, max_length=20)
    postcode: str
    city: str | None = Field(default=None, max_length=120)

    _blank = field_validator("street", "house_number", "city", mode="before")(_blank_to_none)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not v or len(v) > 200:
            raise ValueError("Vul een naam van de locatie in (hoogstens 200 tekens).")
        return v

    @field_validator("postcode", mode="before")
    @classmethod
    def _postcode(cls, v: Any) -> str:
        try:
            return normalise_postcode(str(v or ""))
        except PostcodeError as exc:
            raise ValueError(str(exc)) from None


class OfferingInput(_Base):
    offering_ref: str
    name: str | None = Field(default=None, max_length=200)
    care_type: str
    tags: list[str] = []
    min_age: Age = 0
    max_age: Age = 18
    modalities: list[str] = []
    funding: list[str] = []
    contract_regions: list[str] = []
    category: str | None = None
    description: str | None = Field(default=None, max_length=4000)
    crisis_intake: bool = False

    _blank = field_validator("name", "category", "description", mode="before")(_blank_to_none)

    @field_validator("offering_ref", mode="before")
    @classmethod
    def _ref(cls, v: Any) -> str:
        ref = str(v or "").strip()
        if not REF_RE.match(ref):
            raise ValueError("Vul een eigen kenmerk in: 1–64 tekens, letters, cijfers en . _ - /.")
        return ref

    @field_validator("care_type", mode="before")
    @classmethod
    def _care_type(cls, v: Any) -> str:
        return _care_type_code(v)

    @field_validator("tags", mode="before")
    @classmethod
    def _tags(cls, v: Any) -> list[str]:
        return _check_codes(_split_list(v), domain.TAGS, "doelgroep")

    @field_validator("modalities", mode="before")
    @classmethod
    def _modalities(cls, v: Any) -> list[str]:
        return _check_codes(_split_list(v), domain.MODALITIES, "vorm")

    @field_validator("funding", mode="before")
    @classmethod
    def _funding(cls, v: Any) -> list[str]:
        return _check_codes(_split_list(v), domain.FUNDING, "financiering")

    @field_validator("contract_regions", mode="before")
    @classmethod
    def _regions(cls, v: Any) -> list[str]:
        values = [x.upper() for x in _split_list(v)]
        bad = [x for x in values if x not in known_region_codes()]
        if bad:
            raise ValueError(
                f"Onbekende jeugdregio: {', '.join(bad)} (gebruik een bestaande code zoals JZ22)."
            )
        return list(dict.fromkeys(values))

    @field_validator("min_age", "max_age", mode="before")
    @classmethod
    def _age_blank(cls, v: Any) -> Any:
        return None if isinstance(v, str) and not v.strip() else v

    @field_validator("category")
    @classmethod
    def _category(cls, v: str | None) -> str | None:
        if v is not None and v not in domain.JZ020_CATEGORIES:
            raise ValueError("Onbekende productcategorie (iJw JZ020, 40–55).")
        return v

    @model_validator(mode="after")
    def _ages(self) -> Self:
        if self.min_age > self.max_age:
            raise ValueError("De minimumleeftijd is hoger dan de maximumleeftijd.")
        return self


_Model = TypeVar("_Model", bound=BaseModel)


def validate(model: type[_Model], data: Mapping[str, Any]) -> tuple[_Model | None, dict[str, str]]:
    """Validate ``data``; return (instance, {}) or (None, {field: Dutch message})."""
    try:
        return model.model_validate(data), {}
    except ValidationError as exc:
        return None, errors_by_field(exc, model)


def _csv(value: Any) -> list[str]:
    """Codes of a search parameter: separated by commas."""
    return _codes(value, ",", "Geef de codes gescheiden door komma's.")


REGION_CODE_PATTERN = r"^JZ\d{2}$"
GEMEENTE_CODE_PATTERN = r"^GM\d{4}$"
# Checked (after upper-casing) by SearchFilters._area_code; the pattern is shown in the JSON schema.
RegionCode = Annotated[str, WithJsonSchema({"type": "string", "pattern": REGION_CODE_PATTERN})]
GemeenteCode = Annotated[str, WithJsonSchema({"type": "string", "pattern": GEMEENTE_CODE_PATTERN})]

# Orders a search can be shown in besides the ranking (the table view's sortable columns).
SEARCH_SORTS = {"start": "verwachte start", "afstand": "afstand", "plekken": "vrije plekken"}


class SearchFilters(_Base):
    """Search parameters, shared by the finder pages, the JSON API and the region audit."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    care_type: Annotated[str, WithJsonSchema({"type": "string", "enum": list(domain.CARE_TYPES)})] | None = (
        Field(default=None, description="Zorgsoort")
    )
    tags: list[str] = Field(default=[], description="Doelgroepen, komma-gescheiden; alle moeten passen")
    age: Age | None = Field(default=None, description="Leeftijd van het kind")
    modality: list[str] = Field(  # any of them
        default=[],
        description="Vormen, komma-gescheiden; één ervan moet passen (" + ", ".join(domain.MODALITIES) + ")",
    )
    funding: Annotated[str, WithJsonSchema({"type": "string", "enum": list(domain.FUNDING)})] | None = Field(
        default=None, description="Financiering"
    )
    postcode: str | None = Field(default=None, description="Postcode van het gezin (PC4 of PC6)")
    radius_km: Annotated[
        float,
        Range(ge=1, le=250, message="De straal ligt tussen {ge} en {le} km."),
        Field(allow_inf_nan=False),
    ] = Field(default=25, description="Straal in km")
    region: RegionCode | None = Field(default=None, description="Jeugdregiocode")
    municipality: GemeenteCode | None = Field(default=None, description="CBS-gemeentecode")
    available_now: bool = Field(default=False, description="Alleen direct plek")
    max_wait_weeks: (
        Annotated[
            int,
            Range(
                ge=0,
                le=domain.MAX_WAIT_WEEKS,
                message="De maximale wachttijd ligt tussen {ge} en {le} weken.",
            ),
        ]
        | None
    ) = Field(default=None, description="Maximale aanmeldingswachttijd")
    contract_region: RegionCode | None = Field(
        default=None, description="Alleen aanbod dat deze jeugdregio contracteert"
    )
    contracted: bool = Field(  # offerings contracted by the family's jeugdregio (needs postcode)
        default=False,
        description="Alleen aanbod dat de jeugdregio van het gezin contracteert (vraagt postcode; 400 zonder)",
    )
    sort: Annotated[str, WithJsonSchema({"type": "string", "enum": list(SEARCH_SORTS)})] | None = Field(
        default=None,  # None: the ranking
        description="Andere volgorde dan de rangorde: verwachte start, afstand of vrije plekken",
    )
    limit: Annotated[int, Range(ge=1, le=100, message="limit ligt tussen {ge} en {le}.")] = Field(
        default=20, description="Aantal resultaten"
    )
    offset: Annotated[int, Range(ge=0, le=100_000, message="offset ligt tussen {ge} en {le}.")] = Field(
        default=0, description="Vanaf resultaat"
    )

    _blank = field_validator(
        "care_type",
        "funding",
        "postcode",
        "region",
        "municipality",
        "age",
        "max_wait_weeks",
        "contract_region",
        "sort",
        mode="before",
    )(_blank_to_none)

    @field_validator("care_type", mode="before")
    @classmethod
    def _care_type(cls, v: Any) -> str | None:
        return None if v is None else _care_type_code(v)

    @field_validator("tags", mode="before")
    @classmethod
    def _tags(cls, v: Any) -> list[str]:
        return _check_codes(_csv(v), domain.TAGS, "doelgroep")

    @field_validator("modality", mode="before")
    @classmethod
    def _modality(cls, v: Any) -> list[str]:
        return _check_codes(_csv(v), domain.MODALITIES, "vorm")

    @field_validator("sort")
    @classmethod
    def _sort(cls, v: str | None) -> str | None:
        if v is not None and v not in SEARCH_SORTS:
            raise ValueError(f"Onbekende volgorde '{v}'. Kies uit: {', '.join(SEARCH_SORTS)}.")
        return v

    @model_validator(mode="after")
    def _contracted_needs_postcode(self) -> Self:
        if self.contracted and not self.postcode:
            raise ValueError("'Alleen gecontracteerd voor dit gezin' heeft de postcode van het gezin nodig.")
        return self

    @field_validator("funding", mode="before")
    @classmethod
    def _funding(cls, v: Any) -> str | None:
        return None if v is None else _check_codes([str(v).lower()], domain.FUNDING, "financiering")[0]

    @field_validator("postcode")
    @classmethod
    def _postcode(cls, v: str | None) -> str | None:
        if v is None:
            return v
        try:
            return normalise_postcode(v)
        except PostcodeError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("radius_km", mode="before")
    @classmethod
    def _radius_blank(cls, v: Any) -> Any:
        return 25 if v is None or (isinstance(v, str) and not v.strip()) else v

    @field_validator("region", "municipality", "contract_region")
    @classmethod
    def _area_code(cls, v: str | None, info: ValidationInfo) -> str | None:
        field = str(info.field_name)
        pattern, example = {
            "region": (REGION_CODE_PATTERN, "een jeugdregiocode zoals JZ22"),
            "contract_region": (REGION_CODE_PATTERN, "een jeugdregiocode zoals JZ22"),
            "municipality": (GEMEENTE_CODE_PATTERN, "een CBS-gemeentecode zoals GM0344"),
        }[field]
        if v is not None:
            v = v.upper()
            if not re.match(pattern, v):
                raise ValueError(f"Gebruik {example}.")
            is_region = field in ("region", "contract_region")
            known = known_region_codes() if is_region else known_municipality_codes()
            if v not in known:
                what = "jeugdregio" if is_region else "gemeente"
                raise ValueError(f"Onbekende {what} '{v}'. Gebruik {example}.")
        return v


# The search's query parameters, from the model: all of them (the JSON API refuses any other), and the filters
# an alert watches (paging and order are not part of what it watches).
SEARCH_PARAMS: tuple[str, ...] = tuple(SearchFilters.model_fields)
PAGING_PARAMS: tuple[str, ...] = ("sort", "limit", "offset")
FILTER_KEYS: tuple[str, ...] = tuple(k for k in SEARCH_PARAMS if k not in PAGING_PARAMS)


NUL_MESSAGE = (
    "De invoer bevat een ongeldig teken (NUL). Verwijder het en probeer het opnieuw; er is niets opgeslagen."
)


def has_nul(value: object) -> bool:
    """True when a string in ``value`` (nested lists, tuples and dicts, keys too) contains a NUL character: no
    text column can hold one (PostgreSQL refuses it, SQLite stores it), so every way in refuses it."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(has_nul(v) for v in value)
    return False
