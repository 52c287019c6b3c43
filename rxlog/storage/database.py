"""Opening the technician's database: pragmas, migrations, transactions.

Storage owns the session lifecycle: callers get a session from ``transaction()``
(committed on leaving the block, rolled back on an exception) and never commit
themselves.

Opening needs the backups (one is made before a migration, and the day's first open
makes the daily one; a refusal names the newest good backup), so this module sits above
``rxlog.storage.backups``; the backups need only the SQLite file (``sqlitefile``) and
the revisions (``revisions``), never an open ``Database``.
"""

from __future__ import annotations

import errno
import os
import re
import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rxlog.errors import RxlogError, StorageError
from rxlog.storage import durable, privacy, sqlitefile
from rxlog.storage.folderlock import AlreadyRunningError, FolderLock, read_only_message
from rxlog.storage.paths import DB_FILENAME, check_folder

# The revisions live in ``rxlog.storage.revisions``; these names are what opening uses
# (and what callers and tests have always imported from here).
from rxlog.storage.revisions import KNOWN_REVISIONS, SCHEMA_HEAD
from rxlog.storage.revisions import upgrade as _upgrade
from rxlog.storage.sqlitefile import SQLITE_HEADER  # noqa: F401 - known by this name

if TYPE_CHECKING:  # SQLAlchemy loads when a database is opened, not when this is imported
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session


# WAL with synchronous=FULL: each commit is fsynced before the caller is told "saved",
# so an entry survives a power cut as well as a crash (NORMAL may lose the last commits
# on power loss). It costs about 0.5 ms a commit; see docs/reliability.md.
_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
)


def _utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def read_revision(path: Path) -> str | None:
    """The schema revision stamped in an existing database, or None when there is none.

    Opens the file read-only with the plain sqlite3 module, so checking costs no Alembic
    import and never writes to a file RxLog may not understand.
    """
    peeked = sqlitefile.peek(path)
    if peeked.kind == "not-sqlite":
        raise StorageError(
            f"{path} is not an SQLite database (it may be damaged); RxLog has left it as it is"
        )
    if peeked.kind == "unreadable":
        raise StorageError(f"cannot read the database {path}: {peeked.error}")
    return peeked.revision


def _make_engine(path: Path) -> Engine:
    from sqlalchemy import create_engine, event
    from sqlalchemy.engine import URL

    # URL.create: a path with spaces, '#', '?' or non-ASCII letters is taken as it is.
    engine = create_engine(URL.create("sqlite", database=str(path)), future=True)

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
    """A consistent copy of a live database at ``target`` (see ``sqlitefile.copy_database``)."""
    return sqlitefile.copy_database(source, target)


_plain_reason = durable.plain_reason


def _today() -> date:
    from rxlog.clock import local_today

    return local_today()


def _offer_backup(folder: Path) -> str:
    from rxlog.storage import backups

    return backups.offer_text(folder)


def _revision_for_open(path: Path) -> str | None:
    """The revision of the database at ``path``, None for a new one, or a clear refusal.

    Refusals never touch the file and name the newest good backup (``backups`` is
    imported only for a refusal: every CLI command opens through here).
    """
    wal = path.with_name(path.name + "-wal")
    if not path.exists():
        if wal.exists() and wal.stat().st_size > 0:
            raise StorageError(
                f"{wal} is there but its database {path.name} is missing, so entries may "
                "be in that file alone; RxLog will not start a new database over it. "
                + _offer_backup(path.parent)
            )
        return None
    peeked = sqlitefile.peek(path)
    if peeked.kind == "empty" and not (wal.exists() and wal.stat().st_size > 0):
        return None  # an empty file (a first start cut short): nothing to lose
    if peeked.kind in ("empty", "not-sqlite"):
        raise StorageError(
            f"{path} is not an SQLite database (it may be damaged); RxLog has left it as it "
            "is for inspection. " + _offer_backup(path.parent)
        )
    if peeked.kind == "unreadable":
        assert peeked.error is not None
        raise StorageError(
            f"the database {path} cannot be read ({_plain_reason(peeked.error)}); RxLog has "
            "left it as it is for inspection. " + _offer_backup(path.parent)
        )
    revision = peeked.revision
    if revision is None and peeked.tables:
        raise StorageError(
            f"{path} is an SQLite file but not an RxLog database; RxLog has left it as it is. "
            + _offer_backup(path.parent)
        )
    if revision is not None and revision not in KNOWN_REVISIONS:
        from rxlog.storage import backups

        good = backups.newest_good_backup(path.parent)
        older = (
            f" Or restore the newest backup this version can read, {good.path} (made "
            f"{good.made_at_text()}; anything logged after it would not be there)."
            if good
            else ""
        )
        raise StorageError(
            f"{path} was made by a newer RxLog (schema {revision}); "
            f"install that version to open it. RxLog has not changed the file.{older}"
        )
    return revision


