import io
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import text
from sqlmodel import func, select

from importers.capacity import import_capacity
from importers.providers import COLUMNS, import_providers
from importers.validation import ImportRejected
from wijzer.models import AuditLog, CapacityReport, Location, Offering, Provider
from wijzer.timeutil import utcnow

SAMPLES = Path(__file__).resolve().parents[2] / "importers" / "samples"
HEADER = ",".join(COLUMNS)
GOOD_ROW = (
    "Stichting Test,12345678,,https://www.test.nl,030-1234567,info@test.nl,Huis Utrecht,Laan,1,3511AB,"
    "Utrecht,REF-1,logeeropvang,vg|ass,6,18,weekend,zin,JZ22,44,Logeren"
)


def csv_bytes(*rows, header=HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def table_state(session) -> dict:
    """Everything an import may touch, to prove a rejected file leaves the database exactly as it was."""
    out = {}
    for table in ("provider", "location", "offering", "capacity_report", "audit_log", "freshness_transition"):
        rows = session.execute(text(f"SELECT * FROM {table} ORDER BY id")).all()
        out[table] = [tuple(r) for r in rows]
    return out


@pytest.fixture
def imported(session):
    result = import_providers(session, SAMPLES / "aanbieders_voorbeeld.csv")
    session.commit()
    return result


def test_sample_provider_file_imports_and_reimport_is_idempotent(session, imported):
    assert imported.created == {"provider": 3, "location": 4, "offering": 5}
    before = table_state(session)
    again = import_providers(session, SAMPLES / "aanbieders_voorbeeld.csv")
    session.commit()
    assert again.created == {"provider": 0, "location": 0, "offering": 0}
    assert again.updated == {"provider": 0, "location": 0, "offering": 0}
    after = table_state(session)
    assert {k: v for k, v in after.items() if k != "audit_log"} == {
        k: v for k, v in before.items() if k != "audit_log"
    }
    off = session.exec(select(Offering).where(Offering.offering_ref == "LO-WEEKEND")).one()
    assert (
        off.tag_list == ["vg", "ass", "emb"]
        and off.contract_region_list == ["JZ22", "JZ21"]
        and off.region_code == "JZ22"
    )
    assert off.last_confirmed_at is None and off.freshness == "unknown"  # descriptions confirm nothing
    assert session.exec(select(func.count()).select_from(CapacityReport)).one() == 0


def test_reimport_updates_in_place(session, imported):
    data = (
        (SAMPLES / "aanbieders_voorbeeld.csv")
        .read_text(encoding="utf-8")
        .replace("Respijtzorg bij u thuis", "Respijtzorg aan huis")
    )
    result = import_providers(session, data.encode(), "lijst.csv")
    session.commit()
    assert result.updated["offering"] == 1 and result.created["offering"] == 0
    assert session.exec(select(func.count()).select_from(Offering)).one() == 5


def test_capacity_sample_confirms_like_portal(session, imported):
    result = import_capacity(session, SAMPLES / "capaciteit_voorbeeld.csv")
    session.commit()
    assert result.created == {"report": 5}
    off = session.exec(select(Offering).where(Offering.offering_ref == "LO-WEEKEND")).one()
    assert (off.cur_free_places, off.cur_wait_intake, off.cur_intake_status, off.freshness) == (
        2,
        1,
        "open",
        "fresh",
    )
    report = session.exec(select(CapacityReport).where(CapacityReport.offering_id == off.id)).one()
    assert (
        report.kind == "update" and report.source == "import" and off.last_confirmed_at == report.reported_at
    )


def test_backdated_capacity_rows_keep_newest_state(session, imported):
    now = utcnow()
    rows = [
        f"41234567,LO-WEEKEND,{n},,,,open,,,,{(now - timedelta(days=d)).isoformat()}"
        for n, d in ((5, 3), (1, 1), (9, 2))
    ]
    import_capacity(
        session,
        (
            "kvk,offering_ref,free_places,waiting_weeks_intake,waiting_weeks_treatment,waitlist_length,"
            "intake_status,status_until,next_free_date,note,reported_at\n" + "\n".join(rows)
        ).encode(),
        "c.csv",
    )
    session.commit()
    off = session.exec(select(Offering).where(Offering.offering_ref == "LO-WEEKEND")).one()
    assert (
        off.cur_free_places == 1 and session.exec(select(func.count()).select_from(CapacityReport)).one() == 3
    )


def test_semicolon_csv_and_xlsx(session):
    semi = csv_bytes(GOOD_ROW.replace(",", ";"), header=HEADER.replace(",", ";"))
    assert import_providers(session, semi, "a.csv").created["offering"] == 1
    session.rollback()
    wb = Workbook()
    ws = wb.active
    ws.append(list(COLUMNS))
    values = GOOD_ROW.split(",")
    values[14], values[15] = 6, 18  # numbers as numbers, as Excel stores them
    ws.append(values)
    buf = io.BytesIO()
    wb.save(buf)
    result = import_providers(session, buf.getvalue(), "lijst.xlsx")
    session.commit()
    assert result.created == {"provider": 1, "location": 1, "offering": 1}
    assert session.exec(select(Offering)).one().min_age == 6


def test_dry_run_writes_nothing(session):
    before = table_state(session)
    result = import_providers(session, SAMPLES / "aanbieders_voorbeeld.csv", dry_run=True)
    session.commit()
    assert result.dry_run and result.created["offering"] == 5 and table_state(session) == before


BAD_FILES = {
    "wrong encoding": (
        ("\n".join([HEADER, GOOD_ROW.replace("Stichting Test", "Stichting Tést")])).encode("cp1252"),
        "niet in UTF-8",
    ),
    "utf-16": ("\ufeff".encode("utf-16-le") + HEADER.encode("utf-16-le"), "UTF-16"),
    "missing columns": (
        csv_bytes("Stichting Test,12345678", header="provider_name,kvk"),
        "verplichte kolom ontbreekt",
    ),
    "unknown column": (csv_bytes(GOOD_ROW + ",x", header=HEADER + ",extra"), "onbekende kolom"),
    "unknown care type": (csv_bytes(GOOD_ROW.replace("logeeropvang", "kinderopvang")), "Onbekende zorgsoort"),
    "unknown postcode": (csv_bytes(GOOD_ROW.replace("3511AB", "1000AA")), "niet bekend"),
    "malformed postcode": (csv_bytes(GOOD_ROW.replace("3511AB", "35")), "geen geldige postcode"),
    "duplicate keys": (csv_bytes(GOOD_ROW, GOOD_ROW), "dubbele sleutel"),
    "negative age": (csv_bytes(GOOD_ROW.replace(",6,18,", ",-1,18,")), "leeftijd"),
    "bad kvk": (csv_bytes(GOOD_ROW.replace("12345678", "12x")), "8 cijfers"),
    "empty file": (b"", "leeg"),
    "header only": (HEADER.encode(), "alleen een kopregel"),
    "not a spreadsheet": (b"PK\x03\x04garbage", "kan niet worden gelezen"),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_bad_provider_files_change_nothing(session, imported, name):
    data, message = BAD_FILES[name]
    before = table_state(session)
    with pytest.raises(ImportRejected) as exc:
        import_providers(session, data, "bestand.csv")
    session.rollback()
    assert any(message in e.message for e in exc.value.errors), [str(e) for e in exc.value.errors]
    assert table_state(session) == before


CAP_HEADER = "kvk,offering_ref,free_places,waiting_weeks_intake,waiting_weeks_treatment,waitlist_length,intake_status,status_until,next_free_date,note,reported_at"
BAD_CAPACITY = {
    "negative numbers": ("41234567,LO-WEEKEND,-2,,,,open,,,,", "free_places", "tussen 0 en"),
    "wait too long": ("41234567,LO-WEEKEND,0,300,,,wachtlijst,,,,", "waiting_weeks_intake", "260"),
    "future report time": ("41234567,LO-WEEKEND,1,,,,open,,,,2099-01-01T10:00:00", "reported_at", "toekomst"),
    "past end date": ("41234567,LO-WEEKEND,0,,,,opnamestop,2001-01-01,,,", "status_until", "verlopen"),
    "unknown offering": ("41234567,BESTAAT-NIET,1,,,,open,,,,", "offering_ref", "geen aanbod"),
    "unknown status": ("41234567,LO-WEEKEND,1,,,,dicht,,,,", "intake_status", "Onbekende intakestatus"),
    "bad date": ("41234567,LO-WEEKEND,1,,,,opnamestop,31-12-2099,,,", "status_until", "geldige datum"),
    "duplicate rows": (
        "41234567,LO-WEEKEND,1,,,,open,,,,2026-01-05T10:00:00+01:00\n"
        "41234567,LO-WEEKEND,2,,,,open,,,,2026-01-05T10:00:00+01:00",
        "offering_ref",
        "dubbele melding",
    ),
}


@pytest.mark.parametrize("name", list(BAD_CAPACITY))
def test_bad_capacity_files_change_nothing(session, imported, name):
    rows, column, message = BAD_CAPACITY[name]
    good = "41234567,RZ-THUIS,1,2,3,0,open,,,,"
    before = table_state(session)
    with pytest.raises(ImportRejected) as exc:
        import_capacity(session, (CAP_HEADER + "\n" + good + "\n" + rows + "\n").encode(), "c.csv")
    session.rollback()
    assert any(e.column == column and message in e.message for e in exc.value.errors), [
        str(e) for e in exc.value.errors
    ]
    assert all(e.row >= 3 for e in exc.value.errors)  # the good row 2 is not blamed
    assert table_state(session) == before


def test_file_over_50_mb_is_refused_before_reading(session, tmp_path, app):
    big = tmp_path / "groot.csv"
    with open(big, "wb") as fh:
        fh.write(HEADER.encode() + b"\n")
        fh.seek(50 * 1024 * 1024 + 10)
        fh.write(b"\n")
    before = table_state(session)
    with pytest.raises(ImportRejected) as exc:
        import_providers(session, big, max_bytes=app.config["MAX_IMPORT_BYTES"])
    assert "te groot" in exc.value.errors[0].message
    assert table_state(session) == before


def test_many_errors_are_all_reported(session):
    rows = [GOOD_ROW.replace("REF-1", f"REF-{i}").replace("logeeropvang", "x") for i in range(30)]
    with pytest.raises(ImportRejected) as exc:
        import_providers(session, csv_bytes(*rows), "a.csv")
    assert len(exc.value.errors) == 30 and exc.value.errors[-1].row == 31


def test_cli_import_exit_codes_and_messages(runner, session, tmp_path):
    good = tmp_path / "goed.csv"
    good.write_bytes(csv_bytes(GOOD_ROW))
    bad = tmp_path / "fout.csv"
    bad.write_bytes(csv_bytes(GOOD_ROW.replace("3511AB", "1000")))
    result = runner.invoke(args=["import", "providers", str(bad)])
    assert (
        result.exit_code == 1
        and "rij 2, kolom postcode" in result.output
        and "niets opgeslagen" in result.output
    )
    dry = runner.invoke(args=["import", "providers", str(good), "--dry-run"])
    assert dry.exit_code == 0 and "Controle geslaagd" in dry.output
    assert session.exec(select(func.count()).select_from(Provider)).one() == 0
    ok = runner.invoke(args=["import", "providers", str(good)])
    assert ok.exit_code == 0 and "aanbod: 1 nieuw" in ok.output
    cap = tmp_path / "cap.csv"
    cap.write_text(CAP_HEADER + "\n12345678,REF-1,3,1,2,0,open,,,,\n", encoding="utf-8")
    done = runner.invoke(args=["import", "capacity", str(cap)])
    assert done.exit_code == 0 and "1 capaciteitsmeldingen" in done.output
    assert runner.invoke(args=["import", "capacity", str(tmp_path / "bestaat-niet.csv")]).exit_code == 1
    assert session.exec(select(AuditLog).where(AuditLog.action == "import")).first() is not None
    assert session.exec(select(func.count()).select_from(Location)).one() == 1


def test_a_provider_validated_once_is_still_reported_on_every_row(session):
    """A provider or location repeated on its offerings' rows is validated once per distinct set of values
    (speed), but a problem in it is still reported on each row that has it, and other values are not mixed up."""
    rows = [GOOD_ROW.replace("REF-1", f"REF-{i}").replace("info@test.nl", "geen-adres") for i in range(3)]
    rows.append(GOOD_ROW.replace("REF-1", "REF-9").replace("12345678", "87654321"))  # another, valid provider
    with pytest.raises(ImportRejected) as exc:
        import_providers(session, csv_bytes(*rows), "a.csv")
    assert [(e.row, e.column) for e in exc.value.errors] == [(2, "email"), (3, "email"), (4, "email")]


def test_a_file_of_reports_gives_the_state_reports_one_by_one_give(
    session, make_provider, make_location, make_offering
):
    """``record_reports_bulk`` (files, API) writes the offerings' new state with two set-based statements;
    it must leave every offering exactly as ``record_report`` one report at a time does: the newest report
    wins, an older one does not overwrite it, the capacity version moves only when values change, and each
    freshness change is one transition."""
    from datetime import timedelta

    from sqlmodel import select

    from wijzer.models import FreshnessTransition
    from wijzer.schemas import CapacityInput
    from wijzer.services.availability import REPORT_STATE, record_report, record_reports_bulk
    from wijzer.timeutil import utcnow

    provider = make_provider()
    location = make_location(provider)
    now = utcnow()
    twins = []
    for _ in range(2):  # one copy of each case per path
        fresh = make_offering(provider, location)
        stale = make_offering(provider, location)
        record_report(
            session, stale, CapacityInput(free_places=1, intake_status="open"), kind="update", source="test",
            reported_at=now - timedelta(days=30), now=now - timedelta(days=30),
        )  # fmt: skip
        twins.append((fresh, stale))
    session.commit()
    newer, older = now - timedelta(hours=1), now - timedelta(days=3)
    plan = [  # (which offering, values, reported at): two for `fresh` in reverse order, one unchanged for `stale`
        (0, CapacityInput(free_places=3, wait_intake=2, intake_status="open"), newer),
        (0, CapacityInput(free_places=9, wait_intake=9, intake_status="wachtlijst"), older),
        (1, CapacityInput(free_places=1, intake_status="open"), now),
    ]
    one_by_one = twins[0]
    for which, data, at in plan:
        record_report(
            session, one_by_one[which], data, kind="update", source="import", reported_at=at, now=now
        )
    bulk = twins[1]
    record_reports_bulk(
        session, [(bulk[which], data, at) for which, data, at in plan], source="import", now=now
    )
    session.commit()
    session.expire_all()

    def state(off):
        return {k: getattr(off, k) for k in REPORT_STATE if k not in ("last_report_id",)}

    def transitions(off):
        rows = session.exec(
            select(FreshnessTransition).where(FreshnessTransition.offering_id == off.id)
        ).all()
        return sorted((t.from_state, t.to_state) for t in rows)

    for single, many in zip(one_by_one, bulk, strict=True):
        assert state(many) == state(single)
        assert transitions(many) == transitions(single)
    assert bulk[0].cur_free_places == 3 and bulk[0].capacity_version == one_by_one[0].capacity_version
