"""Open Referral HSDS 3.1: the core serialiser and the queries behind the read API (``/hsds``).

Mapping: provider → organization (KvK and AGB as organization_identifiers), location → location with a
physical address, offering → service (+ one service_at_location), the current capacity → service_capacity
(unit "plaatsen"), the last confirmation → ``assured_date``. Dutch youth-care specifics (care type,
target groups, modalities, funding, contracted jeugdregio's, iJw JZ020 category, the provider's own
reference, intake status and waits) travel as ``attributes`` whose taxonomy terms belong to the
"wijzer:*" taxonomies; ``taxonomies()``/``taxonomy_terms()`` publish those taxonomies with their terms
(the extendable vocabularies of ``wijzer.services.vocabulary`` included).

Identifiers are the persistent ids stored on provider and offering (``wijzer.hsds_ids``); other ids are
UUIDv5 values derived from KvK numbers and references, so an export → import into an empty database →
export gives the same services.

Public means what the search shows: only active offerings are served by the read API (a deactivated
offering answers 404, as its page in the app does). The export for data exchange (``importers.hsds``)
passes ``include_inactive=True`` and marks those services ``status: inactive``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import Select as SaSelect
from sqlalchemy import false, func, or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select, SelectOfScalar

from wijzer import domain
from wijzer.db import saved_id
from wijzer.geo import bounding_box, fast_km, lookup_postcode
from wijzer.hsds_ids import location_id, uid
from wijzer.models import Gemeente, Jeugdregio, Location, Offering, Provider
from wijzer.pagination import PageRequest
from wijzer.services.placement import held_places, shown_free
from wijzer.services.regions import free_places
from wijzer.timeutil import iso

# offering, provider, location and the location's province name (None without a known gemeente)
ServiceRow = tuple[Offering, Provider, Location, str | None]
_Stmt = TypeVar("_Stmt", bound=SaSelect[*tuple[Any, ...]])  # a select() that gets a WHERE

UNIT = {"id": uid("unit:plaatsen"), "name": "plaatsen", "scheme": "wijzer", "identifier": "plaatsen"}

# Taxonomies whose terms are a vocabulary: (Dutch description, vocabulary dict, Offering column, packed?).
# The dicts are the live ones of wijzer.domain (refreshed from the vocabulary table), read at call time.
VOCABULARY_TAXONOMIES: dict[str, tuple[str, str, str | None, bool]] = {
    "wijzer:zorgsoort": ("Zorgsoort (soort jeugdhulp)", "CARE_TYPES", "care_type", False),
    "wijzer:doelgroep": ("Doelgroep", "TAGS", "tags", True),
    "wijzer:vorm": ("Vorm (wanneer en waar de hulp wordt geboden)", "MODALITIES", "modalities", True),
    "wijzer:financiering": ("Financiering", "FUNDING", "funding", True),
    "wijzer:intakestatus": ("Intakestatus", "INTAKE_STATUSES", "cur_intake_status", False),
    "iJw:JZ020": ("iJw-codelijst JZ020: productcategorie jeugdhulp", "JZ020_CATEGORIES", "category", False),
}
# Taxonomies whose single term marks an attribute that carries a value (the term code is fixed).
VALUE_TAXONOMIES: dict[str, tuple[str, str]] = {
    "wijzer:kenmerk": ("Eigen kenmerk van het aanbod bij de zorgaanbieder", "kenmerk"),
    "wijzer:locatie": ("Naam van de locatie bij de zorgaanbieder", "locatie"),
    "wijzer:crisisopname": ("Crisisopname mogelijk", "ja"),
    "wijzer:aanmeldingswachttijd": ("Aanmeldingswachttijd in weken", "aanmeldingswachttijd"),
    "wijzer:behandelingswachttijd": ("Behandelingswachttijd in weken", "behandelingswachttijd"),
    "wijzer:wachtlijst": ("Lengte van de wachtlijst", "wachtlijst"),
}
REGION_TAXONOMY = ("wijzer:jeugdregio", "Jeugdregio's waarvoor het aanbod gecontracteerd is")
TAXONOMY_URI = "https://beschikbaarheidswijzer.nl/hsds/taxonomies/"


@lru_cache(maxsize=64)
def taxonomy_id(taxonomy: str) -> str:
    return uid("taxonomy", taxonomy)


def _vocabulary(taxonomy: str) -> Mapping[str, str]:
    entry = VOCABULARY_TAXONOMIES.get(taxonomy)
    return getattr(domain, entry[1]) if entry else {}


def term_json(taxonomy: str, code: str) -> dict[str, Any]:
    return dict(_term(taxonomy, code, _vocabulary(taxonomy).get(code, code)))


@lru_cache(maxsize=4096)
def _term(taxonomy: str, code: str, name: str) -> dict[str, Any]:
    """Cached: the ids are UUIDv5 hashes, the same for every service that carries the term (the label is
    part of the key, so a vocabulary change is never served stale). Callers get a copy."""
    return {
        "id": uid("term", taxonomy, code),
        "code": code,
        "name": name,
        "description": name,
        "taxonomy": taxonomy,
        "taxonomy_id": taxonomy_id(taxonomy),
    }


def _attribute(service_id: str | None, taxonomy: str, code: str, value: str | None = None) -> dict[str, Any]:
    term = term_json(taxonomy, code)
    return {
        "id": uid("attr", service_id, taxonomy, code),
        "link_id": service_id,
        "link_type": "service",
        "link_entity": "service",
        "taxonomy_term_id": term["id"],
        "taxonomy_term": term,
        "value": value if value is not None else code,
        "label": term["name"],
    }


def organization_json(prov: Provider) -> dict[str, Any]:
    oid = prov.hsds_id
    identifiers = [
        {
            "id": uid("kvk", prov.kvk),
            "organization_id": oid,
            "identifier_scheme": "NL-KVK",
            "identifier_type": "KvK-nummer",
            "identifier": prov.kvk,
        }
    ]
    if prov.agb:
        identifiers.append(
            {
                "id": uid("agb", prov.kvk),
                "organization_id": oid,
                "identifier_scheme": "NL-AGB",
                "identifier_type": "AGB-code",
                "identifier": prov.agb,
            }
        )
    org = {
        "id": oid,
        "name": prov.name,
        "description": prov.name,
        "email": prov.email,
        "website": prov.website,
        "organization_identifiers": identifiers,
        "phones": [{"id": uid("phone", prov.kvk), "organization_id": oid, "number": prov.phone}]
        if prov.phone
        else [],
    }
    return {k: v for k, v in org.items() if v is not None}


def organization_summary(prov: Provider) -> dict[str, Any]:
    """The one-to-one fields of an organization (HSDS ``organization_list``)."""
    org = {
        "id": prov.hsds_id,
        "name": prov.name,
        "description": prov.name,
        "email": prov.email,
        "website": prov.website,
    }
    return {k: v for k, v in org.items() if v is not None}


def location_json(prov: Provider, loc: Location, province: str) -> dict[str, Any]:
    lid = location_id(prov.kvk, loc.name)
    return {
        "id": lid,
        "location_type": "physical",
        "organization_id": prov.hsds_id,
        "name": loc.name,
        "latitude": loc.lat,
        "longitude": loc.lon,
        "addresses": [
            {
                "id": uid("address", lid),
                "location_id": lid,
                "address_1": " ".join(p for p in (loc.street, loc.house_number) if p) or loc.name,
                "city": loc.city or "",
                "state_province": province,
                "postal_code": loc.postcode,
                "country": "NL",
                "address_type": "physical",
            }
        ],
    }


def service_json(
    off: Offering, prov: Provider, loc: Location, province: str, held: int = 0
) -> dict[str, Any]:
    sid = off.hsds_id
    care_label = domain.CARE_TYPES.get(off.care_type, off.care_type)
    attrs = [
        _attribute(sid, "wijzer:zorgsoort", off.care_type),
        _attribute(sid, "wijzer:kenmerk", "kenmerk", off.offering_ref),
        _attribute(sid, "wijzer:locatie", "locatie", loc.name),
    ]
    attrs += [_attribute(sid, "wijzer:doelgroep", t) for t in off.tag_list]
    attrs += [_attribute(sid, "wijzer:vorm", m) for m in off.modality_list]
    attrs += [_attribute(sid, "wijzer:financiering", f) for f in off.funding_list]
    attrs += [_attribute(sid, "wijzer:jeugdregio", r) for r in off.contract_region_list]
    if off.category:
        attrs.append(_attribute(sid, "iJw:JZ020", off.category))
    if off.crisis_intake:
        attrs.append(_attribute(sid, "wijzer:crisisopname", "ja", "true"))
    if off.cur_intake_status:
        attrs.append(_attribute(sid, "wijzer:intakestatus", off.cur_intake_status))
    for taxonomy, value in (
        ("wijzer:aanmeldingswachttijd", off.cur_wait_intake),
        ("wijzer:behandelingswachttijd", off.cur_wait_treatment),
        ("wijzer:wachtlijst", off.cur_waitlist_length),
    ):
        if value is not None:
            attrs.append(_attribute(sid, taxonomy, taxonomy.split(":")[1], str(value)))
    waits = []
    if off.cur_wait_intake is not None:
        waits.append(f"aanmeldingswachttijd {off.cur_wait_intake} weken")
    if off.cur_wait_treatment is not None:
        waits.append(f"behandelingswachttijd {off.cur_wait_treatment} weken")
    location = location_json(prov, loc, province)
    service = {
        "id": sid,
        "organization_id": prov.hsds_id,
        "name": off.name or care_label,
        "alternate_name": off.offering_ref,
        "description": off.description or care_label,
        "url": prov.website,
        "email": prov.email,
        "status": "active" if off.active else "inactive",
        "wait_time": ", ".join(waits) or None,
        "minimum_age": off.min_age,
        "maximum_age": off.max_age,
        "assured_date": off.last_confirmed_at.date().isoformat() if off.last_confirmed_at else None,
        "organization": organization_json(prov),
        "service_at_locations": [
            {"id": off.hsds_sal_id, "service_id": sid, "location_id": location["id"], "location": location}
        ],
        "capacities": []
        if off.last_reported_at is None or off.cur_free_places is None
        else [
            {
                "id": uid("capacity", sid),
                "service_id": sid,
                "unit": UNIT,
                "unit_id": UNIT["id"],
                "available": shown_free(free_places(off.cur_free_places), held),
                "description": "Vrije plekken",
                **({"maximum": off.cur_total_places} if off.cur_total_places is not None else {}),
                "updated": iso(off.last_reported_at),
            }
        ],
        "attributes": attrs,
    }
    return {k: v for k, v in service.items() if v is not None}


def service_at_location_json(service: dict[str, Any], *, full: bool = True) -> dict[str, Any]:
    """The service_at_location of a serialised service; with ``full`` the service is nested as well."""
    sal = dict(service["service_at_locations"][0])
    if full:
        sal["service"] = {k: v for k, v in service.items() if k != "service_at_locations"}
    return sal


# ---------------------------------------------------------------- queries
class FilterError(ValueError):
    """A filter the read API cannot answer (Dutch message, ``field`` names the parameter)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class ServiceFilters:
    search: str | None = None
    organization_id: str | None = None
    taxonomy_id: str | None = None
    taxonomy_term_id: str | None = None
    modified_after: datetime | None = None
    postcode: str | None = None
    proximity_m: int | None = None
    include_inactive: bool = False


