"""Month sign-off locks, the record of returns written, and settings.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "month_lock",
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("locked", sa.Integer, nullable=False),
        sa.Column("locked_at", sa.String(32), nullable=True),
        sa.Column("reopened_at", sa.String(32), nullable=True),
        sa.Column("reopen_reason", sa.Text, nullable=True),
    )
    op.create_table(
        "return_record",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("return_id", sa.String(80), nullable=False),
        sa.Column("month", sa.String(7), sa.ForeignKey("month_lock.month"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("supersedes", sa.String(80), nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("exported_at", sa.String(32), nullable=False),
        sa.Column("out_dir", sa.Text, nullable=False),
        sa.Column("manifest", sa.Text, nullable=False),
        sa.UniqueConstraint("return_id", "version", name="uq_return_version"),
    )
    op.create_table(
        "setting",
        sa.Column("key", sa.String(80), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in ("setting", "return_record", "month_lock"):
        op.drop_table(table)
