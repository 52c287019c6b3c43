"""Backups, restore, health on open and ``rxlog check``, on real files."""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest

from rxlog.domain import EntryInput
from rxlog.errors import StorageError
from rxlog.service import RxLog
from rxlog.storage import backups, health
from rxlog.storage.database import Database, read_revision
from rxlog.storage.paths import DB_FILENAME

TODAY = date(2026, 11, 20)


def _names(data_dir: Path, kind: str) -> list[str]:
    return sorted(b.path.name for b in backups.list_backups(data_dir) if b.kind == kind)


def _entry_ids(path: Path) -> set[str]:
    con = sqlite3.connect(health.sqlite_uri(path), uri=True)
    ids = {r[0] for r in con.execute("SELECT id FROM entry")}
    con.close()
    return ids


def test_first_open_of_each_day_backs_up_once(rx: RxLog) -> None:
    data_dir = rx.db.data_dir
    assert backups.list_backups(data_dir) == []  # a database made just now needs none
    for _ in range(2):
        Database.open(data_dir, today=TODAY).close()
    assert _names(data_dir, "daily") == ["daily-2026-11-20.sqlite3"]
    assert _names(data_dir, "monthly") == ["monthly-2026-11.sqlite3"]
    Database.open(data_dir, today=TODAY + timedelta(days=1)).close()
    assert _names(data_dir, "daily") == ["daily-2026-11-20.sqlite3", "daily-2026-11-21.sqlite3"]
    for b in backups.list_backups(data_dir):
        assert backups.backup_problem(b.path) is None
        assert read_revision(b.path) == read_revision(rx.db.path)
    assert not list((data_dir / "backups").glob("*-wal"))  # each backup is one file


@pytest.mark.slow
def test_rotation_keeps_the_configured_daily_and_monthly_counts(rx: RxLog) -> None:
    rx.set_setting(backups.KEEP_DAILY_KEY, "3")
    rx.set_setting(backups.KEEP_MONTHLY_KEY, "2")
    day = date(2026, 9, 25)
    while day <= date(2026, 11, 3):
        Database.open(rx.db.data_dir, today=day).close()
        day += timedelta(days=1)
    assert _names(rx.db.data_dir, "daily") == [
        "daily-2026-11-01.sqlite3",
        "daily-2026-11-02.sqlite3",
        "daily-2026-11-03.sqlite3",
    ]
    assert _names(rx.db.data_dir, "monthly") == [
        "monthly-2026-10.sqlite3",
        "monthly-2026-11.sqlite3",
    ]


def test_clock_set_backwards_keeps_the_new_backup_and_stays_fast(rx: RxLog) -> None:
    rx.set_setting(backups.KEEP_DAILY_KEY, "2")
    for d in (20, 21, 22):
        Database.open(rx.db.data_dir, today=date(2026, 11, d)).close()
    back = date(2026, 11, 10)
    Database.open(rx.db.data_dir, today=back).close()
    assert "daily-2026-11-10.sqlite3" in _names(rx.db.data_dir, "daily")
    assert not backups.daily_backup_due(rx.db.data_dir, back)  # next open: nothing to do
    # audit timestamps going backwards do not break the chain: it is ordered by seq
    rx.log(EntryInput(code="QRY-CLIN", date=TODAY))
    con = sqlite3.connect(rx.db.path)
    con.execute("UPDATE audit SET at = '2001-01-01T00:00:00+00:00' WHERE seq = 1")
    con.commit()
    con.close()
    assert not rx.verify_audit().ok  # the hash covers 'at': a rewrite is still caught


def test_backup_before_export_is_rotated(rx: RxLog) -> None:
    rx.set_setting(backups.KEEP_DAILY_KEY, "9")
    for d in range(9):
        Database.open(rx.db.data_dir, today=date(2026, 11, 1 + d)).close()
    made = [backups.backup_before(rx, "export") for _ in range(backups.KEEP_PRE_EXPORT + 2)]
    assert len(_names(rx.db.data_dir, "daily")) == 9  # the configured count, not the default
    kept = _names(rx.db.data_dir, "pre-export")
    assert len(kept) == backups.KEEP_PRE_EXPORT
    assert made[-1].path.name in kept and made[0].path.name not in kept


def test_a_failed_daily_backup_never_blocks_opening(rx: RxLog) -> None:
    (rx.db.data_dir / "backups").write_text("not a folder")
    db = Database.open(rx.db.data_dir, today=TODAY)
    assert db.backup_problem and "backup" in db.backup_problem
    db.close()


