"""Reference data (jeugdregio's, gemeenten, PC4) from the files shipped in wijzer/data.

Source and licence: wijzer/data/SOURCES.md (GeoNames and CBS/PDOK, CC BY 4.0). Idempotent: loading
twice changes nothing; changed source rows are updated in place. Region settings (contact address,
norms) entered by admins are never overwritten.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from sqlmodel import Session, SQLModel, select

from wijzer.geo import DATA_DIR
from wijzer.models import Gemeente, Jeugdregio, PostcodeArea


def _rows(name: str) -> Iterator[dict[str, str]]:
    with open(DATA_DIR / name, encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


def _upsert(
    session: Session, model: type[SQLModel], key: str, records: list[dict[str, Any]]
) -> tuple[int, int]:
    existing = {getattr(o, key): o for o in session.exec(select(model)).all()}
    created = updated = 0
    for rec in records:
        obj = existing.get(rec[key])
        if obj is None:
            session.add(model(**rec))
            created += 1
        elif any(getattr(obj, k) != v for k, v in rec.items()):
            for k, v in rec.items():
                setattr(obj, k, v)
            updated += 1
    session.flush()
    return created, updated


def load_reference_data(session: Session) -> dict[str, tuple[int, int]]:
    """Load or refresh the reference tables. Returns {table: (created, updated)}."""
    result = {}
    result["jeugdregio"] = _upsert(
        session,
        Jeugdregio,
        "code",
        [
            {
                "code": r["jeugdregio_code"],
                "name": r["jeugdregio_name"],
                "lat": float(r["lat"]),
                "lon": float(r["lon"]),
            }
            for r in _rows("jeugdregios.csv")
        ],
    )
    result["gemeente"] = _upsert(
        session,
        Gemeente,
        "code",
        [
            {
                "code": r["gemeente_code"],
                "name": r["gemeente_name"],
                "province_code": r["province_code"],
                "province_name": r["province_name"],
                "region_code": r["jeugdregio_code"],
                "lat": float(r["lat"]),
                "lon": float(r["lon"]),
            }
            for r in _rows("gemeenten.csv")
        ],
    )
    result["postcode_area"] = _upsert(
        session,
        PostcodeArea,
        "pc4",
        [
            {
                "pc4": r["postcode"],
                "lat": float(r["lat"]),
                "lon": float(r["lon"]),
                "place": r["place"],
                "municipality_code": r["gemeente_code"],
            }
            for r in _rows("pc4.csv")
        ],
    )
    return result
