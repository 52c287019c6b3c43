"""Table and list models: what the views show, read through the core on demand."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor

from rxlog.dates import day_text

if TYPE_CHECKING:
    from rxlog.domain import EntryView
    from rxlog.quick_entry import Match

COLUMNS = (
    ("date", "Date"),
    ("code", "Code"),
    ("title", "Activity"),
    ("minutes", "Min"),
    ("count", "Count"),
    ("grading", "Grading and dates"),
    ("site", "Site"),
    ("sector", "Sector"),
    ("note", "Note"),
)
_RIGHT = {"minutes", "count"}
# The roles a table's cells answer, as plain ints: a view asks each painted cell for
# about nine roles, so the others are turned away before anything else is looked at.
_DISPLAY = Qt.ItemDataRole.DisplayRole.value
_TOOLTIP = Qt.ItemDataRole.ToolTipRole.value
_ALIGN = Qt.ItemDataRole.TextAlignmentRole.value
_USER = Qt.ItemDataRole.UserRole.value
_ENTRY_ROLES = frozenset({_DISPLAY, _TOOLTIP, _ALIGN, _USER})
_RIGHT_ALIGNED = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def cell(e: EntryView, key: str) -> str:
    if key == "date":
        return day_text(e.date)
    if key == "count":
        return "" if e.count is None else str(e.count)
    if key == "grading":
        bits = []
        if e.significance is not None:
            bits.append(f"Eadon {e.significance}")
        if e.harm:
            bits.append(f"harm {e.harm}")
        if e.released_minutes is not None:
            bits.append(f"{e.released_minutes} min released")
        if e.outcome:
            bits.append(e.outcome)
        if e.discharge_received:
            bits.append(f"discharge information received {day_text(e.discharge_received)}")
        if e.admitted:
            done = f", done {e.time:%H:%M}" if e.time else ""
            bits.append(f"admitted {day_text(e.admitted.date())} {e.admitted:%H:%M}{done}")
        return ", ".join(bits)
    value = getattr(e, key)
    return "" if value is None else str(value)


class _EntryColumns(QAbstractTableModel):
    """Shared display of entries in ``COLUMNS``; subclasses say where rows come from."""

    def __init__(self, columns: Sequence[tuple[str, str]], parent: QObject | None) -> None:
        super().__init__(parent)
        self.columns = tuple(columns)
        self._right = frozenset(i for i, (key, _) in enumerate(self.columns) if key in _RIGHT)

    def entry_at(self, row: int) -> EntryView | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:  # noqa: N802
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self.columns)
        ):
            return self.columns[section][1]
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        # ``role`` is an int from Qt, or one of Qt's IntEnum roles from Python: both are
        # in the set by value. Six of a cell's seven roles end here.
        if role not in _ENTRY_ROLES:
            return None
        column = index.column()  # -1 for an invalid index
        if role == _ALIGN:  # asked of every cell: answered from the column alone
            return _RIGHT_ALIGNED if column in self._right else None
        if not 0 <= column < len(self.columns) or not index.isValid():
            return None
        key = self.columns[column][0]
        e = self.entry_at(index.row())
        if e is None:
            return "…" if role == _DISPLAY else None
        if role == _USER:
            return e.id
        if role == _TOOLTIP:
            return f"{e.code} – {e.title}\n{day_text(e.date)} at {e.site} ({e.sector} care)"
        return cell(e, key)


class DayModel(_EntryColumns):
    """The entries of one day (a few dozen at most), held in full."""

    def __init__(self, parent: QObject | None = None) -> None:
        cols = [c for c in COLUMNS if c[0] not in ("date", "sector")]
        super().__init__(cols, parent)
        self.entries: list[EntryView] = []

    def set_entries(self, entries: Sequence[EntryView]) -> None:
        self.beginResetModel()
        self.entries = list(entries)
        self.endResetModel()

    def entry_at(self, row: int) -> EntryView | None:
        return self.entries[row] if 0 <= row < len(self.entries) else None

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.entries)

    def row_of(self, entry_id: str) -> int:
        for i, e in enumerate(self.entries):
            if e.id == entry_id:
                return i
        return -1


class HistoryModel(_EntryColumns):
    """All entries matching a filter, newest first, read lazily.

    Shows a page of rows at a time (``fetchMore``, ``PAGE``: the scroll bar's handle
    stands for a page); their ids are read when a row of the page is first shown, and
    rows in blocks of ``BLOCK`` through ``get_many``, kept in a small cache. The first
    screenful is read whole in one query (``page_entries``, when given): the first
    paint needs those rows and nothing more, not the ids of the whole page. (A first
    page of a few screenfuls saved ~0.3 ms of a 1M-entry first paint, but the scroll
    bar's handle then stood for 120 rows, not 500: the rows shown are still a page.)
    """

    PAGE = 500
    BLOCK = 30  # a screenful and a bit (about 25 rows show at 1366x768, 28 at 700 px)

    def __init__(
        self,
        page_ids: Callable[[int, int], list[str]],
        get_many: Callable[[list[str]], dict[str, EntryView]],
        total: Callable[[], int],
        parent: QObject | None = None,
        page_entries: Callable[[int, int], list[EntryView]] | None = None,
    ) -> None:
        super().__init__(COLUMNS, parent)
        self._page_ids = page_ids
        self._get_many = get_many
        self._total_fn = total
        self._page_entries = page_entries
        self.ids: list[str] = []  # the ids read so far: rows 0 .. len(ids) - 1
        self.total = 0
        self._rows = 0  # rows shown (a whole number of pages, or all of them)
        self._cache: dict[str, EntryView] = {}

    def set_source(
        self,
        page_ids: Callable[[int, int], list[str]],
        total: Callable[[], int],
        page_entries: Callable[[int, int], list[EntryView]] | None = None,
    ) -> None:
        self._page_ids = page_ids
        self._total_fn = total
        self._page_entries = page_entries
        self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        self._cache.clear()
        if self._page_entries is not None:
            first = self._page_entries(0, self.BLOCK)
            self.ids = [e.id for e in first]
            self._cache.update({e.id: e for e in first})
            asked = self.BLOCK
        else:
            self.ids = self._page_ids(0, self.PAGE)
            asked = self.PAGE
        self.total = len(self.ids) if len(self.ids) < asked else self._total_fn()
        self._rows = min(self.total, self.PAGE)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else self._rows

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:  # noqa: B008, N802
        return not parent.isValid() and self._rows < self.total

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> None:  # noqa: B008, N802
        more = 0 if parent.isValid() else min(self.PAGE, self.total - self._rows)
        if more > 0:
            self.beginInsertRows(QModelIndex(), self._rows, self._rows + more - 1)
            self._rows += more
            self.endInsertRows()

    def _read_ids(self, row: int) -> None:
        """The ids from the last one read to the end of ``row``'s page."""
        end = min(self._rows, (row // self.PAGE + 1) * self.PAGE)
        self.ids.extend(self._page_ids(len(self.ids), end - len(self.ids)))

    def entry_at(self, row: int) -> EntryView | None:
        if not 0 <= row < self._rows:
            return None
        if row >= len(self.ids):
            self._read_ids(row)
            if row >= len(self.ids):  # fewer entries than counted (deleted meanwhile)
                return None
        eid = self.ids[row]
        e = self._cache.get(eid)
        if e is None:
            start = row - row % self.BLOCK
            if start + self.BLOCK > len(self.ids) and len(self.ids) < self._rows:
                self._read_ids(start + self.BLOCK - 1)
            block = [i for i in self.ids[start : start + self.BLOCK] if i not in self._cache]
            if len(self._cache) > 5000:
                self._cache.clear()
            self._cache.update(self._get_many(block))
            e = self._cache.get(eid)
        return e

    def forget(self, entry_ids: Sequence[str]) -> None:
        """Drop cached rows that changed, so they are read again."""
        for i in entry_ids:
            self._cache.pop(i, None)
        if self._rows:
            self.dataChanged.emit(
                self.index(0, 0), self.index(self._rows - 1, len(self.columns) - 1)
            )


class MatchModel(QAbstractListModel):
    """Codes matching the quick-entry line, best first (the top one is what Enter logs)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.matches: list[Match] = []

    def set_matches(self, matches: Sequence[Match]) -> None:
        self.beginResetModel()
        self.matches = list(matches)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.matches)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.matches):
            return None
        m = self.matches[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            mark = "★ " if m.favourite else ("↺ " if m.recent else "   ")
            other = "" if m.fits_sector else "  (other sector)"
            return f"{mark}{m.code.code}  {m.code.title}{other}"
        if role == Qt.ItemDataRole.UserRole:
            return m.code.code
        if role == Qt.ItemDataRole.ToolTipRole:
            return m.code.description
        if role == Qt.ItemDataRole.ForegroundRole and not m.fits_sector:
            return QColor("#425563")  # NHS dark grey: 7.7:1 on white ("gray" gave 3.95)
        return None
