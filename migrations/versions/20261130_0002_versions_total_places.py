"""row versions for edit forms, capacity version, total places

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("capacity_report") as batch_op:
        batch_op.add_column(sa.Column("total_places", sa.Integer(), nullable=True))
    with op.batch_alter_table("provider") as batch_op:
        batch_op.add_column(sa.Column("row_version", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("location") as batch_op:
        batch_op.add_column(sa.Column("row_version", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("offering") as batch_op:
        batch_op.add_column(sa.Column("cur_total_places", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("capacity_version", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("row_version", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("offering") as batch_op:
        batch_op.drop_column("row_version")
        batch_op.drop_column("capacity_version")
        batch_op.drop_column("cur_total_places")
    with op.batch_alter_table("location") as batch_op:
        batch_op.drop_column("row_version")
    with op.batch_alter_table("provider") as batch_op:
        batch_op.drop_column("row_version")
    with op.batch_alter_table("capacity_report") as batch_op:
        batch_op.drop_column("total_places")
