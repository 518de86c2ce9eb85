"""CSV and XLSX downloads of the audit tables.

Three shapes of the same table:
- ``csv`` for Dutch spreadsheets: ``;`` separator, decimal comma, UTF-8 with BOM, Dutch labels, dates as
  dd-mm-jjjj in Europe/Amsterdam, percentages as numbers with ``(%)`` in the header;
- ``xlsx``: typed cells with number, percentage and date formats, a frozen header, column widths, and a
  sheet "Over deze export" (region, period, generated at, definitions, source);
- ``raw`` (``?format=raw``): machine-readable CSV: ``,`` separator, codes, fractions, ISO 8601 UTC.

Every text cell of every shape is neutralised against formula injection (OWASP "CSV Injection"): a value
whose first non-blank character is ``= + - @``, a tab, CR or LF (or their full-width forms) gets a leading
``'``, so no spreadsheet reads it as a formula. The JSON API gives the unaltered text.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import Response

from wijzer.domain import CARE_TYPES
from wijzer.services.spreadsheet import FORMULA_TRIGGERS, neutralise  # noqa: F401  (re-exported)
from wijzer.timeutil import local

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {
    "int": "0",
    "num": "0.0",
    "km": "0.00",
    "pct": "0.0%",
    "date": "dd-mm-yyyy",
    "datetime": "dd-mm-yyyy hh:mm",
}


@dataclass
class Col:
    key: str
    label: str
    kind: str = "text"  # text | int | num | km | pct | date | datetime | bool | care_type

    def header(self, raw: bool) -> str:
        if raw:
            return self.key
        return f"{self.label} (%)" if self.kind == "pct" else self.label


@dataclass
class Sheet:
    title: str
    columns: list[Col]
    rows: list[dict]
    highlight: set = field(default_factory=set)  # row indexes to mark (own region)


def _dutch_number(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}".replace(".", ",")
    if "," in text:
        text = text.rstrip("0").rstrip(",")
    return "0" if text in ("-0", "") else text


def csv_cell(value, kind: str, raw: bool):
    """One value as CSV text: Dutch spreadsheet form, or the raw machine form."""
    if value is None:
        return ""
    if kind == "bool":
        return ("true" if value else "false") if raw else ("ja" if value else "nee")
    if kind in ("int", "num", "km", "pct"):
        if raw:
            return str(value)
        if kind == "int":
            return str(int(value))
        if kind == "pct":
            return _dutch_number(value * 100, 1)
        return _dutch_number(float(value), 2)
    if kind == "datetime" and isinstance(value, datetime):
        return value.isoformat() if raw else local(value).strftime("%d-%m-%Y %H:%M")
    if kind == "date" and isinstance(value, date):
        return value.isoformat() if raw else value.strftime("%d-%m-%Y")
    if kind == "care_type" and not raw:
        value = CARE_TYPES.get(value, value)
    return neutralise(str(value))


def xlsx_cell(value, kind: str):
    """(value, number format or None) for openpyxl: numbers, dates and fractions stay typed."""
    if value is None:
        return None, None
    if kind == "bool":
        return ("ja" if value else "nee"), None
    if kind in ("int", "num", "km", "pct"):
        return value, FORMATS[kind]
    if kind == "datetime" and isinstance(value, datetime):
        return local(value).replace(tzinfo=None), FORMATS["datetime"]
    if kind == "date" and isinstance(value, date):
        return value, FORMATS["date"]
    if kind == "care_type":
        value = CARE_TYPES.get(value, value)
    return neutralise(str(value)), None


def csv_bytes(sheet: Sheet, raw: bool = False) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter="," if raw else ";", lineterminator="\r\n")
    writer.writerow([neutralise(c.header(raw)) for c in sheet.columns])
    for row in sheet.rows:
        writer.writerow([csv_cell(row.get(c.key), c.kind, raw) for c in sheet.columns])
    text = buf.getvalue()
    return (text if raw else "\ufeff" + text).encode("utf-8")


def xlsx_bytes(sheets: list[Sheet], about: list[tuple[str, object]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.worksheets[0])  # the default sheet of a new workbook
    bold = Font(bold=True)
    mark = PatternFill("solid", fgColor="FFF3C4")
    for sheet in sheets:
        ws = wb.create_sheet(sheet.title[:31])
        ws.append([neutralise(c.header(False)) for c in sheet.columns])
        for cell in ws[1]:
            cell.font = bold
        widths = [len(c.header(False)) for c in sheet.columns]
        for n, row in enumerate(sheet.rows):
            r = ws.max_row + 1
            for j, col in enumerate(sheet.columns, start=1):
                value, fmt = xlsx_cell(row.get(col.key), col.kind)
                cell = ws.cell(row=r, column=j, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # never a formula, whatever the text
                if fmt:
                    cell.number_format = fmt
                if n in sheet.highlight:
                    cell.fill = mark
                widths[j - 1] = max(widths[j - 1], len(str(value)) if value is not None else 0)
        ws.freeze_panes = "A2"
        for j, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(j)].width = min(max(w + 2, 8), 60)
    ws = wb.create_sheet("Over deze export")
    for key, value in about:
        fmt = None
        if isinstance(value, datetime):
            value, fmt = local(value).replace(tzinfo=None), FORMATS["datetime"]
        elif isinstance(value, date):
            fmt = FORMATS["date"]
        elif isinstance(value, str):
            value = neutralise(value)
        ws.append([neutralise(key), value])
        ws.cell(row=ws.max_row, column=1).font = bold
        if isinstance(value, str):
            ws.cell(row=ws.max_row, column=2).data_type = "s"
        if fmt:
            ws.cell(row=ws.max_row, column=2).number_format = fmt
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 110
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def respond(sheets: list[Sheet], fmt: str, filename: str, about: list[tuple[str, object]]) -> Response:
    """``fmt``: csv (Dutch, first sheet), raw (machine CSV, first sheet) or xlsx (all sheets + 'Over deze export')."""
    if fmt in ("csv", "raw"):
        raw = fmt == "raw"
        return Response(
            csv_bytes(sheets[0], raw),
            mimetype="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}{"-raw" if raw else ""}.csv"'},
        )
    return Response(
        xlsx_bytes(sheets, about),
        mimetype=XLSX_MIME,
        headers={"Content-Disposition": f'attachment; filename="{filename}.xlsx"'},
    )
