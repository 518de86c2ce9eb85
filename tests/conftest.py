"""Shared fixtures. The suite runs against SQLite by default and against PostgreSQL when
WIJZER_TEST_DATABASE_URL is set (``make test`` does both).

The schema is created once per session and the reference data (jeugdregio's, gemeenten, PC4) is
loaded once; after every test all other tables are emptied, so each test starts from the same state.
"""

from __future__ import annotations

import os
from datetime import timedelta
from itertools import count

import pytest
from sqlalchemy import text

import wijzer.models  # noqa: F401
from wijzer import create_app
from wijzer.db import make_engine, metadata
from wijzer.models import Jeugdregio
from wijzer.schemas import CapacityInput, LocationInput, OfferingInput, ProviderInput
from wijzer.services import accounts, availability, catalogue
from wijzer.services.reference import load_reference_data
from wijzer.timeutil import utcnow

REFERENCE_TABLES = {"jeugdregio", "gemeente", "postcode_area"}
accounts.HASH_METHOD = "pbkdf2:sha256:1000"  # fast hashes in tests; production uses scrypt
PASSWORD = "Correct-Paard-Nietje-42"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("WIJZER_TEST_DATABASE_URL")
    if not url:
        url = "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")
    engine = make_engine(url)
    metadata.drop_all(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    metadata.create_all(engine)
    with (
        engine.begin() as conn
    ):  # the models are the migrations' head (tests/unit/test_migrations.py): say so
        from alembic.migration import MigrationContext
        from alembic.script import ScriptDirectory

        from wijzer.config import PROJECT_ROOT

        MigrationContext.configure(conn).stamp(ScriptDirectory(str(PROJECT_ROOT / "migrations")), "head")
    from sqlmodel import Session

    with Session(engine) as session:
        load_reference_data(session)
        session.commit()
    engine.dispose()
    return url


@pytest.fixture
def scratch_database_url(database_url, tmp_path):
    """An empty database of the same kind as the suite's: a new SQLite file, or a throwaway PostgreSQL
    database on the same server (dropped afterwards)."""
    import uuid

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path / 'scratch.db'}"
        return
    name = f"wijzer_scratch_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


class OldSchema:
    """A scratch database migrated to a given revision, to test a migration on rows of the schema before it."""

    def __init__(self, url: str) -> None:
        from alembic.config import Config

        from wijzer.config import PROJECT_ROOT

        self.url = url
        self.config = Config()
        self.config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
        self.config.set_main_option("sqlalchemy.url", url)
        self.config.attributes["configure_logger"] = False
        self.engine = make_engine(url)

    def upgrade(self, revision: str) -> None:
        from alembic import command

        self.engine.dispose()
        command.upgrade(self.config, revision)

    def downgrade(self, revision: str) -> None:
        from alembic import command

        self.engine.dispose()
        command.downgrade(self.config, revision)

    def add_utrecht(self, conn) -> None:
        """Jeugdregio JZ22 and gemeente GM0344 (Utrecht): what location and offering rows refer to."""
        conn.execute(text("INSERT INTO jeugdregio (code, name, lat, lon) VALUES ('JZ22', 'Utrecht', 52, 5)"))
        conn.execute(
            text(
                "INSERT INTO gemeente (code, name, province_code, province_name, region_code, lat, lon) "
                "VALUES ('GM0344', 'Utrecht', 'PV26', 'Utrecht', 'JZ22', 52, 5)"
            )
        )


@pytest.fixture
def old_schema(scratch_database_url):
    schema = OldSchema(scratch_database_url)
    yield schema
    schema.engine.dispose()


def _reset(engine) -> None:
    tables = [t for t in reversed(metadata.sorted_tables) if t.name not in REFERENCE_TABLES]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(
                text("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables) + " RESTART IDENTITY CASCADE")
            )
        else:
            for t in tables:
                conn.execute(t.delete())
        conn.execute(
            Jeugdregio.__table__.update().values(
                contact_email=None,
                fresh_days=None,
                stale_days=None,
                norm_intake_weeks=None,
                norm_treatment_weeks=None,
                travel_km=None,
                referrer_domains="",
            )
        )


@pytest.fixture
def app(database_url):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": False,
            "BASE_URL": "http://localhost",
            "RATELIMIT_ENABLED": False,  # tests/web/test_rate_limits.py turns it on
        }
    )
    yield app
    engine = app.extensions["wijzer_db"]["engine"]
    _reset(engine)
    engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    """A database session of its own (commit explicitly, like an entry point).

    No app context stays pushed during the test: otherwise every test-client request would reuse
    it, sharing ``g`` (the request's session, Flask-Login's cached user) between requests. Tests
    that need one use ``with app.app_context():``.
    """
    from wijzer.db import new_session

    with app.app_context():
        s = new_session()
    yield s
    s.close()


_seq = count(1)


@pytest.fixture
def make_provider(session):
    def make(name: str | None = None, kvk: str | None = None, **extra):
        n = next(_seq)
        data = ProviderInput(name=name or f"Zorgaanbieder {n}", kvk=kvk or f"{10000000 + n}", **extra)
        provider = catalogue.save_provider(session, data, actor="test")
        session.commit()
        return provider

    return make


@pytest.fixture
def make_location(session):
    def make(provider, postcode: str = "3511AB", name: str | None = None, **extra):
        data = LocationInput(name=name or f"Locatie {next(_seq)}", postcode=postcode, **extra)
        location = catalogue.save_location(session, provider, data, actor="test")
        session.commit()
        return location

    return make


@pytest.fixture
def make_offering(session):
    def make(provider, location, care_type: str = "logeeropvang", ref: str | None = None, **extra):
        data = OfferingInput(offering_ref=ref or f"REF-{next(_seq)}", care_type=care_type, **extra)
        offering = catalogue.save_offering(session, provider, location, data, actor="test")
        session.commit()
        return offering

    return make


@pytest.fixture
def report(session):
    """report(offering, days_ago=0, **capacity values) — a portal-style capacity update."""

    def make(offering, days_ago: float = 0, kind: str = "update", source: str = "portal", **values):
        values.setdefault("intake_status", "open")
        data = CapacityInput(**values) if kind == "update" else None
        rep = availability.record_report(
            session, offering, data, kind=kind, source=source, reported_at=utcnow() - timedelta(days=days_ago)
        )
        session.commit()
        return rep

    return make


@pytest.fixture
def make_user(session):
    def make(
        role: str = "referrer",
        email: str | None = None,
        password: str = PASSWORD,
        provider=None,
        region_code: str | None = None,
        name: str = "Test Gebruiker",
    ):
        user = accounts.create_user(
            session,
            email=email or f"{role}{next(_seq)}@example.nl",
            password=password,
            role=role,
            name=name,
            provider_id=getattr(provider, "id", None),
            region_code=region_code,
            actor="test",
        )
        session.commit()
        return user

    return make


@pytest.fixture
def login(client):
    def do(user, password: str = PASSWORD):
        response = client.post("/inloggen", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return do
