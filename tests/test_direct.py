"""The CLI's direct sqlite3 path (rxlog.storage.direct) against the ORM path, on one
real database: the same rows, the same audit chain, the same refusals."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from conftest import TODAY, run_cli

from rxlog import audit_chain
from rxlog.domain import EntryInput
from rxlog.errors import RxlogError, StorageError
from rxlog.service import RxLog
from rxlog.storage.direct import DirectLog, open_direct
from rxlog.storage.models import AuditRecord, Entry


@pytest.fixture
def paths(data_dir: Path, monkeypatch: pytest.MonkeyPatch):
    """(the ORM path, the direct path) open on one set-up folder, today = TODAY."""
    monkeypatch.setenv("RXLOG_TODAY", TODAY.isoformat())
    app = RxLog.open(data_dir, today=lambda: TODAY)
    app.setup("Alex Morgan", "5012345")
    app.add_placement("G82001", "Test Surgery", "primary", date(2026, 9, 1), date(2026, 10, 31))
    app.add_placement("RPA", "Medway NHS Foundation Trust", "secondary", date(2026, 11, 1), None)
    app.add_phase("pilot", date(2026, 10, 1), None)
    app.close()
    orm = RxLog.open(data_dir, today=lambda: TODAY)  # makes today's backup
    direct = open_direct(data_dir, today=lambda: TODAY)
    assert isinstance(direct, DirectLog)
    yield orm, direct
    direct.close()
    orm.close()


def _rows(db: Path, table: str, order: str) -> list[dict]:
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute(f"SELECT * FROM {table} ORDER BY {order}")]
    finally:
        con.close()


SAMPLES = [
    EntryInput("QRY-PAT", minutes=7, count=2),
    EntryInput("REC-DIS", date(2026, 10, 19), discharge_received=date(2026, 10, 17)),
    EntryInput("INT-PRESC", significance="4", harm="d", released_minutes=10, outcome=" Accepted "),
    EntryInput("SAF-HRD", date(2026, 10, 12), site="g82001", note="  call 943 476 5919  "),
    EntryInput("QRY-CLIN", minutes="15", note="   "),
]


@pytest.mark.parametrize("item", SAMPLES, ids=lambda i: i.code)
def test_both_paths_store_the_same_row_and_audit_record(paths, data_dir, item):
    orm, direct = paths
    a = orm.log(item)
    b = direct.log(item)
    assert a.warnings == b.warnings
    view_a, view_b = a.entry.to_dict(), b.entry.to_dict()
    for volatile in ("id", "created_at", "updated_at"):
        view_a.pop(volatile), view_b.pop(volatile)
    assert view_a == view_b
    rows = {r["id"]: r for r in _rows(data_dir / "rxlog.sqlite3", "entry", "created_at")}
    ra, rb = dict(rows[a.entry.id]), dict(rows[b.entry.id])
    assert set(ra) == set(audit_chain.ENTRY_COLUMNS)
    for volatile in ("id", "created_at", "updated_at"):
        ra.pop(volatile), rb.pop(volatile)
    assert ra == rb
    records = _rows(data_dir / "rxlog.sqlite3", "audit", "seq")[-2:]
    assert [r["entry_id"] for r in records] == [a.entry.id, b.entry.id]
    assert records[1]["prev_hash"] == records[0]["hash"]  # one chain through both paths
    after = [json.loads(r["after"]) for r in records]
    for snap in after:
        for volatile in ("id", "created_at", "updated_at", "note"):
            snap.pop(volatile)
    assert after[0] == after[1]
    assert [r["action"] for r in records] == ["create", "create"]
    assert records[0]["technician"] == records[1]["technician"] == "5012345"
    assert (records[0]["notes"] is None) == (records[1]["notes"] is None)
    report = orm.verify_audit()
    assert report.ok, report.problems
    assert orm.get(b.entry.id).note == orm.get(a.entry.id).note  # the note's seal opens


BAD = [
    EntryInput("NOPE-1"),
    EntryInput(""),
    EntryInput("QRY-PAT", date(2026, 11, 21)),
    EntryInput("QRY-PAT", date(2026, 8, 1)),
    EntryInput("QRY-PAT", minutes="0"),
    EntryInput("QRY-PAT", minutes="1_0"),
    EntryInput("QRY-PAT", minutes=721),
    EntryInput("QRY-PAT", count=-1),
    EntryInput("QRY-PAT", harm="B"),
    EntryInput("INT-PRESC", significance=7),
    EntryInput("INT-PRESC", harm="Z"),
    EntryInput("INT-PRESC", outcome="maybe"),
    EntryInput("INT-PRESC", released_minutes=-1),
    EntryInput("QRY-CLIN", count=1),
    EntryInput("REC-DIS", date(2026, 10, 5), discharge_received=date(2026, 10, 6)),
    EntryInput("REC-DIS", date(2026, 10, 5), discharge_received=date(2025, 9, 1)),
    EntryInput("QRY-PAT", discharge_received=date(2026, 11, 1)),
    EntryInput("QRY-PAT", note="x" * 2001),
    EntryInput("QRY-PAT", site="X99999"),
    EntryInput("REC-ADM", date(2026, 10, 5)),
]


@pytest.mark.parametrize("item", BAD, ids=lambda i: repr(i)[11:60])
def test_both_paths_refuse_the_same_input_the_same_way(paths, data_dir, item):
    orm, direct = paths
    before = _rows(data_dir / "rxlog.sqlite3", "audit", "seq")
    with pytest.raises(RxlogError) as a:
        orm.log(item)
    with pytest.raises(RxlogError) as b:
        direct.log(item)
    assert (type(a.value), a.value.message, a.value.field) == (
        type(b.value),
        b.value.message,
        b.value.field,
    )
    assert _rows(data_dir / "rxlog.sqlite3", "audit", "seq") == before


def test_a_day_total_and_a_locked_month_are_read_the_same(paths, data_dir):
    orm, direct = paths
    orm.log(EntryInput("QRY-PAT", minutes=720))
    direct.log(EntryInput("QRY-PAT", minutes=700))
    for app in paths:
        with pytest.raises(RxlogError, match="already has 1420 minutes"):
            app.log(EntryInput("QRY-PAT", minutes=30))
    con = sqlite3.connect(data_dir / "rxlog.sqlite3")
    con.execute("INSERT INTO month_lock (month, version, locked) VALUES ('2026-10', 2, 1)")
    con.commit()
    con.close()
    errors = []
    for app in paths:
        with pytest.raises(RxlogError) as exc:
            app.log(EntryInput("SAF-HRD", date(2026, 10, 5)))
        errors.append((type(exc.value).__name__, exc.value.message))
    assert errors[0] == errors[1]
    assert "2026-10 is signed off (return v2)" in errors[0][1]


def test_several_entries_are_all_stored_or_none(paths, data_dir):
    _orm, direct = paths
    with pytest.raises(RxlogError):
        direct.log_many([EntryInput("QRY-PAT"), EntryInput("NOPE-1")])
    assert _rows(data_dir / "rxlog.sqlite3", "entry", "id") == []
    assert len(direct.log_many([EntryInput("QRY-PAT"), EntryInput("PAT-ADH")])) == 2
    assert len(_rows(data_dir / "rxlog.sqlite3", "entry", "id")) == 2


def test_listing_is_the_same_through_both_paths(paths):
    orm, direct = paths
    for item in SAMPLES:
        orm.log(item)
        direct.log(item)
    for args in (
        (None, None, None),
        (date(2026, 11, 1), date(2026, 11, 30), None),
        (None, None, " qry-pat "),
        (date(2026, 10, 1), date(2026, 10, 31), "SAF-HRD"),
    ):
        assert direct.list_entries(*args) == orm.list_entries(*args)
    assert len(direct.list_entries()) == 2 * len(SAMPLES)


def test_the_connection_is_wal_with_full_sync(paths):
    _orm, direct = paths
    assert direct.con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert direct.con.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert direct.con.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_the_column_lists_are_the_orm_models(paths):
    assert tuple(c.name for c in Entry.__table__.columns) == audit_chain.ENTRY_COLUMNS
    assert tuple(c.name for c in AuditRecord.__table__.columns) == audit_chain.AUDIT_COLUMNS


def test_a_folder_with_work_to_do_on_opening_goes_the_orm_way(paths, data_dir):
    """Schema not at head, an interrupted export, today's backup not made: None."""
    orm, direct = paths
    direct.close()
    orm.close()
    today = lambda: TODAY  # noqa: E731
    assert open_direct(data_dir, today=lambda: date(2026, 11, 21)) is None  # backup due
    from rxlog.export.pending import PENDING_FILE

    (data_dir / PENDING_FILE).write_text("{}", encoding="utf-8")
    assert open_direct(data_dir, today=today) is None
    (data_dir / PENDING_FILE).unlink()
    con = sqlite3.connect(data_dir / "rxlog.sqlite3")
    head = con.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    con.execute("UPDATE alembic_version SET version_num = '0001'")
    con.commit()
    assert open_direct(data_dir, today=today) is None  # an older schema: migrate first
    con.execute("UPDATE alembic_version SET version_num = ?", (head,))
    con.commit()
    con.close()
    again = open_direct(data_dir, today=today)
    assert isinstance(again, DirectLog)
    again.close()


