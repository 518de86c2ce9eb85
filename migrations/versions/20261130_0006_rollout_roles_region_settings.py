"""rollout: regiobeheerder role, provider-admin flag, region contact list and referrer domains,
self-registration invitations

Revision ID: 0006
Revises: 0003
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | None = "0004"  # chained after main's head at the merge (was 0002)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("app_user") as batch_op:
        batch_op.alter_column(
            "role",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=10),
            type_=sqlmodel.sql.sqltypes.AutoString(length=20),
            existing_nullable=False,
        )
        batch_op.add_column(sa.Column("provider_admin", sa.Boolean(), server_default="0", nullable=False))
    with op.batch_alter_table("invitation") as batch_op:
        batch_op.alter_column(
            "role",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=10),
            type_=sqlmodel.sql.sqltypes.AutoString(length=20),
            existing_nullable=False,
        )
        batch_op.add_column(sa.Column("provider_admin", sa.Boolean(), server_default="0", nullable=False))
        batch_op.add_column(
            sa.Column(
                "kind",
                sqlmodel.sql.sqltypes.AutoString(length=12),
                server_default="invitation",
                nullable=False,
            )
        )
    with op.batch_alter_table("jeugdregio") as batch_op:
        batch_op.alter_column(
            "contact_email",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=254),
            type_=sqlmodel.sql.sqltypes.AutoString(length=2000),
            existing_nullable=True,
        )
        batch_op.add_column(
            sa.Column(
                "referrer_domains",
                sqlmodel.sql.sqltypes.AutoString(length=1000),
                server_default="",
                nullable=False,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("jeugdregio") as batch_op:
        batch_op.drop_column("referrer_domains")
        batch_op.alter_column(
            "contact_email",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=2000),
            type_=sqlmodel.sql.sqltypes.AutoString(length=254),
            existing_nullable=True,
        )
    with op.batch_alter_table("invitation") as batch_op:
        batch_op.drop_column("kind")
        batch_op.drop_column("provider_admin")
        batch_op.alter_column(
            "role",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=20),
            type_=sqlmodel.sql.sqltypes.AutoString(length=10),
            existing_nullable=False,
        )
    with op.batch_alter_table("app_user") as batch_op:
        batch_op.drop_column("provider_admin")
        batch_op.alter_column(
            "role",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=20),
            type_=sqlmodel.sql.sqltypes.AutoString(length=10),
            existing_nullable=False,
        )