def _migrate(engine: Engine, path: Path, revision: str | None) -> None:
    """Back up, then upgrade in one transaction: on failure the file is as it was."""
    from rxlog.storage import backups

    if revision is not None:
        try:
            backups.backup_before(path, f"migration-{revision}")
        except StorageError as exc:
            engine.dispose()
            raise StorageError(
                f"RxLog needs to update the database but could not back it up first "
                f"({exc.message}); nothing has been changed"
            ) from None
    try:
        _upgrade(engine)
    except Exception as exc:
        engine.dispose()
        raise StorageError(
            f"could not bring the database up to date ({_plain_reason(exc)}); it is "
            "unchanged and a copy was kept in the backups folder"
        ) from exc


# What a killed restore or atomic write leaves: a whole copy of a database being swapped
# in (with its journals), or a temporary file not yet renamed into place.
_RESTORE_LEFTOVER = re.compile(r"^\.restore-\d+\.sqlite3(-journal|-wal|-shm)?$")
_TMP_LEFTOVER = re.compile(r"^\..+\.[0-9a-f]{8}\.tmp$")
STALE_TMP_SECONDS = 600


def clean_leftovers(data_dir: Path) -> list[Path]:
    """Remove what a killed restore or write left in the data folder and ``keys/``.

    Called with the folder lock held shared: a restore holds it exclusively while its
    ``.restore-<pid>`` copy exists, so any such file found now is stale. A ``*.tmp`` of
    an atomic write is removed once ten minutes old (a writer takes milliseconds).
    """
    removed = []
    now = time.time()
    for folder in (data_dir, data_dir / "keys"):
        try:
            items = list(os.scandir(folder))
        except OSError:
            continue
        for item in items:
            try:
                if _RESTORE_LEFTOVER.match(item.name) or (
                    _TMP_LEFTOVER.match(item.name)
                    and now - item.stat(follow_symlinks=False).st_mtime > STALE_TMP_SECONDS
                ):
                    os.unlink(item.path)
                    removed.append(Path(item.path))
            except OSError:
                pass  # gone meanwhile, or not ours to remove: never block opening
    return removed


def shared_lock(data_dir: Path) -> FolderLock:
    """The data folder's lock, held shared while a database is open (by either path)."""
    lock = FolderLock(data_dir)
    if not lock.acquire(exclusive=False, wait=10.0):
        raise AlreadyRunningError(
            f"another RxLog is updating or restoring the database in {data_dir}; "
            "try again when it has finished"
        )
    return lock


def storage_error(path: Path, exc: BaseException) -> StorageError:
    """What a technician is told when SQLite fails inside a transaction."""
    reason = _plain_reason(exc)
    if reason == "the database file is damaged":
        return StorageError(
            f"the database {path} is damaged, so the change was NOT saved. Close "
            "RxLog; the damaged file is kept for inspection. " + _offer_backup(path.parent)
        )
    return StorageError(f"the change was NOT saved: {reason}")


_TABLES = "rxlog.storage.changed_tables"


