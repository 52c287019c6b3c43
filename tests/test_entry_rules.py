"""Each of the entry checks on its own (rxlog.entry_rules), with no database: what it
accepts, what it refuses and the field it names; then ``validate`` as their sum."""

from __future__ import annotations

from datetime import date

import pytest

from rxlog import entry_rules as r
from rxlog.domain import EntryInput, PlacementView
from rxlog.errors import LockedMonthError, NotFoundError, ValidationError
from rxlog.taxonomy import current_taxonomy

TAX = current_taxonomy()
TODAY = date(2026, 11, 20)
GP = PlacementView(
    1, "G82001", "gp", "Test Surgery", "primary", date(2026, 9, 1), date(2026, 10, 31)
)
TRUST = PlacementView(2, "RPA", "trust", "Medway", "secondary", date(2026, 11, 1), None)
PLACES = (GP, TRUST)


class Lookups:
    def __init__(self, locks=None, logged=0):
        self.locks = locks or {}
        self.logged = logged
        self.asked: list = []

    def month_lock(self, month):
        return self.locks.get(month)

    def minutes_logged(self, day, exclude_id):
        self.asked.append((day, exclude_id))
        return self.logged


def refused(fn, *args, field, words, kind=ValidationError, **kw):
    with pytest.raises(kind) as exc:
        fn(*args, **kw)
    assert exc.value.field == field
    assert words in exc.value.message
    return exc.value


@pytest.mark.parametrize(
    ("value", "want"), [(None, None), ("", None), (7, 7), (" 12 ", 12), ("-3", -3), ("+4", 4)]
)
def test_whole_number_takes_plain_digits(value, want):
    assert r.whole_number(value, "minutes") == want


@pytest.mark.parametrize("value", ["1_0", "٣", "1.5", "ten", True])
def test_whole_number_refuses_anything_else(value):
    refused(r.whole_number, value, "count", field="count", words="whole number")


def test_check_code():
    assert r.check_code(TAX, " qry-pat ").code == "QRY-PAT"
    refused(r.check_code, TAX, "  ", field="code", words="is required")
    refused(r.check_code, TAX, "NOPE-1", field="code", words="not a code", kind=NotFoundError)


def test_check_code_retired_only_when_allowed():
    from dataclasses import replace

    retired = replace(TAX.get("QRY-PAT"), retired_in="2027.1", replaced_by="QRY-CP")

    class OneCode:
        version = "2027.1"

        def get(self, code):
            return retired if code == "QRY-PAT" else None

    e = refused(
        r.check_code, OneCode(), "qry-pat", field="code", words="retired in taxonomy 2027.1"
    )
    assert "use QRY-CP instead" in e.message
    assert r.check_code(OneCode(), "QRY-PAT", may_be_retired=True) is retired


def test_check_day():
    assert r.check_day(None, TODAY) == TODAY
    assert r.check_day(date(2026, 1, 1), TODAY) == date(2026, 1, 1)
    refused(r.check_day, date(2026, 11, 21), TODAY, field="date", words="in the future")
    refused(r.check_day, "2026-11-01", TODAY, field="date", words="must be a date")


def test_covering_placement():
    assert r.covering_placement(PLACES, date(2026, 10, 31)) is GP
    assert r.covering_placement(PLACES, date(2027, 5, 1)) is TRUST
    refused(r.covering_placement, PLACES, date(2026, 8, 31), field="date", words="no placement")


def test_month_lock_problem():
    assert r.month_lock_problem(Lookups(), TODAY) is None
    assert r.month_lock_problem(Lookups({"2026-11": (3, False)}), TODAY) is None  # reopened
    problem = r.month_lock_problem(Lookups({"2026-11": (3, True)}), TODAY)
    assert isinstance(problem, LockedMonthError)
    assert problem.field == "date" and "return v3" in problem.message


def test_check_site():
    day = date(2026, 11, 3)
    assert r.check_site(PLACES, None, day, TRUST) is TRUST
    assert r.check_site(PLACES, " g82001 ", day, TRUST) is GP  # named: its last placement
    refused(r.check_site, PLACES, "X99999", day, TRUST, field="site", words="not one of your")
    refused(r.check_site, PLACES, "!!", day, TRUST, field="site", words="")


def test_check_sector():
    r.check_sector(TAX.get("SAF-HRD"), GP)
    refused(r.check_sector, TAX.get("SAF-HRD"), TRUST, field="code", words="primary-care activity")


def test_check_minutes():
    code = TAX.get("QRY-PAT")
    assert r.check_minutes(None, code) == code.default_minutes
    assert r.check_minutes("720", code) == r.MAX_MINUTES
    for bad in (0, 721):
        refused(r.check_minutes, bad, code, field="minutes", words="out of range")


def test_check_count():
    assert r.check_count(None, TAX.get("QRY-PAT")) == 1
    assert r.check_count("0", TAX.get("QRY-PAT")) == 0
    assert r.check_count(None, TAX.get("QRY-CLIN")) is None
    refused(r.check_count, 1, TAX.get("QRY-CLIN"), field="count", words="counts nothing")
    refused(r.check_count, -1, TAX.get("QRY-PAT"), field="count", words="negative")
    refused(r.check_count, r.MAX_COUNT + 1, TAX.get("QRY-PAT"), field="count", words="more than")


