"""Reading CSV (UTF-8, comma or semicolon) and XLSX files into rows of strings, with clear errors."""
from __future__ import annotations

import codecs
import csv
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from importers.validation import ImportRejected, RowError

MAX_BYTES_DEFAULT = 50 * 1024 * 1024


@dataclass
class Table:
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (spreadsheet row number, {column: text})


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _check_columns(columns: list[str], required: tuple[str, ...], optional: tuple[str, ...]) -> list[RowError]:
    errors = []
    missing = [c for c in required if c not in columns]
    if missing:
        errors.append(RowError(1, ", ".join(missing), "verplichte kolom ontbreekt"))
    unknown = [c for c in columns if c and c not in required and c not in optional]
    if unknown:
        errors.append(RowError(1, ", ".join(unknown), "onbekende kolom (controleer de spelling)"))
    dupes = sorted({c for c in columns if c and columns.count(c) > 1})
    if dupes:
        errors.append(RowError(1, ", ".join(dupes), "kolom staat er meer dan eens in"))
    return errors


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        raise ImportRejected([RowError(0, "", "Het bestand is UTF-16. Sla het op als CSV UTF-8 (door komma's of puntkomma's gescheiden).")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportRejected([RowError(line, "", "Het bestand is niet in UTF-8 opgeslagen (bijvoorbeeld Windows-1252). "
                                                 "Sla het op als 'CSV UTF-8' en probeer het opnieuw.")]) from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 (openpyxl raises many kinds for a damaged file)
        raise ImportRejected([RowError(0, "", "Het Excel-bestand kan niet worden gelezen (is het een geldig .xlsx-bestand?).")]) from None
    ws = wb.worksheets[0]
    for row in ws.iter_rows(values_only=True):
        yield [_cell(v) for v in row]
    wb.close()


def read_table(source: str | Path | bytes, filename: str | None = None, *, required: tuple[str, ...],
               optional: tuple[str, ...] = (), max_bytes: int = MAX_BYTES_DEFAULT) -> Table:
    """Read a .csv or .xlsx file (path or bytes). Raises ImportRejected with Dutch messages."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        filename = filename or path.name
        if not path.is_file():
            raise ImportRejected([RowError(0, "", f"Bestand '{path}' bestaat niet.")])
        size = os.path.getsize(path)
        if size > max_bytes:
            raise ImportRejected([RowError(0, "", f"Het bestand is te groot ({size / 1_048_576:.0f} MB; hoogstens "
                                                  f"{max_bytes / 1_048_576:.0f} MB). Splits het in kleinere bestanden.")])
        data = path.read_bytes()
    else:
        data = source
        if len(data) > max_bytes:
            raise ImportRejected([RowError(0, "", f"Het bestand is te groot ({len(data) / 1_048_576:.0f} MB; hoogstens "
                                                  f"{max_bytes / 1_048_576:.0f} MB). Splits het in kleinere bestanden.")])
    name = (filename or "").lower()
    if not data.strip():
        raise ImportRejected([RowError(0, "", "Het bestand is leeg.")])
    if name.endswith(".xlsx") or data[:2] == b"PK":
        raw = _xlsx_rows(data)
    elif name.endswith(".csv") or name.endswith(".txt") or not name:
        raw = _csv_rows(data)
    else:
        raise ImportRejected([RowError(0, "", "Gebruik een .csv- of .xlsx-bestand.")])
    rows_iter = iter(raw)
    try:
        header = next(rows_iter)
    except StopIteration:
        raise ImportRejected([RowError(0, "", "Het bestand is leeg.")]) from None
    except csv.Error as exc:
        raise ImportRejected([RowError(1, "", f"De CSV kan niet worden gelezen: {exc}")]) from None
    columns = [c.strip().lower().lstrip("\ufeff") for c in header]
    errors = _check_columns(columns, required, optional)
    if errors:
        raise ImportRejected(errors)
    rows = []
    try:
        for number, values in enumerate(rows_iter, start=2):
            if not any(v.strip() for v in values):
                continue  # blank line
            if len(values) > len(columns) and any(v.strip() for v in values[len(columns):]):
                errors.append(RowError(number, "", f"de rij heeft {len(values)} waarden, de kop {len(columns)} kolommen"))
                continue
            rows.append((number, {c: (values[i].strip() if i < len(values) else "") for i, c in enumerate(columns) if c}))
    except csv.Error as exc:
        raise ImportRejected([RowError(0, "", f"De CSV kan niet worden gelezen: {exc}")]) from None
    if errors:
        raise ImportRejected(errors)
    if not rows:
        raise ImportRejected([RowError(0, "", "Het bestand bevat alleen een kopregel en geen gegevens.")])
    return Table(columns, rows)