@pytest.mark.slow
def test_cli_backup_list_restore_and_check(rx: RxLog, cli, tmp_path: Path) -> None:
    first = rx.log(EntryInput(code="QRY-CLIN", date=TODAY)).entry.id
    out = tmp_path / "my backup é.sqlite3"
    r = cli("backup", "--out", str(out))
    assert r.code == 0 and out.exists() and backups.backup_problem(out) is None
    r = cli("backup", "--keep-daily", "0")
    assert r.code == 2 and "keep-daily" in r.err
    r = cli("backup", "--keep-daily", "5", "--keep-monthly", "6")
    assert r.code == 0 and "Keeping 5 daily and 6 monthly" in r.out
    assert rx.setting(backups.KEEP_DAILY_KEY) == "5"
    listed = json.loads(cli("backup", "list", "--format", "json", "--check").out)
    assert listed and all(b["problem"] is None for b in listed)

    second = rx.log(EntryInput(code="QRY-CLIN", date=TODAY)).entry.id
    r = cli("restore", str(out), "--yes")  # refused: this RxLog (rx) still has it open
    assert r.code == 1 and "another RxLog is using the data folder" in r.err
    assert _entry_ids(rx.db.path) == {first, second}
    rx.close()

    r = cli("restore", str(out), "--yes")
    assert r.code == 0, r.err
    assert _entry_ids(rx.db.path) == {first}
    aside = next((rx.db.data_dir / "backups").glob("pre-restore-*.sqlite3"))
    assert _entry_ids(aside) == {first, second}  # the database as it was is kept
    r = cli("check")
    assert r.code == 0 and "All checks passed" in r.out, r.out
    app = RxLog.open(rx.db.data_dir)
    assert app.verify_audit().ok
    app.close()


@pytest.mark.parametrize("bad", ["text", "newer", "foreign", "damaged", "missing"])
def test_restore_refuses_a_bad_file_and_changes_nothing(rx: RxLog, cli, tmp_path, bad) -> None:
    rx.log(EntryInput(code="QRY-CLIN", date=TODAY))
    rx.close()
    f = tmp_path / "candidate.sqlite3"
    if bad == "text":
        f.write_text("hello")
    elif bad == "newer":
        _backup_to(rx.db.data_dir, f)
        con = sqlite3.connect(f)
        con.execute("UPDATE alembic_version SET version_num = '9999'")
        con.commit()
        con.close()
    elif bad == "foreign":
        con = sqlite3.connect(f)
        con.execute("CREATE TABLE t (x)")
        con.commit()
        con.close()
    elif bad == "damaged":
        _backup_to(rx.db.data_dir, f)
        raw = bytearray(f.read_bytes())
        raw[4096 * 3 : 4096 * 6] = b"\xff" * (4096 * 3)
        f.write_bytes(bytes(raw))
    before = rx.db.path.read_bytes()
    listing = sorted(p.name for p in rx.db.data_dir.rglob("*"))
    r = cli("restore", str(f), "--yes")
    assert r.code in (1, 2) and ("cannot be restored" in r.err or "not a file" in r.err), r.err
    assert "Traceback" not in r.err
    assert rx.db.path.read_bytes() == before
    assert sorted(p.name for p in rx.db.data_dir.rglob("*")) == listing


def _backup_to(data_dir: Path, f: Path) -> None:
    db = Database.open(data_dir)
    backups.backup_now(db, f)
    db.close()


def test_restore_over_a_damaged_database_keeps_the_damaged_file(rx: RxLog, cli) -> None:
    rx.log(EntryInput(code="QRY-CLIN", date=TODAY))
    good = backups.backup_now(rx)
    rx.close()
    rx.db.path.write_bytes(b"\x00" * 8192)
    damaged = rx.db.path.read_bytes()
    r = cli("list")
    assert r.code == 1 and str(good.path) in r.err and "Traceback" not in r.err
    assert cli("check").code == 1
    r = cli("restore", str(good.path), "--yes")
    assert r.code == 0, r.err
    kept = next((rx.db.data_dir / "backups").glob("damaged-*"))
    assert (kept / DB_FILENAME).read_bytes() == damaged
    assert cli("check").code == 0


