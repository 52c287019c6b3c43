"""Log again what was logged before: the last entry, or every entry of a day.

The app's Ctrl+R ("Repeat last entry") and Ctrl+Shift+C ("Copy a day to today") and the
CLI's ``rxlog repeat-last`` and ``rxlog copy-day`` are the same rules, here: the copy
keeps the code, minutes, count, grades, outcome, QS120 date and note, takes the new
day, and takes its site from the placement of that day (not the original's).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from rxlog.domain import ENTRY_FIELDS, EntryInput, EntryView
from rxlog.errors import ValidationError

if TYPE_CHECKING:
    from rxlog.service import RxLog


# What a repeat copies: what the entry was logged with, but its day and placement (the
# new day's) and the admission's date-time and the time of day (another patient's).
_COPIED = tuple(f for f in ENTRY_FIELDS if f not in ("date", "site", "admitted", "time"))


def again_on(e: EntryView, day: date) -> EntryInput:
    """``e`` logged again on ``day``, at that day's placement."""
    return EntryInput(date=day, **{f: getattr(e, f) for f in _COPIED})


def last_entry(app: RxLog) -> EntryView:
    """The entry logged most recently (of those not deleted)."""
    recent = app.page_ids(0, 1)
    if not recent:
        raise ValidationError("nothing has been logged yet to repeat", field="repeat")
    return app.get(recent[0])


def day_inputs(app: RxLog, source: date, target: date) -> list[EntryInput]:
    """Every entry of ``source``, to be logged again on ``target``."""
    items = app.list_entries(source, source)
    if not items:
        raise ValidationError(f"{source} has no entries to copy", field="date")
    return [again_on(e, target) for e in items]
