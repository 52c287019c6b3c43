"""Opening the central store: any SQLAlchemy URL, SQLite in the lead's folder by default.

The same models and Alembic migrations (``rxlog.central:migrations``) serve a SQLite
file on the lead's PC and a shared PostgreSQL server. The store owns transactions:
callers get a connection inside one with ``begin()`` and never commit themselves.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError, SQLAlchemyError

from rxlog.errors import StorageError, ValidationError

CENTRAL_DB_FILENAME = "central.sqlite3"
SCHEMA_HEAD = "c0008"
KNOWN_REVISIONS = ("c0001", "c0002", "c0003", "c0004", "c0005", "c0006", "c0007", "c0008")
VERSION_TABLE = "central_alembic_version"
_READ_ONLY = "rxlog_read_only"

_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",  # an imported return survives a power cut once reported
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
    "PRAGMA cache_size=-4096",  # 4 MB: as fast for the import as 8 or 64 MB (measured), less memory
)


def default_central_dir() -> Path:
    """``RXLOG_CENTRAL_DIR`` if set, else the platform's per-user "RxLog Central" folder."""
    env = os.environ.get("RXLOG_CENTRAL_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("RxLog Central", "RxLog", roaming=False))


def resolve_url(db: str | None, central_dir: str | os.PathLike[str] | None) -> str:
    """The store's URL: ``db`` as given, else SQLite ``central.sqlite3`` in the folder."""
    if db:
        return db
    folder = Path(central_dir).expanduser() if central_dir else default_central_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"cannot create the central folder {folder}: {exc.strerror}") from None
    return f"sqlite:///{folder / CENTRAL_DB_FILENAME}"


def _make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ValidationError(
            f"{url!r} is not a database URL (e.g. sqlite:///C:/lead/central.sqlite3 or "
            "postgresql+psycopg://user@host/rxlog)",
            field="db",
        ) from None
    try:
        engine = create_engine(parsed)
    except (ArgumentError, ImportError) as exc:
        raise ValidationError(f"cannot use {parsed!r}: {exc}", field="db") from None
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_con: Any, _record: Any) -> None:
            dbapi_con.isolation_level = None  # SQLAlchemy, not sqlite3, starts transactions
            cur = dbapi_con.cursor()
            for pragma in _SQLITE_PRAGMAS:
                cur.execute(pragma)
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            # A write takes the lock up front: the version checks made inside an import
            # still hold when it commits, even with two importers at once. A read (the
            # window, status, the report) begins deferred: under WAL it never waits for,
            # or holds up, an import running in another process.
            if conn.get_execution_options().get(_READ_ONLY):
                conn.exec_driver_sql("BEGIN")
            else:
                conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class CentralStore:
    """An open central store. ``begin()`` yields a Core connection in one transaction."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def display_url(self) -> str:
        """The URL without any password, for messages."""
        return make_url(self.url).render_as_string(hide_password=True)

    @classmethod
    def open(cls, url: str) -> CentralStore:
        """Open (creating or migrating as needed) the store at ``url``."""
        engine = _make_engine(url)
        try:
            with engine.connect() as conn:
                revision = _read_revision(conn)
                has_tables = bool(inspect(conn).get_table_names())
        except OperationalError as exc:
            engine.dispose()
            raise StorageError(f"cannot open the central store {_safe(url)}: {exc.orig}") from None
        if revision is not None and revision not in KNOWN_REVISIONS:
            engine.dispose()
            raise StorageError(
                f"the central store {_safe(url)} was made by a newer RxLog (schema {revision}); "
                "install that version to open it. Nothing was changed."
            )
        if revision is None and has_tables:
            engine.dispose()
            raise StorageError(
                f"{_safe(url)} already holds tables but is not an RxLog central store "
                "(is it a technician's rxlog.sqlite3?); nothing was changed"
            )
        _log_to_store_folder(engine)
        if revision != SCHEMA_HEAD:
            from rxlog import supportlog

            supportlog.info("central store", made_or_updated_from=revision or "new", to=SCHEMA_HEAD)
            try:
                _upgrade(engine)
            except SQLAlchemyError as exc:
                engine.dispose()
                raise StorageError(
                    f"could not bring the central store up to date: {exc}; it is unchanged"
                ) from exc
        return cls(engine, url)

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A connection in one transaction: committed on success, rolled back on error."""
        try:
            with self.engine.begin() as conn:
                yield conn
        except DBAPIError as exc:  # disk full, locked, a constraint or trigger: rolled back
            raise StorageError(f"the central store could not be written: {exc.orig}") from None
        from rxlog import supportlog

        supportlog.info("central store changed")

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reading (one consistent snapshot, no write lock)."""
        with self.engine.connect() as conn:
            conn.execution_options(**{_READ_ONLY: True})
            yield conn

    def revision(self) -> str | None:
        with self.engine.connect() as conn:
            return _read_revision(conn)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> CentralStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _log_to_store_folder(engine: Engine) -> None:
    """The lead's support log goes beside an SQLite store; a server's store logs into
    the lead's default folder when it exists."""
    from rxlog import supportlog

    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if database and database != ":memory:":
        supportlog.use_folder(Path(database).resolve().parent)
    elif default_central_dir().is_dir():
        supportlog.use_folder(default_central_dir())


def _safe(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _read_revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table(VERSION_TABLE):
        return None
    row = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).first()
    return row[0] if row else None


def _upgrade(engine: Engine) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "rxlog.central:migrations")
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
