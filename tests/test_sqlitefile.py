"""The SQLite file leaf (rxlog.storage.sqlitefile): one look inside, whatever the file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from rxlog.errors import StorageError
from rxlog.service import RxLog
from rxlog.storage import backups, sqlitefile
from rxlog.storage.paths import DB_FILENAME


def _db(path: Path) -> Path:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE entry (id TEXT, note TEXT)")
    con.commit()
    con.close()
    return path


def _name_not_text(path: Path) -> bytes:
    """Damage the table's name in sqlite_master to bytes that are not UTF-8 (and its SQL,
    so SQLite names it in its error): found by the damaged-file fuzz test."""
    data = bytearray(path.read_bytes())
    i = data.find(b"tableentryentry")
    data[i + 5 : i + 7] = b"\xd4("
    j = data.find(b"CREATE TABLE entry")
    data[j + 7] = ord("X")
    path.write_bytes(bytes(data))
    return bytes(data)


def test_a_schema_whose_names_are_not_text_is_damaged_not_a_crash(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    path = _db(folder / DB_FILENAME)
    raw = _name_not_text(path)
    peeked = sqlitefile.peek(path)
    assert peeked.kind == "unreadable" and "malformed" in str(peeked.error)
    assert sqlitefile.integrity_problems(path) != []
    assert "cannot be read" in (backups.backup_problem(path) or "")
    with pytest.raises(StorageError, match="cannot be restored"):
        backups.check_restorable(path)
    with pytest.raises(StorageError, match="the database file is damaged"):
        RxLog.open(folder)
    assert path.read_bytes() == raw  # left as it was, for inspection


@pytest.mark.parametrize(
    ("content", "kind"),
    [(b"", "empty"), (b"not a database at all", "not-sqlite"), (None, "no-revision")],
)
def test_peek_names_what_a_file_is(tmp_path, content, kind):
    path = tmp_path / "f.sqlite3"
    if content is None:
        _db(path)
    else:
        path.write_bytes(content)
    peeked = sqlitefile.peek(path)
    assert peeked.kind == kind
    assert peeked.tables == (1 if kind == "no-revision" else 0)


def test_peek_of_a_file_that_cannot_be_read_says_so(tmp_path):
    with pytest.raises(StorageError, match="cannot read the database"):
        sqlitefile.peek(tmp_path / "missing.sqlite3")