def test_a_file_the_orm_path_refuses_is_refused_in_the_same_words(paths, data_dir, tmp_path):
    orm, direct = paths
    direct.close()
    orm.close()
    con = sqlite3.connect(data_dir / "rxlog.sqlite3")
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.commit()
    con.close()
    with pytest.raises(StorageError) as a:
        RxLog.open(data_dir)
    with pytest.raises(StorageError) as b:
        open_direct(data_dir, today=lambda: TODAY)
    assert a.value.message == b.value.message
    assert "newer RxLog (schema 9999)" in b.value.message
    other = tmp_path / "other"
    shutil.copytree(data_dir, other)
    (other / "rxlog.sqlite3").write_bytes(b"not a database at all, but long enough" * 4)
    with pytest.raises(StorageError) as a:
        RxLog.open(other)
    with pytest.raises(StorageError) as b:
        open_direct(other, today=lambda: TODAY)
    assert a.value.message == b.value.message


def test_the_cli_logs_directly_and_the_first_command_of_a_day_backs_up(
    paths, data_dir, monkeypatch
):
    orm, direct = paths
    direct.close()
    orm.close()
    backups = data_dir / "backups"
    monkeypatch.setenv("RXLOG_TODAY", "2026-11-21")
    assert not (backups / "daily-2026-11-21.sqlite3").exists()
    first = run_cli(data_dir, "log", "QRY-PAT")  # today's backup due: the ORM way
    assert first.code == 0, first.err
    assert (backups / "daily-2026-11-21.sqlite3").exists()
    second = run_cli(data_dir, "log", "QRY-PAT", "--minutes", "9")
    assert second.code == 0, second.err
    listed = json.loads(run_cli(data_dir, "list", "--format", "json").out)
    assert [e["id"] for e in listed] == [first.out.strip(), second.out.strip()]
    check = RxLog.open(data_dir)
    try:
        assert check.verify_audit().ok
    finally:
        check.close()


def test_the_service_hands_out_views_not_orm_rows(paths, data_dir):
    """No ORM object leaves its session: what the service returns is plain data."""
    from dataclasses import fields

    from rxlog.domain import AuditRecordView, MonthLockView
    from rxlog.storage.models import Base

    orm, _direct = paths
    e = orm.log(EntryInput("QRY-PAT")).entry
    con = sqlite3.connect(data_dir / "rxlog.sqlite3")
    con.execute("INSERT INTO month_lock (month, version, locked) VALUES ('2026-10', 1, 1)")
    con.commit()
    con.close()
    got = [
        orm.month_lock("2026-10"),
        *orm.audit_records(),
        *orm.list_entries(),
        orm.get(e.id),
        *orm.placements(),
        orm.technician(),
    ]
    assert not [g for g in got if isinstance(g, Base)]
    assert isinstance(orm.month_lock("2026-10"), MonthLockView)
    assert orm.month_lock("2026-10").locked == 1
    assert tuple(f.name for f in fields(AuditRecordView)) == audit_chain.AUDIT_COLUMNS
    last = orm.audit_records(limit=1)
    assert len(last) == 1 and last[0].entry_id == e.id and last[0].action == "create"
