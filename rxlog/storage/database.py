"""Opening the technician's database: pragmas, migrations, transactions.

Storage owns the session lifecycle: callers get a session from ``transaction()``
(committed on leaving the block, rolled back on an exception) and never commit
themselves.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from rxlog.errors import StorageError
from rxlog.storage.paths import DB_FILENAME

# The newest schema revision this RxLog knows (tests check it is Alembic's head).
SCHEMA_HEAD = "0002"
KNOWN_REVISIONS = ("0001", "0002")

# WAL with synchronous=FULL: each commit is fsynced before the caller is told "saved",
# so an entry survives a power cut as well as a crash (NORMAL may lose the last commits
# on power loss). It costs about 0.5 ms a commit; see docs/reliability.md.
_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
)

SQLITE_HEADER = b"SQLite format 3\x00"


def _utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def read_revision(path: Path) -> str | None:
    """The schema revision stamped in an existing database, or None when there is none.

    Opens the file read-only with the plain sqlite3 module, so checking costs no Alembic
    import and never writes to a file RxLog may not understand.
    """
    try:
        with path.open("rb") as fh:
            header = fh.read(16)
    except OSError as exc:
        raise StorageError(f"cannot read the database {path}: {exc.strerror}") from None
    if header and header != SQLITE_HEADER:
        raise StorageError(
            f"{path} is not an SQLite database (it may be damaged); RxLog has left it as it is"
        )
    if not header:
        return None
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = con.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        if "no such table" in str(exc):
            return None
        raise StorageError(f"cannot read the database {path}: {exc}") from None
    return row[0] if row else None


def _make_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}", future=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_con: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_con.isolation_level = None
        cur = dbapi_con.cursor()
        for pragma in _PRAGMAS:
            cur.execute(pragma)
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front, so the checks made inside a
        # transaction (a day's minutes, a month's lock) still hold when it commits.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def backup_file(source: Path, target: Path) -> Path:
    """Copy a live SQLite database with the online backup API (consistent under WAL)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".part")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    tmp.replace(target)
    return target


def _upgrade(engine: Engine) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "rxlog.storage:migrations")
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


class Database:
    """An open RxLog database in a data folder."""

    def __init__(self, data_dir: Path, engine: Engine) -> None:
        self.data_dir = data_dir
        self.path = data_dir / DB_FILENAME
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, data_dir: Path) -> Database:
        """Open (creating or migrating as needed) the database in ``data_dir``."""
        data_dir = Path(data_dir)
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(
                f"cannot create the data folder {data_dir}: {exc.strerror}"
            ) from None
        path = data_dir / DB_FILENAME
        existed = path.exists()
        revision = read_revision(path) if existed else None
        if revision is not None and revision not in KNOWN_REVISIONS:
            raise StorageError(
                f"{path} was made by a newer RxLog (schema {revision}); "
                "install that version to open it. RxLog has not changed the file."
            )
        if existed and revision is None and path.stat().st_size > 0:
            raise StorageError(
                f"{path} is an SQLite file but not an RxLog database; RxLog has left it as it is"
            )
        engine = _make_engine(path)
        if revision != SCHEMA_HEAD:
            if revision is not None:
                stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
                backup_file(
                    path, data_dir / "backups" / f"pre-migration-{revision}-{stamp}.sqlite3"
                )
            try:
                _upgrade(engine)
            except Exception as exc:
                engine.dispose()
                raise StorageError(
                    f"could not bring the database up to date ({exc}); "
                    "it is unchanged and a copy was kept in the backups folder"
                ) from exc
        return cls(data_dir, engine)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        with self._sessions.begin() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
