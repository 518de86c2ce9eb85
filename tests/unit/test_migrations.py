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
