"""A return carries the CRC-32 of each of its entry ids (``central_return.entry_keys``),
so the duplicate-entry lookup of an import probes the ``(gphc, entry_id)`` index only for
ids whose CRC another return of the same technician holds (almost never), instead of
once for every id of the return (2,000 probes a return, as costly as writing its rows).

The keys are a filter, never the answer: an id whose CRC matches is still looked up
among the stored entries, so the result is exactly the lookup's. Returns already in the
store get the keys of the entries they hold (a return without entries: none); a return
whose keys are not known (NULL) makes the lookup probe every id, as before.

Revision ID: c0008
Revises: c0007
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "c0008"
down_revision = "c0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from rxlog.central.importer import entry_keys

    with op.batch_alter_table("central_return") as batch:
        batch.add_column(sa.Column("entry_keys", sa.LargeBinary, nullable=True))
    bind = op.get_bind()
    returns = sa.table("central_return", sa.column("id"), sa.column("entry_keys"))
    update = returns.update().where(returns.c.id == sa.bindparam("pk"))
    rows = bind.execute(  # streamed: a store may hold millions of entries
        sa.text("SELECT return_pk, entry_id FROM central_entry ORDER BY return_pk"),
        execution_options={"yield_per": 20_000},
    )
    batch_of: list[dict[str, object]] = []
    pk, ids = None, list[str]()
    for return_pk, entry_id in rows:
        if return_pk != pk:
            if pk is not None:
                batch_of.append({"pk": pk, "entry_keys": entry_keys(ids)})
            pk, ids = return_pk, []
        ids.append(entry_id)
        if len(batch_of) >= 100:
            bind.execute(update, batch_of)
            batch_of = []
    if pk is not None:
        batch_of.append({"pk": pk, "entry_keys": entry_keys(ids)})
    if batch_of:
        bind.execute(update, batch_of)
    # Every other return holds no entries.
    bind.execute(returns.update().where(returns.c.entry_keys.is_(None)).values(entry_keys=b""))


def downgrade() -> None:
    # Straight ALTER (SQLite 3.35+): batch mode would copy central_return, which the
    # entries' foreign key forbids on SQLite.
    op.execute("ALTER TABLE central_return DROP COLUMN entry_keys")
