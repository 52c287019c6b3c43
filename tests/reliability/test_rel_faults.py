"""Environment faults: a full disk, a read-only data folder, an awkward path, the clock.

Each fault is made for real where the machine allows it: a tiny tmpfs that fills up,
a read-only bind mount (both need root with mount rights), a non-root user refused by
the folder's permissions, and a per-process file size limit (``RLIMIT_FSIZE``, which
makes every write past the limit fail as a full disk does, and needs no rights). The
clock cannot be moved on a shared machine, so the audit clock is injected.

The outcome is always the same: a clear message, no traceback, nothing reported saved
is lost, nothing half-written is left, and the database stays sound.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from rxlog.domain import EntryInput
from rxlog.errors import StorageError
from rxlog.service import RxLog
from rxlog.storage import backups, health
from rxlog.storage.paths import DB_FILENAME

TODAY = date(2026, 11, 20)
ROOT = os.geteuid() == 0 if hasattr(os, "geteuid") else False


def _setup(data_dir: Path) -> RxLog:
    app = RxLog.open(data_dir, today=lambda: TODAY)
    app.setup("Alex Morgan", "5012345")
    app.add_placement("G82001", "Test Surgery", "primary", date(2026, 1, 1), None)
    return app


def _sound(data_dir: Path, must_have: set[str]) -> None:
    path = data_dir / DB_FILENAME
    assert health.integrity_problems(path) == []
    con = sqlite3.connect(health.sqlite_uri(path), uri=True)
    ids = {r[0] for r in con.execute("SELECT id FROM entry")}
    con.close()
    assert must_have <= ids
    for p in data_dir.rglob("*.part"):
        raise AssertionError(f"half-written file left: {p}")


@contextlib.contextmanager
def _mounted(options: str, source: str = "tmpfs", fstype: str | None = "tmpfs") -> Iterator[Path]:
    if not ROOT or shutil.which("mount") is None:
        pytest.skip("mounting a filesystem needs root")
    where = Path(tempfile.mkdtemp(prefix="rxlog mnt é "))
    cmd = ["mount"] + (["-t", fstype] if fstype else []) + ["-o", options, source, str(where)]
    if subprocess.run(cmd, capture_output=True).returncode != 0:
        where.rmdir()
        pytest.skip(f"this machine does not allow: {' '.join(cmd)}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)
        shutil.rmtree(where, ignore_errors=True)


def _log_until_full(app: RxLog) -> tuple[set[str], StorageError]:
    saved: set[str] = set()
    note = "x" * 1900
    for i in range(100000):
        day = date(2026, 1, 1).toordinal() + i % 300
        try:
            saved.add(
                app.log(
                    EntryInput(code="QRY-CLIN", date=date.fromordinal(day), minutes=1, note=note)
                ).entry.id
            )
        except StorageError as exc:
            return saved, exc
    raise AssertionError("the disk never filled")


def test_full_disk_on_a_real_tiny_filesystem(tmp_path: Path) -> None:
    with _mounted("size=2m") as where:
        data_dir = where / "data"
        app = _setup(data_dir)
        try:
            saved, err = _log_until_full(app)
            assert "NOT saved" in err.message and "disk is full" in err.message, err.message
            assert len(saved) > 50
            with pytest.raises(StorageError, match="disk is full"):
                backups.backup_now(app)  # no room for a backup either: refused, not half-made
        finally:
            app.close()
        _sound(data_dir, saved)
        # room again (a bigger disk): everything is there and work goes on
        big = tmp_path / "moved"
        shutil.copytree(data_dir, big)
    app = RxLog.open(big, today=lambda: TODAY)
    assert saved <= set(app.list_ids())
    assert app.verify_audit().ok
    app.log(EntryInput(code="QRY-CLIN", date=TODAY))
    app.close()


_FSIZE_SCRIPT = textwrap.dedent(
    """
    import resource, signal, sys
    from datetime import date
    from pathlib import Path
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
    from rxlog.domain import EntryInput
    from rxlog.errors import RxlogError
    from rxlog.service import RxLog
    from rxlog.storage import backups
    app = RxLog.open(Path(sys.argv[1]), today=lambda: date(2026, 11, 20))
    size = app.db.path.stat().st_size
    resource.setrlimit(resource.RLIMIT_FSIZE, (size + 60000, size + 60000))
    note = "y" * 1900
    for i in range(5000):
        try:
            e = app.log(EntryInput(code="QRY-CLIN", date=date(2026, 2, 1 + i % 28), note=note))
        except RxlogError as exc:
            print("REFUSED", exc.message, flush=True)
            break
        print("SAVED", e.entry.id, flush=True)
    try:
        backups.backup_now(app)
        print("BACKUP made", flush=True)
    except RxlogError as exc:
        print("BACKUP", exc.message, flush=True)
    app.close()
    """
)


@pytest.mark.slow
@pytest.mark.skipif(
    sys.platform == "win32", reason="RLIMIT_FSIZE (the resource module) is POSIX-only"
)
def test_full_disk_by_file_size_limit(tmp_path: Path) -> None:
    """Works on any Linux: writes past RLIMIT_FSIZE fail with EFBIG, as on a full disk."""
    data_dir = tmp_path / "data"
    _setup(data_dir).close()
    r = subprocess.run(
        [sys.executable, "-c", _FSIZE_SCRIPT, str(data_dir)], capture_output=True, text=True
    )
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    lines = r.stdout.splitlines()
    saved = {ln.split()[1] for ln in lines if ln.startswith("SAVED")}
    refused = [ln for ln in lines if ln.startswith("REFUSED")]
    assert saved and refused and "NOT saved" in refused[0], lines[-3:]
    _sound(data_dir, saved)
    app = RxLog.open(data_dir)
    assert app.verify_audit().ok
    app.close()


@pytest.mark.slow
def test_read_only_mount(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    app = _setup(data_dir)
    kept = app.log(EntryInput(code="QRY-CLIN", date=TODAY)).entry.id
    app.close()
    before = {p.name: p.read_bytes() for p in data_dir.iterdir() if p.is_file()}
    with _mounted("bind,ro", source=str(data_dir), fstype=None) as ro:
        if os.access(ro, os.W_OK):
            pytest.skip("the bind mount did not come up read-only")
        with pytest.raises(StorageError, match="cannot write to the data folder") as err:
            RxLog.open(ro)
        assert "read-only" in err.value.message
        r = _cli_at(ro, "list")
        assert r.returncode == 1 and "cannot write to the data folder" in r.stderr, r.stderr
        assert "Traceback" not in r.stderr
        r = _cli_at(ro, "check")  # reading works on a read-only folder
        assert "ok    integrity" in r.stdout and "ok    audit" in r.stdout, r.stdout
        rescue = tmp_path / "rescue.sqlite3"  # and so does a rescue copy
        r = _cli_at(ro, "backup", "--out", str(rescue))
        assert r.returncode == 0 and backups.backup_problem(rescue) is None, r.stderr
    after = {p.name: p.read_bytes() for p in data_dir.iterdir() if p.is_file()}
    assert after == before
    _sound(data_dir, {kept})


def _cli_at(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "RXLOG_TODAY": TODAY.isoformat()}
    return subprocess.run(
        [sys.executable, "-m", "rxlog", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
    )


@contextlib.contextmanager
def _read_only_folder(data_dir: Path) -> Iterator[None]:
    """Make ``data_dir`` read-only for real: permissions for a normal user; for root
    (whom permissions do not stop) the ext4 'immutable' attribute on the folder and files."""
    paths = [data_dir, *data_dir.iterdir()]
    if not ROOT:
        for p in paths:
            os.chmod(p, 0o555 if p.is_dir() else 0o444)
        try:
            yield
        finally:
            for p in paths:
                os.chmod(p, 0o755 if p.is_dir() else 0o644)
        return
    if shutil.which("chattr") is None:
        pytest.skip("no chattr to make a folder read-only for root")
    done = []
    try:
        for p in reversed(paths):
            if subprocess.run(["chattr", "+i", str(p)], capture_output=True).returncode:
                pytest.skip("this machine does not allow 'chattr +i' (no CAP_LINUX_IMMUTABLE)")
            done.append(p)
        yield
    finally:
        for p in done:
            subprocess.run(["chattr", "-i", str(p)], check=False)


@pytest.mark.slow
@pytest.mark.skipif(
    sys.platform == "win32",
    reason="a read-only folder is made with POSIX permission bits or chattr; Windows "
    "ignores a folder's read-only attribute (it takes an ACL, which wine does not enforce)",
)
def test_read_only_folder_without_mount_rights(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    app = _setup(data_dir)
    kept = app.log(EntryInput(code="QRY-CLIN", date=TODAY)).entry.id
    app.close()
    before = {p.name: p.read_bytes() for p in data_dir.iterdir() if p.is_file()}
    with _read_only_folder(data_dir):
        r = _cli_at(data_dir, "log", "QRY-CLIN")
        assert r.returncode == 1, (r.stdout, r.stderr)
        assert "cannot write to the data folder" in r.stderr and "Traceback" not in r.stderr
        r = _cli_at(data_dir, "check")
        assert "ok    integrity" in r.stdout and "ok    audit" in r.stdout, r.stdout
        r = _cli_at(data_dir, "backup", "--out", str(tmp_path / "rescue.sqlite3"))
        assert r.returncode == 0, r.stderr
        after = {p.name: p.read_bytes() for p in data_dir.iterdir() if p.is_file()}
    assert after == before
    _sound(data_dir, {kept})


@pytest.mark.slow
def test_awkward_path_with_spaces_non_ascii_and_uri_characters(tmp_path: Path) -> None:
    name = "Dossier d'été #1 %20 ?x & Zoë – 数据"
    if sys.platform == "win32":  # '?' is not allowed in Windows names: refused, by name
        r = _cli_at(tmp_path / name, "setup", "--name", "Alex Morgan", "--gphc", "5012345")
        assert r.returncode == 2 and "data-dir:" in r.stderr and "'?'" in r.stderr, r.stderr
        assert not (tmp_path / name).exists()
        name = name.replace(" ?x", "")
    data_dir = tmp_path / name
    app = _setup(data_dir)
    entry = app.log(EntryInput(code="QRY-CLIN", date=TODAY)).entry.id
    made = backups.backup_now(app)
    app.close()
    assert backups.backup_problem(made.path) is None
    for args in (("backup",), ("backup", "list"), ("check",), ("list",)):
        r = _cli_at(data_dir, *args)
        assert r.returncode == 0, (args, r.stderr)
    assert entry[:8] in _cli_at(data_dir, "list").stdout
    r = _cli_at(data_dir, "restore", str(made.path), "--yes")
    assert r.returncode == 0, r.stderr
    app = RxLog.open(data_dir)
    assert app.list_ids() == [entry] and app.verify_audit().ok
    app.close()


def test_clock_going_backwards_keeps_the_chain_and_the_entries(
    rx: RxLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Audit times run backwards (a clock corrected by hours): order is by seq, chain holds."""
    import rxlog.audit

    times = iter(f"2026-11-{d:02d}T12:00:00.000000+00:00" for d in range(28, 0, -1))
    monkeypatch.setattr(rxlog.audit, "utc_now_iso", lambda: next(times))
    ids = [rx.log(EntryInput(code="QRY-CLIN", date=TODAY)).entry.id for _ in range(5)]
    rx.edit(ids[0], {"minutes": 7}, "clock test")
    rx.delete(ids[1], "clock test")
    records = rx.audit_records()
    assert [r.seq for r in records] == sorted(r.seq for r in records)
    assert records[-1].at < records[0].at  # time really went backwards
    assert rx.verify_audit().ok
    assert set(rx.list_ids()) == set(ids) - {ids[1]}
