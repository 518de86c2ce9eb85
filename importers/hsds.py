"""Open Referral HSDS 3.1: export (JSON per service + tabular CSV datapackage) and import.

Mapping: provider → organization (KvK and AGB as organization_identifiers), location → location with a
physical address, offering → service (+ service_at_location), the current capacity → service_capacity
(unit "plaatsen"), the last confirmation → ``assured_date``. Dutch youth-care specifics (care type,
target groups, modalities, funding, contracted jeugdregio's, iJw JZ020 category, the provider's own
reference, intake status and waits) travel as ``attributes`` whose taxonomy terms belong to the
"wijzer:*" taxonomies. Identifiers are stable UUIDv5 values derived from KvK and references, so an
export → import into an empty database → export gives the same services.
"""
from __future__ import annotations

import csv
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlmodel import Session, select

from importers.validation import ImportRejected, ImportResult, RowError
from wijzer.domain import CARE_TYPES, FUNDING, INTAKE_STATUSES, JZ020_CATEGORIES, MODALITIES, TAGS
from wijzer.models import Gemeente, Location, Offering, Provider
from wijzer.timeutil import iso

NS = uuid.UUID("6f1d6c1e-5d4b-4e0a-9a51-9a3c5e2b7a10")
UNIT = {"id": str(uuid.uuid5(NS, "unit:plaatsen")), "name": "plaatsen", "scheme": "wijzer",
        "identifier": "plaatsen"}
TAXONOMIES = {
    "wijzer:zorgsoort": CARE_TYPES, "wijzer:doelgroep": TAGS, "wijzer:vorm": MODALITIES,
    "wijzer:financiering": FUNDING, "wijzer:intakestatus": INTAKE_STATUSES, "iJw:JZ020": JZ020_CATEGORIES,
}


def uid(*parts) -> str:
    return str(uuid.uuid5(NS, ":".join(str(p) for p in parts)))


def _term(taxonomy: str, code: str) -> dict:
    name = TAXONOMIES.get(taxonomy, {}).get(code, code)
    return {"id": uid("term", taxonomy, code), "code": code, "name": name, "description": name, "taxonomy": taxonomy}


def _attribute(service_id: str, taxonomy: str, code: str, value: str | None = None) -> dict:
    term = _term(taxonomy, code)
    return {"id": uid("attr", service_id, taxonomy, code), "link_id": service_id, "link_type": "service",
            "link_entity": "service", "taxonomy_term_id": term["id"], "taxonomy_term": term,
            "value": value if value is not None else code, "label": term["name"]}


def service_json(off: Offering, prov: Provider, loc: Location, province: str) -> dict:
    sid = uid("offering", prov.kvk, off.offering_ref)
    oid = uid("provider", prov.kvk)
    lid = uid("location", prov.kvk, loc.name)
    identifiers = [{"id": uid("kvk", prov.kvk), "organization_id": oid, "identifier_scheme": "NL-KVK",
                    "identifier_type": "KvK-nummer", "identifier": prov.kvk}]
    if prov.agb:
        identifiers.append({"id": uid("agb", prov.kvk), "organization_id": oid, "identifier_scheme": "NL-AGB",
                            "identifier_type": "AGB-code", "identifier": prov.agb})
    attrs = [_attribute(sid, "wijzer:zorgsoort", off.care_type), _attribute(sid, "wijzer:kenmerk", "kenmerk", off.offering_ref),
             _attribute(sid, "wijzer:locatie", "locatie", loc.name)]
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
    for taxonomy, value in (("wijzer:aanmeldingswachttijd", off.cur_wait_intake),
                            ("wijzer:behandelingswachttijd", off.cur_wait_treatment),
                            ("wijzer:wachtlijst", off.cur_waitlist_length)):
        if value is not None:
            attrs.append(_attribute(sid, taxonomy, taxonomy.split(":")[1], str(value)))
    waits = []
    if off.cur_wait_intake is not None:
        waits.append(f"aanmeldingswachttijd {off.cur_wait_intake} weken")
    if off.cur_wait_treatment is not None:
        waits.append(f"behandelingswachttijd {off.cur_wait_treatment} weken")
    service = {
        "id": sid, "organization_id": oid, "name": off.name or CARE_TYPES[off.care_type],
        "alternate_name": off.offering_ref, "description": off.description or CARE_TYPES[off.care_type],
        "url": prov.website, "email": prov.email, "status": "active" if off.active else "inactive",
        "wait_time": ", ".join(waits) or None, "minimum_age": off.min_age, "maximum_age": off.max_age,
        "assured_date": off.last_confirmed_at.date().isoformat() if off.last_confirmed_at else None,
        "organization": {"id": oid, "name": prov.name, "description": prov.name, "email": prov.email,
                         "website": prov.website, "organization_identifiers": identifiers,
                         "phones": [{"id": uid("phone", prov.kvk), "organization_id": oid, "number": prov.phone}]
                         if prov.phone else []},
        "service_at_locations": [{
            "id": uid("sal", sid, lid), "service_id": sid, "location_id": lid,
            "location": {"id": lid, "location_type": "physical", "organization_id": oid, "name": loc.name,
                         "latitude": loc.lat, "longitude": loc.lon,
                         "addresses": [{"id": uid("address", lid), "location_id": lid,
                                        "address_1": " ".join(p for p in (loc.street, loc.house_number) if p) or loc.name,
                                        "city": loc.city or "", "state_province": province,
                                        "postal_code": loc.postcode, "country": "NL", "address_type": "physical"}]}}],
        "capacities": [] if off.last_reported_at is None or off.cur_free_places is None else [{
            "id": uid("capacity", sid), "service_id": sid, "unit": UNIT, "unit_id": UNIT["id"],
            "available": off.cur_free_places, "description": "Vrije plekken",
            "updated": iso(off.last_reported_at)}],
        "attributes": attrs,
    }
    return {k: v for k, v in service.items() if v is not None}


