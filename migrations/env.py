"""Alembic environment: migrates SQLModel.metadata (all table models in wijzer.models)."""

from __future__ import annotations

import os
from logging.config import fileConfig

from alembic import context

import wijzer.models  # noqa: F401  registers every table
from wijzer.config import Defaults
from wijzer.db import make_engine, metadata

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name)

url = (
    config.get_main_option("sqlalchemy.url") or os.environ.get("WIJZER_DATABASE_URL") or Defaults.DATABASE_URL
)


def run_migrations_offline() -> None:
    context.configure(url=url, target_metadata=metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(url)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # A batch migration rebuilds a SQLite table (copy, DROP, rename). With foreign keys enforced the
            # DROP of a referenced table (jeugdregio, provider ...) fails once the database holds data, so
            # they are off while migrating (SQLite cannot switch them inside a transaction) and checked after.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        context.configure(
            connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True
        )
        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()
            if broken:
                raise RuntimeError(f"foreign keys broken after the migration: {broken[:10]}")
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
