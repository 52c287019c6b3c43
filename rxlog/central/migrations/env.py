"""Alembic environment of the central store: run migrations on the connection given."""

from alembic import context

from rxlog.central.models import CentralBase

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=CentralBase.metadata,
    version_table="central_alembic_version",
    render_as_batch=True,  # ALTER on SQLite works only through batch (copy-and-move)
)
with context.begin_transaction():
    context.run_migrations()
