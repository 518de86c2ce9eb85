"""Occupancy in HSDS: service_capacity ``maximum`` = total places, ``available`` = free places; the HSDS
import reads ``maximum`` back as total places."""

import json
from pathlib import Path

from jsonschema import Draft202012Validator
from sqlmodel import select

from importers.hsds import export_hsds, service_to_rows
from importers.providers import import_providers
from wijzer.models import Offering

ROOT = Path(__file__).resolve().parents[2]
VALIDATOR = Draft202012Validator(
    json.loads((ROOT / "tests/data/hsds/schema/compiled/service.json").read_text())
)


def test_total_places_as_service_capacity_maximum(session, report, tmp_path):
    import_providers(session, ROOT / "importers/samples/aanbieders_voorbeeld.csv")
    session.commit()
    with_total, without = session.exec(select(Offering).order_by(Offering.id)).all()[:2]
    for off, total in ((with_total, 9), (without, None)):
        report(off, free_places=2, total_places=total, wait_intake=3, wait_treatment=4, intake_status="open")
    session.commit()
    export_hsds(session, tmp_path)
    services = [json.loads(f.read_text()) for f in (tmp_path / "services").glob("*.json")]
    caps = {s["alternate_name"]: s["capacities"][0] for s in services if s.get("capacities")}
    assert caps[with_total.offering_ref]["maximum"] == 9 and caps[with_total.offering_ref]["available"] == 2
    assert "maximum" not in caps[without.offering_ref]
    assert all(not list(VALIDATOR.iter_errors(s)) for s in services)
    header = (tmp_path / "csv/service_capacity.csv").read_text().splitlines()[0]
    assert header == "id,service_id,unit_id,available,maximum,description,updated"
    back = {s["alternate_name"]: service_to_rows(s)[1] for s in services if s.get("capacities")}
    assert (
        back[with_total.offering_ref]["total_places"] == 9
        and back[with_total.offering_ref]["free_places"] == 2
    )
    assert back[without.offering_ref]["total_places"] is None


def test_hsds_tabular_csv_neutralises_formulas(session, tmp_path):
    """Issue 11 item 14 also holds for the HSDS tabular export (CSV files a person may open in a spreadsheet);
    the JSON services keep the text unaltered."""
    import csv

    from wijzer.models import Provider
    from wijzer.services.spreadsheet import FORMULA_TRIGGERS

    import_providers(session, ROOT / "importers/samples/aanbieders_voorbeeld.csv")
    session.commit()
    provider = session.exec(select(Provider)).first()
    provider.name = '=HYPERLINK("http://x.example","klik")'
    session.commit()
    export_hsds(session, tmp_path)
    seen = False
    for path in (tmp_path / "csv").glob("*.csv"):
        for row in csv.reader(path.open(encoding="utf-8")):
            for value in row:
                assert value[:1] not in FORMULA_TRIGGERS, (path.name, value)
                seen |= value.startswith("'=HYPERLINK")
    assert seen
    services = [json.loads(f.read_text()) for f in (tmp_path / "services").glob("*.json")]
    assert any(s["organization"]["name"].startswith("=HYPERLINK") for s in services)
