"""The history view's reads (``RxLog.page_ids``, ``count_entries``, ``get_many``) go
through plain sqlite3 (``rxlog.storage.direct``); they must give what the ORM gives:
``list_ids`` (the ORM's query with the same filters) and ``get``."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from rxlog.domain import EntryInput
from rxlog.errors import StorageError


@pytest.fixture
def logged(rx):
    # Sept-Oct at the primary placement, November at the secondary one (see ``rx``).
    primary, secondary = ("ADM-MEET", "REP-SYNC"), ("ACU-TTO", "REC-ADM", "ADM-MEET")
    items = [
        EntryInput(code, date(2026, month, day), minutes=5 + day, note=f"n{day}")
        for month, days in ((9, (3, 17, 29)), (10, (1, 15, 30)), (11, (2, 9, 19)))
        for day in days
        for code in (secondary if month == 11 else primary)
    ]
    rx.log_many(items)
    return rx


FILTERS = [
    {},
    {"start": date(2026, 10, 1)},
    {"end": date(2026, 10, 15)},
    {"start": date(2026, 10, 1), "end": date(2026, 10, 31)},
    {"codes": ["ADM-MEET"]},
    {"codes": ["ADM-MEET", "REC-ADM"], "start": date(2026, 10, 1)},
    {"codes": []},
    {"site": "rpa"},  # as typed: the site is compared in capitals, as the ORM path does
    {"site": "G82001", "sector": "primary"},
    {"sector": "secondary"},
]


@pytest.mark.parametrize("filters", FILTERS)
def test_pages_and_counts_are_the_orms(logged, filters):
    everything = logged.list_ids(**filters)
    assert logged.count_entries(**filters) == len(everything)
    pages = [logged.page_ids(o, 4, **filters) for o in range(0, len(everything) + 4, 4)]
    assert [i for p in pages for i in p] == everything
    assert all(len(p) == 4 for p in pages[: len(everything) // 4])


def test_pages_are_newest_first(logged):
    days = [logged.get(i).date for i in logged.page_ids(0, 100)]
    assert days == sorted(days, reverse=True) and len(days) == 21


def test_rows_by_id_are_the_orms_views(logged):
    ids = logged.page_ids(0, 10) + ["no-such-id"]
    got = logged.get_many(ids)
    assert sorted(got) == sorted(ids[:-1])
    for i in ids[:-1]:
        assert got[i] == logged.get(i)
    assert logged.get_many([]) == {}


def test_a_read_that_fails_is_a_storage_error_and_leaves_no_transaction_open(logged):
    with pytest.raises(StorageError), logged.db.reading() as con:
        con.execute("SELECT nothing FROM no_such_table")
    # The connection went back to the pool with no transaction left open: a write works.
    logged.log(EntryInput("ADM-MEET", date(2026, 11, 20), minutes=5))
    assert logged.count_entries(start=date(2026, 11, 20)) == 1
    with logged.db.reading() as con:
        assert isinstance(con, sqlite3.Connection) and con.in_transaction


@pytest.mark.parametrize("filters", FILTERS)
def test_pages_of_whole_entries_are_the_pages_of_ids_read_by_id(logged, filters):
    everything = logged.list_ids(**filters)
    for offset in range(0, len(everything) + 4, 4):
        got = logged.page_entries(offset, 4, **filters)
        ids = logged.page_ids(offset, 4, **filters)
        assert [e.id for e in got] == ids
        assert got == [logged.get(i) for i in ids]
