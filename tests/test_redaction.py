"""Redacting a note: out of the entry, the audit trail and every backup (bytes checked),
the audit chain still verifying; the migration that re-chains existing trails."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from conftest import TODAY
from test_cli import db_state

from rxlog.domain import EntryInput
from rxlog.errors import NotFoundError
from rxlog.service import RxLog
from rxlog.storage.models import MonthLock

SPACED = "943 476 5919"  # a valid NHS number (Modulus 11)
FORMS = (SPACED.encode(), SPACED.replace(" ", "").encode())


def all_bytes(data_dir: Path) -> dict[Path, bytes]:
    """Every file RxLog keeps in the data folder (database, WAL, backups)."""
    return {p: p.read_bytes() for p in data_dir.rglob("*") if p.is_file()}


def holding(data_dir: Path) -> list[str]:
    return sorted(
        str(p.relative_to(data_dir))
        for p, b in all_bytes(data_dir).items()
        if any(f in b for f in FORMS)
    )


@pytest.fixture
def ready(cli):
    assert cli("setup", "--name", "Alex Morgan", "--gphc", "5012345").code == 0
    r = cli("placement", "add", "G82001", "--name", "Test Surgery", "--sector", "primary",
            "--from", "2026-10-01")  # fmt: skip
    assert r.code == 0, r.err
    return cli


@pytest.mark.slow
def test_redact_takes_the_note_out_of_entry_trail_and_backups(ready, data_dir, tmp_path):
    r = ready("log", "QRY-PAT", "--date", "2026-11-02", "--note", f"pt {SPACED} rang")
    assert r.code == 0 and "NHS number" in r.err
    eid = r.out.strip()
    # the trap: editing the number out leaves it in the audit trail's "before"
    assert ready("edit", eid[:8], "--note", "patient rang", "--reason", "took PID out").code == 0
    assert ready("backup").code == 0  # a manual backup holds it too
    assert ready("backup", "--out", str(tmp_path / "spare.sqlite3")).code == 0
    assert any("backups" in h for h in holding(data_dir))
    r = ready("note", "redact", eid[:8], "--reason", "NHS number typed in a note")
    assert r.code == 0, r.err
    assert f"Redacted the note of entry {eid}" in r.out
    assert "the entry, 2 audit records" in r.out and "backup" in r.out
    assert holding(data_dir) == []  # no byte of it in the database, WAL or any backup
    (row,) = json.loads(ready("list", "--format", "json").out)
    assert row["note"] is None
    records = json.loads(ready("audit", "--format", "json").out)
    assert [rec["action"] for rec in records] == ["create", "update", "redact"]
    assert records[-1]["reason"] == "NHS number typed in a note"
    assert json.loads(records[0]["after"])["note"] is None  # the text is gone, the record kept
    assert ready("audit", "--verify").code == 0
    check = ready("check")
    assert check.code == 0, check.out
    # every rewritten backup is still a whole RxLog database whose chain verifies
    for backup in (data_dir / "backups").glob("*.sqlite3"):
        other = tmp_path / f"restored-{backup.stem}"
        other.mkdir()
        shutil.copyfile(backup, other / "rxlog.sqlite3")
        app = RxLog.open(other, today=lambda: TODAY)
        try:
            assert app.verify_audit().ok, backup
            assert all(e.note is None or "5919" not in e.note for e in app.list_entries())
        finally:
            app.close()
    # a copy made with --out elsewhere is not RxLog's to rewrite: it still holds it
    assert SPACED.encode() in (tmp_path / "spare.sqlite3").read_bytes()


def test_a_note_can_be_typed_again_after_redaction_and_undo_of_a_delete_keeps_none(ready):
    eid = ready("log", "QRY-PAT", "--date", "2026-11-02", "--note", SPACED).out.strip()
    assert ready("note", "redact", eid, "--reason", "PID").code == 0
    assert ready("edit", eid, "--note", "clean note", "--reason", "re-typed").code == 0
    assert json.loads(ready("list", "--format", "json").out)[0]["note"] == "clean note"
    assert ready("audit", "--verify").code == 0


def test_a_deleted_entry_and_a_signed_off_month_can_be_redacted(ready, data_dir):
    gone = ready("log", "QRY-PAT", "--date", "2026-10-05", "--note", SPACED).out.strip()
    kept = ready("log", "QRY-PAT", "--date", "2026-10-06", "--note", f"x {SPACED}").out.strip()
    assert ready("delete", gone, "--reason", "wrong day").code == 0
    app = RxLog.open(data_dir, today=lambda: TODAY)
    try:
        with app.db.transaction() as s:
            s.add(MonthLock(month="2026-10", version=1, locked=1, locked_at="2026-11-02T09:00"))
        deleted = app.redact_note(gone, "PID in a deleted entry")
        assert (deleted.entry_had_note, deleted.records) == (False, 2)
        locked = app.redact_note(kept, "PID")
        assert locked.entry_had_note and app.get(kept).note is None
        assert app.verify_audit().ok
        with pytest.raises(NotFoundError, match="no deleted entry"):
            app.restore(gone)  # the redaction is its last record: no undo brings text back
    finally:
        app.close()
    assert holding(data_dir) == []


REDACT_REFUSALS = [
    (("note", "redact", "ENTRY", "--reason", "  "), "reason", "reason is required"),
    (("note", "redact", "ENTRY", "--reason", f"it was {SPACED}"), "reason", "NHS number"),
    (("note", "redact", "ffffffff", "--reason", "x"), "id", "no entry with id ffffffff"),
    (("note", "redact", "ab", "--reason", "x"), "id", "at least the first 4"),
    (("note", "redact", "PLAIN", "--reason", "x"), "id", "no note to redact"),
]


@pytest.mark.parametrize(("args", "field", "words"), REDACT_REFUSALS)
def test_each_redact_refusal_names_its_field_and_changes_nothing(
    ready, data_dir, args, field, words
):
    eid = ready("log", "QRY-PAT", "--date", "2026-11-02", "--note", SPACED).out.strip()
    plain = ready("log", "QRY-PAT", "--date", "2026-11-03").out.strip()
    args = tuple(eid if a == "ENTRY" else plain if a == "PLAIN" else a for a in args)
    before = db_state(data_dir)
    r = ready(*args)
    assert r.code == 2, (r.code, r.err)
    assert r.err.startswith(f"rxlog: {field}:"), r.err
    assert words in r.err
    assert db_state(data_dir) == before


def test_redact_needs_a_reason(ready):
    r = ready("note", "redact", "abcd")
    assert r.code == 2 and "--reason" in r.err


def test_changed_note_text_beside_the_chain_is_caught(rx):
    e = rx.log(EntryInput("QRY-PAT", date(2026, 11, 2), note="rang back")).entry
    import sqlite3

    con = sqlite3.connect(rx.db.path)
    try:
        (notes,) = con.execute("SELECT notes FROM audit WHERE entry_id = ?", (e.id,)).fetchone()
        assert "rang back" in notes
        con.execute(
            "UPDATE audit SET notes = ? WHERE entry_id = ?",
            (notes.replace("rang back", "rang twice"), e.id),
        )
        con.commit()
    finally:
        con.close()
    report = rx.verify_audit()
    assert "audit record 1's note was changed after it was written" in report.problems


# -- the migration that re-chains existing trails ---------------------------------------
def _canonical(v):
    return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=repr)


def _old_hash(prev, fields):  # the chain's formula, unchanged by the migration
    return hashlib.sha256((prev + _canonical(fields)).encode()).hexdigest()


def _database_at_0003(data_dir: Path) -> None:
    """A data folder as RxLog left it before 0005: notes inside the hashed snapshots, and
    one record (3) changed after it was written."""
    import sqlite3

    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    data_dir.mkdir(parents=True)
    path = data_dir / "rxlog.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    cfg = Config()
    cfg.set_main_option("script_location", "rxlog.storage:migrations")
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
    engine.dispose()
    con = sqlite3.connect(path)
    con.execute("INSERT INTO technician VALUES (1, 'Alex Morgan', '5012345', '2026-10-01T09:00')")
    con.execute(
        "INSERT INTO placement (ods, site_kind, name, sector, date_from, date_to) "
        "VALUES ('G82001', 'gp_practice', 'Test Surgery', 'primary', '2026-10-01', NULL)"
    )

    def entry(eid, note, day):
        return {"id": eid, "date": day, "site": "G82001", "sector": "primary",
                "code": "QRY-PAT", "taxonomy_version": "2026.1", "minutes": 5, "count": 1,
                "significance": None, "significance_scale": None, "harm": None,
                "harm_scale": None, "released_minutes": None, "outcome": None,
                "discharge_received": None, "note": note, "created_at": "t",
                "updated_at": "t"}  # fmt: skip

    e1 = entry("e1000000-0000-0000-0000-000000000001", f"pt {SPACED}", "2026-11-02")
    e1b = {**e1, "note": "patient rang"}
    e2 = entry("e2000000-0000-0000-0000-000000000002", "call back", "2026-11-03")
    records = [
        ("create", e1["id"], None, e1, None),
        ("update", e1["id"], e1, e1b, "took PID out"),
        ("create", e2["id"], None, e2, None),
    ]
    prev = "0" * 64
    for seq, (action, eid, before, after, reason) in enumerate(records, start=1):
        fields = {"seq": seq, "at": f"2026-11-0{seq}T09:00", "os_user": "alex",
                  "technician": "5012345", "action": action, "entry_id": eid,
                  "before": _canonical(before) if before else None,
                  "after": _canonical(after), "reason": reason}  # fmt: skip
        h = _old_hash(prev, fields)
        if seq == 3:
            fields["reason"] = "changed later"  # behind RxLog's back: hash no longer matches
        con.execute(
            'INSERT INTO audit (seq, at, os_user, technician, action, entry_id, "before", '
            '"after", reason, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)',
            (*fields.values(), prev, h),
        )
        prev = h
    for e in (e1b, e2):
        con.execute(
            f"INSERT INTO entry ({', '.join(e)}) VALUES ({', '.join('?' * len(e))})",
            tuple(e.values()),
        )
    con.commit()
    con.close()


def test_the_migration_rechains_keeping_problems_and_moving_notes_out_of_the_hash(data_dir):
    _database_at_0003(data_dir)
    app = RxLog.open(data_dir, today=lambda: TODAY)
    try:
        report = app.verify_audit()
        assert report.problems == ["audit record 3 was changed after it was written"]
        assert report.records == 3 and report.entries == 2
        recs = app.audit_records()
        assert all(SPACED not in (r.before or "") + (r.after or "") for r in recs)
        assert json.loads(recs[0].after)["note"].startswith("sha256:")
        assert SPACED in (recs[0].notes or "")
        # the old trail is in the pre-migration backup, notes and all
        pre = list((data_dir / "backups").glob("pre-migration-0003-*.sqlite3"))
        assert len(pre) == 1 and SPACED.encode() in pre[0].read_bytes()
        result = app.redact_note("e100", "NHS number in a note")
        assert pre[0] in result.backups and result.skipped == []
        assert result.records == 2 and result.entry_had_note  # its current text goes too
    finally:
        app.close()
    assert holding(data_dir) == []
    # the rewritten pre-migration backup is brought up to date and still explains itself
    other = data_dir.parent / "from-backup"
    other.mkdir()
    shutil.copyfile(pre[0], other / "rxlog.sqlite3")
    back = RxLog.open(other, today=lambda: TODAY)
    try:
        assert back.verify_audit().problems == ["audit record 3 was changed after it was written"]
        assert back.audit_records()[-1].action == "redact"
    finally:
        back.close()
