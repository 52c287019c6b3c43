"""All entries in a lazy table, with filters (month, code, category, site, sector)."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import (
    QAccessible,
    QFocusEvent,
    QFontMetricsF,
    QKeyEvent,
    QMouseEvent,
    QPaintEvent,
    QPalette,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QStyle,
    QStyleOptionComboBox,
    QStylePainter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from rxlog.dates import parse_month
from rxlog.domain import EntryView, PlacementView
from rxlog.taxonomy import Taxonomy
from rxlog.ui.models import HistoryModel


def _months_back(today: date, n: int) -> list[str]:
    y, m, out = today.year, today.month, []
    for _ in range(n):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out


class FilterCombo(QComboBox):
    """A filter's list: "All ..." first, then its choices (text, value).

    The choices are put in the list the first time it can be used: when the combo box
    takes the focus (Tab, its Alt+letter, a click, the wheel: a combo box takes the
    focus from each of them first), when it is sent a key or a click, when its list
    opens, when code looks for or sets a choice (``findData``, ``setCurrentIndex``...),
    or at once when a screen reader is running. Until then it holds no item and paints
    "All ..." as Qt paints a current item (``currentText`` and ``currentIndex`` say
    "All ...", 0), and it is as wide as its widest choice needs, before and after
    (``setMinimumContentsLength``, from the longest choices' widths), so filling it
    changes no pixel (``tests/test_gui_history_filters.py`` compares them). Why: adding
    the five filters' 98 choices, measuring every one of them when the layout first
    ran, and the popup lists Qt makes for a first current item were ~1 ms of the
    history's first paint, and most users never open most filters. ``changed`` is
    connected to ``currentIndexChanged`` once the choices are in (the index cannot
    change before).
    """

    def __init__(
        self,
        first: str,
        choices: list[tuple[str, object]],
        changed: Callable[[], object],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._first = first
        self._choices: list[tuple[str, object]] | None = choices
        self._changed = changed
        self._hint: QSize | None = None
        # Wide enough for the widest choice, in widths of "X" (how Qt counts a minimum
        # contents length): only the longest texts are measured, as the widest one is
        # among them (a text two characters shorter is ~15 pixels narrower).
        texts = [first, *(t for t, _ in choices)]
        longest = max(map(len, texts))
        metrics = self.fontMetrics()
        widest = max(metrics.boundingRect(t).width() for t in texts if len(t) >= longest - 1)
        self.setMinimumContentsLength(-(-widest // metrics.horizontalAdvance("X")))
        if QAccessible.isActive():
            self.fill()  # a screen reader reads the value and the choices without focus

    def fill(self) -> None:
        """Put the choices in (once); the current choice stays "All ..."."""
        if self._choices is None:
            return
        choices, self._choices = self._choices, None
        self.addItem(self._first, None)  # the current item from now on
        for text, value in choices:
            self.addItem(text, value)
        self.currentIndexChanged.connect(self._changed)

    @property
    def filled(self) -> bool:
        return self._choices is None

    # Before it is filled the box holds no item at all: Qt makes a combo box's popup
    # list (a frame, a list view, two scrollers: ~0.06 ms) as soon as it has a current
    # item or is asked its size, so the size and the "All ..." it shows come from here
    # until then, as Qt computes and paints them (QComboBox::sizeHint, paintEvent).
    def sizeHint(self) -> QSize:  # noqa: N802
        if self._hint is None:
            metrics = self.fontMetrics()
            text = QSize(
                self.minimumContentsLength() * metrics.horizontalAdvance("X"),
                max(math.ceil(QFontMetricsF(metrics).height()), 14) + 2,
            )
            option = QStyleOptionComboBox()
            self.initStyleOption(option)
            self._hint = self.style().sizeFromContents(
                QStyle.ContentsType.CT_ComboBox, option, text, self
            )
        return self._hint

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return self.sizeHint()  # Qt's too, with a minimum contents length and no icon

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._hint = None
        super().changeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        if self.filled:
            super().paintEvent(event)
            return
        painter = QStylePainter(self)
        painter.setPen(self.palette().color(QPalette.ColorRole.Text))
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        option.currentText = self._first
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)

    def currentText(self) -> str:  # noqa: N802
        return super().currentText() if self.filled else self._first

    def currentIndex(self) -> int:  # noqa: N802
        return super().currentIndex() if self.filled else 0

    # Code that asks for a choice, or sets one, finds them all (Qt's own calls in C++
    # do not come here: they are all after a focus, a key, a click or the popup).
    def count(self) -> int:
        self.fill()
        return super().count()

    def findData(self, *args, **kwargs) -> int:  # noqa: ANN002, ANN003, N802
        self.fill()
        return super().findData(*args, **kwargs)

    def findText(self, *args, **kwargs) -> int:  # noqa: ANN002, ANN003, N802
        self.fill()
        return super().findText(*args, **kwargs)

    def itemText(self, index: int) -> str:  # noqa: N802
        self.fill()
        return super().itemText(index)

    def itemData(self, *args, **kwargs) -> object:  # noqa: ANN002, ANN003, N802
        self.fill()
        return super().itemData(*args, **kwargs)

    def setCurrentIndex(self, index: int) -> None:  # noqa: N802
        self.fill()
        super().setCurrentIndex(index)

    def setCurrentText(self, text: str) -> None:  # noqa: N802
        self.fill()
        super().setCurrentText(text)

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802
        self.fill()
        super().focusInEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        self.fill()
        super().keyPressEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self.fill()
        super().mousePressEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        self.fill()
        super().wheelEvent(event)

    def showPopup(self) -> None:  # noqa: N802
        self.fill()
        super().showPopup()


class _HistoryTable(QTableView):
    """The history's table: Enter (or the keypad's) edits the current entry, Delete
    deletes it, as the Today table's shortcuts do. Read here rather than by three
    ``QShortcut``s, which cost ~0.05 ms of every first paint to make."""

    def __init__(self, edit: Callable[[], object], delete: Callable[[], object]) -> None:
        super().__init__()
        self._on_edit = edit
        self._on_delete = delete

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            key = event.key()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                event.accept()
                self._on_edit()
                return
            if key == Qt.Key.Key_Delete:
                event.accept()
                self._on_delete()
                return
        super().keyPressEvent(event)


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
        self.model = HistoryModel(
            self._page, app.get_many, self._count, self, page_entries=self._page_entries
        )
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
        changed = self.apply_filters
        self.month = FilterCombo("All months", [(m, m) for m in _months_back(today, 36)], changed)
        self.code = FilterCombo(
            "All codes",
            [(f"{c.code}{' (retired)' if c.retired else ''}", c.code) for c in taxonomy],
            changed,
        )
        self.category = FilterCombo(
            "All categories", [(t, k) for k, t in taxonomy.categories.items()], changed
        )
        self.site = FilterCombo(
            "All sites", [(s, s) for s in dict.fromkeys(p.ods for p in placements)], changed
        )
        self.sector = FilterCombo(
            "Both sectors", [("primary", "primary"), ("secondary", "secondary")], changed
        )
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
        bar.addStretch(1)
        return bar

    def _build_table(self) -> QTableView:
        self.table = _HistoryTable(
            lambda: self._edit(self.table.currentIndex().row()), self._delete
        )
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

    def _page_entries(self, offset: int, limit: int) -> list[EntryView]:
        return self.app.page_entries(offset, limit, **self._filters)

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