def iter_services(session: Session, *, offset: int = 0, limit: int | None = None,
                  service_id: str | None = None) -> Iterator[dict]:
    provinces = dict(session.exec(select(Gemeente.code, Gemeente.province_name)).all())
    stmt = (select(Offering, Provider, Location).join(Provider, Provider.id == Offering.provider_id)
            .join(Location, Location.id == Offering.location_id).order_by(Offering.id))
    if limit is not None:
        stmt = stmt.offset(offset).limit(limit)
    for off, prov, loc in session.exec(stmt):
        data = service_json(off, prov, loc, provinces.get(loc.gemeente_code, ""))
        if service_id is None or data["id"] == service_id:
            yield data


TABLES = {
    "organizations": ["id", "name", "alternate_name", "description", "email", "website"],
    "organization_identifiers": ["id", "organization_id", "identifier_scheme", "identifier_type", "identifier"],
    "services": ["id", "organization_id", "name", "alternate_name", "description", "url", "email", "status",
                 "wait_time", "minimum_age", "maximum_age", "assured_date"],
    "locations": ["id", "location_type", "organization_id", "name", "latitude", "longitude"],
    "addresses": ["id", "location_id", "address_1", "city", "state_province", "postal_code", "country", "address_type"],
    "service_at_locations": ["id", "service_id", "location_id"],
    "phones": ["id", "organization_id", "number"],
    "service_capacity": ["id", "service_id", "unit_id", "available", "description", "updated"],
    "units": ["id", "name", "scheme", "identifier"],
    "attributes": ["id", "link_id", "taxonomy_term_id", "link_type", "link_entity", "value", "label"],
    "taxonomy_terms": ["id", "code", "name", "description", "taxonomy"],
}


def export_hsds(session: Session, outdir: str | Path) -> int:
    out = Path(outdir)
    (out / "services").mkdir(parents=True, exist_ok=True)
    (out / "csv").mkdir(parents=True, exist_ok=True)
    rows: dict[str, dict[str, dict]] = {name: {} for name in TABLES}
    n = 0
    for svc in iter_services(session):
        (out / "services" / f"{svc['id']}.json").write_text(json.dumps(svc, ensure_ascii=False, indent=1), encoding="utf-8")
        n += 1
        org = svc["organization"]
        rows["organizations"][org["id"]] = org
        for ident in org["organization_identifiers"]:
            rows["organization_identifiers"][ident["id"]] = ident
        for phone in org.get("phones", []):
            rows["phones"][phone["id"]] = phone
        rows["services"][svc["id"]] = svc
        for sal in svc["service_at_locations"]:
            rows["service_at_locations"][sal["id"]] = sal
            rows["locations"][sal["location"]["id"]] = sal["location"]
            for addr in sal["location"]["addresses"]:
                rows["addresses"][addr["id"]] = addr
        for cap in svc.get("capacities", []):
            rows["service_capacity"][cap["id"]] = cap
            rows["units"][cap["unit"]["id"]] = cap["unit"]
        for attr in svc["attributes"]:
            rows["attributes"][attr["id"]] = attr
            rows["taxonomy_terms"][attr["taxonomy_term"]["id"]] = attr["taxonomy_term"]
    resources = []
    for name, columns in TABLES.items():
        path = out / "csv" / f"{name}.csv"
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
            writer.writeheader()
            for _, row in sorted(rows[name].items()):  # by id: the same export whatever the database order
                writer.writerow({k: row.get(k) for k in columns})
        resources.append({"name": name, "path": f"{name}.csv", "profile": "tabular-data-resource",
                          "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
                          "schema": {"fields": [{"name": c} for c in columns]}})
    (out / "csv" / "datapackage.json").write_text(json.dumps(
        {"name": "beschikbaarheidswijzer-hsds", "profile": "tabular-data-package",
         "title": "Beschikbaarheidswijzer – Open Referral HSDS 3.1", "resources": resources}, indent=1), encoding="utf-8")
    return n


