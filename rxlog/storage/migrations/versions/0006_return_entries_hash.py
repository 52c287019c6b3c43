"""A return records the hash of the month's entry rows it was made from.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("return_record") as batch:
        batch.add_column(sa.Column("entries_sha256", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("return_record") as batch:
        batch.drop_column("entries_sha256")