def _rows_stmt() -> Select[Offering, Provider, Location, str]:
    """offering, provider, location and the location's province name, in one query."""
    return (
        select(Offering, Provider, Location, Gemeente.province_name)
        .join(Provider, col(Provider.id) == Offering.provider_id)
        .join(Location, col(Location.id) == Offering.location_id)
        .outerjoin(Gemeente, col(Gemeente.code) == Location.municipality_code)
    )


# Taxonomies a service can be filtered on: taxonomy -> (Offering column, packed '|a|b|'?).
FILTER_COLUMNS: dict[str, tuple[str, bool]] = {
    t: (v[2], v[3]) for t, v in VOCABULARY_TAXONOMIES.items() if v[2]
}
FILTER_COLUMNS[REGION_TAXONOMY[0]] = ("contract_regions", True)


def _term_index(session: Session) -> dict[str, tuple[str, str]]:
    """term id -> (taxonomy, code) for every term a service can be filtered on."""
    index = {
        uid("term", taxonomy, code): (taxonomy, code)
        for taxonomy in VOCABULARY_TAXONOMIES
        for code in _vocabulary(taxonomy)
    }
    for code in session.exec(select(Jeugdregio.code)).all():
        index[uid("term", REGION_TAXONOMY[0], code)] = (REGION_TAXONOMY[0], code)
    return index


