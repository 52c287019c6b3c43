"""The rotation calendar: placements in date order; end, change or delete the selected
one; add the next one (as a next rotation that ends the current placement, or alone)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
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

from rxlog.clock import local_today
from rxlog.dates import day_text
from rxlog.domain import PlacementView
from rxlog.errors import RxlogError
from rxlog.ui.date_field import DateField
from rxlog.ui.field_errors import FieldForm
from rxlog.ui.placement_form import PlacementForm
from rxlog.ui.screen_fit import fit_size


def _day(d: date | None) -> str:
    return day_text(d) if d else "until further notice"


@dataclass(frozen=True)
class CalendarActions:
    """What the dialog may do to the calendar (``RxLog`` methods, or test doubles)."""

    end: Callable[..., Any]  # (id, on, *, reason, delete_entries)
    edit: Callable[..., Any]  # (id, *, reason, name, date_from, date_to, open_ended, sector, ...)
    delete: Callable[..., Any]  # (id, *, reason)
    next_rotation: Callable[..., Any]  # (ods, name, sector, from, to)


def _date_edit(d: date, field: str) -> DateField:
    # a placement may end in the future: a day typed without a year is the nearest one
    return DateField(d, local_today, field, prefer="nearest")


class ChangePlacementDialog(QDialog):
    """End (``mode="end"``), change (``"edit"``) or delete (``"delete"``) one placement.
    The core's refusal is shown beside its field; the dialog stays open."""

    def __init__(
        self,
        placement: PlacementView,
        mode: str,
        actions: CalendarActions,
        today: date,
        parent=None,  # noqa: ANN001
    ) -> None:
        super().__init__(parent)
        self.placement, self.mode, self._actions = placement, mode, actions
        self.result_change: Any = None
        titles = {"end": "End placement", "edit": "Change placement", "delete": "Delete placement"}
        self.setWindowTitle(f"{titles[mode]} – {placement.ods} {placement.name}")
        lay = QVBoxLayout(self)
        lay.addWidget(
            QLabel(
                f"{placement.ods} {placement.name} ({placement.sector} care), "
                f"{_day(placement.date_from)} to {_day(placement.date_to)}"
            )
        )
        form = QFormLayout()
        lay.addLayout(form)
        self.fields = FieldForm(form)
        self.name = QLineEdit(placement.name)
        self.sector = QComboBox()
        self.sector.addItem("Primary care (GP practice, PCN)", "primary")
        self.sector.addItem("Secondary care (hospital)", "secondary")
        self.sector.setCurrentIndex(self.sector.findData(placement.sector))
        self.date_from = _date_edit(placement.date_from, "from")
        self.date_to = _date_edit(placement.date_to or max(placement.date_from, today), "to")
        self.open_ended = QCheckBox("&Until further notice (no end date yet)")
        self.open_ended.setChecked(placement.date_to is None and mode == "edit")
        self.date_to.setEnabled(not self.open_ended.isChecked())
        self.open_ended.toggled.connect(lambda on: self.date_to.setEnabled(not on))
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(
            "e.g. the rotation letter changed" if mode != "end" else "optional"
        )
        self.delete_entries = QCheckBox("Also d&elete entries this leaves outside every placement")
        if mode == "edit":
            self.fields.add("name", "Site &name", self.name)
            self.fields.add("sector", "Se&ctor", self.sector)
            self.fields.add("from", "&From", self.date_from)
            self.fields.add("open", "", self.open_ended)
            self.fields.add("to", "&To", self.date_to)
        elif mode == "end":
            self.fields.add("on", "&Last day", self.date_to, ("to",))
        if mode == "delete":
            lay.insertWidget(
                1,
                QLabel("Only a placement no entry depends on can be deleted; the audit trail "
                       "keeps it."),
            )  # fmt: skip
        self.fields.add("reason", "&Reason", self.reason)
        if mode != "delete":
            self.fields.add("delete_entries", "", self.delete_entries)
        form.addRow(self.fields.general)
        ok_text = {"end": "End &placement", "edit": "&Save changes", "delete": "&Delete placement"}
        self.buttons = QDialogButtonBox()
        self.ok = self.buttons.addButton(ok_text[mode], QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.apply)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        self.setMinimumWidth(560)
        first = {"end": self.date_to, "edit": self.name, "delete": self.reason}[mode]
        first.setFocus()

    def apply(self) -> None:
        self.fields.clear()
        p, reason = self.placement, self.reason.text().strip()
        try:
            if self.mode == "end":
                self.result_change = self._actions.end(
                    p.id,
                    self.date_to.date(),
                    reason=reason or None,
                    delete_entries=self.delete_entries.isChecked(),
                )
            elif self.mode == "edit":
                name = self.name.text().strip()
                sector = self.sector.currentData()
                new_from = self.date_from.date()
                to = None if self.open_ended.isChecked() else self.date_to.date()
                self.result_change = self._actions.edit(
                    p.id,
                    reason=reason,
                    name=name if name != p.name else None,
                    date_from=new_from if new_from != p.date_from else None,
                    date_to=to if to is not None and to != p.date_to else None,
                    open_ended=to is None and p.date_to is not None,
                    sector=sector if sector != p.sector else None,
                    delete_entries=self.delete_entries.isChecked(),
                )
            else:
                self.result_change = self._actions.delete(p.id, reason=reason)
        except RxlogError as exc:
            field = exc.field
            if field == "changes":
                field = None
            if field == "id":  # "entries depend on this placement": about the whole row
                field = None
            self.fields.show(field, exc.message)
            self.adjustSize()  # room for the message, which may list several entries
            return
        self.accept()


