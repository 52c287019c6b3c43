"""Changes to entries, each a small operation that returns what changed.

Views never call the core to write; they call these, and refresh on the one
``changed`` signal (the pattern of Anki's ``aqt/operations``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from rxlog import repeat
from rxlog.domain import ENTRY_FIELDS, EntryInput, EntryView, LogResult
from rxlog.settings import FAVOURITES

if TYPE_CHECKING:
    from rxlog.service import RxLog


@dataclass(frozen=True)
class Change:
    """What an operation changed: the entries touched and the days they are on."""

    kind: str  # log | edit | delete | restore | settings
    entry_ids: tuple[str, ...] = ()
    days: tuple[date, ...] = ()
    warnings: tuple[str, ...] = ()


UNDO_REASON = "undone (Ctrl+Z)"
REDO_REASON = "redone (Ctrl+Shift+Z)"
_FIELDS = ENTRY_FIELDS  # the fields a user sets, as the core declares them


@dataclass(frozen=True)
class Step:
    """One change to entries that Ctrl+Z can take back (and Ctrl+Shift+Z redo).

    ``what`` reads after "Undo"/"Redo": "delete of ACU-TTO on Fri 20 Nov"."""

    what: str
    undo: Callable[[], Change]
    redo: Callable[[], Change]


def _on(e: EntryView) -> str:
    return f"{e.code} on {e.date:%a %d %b}"


def _diff(before: EntryView, after: EntryView) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields an edit changed: (their old values, their new values)."""
    old = {f: getattr(before, f) for f in _FIELDS if getattr(before, f) != getattr(after, f)}
    return old, {f: getattr(after, f) for f in old}


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
        self.undo_steps: list[Step] = []
        self.redo_steps: list[Step] = []

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

    # -- undo and redo ---------------------------------------------------------------
    def _done(self, step: Step) -> None:
        self.undo_steps.append(step)
        del self.undo_steps[:-50]
        self.redo_steps.clear()

    def undo(self) -> Step:
        """Take back the last change to entries; the step undone (raises if none)."""
        from rxlog.errors import ValidationError

        if not self.undo_steps:
            raise ValidationError("there is no change to entries to undo", field="undo")
        step = self.undo_steps[-1]
        self._emit(step.undo())  # a refusal (e.g. a locked month) leaves the stack as it was
        self.redo_steps.append(self.undo_steps.pop())
        return step

    def redo(self) -> Step:
        from rxlog.errors import ValidationError

        if not self.redo_steps:
            raise ValidationError("there is nothing undone to redo", field="redo")
        step = self.redo_steps[-1]
        self._emit(step.redo())
        self.undo_steps.append(self.redo_steps.pop())
        return step

    def _logged_step(self, views: list[EntryView]) -> Step:
        ids = tuple(v.id for v in views)
        days = tuple({v.date for v in views})

        def undo() -> Change:
            for i in ids:
                self.app.delete(i, UNDO_REASON)
            return Change("delete", ids, days)

        def redo() -> Change:
            for i in ids:
                self.app.restore(i, REDO_REASON)
            return Change("restore", ids, days)

        what = _on(views[0]) if len(views) == 1 else f"{len(views)} entries"
        return Step(f"logging {what}", undo, redo)

    # -- writes -----------------------------------------------------------------------
    def log(self, item: EntryInput) -> LogResult:
        result = self.app.log(item)
        self.last_logged = result.entry
        self._note_recent(result.entry.code)
        self._done(self._logged_step([result.entry]))
        self._emit(Change("log", (result.entry.id,), (result.entry.date,), result.warnings))
        return result

    def log_many(self, items: list[EntryInput]) -> list[LogResult]:
        results = self.app.log_many(items)
        if results:
            self.last_logged = results[-1].entry
            for r in results:
                self._note_recent(r.entry.code)
            self._done(self._logged_step([r.entry for r in results]))
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
        old, new = _diff(before, result.entry)
        eid = before.id

        def undo() -> Change:
            self.app.edit(eid, old, UNDO_REASON)
            return Change("edit", (eid,), days)

        def redo() -> Change:
            self.app.edit(eid, new, REDO_REASON)
            return Change("edit", (eid,), days)

        self._done(Step(f"the edit of {_on(before)}", undo, redo))
        self._emit(Change("edit", (entry_id,), days, result.warnings))
        return result

    def delete(self, entry_id: str, reason: str) -> EntryView:
        gone = self.app.delete(entry_id, reason)
        self.last_deleted = gone

        def undo() -> Change:
            self.app.restore(gone.id, UNDO_REASON)
            return Change("restore", (gone.id,), (gone.date,))

        def redo() -> Change:
            self.app.delete(gone.id, f"{REDO_REASON}: {reason}")
            return Change("delete", (gone.id,), (gone.date,))

        self._done(Step(f"the delete of {_on(gone)}", undo, redo))
        self._emit(Change("delete", (gone.id,), (gone.date,)))
        return gone

    def repeat_last(self, day: date) -> LogResult:
        """Log the last entry again, on ``day`` (the core's rule, ``rxlog.repeat``; the
        last one this window logged, so an undone repeat is not what is repeated)."""
        if self.last_logged is None:
            self.last_logged = repeat.last_entry(self.app)
        return self.log(repeat.again_on(self.last_logged, day))

    def copy_day(self, source: date, target: date) -> list[LogResult]:
        """Log every entry of ``source`` again on ``target`` (all or nothing)."""
        return self.log_many(repeat.day_inputs(self.app, source, target))

    def set_favourites(self, codes: list[str]) -> None:
        from rxlog.quick_entry import dump_favourites

        self.app.settings[FAVOURITES] = dump_favourites(codes)
        self._emit(Change("settings"))
