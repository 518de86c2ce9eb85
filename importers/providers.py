"""Provider lists (one row per offering) from CSV/XLSX: providers, locations and offerings.

Key of an offering: (kvk, offering_ref); re-importing updates in place. Importing descriptions
confirms nothing: no capacity report is written.
"""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import insert
from sqlmodel import Session, select

from importers.tabular import Table, read_table
from importers.validation import ImportRejected, ImportResult, RowError, schema_errors
from wijzer import hsds_ids
from wijzer.geo import PostcodeError, lookup_postcode
from wijzer.models import Location, Offering, Provider
from wijzer.schemas import LocationInput, OfferingInput, ProviderInput, validate
from wijzer.services import auditlog
from wijzer.services.catalogue import move_offerings, offering_values
from wijzer.timeutil import utcnow

COLUMNS = ("provider_name", "kvk", "agb", "website", "phone", "email", "location_name", "street", "house_number",
           "postcode", "city", "offering_ref", "care_type", "tags", "min_age", "max_age", "modalities", "funding",
           "regions", "category", "description")
REQUIRED = ("provider_name", "kvk", "location_name", "postcode", "offering_ref", "care_type")
PROVIDER_MAP = {"name": "provider_name", "kvk": "kvk", "agb": "agb", "website": "website", "phone": "phone", "email": "email"}
LOCATION_MAP = {"name": "location_name", "street": "street", "house_number": "house_number", "postcode": "postcode", "city": "city"}
OFFERING_MAP = {"offering_ref": "offering_ref", "care_type": "care_type", "tags": "tags", "min_age": "min_age",
                "max_age": "max_age", "modalities": "modalities", "funding": "funding", "contract_regions": "regions",
                "category": "category", "description": "description"}
CHUNK = 500


def _pick(row: dict, mapping: dict[str, str], drop_blank: tuple[str, ...] = ()) -> dict:
    out = {field: row.get(col, "") for field, col in mapping.items()}
    for f in drop_blank:
        if not str(out.get(f, "")).strip():
            out.pop(f, None)
    return out


def validate_rows(table: Table, progress: Callable[[int], None] | None = None):
    errors: list[RowError] = []
    providers: dict[str, tuple[int, ProviderInput]] = {}
    locations: dict[tuple[str, str], tuple[int, LocationInput, object]] = {}
    offerings: dict[tuple[str, str], tuple[int, str, OfferingInput]] = {}
    for n, (row_no, row) in enumerate(table.rows, start=1):
        if progress and n % 1000 == 0:
            progress(1000)
        p, e1 = validate(ProviderInput, _pick(row, PROVIDER_MAP))
        loc, e2 = validate(LocationInput, _pick(row, LOCATION_MAP))
        off, e3 = validate(OfferingInput, _pick(row, OFFERING_MAP, drop_blank=("min_age", "max_age")))
        errors += schema_errors(row_no, e1, PROVIDER_MAP)
        errors += schema_errors(row_no, e2, LOCATION_MAP)
        errors += schema_errors(row_no, e3, OFFERING_MAP | {"__all__": "max_age"})
        point = None
        if loc is not None:
            try:
                point = lookup_postcode(loc.postcode)
            except PostcodeError as exc:
                errors.append(RowError(row_no, "postcode", str(exc)))
        if p is None or loc is None or off is None or point is None:
            continue
        first = providers.setdefault(p.kvk, (row_no, p))
        if first[1] != p:
            errors.append(RowError(row_no, "provider_name", f"andere aanbiedersgegevens voor KvK {p.kvk} dan in rij {first[0]}"))
        lkey = (p.kvk, loc.name)
        lfirst = locations.setdefault(lkey, (row_no, loc, point))
        if lfirst[1] != loc:
            errors.append(RowError(row_no, "location_name", f"locatie '{loc.name}' heeft een ander adres dan in rij {lfirst[0]}"))
        okey = (p.kvk, off.offering_ref)
        if okey in offerings:
            errors.append(RowError(row_no, "offering_ref", f"dubbele sleutel: KvK {p.kvk} met kenmerk "
                                                           f"'{off.offering_ref}' staat ook in rij {offerings[okey][0]}"))
            continue
        offerings[okey] = (row_no, loc.name, off)
    return providers, locations, offerings, errors


def _in_chunks(values: list, size: int = CHUNK):
    for i in range(0, len(values), size):
        yield values[i:i + size]


def read_file(source, filename: str | None = None, max_bytes: int | None = None) -> Table:
    return read_table(source, filename, required=REQUIRED, optional=tuple(c for c in COLUMNS if c not in REQUIRED),
                      **({"max_bytes": max_bytes} if max_bytes else {}))


