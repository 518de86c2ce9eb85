"""Input rules of the plaatsingsverzoek, shared by the web forms and the JSON API.

The note and the reference are screened for obvious personal data: a number that passes the BSN
11-proof (``stdnum.nl.bsn``), a date of birth, a postcode with a house number or a street with a house
number. Names cannot be recognised reliably; the form warns against them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationInfo, WithJsonSchema, field_validator
from stdnum.nl import bsn

from wijzer import domain
from wijzer.pagination import MAX_ID
from wijzer.schemas import (
    GEMEENTE_CODE_PATTERN,
    Age,
    Count,
    Range,
    _Base,
    _blank_to_none,
    _care_type_code,
    _check_codes,
    _csv,
)
from wijzer.timeutil import today_local

# The statuses of a placement item (the state machine is in services.placement), with their Dutch labels.
STATUS_LABELS: dict[str, str] = {
    "open": "Open",
    "accepted": "Geaccepteerd",
    "declined": "Afgewezen",
    "countered": "Tegenvoorstel",
    "expired": "Verlopen",
    "withdrawn": "Ingetrokken",
    "confirmed": "Bevestigd",
    "released": "Vrijgegeven",
}


MAX_ITEMS = 3
NOTE_MAX = 500
REFERENCE_RE = re.compile(r"^[A-Za-z0-9._\-/ ]{1,64}$")
ANSWERS = ("accept", "decline", "counter")
DECLINE_REASONS: dict[str, str] = {
    "geen_plek": "Geen plek",
    "doelgroep": "Past niet bij de doelgroep",
    "werkgebied": "Buiten werkgebied",
    "anders": "Anders",
}

# 9 digits, optionally grouped with spaces or dots (123456782, 123.456.782, 1234 56 782).
_NUMBER_RE = re.compile(r"(?<![\d\-/])\d(?:[ .]?\d){8}(?![\d\-/])")
_MONTHS = (
    "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december|"
    "jan|feb|mrt|apr|jun|jul|aug|sep|sept|okt|nov|dec"
)
_DATE_RES = (
    re.compile(r"(?<!\d)(?P<d>\d{1,2})[-/.](?P<m>\d{1,2})[-/.](?P<y>(?:19|20)\d{2})(?!\d)"),
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)"),
    re.compile(rf"(?<!\d)(?P<d>\d{{1,2}})\s+(?P<mn>{_MONTHS})\.?\s+(?P<y>(?:19|20)\d{{2}})(?!\d)", re.I),
)
_BIRTH_WORDS = re.compile(r"\b(geb(?:oren|\.|oortedatum|oortedag)?|geboorte|dob|d\.o\.b\.?)\b", re.I)
_PC6_RE = re.compile(r"\b[1-9]\d{3}\s?(?!SA|SD|SS)[A-Za-z]{2}\b")
_HOUSE_NUMBER_RE = re.compile(r"\b\d{1,5}(?:\s?[a-zA-Z]\b|-\d+)?\b")
_STREET_RE = re.compile(
    r"\b[A-Za-zÀ-ÿ'.\-]{2,}(?:straat|laan|weg|plein|gracht|kade|singel|dijk|hof|pad|steeg|dreef|park|"
    r"markt|baan|ring|veld|erf|hoek|wal|haven|burg|kamp|straatweg|lei|dam)\s+\d{1,5}\b",
    re.I,
)
_MONTH_NUM = {
    name: i
    for i, names in enumerate(
        (
            ("januari", "jan"),
            ("februari", "feb"),
            ("maart", "mrt"),
            ("april", "apr"),
            ("mei",),
            ("juni", "jun"),
            ("juli", "jul"),
            ("augustus", "aug"),
            ("september", "sep", "sept"),
            ("oktober", "okt"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}

NOTE_WARNING = (
    "Noem geen namen, geboortedatum, BSN of adres van het kind of het gezin. Beschrijf alleen wat de "
    "aanbieder nodig heeft om te beoordelen of de plek past."
)


def _dates(text: str) -> Iterator[tuple[int, date]]:
    for rx in _DATE_RES:
        for m in rx.finditer(text):
            month = (
                int(m.group("m"))
                if "m" in m.groupdict() and m.group("m")
                else _MONTH_NUM.get(m.group("mn").lower().rstrip("."), 0)
            )
            try:
                yield m.start(), date(int(m.group("y")), month, int(m.group("d")))
            except ValueError:
                continue


def screen_text(text: str | None, today: date | None = None) -> str | None:
    """A Dutch message when ``text`` contains obvious personal data, else None."""
    if not text:
        return None
    today = today or today_local()
    for m in _NUMBER_RE.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if bsn.is_valid(digits):
            return "Er staat een nummer in dat op een BSN lijkt. Noem geen BSN of ander persoonsnummer."
    for start, d in _dates(text):
        labelled = _BIRTH_WORDS.search(text[max(0, start - 25) : start])
        if labelled or d <= today - timedelta(days=365):
            return "Er staat een datum in die op een geboortedatum lijkt. Noem geen geboortedatum; de leeftijd is genoeg."
    if _BIRTH_WORDS.search(text) and re.search(r"\d", text):
        for m in _BIRTH_WORDS.finditer(text):
            if re.search(r"\d", text[m.end() : m.end() + 20]):
                return "Noem geen geboortedatum; de leeftijd is genoeg."
    for m in _PC6_RE.finditer(text):
        around = text[max(0, m.start() - 30) : m.start()] + " " + text[m.end() : m.end() + 30]
        if _HOUSE_NUMBER_RE.search(around):
            return "Er staat een postcode met huisnummer in. Noem geen adres; de gemeente is genoeg."
    if _STREET_RE.search(text):
        return "Er staat een straat met huisnummer in. Noem geen adres; de gemeente is genoeg."
    return None


class RequestInput(_Base):
    """A new plaatsingsverzoek (web form and ``POST /api/v1/requests``)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    offering_ids: Annotated[
        list[Annotated[int, Range(gt=0, le=MAX_ID, message="Onbekend aanbod.")]],
        Count(min_length=1, max_length=MAX_ITEMS, message="Kies {min_length} tot {max_length} aanbiedingen."),
    ]
    age: Age
    tags: list[str] = Field(default_factory=list)
    care_type: Annotated[str, WithJsonSchema({"type": "string", "enum": list(domain.CARE_TYPES)})]
    modality: Annotated[str, WithJsonSchema({"type": "string", "enum": list(domain.MODALITIES)})] | None = (
        None
    )
    gemeente_code: Annotated[str, WithJsonSchema({"type": "string", "pattern": GEMEENTE_CODE_PATTERN})] = (
        Field(description="Gemeente van het gezin (geen postcode)")
    )
    start_from: date
    start_to: date
    note: str | None = Field(
        default=None,
        max_length=NOTE_MAX,
        description="Geen namen, geboortedatum, BSN of adres; zulke gegevens worden geweigerd",
    )
    reference: Annotated[str, WithJsonSchema({"type": "string", "pattern": REFERENCE_RE.pattern})] = Field(
        description="Eigen kenmerk van de verwijzer"
    )

    _blank = field_validator("modality", "note", "age", "start_from", "start_to", mode="before")(
        _blank_to_none
    )

    @field_validator("offering_ids", mode="before")
    @classmethod
    def _ids(cls, v: Any) -> list[int]:
        """One id or a list of ids (form fields are strings), without repeats; the count is a Count above."""
        if isinstance(v, (str, int)):
            v = [v]
        if not isinstance(v, (list, tuple)):
            raise ValueError(f"Kies 1 tot {MAX_ITEMS} aanbiedingen.")
        out = []
        for x in v:
            if isinstance(x, bool):
                raise ValueError("Een aanbod-id is een heel getal.")
            try:
                out.append(int(x))
            except (TypeError, ValueError):
                raise ValueError("Een aanbod-id is een heel getal.") from None
        return list(dict.fromkeys(out))

    @field_validator("tags", mode="before")
    @classmethod
    def _tags(cls, v: Any) -> list[str]:
        return _check_codes(_csv(v), domain.TAGS, "doelgroep")

    @field_validator("care_type", mode="before")
    @classmethod
    def _care_type(cls, v: Any) -> str:
        return _care_type_code(v)

    @field_validator("modality", mode="before")
    @classmethod
    def _modality(cls, v: Any) -> str | None:
        v = _blank_to_none(v)  # before-validators run last-defined first: the blank rule has not run yet
        return None if v is None else _check_codes([str(v).strip().lower()], domain.MODALITIES, "vorm")[0]

    @field_validator("gemeente_code", mode="before")
    @classmethod
    def _gemeente(cls, v: Any) -> str:
        code = str(v or "").strip().upper()
        if not re.match(GEMEENTE_CODE_PATTERN, code):
            raise ValueError("Kies de gemeente van het gezin (een CBS-code zoals GM0344).")
        return code

    @field_validator("start_from")
    @classmethod
    def _from(cls, v: date) -> date:
        if v < today_local():
            raise ValueError("De gewenste startdatum ligt in het verleden.")
        return v

    @field_validator("note")
    @classmethod
    def _note(cls, v: str | None) -> str | None:
        problem = screen_text(v)
        if problem:
            raise ValueError(problem)
        return v

    @field_validator("reference", mode="before")
    @classmethod
    def _reference(cls, v: Any) -> str:
        reference = str(v or "").strip()
        if not REFERENCE_RE.match(reference):
            raise ValueError("Vul uw eigen kenmerk in: 1–64 tekens (letters, cijfers, spatie en . _ - /).")
        problem = screen_text(reference)
        if problem:
            raise ValueError(problem)
        return reference

    @field_validator("start_to")
    @classmethod
    def _to(cls, v: date, info: ValidationInfo) -> date:
        start = info.data.get("start_from")
        if start is not None and v < start:
            raise ValueError("De einddatum van de gewenste start ligt vóór de begindatum.")
        return v


