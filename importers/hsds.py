"""Open Referral HSDS 3.1 exchange files: export (JSON per service + tabular CSV datapackage) and import.

The serialiser and the mapping live in the core (``wijzer.services.hsds``), shared with the read API; this
module writes and reads the files. The export holds every offering, deactivated ones as ``status:
inactive`` (the import restores them as such); the public read API serves active offerings only.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from sqlmodel import Session, col, select

from importers.validation import ImportRejected, ImportResult, RowError
from wijzer.models import Offering, Provider
from wijzer.schemas import has_nul
from wijzer.services.hsds import iter_services
from wijzer.services.spreadsheet import neutralise_cell

TABLES = {
    "organizations": ["id", "name", "alternate_name", "description", "email", "website"],
    "organization_identifiers": [
        "id",
        "organization_id",
        "identifier_scheme",
        "identifier_type",
        "identifier",
    ],
    "services": [
        "id",
        "organization_id",
        "name",
        "alternate_name",
        "description",
        "url",
        "email",
        "status",
        "wait_time",
        "minimum_age",
        "maximum_age",
        "assured_date",
    ],
    "locations": ["id", "location_type", "organization_id", "name", "latitude", "longitude"],
    "addresses": [
        "id",
        "location_id",
        "address_1",
        "city",
        "state_province",
        "postal_code",
        "country",
        "address_type",
    ],
    "service_at_locations": ["id", "service_id", "location_id"],
    "phones": ["id", "organization_id", "number"],
    "service_capacity": ["id", "service_id", "unit_id", "available", "maximum", "description", "updated"],
    "units": ["id", "name", "scheme", "identifier"],
    "attributes": ["id", "link_id", "taxonomy_term_id", "link_type", "link_entity", "value", "label"],
    "taxonomy_terms": ["id", "code", "name", "description", "taxonomy", "taxonomy_id"],
}


def export_hsds(session: Session, outdir: str | Path) -> int:
    out = Path(outdir)
    (out / "services").mkdir(parents=True, exist_ok=True)
    (out / "csv").mkdir(parents=True, exist_ok=True)
    rows: dict[str, dict[str, dict]] = {name: {} for name in TABLES}
    n = 0
    for svc in iter_services(session, include_inactive=True):
        (out / "services" / f"{svc['id']}.json").write_text(
            json.dumps(svc, ensure_ascii=False, indent=1), encoding="utf-8"
        )
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
                writer.writerow({k: neutralise_cell(row.get(k)) for k in columns})  # OWASP CSV injection
        resources.append(
            {
                "name": name,
                "path": f"{name}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {"fields": [{"name": c} for c in columns]},
            }
        )
    (out / "csv" / "datapackage.json").write_text(
        json.dumps(
            {
                "name": "beschikbaarheidswijzer-hsds",
                "profile": "tabular-data-package",
                "title": "Beschikbaarheidswijzer – Open Referral HSDS 3.1",
                "resources": resources,
            },
            indent=1,
        ),
        encoding="utf-8",
    )
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
        "provider_name": org.get("name", ""),
        "kvk": ids.get("NL-KVK", ""),
        "agb": ids.get("NL-AGB", "") or "",
        "website": org.get("website") or "",
        "phone": phones[0]["number"] if phones else "",
        "email": org.get("email") or "",
        "location_name": first("wijzer:locatie")[1] or loc.get("name", ""),
        "street": street,
        "house_number": number,
        "postcode": addr.get("postal_code", ""),
        "city": addr.get("city", ""),
        "offering_ref": first("wijzer:kenmerk")[1] or svc.get("alternate_name", ""),
        "care_type": first("wijzer:zorgsoort")[0],
        "tags": "|".join(c for c, _ in attrs.get("wijzer:doelgroep", [])),
        "min_age": str(svc.get("minimum_age", "")),
        "max_age": str(svc.get("maximum_age", "")),
        "modalities": "|".join(c for c, _ in attrs.get("wijzer:vorm", [])),
        "funding": "|".join(c for c, _ in attrs.get("wijzer:financiering", [])),
        "regions": "|".join(c for c, _ in attrs.get("wijzer:jeugdregio", [])),
        "category": first("iJw:JZ020")[0],
        "description": svc.get("description", ""),
        "name": svc.get("name", ""),
        "active": svc.get("status", "active") == "active",
        "crisis_intake": bool(attrs.get("wijzer:crisisopname")),
    }
    caps = svc.get("capacities") or []
    capacity = None
    if caps and first("wijzer:intakestatus")[0]:
        capacity = {
            "kvk": row["kvk"],
            "offering_ref": row["offering_ref"],
            "free_places": caps[0].get("available"),
            "total_places": caps[0].get("maximum"),
            "waiting_weeks_intake": first("wijzer:aanmeldingswachttijd")[1] or None,
            "waiting_weeks_treatment": first("wijzer:behandelingswachttijd")[1] or None,
            "waitlist_length": first("wijzer:wachtlijst")[1] or None,
            "intake_status": first("wijzer:intakestatus")[0],
            "reported_at": caps[0].get("updated"),
        }
    return row, capacity


def import_hsds(
    session: Session, folder: str | Path, *, dry_run: bool = False, actor: str = "import", config=None
) -> ImportResult:
    from importers.capacity import import_capacity_records
    from importers.providers import COLUMNS, import_providers
    from importers.tabular import Table

    base = Path(folder)
    files = (
        sorted((base / "services").glob("*.json"))
        if (base / "services").is_dir()
        else sorted(base.glob("*.json"))
    )
    if not files:
        raise ImportRejected(
            [RowError(0, "", f"Geen HSDS-servicebestanden (*.json) gevonden in '{folder}'.")]
        )
    rows, capacities, extras, errors = [], [], {}, []
    for n, path in enumerate(files, start=2):
        try:
            svc = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            errors.append(RowError(n, path.name, f"geen geldige JSON: {exc}"))
            continue
        if has_nul(svc):
            errors.append(RowError(n, path.name, "het bestand bevat een ongeldig teken (NUL); verwijder het"))
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
    index = {
        (p.kvk, o.offering_ref): o
        for o, p in session.exec(
            select(Offering, Provider).join(Provider, col(Provider.id) == Offering.provider_id)
        )
    }
    for key, row in extras.items():
        off = index.get(key)
        if off is not None:
            off.name = row["name"] or None
            off.active, off.crisis_intake = row["active"], row["crisis_intake"]
            session.add(off)
    session.flush()
    if capacities:
        cap_result = import_capacity_records(
            session, capacities, source="import", actor=actor, config=config, label=str(folder)
        )
        result.created["report"] = cap_result.created.get("report", 0)
    return result