def test_check_reports_tampering_and_missing_backups(rx: RxLog, cli) -> None:
    rx.log(EntryInput(code="QRY-CLIN", date=TODAY))
    r = cli("check")
    assert r.code == 1 and "FAIL  backup" in r.out and "ok    audit" in r.out
    backups.backup_now(rx)
    assert cli("check").code == 0
    con = sqlite3.connect(rx.db.path)
    con.execute("UPDATE entry SET minutes = 600")
    con.commit()
    con.close()
    r = cli("check", "--format", "json")
    result = json.loads(r.out)
    assert r.code == 1 and not result["ok"]
    assert [c["name"] for c in result["checks"] if not c["ok"]] == ["audit"]


def test_a_wal_without_its_database_is_not_overwritten(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    wal = data_dir / (DB_FILENAME + "-wal")
    wal.write_bytes(b"\x37\x7f\x06\x82" + b"\x00" * 60)
    with pytest.raises(StorageError, match="missing"):
        Database.open(data_dir)
    assert not (data_dir / DB_FILENAME).exists()


def test_an_empty_file_from_a_first_start_cut_short_is_used(tmp_path: Path) -> None:
    (tmp_path / DB_FILENAME).write_bytes(b"")
    Database.open(tmp_path).close()
    assert read_revision(tmp_path / DB_FILENAME) is not None


@pytest.mark.slow
def test_restore_refusal_names_the_running_window(rx: RxLog, cli) -> None:
    """The desktop app's lock file (QLockFile: pid on the first line) names the window."""
    backups.backup_now(rx)
    (rx.db.data_dir / health.GUI_LOCK_NAME).write_text(f"{os.getpid()}\nrxlog-gui\nhost\n")
    good = backups.list_backups(rx.db.data_dir)[0].path
    r = cli("restore", str(good), "--yes")
    assert r.code == 1 and f"process {os.getpid()}" in r.err, r.err
    (rx.db.data_dir / health.GUI_LOCK_NAME).write_text("999999999\nrxlog-gui\nhost\n")
    assert health.running_instance_pid(rx.db.data_dir) is None  # no such process: stale


@pytest.mark.slow
def test_two_rxlogs_wanting_the_folder_to_themselves_take_turns(tmp_path: Path) -> None:
    """Both hold the folder shared (both found an old schema); both then get it alone."""
    import threading
    import time

    a, b = health.FolderLock(tmp_path), health.FolderLock(tmp_path)
    assert a.acquire() and b.acquire()
    got: list[str] = []

    def take(name: str, lock: health.FolderLock) -> None:
        try:
            lock.require_exclusive("migrate", wait=5)
        except health.AlreadyRunningError:
            got.append(f"{name} refused")
            return
        got.append(name)
        time.sleep(0.3)  # "migrating"
        lock.release()

    threads = [threading.Thread(target=take, args=(n, lk)) for n, lk in (("a", a), ("b", b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == ["a", "b"]


def test_check_fails_when_the_last_backup_is_days_behind_the_changes(rx: RxLog, cli) -> None:
    made = backups.backup_now(rx)
    assert cli("check").code == 0
    old = made.path.stat().st_mtime - 3.5 * 86400
    os.utime(made.path, (old, old))  # the last backup is three days older than the data
    r = cli("check")
    assert (
        r.code == 1 and "FAIL  backup" in r.out and "3 days older than the latest changes" in r.out
    ), r.out


def test_a_newer_database_is_refused_and_an_older_backup_offered(rx: RxLog) -> None:
    made = backups.backup_now(rx)
    rx.close()
    con = sqlite3.connect(rx.db.path)
    con.execute("UPDATE alembic_version SET version_num = '0099'")
    con.commit()
    con.close()
    before = rx.db.path.read_bytes()
    with pytest.raises(StorageError, match="newer RxLog") as err:
        Database.open(rx.db.data_dir)
    assert str(made.path) in err.value.message and "would not be there" in err.value.message
    assert rx.db.path.read_bytes() == before


def test_restore_onto_a_new_pc_with_no_data_folder(rx: RxLog, tmp_path: Path) -> None:
    from rxlog.cli import main as cli_main

    entry = rx.log(EntryInput(code="QRY-CLIN", date=TODAY)).entry.id
    out = tmp_path / "usb stick" / "rxlog.sqlite3"
    out.parent.mkdir()
    backups.backup_now(rx, out)
    new_pc = tmp_path / "new pc" / "RxLog"
    assert cli_main(["--data-dir", str(new_pc), "restore", str(out), "--yes"]) == 0
    app = RxLog.open(new_pc)
    assert app.list_ids() == [entry] and app.verify_audit().ok
    app.close()
