"""Installations (issue 12): which installation each return came from, and the entries
a return carried that another installation's return already counted.

Revision ID: c0002
Revises: c0001
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "c0002"
down_revision = "c0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("central_return") as batch:
        batch.add_column(sa.Column("installation_id", sa.String(36), nullable=True))
        batch.add_column(sa.Column("installation_name", sa.String(200), nullable=True))
        batch.add_column(sa.Column("nil", sa.Integer, nullable=False, server_default="0"))
    op.create_table(
        "central_duplicate",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("return_pk", sa.Integer, sa.ForeignKey("central_return.id"), nullable=False),
        sa.Column("entry_id", sa.String(36), nullable=False),
        sa.Column("counted_in", sa.String(40), nullable=False),
    )
    op.create_index("ix_central_duplicate_return", "central_duplicate", ["return_pk"])
    op.create_index("ix_central_entry_gphc_entry", "central_entry", ["gphc", "entry_id"])


def downgrade() -> None:
    op.drop_index("ix_central_entry_gphc_entry", "central_entry")
    op.drop_index("ix_central_duplicate_return", "central_duplicate")
    op.drop_table("central_duplicate")
    with op.batch_alter_table("central_return") as batch:
        batch.drop_column("nil")
        batch.drop_column("installation_name")
        batch.drop_column("installation_id")
