"""Opens every window and dialog of rxlog-gui and rxlog-central-gui in turn, on a real X
display with Qt's AT-SPI bridge on, for tests/test_accessibility_atspi.py.

Protocol (one line each): for each scene the driver prints ``READY {json}`` (name, window
title, pid) once the window is shown and active, then waits for ``NEXT`` on stdin, closes
it and goes on; ``DONE`` at the end. Run with the project's Python:
``python tests/a11y/driver.py DATA_DIR CENTRAL_DIR``.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QSocketNotifier, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from rxlog.domain import EntryInput
from rxlog.service import RxLog

Scene = tuple[str, Callable[[], QWidget]]


def scenes(data_dir: Path, central_dir: Path) -> Iterator[Scene]:
    from rxlog.ui.main_window import MainWindow

    today = date(2026, 11, 20)
    rx = RxLog.open(data_dir, today=lambda: today)
    rx.log(EntryInput("ADM-ADMIN", minutes=10, note="team meeting"))
    win = MainWindow(rx)
    win.resize(1280, 700)

    def main(tab: int) -> Callable[[], QWidget]:
        def show() -> QWidget:
            win.show()
            win.tabs.setCurrentIndex(tab)
            return win

        return show

    yield "main window: Today", main(0)
    yield "main window: History", main(1)
    yield "main window: Summary", main(2)

    def dialog(open_it: Callable[[], object]) -> Callable[[], QWidget]:
        def show() -> QWidget:
            win.tabs.setCurrentIndex(0)
            win.day_table.selectRow(0)
            open_it()
            assert win.dialog is not None
            return win.dialog

        return show

    yield "edit entry", dialog(win.edit_selected)
    yield "delete entry", dialog(win.delete_selected)

    def timer() -> None:
        t0 = datetime(2026, 11, 20, 9, 0).astimezone()
        win.quick.line.setText("adm-admin")
        win.start_timer(t0)
        win.tick(t0 + timedelta(minutes=40))
        win.tick(t0 + timedelta(hours=3))  # slept: the stop asks what to keep
        win.stop_timer(t0 + timedelta(hours=3))

    yield "timer review", dialog(timer)
    yield "placements", dialog(win.open_placements)

    def change_placement() -> QWidget:
        win.open_placements()
        dlg = win.dialog
        sub = dlg.change_selected("end")  # type: ignore[union-attr]
        assert sub is not None
        return sub

    yield "end a placement", change_placement
    yield "absence", dialog(win.open_absence)
    yield "month sign-off", dialog(win.open_month)
    yield "backups", dialog(win.open_backups)
    yield "quick-entry help", dialog(win.show_grammar)
    yield "profile for other PCs", dialog(win.open_profile)

    from rxlog.ui.setup_wizard import SetupWizard

    wiz = SetupWizard(today, lambda *_: None, lambda *_: None)

    def wizard(page: int) -> Callable[[], QWidget]:
        def show() -> QWidget:
            wiz.show()
            if page == 1:
                wiz.you.name.setText("Alex Morgan")
                wiz.you.gphc.setText("5012345")
                wiz.next()
            return wiz

        return show

    yield "first-run wizard: you", wizard(0)
    yield "first-run wizard: placement", wizard(1)

    def from_another_pc() -> QWidget:
        wiz.show()
        wiz.restart()
        wiz.you.elsewhere.setChecked(True)
        return wiz

    yield "first-run wizard: from another PC", from_another_pc

    from rxlog.central.store import CentralStore
    from rxlog.ui.central_window import CentralWindow

    store = CentralStore.open(f"sqlite:///{central_dir / 'central.sqlite3'}")
    central = CentralWindow(store)
    central.resize(1280, 700)

    def lead(tab: int) -> Callable[[], QWidget]:
        def show() -> QWidget:
            central.show()
            central.tabs.setCurrentIndex(tab)
            return central

        return show

    yield "lead's window: Import results", lead(0)
    yield "lead's window: Completeness", lead(1)
    yield "lead's window: Returns in the store", lead(2)
    yield "planted faults", planted


def planted() -> QWidget:
    """A dialog with one of each fault the client must find (it checks the checker)."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QPushButton, QVBoxLayout

    dlg = QDialog()
    dlg.setWindowTitle("Planted faults")
    lay = QVBoxLayout(dlg)
    lay.addWidget(QLineEdit())  # a field with no label and no accessible name
    odd = QWidget()  # a focusable control with no role
    odd.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    odd.setMinimumSize(20, 20)
    lay.addWidget(odd)
    named = QPlainTextEdit()  # Tab inserts a tab here: focus is trapped
    named.setAccessibleName("Trap")
    lay.addWidget(named)
    lay.addWidget(QPushButton("After the trap"))
    dlg.show()
    return dlg


def main(argv: list[str]) -> int:
    qapp = QApplication(sys.argv[:1])
    steps = scenes(Path(argv[0]), Path(argv[1]))
    current: list[QWidget] = []

    def close_current() -> None:
        for w in current:
            if isinstance(w, QDialog):
                w.reject()  # the main windows stay open for their next scene
        current.clear()

    def advance() -> None:
        close_current()
        try:
            name, show = next(steps)
        except StopIteration:
            print("DONE", flush=True)
            qapp.quit()
            return
        widget = show()
        current.append(widget)
        widget.raise_()
        widget.activateWindow()

        def ready() -> None:
            info = {
                "name": name,
                "title": widget.accessibleName() or widget.windowTitle(),
                "pid": os.getpid(),
            }
            print("READY " + json.dumps(info), flush=True)

        QTimer.singleShot(400, ready)

    notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)

    def on_input() -> None:
        line = sys.stdin.readline()
        if not line or line.strip() == "QUIT":
            qapp.quit()
        elif line.strip() == "NEXT":
            advance()

    notifier.activated.connect(on_input)
    QTimer.singleShot(0, advance)
    return int(qapp.exec())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
