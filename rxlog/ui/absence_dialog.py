"""Absence: record leave, sickness, training or other days away in one step, see what is
recorded (with the bank holidays around it), delete with a reason."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from rxlog.absence import KINDS, bank_holidays_in
from rxlog.clock import local_today
from rxlog.errors import RxlogError
from rxlog.identifiers import find_nhs_numbers
from rxlog.ui.date_field import DateField
from rxlog.ui.detail_panel import NOTE_TYPING_WARNING
from rxlog.ui.field_errors import ERROR_STYLE, FieldForm
from rxlog.ui.plain_words import for_gui


def _day(d: date) -> str:
    return f"{d:%a} {d.day} {d:%b %Y}"


class AbsenceDialog(QDialog):
    """Given ``absences()``, ``add(from, to, kind, note)`` and ``delete(id, reason)``
    (``RxLog`` methods); the core's refusals show beside their field."""

    def __init__(
        self,
        absences: Callable[[], list[Any]],
        add: Callable[..., Any],
        delete: Callable[..., Any],
        today: date,
        parent=None,  # noqa: ANN001
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Absence – leave, sickness, training")
        self._absences, self._add, self._delete, self._today = absences, add, delete, today
        self.rows: list[Any] = []
        self.changed = 0
        lay = QVBoxLayout(self)
        box = QGroupBox("Record days away")
        form = QFormLayout(box)
        self.fields = FieldForm(form)
        self.date_from = self._date_edit(today, "from")
        self.date_to = self._date_edit(today, "to")
        self.date_from.dateChanged.connect(self._from_changed)
        self.kind = QComboBox()
        for key, label in KINDS.items():
            self.kind.addItem(label[:1].upper() + label[1:], key)
        self.note = QLineEdit()
        self.note.setPlaceholderText("optional; stays on this PC")
        self.note.setMaxLength(2000)
        self.note.textChanged.connect(self._check_note)
        self.fields.add("from", "&From", self.date_from)
        self.fields.add("to", "&To (last day away)", self.date_to)
        self.fields.add("kind", "&Kind", self.kind)
        self.fields.add("note", "&Note", self.note)
        self.note_warning = QLabel()
        self.note_warning.setStyleSheet(ERROR_STYLE)
        self.note_warning.setWordWrap(True)
        self.note_warning.hide()
        form.addRow(self.note_warning)
        form.addRow(self.fields.general)
        self.add_button = QPushButton("&Record absence")
        self.add_button.setToolTip("Record these days away (Alt+R)")
        self.add_button.clicked.connect(self.add)
        form.addRow(self.add_button)
        lay.addWidget(box)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["From", "To", "Kind", "Working days"])
        self.table.setAccessibleName("Recorded absence")
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        lay.addWidget(self.table)
        self.holidays = QLabel()
        self.holidays.setWordWrap(True)
        lay.addWidget(self.holidays)
        row = QHBoxLayout()
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("why it is deleted (kept in the audit trail)")
        reason_label = QLabel("Reason to &delete")
        reason_label.setBuddy(self.reason)
        self.reason.setAccessibleName("Reason to delete")
        self.delete_button = QPushButton("Delete &selected")
        self.delete_button.clicked.connect(self.delete_selected)
        row.addWidget(reason_label)
        row.addWidget(self.reason, 1)
        row.addWidget(self.delete_button)
        lay.addLayout(row)
        self.status = QLabel()
        self.status.setWordWrap(True)
        lay.addWidget(self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.refresh()
        self.date_from.setFocus()
        self.resize(620, 560)

    @staticmethod
    def _date_edit(d: date, field: str = "date") -> DateField:
        # leave may be booked ahead: a day typed without a year is the nearest one
        return DateField(d, local_today, field, prefer="nearest")

    def _from_changed(self) -> None:
        # one day by default: To follows From forward
        valid = self.date_from.is_valid() and self.date_to.is_valid()
        if valid and self.date_to.date() < self.date_from.date():
            self.date_to.setDate(self.date_from.date())

    def _check_note(self, text: str) -> None:
        """Warn while typing, before anything is saved, when the note looks like it holds
        a patient identifier."""
        if find_nhs_numbers(text):
            self.note_warning.setText(NOTE_TYPING_WARNING)
            self.note_warning.show()
        else:
            self.note_warning.hide()

    def refresh(self) -> None:
        rows = self.rows = self._absences()
        self.table.setRowCount(len(rows))
        for i, a in enumerate(rows):
            for j, text in enumerate(
                (_day(a.date_from), _day(a.date_to), a.label, str(a.working_days()))
            ):
                item = QTableWidgetItem(text)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()
        if rows:
            self.table.selectRow(len(rows) - 1)
        near = bank_holidays_in(self._today - timedelta(days=62), self._today + timedelta(days=92))
        self.holidays.setText(
            "Bank holidays (England and Wales), never counted as days without entries: "
            + ("; ".join(f"{_day(d)} {name}" for d, name in near.items()) or "none near today")
        )

    def add(self) -> Any:
        self.fields.clear()
        try:
            first, last = self.date_from.date(), self.date_to.date()
            result = self._add(first, last, self.kind.currentData(), self.note.text() or None)
        except RxlogError as exc:
            self.fields.show(exc.field, exc.message)
            return None
        a = result.absence
        n = a.working_days()
        self.status.setText(
            f"Recorded {a.label} from {_day(a.date_from)} to {_day(a.date_to)} "
            f"({n} working day{'s' if n != 1 else ''})."
        )
        self.note.clear()
        self.changed += 1
        self.refresh()
        return result

    def delete_selected(self) -> None:
        r = self.table.currentRow()
        if not 0 <= r < len(self.rows):
            self.status.setText("Choose a row in the list first.")
            return
        a = self.rows[r]
        try:
            self._delete(a.id, self.reason.text())
        except RxlogError as exc:
            self.status.setText(for_gui(exc.message) + ".")
            self.reason.setFocus()
            return
        self.reason.clear()
        self.status.setText(
            f"Deleted {a.label} from {_day(a.date_from)}; the audit trail keeps it."
        )
        self.changed += 1
        self.refresh()
