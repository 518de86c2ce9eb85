"""File-level edge cases for capacity files and the CLI, and an XLSX round trip of the sample file."""

import csv
import io
from pathlib import Path

import pytest
from openpyxl import Workbook
from test_importers import CAP_HEADER, SAMPLES, imported, table_state  # noqa: F401

from importers.capacity import COLUMNS as CAP_COLUMNS
from importers.capacity import import_capacity
from importers.providers import import_providers
from importers.validation import ImportRejected

GOOD_CAP = "41234567,RZ-THUIS,1,2,3,0,open,,,,"

BAD_CAPACITY_FILES = {
    "missing column": (b"kvk,free_places\n41234567,1\n", "verplichte kolom ontbreekt"),
    "empty file": (b"", "leeg"),
    "header only": (CAP_HEADER.encode() + b"\n", "alleen een kopregel"),
    "latin-1": (
        (CAP_HEADER + "\n41234567,RZ-THUIS,1,,,,open,,,Caf\u00e9 gesloten,\n").encode("latin-1"),
        "niet in UTF-8",
    ),
    "utf-16": ((CAP_HEADER + "\n" + GOOD_CAP + "\n").encode("utf-16"), "UTF-16"),
    "unknown kvk": (
        (CAP_HEADER + "\n" + GOOD_CAP + "\n99999999,RZ-THUIS,1,,,,open,,,,\n").encode(),
        "geen aanbod",
    ),
}


@pytest.mark.parametrize("name", list(BAD_CAPACITY_FILES))
def test_bad_capacity_file_level_errors_change_nothing(session, imported, name):  # noqa: F811
    data, message = BAD_CAPACITY_FILES[name]
    before = table_state(session)
    with pytest.raises(ImportRejected) as exc:
        import_capacity(session, data, "c.csv")
    session.rollback()
    assert any(message in e.message for e in exc.value.errors), [str(e) for e in exc.value.errors]
    assert table_state(session) == before


def _to_xlsx(csv_path: Path) -> bytes:
    with open(csv_path, encoding="utf-8-sig", newline="") as fh:
        sample = fh.read()
    delimiter = ";" if sample.split("\n", 1)[0].count(";") > sample.split("\n", 1)[0].count(",") else ","
    wb = Workbook()
    ws = wb.active
    for row in csv.reader(io.StringIO(sample), delimiter=delimiter):
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_round_trip_equals_csv_import(session):
    """The sample saved as .xlsx imports to exactly the same rows as the CSV; re-importing changes nothing."""
    import_providers(session, SAMPLES / "aanbieders_voorbeeld.csv")
    session.commit()
    via_csv = {k: v for k, v in table_state(session).items() if k in ("provider", "location", "offering")}
    result = import_providers(session, _to_xlsx(SAMPLES / "aanbieders_voorbeeld.csv"), "aanbieders.xlsx")
    session.commit()
    assert sum(result.created.values()) == 0 and sum(result.updated.values()) == 0
    again = {k: v for k, v in table_state(session).items() if k in ("provider", "location", "offering")}
    assert again == via_csv
    cap = import_capacity(session, _to_xlsx(SAMPLES / "capaciteit_voorbeeld.csv"), "capaciteit.xlsx")
    session.commit()
    rows = (
        len((SAMPLES / "capaciteit_voorbeeld.csv").read_text(encoding="utf-8-sig").strip().splitlines()) - 1
    )
    assert cap.rows == rows and cap.created.get("report") == rows


def test_cli_refuses_50_mb_file_with_clear_message(runner, session, imported, tmp_path):  # noqa: F811
    big = tmp_path / "groot.csv"
    with open(big, "wb") as fh:
        fh.write(",".join(CAP_COLUMNS).encode() + b"\n")
        fh.truncate(50 * 1024 * 1024 + 1)  # sparse: no 50 MB written, never read
    before = table_state(session)
    result = runner.invoke(args=["import", "capacity", str(big)])
    assert result.exit_code != 0 and "te groot" in result.output
    session.rollback()
    assert table_state(session) == before


def test_cli_dry_run_capacity_writes_nothing(runner, session, imported, tmp_path):  # noqa: F811
    path = tmp_path / "cap.csv"
    path.write_text(CAP_HEADER + "\n" + GOOD_CAP + "\n", encoding="utf-8")
    before = table_state(session)
    result = runner.invoke(args=["import", "capacity", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    session.rollback()
    assert table_state(session) == before
