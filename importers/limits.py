"""Limits on every import path (CLI, portal upload, admin upload, API): bytes, rows, columns, cell length,
wall time, and for XLSX the unpacked size of the zip. Exceeding one gives a Dutch file-level error.

The defaults suit a national provider list (40,000 rows import in ~5 s); each is a config key
(``WIJZER_MAX_IMPORT_*``, see docs/importeren.md). Entry points build the limits with
``limits_from_config(current_app.config)`` and pass ``Deadline.progress`` to the validators.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from importers.validation import ImportRejected, RowError

MB = 1024 * 1024


@dataclass(frozen=True)
class ImportLimits:
    max_bytes: int = 50 * MB  # the file as uploaded
    max_rows: int = 100_000  # rows of the sheet, header and blank rows included
    max_columns: int = 50
    max_cell_chars: int = 10_000
    max_seconds: float = 25  # reading and checking; below gunicorn's default worker timeout (30 s)
    max_uncompressed_bytes: int = 200 * MB  # XLSX: all parts of the zip together, unpacked
    max_zip_ratio: int = 100  # XLSX: unpacked/packed size of a part larger than 1 MB
    max_zip_members: int = 1000  # XLSX: parts in the zip


CONFIG_KEYS = {
    "max_bytes": "MAX_IMPORT_BYTES",
    "max_rows": "MAX_IMPORT_ROWS",
    "max_columns": "MAX_IMPORT_COLUMNS",
    "max_cell_chars": "MAX_IMPORT_CELL_CHARS",
    "max_seconds": "MAX_IMPORT_SECONDS",
    "max_uncompressed_bytes": "MAX_IMPORT_UNCOMPRESSED_BYTES",
    "max_zip_ratio": "MAX_IMPORT_ZIP_RATIO",
    "max_zip_members": "MAX_IMPORT_ZIP_MEMBERS",
}


def limits_from_config(config: Mapping[str, Any], *, cli: bool = False) -> ImportLimits:
    """The limits from a Flask config (keys in CONFIG_KEYS); a missing key keeps its default.

    ``cli``: the wall time is MAX_IMPORT_SECONDS_CLI (no web worker is waiting on the command line)."""
    values: dict[str, Any] = {}
    for f in fields(ImportLimits):
        key = CONFIG_KEYS[f.name]
        if cli and f.name == "max_seconds" and config.get("MAX_IMPORT_SECONDS_CLI") is not None:
            key = "MAX_IMPORT_SECONDS_CLI"
        if config.get(key) is not None:
            values[f.name] = float(config[key]) if f.name == "max_seconds" else int(config[key])
    return ImportLimits(**values)


def file_error(message: str) -> ImportRejected:
    return ImportRejected([RowError(0, "", message)])


def too_big(size: int, limit: int) -> ImportRejected:
    return file_error(
        f"Het bestand is te groot ({size / MB:.0f} MB; hoogstens {limit / MB:.0f} MB). "
        "Splits het in kleinere bestanden."
    )


class Deadline:
    """Wall-time limit of one import. ``check()`` raises ImportRejected once ``seconds`` have passed."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.until = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() >= self.until:
            raise file_error(
                f"Het verwerken duurt te lang (meer dan {self.seconds:g} seconden); er is niets "
                "opgeslagen. Splits het bestand in kleinere bestanden."
            )

    def progress(self, _rows: int = 0) -> None:
        """A ``progress`` callback for the validators (called every 1,000 rows)."""
        self.check()


def check_records(records: list, limits: ImportLimits) -> list[RowError]:
    """API records (a list of JSON objects): number of fields and length of every text value.

    Rows and bytes are checked by the caller (they decide the HTTP status: 413)."""
    errors: list[RowError] = []
    for index, record in enumerate(records):
        if len(record) > limits.max_columns:
            errors.append(
                RowError(index, "", f"te veel velden ({len(record)}; hoogstens {limits.max_columns})")
            )
            continue
        for key, value in record.items():
            if len(str(key)) > limits.max_cell_chars:
                errors.append(
                    RowError(index, "", f"veldnaam te lang (hoogstens {limits.max_cell_chars} tekens)")
                )
            elif isinstance(value, str) and len(value) > limits.max_cell_chars:
                errors.append(
                    RowError(
                        index,
                        str(key),
                        f"waarde te lang ({len(value)} tekens; hoogstens {limits.max_cell_chars})",
                    )
                )
        if len(errors) >= 100:
            break
    return errors
