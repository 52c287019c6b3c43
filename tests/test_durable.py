"""The one durable-write helper (rxlog.storage.durable): old file or new, never half, and
private from its first byte."""

from __future__ import annotations

import ast
import errno
import os
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from rxlog.errors import StorageError
from rxlog.export.atomic import FileBatch, write_atomic
from rxlog.storage import database, durable, privacy, sqlitefile

PKG = Path(__file__).resolve().parents[1] / "rxlog"


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_a_crash_between_write_and_rename_leaves_the_old_file(tmp_path):
    """A real process killed after the new bytes are written and synced, before the
    rename: the old file is whole, and the temp file it left is cleared once stale."""
    target = tmp_path / "return.csv"
    target.write_bytes(b"old contents\n")
    code = textwrap.dedent(
        f"""
        import os
        from pathlib import Path
        from rxlog.storage import durable
        with durable.replacing(Path({str(target)!r})) as tmp:
            with open(tmp, "wb") as fh:
                fh.write(b"new contents that never land\\n")
            durable.fsync_file(tmp)
            os._exit(3)  # killed here: no exception handler, no clean-up runs
        """
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert res.returncode == 3, res.stderr
    assert target.read_bytes() == b"old contents\n"
    left = _leftovers(tmp_path)
    assert len(left) == 1 and left[0].startswith(".return.csv.") and left[0].endswith(".tmp")
    # Opening the data folder clears such a file once it is older than any writer takes.
    stale = time.time() - database.STALE_TMP_SECONDS - 60
    os.utime(tmp_path / left[0], (stale, stale))
    removed = database.clean_leftovers(tmp_path)
    assert [p.name for p in removed] == left and _leftovers(tmp_path) == []
    assert target.read_bytes() == b"old contents\n"


@pytest.mark.parametrize(
    ("step", "err", "words"),
    [
        ("fsync", errno.ENOSPC, "the disk is full"),
        ("replace", errno.EACCES, "read-only or RxLog may not write there"),
    ],
)
def test_a_failed_sync_or_rename_keeps_the_old_file_and_leaves_no_temp(
    tmp_path, monkeypatch, step, err, words
):
    target = tmp_path / "key.pem"
    target.write_bytes(b"old key")

    def fail(*_args: object) -> None:
        raise OSError(err, os.strerror(err))

    monkeypatch.setattr(durable.os, step, fail)
    with pytest.raises(StorageError) as caught:
        write_atomic(target, b"new key")
    assert str(target) in caught.value.message and words in caught.value.message
    monkeypatch.undo()
    assert target.read_bytes() == b"old key" and _leftovers(tmp_path) == []


def test_an_error_while_writing_removes_the_temp_and_keeps_the_old_file(tmp_path):
    target = tmp_path / "report.pdf"
    target.write_bytes(b"%PDF old")
    with pytest.raises(ValueError, match="reportlab failed"), durable.replacing(target) as tmp:
        tmp.write_bytes(b"%PDF half")
        raise ValueError("reportlab failed")
    assert target.read_bytes() == b"%PDF old" and _leftovers(tmp_path) == []


def test_the_new_file_is_private_whatever_the_umask_or_the_old_files_mode(tmp_path):
    target = tmp_path / "profile.json"
    target.write_bytes(b"{}")
    if privacy.POSIX:
        os.chmod(target, 0o644)
        old_umask = os.umask(0)
    try:
        write_atomic(target, b'{"new": 1}')
        with durable.replacing(tmp_path / "report.pdf") as tmp:
            tmp.write_bytes(b"%PDF")  # a library writing the path it was given
        copy = sqlitefile.copy_database(_a_database(tmp_path), tmp_path / "copy.sqlite3")
    finally:
        if privacy.POSIX:
            os.umask(old_umask)
    for path in (target, tmp_path / "report.pdf", copy):
        assert privacy.who_else(path) == [], path  # POSIX: mode bits; Windows: the ACL
        if privacy.POSIX:
            assert stat.S_IMODE(path.stat().st_mode) == privacy.FILE_MODE, path
    assert target.read_bytes() == b'{"new": 1}'


def _a_database(folder: Path) -> Path:
    import sqlite3

    path = folder / "source.sqlite3"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (x)")
    con.execute("INSERT INTO t VALUES (42)")
    con.commit()
    con.close()
    return path


@pytest.mark.skipif(sys.platform == "win32", reason="Windows never syncs a folder")
def test_a_folder_that_cannot_be_synced_does_not_fail_a_write_already_in_place(
    tmp_path, monkeypatch
):
    """Network shares and some FUSE file systems refuse to sync a folder: the new file
    is in place and readable, so the write is reported done (the module's policy)."""
    real_fsync = os.fsync
    refused = []

    def fsync(fd: int) -> None:
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            refused.append(fd)
            raise OSError(errno.EINVAL, "Invalid argument")
        real_fsync(fd)

    monkeypatch.setattr(durable.os, "fsync", fsync)
    target = tmp_path / "pending.json"
    write_atomic(target, b"{}")
    assert refused and target.read_bytes() == b"{}" and _leftovers(tmp_path) == []


def test_a_batch_refuses_to_overwrite_and_leaves_nothing_of_itself(tmp_path):
    (tmp_path / "b.csv").write_bytes(b"someone else's")
    batch = FileBatch(tmp_path)
    batch.add("a.pdf", b"%PDF")
    batch.add("b.csv", b"ours")
    with pytest.raises(StorageError, match="already exists"):
        batch.commit()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.csv"]
    assert (tmp_path / "b.csv").read_bytes() == b"someone else's"


def _os_calls(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        f"{path.relative_to(PKG.parent).as_posix()}:{node.lineno} os.{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
        and node.attr in ("replace", "rename", "fsync")
    ]


def test_every_writer_goes_through_the_helper():
    """No module but rxlog/storage/durable.py renames or syncs a file itself (the
    support log's rotation renames its own old lines; that is not a write of a file)."""
    found = [c for p in sorted(PKG.rglob("*.py")) if p.name != "durable.py" for c in _os_calls(p)]
    assert [c for c in found if not c.startswith("rxlog/supportlog.py:")] == []
    assert _os_calls(PKG / "storage" / "durable.py")  # the scan sees what it looks for
