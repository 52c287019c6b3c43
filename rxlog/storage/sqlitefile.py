"""The SQLite file itself: its header, a read-only look inside, its revision, its integrity,
and a consistent copy of it.

The leaf of ``rxlog.storage``: it knows nothing of RxLog's schema, backups or locks, so
every other storage module (the database, backups, the second place, restore checks and
the health check) builds on it and none of them needs another for these basics. It
uses the plain ``sqlite3`` module only: peeking costs no SQLAlchemy or Alembic import
and never writes to a file RxLog may not understand.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from rxlog.errors import StorageError
from rxlog.storage import durable, privacy

SQLITE_HEADER = b"SQLite format 3\x00"


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
    except UnicodeDecodeError:
        con.close()
        raise _not_text() from None
    except sqlite3.OperationalError:
        con.close()
        wal = Path(path).with_name(Path(path).name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise
    return sqlite3.connect(sqlite_uri(path) + "&immutable=1", uri=True)


def _not_text() -> sqlite3.DatabaseError:
    # A damaged schema whose names are not UTF-8: the sqlite3 module fails decoding
    # SQLite's own error message, which would escape as a UnicodeDecodeError.
    return sqlite3.DatabaseError("malformed database schema (a name that is not text)")


def read_header(path: Path) -> bytes:
    """The first 100 bytes of ``path`` (empty for an empty file); ``StorageError`` if unreadable."""
    try:
        with Path(path).open("rb") as fh:
            return fh.read(100)
    except OSError as exc:
        raise StorageError(f"cannot read the database {path}: {exc.strerror}") from None


def is_sqlite(header: bytes) -> bool:
    return header[:16] == SQLITE_HEADER


def read_revision_ro(path: Path) -> tuple[str | None, int]:
    """(alembic revision or None, number of tables) read through a read-only connection."""
    con = connect_ro(path)
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        row = None
        if "alembic_version" in tables:
            row = con.execute("SELECT version_num FROM alembic_version").fetchone()
    except UnicodeDecodeError:
        raise _not_text() from None
    finally:
        con.close()
    return (row[0] if row else None), len(tables)


@dataclass(frozen=True)
class Peek:
    """What a file holds, seen from outside: one answer for every caller.

    ``kind`` is ``"empty"`` (no bytes at all), ``"not-sqlite"`` (another header),
    ``"unreadable"`` (an SQLite header, but SQLite refuses it: ``error`` says why),
    ``"no-revision"`` (SQLite with no schema revision; ``tables`` says whether it holds
    anything) or ``"revision"`` (``revision`` is the stamped one).
    """

    kind: str
    revision: str | None = None
    tables: int = 0
    error: sqlite3.Error | None = None


def peek(path: Path) -> Peek:
    """Look into ``path`` without changing it; ``StorageError`` if it cannot be read at all."""
    header = read_header(path)
    if not header:
        return Peek("empty")
    if not is_sqlite(header):
        return Peek("not-sqlite")
    try:
        revision, tables = read_revision_ro(path)
    except sqlite3.Error as exc:
        return Peek("unreadable", error=exc)
    if revision is None:
        return Peek("no-revision", tables=tables)
    return Peek("revision", revision, tables)


def integrity_problems(path: Path, quick: bool = False) -> list[str]:
    """``PRAGMA integrity_check`` (or ``quick_check``) findings; empty when the file is sound."""
    try:
        con = connect_ro(path)
        try:
            pragma = "quick_check" if quick else "integrity_check"
            rows = [r[0] for r in con.execute(f"PRAGMA {pragma}(20)")]
        except UnicodeDecodeError:
            raise _not_text() from None
        finally:
            con.close()
    except sqlite3.Error as exc:
        return [str(exc)]
    return [] if rows == ["ok"] else rows


def copy_database(source: Path, target: Path) -> Path:
    """Copy a live SQLite database with the online backup API (consistent under WAL).

    Written through ``rxlog.storage.durable`` (a private temp file beside the target,
    fsync, rename): ``target`` is either the whole copy or absent. A full disk or an
    unwritable folder raises ``StorageError`` and leaves no partial file.
    """
    tmp = target.with_name(f"{target.name}.{os.getpid()}.part")
    try:
        if not target.parent.is_dir():
            privacy.make_private_dir(target.parent)
        # The temp file is created private; SQLite keeps its mode (and gives it its journal).
        with durable.replacing(target, tmp=tmp) as part:
            _online_copy(source, part)
    except durable.WriteError as exc:
        reason = exc.reason
    except (OSError, sqlite3.Error) as exc:
        reason = durable.plain_reason(exc)
    else:
        return target
    tmp.unlink(missing_ok=True)
    raise StorageError(f"could not write the backup {target.name}: {reason}")


def _online_copy(source: Path, dest: Path) -> None:
    src = connect_ro(source)
    try:
        dst = sqlite3.connect(dest)
        try:
            src.backup(dst)
            # A copy is one self-contained file: no -wal or -shm beside it, even when it
            # is read later.
            dst.execute("PRAGMA journal_mode=DELETE").fetchone()
        finally:
            dst.close()
    finally:
        src.close()
