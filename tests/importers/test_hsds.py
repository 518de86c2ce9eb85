import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from sqlmodel import func, select

from importers.hsds import export_hsds, import_hsds
from importers.providers import import_providers
from importers.validation import ImportRejected
from wijzer.models import Offering

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "tests/data/hsds/schema/compiled/service.json").read_text())
VALIDATOR = Draft202012Validator(SCHEMA)


@pytest.fixture
def catalogue(session, report):
    import_providers(session, ROOT / "importers/samples/aanbieders_voorbeeld.csv")
    session.commit()
    for off in session.exec(select(Offering)).all()[:3]:
        report(off, free_places=2, wait_intake=3, wait_treatment=4, waitlist_length=1, intake_status="open")
    return session


def test_every_exported_service_validates_against_hsds_31(catalogue, tmp_path):
    n = export_hsds(catalogue, tmp_path)
    files = sorted((tmp_path / "services").glob("*.json"))
    assert n == 5 and len(files) == 5
    for f in files:
        service = json.loads(f.read_text())
        errors = [e.message for e in VALIDATOR.iter_errors(service)]
        assert errors == [], (f.name, errors[:3])
    with_capacity = [json.loads(f.read_text()) for f in files if json.loads(f.read_text()).get("capacities")]
    assert len(with_capacity) == 3
    cap = with_capacity[0]["capacities"][0]
    assert cap["unit"]["name"] == "plaatsen" and cap["available"] == 2 and with_capacity[0]["assured_date"]
    assert {r["name"] for r in json.loads((tmp_path / "csv/datapackage.json").read_text())["resources"]} >= {
        "services",
        "organizations",
        "locations",
        "service_capacity",
    }
    assert (tmp_path / "csv/services.csv").read_text().count("\n") == 6


def test_the_validator_really_checks(catalogue, tmp_path):
    export_hsds(catalogue, tmp_path)
    service = json.loads(next((tmp_path / "services").glob("*.json")).read_text())
    del service["name"]
    service["capacities"] = [{"id": "x"}]
    assert len(list(VALIDATOR.iter_errors(service))) >= 2


def test_round_trip_export_import_export_is_identical(app, catalogue, tmp_path, database_url):
    first = tmp_path / "first"
    export_hsds(catalogue, first)
    # an empty database: remove everything the fixtures made, then import the export back
    from tests.conftest import _reset

    catalogue.rollback()  # end the session's transaction: on PostgreSQL TRUNCATE waits for it
    _reset(app.extensions["wijzer_db"]["engine"])
    catalogue.expire_all()
    assert catalogue.exec(select(func.count()).select_from(Offering)).one() == 0
    result = import_hsds(catalogue, first, config=app.config)
    catalogue.commit()
    assert result.created["offering"] == 5 and result.created["report"] == 3
    second = tmp_path / "second"
    export_hsds(catalogue, second)
    for f in sorted((first / "services").glob("*.json")):
        assert json.loads(f.read_text()) == json.loads((second / "services" / f.name).read_text())
    for f in sorted((first / "csv").glob("*")):
        assert f.read_text() == (second / "csv" / f.name).read_text(), f.name


def test_import_hsds_bad_input(session, tmp_path):
    with pytest.raises(ImportRejected):
        import_hsds(session, tmp_path)  # no files
    (tmp_path / "kapot.json").write_text("{niet json")
    with pytest.raises(ImportRejected) as exc:
        import_hsds(session, tmp_path)
    assert "geen geldige JSON" in exc.value.errors[0].message
    assert session.exec(select(func.count()).select_from(Offering)).one() == 0


def test_cli_export_and_import(runner, catalogue, tmp_path):
    out = runner.invoke(args=["export", "hsds", str(tmp_path / "x")])
    assert out.exit_code == 0 and "5 services" in out.output
    dry = runner.invoke(args=["import", "hsds", str(tmp_path / "x"), "--dry-run"])
    assert dry.exit_code == 0 and "Controle geslaagd" in dry.output
    assert runner.invoke(args=["import", "hsds", str(tmp_path / "leeg")]).exit_code == 1


def test_hsds_api(client, catalogue):
    info = client.get("/hsds/").get_json()
    assert info["version"] == "3.1"
    page = client.get("/hsds/services?per_page=2&page=2").get_json()
    assert page["total_items"] == 5 and page["total_pages"] == 3 and page["page_number"] == 2
    assert page["size"] == 2 and not page["first_page"] and not page["last_page"] and not page["empty"]
    for svc in page["contents"]:
        assert list(VALIDATOR.iter_errors(svc)) == []
    one = client.get(f"/hsds/services/{page['contents'][0]['id']}")
    assert one.status_code == 200 and one.get_json() == page["contents"][0]
    assert client.get("/hsds/services/onbekend").status_code == 404
    assert client.get("/hsds/services?page=0").status_code == 400
    assert client.get("/hsds/services?per_page=abc").status_code == 400
    assert client.get("/hsds/services?page=9").get_json()["empty"] is True
