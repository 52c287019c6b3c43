"""The history's filters fill their lists when first used (``FilterCombo``), and are at
once usable with real keys, a click or the wheel: the first key already filters. Filling
a list changes nothing on the screen; every choice fits its box. The table reads its
first screenful in one query and the rest of a page's ids only when they show."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QComboBox

from rxlog.domain import EntryInput
from rxlog.ui.models import HistoryModel
from tests.conftest import shown_main_window

pytestmark = pytest.mark.gui
ALT = Qt.KeyboardModifier.AltModifier
FILTERS = ("month", "code", "category", "site", "sector")


@pytest.fixture
def filled(rx):
    # November, at the secondary placement (RPA): 18 days of three codes, 54 entries.
    rx.log_many(
        [
            EntryInput(code, date(2026, 11, d), minutes=5 + d)
            for d in range(2, 20)
            for code in ("ACU-TTO", "REC-ADM", "ADM-MEET")
        ]
    )
    return rx


@pytest.fixture
def history(qtbot, filled):
    """The History tab of the real main window, shown and active; no filter touched."""
    with shown_main_window(qtbot, filled, active=True) as win:
        win.tabs.setCurrentIndex(1)
        QApplication.processEvents()  # the window's layout takes in the new tab's
        view = win._history
        assert view is not None and view.model.total == 54
        assert not any(getattr(view, f).filled for f in FILTERS)  # nothing filled yet
        yield view


def test_an_alt_letter_then_typing_filters_at_once(qtbot, history):
    qtbot.keyClick(history.window(), Qt.Key.Key_O, ALT)  # C&ode
    assert QApplication.focusWidget() is history.code and history.code.filled
    qtbot.keyClicks(history.code, "ADM-M")  # a closed combo box finds what is typed
    assert history.code.currentData() == "ADM-MEET"
    assert history.model.total == 18
    assert "18 entries (filtered)" in history.status.text()


def test_arrow_keys_move_through_a_filter_at_once(qtbot, history):
    qtbot.keyClick(history.window(), Qt.Key.Key_N, ALT)  # Mo&nth
    assert QApplication.focusWidget() is history.month
    qtbot.keyClick(history.month, Qt.Key.Key_Down)
    assert history.month.currentText() == "2026-11" and history.model.total == 54
    qtbot.keyClick(history.month, Qt.Key.Key_Down)
    assert history.month.currentText() == "2026-10" and history.model.total == 0
    qtbot.keyClick(history.month, Qt.Key.Key_Home)
    assert history.month.currentText() == "All months" and history.model.total == 54


def test_tab_into_a_filter_fills_it_before_the_first_key(qtbot, history):
    history.category.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(history.category, Qt.Key.Key_Tab)  # on to Site, as the keyboard goes
    assert QApplication.focusWidget() is history.site and history.site.filled
    qtbot.keyClick(history.site, Qt.Key.Key_Down)  # the first site: G82001 (primary)
    assert history.site.currentData() == "G82001" and history.model.total == 0


def test_a_key_sent_to_a_filter_not_yet_filled_fills_it_first(qtbot, history):
    # No focus event on the way (a key sent straight to the widget): still filled first.
    qtbot.keyClick(history.sector, Qt.Key.Key_Down)
    assert history.sector.currentData() == "primary" and history.model.total == 0
    qtbot.keyClick(history.sector, Qt.Key.Key_Down)
    assert history.sector.currentData() == "secondary" and history.model.total == 54


def test_a_click_opens_the_whole_list(qtbot, history):
    qtbot.mouseClick(history.category, Qt.MouseButton.LeftButton)
    popup = history.category.view()
    qtbot.waitUntil(popup.isVisible)
    categories = history.taxonomy.categories
    assert popup.model().rowCount() == 1 + len(categories)
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    first = next(iter(categories))
    assert history.category.currentData() == first
    expected = sum(1 for e in history.app.list_entries() if e.category == first)
    assert history.model.total == expected


def test_the_wheel_fills_a_filter_and_moves_it(qtbot, history):
    combo = history.site
    centre = QPointF(combo.rect().center())
    wheel = QWheelEvent(
        centre,
        QPointF(combo.mapToGlobal(combo.rect().center())),
        QPoint(),
        QPoint(0, -120),  # one notch towards the user: the next choice
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(combo, wheel)
    assert combo.currentData() == "G82001" and history.model.total == 0


def test_code_that_sets_a_choice_first_fills_the_list(qtbot, history):
    assert history.month.itemText(2) == "2026-10" and history.month.filled
    history.sector.setCurrentText("primary")
    assert history.sector.currentData() == "primary" and history.model.total == 0
    history.code.setCurrentIndex(history.code.findData("REC-ADM"))
    assert history.code.currentText() == "REC-ADM" and history.model.total == 0  # primary
    history.sector.setCurrentIndex(0)
    assert history.model.total == 18


def test_filling_the_filters_changes_no_pixel(qtbot, history):
    before = history.grab().toImage()
    for name in FILTERS:
        getattr(history, name).fill()
    QApplication.processEvents()
    after = history.grab().toImage()
    assert all(getattr(history, f).filled for f in FILTERS)
    assert before.size() == after.size() and before == after


def test_every_choice_fits_its_filter(qtbot, history):
    """Each box is at least as wide as a combo box sized by Qt to all of its choices."""
    for name in FILTERS:
        combo = getattr(history, name)
        texts = [combo.itemText(i) for i in range(combo.count())]
        assert len(texts) > 1 and texts[0].startswith(("All", "Both"))
        sized = QComboBox()
        sized.setFont(combo.font())
        sized.addItems(texts)
        assert combo.width() >= sized.sizeHint().width(), name
        sized.deleteLater()


def test_the_first_screenful_is_one_read_and_a_pages_ids_come_when_shown(filled):
    calls: list[tuple] = []

    def page_entries(offset, limit):  # noqa: ANN001, ANN202
        calls.append(("entries", offset, limit))
        return filled.page_entries(offset, limit)

    def page_ids(offset, limit):  # noqa: ANN001, ANN202
        calls.append(("ids", offset, limit))
        return filled.page_ids(offset, limit)

    def get_many(ids):  # noqa: ANN001, ANN202
        calls.append(("rows", len(ids)))
        return filled.get_many(ids)

    m = HistoryModel(page_ids, get_many, filled.count_entries, page_entries=page_entries)
    m.PAGE, m.BLOCK = 20, 5
    m.reload()
    assert calls == [("entries", 0, 5)]
    assert m.rowCount() == 20 and m.total == 54 and m.canFetchMore()
    shown = [m.entry_at(r) for r in range(5)]  # the first screenful: no read more
    assert calls == [("entries", 0, 5)]
    assert m.entry_at(5) is not None  # the next block: the rest of the page's ids, its rows
    assert calls[1:] == [("ids", 5, 15), ("rows", 5)]
    m.fetchMore()
    m.fetchMore()
    assert m.rowCount() == 54 and not m.canFetchMore()
    shown += [m.entry_at(r) for r in range(5, 54)]
    assert [e.id for e in shown] == filled.list_ids()  # every entry, newest first
    assert m.entry_at(54) is None


def test_fewer_entries_than_a_screenful_are_one_read_and_no_count(filled):
    counted: list[int] = []

    def count() -> int:
        counted.append(1)
        return filled.count_entries()

    m = HistoryModel(filled.page_ids, filled.get_many, count, page_entries=filled.page_entries)
    m.BLOCK = 60
    m.reload()
    assert m.rowCount() == 54 == m.total and not m.canFetchMore() and counted == []


def test_enter_edits_and_delete_deletes_the_current_history_entry(qtbot, history):
    from rxlog.ui.edit_dialog import EditDialog
    from rxlog.ui.reason_dialog import ReasonDialog

    win, table = history.window(), history.table
    table.setFocus()
    table.selectRow(2)
    chosen = history.selected_id()
    for key, mods in (
        (Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier),
        (Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier),  # the keypad's Enter
    ):
        qtbot.keyClick(table, key, mods)
        assert isinstance(win.dialog, EditDialog) and win.dialog.entry.id == chosen
        win.dialog.reject()
    last = win.dialog
    qtbot.keyClick(table, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert win.dialog is last  # Shift+Enter is not Enter: no new dialog
    qtbot.keyClick(table, Qt.Key.Key_Down)  # other keys still move in the table
    assert history.selected_id() != chosen
    qtbot.keyClick(table, Qt.Key.Key_Delete)
    assert isinstance(win.dialog, ReasonDialog)
    win.dialog.reject()


def test_with_a_screen_reader_running_the_filters_are_filled_at_once(qtbot, filled, monkeypatch):
    """A screen reader reads a box's value and choices without focusing it."""
    import rxlog.ui.history_view as history_view

    class ScreenReaderOn:
        @staticmethod
        def isActive() -> bool:  # noqa: N802
            return True

    monkeypatch.setattr(history_view, "QAccessible", ScreenReaderOn)
    view = history_view.HistoryView(filled, filled.taxonomy, filled.placements(), filled.today())
    qtbot.addWidget(view)
    assert all(getattr(view, f).filled for f in FILTERS)
    assert view.code.currentIndex() == 0 and view.code.currentText() == "All codes"
    view.apply_filters()
    view.code.setCurrentIndex(view.code.findData("ADM-MEET"))
    assert view.model.total == 18
