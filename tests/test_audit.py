"""The hash-chained audit trail catches any change it does not explain."""

import sqlite3
from datetime import date

import pytest

from rxlog.domain import EntryInput


@pytest.fixture
def logged(rx):
    a = rx.log(EntryInput("QRY-PAT", date=date(2026, 10, 1))).entry
    b = rx.log(EntryInput("INT-PRESC", significance=4)).entry
    rx.edit(a.id, {"minutes": 7}, "typo")
    c = rx.log(EntryInput("ADM-MEET", date=date(2026, 11, 2))).entry
    rx.delete(c.id, "logged twice")
    assert rx.verify_audit().ok
    return rx, a, b, c


def tamper(rx, sql, *params):
    con = sqlite3.connect(rx.db.path)
    con.execute(sql, params)
    con.commit()
    con.close()


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("UPDATE entry SET minutes = 99 WHERE id = :a", "differs from its last audited state"),
        ("UPDATE entry SET note = 'x' WHERE id = :b", "differs from its last audited state"),
        # a column added later (schema 0007) is covered as soon as it holds a value
        ("UPDATE entry SET admitted = '2026-11-01 08:00' WHERE id = :a",
         "differs from its last audited state"),  # fmt: skip
        ("DELETE FROM entry WHERE id = :a", "missing (removed outside RxLog)"),
        ("INSERT INTO entry SELECT '11111111-2222-4333-8444-555555555555', date, site, sector, "
         "code, taxonomy_version, minutes, count, significance, significance_scale, harm, "
         "harm_scale, released_minutes, outcome, discharge_received, note, created_at, "
         "updated_at, admitted, time FROM entry WHERE id = :a", "not in the audit trail"),
        ("UPDATE audit SET reason = 'nothing to see' WHERE seq = 3", "record 3 was changed"),
        ("UPDATE audit SET after = replace(after, '\"minutes\":7', '\"minutes\":8') WHERE seq = 3",
         "record 3 was changed"),
        ("DELETE FROM audit WHERE seq = 2", "missing"),
        ("DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)", "missing (removed outside"),
    ],
)  # fmt: skip
def test_verify_detects_changes_behind_rxlogs_back(logged, sql, expected):
    rx, a, b, c = logged
    tamper(rx, sql.replace(":a", f"'{a.id}'").replace(":b", f"'{b.id}'"))
    report = rx.verify_audit()
    assert not report.ok
    assert any(expected in p for p in report.problems), report.problems


def test_restore_after_delete_is_audited_and_verifies(logged):
    rx, a, b, c = logged
    back = rx.restore(c.id, "undo")
    assert back.id == c.id and back.code == "ADM-MEET"
    actions = [r.action for r in rx.audit_records()]
    assert actions[-2:] == ["delete", "restore"]
    assert rx.verify_audit().ok


def test_audit_cli_verify_exit_codes(cli, rx):
    rx.log(EntryInput("QRY-PAT"))
    assert cli("audit", "--verify").code == 0
    tamper(rx, "UPDATE entry SET minutes = 1")
    r = cli("audit", "--verify")
    assert r.code == 1 and "FAILED" in r.err and "changed outside RxLog" in r.err
