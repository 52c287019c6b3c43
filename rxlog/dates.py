"""Parsing the dates and months a user types."""

from __future__ import annotations

import calendar
import re
from datetime import date

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
