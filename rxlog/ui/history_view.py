"""All entries in a lazy table, with filters (month, code, category, site, sector)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from rxlog.dates import parse_month
from rxlog.domain import PlacementView
from rxlog.taxonomy import Taxonomy
from rxlog.ui.field_errors import widget_shortcut
from rxlog.ui.models import HistoryModel


def _months_back(today: date, n: int) -> list[str]:
    y, m, out = today.year, today.month, []
    for _ in range(n):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out


class HistoryView(QWidget):
    """The history table. Filters change what ``HistoryModel`` pages in.

    Signals:
        edit_requested(str): Enter or double-click on an entry (its id).
        delete_requested(str): Delete on an entry (its id).
    """

    edit_requested = Signal(str)
    delete_requested = Signal(str)

    def __init__(
        self,
        app,
        taxonomy: Taxonomy,
        placements: list[PlacementView],  # noqa: ANN001
        today: date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.app = app
        self.taxonomy = taxonomy
        lay = QVBoxLayout(self)
        lay.addLayout(self._filter_bar(taxonomy, placements, today))
        self.model = HistoryModel(self._page, app.get_many, self._count, self)
        lay.addWidget(self._build_table(), 1)
        self.status = QLabel()
        self.status.setAccessibleName("Entries shown")
        lay.addWidget(self.status)
        self._filters: dict = {}

    def _filter_bar(
        self, taxonomy: Taxonomy, placements: list[PlacementView], today: date
    ) -> QHBoxLayout:
        """Month, code, category, site and sector filters, each with its Alt+letter."""
        bar = QHBoxLayout()
        self.month = QComboBox()
        self.month.addItem("All months", None)
        for m in _months_back(today, 36):
            self.month.addItem(m, m)
        self.code = QComboBox()
        self.code.addItem("All codes", None)
        for c in taxonomy:
            self.code.addItem(f"{c.code}{' (retired)' if c.retired else ''}", c.code)
        self.category = QComboBox()
        self.category.addItem("All categories", None)
        for key, title in taxonomy.categories.items():
            self.category.addItem(title, key)
        self.site = QComboBox()
        self.site.addItem("All sites", None)
        for ods in dict.fromkeys(p.ods for p in placements):
            self.site.addItem(ods, ods)
        self.sector = QComboBox()
        self.sector.addItem("Both sectors", None)
        self.sector.addItem("primary", "primary")
        self.sector.addItem("secondary", "secondary")
        for label, w in (
            ("Mo&nth", self.month),
            ("C&ode", self.code),
            ("C&ategory", self.category),
            ("Si&te", self.site),
            ("Secto&r", self.sector),
        ):
            lab = QLabel(label)
            lab.setBuddy(w)
            w.setAccessibleName(f"Filter by {label.replace('&', '').lower()}")
            bar.addWidget(lab)
            bar.addWidget(w)
            w.currentIndexChanged.connect(self.apply_filters)
        bar.addStretch(1)
        return bar

    def _build_table(self) -> QTableView:
        self.table = QTableView()
        self.table.setTabKeyNavigation(False)  # Tab leaves the table
        self.table.setModel(self.model)
        self.table.setAccessibleName("History of entries")
        self.table.setTabKeyNavigation(False)  # Tab leaves the table (arrows move in it)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        head = self.table.horizontalHeader()
        widths = {
            "date": 125,  # "Wed 30 Sep 2026"
            "code": 110,
            "title": 280,
            "minutes": 50,
            "count": 55,
            "grading": 210,
            "site": 70,
            "sector": 80,
        }
        for i, (key, _) in enumerate(self.model.columns):
            if key in widths:
                self.table.setColumnWidth(i, widths[key])
        head.setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda ix: self._edit(ix.row()))
        for enter in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            widget_shortcut(
                self.table,
                QKeySequence(enter),
                lambda: self._edit(self.table.currentIndex().row()),
            )
        widget_shortcut(self.table, QKeySequence(Qt.Key.Key_Delete), self._delete)
        return self.table

    def _edit(self, row: int) -> None:
        e = self.model.entry_at(row)
        if e is not None:
            self.edit_requested.emit(e.id)

    def _delete(self) -> None:
        e = self.model.entry_at(self.table.currentIndex().row())
        if e is not None:
            self.delete_requested.emit(e.id)

    def current_filters(self) -> dict:
        f: dict = {}
        if self.month.currentData():
            f["start"], f["end"] = parse_month(self.month.currentData())
        codes = None
        if self.code.currentData():
            codes = [self.code.currentData()]
        if self.category.currentData():
            cat = [c.code for c in self.taxonomy if c.category == self.category.currentData()]
            codes = [c for c in codes if c in cat] if codes is not None else cat
        if codes is not None:
            f["codes"] = codes
        if self.site.currentData():
            f["site"] = self.site.currentData()
        if self.sector.currentData():
            f["sector"] = self.sector.currentData()
        return f

    def _page(self, offset: int, limit: int) -> list[str]:
        return self.app.page_ids(offset, limit, **self._filters)

    def _count(self) -> int:
        return self.app.count_entries(**self._filters)

    def apply_filters(self) -> None:
        self._filters = self.current_filters()
        self.refresh()

    def refresh(self) -> None:
        self.model.reload()
        n = self.model.total
        self.status.setText(
            f"{n:,} entr{'y' if n == 1 else 'ies'}"
            + (" (filtered)" if self._filters else "")
            + " · Enter or double-click to edit"
        )

    def selected_id(self) -> str | None:
        e = self.model.entry_at(self.table.currentIndex().row())
        return e.id if e else None