# ---------------------------------------------------------------- import
def _attrs(svc: dict) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for a in svc.get("attributes", []):
        term = a.get("taxonomy_term") or {}
        out.setdefault(term.get("taxonomy", ""), []).append((term.get("code", ""), a.get("value", "")))
    return out


def service_to_rows(svc: dict) -> tuple[dict, dict | None]:
    """An HSDS service -> (provider-file row, capacity record or None), for the shared importers."""
    attrs = _attrs(svc)
    org = svc.get("organization") or {}
    ids = {i.get("identifier_scheme"): i.get("identifier") for i in org.get("organization_identifiers", [])}
    sal = (svc.get("service_at_locations") or [{}])[0]
    loc = sal.get("location") or {}
    addr = (loc.get("addresses") or [{}])[0]
    street, number = addr.get("address_1", ""), ""
    head, _, tail = street.rpartition(" ")
    if head and tail[:1].isdigit():
        street, number = head, tail
    first = lambda key: (attrs.get(key) or [("", "")])[0]  # noqa: E731
    phones = org.get("phones") or []
    row = {
        "provider_name": org.get("name", ""), "kvk": ids.get("NL-KVK", ""), "agb": ids.get("NL-AGB", "") or "",
        "website": org.get("website") or "", "phone": phones[0]["number"] if phones else "", "email": org.get("email") or "",
        "location_name": first("wijzer:locatie")[1] or loc.get("name", ""), "street": street, "house_number": number,
        "postcode": addr.get("postal_code", ""), "city": addr.get("city", ""),
        "offering_ref": first("wijzer:kenmerk")[1] or svc.get("alternate_name", ""),
        "care_type": first("wijzer:zorgsoort")[0],
        "tags": "|".join(c for c, _ in attrs.get("wijzer:doelgroep", [])),
        "min_age": str(svc.get("minimum_age", "")), "max_age": str(svc.get("maximum_age", "")),
        "modalities": "|".join(c for c, _ in attrs.get("wijzer:vorm", [])),
        "funding": "|".join(c for c, _ in attrs.get("wijzer:financiering", [])),
        "regions": "|".join(c for c, _ in attrs.get("wijzer:jeugdregio", [])),
        "category": first("iJw:JZ020")[0], "description": svc.get("description", ""),
        "name": svc.get("name", ""), "active": svc.get("status", "active") == "active",
        "crisis_intake": bool(attrs.get("wijzer:crisisopname")),
    }
    caps = svc.get("capacities") or []
    capacity = None
    if caps and first("wijzer:intakestatus")[0]:
        capacity = {"kvk": row["kvk"], "offering_ref": row["offering_ref"], "free_places": caps[0].get("available"),
                    "waiting_weeks_intake": first("wijzer:aanmeldingswachttijd")[1] or None,
                    "waiting_weeks_treatment": first("wijzer:behandelingswachttijd")[1] or None,
                    "waitlist_length": first("wijzer:wachtlijst")[1] or None,
                    "intake_status": first("wijzer:intakestatus")[0], "reported_at": caps[0].get("updated")}
    return row, capacity


def import_hsds(session: Session, folder: str | Path, *, dry_run: bool = False, actor: str = "import", config=None) -> ImportResult:
    from importers.capacity import import_capacity_records
    from importers.providers import COLUMNS, import_providers
    from importers.tabular import Table

    base = Path(folder)
    files = sorted((base / "services").glob("*.json")) if (base / "services").is_dir() else sorted(base.glob("*.json"))
    if not files:
        raise ImportRejected([RowError(0, "", f"Geen HSDS-servicebestanden (*.json) gevonden in '{folder}'.")])
    rows, capacities, extras, errors = [], [], {}, []
    for n, path in enumerate(files, start=2):
        try:
            svc = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            errors.append(RowError(n, path.name, f"geen geldige JSON: {exc}"))
            continue
        if not isinstance(svc, dict) or "id" not in svc:
            errors.append(RowError(n, path.name, "geen HSDS-service (id ontbreekt)"))
            continue
        row, cap = service_to_rows(svc)
        rows.append((n, {c: row.get(c, "") for c in COLUMNS}))
        extras[(row["kvk"], row["offering_ref"])] = row
        if cap:
            capacities.append((n, cap))
    if errors:
        raise ImportRejected(errors)
    result = import_providers(session, Table(list(COLUMNS), rows), str(folder), dry_run=dry_run, actor=actor)
    if dry_run:
        return result
    # Fields the provider-file format does not carry (service name, status, crisis intake).
    index = {(p.kvk, o.offering_ref): o for o, p in session.exec(select(Offering, Provider).join(Provider, Provider.id == Offering.provider_id))}
    for key, row in extras.items():
        off = index.get(key)
        if off is not None:
            off.name = row["name"] or None
            off.active, off.crisis_intake = row["active"], row["crisis_intake"]
            session.add(off)
    session.flush()
    if capacities:
        cap_result = import_capacity_records(session, capacities, source="import", actor=actor, config=config,
                                             label=str(folder))
        result.created["report"] = cap_result.created.get("report", 0)
    return result
