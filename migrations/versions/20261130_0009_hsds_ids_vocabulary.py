"""persistent HSDS ids on provider and offering; extendable vocabularies

Revision ID: 0009
Revises: 0002
Create Date: 2026-11-30
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of wijzer.hsds_ids (a migration must not change when the application code does).
NS = uuid.UUID("6f1d6c1e-5d4b-4e0a-9a51-9a3c5e2b7a10")


def _uid(*parts) -> str:
    return str(uuid.uuid5(NS, ":".join(str(p) for p in parts)))


def upgrade() -> None:
    op.create_table(
        "vocabulary_term",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vocabulary", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vocabulary_term")),
        sa.UniqueConstraint("vocabulary", "code", name="uq_vocabulary_term_vocabulary_code"),
    )
    with op.batch_alter_table("provider") as batch_op:
        batch_op.add_column(sa.Column("hsds_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True))
    with op.batch_alter_table("offering") as batch_op:
        batch_op.add_column(sa.Column("hsds_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True))
        batch_op.add_column(
            sa.Column("hsds_sal_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True)
        )

    # Backfill with exactly the identifiers the HSDS export derived until now.
    conn = op.get_bind()
    provider = sa.table("provider", sa.column("id"), sa.column("kvk"), sa.column("hsds_id"))
    location = sa.table("location", sa.column("id"), sa.column("name"))
    offering = sa.table(
        "offering",
        sa.column("id"),
        sa.column("provider_id"),
        sa.column("location_id"),
        sa.column("offering_ref"),
        sa.column("hsds_id"),
        sa.column("hsds_sal_id"),
    )
    kvks = dict(conn.execute(sa.select(provider.c.id, provider.c.kvk)).all())
    if kvks:
        conn.execute(
            provider.update().where(provider.c.id == sa.bindparam("pid")).values(hsds_id=sa.bindparam("hid")),
            [{"pid": pid, "hid": _uid("provider", kvk)} for pid, kvk in kvks.items()],
        )
    names = dict(conn.execute(sa.select(location.c.id, location.c.name)).all())
    rows = []
    for oid, pid, lid, ref in conn.execute(
        sa.select(offering.c.id, offering.c.provider_id, offering.c.location_id, offering.c.offering_ref)
    ):
        sid = _uid("offering", kvks[pid], ref)
        rows.append(
            {"oid": oid, "sid": sid, "salid": _uid("sal", sid, _uid("location", kvks[pid], names[lid]))}
        )
    if rows:
        conn.execute(
            offering.update()
            .where(offering.c.id == sa.bindparam("oid"))
            .values(hsds_id=sa.bindparam("sid"), hsds_sal_id=sa.bindparam("salid")),
            rows,
        )

    # Unique indexes, not constraints: SQLite adds them without rebuilding the tables (a rebuild of a table
    # that others reference fails with foreign keys enforced). The column defaults fill every new row.
    op.create_index(op.f("ix_provider_hsds_id"), "provider", ["hsds_id"], unique=True)
    op.create_index(op.f("ix_offering_hsds_id"), "offering", ["hsds_id"], unique=True)
    op.create_index(op.f("ix_offering_hsds_sal_id"), "offering", ["hsds_sal_id"], unique=True)


def downgrade() -> None:
    op.drop_index(op.f("ix_offering_hsds_sal_id"), table_name="offering")
    op.drop_index(op.f("ix_offering_hsds_id"), table_name="offering")
    op.drop_index(op.f("ix_provider_hsds_id"), table_name="provider")
    with op.batch_alter_table("offering") as batch_op:
        batch_op.drop_column("hsds_sal_id")
        batch_op.drop_column("hsds_id")
    with op.batch_alter_table("provider") as batch_op:
        batch_op.drop_column("hsds_id")
    op.drop_table("vocabulary_term")
