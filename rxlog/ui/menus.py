"""The main window's menus: every action, with its shortcut shown in the menu and in
its tooltip. Built from the window's own slots; nothing here holds state."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

if TYPE_CHECKING:
    from rxlog.ui.main_window import MainWindow


def make_action(
    win: MainWindow,
    menu: QMenu,
    text: str,
    slot: Callable[[], object],
    shortcut: Any = None,
    tip: str = "",
) -> QAction:
    """An action in ``menu`` (and on the window, so its shortcut works anywhere in it)."""
    act = QAction(text, win)
    if shortcut is not None:
        act.setShortcut(QKeySequence(shortcut))
        act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    plain = text.replace("&", "").rstrip("…")
    keys = act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    act.setToolTip(f"{tip or plain} ({keys})" if keys else (tip or plain))
    act.setStatusTip(tip or plain)
    act.triggered.connect(lambda _checked=False: win.when_open(slot))
    menu.addAction(act)
    win.addAction(act)
    return act


def build_menus(win: MainWindow) -> None:
    def add(
        menu: QMenu, text: str, slot: Callable[[], object], shortcut: Any = None, tip: str = ""
    ) -> QAction:
        return make_action(win, menu, text, slot, shortcut, tip)

    mb = win.menuBar()
    m = mb.addMenu("&File")
    add(m, "&Backups…", win.open_backups, "Ctrl+Shift+B", "Back up or restore the database")
    add(
        m,
        "&Profile for other PCs…",
        win.open_profile,
        "Ctrl+Shift+O",
        "Set up or update another PC",
    )
    m.addSeparator()
    add(m, "&Quit", win.close, "Ctrl+Q")
    m = mb.addMenu("&Entry")
    add(m, "&Quick entry", win.focus_quick, "Ctrl+L", "Go to the quick-entry line")
    add(m, "&Log with details", win.log_from_details, "Ctrl+Return")
    add(m, "&Edit selected entry…", win.edit_selected, "Ctrl+E")
    add(m, "&Delete selected entry…", win.delete_selected, "Ctrl+Del")
    win.undo_action = add(
        m, "&Undo", win.undo, "Ctrl+Z", "Undo the last change to entries (log, edit, delete)"
    )
    win.redo_action = add(m, "Red&o", win.redo, "Ctrl+Shift+Z", "Redo what Ctrl+Z undid")
    win.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    add(
        m,
        "Redact &note of selected entry…",
        win.redact_selected,
        "Ctrl+Shift+R",
        "Take the note's text out of the entry, the audit trail and every backup",
    )
    add(m, "&Repeat last entry", win.repeat_last, "Ctrl+R", "Log the last entry again, today")
    add(m, "&Copy a day to today…", win.copy_day, "Ctrl+Shift+C")
    m.addSeparator()
    add(
        m,
        "&Star / unstar favourite",
        win.toggle_favourite,
        "Ctrl+D",
        "Make the top match a favourite (f1…f9 in quick entry)",
    )
    m = mb.addMenu("T&imer")
    add(m, "&Start timer on top match", win.start_timer, "Ctrl+T")
    add(m, "S&top timer and log", win.stop_timer, "Ctrl+Shift+T")
    m = mb.addMenu("&View")
    add(m, "&Today", lambda: win.tabs.setCurrentIndex(0), "Ctrl+1")
    add(m, "&History", lambda: win.tabs.setCurrentIndex(1), "Ctrl+2")
    add(m, "&Summary", lambda: win.tabs.setCurrentIndex(2), "Ctrl+3")
    m = mb.addMenu("&Month")
    add(
        m,
        "Month &sign-off…",
        win.open_month,
        "Ctrl+M",
        "Sign off a month and export its return",
    )
    m = mb.addMenu("&Setup")
    add(m, "&Placements…", win.open_placements, "Ctrl+Shift+P", "The rotation calendar")
    add(
        m,
        "&Absence…",
        win.open_absence,
        "Ctrl+Shift+A",
        "Record leave, sickness or training (not counted as days without entries)",
    )
    m = mb.addMenu("&Help")
    add(m, "Quick-entry &grammar", win.show_grammar, "F1")
