"""The Today tab of the main window: the day's heading, the signed-off banner, quick
entry and its error line, the running timer's row, today's entries with their totals,
and the detail panel.

It only builds and shows; the window connects its actions. It is built in two steps so
the first paint needs no more than the quick-entry line: ``TodayPanel(...)`` makes the
heading, banner and quick bar, and :meth:`build` (the first event-loop turn after the
window shows) the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from rxlog.ui.quick_bar import QuickBar
from rxlog.ui.screen_fit import font_style

if TYPE_CHECKING:
    from PySide6.QtWidgets import QGroupBox, QTableView

    from rxlog.domain import EntryView, Totals
    from rxlog.taxonomy import Taxonomy
    from rxlog.ui.detail_panel import DetailPanel
    from rxlog.ui.models import DayModel

ERROR_STYLE = "color: #b00020;"
_BANNER_STYLE = "background: #fff4ce; border: 1px solid #e0c060; padding: 4px;"
_COLUMN_WIDTHS = {"title": 230, "grading": 170}


def plural(n: int, word: str) -> str:
    """``1 entry``, ``2 entries``, ``1 patient``, ``3 patients``."""
    if n == 1:
        return f"1 {word}"
    return f"{n} {word[:-1]}ies" if word.endswith("y") else f"{n} {word}s"


def _hours(minutes: int) -> str:
    return f"{minutes // 60} h {minutes % 60:02d}"


class TodayPanel(QWidget):
    """The Today tab. Widgets the window and tests reach: ``day_heading``,
    ``locked_banner``, ``quick``, ``quick_error``; after :meth:`build` also
    ``day_table``, ``day_model``, ``totals``, ``detail_box``, ``details``, ``detail_log``.
    """

    def __init__(
        self,
        taxonomy: Taxonomy,
        today: Callable[[], date],
        favourites: Callable[[], list[str]],
        recents: Callable[[], list[str]],
        site_today: Callable[..., tuple[str | None, str | None]],
        check: Callable[..., tuple[str, ...]],
    ) -> None:
        super().__init__()
        self._outer = QHBoxLayout(self)
        self._left = QVBoxLayout()
        self._outer.addLayout(self._left, 3)
        self.day_heading = QLabel()
        self.day_heading.setStyleSheet(font_style(self.day_heading, 1.25, bold=True))
        self.day_heading.setAccessibleName("Today")
        self.day_heading.setWordWrap(True)
        self._left.addWidget(self.day_heading)
        self.locked_banner = QLabel()
        self.locked_banner.setStyleSheet(_BANNER_STYLE)
        self.locked_banner.setWordWrap(True)
        self.locked_banner.hide()
        self._left.addWidget(self.locked_banner)
        self.quick = QuickBar(taxonomy, today, favourites, recents, site_today, check=check)
        self._left.addWidget(self.quick)
        self.quick_error = QLabel()
        self.quick_error.setStyleSheet(ERROR_STYLE)
        self.quick_error.setWordWrap(True)
        self.quick_error.setAccessibleName("Quick entry error")
        self.quick_error.hide()
        self._left.insertWidget(self._left.indexOf(self.quick) + 1, self.quick_error)

    # -- the rest, after the first paint ---------------------------------------------
    def build(
        self,
        timer_box: QWidget,
        details: DetailPanel,
        edit: Callable[[], None],
        delete: Callable[[], None],
        log_details: Callable[[], Any],
    ) -> None:
        """Add the timer row, today's list and totals, and the detail panel."""
        self._left.addWidget(timer_box)
        self._build_day_table(edit, delete)
        list_label = QLabel("&What you logged today (Enter edits, Delete deletes):")
        list_label.setBuddy(self.day_table)  # Alt+W: straight to the list
        self._left.addWidget(list_label)
        self._left.addWidget(self.day_table, 1)
        self.totals = QLabel()
        self.totals.setAccessibleName("Today's totals")
        tf = self.totals.font()
        tf.setBold(True)
        self.totals.setFont(tf)
        self._left.addWidget(self.totals)
        self._outer.addWidget(self._build_detail_box(details, log_details), 2)
        QWidget.setTabOrder(self.quick.line, self.details.code)
        QWidget.setTabOrder(self.detail_log, self.day_table)

    def _build_day_table(self, edit: Callable[[], None], delete: Callable[[], None]) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtGui import QKeySequence
        from PySide6.QtWidgets import QAbstractItemView, QTableView

        from rxlog.ui.field_errors import widget_shortcut
        from rxlog.ui.models import DayModel

        self.day_model: DayModel = DayModel(self)
        table: QTableView = QTableView()
        self.day_table = table
        table.setModel(self.day_model)
        table.setAccessibleName("Today's entries")
        table.setTabKeyNavigation(False)  # Tab leaves the table (arrows move in it)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setAlternatingRowColors(True)
        table.verticalHeader().hide()
        table.doubleClicked.connect(lambda _ix: edit())
        # In the list itself Enter edits and Delete deletes (Ctrl+E / Ctrl+Del anywhere).
        for enter in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            widget_shortcut(table, QKeySequence(enter), edit)
        widget_shortcut(table, QKeySequence(Qt.Key.Key_Delete), delete)
        table.setWordWrap(False)
        table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self._size_columns()

    def _size_columns(self) -> None:
        from PySide6.QtWidgets import QHeaderView

        head = self.day_table.horizontalHeader()
        head.setStretchLastSection(False)
        for i, (key, _) in enumerate(self.day_model.columns):
            if key in _COLUMN_WIDTHS:
                head.setSectionResizeMode(i, QHeaderView.ResizeMode.Interactive)
                self.day_table.setColumnWidth(i, _COLUMN_WIDTHS[key])
            elif key == "note":
                head.setSectionResizeMode(i, QHeaderView.ResizeMode.Stretch)
            else:
                head.setSectionResizeMode(i, QHeaderView.ResizeMode.ResizeToContents)

    def _build_detail_box(self, details: DetailPanel, log_details: Callable[[], Any]) -> QGroupBox:
        from PySide6.QtWidgets import QGroupBox, QPushButton

        self.detail_box = QGroupBox("Details (Tab from quick entry)")
        dlay = QVBoxLayout(self.detail_box)
        self.details = details
        dlay.addWidget(details)
        self.detail_log = QPushButton("Log with these details")
        self.detail_log.setToolTip("Log the entry as set here (Ctrl+Enter)")
        self.detail_log.clicked.connect(log_details)
        dlay.addWidget(self.detail_log)
        dlay.addStretch(1)
        self.detail_box.setMaximumWidth(450)
        return self.detail_box

    # -- showing ---------------------------------------------------------------------
    def show_day(
        self,
        today: date,
        where: str,
        entries: list[EntryView],
        totals: Totals,
        locked: bool,
    ) -> None:
        """Today's heading, list and totals, and the banner when the month is locked."""
        self.day_heading.setText(f"Today – {today:%a %d %b %Y} · {where}")
        self.day_model.set_entries(entries)
        t = totals
        self.totals.setText(
            f"Today: {plural(t.entries, 'entry')} · {_hours(t.minutes)} · "
            f"{plural(t.patients, 'patient')} · {plural(t.items, 'item')} · "
            f"{plural(t.interventions, 'intervention')}"
        )
        if locked:
            self.locked_banner.setText(
                f"{today:%B %Y} is signed off: its entries are locked. Reopen it from "
                "Month ▸ Month sign-off… to change it."
            )
            self.locked_banner.show()
        else:
            self.locked_banner.hide()

    def say(self, text: str) -> None:
        """Show ``text`` under the quick-entry line (an error, a warning, a reminder)."""
        self.quick_error.setText(text)
        self.quick_error.show()

    def select_entry(self, entry_id: str) -> None:
        row = self.day_model.row_of(entry_id)
        if row >= 0:
            self.day_table.selectRow(row)
            self.day_table.scrollTo(self.day_model.index(row, 0))

    def selected_entry(self) -> EntryView | None:
        return self.day_model.entry_at(self.day_table.currentIndex().row())
