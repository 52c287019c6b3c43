"""Backups to a second place: `backup --to DIR`, the scheduled daily copy to a chosen
folder, checked like the others (`backup list --check`, `rxlog check`)."""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from pathlib import Path

import pytest
from conftest import TODAY, run_cli
from test_cli import db_state

from rxlog.service import RxLog


@pytest.fixture
def ready(cli):
    assert cli("setup", "--name", "Alex Morgan", "--gphc", "5012345").code == 0
    return cli


def test_backup_to_a_folder_is_a_checked_one_off_copy(ready, data_dir, tmp_path):
    stick = tmp_path / "USB STICK"
    stick.mkdir()
    r = ready("backup", "--to", str(stick))
    assert r.code == 0, r.err
    (copy,) = (stick / "RxLog-5012345").glob("manual-*.sqlite3")
    assert str(copy) in r.out
    app = RxLog.open(data_dir, today=lambda: TODAY)
    try:
        assert app.second_place() is None  # a one-off: nothing scheduled
    finally:
        app.close()
    other = tmp_path / "restored"
    other.mkdir()
    (other / "rxlog.sqlite3").write_bytes(copy.read_bytes())
    assert run_cli(other, "audit", "--verify").code == 0


BACKUP_TO_REFUSALS = [
    (("backup", "--to", "MISSING"), "to", "is not there"),
    (("backup", "--to", "AFILE"), "to", "is a file, not a folder"),
    (("backup", "--to", "STICK", "--out", "x.sqlite3"), "to", "not both"),
    (("config", "set", "backup-folder", "MISSING"), "backup-folder", "is not there"),
]


@pytest.mark.parametrize(("args", "field", "words"), BACKUP_TO_REFUSALS)
def test_each_backup_to_refusal_names_its_field_and_changes_nothing(
    ready, data_dir, tmp_path, args, field, words
):
    (tmp_path / "STICK").mkdir()
    (tmp_path / "AFILE").write_text("x")
    places = {"MISSING": str(tmp_path / "gone"), "AFILE": str(tmp_path / "AFILE"),
              "STICK": str(tmp_path / "STICK")}  # fmt: skip
    before = db_state(data_dir)
    r = ready(*(places.get(a, a) for a in args))
    assert r.code == 2, (r.code, r.err)
    assert r.err.startswith(f"rxlog: {field}:"), r.err
    assert words in r.err
    assert db_state(data_dir) == before
    assert list((tmp_path / "STICK").iterdir()) == []


@pytest.mark.skipif(sys.platform == "win32", reason="chmod cannot make a folder read-only")
@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes anyway")
def test_a_read_only_folder_is_refused(ready, tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        r = ready("backup", "--to", str(ro))
        assert r.code == 2 and "may not write" in r.err
    finally:
        ro.chmod(0o700)


def test_scheduled_copies_go_to_the_chosen_folder_and_are_checked(ready, data_dir, tmp_path):
    drive = tmp_path / "drive"
    drive.mkdir()
    r = ready("config", "set", "backup-folder", str(drive))
    assert r.code == 0, r.err
    copies = drive / "RxLog-5012345"
    # the first open of each day backs up, and copies that backup to the second place
    from rxlog.storage.database import Database

    for day in (date(2026, 11, 21), date(2026, 11, 22)):
        db = Database.open(data_dir, today=day)
        assert db.second_place_problem is None
        db.close()
    names = sorted(p.name for p in copies.glob("*.sqlite3"))
    assert "daily-2026-11-21.sqlite3" in names and "daily-2026-11-22.sqlite3" in names
    listed = json.loads(ready("backup", "list", "--check", "--format", "json").out)
    second = [b for b in listed if b["place"] == "second"]
    assert {Path(b["file"]).name for b in second} >= {"daily-2026-11-22.sqlite3"}
    assert all(b["problem"] is None for b in listed)
    assert {b["place"] for b in listed} == {"backups", "second"}
    check = json.loads(ready("check", "--format", "json").out)
    item = next(c for c in check["checks"] if c["name"] == "2nd place")
    assert item["ok"] and "daily-2026-11-22" in item["detail"]
    # a damaged copy there is caught like a damaged backup beside the database
    newest = copies / "daily-2026-11-22.sqlite3"
    newest.write_bytes(b"not a database at all" * 100)
    os.utime(newest, None)
    listed = json.loads(ready("backup", "list", "--check", "--format", "json").out)
    bad = next(b for b in listed if b["file"] == str(newest))
    assert bad["problem"] == "not an SQLite database"
    r = ready("check", "--format", "json")
    assert r.code == 1
    item = next(c for c in json.loads(r.out)["checks"] if c["name"] == "2nd place")
    assert not item["ok"] and "not an SQLite database" in item["detail"]


def test_an_unplugged_drive_never_blocks_opening_and_check_says_so(ready, data_dir, tmp_path):
    drive = tmp_path / "drive"
    drive.mkdir()
    assert ready("config", "set", "backup-folder", str(drive)).code == 0
    drive.rmdir()  # the stick is taken out
    from rxlog.storage.database import Database

    db = Database.open(data_dir, today=date(2026, 11, 23))
    try:
        assert db.backup_problem is None  # the backup beside the database was made
        assert "is not there" in (db.second_place_problem or "")
    finally:
        db.close()
    r = ready("check", "--format", "json")
    item = next(c for c in json.loads(r.out)["checks"] if c["name"] == "2nd place")
    assert r.code == 1 and not item["ok"] and "plugged in" in item["detail"]
    assert "second place" in ready("backup", "list").out


def test_clearing_the_setting_stops_the_copies(ready, data_dir, tmp_path):
    drive = tmp_path / "drive"
    drive.mkdir()
    assert ready("config", "set", "backup-folder", str(drive)).code == 0
    assert ready("config", "set", "backup-folder", "").code == 0
    from rxlog.storage.database import Database

    Database.open(data_dir, today=date(2026, 11, 24)).close()
    assert not (drive / "RxLog-5012345").exists()
    checks = json.loads(ready("check", "--format", "json").out)["checks"]
    assert all(c["name"] != "2nd place" for c in checks)


@pytest.mark.slow
def test_a_redaction_rewrites_the_copies_in_the_second_place_too(ready, tmp_path):
    drive = tmp_path / "drive"
    drive.mkdir()
    assert ready("placement", "add", "G82001", "--name", "Test Surgery", "--sector",
                 "primary", "--from", "2026-11-01").code == 0  # fmt: skip
    assert ready("config", "set", "backup-folder", str(drive)).code == 0
    eid = ready("log", "QRY-PAT", "--note", "pt 943 476 5919").out.strip()
    assert ready("backup", "--to", str(drive)).code == 0
    (copy,) = (drive / "RxLog-5012345").glob("manual-*.sqlite3")
    assert b"943 476 5919" in copy.read_bytes()
    r = ready("note", "redact", eid, "--reason", "NHS number")
    assert r.code == 0, r.err
    assert b"943 476 5919" not in copy.read_bytes()
    listed = json.loads(ready("backup", "list", "--check", "--format", "json").out)
    assert all(b["problem"] is None for b in listed)
