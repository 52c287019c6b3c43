"""Changes to entries, each a small operation that returns what changed.

Views never call the core to write; they call these, and refresh on the one
``changed`` signal (the pattern of Anki's ``aqt/operations``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from rxlog.domain import EntryInput, EntryView, LogResult

if TYPE_CHECKING:
    from rxlog.service import RxLog


@dataclass(frozen=True)
class Change:
    """What an operation changed: the entries touched and the days they are on."""

    kind: str  # log | edit | delete | restore | settings
    entry_ids: tuple[str, ...] = ()
    days: tuple[date, ...] = ()
    warnings: tuple[str, ...] = ()


def _as_input(e: EntryView, day: date | None = None) -> EntryInput:
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


class Operations(QObject):
    """The writes the app makes, over an ``RxLog``.

    Signals:
        changed(Change): after any successful write; views refresh from it.
    """

    changed = Signal(object)

    def __init__(self, app: RxLog, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.last_logged: EntryView | None = None
        self.last_deleted: EntryView | None = None
        self._recents: list[str] | None = None

    # -- reads kept here so the views share one cache -------------------------------
    def recents(self) -> list[str]:
        """Recently logged codes, newest first (read once, then kept up to date here:
        grouping a million entries on every keystroke would be too slow)."""
        if self._recents is None:
            from datetime import timedelta

            since = self.app.today() - timedelta(days=60)
            self._recents = self.app.recent_codes(10, since=since)
        return self._recents

    def _note_recent(self, code: str) -> None:
        rec = [c for c in self.recents() if c != code]
        self._recents = [code, *rec][:10]

    def _emit(self, change: Change) -> Change:
        self.changed.emit(change)
        return change

    # -- writes -----------------------------------------------------------------------
    def log(self, item: EntryInput) -> LogResult:
        result = self.app.log(item)
        self.last_logged = result.entry
        self._note_recent(result.entry.code)
        self._emit(Change("log", (result.entry.id,), (result.entry.date,), result.warnings))
        return result

    def log_many(self, items: list[EntryInput]) -> list[LogResult]:
        results = self.app.log_many(items)
        if results:
            self.last_logged = results[-1].entry
            for r in results:
                self._note_recent(r.entry.code)
            self._emit(
                Change(
                    "log",
                    tuple(r.entry.id for r in results),
                    tuple({r.entry.date for r in results}),
                    tuple(w for r in results for w in r.warnings),
                )
            )
        return results

    def edit(self, entry_id: str, changes: dict[str, Any], reason: str) -> LogResult:
        before = self.app.get(entry_id)
        result = self.app.edit(entry_id, changes, reason)
        days = tuple({before.date, result.entry.date})
        self._emit(Change("edit", (entry_id,), days, result.warnings))
        return result

    def delete(self, entry_id: str, reason: str) -> EntryView:
        gone = self.app.delete(entry_id, reason)
        self.last_deleted = gone
        self._emit(Change("delete", (gone.id,), (gone.date,)))
        return gone

    def undo_delete(self) -> EntryView:
        from rxlog.errors import ValidationError

        if self.last_deleted is None:
            raise ValidationError("there is no delete to undo", field="undo")
        back = self.app.restore(self.last_deleted.id, "undo delete")
        self.last_deleted = None
        self._emit(Change("restore", (back.id,), (back.date,)))
        return back

    def repeat_last(self, day: date) -> LogResult:
        """Log the last entry again, on ``day``."""
        from rxlog.errors import ValidationError

        if self.last_logged is None:
            recent = self.app.page_ids(0, 1)
            if not recent:
                raise ValidationError("nothing has been logged yet to repeat", field="repeat")
            self.last_logged = self.app.get(recent[0])
        return self.log(replace(_as_input(self.last_logged, day), site=None))

    def copy_day(self, source: date, target: date) -> list[LogResult]:
        """Log every entry of ``source`` again on ``target`` (all or nothing)."""
        from rxlog.errors import ValidationError

        items = self.app.list_entries(source, source)
        if not items:
            raise ValidationError(f"{source} has no entries to copy", field="date")
        return self.log_many([replace(_as_input(e, target), site=None) for e in items])

    def set_favourites(self, codes: list[str]) -> None:
        from rxlog.quick_entry import dump_favourites

        self.app.set_setting("favourites", dump_favourites(codes))
        self._emit(Change("settings"))
