"""Generators for hostile import files (issue 11, items 9–12). Made at test time: no large binaries in git.

Each returns (filename, bytes). The XLSX files are written by hand with zipfile so that they can lie
(a declared dimension, a bomb of a shared-strings part, a broken row) in ways openpyxl never writes.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

CAP_COLUMNS = (
    "kvk",
    "offering_ref",
    "free_places",
    "waiting_weeks_intake",
    "waiting_weeks_treatment",
    "waitlist_length",
    "intake_status",
    "status_until",
    "next_free_date",
    "note",
    "reported_at",
)

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
{shared}</Types>"""
_SHARED_CT = (
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>\n'
)
_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
_WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="Blad1" sheetId="1" r:id="rId1"/></sheets></workbook>"""
_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
{shared}</Relationships>"""
_SHARED_REL = (
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'sharedStrings" Target="sharedStrings.xml"/>\n'
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def _col(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def _inline_row(number: int, values) -> str:
    cells = "".join(
        f'<c r="{_col(i)}{number}" t="inlineStr"><is><t>{escape(str(v))}</t></is></c>'
        for i, v in enumerate(values, start=1)
        if v != ""
    )
    return f'<row r="{number}">{cells}</row>'


def _zip(sheet_parts, shared: bytes | None = None) -> bytes:
    """sheet_parts: an iterable of str chunks of sheet1.xml (streamed, so big sheets need no big string)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr(
            "[Content_Types].xml", _CONTENT_TYPES.format(shared=_SHARED_CT if shared is not None else "")
        )
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            _WORKBOOK_RELS.format(shared=_SHARED_REL if shared is not None else ""),
        )
        with z.open("xl/worksheets/sheet1.xml", "w") as fh:
            for part in sheet_parts:
                fh.write(part.encode())
        if shared is not None:
            z.writestr("xl/sharedStrings.xml", shared)
    return buf.getvalue()


def xlsx(rows, *, dimension: str | None = None, tail: str = "") -> bytes:
    """A plain XLSX with inline strings; ``tail`` is raw XML put after the rows (to break the sheet)."""

    def parts():
        yield _SHEET_HEAD
        if dimension:
            yield f'<dimension ref="{dimension}"/>'
        yield "<sheetData>"
        for n, row in enumerate(rows, start=1):
            yield _inline_row(n, row)
        yield tail
        if not tail:
            yield "</sheetData></worksheet>"

    return _zip(parts())


def dimension_dos(rows: int = 2000) -> tuple[str, bytes]:
    """Item 9: a small file declaring A1:XFD1048576; openpyxl used to pad every row to 16,384 cells."""
    data = [CAP_COLUMNS] + [("41234567", "RZ-THUIS", "1", "", "", "", "open", "", "", "", "")] * rows
    return "dimensie.xlsx", xlsx(data, dimension="A1:XFD1048576")


def far_column(rows: int = 2000) -> tuple[str, bytes]:
    """Item 9, second form: no dimension, but every row has one cell in the last column (XFD)."""

    def parts():
        yield _SHEET_HEAD + "<sheetData>"
        yield _inline_row(1, CAP_COLUMNS)
        for n in range(2, rows + 2):
            yield f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>41234567</t></is></c><c r="XFD{n}"><v>1</v></c></row>'
        yield "</sheetData></worksheet>"

    return "verre_kolom.xlsx", _zip(parts())


def shared_strings_bomb(megabytes: int = 90) -> tuple[str, bytes]:
    """Item 10: a small XLSX whose sharedStrings.xml expands to ``megabytes`` MB."""
    chunk = "<si><t>" + "A" * 1000 + "</t></si>"
    count = megabytes * 1024 * 1024 // len(chunk)
    shared = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main" count="{count}" uniqueCount="{count}">' + chunk * count + "</sst>"
    ).encode()

    def parts():
        yield _SHEET_HEAD + "<sheetData>"
        yield _inline_row(1, CAP_COLUMNS)
        yield '<row r="2"><c r="A2" t="s"><v>0</v></c></row></sheetData></worksheet>'

    return "bom.xlsx", _zip(parts(), shared=shared)


def broken_row() -> tuple[str, bytes]:
    """Issue 10 item 8: the workbook loads, but the sheet's XML breaks after the first rows."""
    data = [CAP_COLUMNS, ("41234567", "RZ-THUIS", "1", "", "", "", "open", "", "", "", "")]
    # The declared dimension lets openpyxl size the sheet without reading it, so the workbook loads.
    return "kapot.xlsx", xlsx(
        data, dimension="A1:K3", tail='<row r="3"><c r="A3" t="inlineStr"><is><t>oeps</is></c>'
    )


def many_columns_csv(columns: int = 40_000) -> tuple[str, bytes]:
    """Item 11: a CSV whose header has 40,000 columns (the header check used to be quadratic)."""
    header = list(CAP_COLUMNS) + [f"extra{i}" for i in range(columns - len(CAP_COLUMNS))]
    return "kolommen.csv", (",".join(header) + "\n41234567,RZ-THUIS,1,,,,open,,,,\n").encode()


def huge_cell_csv(chars: int = 1_000_000) -> tuple[str, bytes]:
    """Item 12: one cell of a million characters."""
    return "grote_cel.csv", (
        ",".join(CAP_COLUMNS) + "\n41234567,RZ-THUIS,1,,,,open,,," + "x" * chars + ",\n"
    ).encode()


def huge_cell_xlsx(chars: int = 1_000_000) -> tuple[str, bytes]:
    return "grote_cel.xlsx", xlsx(
        [CAP_COLUMNS, ("41234567", "RZ-THUIS", "1", "", "", "", "open", "", "", "x" * chars, "")]
    )


def many_rows_csv(rows: int = 200_001) -> tuple[str, bytes]:
    """Item 12: more rows than any import takes."""
    line = b"41234567,RZ-THUIS,1,,,,open,,,,\n"
    return "rijen.csv", ",".join(CAP_COLUMNS).encode() + b"\n" + line * rows


ALL = {
    "dimension": dimension_dos,
    "far_column": far_column,
    "bomb": shared_strings_bomb,
    "columns": many_columns_csv,
    "huge_cell": huge_cell_csv,
    "huge_cell_xlsx": huge_cell_xlsx,
    "rows": many_rows_csv,
    "broken_row": broken_row,
}
