"""NICE QS120 in acute care, technician side: an admission reconciliation carries the
patient's admission date-time and the reconciliation's time of day (issue 11, item 2)."""

from __future__ import annotations

import json
import sqlite3
import sys
from datetime import date, datetime, time

import pytest
from conftest import TODAY
from test_cli import db_state

from rxlog.dates import parse_clock, parse_date_time
from rxlog.domain import EntryInput
from rxlog.errors import ValidationError


@pytest.fixture
def ready(cli, monkeypatch):
    # "Now" pinned too, so "not in the future" does not depend on when the suite runs.
    monkeypatch.setenv("RXLOG_NOW", f"{TODAY.isoformat()} 15:00")
    assert cli("setup", "--name", "Alex Morgan", "--gphc", "5012345").code == 0
    r = cli("placement", "add", "G82001", "--name", "Test Surgery", "--sector", "primary",
            "--from", "2026-09-01", "--to", "2026-10-31")  # fmt: skip
    assert r.code == 0, r.err
    r = cli("placement", "add", "RPA", "--name", "Medway NHS FT", "--sector", "secondary",
            "--from", "2026-11-01")  # fmt: skip
    assert r.code == 0, r.err
    return cli


def _rows(cli):
    return {r["id"]: r for r in json.loads(cli("list", "--format", "json").out)}


def test_log_rec_adm_with_admitted_and_time_round_trips_through_list(ready):
    r = ready("log", "REC-ADM", "--date", "2026-11-18", "--admitted", "2026-11-17 22:40",
              "--time", "09:15", "--count", "1")  # fmt: skip
    assert r.code == 0, r.err
    entry = _rows(ready)[r.out.strip()]
    assert (entry["admitted"], entry["time"]) == ("2026-11-17 22:40", "09:15")
    # today's entry without --time takes the time now (15:00, pinned)
    r = ready("log", "REC-ADM", "--admitted", f"{TODAY} 07:05")
    assert r.code == 0, r.err
    entry = _rows(ready)[r.out.strip()]
    assert (entry["date"], entry["admitted"], entry["time"]) == (str(TODAY), f"{TODAY} 07:05",
                                                                "15:00")  # fmt: skip
    # an admission reconciliation without it is still fine (QS120: "not recorded")
    r = ready("log", "REC-ADM", "--date", "2026-11-18")
    assert r.code == 0, r.err
    assert _rows(ready)[r.out.strip()]["admitted"] is None
    csv_head = ready("list", "--format", "csv").out.splitlines()[0]
    assert csv_head.endswith(",admitted,time")


@pytest.mark.parametrize(
    ("args", "field", "words"),
    [
        (["REC-ADM", "--admitted", "2026-11-17"], "admitted", "YYYY-MM-DD HH:MM"),
        (["REC-ADM", "--admitted", "17/11/2026 10:00"], "admitted", "YYYY-MM-DD HH:MM"),
        (["REC-ADM", "--admitted", "2026-11-17 24:00"], "admitted", "not a date and time"),
        (["REC-ADM", "--admitted", "2026-02-30 10:00"], "admitted", "not a date and time"),
        (["REC-ADM", "--admitted", "2026-11-17 10:00", "--time", "9.30"], "time", "HH:MM"),
        (["REC-ADM", "--admitted", f"{TODAY} 16:00"], "admitted", "in the future"),
        (["REC-ADM", "--admitted", f"{TODAY} 10:00", "--time", "15:30"], "time", "future"),
        (
            [
                "REC-ADM",
                "--date",
                "2026-11-18",
                "--admitted",
                "2026-11-18 12:00",
                "--time",
                "11:59",
            ],
            "admitted",
            "after the reconciliation",
        ),  # fmt: skip
        (
            [
                "REC-ADM",
                "--date",
                "2026-11-18",
                "--admitted",
                "2026-10-20 12:00",
                "--time",
                "12:01",
            ],
            "admitted",
            "more than 28 days",
        ),  # fmt: skip
        (
            ["REC-ADM", "--date", "2026-11-18", "--admitted", "2026-11-17 12:00"],
            "time",
            "time the reconciliation was done",
        ),  # fmt: skip
        (["REC-XFER", "--admitted", "2026-11-19 12:00"], "admitted", "does not take"),
        (["INT-PRESC", "--time", "10:00"], "time", "takes no time of day"),
    ],
)
def test_bad_admission_input_exits_2_names_the_field_and_writes_nothing(
    ready, data_dir, args, field, words
):
    before = db_state(data_dir)
    r = ready("log", *args)
    assert r.code == 2, (r.out, r.err)
    assert field in r.err and words in r.err, r.err
    assert db_state(data_dir) == before


