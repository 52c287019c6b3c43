"""A date field that takes a day as people type it: ``30/11``, ``yesterday``, ``-2d``.

One Tab stop (a QDateEdit has a section per part, and typing "30" jumped to the month).
The text is read by :func:`rxlog.dates.parse_day` (the core's parser, tested without
Qt); once read it is shown the one way dates are written on screen, ``Mon 30 Nov 2026``.
Up/Down move a day. A typo is kept as typed, marked, and refused with its field's name
when the form is saved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QWidget

from rxlog.dates import DAY_HINT, day_text, parse_day
from rxlog.errors import ValidationError

_BAD_STYLE = "QLineEdit { border: 2px solid #b00020; }"


def _mark_bad(field: QLineEdit, exc: ValidationError) -> None:
    field.setStyleSheet(_BAD_STYLE)
    field.setToolTip(exc.message)


class DateField(QLineEdit):
    """``date()`` (raises ``ValidationError`` naming ``field``) and ``setDate(d)``.

    Signals:
        dateChanged(object): the day read changed (a ``datetime.date``).
    """

    dateChanged = Signal(object)  # noqa: N815 (QDateEdit's name)

    def __init__(
        self,
        value: dt.date,
        today: Callable[[], dt.date],
        field: str = "date",
        prefer: str = "past",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._today = today
        self._field = field
        self._prefer = prefer
        self.setPlaceholderText(DAY_HINT[len("type ") :])
        self.setToolTip("A date: " + DAY_HINT + ". Up/Down: a day later or earlier.")
        self.setDate(value)
        self.editingFinished.connect(self.tidy)

    def date(self) -> dt.date:
        return parse_day(self.text(), self._today(), self._field, self._prefer)

    def setDate(self, value: dt.date) -> None:  # noqa: N802 (QDateEdit's name)
        before = self.text()
        self.setText(day_text(value))
        self.setStyleSheet("")
        if self.text() != before:
            self.dateChanged.emit(value)

    def is_valid(self) -> bool:
        try:
            self.date()
        except ValidationError:
            return False
        return True

    def tidy(self) -> None:
        """Show what was read, the one way (or mark a typo)."""
        try:
            self.setDate(self.date())
        except ValidationError as exc:
            _mark_bad(self, exc)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        step = {Qt.Key.Key_Up: 1, Qt.Key.Key_Down: -1}.get(Qt.Key(event.key()))
        if step is not None and self.is_valid():
            self.setDate(self.date() + dt.timedelta(days=step))
            return
        super().keyPressEvent(event)


class _OptionalField(QLineEdit):
    """A field whose ``value()`` is None when empty; ``tidy`` shows what was read, the one
    way (or marks a typo)."""

    def value(self) -> Any:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        raise NotImplementedError

    def tidy(self) -> None:
        try:
            self.set_value(self.value())
        except ValidationError as exc:
            _mark_bad(self, exc)


class AdmittedField(_OptionalField):
    """When the patient was admitted: a day and a time as people type them (``y 22:40``,
    ``19/11 08:05``, ``07:15`` for today), read by :func:`rxlog.dates.parse_day_time`;
    empty means not recorded. Shown once read as ``Thu 19 Nov 2026 22:40``."""

    def __init__(self, today: Callable[[], dt.date], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._today = today
        self.setPlaceholderText("not recorded; e.g. y 22:40 or 19/11 08:05")
        self.setToolTip(
            "When the patient was admitted (NICE QS120: reconciliation within 24 hours): "
            "a day and a 24-hour time, e.g. y 22:40, 19/11 08:05, or 07:15 for today."
        )
        self.editingFinished.connect(self.tidy)

    def value(self) -> dt.datetime | None:
        from rxlog.dates import parse_day_time

        text = self.text().strip()
        return parse_day_time(text, self._today(), "admitted") if text else None

    def set_value(self, value: dt.datetime | None) -> None:
        self.setText(f"{day_text(value.date())} {value:%H:%M}" if value else "")
        self.setStyleSheet("")


class ClockField(_OptionalField):
    """A time of day ``HH:MM`` (24-hour clock); empty means now (for today's entry)."""

    def __init__(self, field: str = "time", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._field = field
        self.setPlaceholderText("now; or HH:MM, e.g. 09:30")
        self.setToolTip("The time the reconciliation was done, on the entry's date (HH:MM).")
        self.setMaxLength(5)
        self.editingFinished.connect(self.tidy)

    def value(self) -> dt.time | None:
        from rxlog.dates import parse_clock

        text = self.text().strip()
        return parse_clock(text, self._field) if text else None

    def set_value(self, value: dt.time | None) -> None:
        self.setText(f"{value:%H:%M}" if value else "")
        self.setStyleSheet("")
