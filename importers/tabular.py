"""Reading CSV (UTF-8, comma or semicolon) and XLSX files into rows of strings, with clear errors.

Hostile files are refused within ``importers.limits.ImportLimits`` (bytes, rows, columns, cell length,
wall time; for XLSX the zip's parts and unpacked size, checked before anything is parsed). openpyxl
parses through defusedxml (installed as a dependency), so XML entity tricks are refused as well.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from importers.headers import resolver
from importers.limits import MB, Deadline, ImportLimits, file_error, too_big
from importers.validation import ImportRejected, RowError
from wijzer.schemas import has_nul

MAX_BYTES_DEFAULT = ImportLimits.max_bytes
_RATIO_FROM = 1024 * 1024  # parts smaller than this may compress as well as they like


@dataclass
class Table:
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (spreadsheet row number, {column: text})
    labels: dict[str, str] = field(default_factory=dict)  # column -> its header in the file, if different

    def relabel(self, errors: list[RowError]) -> list[RowError]:
        """Errors with each column named as the file names it ('Vrije plekken' rather than free_places)."""
        if not self.labels:
            return errors
        return [
            RowError(
                e.row,
                ", ".join(self.labels.get(c, c) for c in e.column.split(", ")) if e.column else "",
                e.message,
            )
            for e in errors
        ]


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


def _check_columns(
    columns: list[str], required: tuple[str, ...], optional: tuple[str, ...]
) -> list[RowError]:
    """Missing, unknown and repeated columns; linear in the number of columns."""
    errors = []
    present = set(columns)
    known = set(required) | set(optional)
    missing = [c for c in required if c not in present]
    if missing:
        errors.append(RowError(1, ", ".join(missing), "verplichte kolom ontbreekt"))
    unknown = [c for c in columns if c and c not in known]
    if unknown:
        errors.append(RowError(1, ", ".join(unknown), "onbekende kolom (controleer de spelling)"))
    counts = Counter(c for c in columns if c)
    dupes = sorted(c for c, n in counts.items() if n > 1)
    if dupes:
        errors.append(RowError(1, ", ".join(dupes), "kolom staat er meer dan eens in"))
    return errors


def _csv_rows(data: bytes, limits: ImportLimits) -> Iterator[list[str]]:
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        raise ImportRejected(
            [
                RowError(
                    0,
                    "",
                    "Het bestand is UTF-16. Sla het op als CSV UTF-8 (door komma's of puntkomma's gescheiden).",
                )
            ]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportRejected(
            [
                RowError(
                    line,
                    "",
                    "Het bestand is niet in UTF-8 opgeslagen (bijvoorbeeld Windows-1252). "
                    "Sla het op als 'CSV UTF-8' en probeer het opnieuw.",
                )
            ]
        ) from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                # The csv module's own limit (131,072 characters) is above ours: the same message.
                raise _cell_too_long(reader.line_num, "", None, limits) from None
            raise ImportRejected(
                [RowError(reader.line_num, "", f"De CSV kan niet worden gelezen: {exc}")]
            ) from None


def _check_zip(data: bytes, limits: ImportLimits) -> None:
    """Refuse a zip bomb before anything is unpacked: number of parts, unpacked sizes and ratios.

    The sizes are those declared in the zip's central directory; zipfile stops unpacking a part at its
    declared size (and then fails its CRC check), so a part cannot grow beyond what is checked here.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise file_error(
            "Het Excel-bestand kan niet worden gelezen (is het een geldig .xlsx-bestand?)."
        ) from None
    if len(infos) > limits.max_zip_members:
        raise file_error(
            f"Het Excel-bestand heeft te veel onderdelen ({len(infos)}; hoogstens "
            f"{limits.max_zip_members}). Sla het opnieuw op als gewoon .xlsx-bestand."
        )
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _RATIO_FROM and ratio > limits.max_zip_ratio:
            raise file_error(
                f"Het Excel-bestand wordt uitgepakt verdacht groot: onderdeel {info.filename} is "
                f"{info.file_size / MB:.0f} MB uitgepakt, {ratio:.0f} keer zo groot als ingepakt "
                f"(hoogstens {limits.max_zip_ratio} keer). Het bestand is niet gelezen."
            )
    if total > limits.max_uncompressed_bytes:
        raise file_error(
            f"Het Excel-bestand is uitgepakt te groot ({total / MB:.0f} MB; hoogstens "
            f"{limits.max_uncompressed_bytes / MB:.0f} MB). Splits het in kleinere bestanden."
        )