def test_the_28_day_bound_is_inclusive(ready):
    r = ready("log", "REC-ADM", "--date", "2026-11-18", "--admitted", "2026-10-21 12:00",
              "--time", "12:00")  # fmt: skip
    assert r.code == 0, r.err


def test_edit_adds_and_changing_the_code_drops_the_admission(ready, data_dir):
    entry_id = ready("log", "REC-ADM", "--date", "2026-11-18").out.strip()
    r = ready("edit", entry_id[:8], "--admitted", "2026-11-18 01:00", "--time", "08:00",
              "--reason", "admission time found")  # fmt: skip
    assert r.code == 0, r.err
    assert _rows(ready)[entry_id]["admitted"] == "2026-11-18 01:00"
    r = ready("edit", entry_id[:8], "--code", "REC-XFER", "--reason", "was a transfer")
    assert r.code == 0, r.err
    row = _rows(ready)[entry_id]
    assert (row["code"], row["admitted"], row["time"]) == ("REC-XFER", None, None)
    # the audit trail still verifies with the new columns
    assert ready("audit", "--verify").code == 0


def test_core_refuses_the_wrong_types_with_the_field(rx):
    with pytest.raises(ValidationError) as exc:
        rx.log(EntryInput(code="REC-ADM", date=date(2026, 11, 18), admitted="2026-11-18 01:00"))  # type: ignore[arg-type]
    assert exc.value.field == "admitted"
    with pytest.raises(ValidationError) as exc:
        rx.log(EntryInput(code="REC-ADM", date=date(2026, 11, 18), time="08:00"))  # type: ignore[arg-type]
    assert exc.value.field == "time"
    e = rx.log(
        EntryInput(
            code="REC-ADM",
            date=date(2026, 11, 18),
            admitted=datetime(2026, 11, 17, 23, 5),
            time=time(8, 0),
        )  # fmt: skip
    ).entry
    assert (e.admitted, e.time) == (datetime(2026, 11, 17, 23, 5), time(8, 0))


def test_parsers_are_strict():
    assert parse_date_time("2026-11-17 08:05") == datetime(2026, 11, 17, 8, 5)
    assert parse_date_time("2026-11-17T08:05") == datetime(2026, 11, 17, 8, 5)
    assert parse_clock("9:05") == time(9, 5)
    for bad in ("2026-11-17 8:05", "2026-11-17 08:05:00", "20261117 0805", "", "١٢:٠٠"):
        with pytest.raises(ValidationError):
            parse_date_time(bad)
    for bad in ("24:00", "12:60", "1200", "12:5", "١٢:٠٠", "+1:00"):
        with pytest.raises(ValidationError):
            parse_clock(bad)


def test_audit_snapshots_of_entries_without_it_are_unchanged(rx, data_dir):
    """An entry without the new columns hashes as before schema 0007 (no new keys)."""
    rx.log(EntryInput(code="REC-ADM", date=date(2026, 11, 18)))
    con = sqlite3.connect(data_dir / "rxlog.sqlite3")
    after = json.loads(con.execute("SELECT after FROM audit").fetchone()[0])
    con.close()
    assert "admitted" not in after and "time" not in after


def test_a_0006_database_with_entries_is_migrated_and_reads_not_recorded(rx, data_dir):
    """A real data folder at schema 0006 (entries and their audit chain written, then the
    file taken back to 0006 by Alembic) opens at 0007: its rows NULL, its chain intact."""
    from alembic import command
    from alembic.config import Config

    from rxlog.service import RxLog
    from rxlog.storage.database import SCHEMA_HEAD, _make_engine, read_revision

    old = rx.log(EntryInput(code="REC-ADM", date=date(2026, 11, 18), count=2)).entry
    rx.log(EntryInput(code="INT-PRESC", date=date(2026, 11, 18), significance=4))
    rx.close()
    path = data_dir / "rxlog.sqlite3"
    engine = _make_engine(path)
    cfg = Config()
    cfg.set_main_option("script_location", "rxlog.storage:migrations")
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0006")
    engine.dispose()
    assert read_revision(path) == "0006"
    con = sqlite3.connect(path)
    assert "admitted" not in [r[1] for r in con.execute("PRAGMA table_info(entry)")]
    con.close()

    app = RxLog.open(data_dir, today=lambda: TODAY)
    try:
        assert read_revision(path) == SCHEMA_HEAD
        assert list((data_dir / "backups").glob("pre-migration-0006-*.sqlite3"))
        (e,) = [x for x in app.list_entries() if x.id == old.id]
        assert (e.admitted, e.time, e.count) == (None, None, 2)
        assert app.verify_audit().ok
        new = app.log(
            EntryInput(
                code="REC-ADM",
                date=date(2026, 11, 19),
                admitted=datetime(2026, 11, 19, 1, 30),
                time=time(9, 0),
            )  # fmt: skip
        ).entry
        assert new.admitted == datetime(2026, 11, 19, 1, 30)
        assert app.verify_audit().ok
    finally:
        app.close()


