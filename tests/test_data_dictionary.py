"""docs/data-dictionary.md describes, as a data element, every column of the return's CSV
and of the lead's returns feed (so the dictionary cannot fall behind the format)."""

from __future__ import annotations

import re
from pathlib import Path

from rxlog.central.dictionary import RETURN_COLUMNS
from rxlog.returnformat.csvfile import CSV_COLUMNS as COLUMNS

DOC = Path(__file__).resolve().parent.parent / "docs" / "data-dictionary.md"


def _described_columns() -> set[str]:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Data elements (NHS Data Model and Dictionary style)", 1)[1]
    found = set()
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and not set(cells[0]) <= {"-"}:
            found |= set(re.findall(r"`([a-z0-9_]+)`", cells[1]))
    return found


def test_every_return_csv_column_is_a_data_element():
    assert [c for c in COLUMNS if c not in _described_columns()] == []


def test_every_column_of_the_leads_returns_feed_is_a_data_element():
    assert [c for c in RETURN_COLUMNS if c not in _described_columns()] == []


def test_the_check_sees_a_missing_column():
    assert "no_such_column" not in _described_columns()
    assert {"gphc", "site", "month", "qs120_days"} <= _described_columns()
