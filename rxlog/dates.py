"""Parsing the dates and months a user types."""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, time, timedelta

from rxlog.errors import ValidationError

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_date(text: str | date, field: str = "date") -> date:
    if isinstance(text, date):
        return text
    bad = ValidationError(f"{text!r} is not a date: use YYYY-MM-DD", field=field)
    # Only YYYY-MM-DD: date.fromisoformat would also take 20261005 or 2026-W41-1.
    if not isinstance(text, str) or not _DATE.fullmatch(text.strip()):
        raise bad
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise bad from None


def parse_month(text: str, field: str = "month") -> tuple[date, date]:
    """First and last day of a ``YYYY-MM`` month."""
    m = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValidationError(f"{text!r} is not a month: use YYYY-MM", field=field)
    year, month = int(m.group(1)), int(m.group(2))
    if year < 1:  # date() has no year 0
        raise ValidationError(f"{text!r} is not a month: use YYYY-MM", field=field)
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def month_of(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


_MONTHS = {
    name: i
    for i, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_WEEKDAYS = {
    name: i
    for i, names in enumerate(
        (
            ("mon", "monday"),
            ("tue", "tues", "tuesday"),
            ("wed", "wednesday"),
            ("thu", "thur", "thurs", "thursday"),
            ("fri", "friday"),
            ("sat", "saturday"),
            ("sun", "sunday"),
        )
    )
    for name in names
}
DAY_HINT = "type e.g. 30/11, 30 Nov 2026, yesterday, -2d or 2026-11-30"


def month_range(first: str, last: str) -> list[str]:
    """Every ``YYYY-MM`` from ``first`` to ``last``, both included (empty if reversed)."""
    y, m = int(first[:4]), int(first[5:])
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


_DAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_text(d: date) -> str:
    """The one way a day is written on screen: ``Mon 30 Nov 2026``.

    English names, as the day parser reads them, whatever the PC's locale (``strftime``'s
    ``%a``/``%b`` follow it: another language's names would not read back), and ~30x
    faster than ``strftime`` (a history paint writes one for every row it shows)."""
    return f"{_DAY_ABBR[d.weekday()]} {d.day} {_MONTH_ABBR[d.month - 1]} {d.year}"


def _year_for(day: int, month: int, today: date, prefer: str) -> date:
    """The date with no year typed: the latest one not after today (``past``), or the
    one nearest today (``nearest``: a placement may end next year)."""
    candidates = []
    for year in (today.year - 1, today.year, today.year + 1):
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            continue
    if not candidates:
        raise ValueError("no such day")
    if prefer == "past":
        past = [c for c in candidates if c <= today]
        return max(past) if past else min(candidates)
    return min(candidates, key=lambda c: (abs((c - today).days), c))


def parse_day(text: str, today: date, field: str = "date", prefer: str = "past") -> date:
    """A day as people type it: ``30/11``, ``30/11/26``, ``30 Nov``, ``Mon 30 Nov 2026``,
    ``2026-11-30``, ``today``/``t``, ``yesterday``/``y``, ``-2d`` (two days ago),
    ``+3d``, ``-1w``, or a weekday (``fri``: the last Friday, today included).

    A day and month without a year are the latest such day not after today, or with
    ``prefer="nearest"`` the one nearest today. Day before month, as in the UK."""
    raw = (text or "").strip()
    low = raw.lower().rstrip(".")
    bad = ValidationError(f"{raw!r} is not a date: {DAY_HINT}", field=field)
    if not low:
        raise ValidationError(f"a date is required: {DAY_HINT}", field=field)
    if low in ("t", "today"):
        return today
    if low in ("y", "yday", "yesterday"):
        return today - timedelta(days=1)
    if low == "tomorrow":
        return today + timedelta(days=1)
    m = re.fullmatch(r"([+-])(\d{1,4})([dw])", low)
    if m:
        n = int(m.group(2)) * (7 if m.group(3) == "w" else 1)
        return today + timedelta(days=n if m.group(1) == "+" else -n)
    if low in _WEEKDAYS:
        back = (today.weekday() - _WEEKDAYS[low]) % 7
        return today - timedelta(days=back)
    try:
        if _DATE.fullmatch(low):
            return date.fromisoformat(low)
        m = re.fullmatch(r"(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2}|\d{4}))?", low)
        if m:
            day, month = int(m.group(1)), int(m.group(2))
            if m.group(3) is None:
                return _year_for(day, month, today, prefer)
            year = int(m.group(3))
            return date(year + 2000 if year < 100 else year, month, day)
        words = re.split(r"[\s,]+", low)
        if words and words[0] in _WEEKDAYS and len(words) > 1:
            words = words[1:]  # "Mon 30 Nov 2026": the weekday is read past
        if len(words) in (2, 3):
            if words[0].isdigit() and words[1] in _MONTHS:
                day, month = int(words[0]), _MONTHS[words[1]]
            elif words[1].isdigit() and words[0] in _MONTHS:
                day, month = int(words[1]), _MONTHS[words[0]]
            else:
                raise bad
            if len(words) == 2:
                return _year_for(day, month, today, prefer)
            if not re.fullmatch(r"\d{4}", words[2]):
                raise bad
            return date(int(words[2]), month, day)
    except ValueError:
        raise bad from None
    raise bad


_CLOCK = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")
_DATE_TIME = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})[ T]([0-9]{2}:[0-9]{2})")