@pytest.mark.skipif(sys.platform == "win32", reason="time.tzset (setting the zone) is POSIX")
def test_the_night_the_clocks_go_back_counts_25_hours(monkeypatch):
    """25 Oct 2026, 02:00 BST becomes 01:00 GMT: 22:00 to 22:00 next day is 25 hours."""
    import time as systime

    from rxlog.entry_rules import qs120_minutes

    monkeypatch.setenv("TZ", "Europe/London")
    systime.tzset()
    try:
        assert qs120_minutes(date(2026, 10, 25), time(22, 0), datetime(2026, 10, 24, 22, 0)) == 1500
        assert qs120_minutes(date(2026, 3, 29), time(22, 0), datetime(2026, 3, 28, 22, 0)) == 1380
        assert qs120_minutes(date(2026, 11, 20), time(9, 0), datetime(2026, 11, 19, 9, 0)) == 1440
    finally:
        monkeypatch.undo()
        systime.tzset()


def test_an_absurd_year_is_refused_with_the_field_not_a_crash(rx):
    for year in (1, 1900, 2025):
        with pytest.raises(ValidationError) as exc:
            rx.log(
                EntryInput(
                    code="REC-ADM",
                    date=date(2026, 11, 18),
                    admitted=datetime(year, 11, 18, 8, 0),
                    time=time(9, 0),
                )  # fmt: skip
            )
        assert exc.value.field == "admitted" and "more than 28 days" in exc.value.message


def test_the_month_check_warns_of_admission_reconciliations_without_the_admission(ready):
    """QS120 in hospital cannot time an admission reconciliation without the admission
    time: the month check says how many, which, and how to add it."""
    from rxlog.ui.plain_words import for_gui, names_a_command

    timed = ready("log", "REC-ADM", "--date", "2026-11-18", "--admitted", "2026-11-17 22:40",
                  "--time", "09:15").out.strip()  # fmt: skip
    one = ready("log", "REC-ADM", "--date", "2026-11-18", "--time", "10:00").out.strip()
    three = ready("log", "REC-ADM", "--date", "2026-11-19", "--count", "3").out.strip()
    assert ready("log", "ACU-TTO", "--date", "2026-11-19").code == 0  # not a reconciliation
    r = ready("month", "check", "2026-11", "--format", "json")
    assert r.code == 0, r.err
    found = [f for f in json.loads(r.out)["findings"] if f["kind"] == "qs120_no_admission"]
    assert len(found) == 1
    f = found[0]
    assert f["severity"] == "warning" and set(f["entry_ids"]) == {one, three}
    assert f["message"].startswith("2 admission reconciliations (4 patients) without the time")
    assert "18 Nov REC-ADM" in f["message"] and "19 Nov REC-ADM" in f["message"]
    assert "ad:y@22:40" in f["message"] and "Patient admitted" in f["message"]
    assert f["command"].startswith("rxlog edit ID --admitted")
    assert timed not in f["entry_ids"]
    assert not names_a_command(for_gui(f["message"]))  # the Month dialog shows it as it is
    text = ready("month", "check", "2026-11").out
    assert "2 admission reconciliations" in text and "rxlog edit ID --admitted" in text
    # Fixed as the finding says: it goes.
    for entry_id in (one, three):
        r = ready("edit", entry_id[:8], "--admitted", "2026-11-17 23:50", "--time", "11:00",
                  "--reason", "admission time added")  # fmt: skip
        assert r.code == 0, r.err
    r = ready("month", "check", "2026-11", "--format", "json")
    assert "qs120_no_admission" not in {f["kind"] for f in json.loads(r.out)["findings"]}
