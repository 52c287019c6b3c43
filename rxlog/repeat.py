"""Log again what was logged before: the last entry, or every entry of a day.

The app's Ctrl+R ("Repeat last entry") and Ctrl+Shift+C ("Copy a day to today") and the
CLI's ``rxlog repeat-last`` and ``rxlog copy-day`` are the same rules, here: the copy
keeps the code, minutes, count, grades, outcome, QS120 date and note, takes the new
day, and takes its site from the placement of that day (not the original's).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from rxlog.domain import EntryInput, EntryView
from rxlog.errors import ValidationError

if TYPE_CHECKING:
    from rxlog.service import RxLog


def entry_input(e: EntryView, day: date | None = None) -> EntryInput:
    """What ``e`` was logged with (on ``day`` instead, when given)."""
    return EntryInput(
        code=e.code,
        date=day or e.date,
        site=e.site,
        minutes=e.minutes,
        count=e.count,
        significance=e.significance,
        harm=e.harm,
        released_minutes=e.released_minutes,
        outcome=e.outcome,
        discharge_received=e.discharge_received,
        note=e.note,
    )


def again_on(e: EntryView, day: date) -> EntryInput:
    """``e`` logged again on ``day``, at that day's placement."""
    return replace(entry_input(e, day), site=None)


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
