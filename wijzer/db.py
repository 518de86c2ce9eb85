"""Database engine, per-request session, naming convention and SQLite pragmas.

Entry points (request, CLI command, job) own the transaction: they call ``commit()``;
services only ``add``/``flush``.
"""

from __future__ import annotations

import functools
import operator
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol, TypeVar

from flask import Flask, current_app, g
from sqlalchemy import MetaData, Table, event, exc
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


# PostgreSQL: a pooled connection is tested (one round trip) before use only when it lay unused in the pool for
# at least this long, and replaced when the test fails (a restarted server, a dropped idle connection). SQLAlchemy's
# pool_pre_ping tested it on every checkout: one round trip more for every request under load, where connections
# are back in use within milliseconds. pool_recycle replaces connections older than 30 minutes.
PING_AFTER_IDLE_SECONDS = 10.0
POOL_RECYCLE_SECONDS = 1800


def _idle_ping(engine: Engine) -> None:
    def checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info["wijzer_checked_in"] = time.monotonic()

    def checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("wijzer_checked_in")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_SECONDS:
            return  # new, or back in use within moments
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as err:
            # the pool discards this connection and checks out another (a new one after a restart)
            raise exc.DisconnectionError(str(err)) from err

    event.listen(engine, "checkin", checkin)
    event.listen(engine, "checkout", checkout)


@functools.cache
def _int4_dumpers() -> tuple[type, type]:
    """psycopg's int dumpers (text, binary), with ``integer`` for every int that fits (see ``_psycopg_int_params``)."""
    from psycopg.types.numeric import IntBinaryDumper, IntDumper

    def widened(base: type) -> type:
        class Dumper(base):  # psycopg's dispatching int dumper
            def upgrade(self, obj: int, format: Any) -> Any:
                if -(2**31) <= obj < 2**31:
                    return self._int4_dumper
                return super().upgrade(obj, format)

        return Dumper

    return widened(IntDumper), widened(IntBinaryDumper)


def _psycopg_int_params(dbapi_conn: Any, _record: Any) -> None:
    """Python ints go to PostgreSQL as ``integer`` when they fit (else ``bigint``/``numeric`` as before).

    psycopg picks smallint, integer or bigint by each value's size, so a statement with ids (``id IN (…)`` of a
    search page: some ids below 32,768, some above) had another parameter-type signature on nearly every run:
    PostgreSQL planned it anew each time and psycopg never reused its prepared statement for it. ``integer``
    works wherever ``smallint`` did (PostgreSQL widens implicitly); SQLAlchemy casts typed parameters anyway."""
    for dumper in _int4_dumpers():
        dbapi_conn.adapters.register_dumper(int, dumper)


def make_engine(url: str, echo: bool = False) -> Engine:
    parsed = make_url(url)
    kwargs: dict = {"echo": echo}
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database
        if db and db != ":memory:":
            Path(db).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        kwargs["pool_recycle"] = POOL_RECYCLE_SECONDS
    engine = create_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        _idle_ping(engine)
        if engine.dialect.driver == "psycopg":
            event.listen(engine, "connect", _psycopg_int_params)
    return engine


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"], app.config.get("DATABASE_ECHO", False))
    factory = sessionmaker(bind=engine, class_=Session, expire_on_commit=False)
    # Sessions for requests that only read (get_read_session): on PostgreSQL in autocommit mode, on the same pool.
    reads = (
        engine.execution_options(isolation_level="AUTOCOMMIT")
        if engine.dialect.name == "postgresql"
        else None
    )
    read_factory = (
        sessionmaker(bind=reads, class_=Session, expire_on_commit=False) if reads is not None else None
    )
    app.extensions["wijzer_db"] = {"engine": engine, "factory": factory, "read_factory": read_factory}

    @app.teardown_appcontext
    def _close_session(exc):
        for key in ("db_session", "db_read_session"):
            session = g.pop(key, None)
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


_Model = TypeVar("_Model", bound=SQLModel)


