"""The search API's database use (wijzer.db): on PostgreSQL its reads run in autocommit mode (no BEGIN/ROLLBACK
round trips) and a pooled connection is tested only after lying unused; writes stay in transactions. On SQLite
the read session is the request's ordinary session."""

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from wijzer import db


def _postgres(app) -> bool:
    return app.extensions["wijzer_db"]["engine"].dialect.name == "postgresql"


def test_reads_run_outside_a_transaction_on_postgresql_and_writes_inside_one(app):
    with app.test_request_context("/api/v1/search"):
        reads = db.get_read_session()
        if not _postgres(app):
            assert reads is db.get_session()
            return
        from psycopg.pq import TransactionStatus

        assert reads is not db.get_session() and reads is db.get_read_session()
        reads.execute(text("SELECT 1"))
        assert (
            reads.connection().connection.dbapi_connection.info.transaction_status == TransactionStatus.IDLE
        )
    with app.app_context():  # the same pooled connection, checked out for writing: in a transaction again
        writes = db.new_session()
        try:
            writes.execute(text("SELECT 1"))
            conn = writes.connection().connection.dbapi_connection
            assert conn.autocommit is False and conn.info.transaction_status == TransactionStatus.INTRANS
        finally:
            writes.close()


def test_search_api_answers_through_the_read_session(
    app, client, make_provider, make_location, make_offering, report
):
    p = make_provider()
    report(make_offering(p, make_location(p, postcode="3512")), days_ago=1, free_places=1, wait_intake=0)
    body = client.get("/api/v1/search?postcode=3511&radius_km=10").get_json()
    assert body["total"] == 1 and body["results"][0]["place_now"] is True


def test_a_connection_that_died_while_unused_in_the_pool_is_replaced(app, client, database_url, monkeypatch):
    if not _postgres(app):
        pytest.skip("PostgreSQL's connection pool")
    engine = app.extensions["wijzer_db"]["engine"]
    engine.dispose()
    with engine.connect() as conn:  # the one pooled connection
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    killer = create_engine(database_url, poolclass=NullPool)
    with killer.connect() as conn:  # as a server restart or an idle timeout would
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    killer.dispose()
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)  # it lay unused "long enough"
    assert client.get("/api/v1/search?postcode=3511&radius_km=10").status_code == 200
    with engine.connect() as conn:
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar() != pid


def test_integers_go_to_postgresql_as_one_type_so_a_statement_is_prepared_once(app):
    """psycopg sends a Python int as smallint, integer or bigint by its size: the page query's ids (some below
    32,768, some above) made a new parameter-type signature on nearly every search, so PostgreSQL planned it anew
    each time (~0.7 ms of its ~1.2 ms) and psycopg never reused a prepared statement for it. Ints that fit go as
    integer, larger ones as bigint."""
    if not _postgres(app):
        pytest.skip("PostgreSQL's parameter types")
    from sqlmodel import col, select

    from wijzer.models import Offering

    engine = app.extensions["wijzer_db"]["engine"]
    engine.dispose()
    with engine.connect() as conn:
        types = conn.execute(
            text("SELECT pg_typeof(:a)::text, pg_typeof(:b)::text, pg_typeof(:c)::text"),
            {"a": 5, "b": 40_000, "c": 2**40},
        ).one()
        assert tuple(types) == ("integer", "integer", "bigint")
        for ids in ([1, 40_000], [40_001, 2], [3, 4], [50_000, 60_000], [5, 70_000], [6, 7], [80_000, 8]):
            conn.execute(select(col(Offering.id)).where(col(Offering.id).in_(ids)))
        prepared = conn.execute(
            text("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%offering.id IN%'")
        ).scalar()
        assert prepared == 1
