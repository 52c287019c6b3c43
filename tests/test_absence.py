"""Absence and bank holidays: recorded in one step, audited, and left out of "days
without entries" by the month check and the technician's PDF (which shows them)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from conftest import TODAY
from pdftext import pdf_text
from test_cli import db_state

from rxlog.absence import bank_holidays_in
from rxlog.domain import EntryInput
from rxlog.export import keys
from rxlog.export.signoff import ExportOptions, export_month
from rxlog.service import RxLog


@pytest.fixture
def ready(cli):
    assert cli("setup", "--name", "Alex Morgan", "--gphc", "5012345").code == 0
    r = cli("placement", "add", "G82001", "--name", "Test Surgery", "--sector", "primary",
            "--from", "2026-08-01")  # fmt: skip
    assert r.code == 0, r.err
    return cli


def test_bank_holidays_come_from_the_library_for_england_and_wales():
    days = bank_holidays_in(date(2026, 1, 1), date(2026, 12, 31))
    assert date(2026, 8, 31) in days and "Summer" in days[date(2026, 8, 31)]
    assert date(2026, 12, 25) in days and date(2026, 12, 28) in days  # Boxing Day observed
    assert date(2026, 3, 17) not in days  # St Patrick's Day: Northern Ireland only
    assert date(2026, 8, 3) not in days  # Summer bank holiday in Scotland only


def test_absence_add_list_delete_through_the_cli(ready):
    r = ready("absence", "add", "2026-08-10", "--to", "2026-08-16", "--kind", "annual-leave",
              "--note", "Cornwall")  # fmt: skip
    assert r.code == 0, r.err
    assert r.out.startswith("Absence 1: annual leave 2026-08-10 to 2026-08-16 (5 working days)")
    r = ready("absence", "add", "2026-08-31", "--kind", "sickness")
    assert r.code == 0 and "(0 working days)" in r.out  # a bank holiday
    rows = json.loads(ready("absence", "list", "--format", "json").out)
    assert [
        (a["id"], a["kind"], a["date_from"], a["date_to"], a["working_days"]) for a in rows
    ] == [
        (1, "annual-leave", "2026-08-10", "2026-08-16", 5),
        (2, "sickness", "2026-08-31", "2026-08-31", 0),
    ]
    assert set(rows[0]) == {"id", "kind", "date_from", "date_to", "note", "working_days"}
    assert json.loads(ready("absence", "list", "--month", "2026-09", "--format", "json").out) == []
    table = ready("absence", "list", "--month", "2026-08").out
    assert "annual-leave" in table and "Bank holiday 2026-08-31 (Mon)" in table
    r = ready("absence", "delete", "2", "--reason", "was at work after all")
    assert r.code == 0, r.err
    assert [a["id"] for a in json.loads(ready("absence", "list", "--format", "json").out)] == [1]
    records = json.loads(ready("audit", "--format", "json").out)
    assert [(r["action"], r["entry_id"]) for r in records] == [
        ("absence-add", "absence:1"),
        ("absence-add", "absence:2"),
        ("absence-delete", "absence:2"),
    ]
    assert records[-1]["reason"] == "was at work after all"
    assert ready("audit", "--verify").code == 0


ABSENCE_REFUSALS = [
    (("absence", "add", "2026-08-12", "--kind", "training"), "from", "overlaps the annual leave"),
    (("absence", "add", "2026-08-20", "--to", "2026-08-19", "--kind", "other"), "to",
     "before it starts"),
    (("absence", "add", "12/08/2026", "--kind", "other"), "from", "not a date"),
    (("absence", "add", "2026-08-20", "--to", "2026-8-21", "--kind", "other"), "to", "not a date"),
    (("absence", "add", "2026-08-20", "--to", "2028-08-21", "--kind", "other"), "to",
     "more than one record"),
    (("absence", "add", "2028-01-05", "--kind", "other"), "to", "more than a year ahead"),
    (("absence", "add", "2026-09-01", "--kind", "other", "--note", "x" * 2001), "note",
     "longer than 2000"),
    (("absence", "add", "2026-09-01", "--kind", "holiday"), "kind", "invalid choice"),
    (("absence", "add", "2026-10-05", "--kind", "other"), "from", "signed off"),
    (("absence", "delete", "1"), "reason", "--reason"),
    (("absence", "delete", "1", "--reason", " "), "reason", "reason is required"),
    (("absence", "delete", "9", "--reason", "x"), "id", "no absence with id 9"),
    (("absence", "delete", "x1", "--reason", "x"), "id", "not an absence id"),
    (("absence", "list", "--month", "2026-13"), "month", "not a month"),
]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize(("args", "field", "words"), ABSENCE_REFUSALS)
def test_each_absence_refusal_names_its_field_and_changes_nothing(
    ready, data_dir, args, field, words
):
    assert ready("absence", "add", "2026-08-10", "--to", "2026-08-14", "--kind",
                 "annual-leave").code == 0  # fmt: skip
    app = RxLog.open(data_dir, today=lambda: TODAY)
    try:
        from rxlog.storage.models import MonthLock

        with app.db.transaction() as s:
            s.add(MonthLock(month="2026-10", version=1, locked=1, locked_at="2026-11-02T09:00"))
    finally:
        app.close()
    before = db_state(data_dir)
    r = ready(*args)
    assert r.code == 2, (r.code, r.err)
    assert field in r.err.splitlines()[-1] and words in r.err, r.err
    assert db_state(data_dir) == before


def test_a_note_with_an_nhs_number_is_warned_about(ready):
    r = ready("absence", "add", "2026-09-01", "--kind", "other", "--note", "943 476 5919")
    assert r.code == 0 and "NHS number" in r.err


@pytest.mark.slow
def test_month_check_gaps_leave_out_bank_holidays_and_absence(ready):
    for d in (3, 4, 5, 6, 7, 17, 18, 19, 20, 21, 24, 25, 26, 27):
        assert ready("log", "REP-MGMT", "--date", f"2026-08-{d:02d}").code == 0
    before = json.loads(ready("month", "check", "2026-08", "--format", "json").out)
    gaps = next(f for f in before["findings"] if f["kind"] == "gaps")
    assert "2026-08-31" not in gaps["dates"]  # the Late Summer bank holiday
    assert gaps["dates"] == [f"2026-08-{d:02d}" for d in (10, 11, 12, 13, 14, 28)]
    assert ready("absence", "add", "2026-08-10", "--to", "2026-08-14", "--kind",
                 "annual-leave").code == 0  # fmt: skip
    after = json.loads(ready("month", "check", "2026-08", "--format", "json").out)
    assert set(after) == set(before)  # the same shape
    gaps = next(f for f in after["findings"] if f["kind"] == "gaps")
    assert gaps["dates"] == ["2026-08-28"]
    assert set(gaps) == {"severity", "kind", "message", "entry_ids", "dates", "command"}
    off = next(f for f in after["findings"] if f["kind"] == "days_off")
    assert off["severity"] == "info"
    assert off["dates"] == [f"2026-08-{d:02d}" for d in (10, 11, 12, 13, 14, 31)]
    assert "annual leave" in off["message"] and "bank holiday" in off["message"]


@pytest.mark.slow
def test_the_pdf_counts_days_without_entries_without_absence_and_shows_it(data_dir, tmp_path):
    app = RxLog.open(data_dir, today=lambda: TODAY)
    try:
        app.setup("Alex Morgan", "5012345")
        app.add_placement("G82001", "Test Surgery", "primary", date(2026, 8, 1), None)
        keys.create_keys(data_dir, "Alex Morgan", "5012345")
        days = [d for d in range(3, 29) if date(2026, 8, d).weekday() < 5 and d not in (10, 11)]
        app.log_many([EntryInput("REP-MGMT", date(2026, 8, d)) for d in days])
        app.add_absence(date(2026, 8, 10), date(2026, 8, 11), "sickness", note="flu, 943 476 5919")
        out = tmp_path / "out"
        out.mkdir()
        res = export_month(app, "2026-08", ExportOptions(out))
    finally:
        app.close()
    text = pdf_text(str(res.pdf))
    flat = " ".join(text.split())
    assert "Every working day (Monday to Friday) in a placement has entries" in flat
    assert "Days away and bank holidays (3 working days)" in flat
    assert "Mon 10 Aug 2026 to Tue 11 Aug 2026 sickness" in flat
    assert "Mon 31 Aug 2026 bank holiday" in flat
    assert "flu" not in flat and "5919" not in flat  # an absence note never leaves the PC
    assert b"flu" not in res.csv.read_bytes()
