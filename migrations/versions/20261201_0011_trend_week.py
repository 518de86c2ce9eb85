"""trend_week: complete past weeks of a region's trends, kept instead of rebuilt from the history each time

Revision ID: 0011
Revises: 0007
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "trend_week",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
        sa.Column("basis", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("monday", sa.Date(), nullable=False),
        sa.Column("inputs", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("last_report_id", sa.Integer(), nullable=False),
        sa.Column("computed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("figures", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trend_week")),
        sa.UniqueConstraint("region_code", "basis", "monday", name="uq_trend_week_key"),
    )


def downgrade() -> None:
    op.drop_table("trend_week")
