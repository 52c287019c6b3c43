"""A restore checks what it restores: booby-trapped schemas, broken audit trails and
another technician's backups are refused (exit 2) with nothing changed."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from conftest import TODAY

from rxlog.domain import EntryInput
from rxlog.export import keys
from rxlog.service import RxLog
from rxlog.storage import backups


@pytest.fixture
def logged(rx: RxLog) -> RxLog:
    rx.log(EntryInput("ADM-MEET", date(2026, 10, 6), minutes=7))
    return rx


def _backup(app: RxLog, tmp_path: Path, name: str = "b.sqlite3") -> Path:
    out = tmp_path / name
    backups.backup_now(app, out)
    return out


def _sql(path: Path, *statements: str) -> None:
    con = sqlite3.connect(path)
    try:
        for st in statements:
            con.execute(st)
        con.commit()
    finally:
        con.close()


def _state(data_dir: Path) -> tuple[bytes, list[str]]:
    return (data_dir / "rxlog.sqlite3").read_bytes(), sorted(
        str(p.relative_to(data_dir)) for p in data_dir.rglob("*")
    )


TRAPS = {
    "trigger": (
        (
            "CREATE TRIGGER t AFTER INSERT ON entry BEGIN "
            "UPDATE entry SET minutes = minutes * 10 WHERE id = NEW.id; END",
        ),
        "holds a trigger (t), which RxLog never makes",
    ),
    "view for a table": (
        ("ALTER TABLE phase RENAME TO phase_real", "CREATE VIEW phase AS SELECT * FROM phase_real"),
        "holds a view in place of the table 'phase'",
    ),
    "unknown table": (("CREATE TABLE notes_copy (x TEXT)",), "a table RxLog does not know"),
    "extra column": (
        ("ALTER TABLE entry ADD COLUMN extra TEXT",),
        "the columns of its table 'entry' differ from RxLog's",
    ),
    "extra index": (("CREATE INDEX ix_x ON entry (note)",), "its indexes differ from RxLog's"),
    "entry changed behind the audit trail": (
        ("UPDATE entry SET minutes = 70",),
        "its audit trail does not hold (entry ",
    ),
}


@pytest.mark.parametrize("trap", sorted(TRAPS))
def test_a_booby_trapped_backup_is_refused_and_nothing_changes(trap, logged, cli, tmp_path):
    statements, expected = TRAPS[trap]
    f = _backup(logged, tmp_path)
    _sql(f, *statements)
    logged.close()
    before = _state(logged.db.data_dir)
    r = cli("restore", str(f), "--yes")
    assert r.code == 2 and expected in r.err and "cannot be restored" in r.err, r.err
    assert "Traceback" not in r.err
    assert _state(logged.db.data_dir) == before


def test_own_backup_restores_after_the_checks(logged, cli, tmp_path):
    f = _backup(logged, tmp_path)
    logged.log(EntryInput("ADM-MEET", date(2026, 10, 7), minutes=30))
    logged.close()
    r = cli("restore", str(f), "--yes")
    assert r.code == 0, r.err
    assert "another technician" not in r.err
    assert cli("audit", "--verify").code == 0


def _other_installation(tmp_path: Path, gphc: str) -> RxLog:
    other = RxLog.open(tmp_path / "other", today=lambda: TODAY)
    other.setup("Sam Other", gphc)
    other.add_placement("G82001", "Test Surgery", "primary", date(2026, 9, 1), None)
    other.log(EntryInput("ADM-MEET", date(2026, 10, 6), minutes=45))
    return other


def test_another_technicians_backup_needs_a_reason_that_is_audited(logged, cli, tmp_path):
    other = _other_installation(tmp_path, "5099999")
    f = _backup(other, tmp_path)
    other.close()
    logged.close()
    before = _state(logged.db.data_dir)
    r = cli("restore", str(f), "--yes")
    assert r.code == 2 and "another technician (Sam Other, GPhC 5099999)" in r.err, r.err
    assert "Alex Morgan's (GPhC 5012345)" in r.err and "--other-technician" in r.err
    r = cli("restore", str(f), "--yes", "--other-technician")
    assert r.code == 2 and "--reason" in r.err
    r = cli("restore", str(f), "--yes", "--reason", "x")
    assert r.code == 2 and "--other-technician" in r.err
    assert _state(logged.db.data_dir) == before
    r = cli("restore", str(f), "--yes", "--other-technician", "--reason", "Sam's PC died")
    assert r.code == 0, r.err
    assert "another technician's backup" in r.err
    assert cli("audit", "--verify").code == 0
    trail = cli("audit", "--format", "json").out
    assert "restore-other" in trail and "Sam's PC died" in trail and "5099999" in trail


def test_a_backup_signed_with_another_key_is_refused(logged, cli, tmp_path):
    from rxlog.export.signoff import ExportOptions, export_month

    keys.create_keys(logged.db.data_dir, "Alex Morgan", "5012345")
    other = _other_installation(tmp_path, "5012345")  # same GPhC number, another key
    keys.create_keys(other.db.data_dir, "Alex Morgan", "5012345")
    export_month(other, "2026-10", ExportOptions(tmp_path / "ret"))
    f = _backup(other, tmp_path)
    other.close()
    logged.close()
    before = _state(logged.db.data_dir)
    r = cli("restore", str(f), "--yes")
    assert r.code == 2 and "signed with another installation's key" in r.err, r.err
    assert _state(logged.db.data_dir) == before
