"""Database engine, per-request session, naming convention and SQLite pragmas.

Entry points (request, CLI command, job) own the transaction: they call ``commit()``;
services only ``add``/``flush``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from flask import Flask, current_app, g
from sqlalchemy import MetaData, Table, event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, SQLModel, create_engine

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
# Must be set before any table model is defined (models import this module first).
SQLModel.metadata.naming_convention = NAMING_CONVENTION
metadata: MetaData = SQLModel.metadata


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(url: str, echo: bool = False) -> Engine:
    parsed = make_url(url)
    kwargs: dict = {"echo": echo}
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database
        if db and db != ":memory:":
            Path(db).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"], app.config.get("DATABASE_ECHO", False))
    factory = sessionmaker(bind=engine, class_=Session, expire_on_commit=False)
    app.extensions["wijzer_db"] = {"engine": engine, "factory": factory}

    @app.teardown_appcontext
    def _close_session(exc):
        session = g.pop("db_session", None)
        if session is not None:
            session.rollback()
            session.close()


class _HasId(Protocol):
    @property
    def id(self) -> int | None: ...


def saved_id(row: _HasId) -> int:
    """The primary key of a row that was flushed (SQLModel types ``id`` as optional until the insert)."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet: flush it first")
    return row.id


def table_of(model: type[SQLModel]) -> Table:
    """The Table of a ``table=True`` model (the same object as ``model.__table__``, which SQLModel sets when
    the class is created but does not declare for type checkers)."""
    table = sa_inspect(model).local_table
    if not isinstance(table, Table):  # pragma: no cover - every table model maps one Table
        raise TypeError(f"{model.__name__} is not mapped to a single table")
    return table


def get_engine() -> Engine:
    return current_app.extensions["wijzer_db"]["engine"]


def new_session() -> Session:
    """A fresh session not tied to the request (jobs, CLI, threads)."""
    return current_app.extensions["wijzer_db"]["factory"]()


def get_session() -> Session:
    """The session of the current request / app context."""
    if "db_session" not in g:
        g.db_session = new_session()
    return g.db_session


@contextmanager
def session_scope() -> Iterator[Session]:
    """Own transaction: commit on success, rollback on error (CLI commands and jobs)."""
    session = new_session()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def sync_id_sequences(session: Session, *models) -> None:
    """After rows were inserted with explicit ids (bulk seeding): on PostgreSQL move each table's id sequence past
    the highest id, so the next row made the ordinary way gets a free id. SQLite needs nothing (it takes
    the highest rowid + 1)."""
    from sqlalchemy import text

    if session.get_bind().dialect.name != "postgresql":
        return
    for model in models:
        table = model.__tablename__
        # The table names come from the model classes, never from input.
        sql = (
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
            f'COALESCE((SELECT MAX(id) FROM "{table}"), 0) + 1, false)'
        )
        session.execute(text(sql))
