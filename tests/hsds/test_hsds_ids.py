"""Persistent HSDS ids: every insert path stores the same ids the export derived before (migration 0009
backfills them), and they stay when a location is renamed."""

from pathlib import Path

from sqlmodel import select

from importers.providers import import_providers
from wijzer import hsds_ids
from wijzer.models import Location, Offering, Provider
from wijzer.services import demo
from wijzer.services.hsds import get_service

ROOT = Path(__file__).resolve().parents[2]


def _expected(session, off: Offering) -> tuple[str, str]:
    prov, loc = session.get(Provider, off.provider_id), session.get(Location, off.location_id)
    return (
        hsds_ids.service_id(prov.kvk, off.offering_ref),
        hsds_ids.service_at_location_id(prov.kvk, off.offering_ref, loc.name),
    )


def test_portal_path_bulk_import_and_demo_data_all_store_ids(
    app, session, make_provider, make_location, make_offering
):
    p = make_provider(kvk="12345678")
    make_offering(
        p, make_location(p, postcode="3511AB", name="Huis"), ref="PORTAAL"
    )  # ORM path (column default)
    import_providers(session, ROOT / "importers/samples/aanbieders_voorbeeld.csv")  # bulk path (explicit)
    demo.seed(session, providers=3, seed_value=1, weeks=2, config=app.config)  # bulk path (explicit)
    session.commit()
    offerings = session.exec(select(Offering)).all()
    assert len(offerings) > 10
    for off in offerings:
        assert (off.hsds_id, off.hsds_sal_id) == _expected(session, off), off.offering_ref
    for prov in session.exec(select(Provider)).all():
        assert prov.hsds_id == hsds_ids.provider_id(prov.kvk)


def test_core_insert_without_ids_gets_them_from_the_column_default(session, make_provider, make_location):
    from sqlalchemy import insert

    p = make_provider(kvk="87654321")
    loc = make_location(p, postcode="1012", name="Centrum")
    session.execute(
        insert(Offering),
        [
            {
                "provider_id": p.id,
                "location_id": loc.id,
                "offering_ref": ref,
                "care_type": "respijtzorg",
                "lat": loc.lat,
                "lon": loc.lon,
                "municipality_code": loc.municipality_code,
                "region_code": loc.region_code,
            }
            for ref in ("C1", "C2")
        ],
    )
    session.commit()
    for off in session.exec(select(Offering)).all():
        assert (off.hsds_id, off.hsds_sal_id) == _expected(session, off)


def test_ids_stay_when_a_location_is_renamed(session, make_provider, make_location, make_offering):
    p = make_provider(kvk="11112222")
    loc = make_location(p, postcode="3511AB", name="Oud")
    off = make_offering(p, loc, ref="R1")
    before = get_service(session, off.hsds_id)
    loc = session.get(Location, loc.id)
    loc.name = "Nieuw"
    session.add(loc)
    session.commit()
    after = get_service(session, off.hsds_id)
    assert after["id"] == before["id"] and after["service_at_locations"][0]["id"] == off.hsds_sal_id
    assert after["service_at_locations"][0]["location"]["name"] == "Nieuw"


def test_migration_backfills_the_ids_the_export_derived(old_schema):
    from sqlalchemy import text

    old_schema.upgrade("0002")
    engine = old_schema.engine
    with engine.begin() as conn:
        old_schema.add_utrecht(conn)
        conn.execute(
            text(
                "INSERT INTO provider (id, name, kvk, row_version, created_at, updated_at) "
                "VALUES (1, 'A', '12345678', 0, '2026-01-01', '2026-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO location (id, provider_id, name, postcode, lat, lon, gemeente_code, "
                "region_code, row_version, created_at, updated_at) VALUES (1, 1, 'Huis', '3511AB', 52, 5, "
                "'GM0344', 'JZ22', 0, '2026-01-01', '2026-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO offering (id, provider_id, location_id, offering_ref, care_type, tags, min_age, max_age, "
                "modalities, funding, contract_regions, crisis_intake, active, lat, lon, gemeente_code, region_code, "
                "capacity_version, row_version, needs_update, freshness, created_at, updated_at) VALUES (1, 1, 1, 'R1', "
                "'respijtzorg', '', 0, 18, '', '', '', false, true, 52, 5, 'GM0344', 'JZ22', 0, 0, false, 'unknown', "
                "'2026-01-01', '2026-01-01')"
            )
        )
    old_schema.upgrade("0009")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT hsds_id FROM provider")).scalar() == hsds_ids.provider_id("12345678")
        assert tuple(conn.execute(text("SELECT hsds_id, hsds_sal_id FROM offering")).one()) == (
            hsds_ids.service_id("12345678", "R1"),
            hsds_ids.service_at_location_id("12345678", "R1", "Huis"),
        )
    engine.dispose()