def _where(stmt: _Stmt, filters: ServiceFilters, session: Session) -> _Stmt:
    if not filters.include_inactive:
        stmt = stmt.where(col(Offering.active))
    if filters.search:
        pattern = f"%{filters.search.lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(Offering.name).like(pattern),
                func.lower(Offering.description).like(pattern),
                func.lower(Provider.name).like(pattern),
            )
        )
    if filters.organization_id:
        stmt = stmt.where(col(Provider.hsds_id) == filters.organization_id)
    if filters.taxonomy_term_id:
        found = _term_index(session).get(filters.taxonomy_term_id)
        if found is None:
            return stmt.where(false())
        taxonomy, code = found
        column, packed = FILTER_COLUMNS[taxonomy]
        attribute = getattr(Offering, column)
        stmt = stmt.where(attribute.contains(f"|{code}|") if packed else attribute == code)
    if filters.taxonomy_id:
        filtered = {taxonomy_id(t): t for t in FILTER_COLUMNS}.get(filters.taxonomy_id)
        if filtered is None:
            return stmt.where(false())
        attribute = getattr(Offering, FILTER_COLUMNS[filtered][0])
        stmt = stmt.where(attribute.is_not(None), attribute != "")
    if filters.modified_after is not None:
        stmt = stmt.where(col(Offering.updated_at) >= filters.modified_after)
    return stmt


