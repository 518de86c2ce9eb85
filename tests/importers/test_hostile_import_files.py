"""Hostile files (issue 11 items 9–12, issue 10 item 8 second half): every one gets a clear Dutch
file-level answer from the reader, without padding, parsing a bomb, or quadratic work.

The same files go through gunicorn in tests/concurrency/test_hostile_uploads_under_gunicorn.py.
"""

import io
import zipfile

import hostile_files as h
import pytest
from test_importers import table_state  # noqa: F401
from test_upload_and_api import CAP_HEADER, _token, two  # noqa: F401

from importers.capacity import COLUMNS as CAP_COLUMNS
from importers.capacity import REQUIRED as CAP_REQUIRED
from importers.limits import ImportLimits
from importers.tabular import _check_columns, read_table
from importers.validation import ImportRejected

OPTIONAL = tuple(c for c in CAP_COLUMNS if c not in CAP_REQUIRED)


def read(name_data, **limits):
    name, data = name_data
    return read_table(data, name, required=CAP_REQUIRED, optional=OPTIONAL, limits=ImportLimits(**limits))


def rejected(name_data, **limits) -> str:
    with pytest.raises(ImportRejected) as exc:
        read(name_data, **limits)
    return " ".join(e.message for e in exc.value.errors)


# --- item 9: the declared dimension is not trusted -------------------------------------------------
def test_declared_dimension_does_not_pad_rows():
    """Before the fix every row came back with 16,384 columns (2,000 rows: 2.4 s, 20,000: 21 s)."""
    table = read(h.dimension_dos(rows=300))
    assert table.columns == list(h.CAP_COLUMNS)
    assert len(table.rows) == 300 and all(len(values) == len(h.CAP_COLUMNS) for _, values in table.rows)


def test_cell_in_last_column_does_not_pad_rows():
    """Without a dimension, one cell in column XFD per row padded each row to 16,384 values."""
    table = read(h.far_column(rows=300))
    assert len(table.rows) == 300 and table.rows[0][1]["kvk"] == "41234567"


# --- item 10: zip bombs are refused before parsing --------------------------------------------------
def test_shared_strings_zip_bomb_refused_before_parsing():
    message = rejected(h.shared_strings_bomb(megabytes=5))
    assert "uitgepakt" in message and "xl/sharedStrings.xml" in message


def test_uncompressed_total_is_limited():
    name, data = h.dimension_dos(rows=300)
    message = rejected((name, data), max_uncompressed_bytes=10_000)
    assert "uitgepakt" in message and "te groot" in message


def test_zip_with_too_many_members_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for i in range(2000):
            z.writestr(f"x/{i}.xml", "<a/>")
    assert "onderdelen" in rejected(("veel.xlsx", buf.getvalue()))


def test_openpyxl_uses_defusedxml_and_entity_bombs_are_refused():
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol2;</t></si></sst>'
    )
    name, data = h.shared_strings_bomb(megabytes=1)
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            out.writestr(info.filename, laughs if info.filename == "xl/sharedStrings.xml" else src.read(info))
    assert "Excel-bestand kan niet worden gelezen" in rejected((name, buf.getvalue()))


# --- issue 10 item 8: a sheet that breaks after the workbook loaded ---------------------------------
def test_sheet_breaking_after_load_is_a_dutch_file_error():
    """Before the fix the XML ParseError escaped from read_table (a 500 on upload)."""
    message = rejected(h.broken_row())
    assert "Excel-bestand" in message and "rij" in message


def test_portal_upload_of_broken_sheet_is_400(client, login, two):  # noqa: F811
    login(two["staff_a"])
    name, data = h.broken_row()
    resp = client.post(
        "/portaal/upload", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )
    assert resp.status_code == 400 and "Excel-bestand is beschadigd" in resp.get_data(as_text=True)


# --- item 11: many columns, linear header check -----------------------------------------------------
def test_forty_thousand_columns_refused_by_count():
    """Before the fix this took 16 s (columns.count in a loop) and listed 40,000 unknown columns."""
    message = rejected(h.many_columns_csv(40_000))
    assert "te veel kolommen" in message and "40000" in message


def test_header_check_still_finds_duplicates_and_unknown_columns():
    columns = ["kvk", "offering_ref", "intake_status", "kvk", "note", "note", "raar"]
    errors = _check_columns(columns, CAP_REQUIRED, OPTIONAL)
    assert [e.message for e in errors] == [
        "onbekende kolom (controleer de spelling)",
        "kolom staat er meer dan eens in",
    ]
    assert errors[1].column == "kvk, note"


# --- item 12: bytes, rows, cell length and wall time ------------------------------------------------
@pytest.mark.parametrize("maker", [h.huge_cell_csv, h.huge_cell_xlsx])
def test_huge_cell_refused_with_row_and_column(maker):
    """Before the fix: an English csv error ('field larger than field limit') or a 1 MB note read in."""
    with pytest.raises(ImportRejected) as exc:
        read(maker())
    error = exc.value.errors[0]
    assert error.row == 2 and "te lang" in error.message
    if maker is h.huge_cell_xlsx:  # the csv module stops at its own limit before the column is known
        assert error.column == "note"


def test_cell_limit_is_configurable_below_csv_module_limit():
    message = rejected(h.huge_cell_csv(chars=600), max_cell_chars=500)
    assert "te lang" in message and "500" in message


def test_too_many_rows_refused():
    message = rejected(h.many_rows_csv(rows=1500), max_rows=1000)
    assert "te veel rijen" in message and "1000" in message


