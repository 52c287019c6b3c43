"""The rotation calendar: placements in date order, and a form to add the next one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from rxlog.domain import PlacementView
from rxlog.errors import RxlogError
from rxlog.ui.placement_form import PlacementForm, qdate


class PlacementsDialog(QDialog):
    """Lists placements (from ``placements()``) and adds one through ``add_placement``;
    overlaps and bad codes are refused by the core and shown beside the field."""

    def __init__(
        self,
        placements: Callable[[], list[PlacementView]],
        add_placement: Callable[[str, str, str, date, date | None], PlacementView],
        today: date,
        parent=None,  # noqa: ANN001
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Placements – rotation calendar")
        self._placements = placements
        self._add = add_placement
        self.added: list[PlacementView] = []
        lay = QVBoxLayout(self)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["From", "To", "Site", "Name", "Sector"])
        self.table.setAccessibleName("Placements")
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        lay.addWidget(self.table)
        box = QGroupBox("Add a placement")
        blay = QVBoxLayout(box)
        self.form = PlacementForm(today)
        blay.addWidget(self.form)
        self.add_button = QPushButton("&Add placement")
        self.add_button.setToolTip("Add this placement to the calendar (Alt+A)")
        self.add_button.clicked.connect(self.add)
        blay.addWidget(self.add_button)
        lay.addWidget(box)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.refresh()
        self.resize(640, 560)

    def refresh(self) -> None:
        rows = self._placements()
        self.table.setRowCount(len(rows))
        for i, p in enumerate(rows):
            for j, text in enumerate(
                (str(p.date_from), str(p.date_to or "open-ended"), p.ods, p.name, p.sector)
            ):
                self.table.setItem(i, j, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        if rows:  # suggest the day after the last placement ends
            last = rows[-1]
            if last.date_to is not None:
                self.form.date_from.setDate(qdate(last.date_to + timedelta(days=1)))

    def add(self) -> None:
        self.form.fields.clear()
        try:
            self.added.append(self._add(*self.form.values()))
        except RxlogError as exc:
            self.form.fields.show(exc.field, exc.message)
            return
        self.form.ods.clear()
        self.form.name.clear()
        self.refresh()
