"""Dates as people type them (the parser every date field of the app uses; no Qt)."""

from __future__ import annotations

from datetime import date

import pytest

from rxlog.dates import day_text, parse_day
from rxlog.errors import ValidationError

TUE_1_DEC = date(2026, 12, 1)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("30/11", date(2026, 11, 30)),
        ("30/11/2026", date(2026, 11, 30)),
        ("30/11/26", date(2026, 11, 30)),
        ("1.12", date(2026, 12, 1)),
        ("30 Nov", date(2026, 11, 30)),
        ("30 november 2026", date(2026, 11, 30)),
        ("Nov 30", date(2026, 11, 30)),
        ("Mon 30 Nov 2026", date(2026, 11, 30)),
        ("2026-11-30", date(2026, 11, 30)),
        ("today", TUE_1_DEC),
        ("t", TUE_1_DEC),
        ("yesterday", date(2026, 11, 30)),
        ("Y", date(2026, 11, 30)),
        ("-2d", date(2026, 11, 29)),
        ("+3d", date(2026, 12, 4)),
        ("-1w", date(2026, 11, 24)),
        ("fri", date(2026, 11, 27)),
        ("tuesday", TUE_1_DEC),
        ("  30/11  ", date(2026, 11, 30)),
    ],
)
def test_a_day_typed_naturally(typed, meant):
    assert parse_day(typed, TUE_1_DEC) == meant


def test_no_year_means_the_latest_such_day_or_the_nearest():
    jan = date(2027, 1, 2)
    assert parse_day("30/12", jan) == date(2026, 12, 30)  # last week, not next December
    assert parse_day("3/1", jan, prefer="past") == date(2026, 1, 3)
    assert parse_day("3/1", jan, prefer="nearest") == date(2027, 1, 3)  # a placement's end
    assert parse_day("29/2", date(2028, 3, 1)) == date(2028, 2, 29)
    assert parse_day("29/2", date(2027, 3, 1)) == date(2024 + 4, 2, 29)  # only leap year near


@pytest.mark.parametrize(
    "typed", ["", "30", "31/11", "30/13", "30 Foo", "soon", "2026-13-01", "30 Nov 26x", "1/2/3/4"]
)
def test_not_a_date_names_the_field_and_shows_how(typed):
    with pytest.raises(ValidationError) as exc:
        parse_day(typed, TUE_1_DEC, field="discharge_received")
    assert exc.value.field == "discharge_received"
    assert "30/11" in exc.value.message and "yesterday" in exc.value.message


def test_one_date_style_on_screen():
    assert day_text(date(2026, 11, 3)) == "Tue 3 Nov 2026"
    assert parse_day(day_text(date(2026, 11, 3)), TUE_1_DEC) == date(2026, 11, 3)


def test_every_day_of_a_year_is_written_the_one_way_and_reads_back():
    from datetime import timedelta

    days = [TUE_1_DEC - timedelta(days=i) for i in range(366)]
    names = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    for d in days:
        text = day_text(d)
        assert text == f"{names[d.weekday()]} {d.day} {months[d.month - 1]} {d.year}"
        assert parse_day(text, TUE_1_DEC) == d


def test_day_names_are_english_whatever_the_locale():
    """strftime's %a/%b follow the PC's locale; the day parser reads English names."""
    import locale

    before = locale.setlocale(locale.LC_TIME)
    for name in ("de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "German_Germany.1252", "French"):
        try:
            locale.setlocale(locale.LC_TIME, name)
            break
        except locale.Error:
            continue
    else:
        pytest.skip("no other language's locale installed on this PC")
    try:
        assert day_text(date(2026, 12, 1)) == "Tue 1 Dec 2026"
    finally:
        locale.setlocale(locale.LC_TIME, before)
