"""Initial schema: technician, placements, phases, entries, audit trail.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "technician",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("gphc", sa.String(7), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "placement",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ods", sa.String(6), nullable=False),
        sa.Column("site_kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("sector", sa.String(16), nullable=False),
        sa.Column("date_from", sa.String(10), nullable=False),
        sa.Column("date_to", sa.String(10), nullable=True),
    )
    op.create_index("ix_placement_ods", "placement", ["ods"])
    op.create_table(
        "phase",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("date_from", sa.String(10), nullable=False),
        sa.Column("date_to", sa.String(10), nullable=True),
    )
    op.create_table(
        "entry",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("date", sa.String(10), nullable=False),
        sa.Column("site", sa.String(6), nullable=False),
        sa.Column("sector", sa.String(16), nullable=False),
        sa.Column("code", sa.String(20), nullable=False),
        sa.Column("taxonomy_version", sa.String(16), nullable=False),
        sa.Column("minutes", sa.Integer, nullable=False),
        sa.Column("count", sa.Integer, nullable=True),
        sa.Column("significance", sa.Integer, nullable=True),
        sa.Column("significance_scale", sa.String(40), nullable=True),
        sa.Column("harm", sa.String(1), nullable=True),
        sa.Column("harm_scale", sa.String(40), nullable=True),
        sa.Column("released_minutes", sa.Integer, nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("discharge_received", sa.String(10), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_entry_date_code", "entry", ["date", "code", "minutes", "count"])
    op.create_table(
        "audit",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("os_user", sa.String(100), nullable=False),
        sa.Column("technician", sa.String(7), nullable=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("entry_id", sa.String(36), nullable=False),
        sa.Column("before", sa.Text, nullable=True),
        sa.Column("after", sa.Text, nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_entry_id", "audit", ["entry_id"])


def downgrade() -> None:
    for table in ("audit", "entry", "phase", "placement", "technician"):
        op.drop_table(table)