def _xlsx_rows(data: bytes, limits: ImportLimits) -> Iterator[list[str]]:
    """Rows of the first sheet, read in read-only mode without trusting its declared dimension.

    Every read is guarded: the sheet is parsed while rows are taken, so XML that breaks halfway
    through (after the workbook loaded) becomes a Dutch file-level error, not an exception.
    """
    _check_zip(data, limits)
    # imported late: half a second that CSV imports and non-zip files do not need
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        ws = wb.worksheets[0]
        ws.reset_dimensions()  # a declared <dimension> of A1:XFD1048576 would pad every row
    except Exception:
        raise file_error(
            "Het Excel-bestand kan niet worden gelezen (is het een geldig .xlsx-bestand?)."
        ) from None
    # One column more than allowed, so that a header that is too wide is seen; a cell in a far column
    # (XFD) no longer makes the row 16,384 values long.
    rows = ws.iter_rows(max_col=limits.max_columns + 1, values_only=True)
    number = 0
    try:
        while True:
            try:
                row = next(rows)
            except StopIteration:
                break
            except Exception:
                raise file_error(
                    f"Het Excel-bestand is beschadigd: rij {number + 1} kan niet worden gelezen. "
                    "Open het in Excel en sla het opnieuw op."
                ) from None
            number += 1
            yield [_cell(v) for v in row]
    finally:
        wb.close()


def _cell_too_long(row: int, column: str, length: int | None, limits: ImportLimits) -> ImportRejected:
    size = f" ({length} tekens)" if length is not None else ""
    return ImportRejected(
        [RowError(row, column, f"de cel is te lang{size}; hoogstens {limits.max_cell_chars} tekens per cel")]
    )


def _read_source(source: str | Path | bytes, filename: str | None, limits: ImportLimits) -> tuple[bytes, str]:
    if isinstance(source, (str, Path)):
        path = Path(source)
        filename = filename or path.name
        if not path.is_file():
            raise file_error(f"Bestand '{path}' bestaat niet.")
        size = os.path.getsize(path)
        if size > limits.max_bytes:
            raise too_big(size, limits.max_bytes)
        with open(path, "rb") as fh:
            data = fh.read(limits.max_bytes + 1)  # the file may grow while we read it
    else:
        data = source
    if len(data) > limits.max_bytes:
        raise too_big(len(data), limits.max_bytes)
    return data, (filename or "").lower()


