"""What a restore checks in a backup before it replaces anything (issue #10).

A backup is input from outside: it may be another technician's, or made by hand to
cheat (a trigger that multiplies minutes, a view in place of a table). Before a restore:

- **schema**: the file's tables, columns and indexes are exactly what RxLog's own
  migrations make at its revision; no triggers, no views, no other tables;
- **audit**: the audit chain is whole and explains every entry;
- **identity**: the backup is this installation's technician's (same GPhC number) and
  its returns were signed with this installation's key; another technician's backup
  needs ``--other-technician`` and a reason, which goes into the audit trail.

Each refusal is a ``ValidationError`` (CLI exit 2) naming what was found.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from rxlog.errors import ValidationError
from rxlog.storage import sqlitefile


class OtherTechnicianError(ValidationError):
    """The backup is another technician's (or was signed by another installation's key)."""


@dataclass(frozen=True)
class Schema:
    tables: dict[str, list[tuple[Any, ...]]]  # name -> sorted (column, type, notnull, pk)
    indexes: frozenset[tuple[str, tuple[str, ...], int]]  # (table, columns, unique)
    views: tuple[str, ...]
    triggers: tuple[str, ...]


def _printable(text: object, limit: int = 60) -> str:
    """Text from a hostile file, safe to show (no control characters, bounded)."""
    s = "".join(c if c.isprintable() else "?" for c in str(text))
    return s if len(s) <= limit else s[: limit - 1] + "…"


def read_schema(con: sqlite3.Connection) -> Schema:
    """Tables (columns), indexes, views and triggers of a database, comparably."""
    rows = con.execute(
        "SELECT type, name, tbl_name FROM sqlite_master "
        "WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
    ).fetchall()
    tables: dict[str, list[tuple[Any, ...]]] = {}
    indexes: set[tuple[str, tuple[str, ...], int]] = set()
    views: list[str] = []
    triggers: list[str] = []
    for kind, name, _tbl in rows:
        if kind == "table":
            cols = con.execute(f'PRAGMA table_info("{name.replace(chr(34), "")}")').fetchall()
            tables[name] = sorted((c[1], str(c[2]).upper(), c[3], c[5]) for c in cols)
            for idx in con.execute(f'PRAGMA index_list("{name.replace(chr(34), "")}")'):
                icols = con.execute(f'PRAGMA index_info("{idx[1].replace(chr(34), "")}")')
                indexes.add((name, tuple(c[2] for c in icols), int(idx[2])))
        elif kind == "view":
            views.append(name)
        elif kind == "trigger":
            triggers.append(name)
    return Schema(tables, frozenset(indexes), tuple(views), tuple(triggers))


@lru_cache(maxsize=8)
def reference_schema(revision: str) -> Schema:
    """The schema RxLog's migrations make at ``revision`` (built once in a temp file)."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine
    from sqlalchemy.engine import URL

    with tempfile.TemporaryDirectory(prefix="rxlog-schema-") as tmp:
        path = Path(tmp) / "reference.sqlite3"
        engine = create_engine(URL.create("sqlite", database=str(path)))
        try:
            cfg = Config()
            cfg.set_main_option("script_location", "rxlog.storage:migrations")
            with engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
        finally:
            engine.dispose()
        con = sqlite3.connect(path)
        try:
            return read_schema(con)
        finally:
            con.close()


