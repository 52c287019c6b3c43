"""The main window's running timer: its row under quick entry, start, stop (asking what
to keep when it ran over a night or a long gap), the minute heartbeat, and logging its
minutes. The timer itself is kept by :class:`rxlog.timers.TimerStore` (in the settings,
so it survives a restart); this only shows and drives it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from rxlog.errors import RxlogError

if TYPE_CHECKING:
    from rxlog.domain import EntryInput, LogResult
    from rxlog.taxonomy import Taxonomy
    from rxlog.timers import TimerStore

HEARTBEAT_MS = 60_000  # rxlog.timers.HEARTBEAT (a test keeps them equal)
_CALM, _ASKING = "background: #e8f1fb;", "background: #fff4ce;"


def _now() -> datetime:
    return datetime.now().astimezone()


class TimerController:
    """The timer row (``box``, ``label``, ``stop_button``) and what it does.

    ``log`` stores an entry (the window's operations, so Ctrl+Z can take it back);
    ``logged``, ``said`` and ``failed`` report back to the window: the entry logged, a
    status-line message, an error about a field.
    """

    def __init__(
        self,
        parent: QWidget,
        taxonomy: Taxonomy,
        log: Callable[[EntryInput], LogResult],
        logged: Callable[[LogResult], None],
        said: Callable[[str], None],
        failed: Callable[[str, str], None],
    ) -> None:
        self.parent = parent
        self.taxonomy = taxonomy
        self.store: TimerStore | None = None
        self._log, self._logged, self._said, self._failed = log, logged, said, failed
        row = QHBoxLayout()
        self.label = QLabel()
        self.label.setAccessibleName("Running timer")
        self.label.setWordWrap(True)
        self.stop_button = QPushButton("Stop timer")
        self.stop_button.setToolTip("Stop the timer and log its minutes (Ctrl+Shift+T)")
        self.stop_button.clicked.connect(lambda: self.stop())
        row.addWidget(self.label, 1)
        row.addWidget(self.stop_button)
        self.box = QWidget()
        self.box.setLayout(row)
        self.box.setStyleSheet(_CALM)

    def attach(self, store: TimerStore) -> None:
        self.store = store

    def show(self, now: datetime | None = None) -> None:
        """The row, while a timer runs: its code and minutes, and a warning when it has
        run over a night or a long gap (caught as soon as seen, not only when stopped)."""
        t = self.store.current() if self.store is not None else None
        if t is None:
            self.box.hide()
            return
        from rxlog.timers import review

        now = now or _now()
        text = (
            f"⏱ Timer on {t.code}: {t.elapsed_minutes(now)} min since "
            f"{t.started_at.astimezone():%a %H:%M}"
        )
        r = review(t, now)
        if r.needs_asking:
            text += f" – {'; '.join(r.reasons())}. Stop it to choose what to keep."
            self.box.setStyleSheet(_ASKING)
        else:
            self.box.setStyleSheet(_CALM)
        self.label.setText(text)
        self.box.show()

    def start(self, code: str, note: str | None, now: datetime | None = None) -> bool:
        """Start timing ``code``; ``False`` (the error reported) if it cannot."""
        assert self.store is not None
        try:
            self.store.start(code, now or _now(), note)
        except RxlogError as exc:
            self._failed("code", exc.message)
            return False
        return True

    def stop(self, now: datetime | None = None) -> QWidget | None:
        """Stop and log the minutes; over a night or a long gap, open (and return) the
        dialog that asks what to keep."""
        t = self.store.current() if self.store is not None else None
        if t is None:
            self._said("No timer is running")
            return None
        now = now or _now()
        from rxlog.timers import review

        r = review(t, now)
        if not r.needs_asking:
            self.log_minutes(r.day, r.choices[0].minutes)
            return None
        from rxlog.ui.timer_dialog import TimerReviewDialog

        code = self.taxonomy.get(t.code)
        dlg = TimerReviewDialog(r, code.title if code else t.code, self.parent)
        dlg.accepted.connect(lambda: self.log_minutes(r.day, dlg.minutes))
        dlg.open()
        return dlg

    def log_minutes(self, day: date, minutes: int) -> None:
        """Log the running timer's ``minutes`` on ``day`` (none: discard it)."""
        assert self.store is not None
        t = self.store.current()
        if t is None:
            return
        if minutes <= 0:
            self.store.clear()
            self.show()
            self._said(f"Timer on {t.code} discarded; nothing logged")
            return
        from rxlog.domain import EntryInput

        try:
            result = self._log(EntryInput(t.code, day, minutes=minutes, note=t.note))
        except RxlogError as exc:
            self._failed(exc.field or "code", f"the timer was not logged: {exc.message}")
            return
        self.store.clear()
        self.show()
        self._logged(result)

    def heartbeat(self, now: datetime) -> None:
        """Every minute: note that the timer is still alive, and update its row."""
        if self.store is not None and self.store.current() is not None:
            self.store.heartbeat(now)
            self.show(now)
