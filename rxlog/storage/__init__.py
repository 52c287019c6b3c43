"""The technician's local store: SQLite (WAL) through SQLAlchemy, schema via Alembic."""