def read_table(
    source: str | Path | bytes,
    filename: str | None = None,
    *,
    required: tuple[str, ...],
    optional: tuple[str, ...] = (),
    max_bytes: int | None = None,
    limits: ImportLimits | None = None,
    deadline: Deadline | None = None,
) -> Table:
    """Read a .csv or .xlsx file (path or bytes) within ``limits``. Raises ImportRejected with Dutch messages.

    ``deadline`` (default: a new one of ``limits.max_seconds``) is checked while rows are read; pass the
    same deadline's ``progress`` to the validators to bound the whole import.
    """
    limits = limits or ImportLimits()
    if max_bytes:
        limits = replace(limits, max_bytes=max_bytes)
    deadline = deadline or Deadline(limits.max_seconds)
    data, name = _read_source(source, filename, limits)
    if not data.strip():
        raise file_error("Het bestand is leeg.")
    if name.endswith(".xlsx") or data[:2] == b"PK":
        raw = _xlsx_rows(data, limits)
    elif name.endswith(".csv") or name.endswith(".txt") or not name:
        raw = _csv_rows(data, limits)
    else:
        raise file_error("Gebruik een .csv- of .xlsx-bestand.")
    rows_iter = iter(raw)
    try:
        header = next(rows_iter)
    except StopIteration:
        raise file_error("Het bestand is leeg.") from None
    if len(header) > limits.max_columns and any(c.strip() for c in header[limits.max_columns :]):
        width = (
            len(header)
            if not name.endswith(".xlsx") and data[:2] != b"PK"
            else f"meer dan {limits.max_columns}"
        )
        raise ImportRejected(
            [
                RowError(
                    1, "", f"De kopregel heeft te veel kolommen ({width}; hoogstens {limits.max_columns})."
                )
            ]
        )
    header = header[: limits.max_columns]
    for i, c in enumerate(header):
        if len(c) > limits.max_cell_chars:
            raise _cell_too_long(1, f"kolom {i + 1}", len(c), limits)
    written = [c.strip().lstrip("\ufeff").strip() for c in header]
    while written and not written[-1]:
        written.pop()  # empty cells right of the header
    # Documented names and Dutch aliases, ignoring case, spaces, hyphens, underscores and accents
    column_for = resolver(frozenset(required) | frozenset(optional))
    columns: list[str] = []
    labels: dict[str, str] = {}
    for text in written:
        column = column_for(text) if text else None
        columns.append(column or text.lower())
        if column and text != column:
            labels.setdefault(column, text)
    errors = _check_columns(columns, required, optional)
    if errors:
        raise ImportRejected(errors)
    rows = []
    width = len(columns)
    for number, values in enumerate(rows_iter, start=2):
        if number > limits.max_rows:
            raise file_error(
                f"Het bestand heeft te veel rijen (meer dan {limits.max_rows}). Splits het in kleinere "
                "bestanden."
            )
        if number % 100 == 0:
            deadline.check()
        for i, v in enumerate(values):
            if len(v) > limits.max_cell_chars:
                raise _cell_too_long(number, columns[i] if i < width else "", len(v), limits)
        if not any(v.strip() for v in values):
            continue  # blank line
        if has_nul(values):
            errors.append(RowError(number, "", "de rij bevat een ongeldig teken (NUL); verwijder het"))
            if len(errors) >= 1000:
                break
            continue
        if len(values) > width and any(v.strip() for v in values[width:]):
            errors.append(
                RowError(number, "", f"de rij heeft {len(values)} waarden, de kop {width} kolommen")
            )
            if len(errors) >= 1000:
                break
            continue
        rows.append(
            (number, {c: (values[i].strip() if i < len(values) else "") for i, c in enumerate(columns) if c})
        )
    deadline.check()
    if errors:
        raise ImportRejected(errors)
    if not rows:
        raise file_error("Het bestand bevat alleen een kopregel en geen gegevens.")
    return Table(columns, rows, labels)


def read_columns(
    columns: tuple[str, ...],
    required: tuple[str, ...],
    source: str | Path | bytes,
    filename: str | None = None,
    *,
    max_bytes: int | None = None,
    limits: ImportLimits | None = None,
    deadline: Deadline | None = None,
) -> Table:
    """Read a file with the known ``columns``, of which ``required`` must be present."""
    return read_table(
        source,
        filename,
        required=required,
        optional=tuple(c for c in columns if c not in required),
        max_bytes=max_bytes or None,
        limits=limits,
        deadline=deadline,
    )


def read_for(
    importer: Any,
    source: str | Path | bytes,
    filename: str | None = None,
    *,
    limits: ImportLimits | None = None,
    deadline: Deadline | None = None,
) -> Table:
    """Read a file for an importer module that defines COLUMNS and REQUIRED (providers, capacity)."""
    return read_columns(
        tuple(importer.COLUMNS), tuple(importer.REQUIRED), source, filename, limits=limits, deadline=deadline
    )
