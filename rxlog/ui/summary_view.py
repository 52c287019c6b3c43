"""Week and month summaries: totals by category and sector, with a chart."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from rxlog.dates import day_text, parse_month
from rxlog.domain import Totals
from rxlog.ui.chart import BarChart, DayColumns, _hours


def period(kind: str, anchor: date) -> tuple[date, date]:
    if kind == "week":
        start = anchor - timedelta(days=anchor.weekday())
        return start, start + timedelta(days=6)
    return parse_month(f"{anchor.year:04d}-{anchor.month:02d}")


class SummaryView(QWidget):
    """Totals for a week or month around ``anchor``, read through ``totals(start, end)``."""

    def __init__(
        self,
        totals: Callable[[date, date], Totals],
        categories: dict[str, str],
        today: Callable[[], date],
        minutes_by_day: Callable[[date, date], dict[date, int]] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._totals = totals
        self._categories = categories
        self._today = today
        self._by_day = minutes_by_day
        self.anchor = today()
        lay = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.kind = QComboBox()
        self.kind.addItem("Month", "month")
        self.kind.addItem("Week", "week")
        self.kind.setAccessibleName("Summary period")
        self.kind.currentIndexChanged.connect(self.refresh)
        self.prev = QPushButton("◀ Ea&rlier")
        self.prev.setToolTip("Previous period (Alt+E)")
        self.next = QPushButton("&Later ▶")
        self.next.setToolTip("Next period (Alt+L)")
        self.this = QPushButton("&Now")
        self.this.setToolTip("This week or month (Alt+N)")
        self.prev.clicked.connect(lambda: self.step(-1))
        self.next.clicked.connect(lambda: self.step(1))
        self.this.clicked.connect(self.go_now)
        self.heading = QLabel()
        f = self.heading.font()
        f.setPointSizeF(f.pointSizeF() * 1.2)
        f.setBold(True)
        self.heading.setFont(f)
        for w in (self.kind, self.prev, self.this, self.next):
            bar.addWidget(w)
        bar.addSpacing(12)
        bar.addWidget(self.heading, 1)
        lay.addLayout(bar)
        self.figures = QLabel()
        self.figures.setAccessibleName("Period totals")
        lay.addWidget(self.figures)
        grid = QGridLayout()
        self.by_category = QTableWidget(0, 3)
        self.by_category.setHorizontalHeaderLabels(["Category", "Time", "Share"])
        self.by_category.setAccessibleName("Time by category")
        self.by_sector = QTableWidget(0, 2)
        self.by_sector.setHorizontalHeaderLabels(["Sector", "Time"])
        self.by_sector.setAccessibleName("Time by sector")
        for t in (self.by_category, self.by_sector):
            t.verticalHeader().hide()
            t.setTabKeyNavigation(False)  # Tab leaves the table (arrows move in it)
            t.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
            t.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.by_sector.setMaximumHeight(
            self.by_sector.horizontalHeader().sizeHint().height()
            + 2 * self.by_sector.verticalHeader().defaultSectionSize()
            + 4
        )
        self.chart = BarChart()
        self.day_chart = DayColumns()
        tables = QVBoxLayout()
        tables.addWidget(self.by_category, 1)
        tables.addWidget(self.by_sector)
        grid.addLayout(tables, 0, 0, 2, 1)
        grid.addWidget(self.chart, 0, 1)
        grid.addWidget(self.day_chart, 1, 1)
        grid.setRowStretch(0, 3)
        grid.setRowStretch(1, 2)
        grid.setColumnStretch(0, 2)
        grid.setColumnStretch(1, 3)
        lay.addLayout(grid, 1)

    def step(self, n: int) -> None:
        start, end = period(self.kind.currentData(), self.anchor)
        self.anchor = end + timedelta(days=1) if n > 0 else start - timedelta(days=1)
        self.refresh()

    def go_now(self) -> None:
        self.anchor = self._today()
        self.refresh()

    def refresh(self) -> None:
        kind = self.kind.currentData()
        start, end = period(kind, self.anchor)
        t = self._totals(start, end)
        if kind == "week":
            self.heading.setText(f"Week of {day_text(start)} to {day_text(end)}")
        else:
            self.heading.setText(f"{start:%B %Y}")
        self.next.setEnabled(end < self._today())
        self.figures.setText(
            f"{t.entries} entries · {_hours(t.minutes)} · {t.patients} patients · "
            f"{t.items} items · {t.interventions} interventions"
        )
        cats = sorted(t.by_category.items(), key=lambda kv: -kv[1])
        self.by_category.setRowCount(len(cats))
        for i, (cat, minutes) in enumerate(cats):
            share = f"{100 * minutes / t.minutes:.0f}%" if t.minutes else ""
            for j, text in enumerate((self._categories.get(cat, cat), _hours(minutes), share)):
                self.by_category.setItem(i, j, QTableWidgetItem(text))
        self.by_category.resizeColumnsToContents()
        self.by_category.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        secs = sorted(t.by_sector.items())
        self.by_sector.setRowCount(len(secs))
        for i, (sector, minutes) in enumerate(secs):
            self.by_sector.setItem(i, 0, QTableWidgetItem(sector))
            self.by_sector.setItem(i, 1, QTableWidgetItem(_hours(minutes)))
        self.chart.set_bars("Time by category", [(self._categories.get(c, c), m) for c, m in cats])
        if self._by_day is not None:
            per_day = self._by_day(start, end)
            span = [start + timedelta(days=i) for i in range((end - start).days + 1)]
            self.day_chart.set_days("Time per day", [(d, per_day.get(d, 0)) for d in span])
