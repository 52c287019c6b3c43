"""Alembic environment: run migrations on the connection RxLog hands over."""

from alembic import context

from rxlog.storage.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # ALTER on SQLite works only through batch (copy-and-move)
)
with context.begin_transaction():
    context.run_migrations()