def test_check_grading_allowed():
    r.check_grading_allowed(TAX.get("INT-PRESC"), {"harm": "B"})
    r.check_grading_allowed(TAX.get("QRY-PAT"), {"harm": None, "outcome": None})
    e = refused(
        r.check_grading_allowed,
        TAX.get("QRY-PAT"),
        {"significance": None, "harm": "B", "outcome": "accepted"},
        field="harm",
        words="takes no harm, outcome",
    )
    assert "not an intervention" in e.message


def test_the_scales():
    assert r.check_significance(6) == 6 and r.check_significance(None) is None
    refused(r.check_significance, 7, field="significance", words="Eadon")
    assert r.check_harm("I") == "I"
    refused(r.check_harm, "J", field="harm", words="NCC MERP")
    assert r.check_released(0) == 0 and r.check_released(r.MAX_MINUTES) == r.MAX_MINUTES
    refused(r.check_released, -1, field="released_minutes", words="out of range")
    assert r.check_outcome("pending") == "pending"
    refused(r.check_outcome, "maybe", field="outcome", words="not an outcome")


def test_check_discharge():
    rec, day = TAX.get("REC-DIS"), date(2026, 10, 20)
    assert r.check_discharge(None, TAX.get("QRY-PAT"), day) is None
    assert r.check_discharge(date(2026, 10, 18), rec, day) == date(2026, 10, 18)
    f = "discharge_received"
    refused(r.check_discharge, "2026-10-18", rec, day, field=f, words="must be a date")
    refused(r.check_discharge, date(2026, 10, 18), TAX.get("QRY-PAT"), day, field=f,
            words="does not take")  # fmt: skip
    refused(r.check_discharge, date(2026, 10, 21), rec, day, field=f, words="is after")
    refused(r.check_discharge, date(2025, 10, 19), rec, day, field=f, words="check the year")


def test_check_note():
    warnings: list[str] = []
    assert r.check_note("   ", warnings) is None
    assert r.check_note(" call back ", warnings) == "call back" and warnings == []
    assert r.check_note("re 943 476 5919", warnings) == "re 943 476 5919"
    assert warnings == [r.NOTE_PID_WARNING]
    refused(r.check_note, "x" * (r.MAX_NOTE + 1), [], field="note", words="longer than")


def test_check_day_total():
    lookups = Lookups(logged=r.DAY_MINUTES - 10)
    r.check_day_total(lookups, TODAY, 10, "abc")
    assert lookups.asked == [(TODAY, "abc")]
    refused(r.check_day_total, lookups, TODAY, 11, None, field="minutes", words="24 hours")


def _ctx():
    return r.Context(TAX, TODAY, PLACES, ())


def test_validate_is_the_sum_of_the_checks():
    columns, warnings = r.validate(
        Lookups(), _ctx(), EntryInput("INT-PRESC", significance="4", harm="d", outcome="Accepted")
    )
    stored = columns.as_dict()
    assert {k: v for k, v in stored.items() if v is not None} == {
        "date": "2026-11-20", "site": "RPA", "sector": "secondary", "code": "INT-PRESC",
        "minutes": TAX.get("INT-PRESC").default_minutes, "count": 1, "significance": 4,
        "significance_scale": "Eadon 1992 (1-6)", "harm": "D",
        "harm_scale": "NCC MERP index (A-I)", "outcome": "accepted",
    }  # fmt: skip
    # Every other column (released minutes, discharge date, note, and any added later
    # that an intervention does not set) is there and empty.
    assert {"released_minutes", "discharge_received", "note"} <= set(stored)
    assert warnings == []


def test_validate_reports_the_first_problem_in_a_fixed_order():
    # A bad code comes before a bad date; a lock before a bad site; the day total last.
    refused(r.validate, Lookups(), _ctx(), EntryInput("NOPE-1", date(2030, 1, 1)), field="code",
            words="not a code", kind=NotFoundError)  # fmt: skip
    locked = Lookups({"2026-11": (1, True)})
    refused(r.validate, locked, _ctx(), EntryInput("QRY-PAT", site="X99999"), field="date",
            words="signed off", kind=LockedMonthError)  # fmt: skip
    columns, _ = r.validate(locked, _ctx(), EntryInput("QRY-PAT"), allow_locked=True)
    assert columns.date == "2026-11-20"
    full = Lookups(logged=r.DAY_MINUTES)
    refused(r.validate, full, _ctx(), EntryInput("QRY-PAT", note="x" * 3000), field="note",
            words="longer than")  # fmt: skip
    refused(r.validate, full, _ctx(), EntryInput("QRY-PAT"), field="minutes", words="24 hours")


def test_an_admission_is_checked_against_the_entrys_own_date_and_time():
    """NICE QS120 in acute care: the admission date-time and the time done, as stored."""
    from dataclasses import replace
    from datetime import datetime, time

    ctx = replace(_ctx(), now=datetime(2026, 11, 20, 15, 0))
    item = EntryInput("REC-ADM", date(2026, 11, 19), admitted=datetime(2026, 11, 18, 22, 40),
                      time=time(9, 5))  # fmt: skip
    columns, _ = r.validate(Lookups(), ctx, item)
    assert (columns.admitted, columns.time) == ("2026-11-18 22:40", "09:05")
    assert r.qs120_minutes(date(2026, 11, 19), time(9, 5), datetime(2026, 11, 18, 22, 40)) == 625
    today = EntryInput("REC-ADM", admitted=datetime(2026, 11, 20, 7, 0))  # time: now
    assert r.validate(Lookups(), ctx, today)[0].time == "15:00"
    refused(r.validate, Lookups(), ctx,
            EntryInput("REC-ADM", admitted=datetime(2026, 11, 20, 15, 1)),
            field="admitted", words="in the future")  # fmt: skip
