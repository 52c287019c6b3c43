"""An entry may carry the patient's admission date-time and the reconciliation's time of
day (NICE QS120 in acute care: admission medicines reconciliation within 24 hours).

Both columns are NULL on every existing row: an admission reconciliation logged before
this revision reads as "not recorded". The audit trail's snapshots leave a NULL of
these columns out (``rxlog.audit.snapshot``), so every existing entry still matches its
last audited state.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("entry") as batch:
        batch.add_column(sa.Column("admitted", sa.String(16), nullable=True))
        batch.add_column(sa.Column("time", sa.String(5), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("entry") as batch:
        batch.drop_column("time")
        batch.drop_column("admitted")