def check_schema(path: Path, revision: str) -> None:
    """Refuse a database whose schema is not exactly RxLog's at ``revision``."""
    con = sqlitefile.connect_ro(path)
    try:
        found = read_schema(con)
    finally:
        con.close()
    want = reference_schema(revision)
    name = Path(path).name
    if found.triggers:
        raise ValidationError(
            f"{name} cannot be restored: it holds a trigger "
            f"({_printable(found.triggers[0])}), which RxLog never makes; a trigger can "
            "change entries as they are saved",
            "file",
        )
    want_tables = want.tables
    for view in found.views:
        what = "in place of the table" if view in want_tables else "named"
        raise ValidationError(
            f"{name} cannot be restored: it holds a view {what} {_printable(view)!r}, "
            "which RxLog never makes",
            "file",
        )
    tables = found.tables
    extra = sorted(set(tables) - set(want_tables))
    if extra:
        raise ValidationError(
            f"{name} cannot be restored: it holds a table RxLog does not know "
            f"({_printable(extra[0])!r})",
            "file",
        )
    missing = sorted(set(want_tables) - set(tables))
    if missing:
        raise ValidationError(
            f"{name} cannot be restored: its table {missing[0]!r} is missing", "file"
        )
    for table in sorted(want_tables):
        if tables[table] != want_tables[table]:
            raise ValidationError(
                f"{name} cannot be restored: the columns of its table {table!r} differ from "
                f"RxLog's (schema {revision})",
                "file",
            )
    if found.indexes != want.indexes:
        raise ValidationError(
            f"{name} cannot be restored: its indexes differ from RxLog's (schema {revision})",
            "file",
        )


def check_audit(path: Path) -> None:
    """Refuse a database whose audit trail does not explain its entries."""
    from rxlog import audit  # the chain is the core's; no cycle (audit needs only models)

    ok, detail = audit.verify_file(path)
    if not ok:
        raise ValidationError(
            f"{Path(path).name} cannot be restored: its audit trail does not hold ({detail})",
            "file",
        )


def _peek(path: Path) -> sqlite3.Connection:
    """Read a database leaving no trace: with no ``-wal`` to read, as an immutable file
    (a read-only WAL connection would still leave ``-wal``/``-shm`` files beside it)."""
    wal = Path(path).with_name(Path(path).name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        return sqlitefile.connect_ro(path)
    return sqlite3.connect(sqlitefile.sqlite_uri(path) + "&immutable=1", uri=True)


def _technician(path: Path) -> tuple[str, str] | None:
    try:
        con = _peek(path)
        try:
            row = con.execute("SELECT name, gphc FROM technician LIMIT 1").fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return None
    return (str(row[0]), str(row[1])) if row else None


def _signing_fingerprints(path: Path) -> set[str]:
    """The key fingerprints that signed the returns recorded in a database."""
    found: set[str] = set()
    try:
        con = _peek(path)
        try:
            rows = con.execute("SELECT manifest FROM return_record").fetchall()
        finally:
            con.close()
    except sqlite3.Error:
        return found
    for (text,) in rows:
        try:
            fp = json.loads(text)["signature"]["key_fingerprint"]
        except (ValueError, TypeError, KeyError):
            fp = None
        found.add(str(fp))
    return found


def identity_difference(data_dir: Path, candidate: Path) -> str | None:
    """Why ``candidate`` is another technician's backup, or None if it is this one's."""
    from rxlog.export import keys
    from rxlog.storage.paths import DB_FILENAME

    theirs = _technician(candidate)
    current = Path(data_dir) / DB_FILENAME
    ours = _technician(current) if current.is_file() else None
    if theirs and ours and theirs[1] != ours[1]:
        return (
            f"it is the log of another technician ({_printable(theirs[0])}, GPhC "
            f"{_printable(theirs[1], 12)}); this installation is {_printable(ours[0])}'s "
            f"(GPhC {ours[1]})"
        )
    if keys.has_keys(data_dir):
        try:
            mine = keys.key_info(data_dir).fingerprint
        except keys.SigningKeyError:
            return None
        others = _signing_fingerprints(candidate) - {mine}
        if others:
            return (
                "its returns were signed with another installation's key (fingerprint "
                f"{_printable(sorted(others)[0], 16)}); this installation's key is {mine[:16]}…"
            )
    return None


def check_identity(data_dir: Path, candidate: Path, other_reason: str | None) -> str | None:
    """Refuse another technician's backup unless a reason is given; returns the difference
    (to record in the audit trail) when one is allowed through."""
    difference = identity_difference(data_dir, candidate)
    if difference is None:
        return None
    if not (other_reason or "").strip():
        raise OtherTechnicianError(
            f"{Path(candidate).name} cannot be restored here: {difference}.",
            "file",
        )
    return difference
