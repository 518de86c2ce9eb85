"""The Alembic migrations produce exactly the schema of the models, on SQLite and PostgreSQL, and
``flask setup`` is idempotent."""
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from wijzer import create_app
from wijzer.db import make_engine, metadata


@pytest.fixture
def empty_database_url(database_url, tmp_path):
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"wijzer_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_setup_builds_the_models_schema_and_is_idempotent(empty_database_url):
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
    assert diff == [], f"migrations differ from the models; run scripts/regen-migration.sh or add a revision: {diff}"
