"""Keys bound to a technician; withdrawals of returns signed by a compromised key.

``central_key`` gains ``technician`` (the name the key file gives) and ``installation``
(room for the installation id of issue 12). A key trusted before keys were bound to a
GPhC number is bound here to the one technician whose returns it signed, if it signed
any and only for one; otherwise it stays unbound, and its returns are refused until the
lead trusts its file again with ``--gphc``. ``central_withdrawal`` records each return
withdrawn by ``central revoke --withdraw-from``, with its reason and signed manifest.

Revision ID: c0003
Revises: c0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "c0003"
down_revision = "c0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("central_key") as batch:
        batch.add_column(sa.Column("technician", sa.String(200), nullable=True))
        batch.add_column(sa.Column("installation", sa.String(64), nullable=True))
    op.execute(
        sa.text(
            "UPDATE central_key SET gphc = (SELECT MIN(r.gphc) FROM central_return r "
            "WHERE r.key_fingerprint = central_key.fingerprint) "
            "WHERE gphc IS NULL AND (SELECT COUNT(DISTINCT r.gphc) FROM central_return r "
            "WHERE r.key_fingerprint = central_key.fingerprint) = 1"
        )
    )
    op.create_table(
        "central_withdrawal",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("return_id", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("gphc", sa.String(7), nullable=False),
        sa.Column("technician", sa.String(200), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("state_before", sa.String(12), nullable=False),
        sa.Column("key_fingerprint", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("manifest_sha256", sa.String(64), nullable=False),
        sa.Column("manifest", sa.Text, nullable=False),
    )
    op.create_index("ix_central_withdrawal_return", "central_withdrawal", ["return_id"])


def downgrade() -> None:
    op.drop_index("ix_central_withdrawal_return", table_name="central_withdrawal")
    op.drop_table("central_withdrawal")
    with op.batch_alter_table("central_key") as batch:
        batch.drop_column("installation")
        batch.drop_column("technician")