def _note_tables(session: Session, _context: Any, _instances: Any) -> None:
    touched = session.info.setdefault(_TABLES, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        touched.add(getattr(obj, "__tablename__", "row"))


def _log_tables(session: Session) -> None:
    touched = session.info.pop(_TABLES, None)
    if touched:
        from rxlog import supportlog

        supportlog.info("saved", tables=",".join(sorted(touched)))


def _forget_tables(session: Session) -> None:
    session.info.pop(_TABLES, None)


MIGRATION_WAIT = 30.0  # seconds an opening RxLog waits for the folder to itself


class Database:
    """An open RxLog database in a data folder.

    Holds ``rxlog.lock`` shared while open (see ``rxlog.storage.folderlock``).
    ``backup_problem`` says why today's automatic backup could not be made, if so.
    """

    def __init__(self, data_dir: Path, engine: Engine, lock: FolderLock | None = None) -> None:
        self.data_dir = data_dir
        self.path = data_dir / DB_FILENAME
        from sqlalchemy import event
        from sqlalchemy.orm import sessionmaker

        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        # The support log gets one line per committed change, naming the tables it
        # touched (never a value); audited changes add their own lines (rxlog.audit).
        event.listen(self._sessions, "before_flush", _note_tables)
        event.listen(self._sessions, "after_commit", _log_tables)
        event.listen(self._sessions, "after_rollback", _forget_tables)
        self._lock = lock
        self.backup_problem: str | None = None
        self.second_place_problem: str | None = None

    @classmethod
    def open(cls, data_dir: Path, today: date | None = None) -> Database:
        """Open (creating or migrating as needed) the database in ``data_dir``.

        Cheap when nothing needs doing: a lock, the file header and the schema revision.
        The first open of a day also makes the daily backup (``rxlog.storage.backups``).
        """
        data_dir = Path(data_dir)
        check_folder(data_dir, "data-dir")  # Windows: reserved names, '?', ':', long paths
        try:
            if not data_dir.is_dir():
                privacy.make_private_dir(data_dir)  # 0700: notes are nobody else's
        except OSError as exc:
            if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
                raise StorageError(
                    read_only_message(data_dir, exc.strerror or "no access")
                ) from None
            if data_dir.exists() and not data_dir.is_dir():
                raise StorageError(f"the data folder {data_dir} is a file, not a folder") from None
            raise StorageError(
                f"cannot create the data folder {data_dir}: {exc.strerror}"
            ) from None
        path = data_dir / DB_FILENAME
        lock = shared_lock(data_dir)
        engine: Engine | None = None
        try:
            clean_leftovers(data_dir)
            revision = _revision_for_open(path)
            if revision != SCHEMA_HEAD:
                # Another RxLog that found the old schema too may be migrating it (a
                # minute on a slow PC with a virus scanner): give it time.
                lock.require_exclusive(
                    "start RxLog again so it can update the database", wait=MIGRATION_WAIT
                )
                revision = _revision_for_open(path)  # another RxLog may have done it
            if revision is None and not path.exists():
                # A new database is private from its first byte; SQLite gives its -wal
                # and -shm the database file's mode.
                privacy.create_private_file(path)
            engine = _make_engine(path)
            if revision != SCHEMA_HEAD:
                _migrate(engine, path, revision)
                lock.acquire(exclusive=False)
            db = cls(data_dir, engine, lock)
        except BaseException:
            # Nothing of a failed open stays open: on Windows an open handle (the lock or
            # a pooled SQLite connection) keeps the folder from being moved or deleted.
            if engine is not None:
                engine.dispose()
            lock.release()
            raise
        from rxlog import supportlog

        supportlog.use_folder(data_dir)
        if revision != SCHEMA_HEAD:
            supportlog.info("database", made_or_updated_from=revision or "new", to=SCHEMA_HEAD)
        if revision is not None:  # a database made just now needs no backup yet
            db._daily_backup(today or _today())
        if sys.platform == "win32":
            privacy.secure_windows(data_dir)  # an ACL for this user only
        return db

    def _daily_backup(self, today: date) -> None:
        from rxlog.storage import backups

        if not backups.daily_backup_due(self.data_dir, today):
            return
        try:
            made = backups.daily_backup(self.path, today)
        except StorageError as exc:  # never block opening; `rxlog check` reports it
            self.backup_problem = exc.message
            return
        except (OSError, sqlite3.Error) as exc:
            self.backup_problem = f"could not make today's backup: {_plain_reason(exc)}"
            return
        if made is not None:
            self.copy_to_second_place(made)

    def copy_to_second_place(self, daily: Any) -> None:
        """Copy a daily backup to the chosen second place, if any (never blocks opening;
        ``second_place_problem`` says why it could not be made)."""
        from rxlog.storage import second_place

        self.second_place_problem = None
        try:
            second_place.copy_daily(self.path, daily)
        except (RxlogError, OSError, sqlite3.Error) as exc:
            self.second_place_problem = getattr(exc, "message", None) or str(exc)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        from sqlalchemy import exc as sa_exc

        try:
            with self._sessions.begin() as session:
                yield session
        except (sa_exc.OperationalError, sa_exc.DatabaseError) as exc:
            if isinstance(exc, (sa_exc.IntegrityError, sa_exc.ProgrammingError)):
                raise  # a bug in RxLog, not the environment
            raise self._storage_error(exc) from exc

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The pool's own sqlite3 connection (the same pragmas) in one read transaction
        (``BEGIN`` deferred: it takes no write lock), for reads that need no ORM
        (``rxlog.storage.direct``'s pages of entries). SQLite failures become the same
        ``StorageError`` as in :meth:`transaction`."""
        raw = self.engine.raw_connection()
        try:
            con: sqlite3.Connection = raw.driver_connection  # type: ignore[assignment]
            con.execute("BEGIN")
            try:
                yield con
            finally:
                if con.in_transaction:
                    con.execute("ROLLBACK")  # it only read: nothing to keep
        except (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError):
            raise  # a bug in RxLog, not the environment
        except sqlite3.Error as exc:
            raise self._storage_error(exc) from exc
        finally:
            raw.close()

    def _storage_error(self, exc: BaseException) -> StorageError:
        return storage_error(self.path, exc)

    def truncate_wal(self) -> bool:
        """Fold the write-ahead log into the database and empty it (after a redaction,
        so no old page image is left in ``-wal``). False when a reader kept it busy."""
        raw = self.engine.raw_connection()
        try:
            cur = raw.cursor()
            busy = cur.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            cur.close()
        except sqlite3.Error:
            return False
        finally:
            raw.close()
        return not busy

    def close(self) -> None:
        self.engine.dispose()
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
