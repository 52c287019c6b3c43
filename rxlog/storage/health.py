"""Is the database safe to open, and who else is using the data folder?

``rxlog.lock`` in the data folder is an advisory lock: every open ``Database`` holds
it *shared*; migrating or restoring needs it *exclusive*, so neither happens under
another running RxLog's feet. The CLI may run while the app is open (SQLite in WAL mode
serves both). One *window* per folder is the desktop app's own ``QLockFile``
(``rxlog/ui/single_instance.py``); its process id names the window in messages.

The checks made on every open are cheap (the file header, the schema revision, a
``-wal`` file with no database beside it); the full ``PRAGMA integrity_check`` and the
audit chain are left to ``rxlog check`` (``full_check``).
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from rxlog.errors import StorageError

LOCK_NAME = "rxlog.lock"
SQLITE_HEADER = b"SQLite format 3\x00"
_READ_ONLY_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM}


def sqlite_uri(path: Path, mode: str = "ro") -> str:
    """A ``file:`` URI for sqlite3 that survives spaces, ``#``, ``?``, ``%`` and non-ASCII."""
    return f"{Path(path).resolve().as_uri()}?mode={mode}"


def connect_ro(path: Path) -> sqlite3.Connection:
    """A read-only connection that never writes to the file or its folder.

    A WAL database needs its ``-shm`` file, which cannot be created in a read-only
    folder; when there is no ``-wal`` (so nothing beyond the file itself to read) the
    file is opened as immutable instead.
    """
    con = sqlite3.connect(sqlite_uri(path), uri=True)
    try:
        con.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
        return con
    except sqlite3.OperationalError:
        con.close()
        wal = Path(path).with_name(Path(path).name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise
    return sqlite3.connect(sqlite_uri(path) + "&immutable=1", uri=True)


def read_only_message(data_dir: Path, detail: str) -> str:
    return (
        f"RxLog cannot write to the data folder {data_dir} ({detail}). It needs to write "
        "there to save entries: check the folder is not read-only, on a disconnected "
        "drive, or owned by another user. Nothing has been changed."
    )


class AlreadyRunningError(StorageError):
    """Another running RxLog holds the data folder (``pid`` when it is known)."""

    def __init__(self, message: str, pid: int | None = None) -> None:
        super().__init__(message)
        self.pid = pid


# -- advisory file locks --------------------------------------------------------------
def _lock(fh: IO[Any], exclusive: bool) -> bool:
    """Try once to lock ``fh``; True on success, False if someone else holds it."""
    if sys.platform == "win32":  # exercised by the suite under the Windows Python
        # LockFileEx: shared and exclusive as flock gives them (msvcrt.locking has
        # exclusive locks only, so a restore or a migration could not see open readers).
        from rxlog.winapi import lock_file

        return lock_file(fh.fileno(), exclusive)
    import fcntl

    try:
        fcntl.flock(fh.fileno(), (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EACCES):
            return False
        raise
    return True


def _open_lock_file(path: Path) -> IO[Any]:
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0), 0o600)
        return os.fdopen(fd, "a+b")  # held open for the lock's lifetime
    except OSError as exc:
        if exc.errno in _READ_ONLY_ERRNOS:
            msg = read_only_message(path.parent, exc.strerror or "no access")
            raise StorageError(msg) from None
        raise StorageError(f"cannot use the data folder {path.parent}: {exc.strerror}") from None


