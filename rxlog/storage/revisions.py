"""The technician's schema revisions: which this RxLog knows, which is newest, and
bringing a database up to the newest (Alembic, imported only when a migration runs).

A new revision goes under ``rxlog/storage/migrations/versions/``; then update
``SCHEMA_HEAD`` and ``KNOWN_REVISIONS`` here (``tests/test_storage.py`` checks the head
is Alembic's and that the models and migrations agree).
"""

from __future__ import annotations

from typing import Any

# The newest schema revision this RxLog knows (tests check it is Alembic's head).
SCHEMA_HEAD = "0007"
KNOWN_REVISIONS = ("0001", "0002", "0003", "0004", "0005", "0006", "0007")


def is_known(revision: str | None) -> bool:
    return revision in KNOWN_REVISIONS


def upgrade(engine: Any) -> None:
    """Upgrade the database behind ``engine`` to ``SCHEMA_HEAD`` in one transaction."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "rxlog.storage:migrations")
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