def row_view(model: type[_Model]) -> Callable[[Sequence[Any]], _Model]:
    """A maker of read-only views of ``model``'s rows, for pages of rows that are only shown (the search's results).

    A view is made from the values of the table's columns in their order (``table_of(model).c``, as a Core
    ``select(table)`` returns them) and has the model's columns as attributes and its properties (``tag_list`` …),
    nothing else of the model's: no session, no change tracking, no relationships (the models declare none), only
    what every tuple has besides (``len``, ``count`` …; no model names a column so). Setting an attribute
    raises. Loading the same rows as ORM objects costs the identity map, an instance state per object and its
    bookkeeping: ~6 % of a search request on both databases (``benchmarks/bench_search_ab.py``). Typed as the model,
    whose attributes for reading are exactly these.

    A view is the row's values themselves, a tuple (made in one step, as ``collections.namedtuple`` makes its
    records), each column an attribute that reads its place (``operator.itemgetter``, in C): setting the ~30
    attributes one by one cost ~0.15 ms of each search's page of 20."""
    names = tuple(column.key for column in table_of(model).c)
    width = len(names)
    class_name = f"{model.__name__}Row"

    def __new__(cls: type, values: Sequence[Any]) -> Any:
        row: tuple[Any, ...] = tuple.__new__(cls, values)
        if len(row) != width:
            raise ValueError(
                f"{class_name} needs {width} values, one per column of {model.__name__}, not {len(row)}"
            )
        return row

    def __setattr__(self: Any, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only (a row view, not a database object)")

    def __repr__(self: Any) -> str:
        return f"{type(self).__name__}(id={getattr(self, 'id', None)!r})"

    namespace: dict[str, Any] = {
        "__slots__": (),
        "__module__": __name__,
        "__doc__": f"A read-only row of {model.__name__} (``row_view``).",
        "__new__": __new__,
        "__setattr__": __setattr__,
        "__repr__": __repr__,
    }
    namespace.update({name: property(operator.itemgetter(i)) for i, name in enumerate(names)})
    namespace.update({key: value for key, value in vars(model).items() if isinstance(value, property)})
    view: type = type(class_name, (tuple,), namespace)
    return view


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


def get_read_session() -> Session:
    """A session of the current request for reading only (the search API). On PostgreSQL its statements run in
    autocommit mode: each SELECT sees the data committed when it starts, exactly as it does inside a READ COMMITTED
    transaction (PostgreSQL's default, used here), but without the BEGIN and ROLLBACK round trips around them.
    Nothing written through it is kept in a transaction: never use it for writes. On SQLite (whose driver begins no
    transaction for a SELECT anyway) it is the request's ordinary session."""
    read_factory = current_app.extensions["wijzer_db"]["read_factory"]
    if read_factory is None:
        return get_session()
    if "db_read_session" not in g:
        g.db_read_session = read_factory()
    return g.db_read_session


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


def insert_rows(session: Session, model: Any, rows: list[dict[str, Any]], batch: int = 5000) -> list[int]:
    """Insert ``rows`` (column values) into ``model``'s table; their new ids, in the order of ``rows`` (ascending).

    PostgreSQL: the ids are drawn from the table's sequence first (one query) and the rows sent with them by one
    executemany, which psycopg pipelines with one short statement parsed once. ``INSERT … RETURNING`` of many rows
    is instead one statement text of ~1,000 rows × all columns a page, which psycopg parses anew in Python for every
    page (``_split_query``): ~40 % of a 40,000-row capacity import. SQLite: ``INSERT … RETURNING`` in batches."""
    from sqlalchemy import insert, text

    if not rows:
        return []
    table = table_of(model)
    if session.get_bind().dialect.name == "postgresql":
        session.flush()  # the unit of work's pending rows first, as session.execute would
        name = model.__tablename__  # from the model class, never from input
        sql = f"SELECT nextval(pg_get_serial_sequence('{name}', 'id')) FROM generate_series(1, :n)"  # noqa: S608
        ids = sorted(session.execute(text(sql), {"n": len(rows)}).scalars())
        session.execute(insert(table), [row | {"id": i} for row, i in zip(rows, ids, strict=True)])
        return ids
    out: list[int] = []
    for start in range(0, len(rows), batch):
        stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        out += session.execute(stmt, rows[start : start + batch]).scalars().all()
    return out


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