class FolderLock:
    """``<data_dir>/rxlog.lock``: shared while a database is open, exclusive to replace it."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / LOCK_NAME
        self._fh: IO[Any] | None = None
        self.exclusive = False

    def acquire(self, exclusive: bool = False, wait: float = 0.0) -> bool:
        """Take (or convert to) the lock; wait up to ``wait`` seconds. False if refused."""
        if self._fh is None:
            self._fh = _open_lock_file(self.path)
        deadline = time.monotonic() + wait
        while True:
            if _lock(self._fh, exclusive):
                self.exclusive = exclusive
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)

    def require_exclusive(self, doing: str, wait: float = 5.0) -> None:
        """Take the lock exclusively or raise ``AlreadyRunningError`` naming the holder.

        A shared hold is dropped first, so two RxLogs that both want the folder to
        themselves (both found an old schema) take turns instead of blocking each other.
        """
        if self._fh is not None and not self.exclusive:
            self.release()
        if not self.acquire(exclusive=True, wait=wait):
            pid = running_instance_pid(self.path.parent)
            who = f" (the RxLog window, process {pid})" if pid else ""
            raise AlreadyRunningError(
                f"another RxLog is using the data folder {self.path.parent}{who}; "
                f"close it first, then {doing}. Nothing has been changed.",
                pid,
            )

    def release(self) -> None:
        if self._fh is not None:
            self._fh.close()  # closing the file drops the lock
            self._fh = None
            self.exclusive = False

    def __del__(self) -> None:
        # A Database dropped without close() (e.g. after an error in a caller) still lets
        # the folder go, quietly, when it is collected.
        self.release()


GUI_LOCK_NAME = "rxlog-gui.lock"  # the desktop app's QLockFile (rxlog.ui.single_instance)


def running_instance_pid(data_dir: Path) -> int | None:
    """The process id of the RxLog window using ``data_dir``, when one is known to run.

    Read from the desktop app's QLockFile, whose first line is its process id (counted
    only while that process is alive).
    """
    try:
        first = (Path(data_dir) / GUI_LOCK_NAME).read_bytes()[:32].split(b"\n", 1)[0]
    except OSError:
        return None
    if not first.strip().isdigit():
        return None
    pid = int(first)
    if pid == os.getpid():
        return pid
    if sys.platform == "win32":
        from rxlog.winapi import pid_alive

        return pid if pid_alive(pid) else None  # a dead PID: a stale lock file
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None  # a stale lock file
    except PermissionError:
        pass  # alive, another user's
    return pid


# -- the checks made on open ----------------------------------------------------------
def read_header(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(100)
    except OSError as exc:
        raise StorageError(f"cannot read the database {path}: {exc.strerror}") from None


def read_revision_ro(path: Path) -> tuple[str | None, int]:
    """(alembic revision or None, number of tables) read through a read-only connection."""
    con = connect_ro(path)
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        row = None
        if "alembic_version" in tables:
            row = con.execute("SELECT version_num FROM alembic_version").fetchone()
    finally:
        con.close()
    return (row[0] if row else None), len(tables)


@dataclass
class CheckItem:
    name: str
    ok: bool
    detail: str


@dataclass
class CheckReport:
    """What ``rxlog check`` found: one line per check, and whether all passed."""

    items: list[CheckItem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(i.ok for i in self.items)

    def add(self, name: str, ok: bool, detail: str) -> None:
        self.items.append(CheckItem(name, ok, detail))


def integrity_problems(path: Path, quick: bool = False) -> list[str]:
    """``PRAGMA integrity_check`` (or ``quick_check``) findings; empty when the file is sound."""
    try:
        con = connect_ro(path)
        try:
            pragma = "quick_check" if quick else "integrity_check"
            rows = [r[0] for r in con.execute(f"PRAGMA {pragma}(20)")]
        finally:
            con.close()
    except sqlite3.Error as exc:
        return [str(exc)]
    return [] if rows == ["ok"] else rows


def full_check(data_dir: Path) -> CheckReport:
    """Integrity, schema revision, audit chain and last backup, without changing anything."""
    from rxlog.storage import backups
    from rxlog.storage.database import KNOWN_REVISIONS, SCHEMA_HEAD
    from rxlog.storage.paths import DB_FILENAME

    report = CheckReport()
    path = Path(data_dir) / DB_FILENAME
    if not path.exists():
        report.add("database", False, f"no database at {path}")
    else:
        header = read_header(path)
        if header[:16] != SQLITE_HEADER:
            report.add("database", False, f"{path} is not an SQLite database (damaged?)")
        else:
            problems = integrity_problems(path)
            report.add(
                "integrity",
                not problems,
                "PRAGMA integrity_check: ok" if not problems else "; ".join(problems[:5]),
            )
            revision: str | None = None
            try:
                revision, _ = read_revision_ro(path)
            except sqlite3.Error as exc:
                report.add("schema", False, f"cannot read the schema revision: {exc}")
            else:
                if revision == SCHEMA_HEAD:
                    report.add("schema", True, f"revision {revision} (latest)")
                elif revision in KNOWN_REVISIONS:
                    report.add(
                        "schema", True, f"revision {revision} (updated to {SCHEMA_HEAD} on open)"
                    )
                else:
                    report.add("schema", False, f"revision {revision!r} is not one RxLog knows")
            if revision in KNOWN_REVISIONS and not problems:
                report.add(*_audit_item(path))
    report.add(*_permissions_item(Path(data_dir)))
    newest = backups.list_backups(data_dir)
    if not newest:
        report.add("backup", False, "no backup yet (run: rxlog backup)")
    else:
        b = newest[0]
        bad = backups.backup_problem(b.path)
        behind = _days_behind(path, b.made_at.timestamp())
        if bad is None and behind >= STALE_BACKUP_DAYS:
            bad = (
                f"{behind} days older than the latest changes: open RxLog (it backs up "
                "daily) or run: rxlog backup"
            )
        report.add(
            "backup",
            bad is None,
            f"last backup {b.made_at_text()} ({b.path.name})" + (f": {bad}" if bad else ""),
        )
    _second_place_item(report, path)
    return report


def _second_place_item(report: CheckReport, db_path: Path) -> None:
    """The copies in the second place, checked like the backups beside the database."""
    from rxlog.storage import backups, second_place

    if not db_path.exists():
        return
    folder, copies, problem = second_place.list_copies(db_path)
    if folder is None:
        return
    if problem:
        report.add("2nd place", False, problem)
        return
    if not copies:
        report.add("2nd place", False, f"no copy in {folder} yet (run: rxlog backup --to DIR)")
        return
    b = copies[0]
    bad = backups.backup_problem(b.path)
    behind = _days_behind(db_path, b.made_at.timestamp())
    if bad is None and behind >= second_place.STALE_DAYS:
        bad = f"{behind} days older than the latest changes (is the drive plugged in?)"
    report.add(
        "2nd place",
        bad is None,
        f"last copy {b.made_at_text()} ({b.path})" + (f": {bad}" if bad else ""),
    )


STALE_BACKUP_DAYS = 2


def _permissions_item(data_dir: Path) -> tuple[str, bool, str]:
    from rxlog.storage import privacy

    loose = privacy.permission_problems(data_dir)
    if not loose:
        return ("privacy", True, "only you can read the data folder and its files")
    more = f" (and {len(loose) - 3} more)" if len(loose) > 3 else ""
    fix = " Run: rxlog check --fix" if any(p.wanted is not None or p.acl for p in loose) else ""
    return ("privacy", False, "; ".join(p.text() for p in loose[:3]) + more + "." + fix)


def _days_behind(db_path: Path, backup_time: float) -> int:
    """Whole days between the last backup and the database's (or its WAL's) last change."""
    changed = 0.0
    for p in (db_path, db_path.with_name(db_path.name + "-wal")):
        with contextlib.suppress(OSError):
            changed = max(changed, p.stat().st_mtime)
    return max(0, int((changed - backup_time) // 86400))


def _audit_item(path: Path) -> tuple[str, bool, str]:
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from rxlog import audit

    engine = create_engine("sqlite://", creator=lambda: connect_ro(path))
    try:
        with Session(engine) as s:
            rep = audit.verify(s)
    except Exception as exc:  # an unreadable table is a finding, not a crash
        return ("audit", False, f"cannot read the audit trail: {exc}")
    finally:
        engine.dispose()
    if rep.ok:
        return ("audit", True, f"{rep.records} records chain correctly over {rep.entries} entries")
    return ("audit", False, "; ".join(rep.problems[:5]))
