"""The return's CSV is built a column at a time for speed; its bytes must be exactly
those of the row-by-row definition (``rows`` through ``write_rows``), formula-like texts,
empty cells, admission times and costs included."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time

import pytest

from rxlog.domain import EntryInput
from rxlog.export.csv_writer import CsvOptions, rows, write_csv
from rxlog.export.month_data import collect
from rxlog.export.unit_costs import load_unit_costs
from rxlog.returnformat.csvfile import write_rows
from rxlog.service import RxLog


@pytest.fixture
def month(data_dir):
    app = RxLog.open(data_dir, today=lambda: date(2026, 12, 2))
    app.setup("Alex Morgan", "5012345")
    app.add_placement("G82001", "=HYPERLINK(evil)", "primary", date(2026, 11, 1),
                      date(2026, 11, 15))  # fmt: skip
    app.add_placement("RN707", "+Medway Maritime", "secondary", date(2026, 11, 16), None)
    items = [
        EntryInput("QRY-PAT", date(2026, 11, 2), minutes=10, count=1, note="@note"),
        EntryInput("ADM-MEET", date(2026, 11, 3), minutes=30, count=None),
        EntryInput(
            "INT-PRESC",
            date(2026, 11, 4),
            minutes=12,
            count=1,
            significance=4,
            harm="C",
            released_minutes=11,
            outcome="accepted",
        ),  # fmt: skip
        EntryInput(
            "INT-PRESC",
            date(2026, 11, 5),
            minutes=12,
            count=1,
            significance=2,
            harm="A",
            released_minutes=11,
            outcome="declined",
        ),  # fmt: skip
        EntryInput(
            "REC-DIS", date(2026, 11, 9), minutes=20, count=1, discharge_received=date(2026, 11, 1)
        ),  # fmt: skip
        EntryInput(
            "REC-ADM",
            date(2026, 11, 17),
            minutes=25,
            count=2,
            admitted=datetime(2026, 11, 16, 22, 5),
            time=time(9, 40),
        ),  # fmt: skip
        EntryInput("REC-ADM", date(2026, 11, 18), minutes=25, count=1),
    ]
    app.log_many(items)
    data = collect(app, "2026-11", load_unit_costs())
    app.close()
    return data


def test_the_csv_built_by_columns_is_the_row_by_row_one_byte_for_byte(month):
    by_row = rows(month)
    for column in ("qs120_minutes", "qs120_days", "cost_avoided", "count", "harm"):
        assert {r[column] is None for r in by_row} == {True, False}  # both kinds of cell
    assert write_csv(month) == write_rows(by_row)
    text = write_csv(month).decode("utf-8-sig")
    assert "'=HYPERLINK(evil)" in text and "'+Medway Maritime" in text  # the guard held
    for options in (CsvOptions(bom=False), CsvOptions(line_end="\n")):
        assert write_csv(month, options) == write_rows(
            rows(month), bom=options.bom, line_end=options.line_end
        )


def test_an_empty_month_is_its_header_alone_either_way(month):
    nil = replace(month, entries=())
    assert write_csv(nil) == write_rows(rows(nil))
    assert write_csv(nil).decode("utf-8-sig").count("\r\n") == 1


def test_the_stored_row_holds_every_column_of_the_entry_table(month):
    from rxlog.export.month_data import StoredRow
    from rxlog.storage.models import Entry

    assert list(StoredRow._fields) == [c.name for c in Entry.__table__.columns]
    assert month.rows is not None and len(month.rows) == len(month.entries) == 7
    assert [r.id for r in month.rows] == [e.id for e in month.entries]