def _serialise(session: Session, rows: Sequence[ServiceRow]) -> list[dict[str, Any]]:
    held = held_places(
        session, [saved_id(off) for off, _, _, _ in rows]
    )  # places held for plaatsingsverzoeken
    return [
        service_json(off, prov, loc, province or "", held.get(saved_id(off), 0))
        for off, prov, loc, province in rows
    ]


def _near(
    session: Session, stmt: Select[Offering, Provider, Location, str], filters: ServiceFilters
) -> list[ServiceRow]:
    """Rows within ``proximity_m`` of the postcode (PostcodeError for an unknown postcode)."""
    point = lookup_postcode(filters.postcode or "")
    km = (filters.proximity_m or 25_000) / 1000
    min_lat, max_lat, min_lon, max_lon = bounding_box(point.lat, point.lon, km)
    stmt = stmt.where(
        col(Offering.lat).between(min_lat, max_lat), col(Offering.lon).between(min_lon, max_lon)
    )
    return [
        row
        for row in session.exec(stmt.order_by(col(Offering.id)))
        if fast_km(point.lat, point.lon, row[0].lat, row[0].lon) <= km
    ]


def list_services(
    session: Session, request: PageRequest, filters: ServiceFilters | None = None
) -> dict[str, Any]:
    """One page of services as an HSDS ``Page`` (PostcodeError when ``filters.postcode`` is unknown)."""
    filters = filters or ServiceFilters()
    stmt = _where(_rows_stmt(), filters, session)
    if filters.postcode:
        rows = _near(session, stmt, filters)
        return request.of(len(rows)).hsds(
            _serialise(session, rows[request.offset : request.offset + request.size])
        )
    total = session.exec(
        select(func.count()).select_from(
            _where(
                select(Offering.id).join(Provider, col(Provider.id) == Offering.provider_id), filters, session
            ).subquery()
        )
    ).one()
    page = session.exec(stmt.order_by(col(Offering.id)).offset(request.offset).limit(request.size)).all()
    return request.of(total).hsds(_serialise(session, page))


def iter_services(
    session: Session, *, include_inactive: bool = False, batch: int = 500
) -> Iterator[dict[str, Any]]:
    """Every service in id order (the export), serialised in batches."""
    last = 0
    filters = ServiceFilters(include_inactive=include_inactive)
    while True:
        rows = session.exec(
            _where(_rows_stmt(), filters, session)
            .where(col(Offering.id) > last)
            .order_by(col(Offering.id))
            .limit(batch)
        ).all()
        if not rows:
            return
        yield from _serialise(session, rows)
        last = saved_id(rows[-1][0])