def import_providers(session: Session, source, filename: str | None = None, *, dry_run: bool = False,
                     actor: str = "import", user=None, max_bytes: int | None = None,
                     progress: Callable[[int], None] | None = None) -> ImportResult:
    table = source if isinstance(source, Table) else read_file(source, filename, max_bytes)
    providers, locations, offerings, errors = validate_rows(table, progress)
    if errors:
        raise ImportRejected(errors)
    now = utcnow()
    result = ImportResult(rows=len(table.rows), dry_run=dry_run)
    kvks = list(providers)
    existing_p: dict[str, Provider] = {}
    for chunk in _in_chunks(kvks):
        existing_p.update({p.kvk: p for p in session.exec(select(Provider).where(Provider.kvk.in_(chunk)))})
    pids = [p.id for p in existing_p.values()]
    existing_l: dict[tuple[int, str], Location] = {}
    existing_o: dict[tuple[int, str], Offering] = {}
    for chunk in _in_chunks(pids):
        existing_l.update({(loc.provider_id, loc.name): loc for loc in session.exec(select(Location).where(Location.provider_id.in_(chunk)))})
        existing_o.update({(o.provider_id, o.offering_ref): o for o in session.exec(select(Offering).where(Offering.provider_id.in_(chunk)))})

    counts = {"provider": [0, 0], "location": [0, 0], "offering": [0, 0]}

    def apply(obj, values: dict, kind: str) -> bool:
        if any(getattr(obj, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(obj, k, v)
            obj.updated_at = now
            obj.row_version = (obj.row_version or 0) + 1  # an edit form loaded before the import is now stale
            session.add(obj)
            counts[kind][1] += 1
            return True
        return False

    new_providers = []
    for kvk, (_, p) in providers.items():
        values = p.model_dump()
        if kvk in existing_p:
            apply(existing_p[kvk], values, "provider")
        else:
            new_providers.append(values | {"created_at": now, "updated_at": now})
    counts["provider"][0] = len(new_providers)
    if dry_run:
        for (kvk, name), _ in locations.items():
            pid = existing_p[kvk].id if kvk in existing_p else None
            counts["location"][0 if (pid, name) not in existing_l else 1] += 1
        for kvk, ref in offerings:
            pid = existing_p[kvk].id if kvk in existing_p else None
            counts["offering"][0 if (pid, ref) not in existing_o else 1] += 1
        session.rollback()
        result.created = {k: v[0] for k, v in counts.items()}
        result.updated = {k: v[1] for k, v in counts.items()}
        return result
    pid_by_kvk = {kvk: p.id for kvk, p in existing_p.items()}
    if new_providers:
        for row in session.execute(insert(Provider).returning(Provider.id, Provider.kvk, sort_by_parameter_order=True),
                                   new_providers):
            pid_by_kvk[row.kvk] = row.id

    loc_by_key: dict[tuple[str, str], tuple[int, object]] = {}
    moved: dict[int, dict] = {}
    new_locations, new_keys = [], []
    for (kvk, name), (_, loc, point) in locations.items():
        pid = pid_by_kvk[kvk]
        values = loc.model_dump() | {"lat": point.lat, "lon": point.lon, "gemeente_code": point.gemeente_code,
                                     "region_code": point.region_code}
        if values["city"] is None:
            values["city"] = point.place
        current = existing_l.get((pid, name))
        if current is not None:
            if apply(current, values, "location"):
                moved[current.id] = values  # every offering of the location moves, also those not in the file
            loc_by_key[(kvk, name)] = (current.id, values)
        else:
            new_locations.append(values | {"provider_id": pid, "created_at": now, "updated_at": now})
            new_keys.append((kvk, name))
    counts["location"][0] = len(new_locations)
    for chunk_rows, chunk_keys in zip(_in_chunks(new_locations, 5000), _in_chunks(new_keys, 5000), strict=True):
        ids = session.execute(insert(Location).returning(Location.id, sort_by_parameter_order=True), chunk_rows).scalars().all()
        for key, lid, values in zip(chunk_keys, ids, chunk_rows, strict=True):
            loc_by_key[key] = (lid, values)

    new_offerings = []
    for (kvk, ref), (_, loc_name, off) in offerings.items():
        pid = pid_by_kvk[kvk]
        lid, lvalues = loc_by_key[(kvk, loc_name)]
        values = offering_values(off) | {"location_id": lid, "lat": lvalues["lat"], "lon": lvalues["lon"],
                                         "gemeente_code": lvalues["gemeente_code"], "region_code": lvalues["region_code"]}
        current = existing_o.get((pid, ref))
        if current is not None:
            apply(current, values, "offering")
        else:
            new_offerings.append(values | {"provider_id": pid, "created_at": now, "updated_at": now,
                                           "freshness": "unknown", "active": True, "needs_update": False,
                                           # the column defaults would look these up per row
                                           "hsds_id": hsds_ids.service_id(kvk, ref),
                                           "hsds_sal_id": hsds_ids.service_at_location_id(kvk, ref, loc_name)})
    session.flush()
    move_offerings(session, moved)
    counts["offering"][0] = len(new_offerings)
    for chunk_rows in _in_chunks(new_offerings, 5000):
        session.execute(insert(Offering), chunk_rows)
    session.flush()
    result.created = {k: v[0] for k, v in counts.items()}
    result.updated = {k: v[1] for k, v in counts.items()}
    auditlog.record(session, action="import", entity="provider_file", entity_id=filename, user=user, actor=actor,
                    detail={"rows": result.rows, "created": result.created, "updated": result.updated})
    return result
