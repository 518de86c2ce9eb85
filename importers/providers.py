"""Provider lists (one row per offering) from CSV/XLSX: providers, locations and offerings.

Key of an offering: (kvk, offering_ref); re-importing updates in place. Importing descriptions
confirms nothing: no capacity report is written.

``plan_import`` compares the file with the database without writing (the preview: new / changed /
unchanged providers, locations and offerings, staff to invite) and gives a fingerprint of that
comparison; ``import_providers`` applies the same plan. The optional column ``staff_emails``
(``medewerkers``) lists e-mail addresses separated by ``|``: each address without an account or an
earlier invitation for that provider gets one (the provider's first address as provider admin), so
re-importing the same file invites nobody twice.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import insert
from sqlmodel import Session, col, select

from importers.tabular import Table, read_columns
from importers.validation import ImportRejected, ImportResult, RowError, schema_errors
from wijzer import hsds_ids
from wijzer.db import insert_rows
from wijzer.geo import PostcodeError, lookup_postcode
from wijzer.models import Invitation, Location, Offering, Provider, User
from wijzer.schemas import LocationInput, OfferingInput, ProviderInput, validate
from wijzer.services import auditlog
from wijzer.services.catalogue import move_offerings, offering_values
from wijzer.timeutil import utcnow

COLUMNS = (
    "provider_name",
    "kvk",
    "agb",
    "website",
    "phone",
    "email",
    "location_name",
    "street",
    "house_number",
    "postcode",
    "city",
    "offering_ref",
    "care_type",
    "tags",
    "min_age",
    "max_age",
    "modalities",
    "funding",
    "regions",
    "category",
    "description",
    "staff_emails",
)
REQUIRED = ("provider_name", "kvk", "location_name", "postcode", "offering_ref", "care_type")
PROVIDER_MAP = {
    "name": "provider_name",
    "kvk": "kvk",
    "agb": "agb",
    "website": "website",
    "phone": "phone",
    "email": "email",
}
LOCATION_MAP = {
    "name": "location_name",
    "street": "street",
    "house_number": "house_number",
    "postcode": "postcode",
    "city": "city",
}
OFFERING_MAP = {
    "offering_ref": "offering_ref",
    "care_type": "care_type",
    "tags": "tags",
    "min_age": "min_age",
    "max_age": "max_age",
    "modalities": "modalities",
    "funding": "funding",
    "contract_regions": "regions",
    "category": "category",
    "description": "description",
}
CHUNK = 500


def _pick(row: dict, mapping: dict[str, str], drop_blank: tuple[str, ...] = ()) -> dict:
    out = {field: row.get(col, "") for field, col in mapping.items()}
    for f in drop_blank:
        if not str(out.get(f, "")).strip():
            out.pop(f, None)
    return out


STAFF_SPLIT = re.compile(r"[|;,\s]+")
EMAIL_RE = re.compile(r"^[^@\s|;,]+@[^@\s|;,]+\.[^@\s|;,]+$")


def _staff(row_no: int, raw: str, errors: list[RowError]) -> list[str]:
    emails = [e.strip().lower() for e in STAFF_SPLIT.split(raw or "") if e.strip()]
    bad = [e for e in emails if not EMAIL_RE.match(e) or len(e) > 254]
    if bad:
        errors.append(
            RowError(
                row_no, "staff_emails", f"geen geldig e-mailadres: {', '.join(bad)} (scheid adressen met |)"
            )
        )
        return []
    return emails


_M = TypeVar("_M", bound=BaseModel)


def _validated(
    model: type[_M], data: dict[str, Any], seen: dict[tuple[Any, ...], tuple[_M | None, dict[str, str]]]
) -> tuple[_M | None, dict[str, str]]:
    """``validate`` once per distinct set of values (``seen`` keeps the answers of this file)."""
    key = tuple((k, type(v), v) for k, v in data.items())  # 1 and True are equal, but not the same input
    try:
        found = seen.get(key)
    except TypeError:  # an unhashable cell value: validated as it is
        return validate(model, data)
    if found is None:
        found = seen[key] = validate(model, data)
    return found


def validate_rows(table: Table, progress: Callable[[int], None] | None = None, staff: dict | None = None):
    """``staff`` (optional, filled in): kvk -> e-mail addresses of its staff in file order."""
    errors: list[RowError] = []
    providers: dict[str, tuple[int, ProviderInput]] = {}
    locations: dict[tuple[str, str], tuple[int, LocationInput, object]] = {}
    offerings: dict[tuple[str, str], tuple[int, str, OfferingInput]] = {}
    # A provider (and a location) repeats on each of its offerings' rows: the same values are validated
    # once (the e-mail check alone was a fifth of a 40,000-row import); the problems still count per row.
    seen_providers: dict[tuple[Any, ...], tuple[ProviderInput | None, dict[str, str]]] = {}
    seen_locations: dict[tuple[Any, ...], tuple[LocationInput | None, dict[str, str]]] = {}
    for n, (row_no, row) in enumerate(table.rows, start=1):
        if progress and n % 1000 == 0:
            progress(1000)
        p, e1 = _validated(ProviderInput, _pick(row, PROVIDER_MAP), seen_providers)
        loc, e2 = _validated(LocationInput, _pick(row, LOCATION_MAP), seen_locations)
        off, e3 = validate(OfferingInput, _pick(row, OFFERING_MAP, drop_blank=("min_age", "max_age")))
        errors += schema_errors(row_no, e1, PROVIDER_MAP)
        errors += schema_errors(row_no, e2, LOCATION_MAP)
        errors += schema_errors(row_no, e3, OFFERING_MAP | {"__all__": "max_age"})
        emails = _staff(row_no, row.get("staff_emails", ""), errors)
        if staff is not None and p is not None and emails:
            listed = staff.setdefault(p.kvk, [])
            listed += [e for e in emails if e not in listed]
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
            errors.append(
                RowError(
                    row_no,
                    "provider_name",
                    f"andere aanbiedersgegevens voor KvK {p.kvk} dan in rij {first[0]}",
                )
            )
        lkey = (p.kvk, loc.name)
        lfirst = locations.setdefault(lkey, (row_no, loc, point))
        if lfirst[1] != loc:
            errors.append(
                RowError(
                    row_no,
                    "location_name",
                    f"locatie '{loc.name}' heeft een ander adres dan in rij {lfirst[0]}",
                )
            )
        okey = (p.kvk, off.offering_ref)
        if okey in offerings:
            errors.append(
                RowError(
                    row_no,
                    "offering_ref",
                    f"dubbele sleutel: KvK {p.kvk} met kenmerk "
                    f"'{off.offering_ref}' staat ook in rij {offerings[okey][0]}",
                )
            )
            continue
        offerings[okey] = (row_no, loc.name, off)
    return providers, locations, offerings, errors


def _in_chunks(values: list, size: int = CHUNK):
    for i in range(0, len(values), size):
        yield values[i : i + size]


def read_file(source: str | Path | bytes, filename: str | None = None, max_bytes: int | None = None) -> Table:
    return read_columns(tuple(COLUMNS), tuple(REQUIRED), source, filename, max_bytes=max_bytes)


@dataclass
class PlanItem:
    kind: str  # provider | location | offering | invitation
    key: str  # human-readable key: 'KvK 12345678', 'KvK 12345678 / Locatie', 'KvK 12345678 / REF'
    status: str  # new | changed | unchanged
    changes: dict = field(default_factory=dict)  # field -> [old, new] for changed items


@dataclass
class ImportPlan:
    rows: int
    items: list[PlanItem]
    fingerprint: str
    # What import_providers needs to write (not part of the preview).
    _providers: dict = field(default_factory=dict, repr=False)
    _locations: dict = field(default_factory=dict, repr=False)
    _offerings: dict = field(default_factory=dict, repr=False)
    _staff: dict = field(default_factory=dict, repr=False)
    _existing: tuple = field(default=(), repr=False)

    def count(self, kind: str, status: str) -> int:
        return sum(1 for i in self.items if i.kind == kind and i.status == status)

    def of(self, kind: str, status: str) -> list[PlanItem]:
        return [i for i in self.items if i.kind == kind and i.status == status]


def _jsonable(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _diff(obj, values: dict) -> dict:
    return {k: [_jsonable(getattr(obj, k)), _jsonable(v)] for k, v in values.items() if getattr(obj, k) != v}


def _load_existing(session: Session, kvks: list[str]):
    existing_p: dict[str, Provider] = {}
    for chunk in _in_chunks(kvks):
        existing_p.update(
            {p.kvk: p for p in session.exec(select(Provider).where(col(Provider.kvk).in_(chunk)))}
        )
    pids = [p.id for p in existing_p.values()]
    existing_l: dict[tuple[int, str], Location] = {}
    existing_o: dict[tuple[int, str], Offering] = {}
    for chunk in _in_chunks(pids):
        existing_l.update(
            {
                (loc.provider_id, loc.name): loc
                for loc in session.exec(select(Location).where(col(Location.provider_id).in_(chunk)))
            }
        )
        existing_o.update(
            {
                (o.provider_id, o.offering_ref): o
                for o in session.exec(select(Offering).where(col(Offering.provider_id).in_(chunk)))
            }
        )
    return existing_p, existing_l, existing_o


def _location_values(loc, point) -> dict:
    values = loc.model_dump() | {
        "lat": point.lat,
        "lon": point.lon,
        "municipality_code": point.municipality_code,
        "region_code": point.region_code,
    }
    if values["city"] is None:
        values["city"] = point.place
    return values


def _staff_state(session: Session, staff: dict[str, list[str]], pid_by_kvk: dict[str, int | None]):
    """kvk -> [(email, provider_admin, status)], status 'new' (to invite), 'account' or 'invited'."""
    emails = sorted({e for listed in staff.values() for e in listed})
    accounts, invited = set(), set()
    for chunk in _in_chunks(emails):
        accounts |= set(session.exec(select(User.email).where(col(User.email).in_(chunk))).all())
        invited |= set(session.exec(select(Invitation.email).where(col(Invitation.email).in_(chunk))).all())
    out: dict[str, list[tuple[str, bool, str]]] = {}
    seen: set[str] = set()
    for kvk, listed in staff.items():
        out[kvk] = []
        for n, e in enumerate(listed):
            out[kvk].append(
                (e, n == 0, "account" if e in accounts else "invited" if e in invited or e in seen else "new")
            )
            seen.add(e)
    return out


def plan_import(
    session: Session,
    source,
    filename: str | None = None,
    *,
    max_bytes: int | None = None,
    only_region: str | None = None,
    file_hash: str = "",
    progress: Callable[[int], None] | None = None,
) -> ImportPlan:
    """Validate the file and compare it with the database, writing nothing. ``only_region``: every row
    must be located in or contracted by this jeugdregio (a regiobeheerder's upload)."""
    table = source if isinstance(source, Table) else read_file(source, filename, max_bytes)
    staff: dict[str, list[str]] = {}
    providers, locations, offerings, errors = validate_rows(table, progress, staff)
    if only_region:
        for (kvk, ref), (row_no, loc_name, off) in offerings.items():
            point = locations[(kvk, loc_name)][2]
            if point.region_code != only_region and only_region not in off.contract_regions:
                errors.append(
                    RowError(
                        row_no,
                        "regions",
                        f"aanbod '{ref}' ligt buiten {only_region} en heeft er "
                        "geen contract: u kunt alleen aanbod van uw eigen "
                        "jeugdregio importeren",
                    )
                )
    if errors:
        # columns named as in the file (Dutch headers)
        raise ImportRejected(table.relabel(sorted(errors, key=lambda e: (e.row, e.column))))
    existing_p, existing_l, existing_o = _load_existing(session, list(providers))
    items: list[PlanItem] = []
    for kvk, (_, p) in providers.items():
        current = existing_p.get(kvk)
        changes = _diff(current, p.model_dump()) if current else {}
        items.append(
            PlanItem(
                "provider",
                f"KvK {kvk} ({p.name})",
                "new" if current is None else "changed" if changes else "unchanged",
                changes,
            )
        )
    loc_ids: dict[tuple[str, str], int | None] = {}
    for (kvk, name), (_, loc, point) in locations.items():
        pid = existing_p[kvk].id if kvk in existing_p else None
        current = existing_l.get((pid, name))
        loc_ids[(kvk, name)] = current.id if current else None
        changes = _diff(current, _location_values(loc, point)) if current else {}
        items.append(
            PlanItem(
                "location",
                f"KvK {kvk} / {name}",
                "new" if current is None else "changed" if changes else "unchanged",
                changes,
            )
        )
    for (kvk, ref), (_, loc_name, off) in offerings.items():
        pid = existing_p[kvk].id if kvk in existing_p else None
        current = existing_o.get((pid, ref))
        changes = {}
        if current is not None:
            changes = _diff(current, offering_values(off))
            if current.location_id != loc_ids[(kvk, loc_name)]:
                changes["location"] = [current.location_id, loc_name]
        items.append(
            PlanItem(
                "offering",
                f"KvK {kvk} / {ref}",
                "new" if current is None else "changed" if changes else "unchanged",
                changes,
            )
        )
    pid_by_kvk = {kvk: (existing_p[kvk].id if kvk in existing_p else None) for kvk in providers}
    for kvk, entries in _staff_state(session, staff, pid_by_kvk).items():
        for email, is_admin, state in entries:
            items.append(
                PlanItem(
                    "invitation",
                    f"KvK {kvk} / {email}" + (" (beheerder)" if is_admin else ""),
                    "new" if state == "new" else "unchanged",
                    {}
                    if state == "new"
                    else {
                        "reden": ["", "heeft al een account" if state == "account" else "is al uitgenodigd"]
                    },
                )
            )
    digest = hashlib.sha256(file_hash.encode())
    digest.update(
        json.dumps(
            [[i.kind, i.key, i.status, i.changes] for i in items], default=str, sort_keys=True
        ).encode()
    )
    return ImportPlan(
        rows=len(table.rows),
        items=items,
        fingerprint=digest.hexdigest(),
        _providers=providers,
        _locations=locations,
        _offerings=offerings,
        _staff=staff,
        _existing=(existing_p, existing_l, existing_o),
    )


def import_providers(
    session: Session,
    source,
    filename: str | None = None,
    *,
    dry_run: bool = False,
    actor: str = "import",
    user=None,
    max_bytes: int | None = None,
    progress: Callable[[int], None] | None = None,
    plan: ImportPlan | None = None,
    config=None,
) -> ImportResult:
    """Apply the file (or an already computed ``plan``). With ``config`` the staff listed in
    ``staff_emails`` are invited (mail through wijzer.services.mail); without it they are not."""
    if plan is None:
        plan = plan_import(session, source, filename, max_bytes=max_bytes, progress=progress)
    providers, locations, offerings = plan._providers, plan._locations, plan._offerings
    existing_p, existing_l, existing_o = plan._existing
    now = utcnow()
    result = ImportResult(rows=plan.rows, dry_run=dry_run)
    result.created = {k: plan.count(k, "new") for k in ("provider", "location", "offering")}
    result.updated = {k: plan.count(k, "changed") for k in ("provider", "location", "offering")}
    if config is not None and plan.count("invitation", "new"):
        result.created["invitation"] = plan.count("invitation", "new")
    if dry_run:
        return result  # nothing was written; the caller's session and transaction are left alone

    def apply(obj, values: dict) -> bool:
        if any(getattr(obj, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(obj, k, v)
            obj.updated_at = now
            obj.row_version = (obj.row_version or 0) + 1  # an edit form loaded before the import is now stale
            session.add(obj)
            return True
        return False

    new_providers = []
    for kvk, (_, p) in providers.items():
        values = p.model_dump()
        if kvk in existing_p:
            apply(existing_p[kvk], values)
        else:
            new_providers.append(values | {"created_at": now, "updated_at": now})
    pid_by_kvk = {kvk: p.id for kvk, p in existing_p.items()}
    if new_providers:
        for values, pid in zip(new_providers, insert_rows(session, Provider, new_providers), strict=True):
            pid_by_kvk[values["kvk"]] = pid

    loc_by_key: dict[tuple[str, str], tuple[int, dict[str, Any]]] = {}
    moved: dict[int, Location | dict[str, Any]] = {}
    new_locations, new_keys = [], []
    for (kvk, name), (_, loc, point) in locations.items():
        pid = pid_by_kvk[kvk]
        values = _location_values(loc, point)
        current = existing_l.get((pid, name))
        if current is not None:
            if apply(current, values):
                moved[current.id] = values  # every offering of the location moves, also those not in the file
            loc_by_key[(kvk, name)] = (current.id, values)
        else:
            new_locations.append(values | {"provider_id": pid, "created_at": now, "updated_at": now})
            new_keys.append((kvk, name))
    new_ids = insert_rows(session, Location, new_locations)
    for key, lid, values in zip(new_keys, new_ids, new_locations, strict=True):
        loc_by_key[key] = (lid, values)

    new_offerings = []
    for (kvk, ref), (_, loc_name, off) in offerings.items():
        pid = pid_by_kvk[kvk]
        lid, lvalues = loc_by_key[(kvk, loc_name)]
        values = offering_values(off) | {
            "location_id": lid,
            "lat": lvalues["lat"],
            "lon": lvalues["lon"],
            "municipality_code": lvalues["municipality_code"],
            "region_code": lvalues["region_code"],
        }
        current = existing_o.get((pid, ref))
        if current is not None:
            apply(current, values)
        else:
            new_offerings.append(
                values
                | {
                    "provider_id": pid,
                    "created_at": now,
                    "updated_at": now,
                    "freshness": "unknown",
                    "active": True,
                    "needs_update": False,
                    # the column defaults would look these up per row
                    "hsds_id": hsds_ids.service_id(kvk, ref),
                    "hsds_sal_id": hsds_ids.service_at_location_id(kvk, ref, loc_name),
                }
            )
    session.flush()
    move_offerings(session, moved)
    for chunk_rows in _in_chunks(new_offerings, 5000):
        session.execute(insert(Offering), chunk_rows)
    session.flush()
    invited = 0
    if config is not None and plan._staff:
        from wijzer.services import onboarding

        for kvk, entries in _staff_state(session, plan._staff, pid_by_kvk).items():
            for email, is_admin, state in entries:
                if state != "new":
                    continue
                onboarding.invite(
                    session,
                    None,
                    email=email,
                    role="provider",
                    config=config,
                    provider_id=pid_by_kvk[kvk],
                    provider_admin=is_admin,
                )
                invited += 1
    auditlog.record(
        session,
        action="import",
        entity="provider_file",
        entity_id=filename,
        user=user,
        actor=actor,
        detail={
            "rows": result.rows,
            "created": result.created,
            "updated": result.updated,
            "invited": invited,
        },
    )
    return result