class AnswerInput(_Base):
    """A provider's answer to one item (portal form and ``POST /api/v1/request-items/{id}/answer``)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    answer: Annotated[str, WithJsonSchema({"type": "string", "enum": list(ANSWERS)})]
    hold_until: date | None = Field(
        default=None, validate_default=True, description="Bij accept: hoogstens 10 werkdagen vooruit"
    )
    reason: Annotated[str, WithJsonSchema({"type": "string", "enum": list(DECLINE_REASONS)})] | None = Field(
        default=None, validate_default=True, description="Bij decline"
    )
    earliest_start: date | None = Field(default=None, validate_default=True, description="Bij counter")

    _blank = field_validator("hold_until", "reason", "earliest_start", mode="before")(_blank_to_none)

    @field_validator("answer", mode="before")
    @classmethod
    def _answer(cls, v: Any) -> str:
        answer = str(v or "").strip().lower()
        if answer not in ANSWERS:
            raise ValueError("Kies accepteren, afwijzen of een tegenvoorstel.")
        return answer

    @field_validator("reason", mode="before")
    @classmethod
    def _reason(cls, v: Any) -> str | None:
        v = _blank_to_none(v)  # before-validators run last-defined first: the blank rule has not run yet
        if v is None:
            return None
        reason = str(v).strip().lower()
        if reason not in DECLINE_REASONS:
            raise ValueError(f"Kies een reden: {', '.join(DECLINE_REASONS.values())}.")
        return reason

    @field_validator("hold_until")
    @classmethod
    def _hold(cls, v: date | None, info: ValidationInfo) -> date | None:
        if info.data.get("answer") != "accept":
            return None
        if v is None:
            raise ValueError("Vul in tot wanneer u de plek vasthoudt.")
        if v < today_local():
            raise ValueError("De datum tot wanneer u de plek vasthoudt ligt in het verleden.")
        return v

    @field_validator("reason")
    @classmethod
    def _reason_needed(cls, v: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("answer") != "decline":
            return None
        if v is None:
            raise ValueError("Kies een reden om af te wijzen.")
        return v

    @field_validator("earliest_start")
    @classmethod
    def _earliest(cls, v: date | None, info: ValidationInfo) -> date | None:
        if info.data.get("answer") != "counter":
            return None
        if v is None:
            raise ValueError("Vul de vroegst mogelijke startdatum in.")
        if v < today_local():
            raise ValueError("De vroegst mogelijke startdatum ligt in het verleden.")
        return v


class ItemChoice(BaseModel):
    """The item of ``POST /api/v1/requests/{id}/confirm`` and ``/release``: a JSON integer only."""

    model_config = ConfigDict(extra="forbid")

    item_id: StrictInt = Field(gt=0, le=MAX_ID, description="Id van het onderdeel")


class RequestListQuery(BaseModel):
    """The query of ``GET /api/v1/requests``: validated by this model and documented from it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    status: Annotated[str, WithJsonSchema({"type": "string", "enum": list(STATUS_LABELS)})] | None = Field(
        default=None, description="Alleen verzoeken met een onderdeel in deze status"
    )
    limit: Annotated[int, Range(ge=1, le=100, message="limit ligt tussen {ge} en {le}.")] = Field(
        default=50, description="Aantal verzoeken"
    )
    offset: Annotated[int, Range(ge=0, le=100_000, message="offset ligt tussen {ge} en {le}.")] = Field(
        default=0, description="Vanaf verzoek"
    )

    @field_validator("status", mode="before")
    @classmethod
    def _known_status(cls, v: Any) -> Any:
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        if v not in STATUS_LABELS:
            raise ValueError(f"Kies een status uit: {', '.join(STATUS_LABELS)}.")
        return v
