"""Walk every window and dialog of both apps (rxlog-gui, rxlog-central-gui; the lead's on
a store on SQLite and on PostgreSQL), in each of their states, and fail on what traps a
keyboard user on a 1366×768 laptop:

- two controls answering the same Alt+letter in one window (Alt+E was both Summary's
  "Earlier" and the Entry menu), or two items with one letter in one menu;
- a window or dialog that does not fit the screen left by a 40-pixel taskbar;
- a table that keeps Tab (Tab must leave it);
- a control no key reaches (no Tab stop, no mnemonic, no shortcut).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

import pytest
from central_db import central_url  # noqa: F401  (fixture: SQLite and PostgreSQL)
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QRadioButton,
    QTabBar,
    QWidget,
)

from rxlog.domain import EntryInput
from rxlog.export import keys
from rxlog.ui.screen_fit import FRAME, fitted

pytestmark = pytest.mark.gui

LAPTOP = QRect(0, 0, 1366, 768 - 40)  # 1366×768 less a 40-pixel taskbar
CONTROLS = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox, QAbstractItemView)


def _shown(w: QWidget, window: QWidget) -> bool:
    return w.window() is window and w.isVisible()


def mnemonics(window: QWidget) -> dict[str, list[str]]:
    """Alt+letter → the visible things in ``window`` that answer it."""
    found: dict[str, list[str]] = defaultdict(list)

    def add(text: str, who: str) -> None:
        seq = QKeySequence.mnemonic(text)
        if not seq.isEmpty():
            found[seq.toString()].append(f"{who} {text!r}")

    if isinstance(window, QMainWindow):
        for act in window.menuBar().actions():
            if act.isVisible():
                add(act.text(), "menu")
    for w in window.findChildren(QWidget):
        if not _shown(w, window):
            continue
        if isinstance(w, QAbstractButton):
            add(w.text(), type(w).__name__)
        elif isinstance(w, QLabel) and w.buddy() is not None:
            add(w.text(), "label")
        elif isinstance(w, QGroupBox):
            add(w.title(), "group")
        elif isinstance(w, QTabBar):
            for i in range(w.count()):
                if w.isTabVisible(i):
                    add(w.tabText(i), "tab")
    return found


def menu_clashes(window: QWidget) -> list[str]:
    out = []
    if not isinstance(window, QMainWindow):
        return out
    for top in window.menuBar().actions():
        menu = top.menu()
        assert isinstance(menu, QMenu)
        seen: dict[str, str] = {}
        for act in menu.actions():
            seq = QKeySequence.mnemonic(act.text()).toString()
            if not seq:
                continue
            if seq in seen:
                out.append(f"{top.text()}: {seen[seq]!r} and {act.text()!r} are both {seq}")
            seen[seq] = act.text()
    return out


def reachable_by_key(w: QWidget, window: QWidget, mnemonic_targets: set[int]) -> bool:
    if w.focusPolicy() & Qt.FocusPolicy.TabFocus:
        return True
    if id(w) in mnemonic_targets:
        return True
    if isinstance(w, QRadioButton):  # Qt keeps one Tab stop per group; arrows move in it
        group = w.group().buttons() if w.group() is not None else []
        if any(b.focusPolicy() & Qt.FocusPolicy.TabFocus for b in group):
            return True
    return bool(w.property("reached_by"))  # another documented way in (e.g. Up/Down)


def check(window: QWidget, state: str, problems: list[str]) -> None:
    """Record every trap in ``window`` as it is now."""
    QApplication.processEvents()
    for seq, who in mnemonics(window).items():
        if len(who) > 1:
            problems.append(f"{state}: {seq} is {' and '.join(who)}")
    problems.extend(f"{state}: {c}" for c in menu_clashes(window))
    room = fitted(QSize(10_000, 10_000), LAPTOP)
    for what, size in (("size", window.size()), ("minimum size", window.minimumSizeHint())):
        if size.width() > room.width() or size.height() > room.height():
            problems.append(
                f"{state}: {what} {size.width()}×{size.height()} does not fit "
                f"{room.width()}×{room.height()} (1366×768, taskbar and frame {FRAME.height()})"
            )
    targets = {
        id(lab.buddy())
        for lab in window.findChildren(QLabel)
        if lab.buddy() is not None and not QKeySequence.mnemonic(lab.text()).isEmpty()
    }
    for w in window.findChildren(QWidget):
        if not (_shown(w, window) and isinstance(w, CONTROLS) and w.isEnabled()):
            continue
        if isinstance(w, QAbstractItemView) and w.tabKeyNavigation():
            problems.append(f"{state}: {w.accessibleName() or type(w).__name__} keeps Tab")
        if isinstance(w, QHeaderView) or isinstance(w.parent(), QComboBox | QAbstractSpinBox):
            continue  # the editor inside a combo or a spin box: the box takes the focus
        if not reachable_by_key(w, window, targets):
            problems.append(
                f"{state}: {type(w).__name__} {w.accessibleName() or getattr(w, 'text', str)()!r}"
                " cannot be reached by a key"
            )


def _open(qtbot, dlg: QWidget) -> QWidget:
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    return dlg


@pytest.fixture(autouse=True)
def laptop_screen(monkeypatch):
    """Windows size themselves from the screen's available area: make it the laptop's."""
    from rxlog.ui import screen_fit

    monkeypatch.setattr(screen_fit, "available", lambda _w=None: LAPTOP)


@pytest.fixture
def win(qtbot, rx, data_dir):
    from rxlog.ui.main_window import MainWindow

    rx.log_many(
        [EntryInput("REP-MGMT", date(2026, 10, d), minutes=30, count=3) for d in (1, 2, 5)]
        + [EntryInput("ACU-TTO", rx.today(), minutes=15, count=1)]
    )
    w = MainWindow(rx)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w._tick.stop()


@pytest.mark.slow
def test_every_window_and_dialog_of_rxlog_gui(qtbot, win, rx, data_dir):
    from rxlog.timers import Timer, review
    from rxlog.ui.setup_wizard import SetupWizard
    from rxlog.ui.signoff_confirm import SignOffConfirm
    from rxlog.ui.timer_dialog import TimerReviewDialog

    problems: list[str] = []
    for i, name in enumerate(("Today", "History", "Summary")):
        win.tabs.setCurrentIndex(i)
        check(win, f"main window, {name}", problems)
    win.tabs.setCurrentIndex(0)
    for code, what in (("INT-OMIT", "grading"), ("REC-DIS", "discharge date")):
        win.details.load(code, {})
        check(win, f"main window, details with {what}", problems)
    start = datetime.now().astimezone() - timedelta(minutes=5)
    win.timers.start("ACU-TTO", start, None)
    win._show_timer()
    check(win, "main window, timer running", problems)

    for opener, state in (
        (win.open_month, "Month sign-off, no signing key"),
        (win.open_backups, "Backups"),
        (win.open_placements, "Placements"),
        (win.show_grammar, "Quick-entry grammar"),
        (win.open_absence, "Days away"),
    ):
        dlg = opener()
        dlg = dlg or win.dialog
        qtbot.waitExposed(dlg)
        check(dlg, state, problems)
        if state == "Placements":
            for mode in ("end", "edit", "delete"):
                sub = dlg.change_selected(mode)
                qtbot.waitExposed(sub)
                check(sub, f"Placements, {mode} a placement", problems)
                sub.close()
        dlg.close()
    keys.create_keys(data_dir, "Alex Morgan", "5012345", passphrase="a long passphrase")
    month = win.open_month()
    check(month, "Month sign-off, key with a passphrase", problems)
    confirm = _open(qtbot, SignOffConfirm(month.check, month))
    check(confirm, "Sign off?", problems)
    confirm.close()
    month.close()

    win.day_table.selectRow(0)
    win.edit_selected()
    check(win.dialog, "Edit entry", problems)
    win.dialog.close()
    win.delete_selected()
    check(win.dialog, "Delete entry", problems)
    win.dialog.close()
    long_ago = datetime.now().astimezone() - timedelta(hours=30)
    r = review(Timer("ACU-TTO", long_ago, long_ago, None), start)
    check(_open(qtbot, TimerReviewDialog(r, "title", win)), "Timer review", problems)

    from rxlog import quick_entry as qe
    from rxlog.ui.line_question import LineQuestion

    parsed = qe.parse("rec 25", rx.today())
    code = rx.taxonomy.get("REC-DIS")
    ask = LineQuestion(code, parsed, qe.doubts(parsed, code), True, rx.today, win)
    check(_open(qtbot, ask), "Before logging a line", problems)
    ask.close()

    wiz = SetupWizard(rx.today(), lambda *_a: None, lambda *_a: None, win)
    _open(qtbot, wiz)
    wiz.you.name.setText("Alex Morgan")
    wiz.you.gphc.setText("5012345")
    page = 0
    for page in range(8):
        check(wiz, f"Setup wizard page {page + 1}", problems)
        was = wiz.currentId()
        wiz.next()
        if wiz.currentId() == was:
            break
    assert page >= 1
    assert problems == [], "\n".join(problems)


def test_every_window_of_rxlog_central_gui(qtbot, central_url):  # noqa: F811
    from rxlog.central.store import CentralStore
    from rxlog.ui.central_window import CentralWindow

    store = CentralStore.open(central_url)
    try:
        w = CentralWindow(store)
        _open(qtbot, w)
        problems: list[str] = []
        for i in range(w.tabs.count()):
            w.tabs.setCurrentIndex(i)
            check(w, f"central window, tab {w.tabs.tabText(i)}", problems)
        assert problems == [], "\n".join(problems)
        w.close()
    finally:
        store.close()


def test_the_walker_sees_a_clash_and_a_table_that_keeps_tab(qtbot):
    """The checks above can fail: a window built with the old Alt+E clash fails them."""
    from PySide6.QtWidgets import QPushButton, QTableWidget, QVBoxLayout

    w = QMainWindow()
    w.menuBar().addMenu("&Entry")
    body = QWidget()
    lay = QVBoxLayout(body)
    lay.addWidget(QPushButton("◀ &Earlier"))
    table = QTableWidget(2, 2)
    lay.addWidget(table)
    w.setCentralWidget(body)
    _open(qtbot, w)
    problems: list[str] = []
    check(w, "old", problems)
    assert any("Alt+E" in p and "Earlier" in p for p in problems)
    assert any("keeps Tab" in p for p in problems)


def test_tab_leaves_todays_list(qtbot, win):
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    qtbot.keyClick(win.quick.line, Qt.Key.Key_W, Qt.KeyboardModifier.AltModifier)
    assert win.day_table.hasFocus()  # Alt+W goes straight to today's list
    win.day_table.selectRow(0)
    qtbot.keyClick(win.day_table, Qt.Key.Key_Tab)
    assert not win.day_table.hasFocus()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Backtab)
    assert win.day_table.hasFocus()


def test_focus_is_visible_on_todays_list(qtbot, win):
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    win.quick.line.setFocus()
    before = win.day_table.grab().toImage()
    win.day_table.setFocus()
    qtbot.waitUntil(win.day_table.hasFocus)
    after = win.day_table.grab().toImage()
    edge = [(x, 0) for x in range(0, after.width(), 7)] + [(0, y) for y in range(0, 30, 3)]
    changed = sum(before.pixel(x, y) != after.pixel(x, y) for x, y in edge)
    assert changed > len(edge) // 2  # a ring round the list, not one pixel