def get_service(session: Session, service_id: str) -> dict[str, Any] | None:
    """One public service, looked up by its stored HSDS id (an indexed key, not a scan)."""
    row = session.exec(_rows_stmt().where(Offering.hsds_id == service_id, Offering.active)).first()
    return _serialise(session, [row])[0] if row else None


def get_service_at_location(session: Session, sal_id: str) -> dict[str, Any] | None:
    row = session.exec(_rows_stmt().where(Offering.hsds_sal_id == sal_id, Offering.active)).first()
    return service_at_location_json(_serialise(session, [row])[0]) if row else None


def list_service_at_locations(
    session: Session, request: PageRequest, filters: ServiceFilters | None = None, *, full: bool = False
) -> dict[str, Any]:
    page = list_services(session, request, filters)
    page["contents"] = [service_at_location_json(s, full=full) for s in page["contents"]]
    return page


def service_id_of(session: Session, offering_id: int) -> str | None:
    return session.exec(select(Offering.hsds_id).where(Offering.id == offering_id)).first()


def _public_provider(stmt: SelectOfScalar[Provider]) -> SelectOfScalar[Provider]:
    """Only organizations with at least one public (active) service: what the search can show."""
    return stmt.where(
        select(Offering.id).where(Offering.provider_id == Provider.id, Offering.active).exists()
    )


def list_organizations(
    session: Session,
    request: PageRequest,
    *,
    search: str | None = None,
    full: bool = False,
    full_service: bool = False,
) -> dict[str, Any]:
    stmt = _public_provider(select(Provider))
    if search:
        stmt = stmt.where(func.lower(Provider.name).like(f"%{search.lower()}%"))
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    providers = session.exec(stmt.order_by(col(Provider.id)).offset(request.offset).limit(request.size)).all()
    if not full:
        return request.of(total).hsds([organization_summary(p) for p in providers])
    return request.of(total).hsds([_organization_with_services(session, p, full_service) for p in providers])


def get_organization(
    session: Session, organization_id: str, *, full_service: bool = False
) -> dict[str, Any] | None:
    prov = session.exec(_public_provider(select(Provider)).where(Provider.hsds_id == organization_id)).first()
    return _organization_with_services(session, prov, full_service) if prov else None


def _organization_with_services(session: Session, prov: Provider, full_service: bool) -> dict[str, Any]:
    rows = session.exec(
        _rows_stmt().where(Offering.provider_id == prov.id, Offering.active).order_by(col(Offering.id))
    ).all()
    services = _serialise(session, rows)
    org = organization_json(prov)
    org["services"] = (
        services
        if full_service
        else [
            {
                k: s[k]
                for k in ("id", "organization_id", "name", "alternate_name", "description", "status")
                if k in s
            }
            for s in services
        ]
    )
    return org


# ---------------------------------------------------------------- taxonomies
def taxonomies(session: Session) -> list[dict[str, Any]]:
    names = [*VOCABULARY_TAXONOMIES, *VALUE_TAXONOMIES, REGION_TAXONOMY[0]]
    descriptions = (
        {t: v[0] for t, v in VOCABULARY_TAXONOMIES.items()}
        | {t: v[0] for t, v in VALUE_TAXONOMIES.items()}
        | {REGION_TAXONOMY[0]: REGION_TAXONOMY[1]}
    )
    return [
        {
            "id": taxonomy_id(t),
            "name": t,
            "description": descriptions[t],
            "uri": TAXONOMY_URI + taxonomy_id(t),
        }
        for t in names
    ]


def taxonomy_terms(session: Session) -> list[dict[str, Any]]:
    """Every term the services can carry, vocabularies (with admin-added terms) first."""
    terms = [term_json(t, code) for t in VOCABULARY_TAXONOMIES for code in _vocabulary(t)]
    terms += [term_json(t, code) for t, (_, code) in VALUE_TAXONOMIES.items()]
    terms += [
        term_json(REGION_TAXONOMY[0], code)
        for code in session.exec(select(Jeugdregio.code).order_by(Jeugdregio.code)).all()
    ]
    return terms


def paged(items: list[Any], request: PageRequest) -> dict[str, Any]:
    """An HSDS ``Page`` of a short list computed in full (taxonomies, terms)."""
    return request.of(len(items)).hsds(items[request.offset : request.offset + request.size])
