"""region snapshots: occupancy and 'gebeld: geen plek' reports of the week

Revision ID: 0005
Revises: 0003 (chained after main's 0002 → 0009 → 0003)
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("region_snapshot") as batch_op:
        batch_op.add_column(sa.Column("occupancy", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("no_place_reports", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("region_snapshot") as batch_op:
        batch_op.drop_column("no_place_reports")
        batch_op.drop_column("occupancy")
