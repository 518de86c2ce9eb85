"""gemeente_code -> municipality_code (the code follows the glossary in CONTRIBUTING.md)

Renames the column, its index and its foreign key on location, postcode_area, offering and placement_request.
On PostgreSQL these are renames in the catalogue (no table rewrite, no index rebuild); on SQLite the batch
mode rebuilds each table, as the earlier revisions do.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table -> (has an index on the column, has a foreign key to gemeente.code)
TABLES = {
    "location": (True, True),
    "postcode_area": (True, True),
    "offering": (True, False),
    "placement_request": (False, True),
}


def _rename(old: str, new: str) -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, (indexed, foreign) in TABLES.items():
        old_ix, new_ix = f"ix_{table}_{old}", f"ix_{table}_{new}"
        old_fk, new_fk = f"fk_{table}_{old}_gemeente", f"fk_{table}_{new}_gemeente"
        if postgres:
            op.alter_column(table, old, new_column_name=new)
            if indexed:
                op.execute(f'ALTER INDEX "{old_ix}" RENAME TO "{new_ix}"')
            if foreign:
                op.execute(f'ALTER TABLE "{table}" RENAME CONSTRAINT "{old_fk}" TO "{new_fk}"')
            continue
        with op.batch_alter_table(table) as batch_op:
            if indexed:
                batch_op.drop_index(old_ix)
            if foreign:
                batch_op.drop_constraint(old_fk, type_="foreignkey")
            batch_op.alter_column(old, new_column_name=new)
        with op.batch_alter_table(table) as batch_op:
            if indexed:
                batch_op.create_index(new_ix, [new], unique=False)
            if foreign:
                batch_op.create_foreign_key(new_fk, "gemeente", [new], ["code"])


def upgrade() -> None:
    _rename("gemeente_code", "municipality_code")


def downgrade() -> None:
    _rename("municipality_code", "gemeente_code")