def test_too_many_rows_default_limit():
    assert "te veel rijen" in rejected(h.many_rows_csv())


def test_too_many_bytes_refused():
    assert "te groot" in rejected(h.many_rows_csv(rows=100), max_bytes=1000)


def test_wall_time_limit():
    assert "te lang" in rejected(h.many_rows_csv(rows=100), max_seconds=0)


# --- every entry point uses the configured limits ---------------------------------------------------
def test_portal_upload_uses_configured_limits(app, client, login, two):  # noqa: F811
    app.config.update(MAX_IMPORT_ROWS=2)
    login(two["staff_a"])
    body = CAP_HEADER + "\n" + "11111111,A-1,2,1,3,0,open,,,,\n" * 3
    resp = client.post(
        "/portaal/upload",
        data={"file": (io.BytesIO(body.encode()), "c.csv")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 400 and "te veel rijen" in resp.get_data(as_text=True)


def test_cli_wall_time_has_its_own_key(app, runner, tmp_path):
    from importers.limits import limits_from_config

    app.config.update(MAX_IMPORT_SECONDS=25, MAX_IMPORT_SECONDS_CLI=0)
    assert limits_from_config(app.config).max_seconds == 25
    assert limits_from_config(app.config, cli=True).max_seconds == 0
    path = tmp_path / "c.csv"
    path.write_text(CAP_HEADER + "\n" + "41234567,RZ-THUIS,1,,,,open,,,,\n" * 200, encoding="utf-8")
    result = runner.invoke(args=["import", "capacity", str(path)])
    assert result.exit_code != 0 and "duurt te lang" in result.output


def test_cli_uses_configured_limits(app, runner, tmp_path):
    app.config.update(MAX_IMPORT_COLUMNS=5)
    path = tmp_path / "c.csv"
    path.write_text(CAP_HEADER + "\n41234567,RZ-THUIS,1,,,,open,,,,\n", encoding="utf-8")
    result = runner.invoke(args=["import", "capacity", str(path)])
    assert result.exit_code != 0 and "te veel kolommen" in result.output


def test_wall_time_limit_covers_validation(session):
    """The entry points pass ``deadline.progress`` to the validators, which call it every 1,000 rows."""
    from importers.limits import Deadline
    from importers.providers import COLUMNS as P_COLUMNS
    from importers.providers import import_providers, read_file

    row = "A,12345678,,,,,Huis,,,3511AB,,REF-{n},logeeropvang,,,,,,,,"
    data = "\n".join([",".join(P_COLUMNS)] + [row.format(n=n) for n in range(1001)]).encode()
    table = read_file(data, "p.csv")  # read in time
    with pytest.raises(ImportRejected) as exc:
        import_providers(session, table, "p.csv", progress=Deadline(0).progress)
    assert "te lang" in exc.value.errors[0].message


def test_api_capacity_limits(app, client, login, two):  # noqa: F811
    token = _token(client, login, two["staff_a"])
    auth = {"Authorization": f"Bearer {token}"}
    record = {"kvk": "11111111", "offering_ref": "A-1", "intake_status": "open"}
    app.config.update(MAX_IMPORT_ROWS=2)
    resp = client.post("/api/v1/capacity", json={"records": [record] * 3}, headers=auth)
    assert resp.status_code == 413 and "records" in resp.get_json()["error"]["message"]
    app.config.update(MAX_IMPORT_ROWS=100_000, MAX_IMPORT_CELL_CHARS=50)
    resp = client.post(
        "/api/v1/capacity", json={"records": [record | {"offering_ref": "x" * 51}]}, headers=auth
    )
    assert resp.status_code == 422 and "te lang" in resp.get_data(as_text=True)
    app.config.update(MAX_IMPORT_CELL_CHARS=10_000, MAX_IMPORT_COLUMNS=5)
    resp = client.post(
        "/api/v1/capacity", json={"records": [record | {f"x{i}": 1 for i in range(5)}]}, headers=auth
    )
    assert resp.status_code == 422 and "te veel velden" in resp.get_data(as_text=True)
    app.config.update(MAX_IMPORT_COLUMNS=50, MAX_API_BODY_BYTES=1000)
    resp = client.post("/api/v1/capacity", json={"records": [record | {"note": "x" * 400}] * 5}, headers=auth)
    assert resp.status_code == 413 and "te groot" in resp.get_json()["error"]["message"]


def test_admin_provider_upload_uses_configured_limits(app, client, login, make_user):
    """The admin's provider-list upload (issue 12) reads with the same limits; a broken sheet is a 400."""
    app.config.update(MAX_IMPORT_COLUMNS=5)
    login(make_user("admin"))
    name, data = h.many_columns_csv(6)
    resp = client.post(
        "/portaal/beheer/importeren",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 400 and "te veel kolommen" in resp.get_data(as_text=True)
    app.config.update(MAX_IMPORT_COLUMNS=50)
    from importers.providers import COLUMNS as P_COLUMNS

    data = h.xlsx(
        [P_COLUMNS, ["A"] * len(P_COLUMNS)],
        dimension="A1:Z3",
        tail='<row r="3"><c r="A3" t="inlineStr"><is><t>oeps</is></c>',
    )
    resp = client.post(
        "/portaal/beheer/importeren",
        data={"file": (io.BytesIO(data), "kapot.xlsx")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 400 and "Excel-bestand is beschadigd" in resp.get_data(as_text=True)
