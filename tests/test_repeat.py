"""Repeat the last entry and copy a day: the core (rxlog.repeat, RxLog) and the CLI's
``rxlog repeat-last`` and ``rxlog copy-day``, the same rules as the app's Ctrl+R and
Ctrl+Shift+C."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import TODAY

from rxlog.domain import EntryInput
from rxlog.errors import ValidationError


def _setup(cli) -> None:
    assert cli("setup", "--name", "Alex Morgan", "--gphc", "5012345").code == 0
    assert cli("placement", "add", "G82001", "--name", "Test Surgery", "--sector", "primary",
               "--from", "2026-11-01", "--to", "2026-11-15").code == 0  # fmt: skip
    assert cli("placement", "add", "RPA", "--name", "Medway", "--sector", "secondary",
               "--from", "2026-11-16").code == 0  # fmt: skip


def test_repeat_last_logs_the_newest_entry_again_at_the_days_placement(rx) -> None:
    first = rx.log(EntryInput("QRY-PAT", date(2026, 10, 5), minutes=20, count=4, note="batch"))
    result = rx.repeat_last(TODAY)
    e = result.entry
    assert e.id != first.entry.id
    assert (e.code, e.date, e.minutes, e.count, e.note) == ("QRY-PAT", TODAY, 20, 4, "batch")
    assert first.entry.site == "G82001" and e.site == "RPA"  # today's placement, not October's
    assert rx.repeat_last(TODAY).entry.code == "QRY-PAT"


def test_repeat_last_with_nothing_logged_says_so(rx) -> None:
    with pytest.raises(ValidationError, match="nothing has been logged yet") as exc:
        rx.repeat_last(TODAY)
    assert exc.value.field == "repeat" and rx.list_entries() == []


def test_copy_day_copies_every_entry_or_none(rx) -> None:
    day = date(2026, 11, 18)
    rx.log(EntryInput("QRY-CLIN", day, minutes=15))
    rx.log(EntryInput("QRY-PAT", day, minutes=30, count=2))
    results = rx.copy_day(day, TODAY)
    assert sorted((r.entry.code, r.entry.date) for r in results) == [
        ("QRY-CLIN", TODAY), ("QRY-PAT", TODAY)
    ]  # fmt: skip
    assert len(rx.list_entries(TODAY, TODAY)) == 2
    with pytest.raises(ValidationError, match="has no entries to copy"):
        rx.copy_day(date(2026, 11, 17), TODAY)
    before = len(rx.list_entries())
    with pytest.raises(ValidationError):  # no placement covers August: refused, none stored
        rx.copy_day(day, date(2026, 8, 3))
    assert len(rx.list_entries()) == before


@pytest.mark.slow
def test_cli_repeat_last_prints_the_new_id(cli, data_dir) -> None:
    _setup(cli)
    assert cli("repeat-last").code == 2  # nothing logged yet
    logged = cli("log", "QRY-PAT", "--date", "2026-11-10", "--minutes", "25", "--count", "3")
    assert logged.code == 0
    r = cli("repeat-last")
    assert r.code == 0, r.err
    new_id = r.out.strip()
    assert len(new_id) == 36 and new_id != logged.out.strip()
    shown = cli("list", "--date", TODAY.isoformat(), "--format", "json")
    import json

    (entry,) = json.loads(shown.out)
    assert (entry["id"], entry["code"], entry["minutes"], entry["site"]) == (
        new_id, "QRY-PAT", 25, "RPA"
    )  # fmt: skip
    r = cli("repeat-last", "--date", "2026-11-19")
    assert r.code == 0 and len(cli("list", "--date", "2026-11-19", "--format", "json").out) > 2


def test_cli_repeat_last_refuses_a_bad_date(cli) -> None:
    _setup(cli)
    cli("log", "QRY-PAT", "--date", "2026-11-10", "--minutes", "25", "--count", "3")
    r = cli("repeat-last", "--date", "19/11/2026")
    assert r.code == 2 and "'19/11/2026' is not a date" in r.err


def test_cli_copy_day(cli) -> None:
    import json

    _setup(cli)
    for code in ("QRY-CLIN", "ADM-MEET"):
        assert cli("log", code, "--date", "2026-11-18", "--minutes", "10").code == 0
    r = cli("copy-day", "--from", "2026-11-18")
    assert r.code == 0, r.err
    ids = r.out.split()
    rows = json.loads(cli("list", "--date", TODAY.isoformat(), "--format", "json").out)
    assert sorted(ids) == sorted(e["id"] for e in rows)
    assert sorted(e["code"] for e in rows) == ["ADM-MEET", "QRY-CLIN"]

    r = cli("copy-day", "--from", "2026-11-18", "--to", "2026-11-19")
    assert r.code == 0 and len(r.out.split()) == 2

    r = cli("copy-day", "--from", "2026-11-17")
    assert r.code == 2 and "2026-11-17 has no entries to copy" in r.err
    r = cli("copy-day", "--from", "2026-11-18", "--to", "tomorrow")
    assert r.code == 2 and "to: 'tomorrow' is not a date" in r.err
    r = cli("copy-day", "--to", "2026-11-19")
    assert r.code == 2 and "--from" in r.err
    total = len(json.loads(cli("list", "--format", "json").out))
    r = cli("copy-day", "--from", "2026-11-18", "--to", "2026-08-03")  # no placement then
    assert r.code == 2 and len(json.loads(cli("list", "--format", "json").out)) == total
