"""The lead's roster (each technician's GPhC number, name, start and end dates) and the
pilot's calendar (baseline and pilot phases), issue 11.

Revision ID: c0004
Revises: c0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "c0004"
down_revision = "c0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "central_roster",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("gphc", sa.String(7), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("start", sa.String(10), nullable=False),
        sa.Column("end", sa.String(10), nullable=True),
        sa.Column("added_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_central_roster_gphc", "central_roster", ["gphc"])
    op.create_table(
        "central_calendar",
        sa.Column("phase", sa.String(16), primary_key=True),
        sa.Column("start", sa.String(10), nullable=False),
        sa.Column("end", sa.String(10), nullable=False),
        sa.Column("set_at", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("central_calendar")
    op.drop_index("ix_central_roster_gphc", "central_roster")
    op.drop_table("central_roster")
