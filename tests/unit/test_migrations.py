"""The Alembic migrations produce exactly the schema of the models, on SQLite and PostgreSQL, and
``flask setup`` is idempotent."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from wijzer import create_app
from wijzer.db import make_engine, metadata


def test_setup_builds_the_models_schema_and_is_idempotent(scratch_database_url):
    empty_database_url = scratch_database_url
    app = create_app({"TESTING": True, "DATABASE_URL": empty_database_url, "SECRET_KEY": "t"})
    runner = app.test_cli_runner()
    first = runner.invoke(args=["setup"])
    assert first.exit_code == 0, first.output
    assert "jeugdregio: 42 nieuw" in first.output and "postcode_area: 4086 nieuw" in first.output
    second = runner.invoke(args=["setup"])
    assert second.exit_code == 0 and "jeugdregio: 0 nieuw, 0 bijgewerkt" in second.output
    assert "postcode_area: 0 nieuw, 0 bijgewerkt" in second.output
    engine = make_engine(empty_database_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    engine.dispose()
    app.extensions["wijzer_db"]["engine"].dispose()
    assert diff == [], (
        f"migrations differ from the models; run scripts/regen-migration.sh or add a revision: {diff}"
    )


def test_the_municipality_code_rename_keeps_the_data_and_goes_back(old_schema):
    """Revision 0012 renames gemeente_code to municipality_code with its index and foreign key; the rows,
    the index and the constraint survive an upgrade and a downgrade."""
    from sqlalchemy import inspect, text

    old_schema.upgrade("0011")
    engine = old_schema.engine
    with engine.begin() as conn:
        old_schema.add_utrecht(conn)
        conn.execute(
            text(
                "INSERT INTO postcode_area (pc4, lat, lon, place, gemeente_code) "
                "VALUES ('3511', 52, 5, 'Utrecht', 'GM0344')"
            )
        )

    def shape(conn, column):
        found = {}
        for table in ("location", "postcode_area", "offering", "placement_request"):
            inspector = inspect(conn)
            assert column in {c["name"] for c in inspector.get_columns(table)}, (table, column)
            indexes = {i["name"]: i["column_names"] for i in inspector.get_indexes(table)}
            fks = {f["name"]: f["constrained_columns"] for f in inspector.get_foreign_keys(table)}
            found[table] = (
                indexes.get(f"ix_{table}_{column}"),
                fks.get(f"fk_{table}_{column}_gemeente"),
            )
        return found

    expected = {
        "location": True,
        "postcode_area": True,
        "offering": True,
        "placement_request": False,
    }
    old_schema.upgrade("0012")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT municipality_code FROM postcode_area")).scalar() == "GM0344"
        got = shape(conn, "municipality_code")
    for table, indexed in expected.items():
        assert (got[table][0] == ["municipality_code"]) is indexed, (table, got[table])
    assert (
        got["location"][1] == got["postcode_area"][1] == got["placement_request"][1] == ["municipality_code"]
    )
    old_schema.downgrade("0011")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT gemeente_code FROM postcode_area")).scalar() == "GM0344"
        assert shape(conn, "gemeente_code")["location"] == (["gemeente_code"], ["gemeente_code"])
    engine.dispose()