def parse_clock(text: str | time, field: str = "time") -> time:
    """A time of day typed ``HH:MM`` (24-hour clock, as the NHS writes it); ``9:05`` too."""
    if isinstance(text, time):
        return text
    raw = text.strip() if isinstance(text, str) else ""
    if len(raw) == 4 and raw[1:2] == ":":
        raw = "0" + raw
    m = _CLOCK.fullmatch(raw)
    if not m:
        raise ValidationError(f"{text!r} is not a time: use HH:MM (24-hour clock)", field=field)
    return time(int(m.group(1)), int(m.group(2)))


def parse_date_time(text: str | datetime, field: str = "admitted") -> datetime:
    """A date and time typed ``YYYY-MM-DD HH:MM`` (a ``T`` between them is taken too)."""
    if isinstance(text, datetime):
        return text.replace(second=0, microsecond=0, tzinfo=None)
    raw = text.strip() if isinstance(text, str) else ""
    bad = ValidationError(
        f"{text!r} is not a date and time: use 'YYYY-MM-DD HH:MM' (24-hour clock)", field=field
    )
    m = _DATE_TIME.fullmatch(raw)
    if not m:
        raise bad
    try:
        day = parse_date(m.group(1), field)
        clock = parse_clock(m.group(2), field)
    except ValidationError:
        raise bad from None
    return datetime.combine(day, clock)


def date_time_text(value: datetime) -> str:
    """The one way a date-time is stored and written: ``2026-11-19 08:30``."""
    return value.strftime("%Y-%m-%d %H:%M")


def parse_day_time(text: str, today: date, field: str = "admitted") -> datetime:
    """A day and a time as people type them in a field: the day as :func:`parse_day`
    reads it, then the time (``y 22:40``, ``19/11 08:05``, ``Thu 19 Nov 2026 22:40``,
    ``2026-11-19 22:40``, ``y@22:40``), or a time alone for today (``07:15``)."""
    raw = (text or "").strip()
    hint = "type the day and the time, e.g. 'y 22:40', '19/11 08:05' or '07:15' (today)"
    if not raw:
        raise ValidationError(f"a date and time are required: {hint}", field=field)
    head, _sep, clock = raw.replace("@", " ").rpartition(" ")
    try:
        when = parse_clock(clock, field)
        day = parse_day(head, today, field) if head.strip() else today
    except ValidationError:
        raise ValidationError(f"{raw!r} is not a date and time: {hint}", field=field) from None
    return datetime.combine(day, when)