class PlacementsDialog(QDialog):
    """Lists placements (from ``placements()``), changes the selected one through
    ``actions`` and adds one through ``add_placement`` (or ``actions.next_rotation``);
    overlaps, bad codes and entries left outside every placement are refused by the core
    and shown in plain words beside the field."""

    def __init__(
        self,
        placements: Callable[[], list[PlacementView]],
        add_placement: Callable[[str, str, str, date, date | None], PlacementView],
        today: date,
        parent=None,  # noqa: ANN001
        actions: CalendarActions | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Placements – rotation calendar")
        self._placements = placements
        self._add = add_placement
        self._actions = actions
        self._today = today
        self.rows: list[PlacementView] = []
        self.added: list[PlacementView] = []
        self.changed = 0
        self.touched: list[str] = []  # entries a change moved or deleted
        lay = QVBoxLayout(self)
        self.table = QTableWidget(0, 5)
        self.table.setTabKeyNavigation(False)
        self.table.setHorizontalHeaderLabels(["From", "To", "Site", "Name", "Sector"])
        self.table.setAccessibleName("Placements")
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        lay.addWidget(self.table)
        row = QHBoxLayout()
        self.end_button = QPushButton("&End…")
        self.end_button.setToolTip("Set the selected placement's last day (Alt+E)")
        self.edit_button = QPushButton("C&hange…")
        self.edit_button.setToolTip("Change the selected placement's name, dates or sector")
        self.delete_button = QPushButton("&Delete…")
        self.delete_button.setToolTip("Delete the selected placement (only if no entry uses it)")
        for b, mode in (
            (self.end_button, "end"),
            (self.edit_button, "edit"),
            (self.delete_button, "delete"),
        ):
            b.clicked.connect(lambda _=False, m=mode: self.change_selected(m))
            b.setEnabled(actions is not None)
            row.addWidget(b)
        row.addStretch(1)
        lay.addLayout(row)
        self.status = QLabel()
        self.status.setWordWrap(True)
        lay.addWidget(self.status)
        box = QGroupBox("Add a placement")
        blay = QVBoxLayout(box)
        self.form = PlacementForm(today)
        blay.addWidget(self.form)
        self.next_rotation = QCheckBox(
            "Ne&xt rotation: end the current placement the day before this one starts"
        )
        self.next_rotation.setChecked(actions is not None)
        self.next_rotation.setEnabled(actions is not None)
        blay.addWidget(self.next_rotation)
        self.add_button = QPushButton("&Add placement")
        self.add_button.setToolTip("Add this placement to the calendar (Alt+A)")
        self.add_button.clicked.connect(self.add)
        blay.addWidget(self.add_button)
        lay.addWidget(box)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.sub: ChangePlacementDialog | None = None
        self.refresh()
        fit_size(self, 680, 600)

    def refresh(self) -> None:
        rows = self.rows = self._placements()
        self.table.setRowCount(len(rows))
        for i, p in enumerate(rows):
            for j, text in enumerate(
                (_day(p.date_from), _day(p.date_to), p.ods, p.name, f"{p.sector} care")
            ):
                item = QTableWidgetItem(text)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()
        if rows:
            self.table.selectRow(len(rows) - 1)
            last = rows[-1]
            if last.date_to is not None:  # suggest the day after the last placement ends
                self.form.date_from.setDate(last.date_to + timedelta(days=1))

    def selected(self) -> PlacementView | None:
        r = self.table.currentRow()
        return self.rows[r] if 0 <= r < len(self.rows) else None

    def change_selected(self, mode: str) -> ChangePlacementDialog | None:
        p = self.selected()
        if p is None or self._actions is None:
            self.status.setText("Choose a placement in the list first.")
            return None
        self.sub = dlg = ChangePlacementDialog(p, mode, self._actions, self._today, self)
        dlg.accepted.connect(lambda: self._changed(dlg))
        dlg.open()
        return dlg

    def _changed(self, dlg: ChangePlacementDialog) -> None:
        self.changed += 1
        change = dlg.result_change
        what = {"end": "ended", "edit": "changed", "delete": "deleted"}[dlg.mode]
        head = f"{dlg.placement.ods} {dlg.placement.name} {what}."
        self.status.setText(self._summary(head, change))
        self.refresh()
        self.activateWindow()
        self.table.setFocus()

    def _summary(self, head: str, change: Any) -> str:
        self.touched += [*getattr(change, "moved", []), *getattr(change, "deleted", [])]
        parts = [head]
        moved = len(getattr(change, "moved", []) or [])
        deleted = len(getattr(change, "deleted", []) or [])
        if moved:
            parts.append(f"{moved} entries now belong to the placement that covers their date.")
        if deleted:
            parts.append(f"{deleted} entries outside every placement were deleted.")
        return " ".join(parts)

    def add(self) -> None:
        self.form.fields.clear()
        values = self.form.values()
        try:
            if self.next_rotation.isChecked() and self._actions is not None:
                change = self._actions.next_rotation(*values)
                added = change.placement
                head = f"Added {added.ods} {added.name} from {_day(added.date_from)}."
                if change.previous is not None:
                    prev = change.previous
                    head += f" {prev.ods} {prev.name} now ends {_day(prev.date_to)}."
                self.status.setText(self._summary(head, change))
            else:
                added = self._add(*values)
                self.status.setText(f"Added {added.ods} {added.name} from {_day(added.date_from)}.")
        except RxlogError as exc:
            self.form.fields.show(exc.field, exc.message)
            return
        self.added.append(added)
        self.form.ods.clear()
        self.form.name.clear()
        self.refresh()
