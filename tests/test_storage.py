"""The store: schema head, pragmas, migrations with a copy first, refusals on open."""

import sqlite3

import pytest

from rxlog.errors import StorageError
from rxlog.storage.database import KNOWN_REVISIONS, SCHEMA_HEAD, Database, read_revision


def test_schema_head_matches_alembic():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", "rxlog.storage:migrations")
    script = ScriptDirectory.from_config(cfg)
    assert script.get_current_head() == SCHEMA_HEAD
    assert [r.revision for r in reversed(list(script.walk_revisions()))] == list(KNOWN_REVISIONS)


def test_models_match_migrations(tmp_path):
    """Alembic's autogenerate finds nothing to add: the ORM models and migrations agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from rxlog.storage.models import Base

    db = Database.open(tmp_path)
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    db.close()
    assert diff == []


def test_new_database_is_wal_with_full_sync(tmp_path):
    db = Database.open(tmp_path)
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    db.close()
    assert read_revision(tmp_path / "rxlog.sqlite3") == SCHEMA_HEAD


def test_older_schema_is_migrated_after_a_copy_is_taken(tmp_path):
    from alembic import command
    from alembic.config import Config

    from rxlog.storage.database import _make_engine

    path = tmp_path / "rxlog.sqlite3"
    engine = _make_engine(path)
    cfg = Config()
    cfg.set_main_option("script_location", "rxlog.storage:migrations")
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    engine.dispose()
    con = sqlite3.connect(path)
    con.execute("INSERT INTO technician VALUES (1, 'Old Timer', '5000002', 'x')")
    con.commit()
    con.close()
    db = Database.open(tmp_path)
    db.close()
    assert read_revision(path) == SCHEMA_HEAD
    copies = list((tmp_path / "backups").glob("pre-migration-0001-*.sqlite3"))
    assert len(copies) == 1 and read_revision(copies[0]) == "0001"
    con = sqlite3.connect(path)
    assert con.execute("SELECT name FROM technician").fetchall() == [("Old Timer",)]
    con.close()


def test_a_database_from_a_newer_rxlog_is_refused_and_left_alone(tmp_path):
    Database.open(tmp_path).close()
    path = tmp_path / "rxlog.sqlite3"
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.commit()
    con.close()
    before = path.read_bytes()
    with pytest.raises(StorageError, match="newer RxLog"):
        Database.open(tmp_path)
    assert path.read_bytes() == before


def test_a_file_that_is_not_sqlite_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "rxlog.sqlite3"
    path.write_bytes(b"this is not a database at all, just text" * 10)
    with pytest.raises(StorageError, match="not an SQLite database"):
        Database.open(tmp_path)
    assert path.read_bytes() == b"this is not a database at all, just text" * 10
