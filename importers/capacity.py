"""Capacity updates in bulk: a CSV/XLSX file (CLI or portal upload) or JSON records (API).

Each row is a capacity report and confirms its offering as of ``reported_at`` (optional, ISO 8601,
from 2000 on and not in the future; default now), exactly like a portal update.

Partial records: a column the file does not have, or a key the JSON record leaves out, keeps the
offering's current value; an empty cell or an explicit ``null`` means "unknown". A JSON key that is
not a known column is an error, like an unknown column in a file. The resulting state must pass the
same rules as the portal (``availability.state_problems``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, col, select

from importers.tabular import Table, read_columns
from importers.validation import ImportRejected, ImportResult, RowError, schema_errors
from wijzer.domain import FRESH_DAYS, STALE_DAYS
from wijzer.models import Offering, Provider
from wijzer.schemas import CapacityInput, ReportedAt, validate
from wijzer.services import auditlog
from wijzer.services.availability import merged_values, record_reports_bulk, state_problems
from wijzer.timeutil import today_local, utcnow

COLUMNS = (
    "kvk",
    "offering_ref",
    "free_places",
    "total_places",
    "waiting_weeks_intake",
    "waiting_weeks_treatment",
    "waitlist_length",
    "intake_status",
    "status_until",
    "next_free_date",
    "note",
    "reported_at",
)
REQUIRED = ("kvk", "offering_ref")
FIELD_TO_COLUMN = {
    "free_places": "free_places",
    "total_places": "total_places",
    "wait_intake": "waiting_weeks_intake",
    "wait_treatment": "waiting_weeks_treatment",
    "waitlist_length": "waitlist_length",
    "intake_status": "intake_status",
    "status_until": "status_until",
    "next_free_date": "next_free_date",
    "note": "note",
    "reported_at": "reported_at",
    "__all__": "status_until",
}
VALUE_COLUMNS = tuple(c for c in COLUMNS if c not in ("kvk", "offering_ref", "reported_at"))


def _offering_index(session: Session, kvks: set[str]) -> dict[tuple[str, str], Offering]:
    index: dict[tuple[str, str], Offering] = {}
    kv = sorted(kvks)
    for i in range(0, len(kv), 500):
        for off, kvk in session.exec(
            select(Offering, Provider.kvk)
            .join(Provider, col(Provider.id) == Offering.provider_id)
            .where(col(Provider.kvk).in_(kv[i : i + 500]))
        ):
            index[(kvk, off.offering_ref)] = off
    return index


def validate_records(
    session: Session,
    records: list[tuple[int, dict]],
    *,
    only_provider_id: int | None = None,
    progress: Callable[[int], None] | None = None,
):
    """records: (row number or index, {column: value}). Returns (items, errors)."""
    errors: list[RowError] = []
    norm = []
    for row_no, rec in records:
        kvk = str(rec.get("kvk") or "").strip()
        if kvk.isdigit() and len(kvk) < 8:
            kvk = kvk.zfill(8)
        norm.append((row_no, kvk, str(rec.get("offering_ref") or "").strip(), rec))
    index = _offering_index(session, {k for _, k, _, _ in norm if k})
    today = today_local()
    items = []
    seen: dict[tuple[str, str, str], int] = {}
    for n, (row_no, kvk, ref, rec) in enumerate(norm, start=1):
        if progress and n % 1000 == 0:
            progress(1000)
        known = index.get((kvk, ref))
        if (
            known is not None
            and known.last_reported_at is None
            and (only_provider_id is None or known.provider_id == only_provider_id)
            and not any(str(rec.get(c) or "").strip() for c in VALUE_COLUMNS)
        ):
            continue  # never reported and left empty (e.g. a downloaded file): nothing to record
        unknown = [k for k in rec if k not in COLUMNS]
        for key in unknown:
            errors.append(RowError(row_no, str(key)[:64], "Onbekend veld (controleer de spelling)."))
        data = {
            f: rec[col]
            for f, col in FIELD_TO_COLUMN.items()
            if f not in ("reported_at", "__all__") and col in rec
        }
        cap, e1 = validate(CapacityInput, data)
        when, e2 = validate(ReportedAt, {"reported_at": rec.get("reported_at")})
        errors += schema_errors(row_no, e1, FIELD_TO_COLUMN)
        errors += schema_errors(row_no, e2, FIELD_TO_COLUMN)
        if not kvk:
            errors.append(RowError(row_no, "kvk", "Dit veld is verplicht."))
            continue
        if not ref:
            errors.append(RowError(row_no, "offering_ref", "Dit veld is verplicht."))
            continue
        off = index.get((kvk, ref))
        if off is None:
            errors.append(
                RowError(
                    row_no,
                    "offering_ref",
                    f"geen aanbod met KvK {kvk} en kenmerk '{ref}' (importeer eerst de aanbieders)",
                )
            )
            continue
        if only_provider_id is not None and off.provider_id != only_provider_id:
            errors.append(RowError(row_no, "kvk", f"aanbod van KvK {kvk} hoort niet bij uw organisatie"))
            continue
        if cap is None or when is None:
            continue
        state = state_problems(merged_values(off, cap), today)
        if state:
            errors += schema_errors(row_no, state, FIELD_TO_COLUMN)
            continue
        key = (kvk, ref, when.reported_at.isoformat() if when.reported_at else "now")
        if key in seen:
            errors.append(
                RowError(
                    row_no,
                    "offering_ref",
                    f"dubbele melding: hetzelfde aanbod en meldmoment staat ook in rij {seen[key]}",
                )
            )
            continue
        seen[key] = row_no
        items.append((off, cap, when.reported_at))
    return items, errors


def import_capacity_records(
    session: Session,
    records: list[tuple[int, dict]],
    *,
    source: str,
    dry_run: bool = False,
    only_provider_id: int | None = None,
    user=None,
    actor: str = "import",
    config=None,
    label: str | None = None,
    progress=None,
    now: datetime | None = None,
) -> ImportResult:
    items, errors = validate_records(session, records, only_provider_id=only_provider_id, progress=progress)
    if errors:
        raise ImportRejected(errors)
    result = ImportResult(rows=len(records), dry_run=dry_run, created={"report": len(items)})
    if dry_run:
        return result  # nothing was written; the caller's session and transaction are left alone
    record_reports_bulk(
        session,
        items,
        source=source,
        user=user,
        now=now or utcnow(),
        fresh_days=config["FRESH_DAYS"] if config else FRESH_DAYS,
        stale_days=config["STALE_DAYS"] if config else STALE_DAYS,
    )
    auditlog.record(
        session,
        action="import",
        entity="capacity",
        entity_id=label,
        user=user,
        actor=actor,
        detail={"rows": len(items), "source": source},
    )
    return result


def read_file(source: str | Path | bytes, filename: str | None = None, max_bytes: int | None = None) -> Table:
    return read_columns(tuple(COLUMNS), tuple(REQUIRED), source, filename, max_bytes=max_bytes)


def import_capacity(
    session: Session,
    source,
    filename: str | None = None,
    *,
    dry_run: bool = False,
    only_provider_id: int | None = None,
    user=None,
    actor: str = "import",
    config=None,
    max_bytes: int | None = None,
    progress=None,
    source_kind: str = "import",
) -> ImportResult:
    table = source if isinstance(source, Table) else read_file(source, filename, max_bytes)
    return import_capacity_records(
        session,
        table.rows,
        source=source_kind,
        dry_run=dry_run,
        only_provider_id=only_provider_id,
        user=user,
        actor=actor,
        config=config,
        label=filename,
        progress=progress,
    )
