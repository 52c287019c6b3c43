"""An entry carries the minutes from the patient's admission to an admission
reconciliation (NICE QS120 in acute care), from the return CSV's ``qs120_minutes``.

Entries imported before this revision, and returns written before the column existed,
stay NULL: "not recorded".

Revision ID: c0005
Revises: c0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "c0005"
down_revision = "c0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("central_entry") as batch:
        batch.add_column(sa.Column("qs120_minutes", sa.Integer, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("central_entry") as batch:
        batch.drop_column("qs120_minutes")
