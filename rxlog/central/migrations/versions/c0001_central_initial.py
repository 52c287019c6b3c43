"""Central store: trusted keys, returns, entries, per-return summary, import events.

Revision ID: c0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "c0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # One function per table, in the order the tables were first created.
    _keys()
    _returns()
    _entries()
    _summary()
    _events()


def _keys() -> None:
    op.create_table(
        "central_key",
        sa.Column("fingerprint", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("gphc", sa.String(7), nullable=True),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("certificate", sa.Text, nullable=True),
        sa.Column("added_at", sa.String(32), nullable=False),
        sa.Column("revoked_at", sa.String(32), nullable=True),
        sa.Column("revoke_reason", sa.Text, nullable=True),
    )


def _returns() -> None:
    op.create_table(
        "central_return",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("return_id", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("gphc", sa.String(7), nullable=False),
        sa.Column("technician", sa.String(200), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("main_site", sa.String(6), nullable=False),
        sa.Column("sector", sa.String(16), nullable=False),
        sa.Column("sites", sa.Text, nullable=False),
        sa.Column("taxonomy_versions", sa.Text, nullable=False),
        sa.Column("unit_cost_version", sa.String(80), nullable=True),
        sa.Column("supersedes", sa.Integer, nullable=True),
        sa.Column("supersedes_reason", sa.Text, nullable=True),
        sa.Column("exported_at", sa.String(40), nullable=False),
        sa.Column("imported_at", sa.String(32), nullable=False),
        sa.Column("superseded_at", sa.String(32), nullable=True),
        sa.Column("key_fingerprint", sa.String(64), nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("totals", sa.Text, nullable=False),
        sa.Column("manifest_sha256", sa.String(64), nullable=False),
        sa.Column("manifest", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.UniqueConstraint("return_id", "version", name="uq_central_return_version"),
    )
    op.create_index("ix_central_return_gphc_month", "central_return", ["gphc", "month"])
    op.create_index(
        "uq_central_return_current",
        "central_return",
        ["return_id"],
        unique=True,
        sqlite_where=sa.text("state = 'current'"),
        postgresql_where=sa.text("state = 'current'"),
    )


def _entries() -> None:
    op.create_table(
        "central_entry",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("return_pk", sa.Integer, sa.ForeignKey("central_return.id"), nullable=False),
        sa.Column("return_id", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("entry_id", sa.String(36), nullable=False),
        sa.Column("gphc", sa.String(7), nullable=False),
        sa.Column("site", sa.String(6), nullable=False),
        sa.Column("site_name", sa.String(200), nullable=True),
        sa.Column("site_kind", sa.String(16), nullable=True),
        sa.Column("sector", sa.String(16), nullable=False),
        sa.Column("phase", sa.String(40), nullable=True),
        sa.Column("date", sa.String(10), nullable=False),
        sa.Column("code", sa.String(20), nullable=False),
        sa.Column("title", sa.String(200), nullable=True),
        sa.Column("category", sa.String(40), nullable=True),
        sa.Column("taxonomy_version", sa.String(16), nullable=False),
        sa.Column("minutes", sa.Integer, nullable=False),
        sa.Column("count", sa.Integer, nullable=True),
        sa.Column("count_unit", sa.String(16), nullable=True),
        sa.Column("significance", sa.Integer, nullable=True),
        sa.Column("significance_scale", sa.String(40), nullable=True),
        sa.Column("harm", sa.String(1), nullable=True),
        sa.Column("harm_scale", sa.String(40), nullable=True),
        sa.Column("released_minutes", sa.Integer, nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("cost_avoided_pence", sa.Integer, nullable=True),
        sa.Column("unit_cost_version", sa.String(80), nullable=True),
        sa.Column("qs120_days", sa.Integer, nullable=True),
    )
    op.create_index("ix_central_entry_return", "central_entry", ["return_pk"])


def _summary() -> None:
    op.create_table(
        "central_summary",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("return_pk", sa.Integer, sa.ForeignKey("central_return.id"), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("gphc", sa.String(7), nullable=False),
        sa.Column("site", sa.String(6), nullable=False),
        sa.Column("site_kind", sa.String(16), nullable=True),
        sa.Column("sector", sa.String(16), nullable=False),
        sa.Column("phase", sa.String(40), nullable=True),
        sa.Column("code", sa.String(20), nullable=False),
        sa.Column("category", sa.String(40), nullable=True),
        sa.Column("taxonomy_version", sa.String(16), nullable=False),
        sa.Column("significance", sa.Integer, nullable=True),
        sa.Column("harm", sa.String(1), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("unit_cost_version", sa.String(80), nullable=True),
        sa.Column("qs120_days", sa.Integer, nullable=True),
        sa.Column("entries", sa.Integer, nullable=False),
        sa.Column("minutes", sa.Integer, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("released_minutes", sa.Integer, nullable=False),
        sa.Column("cost_avoided_pence", sa.Integer, nullable=False),
    )
    op.create_index("ix_central_summary_return", "central_summary", ["return_pk"])
    op.create_index("ix_central_summary_month", "central_summary", ["month"])


def _events() -> None:
    op.create_table(
        "central_event",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("return_id", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("replaced_version", sa.Integer, nullable=True),
        sa.Column("key_fingerprint", sa.String(64), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("detail", sa.Text, nullable=True),
    )


def downgrade() -> None:
    for table in ("central_event", "central_summary", "central_entry", "central_return"):
        op.drop_table(table)
    op.drop_table("central_key")
