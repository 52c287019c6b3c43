"""What the desktop app loads before its first paint (issue 14: start-up within 1.2x a bare
PySide6 window). The real start path (``rxlog.ui.app.main``) runs offscreen in a child
process up to the READY line it prints after the first paint; the modules loaded by then
are read there. Which modules, not how long: speed lives in bench/bench_startup.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Patch print: at the READY line, write what is loaded and leave at once (the database
# is never opened, so an empty folder will do).
_CHILD = """
import builtins, json, os, sys
real_print = builtins.print

def probe(*args, **kw):
    if args and str(args[0]).startswith("READY"):
        from PySide6.QtWidgets import QApplication
        win = QApplication.activeWindow() or QApplication.topLevelWidgets()[0]
        from PySide6.QtWidgets import QWidget
        import PySide6.QtCore, PySide6.QtGui, PySide6.QtWidgets
        # PySide6 makes a class's Python type (and its enums) when first used: the
        # names a module holds by now are the classes the first paint touched.
        made = {n for m in (PySide6.QtCore, PySide6.QtGui, PySide6.QtWidgets) for n in vars(m)}
        out = {"line": str(args[0]), "modules": sorted(sys.modules), "qt_types": sorted(made),
               "visible": win.isVisible(), "title": win.windowTitle(),
               "style": win.styleSheet(),
               "kinds": sorted({type(w).__name__ for w in win.findChildren(QWidget)})}
        real_print(json.dumps(out), flush=True)
        os._exit(0)
    return real_print(*args, **kw)

builtins.print = probe
from rxlog.ui.app import main
main(["--data-dir", sys.argv[1]])
"""

# Loaded only after the first paint: the core and its ORM, the list models (and the
# calendar/locale they bring), the menus and the panels the first paint does not show.
AFTER_THE_PAINT = (
    "sqlalchemy",
    "rxlog.service",
    "rxlog.storage.database",
    "rxlog.storage.privacy",
    "rxlog.taxonomy",
    "rxlog.settings",
    "rxlog.dates",
    "rxlog.supportlog",
    "rxlog.ui.models",
    "rxlog.ui.menus",
    "rxlog.ui.detail_panel",
    "rxlog.ui.field_errors",
    "rxlog.ui.timer_controller",
    "rxlog.ui.reminder_controller",
    "rxlog.ui.history_view",
    "PySide6.QtNetwork",
    "calendar",
    "dataclasses",
)


def first_paint(data_dir: Path) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "RXLOG_STARTUP_PROBE": "1"}
    env.pop("RXLOG_DATA_DIR", None)
    r = subprocess.run(
        [sys.executable, "-c", _CHILD, str(data_dir)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_the_first_paint_is_focused_and_loads_none_of_what_comes_after(tmp_path):
    data = tmp_path / "data"
    data.mkdir()  # an installation's folder (a first start also makes it private)
    shown = first_paint(data)
    assert shown["line"] == "READY focus=Quick entry"
    assert shown["visible"] and shown["title"].startswith("RxLog")
    early = sorted(m for m in AFTER_THE_PAINT if m in shown["modules"])
    assert early == []
    # The match list comes with the taxonomy, after the paint; its place is kept.
    assert "QListView" not in shown["kinds"] and "QuickLine" in shown["kinds"]
    # Bigger text by style sheet, not setFont: QFont's type and its eight enums (~1.5 ms)
    # are built after the paint (a check that lazily made types are seen: QFontInfo is).
    assert "QFont" not in shown["qt_types"] and "QFontInfo" in shown["qt_types"]
    # The focus frame is on the window from the start (it cascades to every dialog).
    assert "QAbstractItemView:focus" in shown["style"]
    # Heavy modules are never part of it either (the import-time test covers the rest).
    heavy = ("pandas", "reportlab", "pyhanko", "alembic", "openpyxl")
    assert not [m for m in shown["modules"] if m.split(".")[0] in heavy]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_the_lock_file_is_made_private_once_the_window_listens(qtbot, tmp_path):
    from rxlog.ui.single_instance import SingleInstance

    guard = SingleInstance(tmp_path)
    try:
        assert guard.acquire()
        assert (tmp_path / "rxlog-gui.lock").stat().st_mode & 0o777 == 0o600
    finally:
        guard.release()


def test_a_second_start_on_the_folder_shows_no_window_and_brings_the_first_forward(
    qtbot, tmp_path, monkeypatch
):
    """The lock is taken on a thread while the window is built; a start that does not get
    it never shows that window, says so and asks the first window to come forward."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    from rxlog.ui import app as gui
    from rxlog.ui.main_window import MainWindow
    from rxlog.ui.single_instance import SingleInstance

    data = tmp_path / "data"
    data.mkdir()
    first = SingleInstance(data)
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a: told.append(a[2]))
    try:
        assert first.acquire()
        with qtbot.waitSignal(first.raise_requested, timeout=5000):
            assert gui.run(data) == 0
        assert told and "already running" in told[0]
        shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        assert not any(w.isVisible() for w in shown)
        assert not (data / "window.ini").exists()  # the unshown window saved no size
    finally:
        first.release()


def test_the_match_list_comes_in_its_kept_place_and_nothing_moves(qtbot):
    """Before the taxonomy the quick bar keeps the list's place (the same height); the
    list made with the taxonomy takes it, and the line and its hint stay where they were."""
    from PySide6.QtWidgets import QListView, QVBoxLayout, QWidget

    from rxlog.taxonomy import current_taxonomy
    from rxlog.ui.quick_bar import QuickBar

    outer = QWidget()
    lay = QVBoxLayout(outer)
    bar = QuickBar(None, lambda: __import__("datetime").date(2026, 12, 1), list, list,
                   lambda values: (None, None))  # fmt: skip
    below = QWidget()
    below.setMinimumHeight(50)
    lay.addWidget(bar)
    lay.addWidget(below)
    outer.resize(900, 500)
    qtbot.addWidget(outer)
    outer.show()
    qtbot.waitExposed(outer)
    assert bar.findChildren(QListView) == []
    before = (bar.line.geometry(), bar.hint.geometry(), below.geometry(), bar.height())
    place = bar._list_place
    assert place is not None and place.isVisible()
    kept = place.geometry()

    bar.taxonomy = current_taxonomy()
    bar.refresh()
    qtbot.wait(0)  # the layout settles
    lists = bar.findChildren(QListView)
    assert lists == [bar.list] and bar.list.isVisible()
    assert bar.list.accessibleName() == "Matching activities"
    assert bar._list_place is None and not place.isVisible()
    # The same height, in the same place under the hint (which the taxonomy fills in:
    # it grows by its text, and what is below it moves by that, not by the list).
    got = bar.list.geometry()
    grown = bar.hint.geometry().height() - before[1].height()
    assert got.height() == kept.height() and got.left() == kept.left()
    assert got.top() - bar.hint.geometry().bottom() == kept.top() - before[1].bottom()
    assert bar.line.geometry() == before[0]
    assert below.geometry().top() == before[2].top() + grown
    bar.line.setText("rec")  # and it works: matches listed, as before
    assert bar.list.model().rowCount() > 0
    assert bar.list.isVisible()


def test_the_heading_and_the_quick_line_are_drawn_bigger_by_their_style(qtbot, tmp_path):
    """The day's heading (bold, 1.25x) and the quick-entry line (1.3x) get their size from
    a style sheet now, not setFont: once shown, their fonts are as setFont made them, and
    typing into the line keeps it (its style sheet is never replaced)."""
    from PySide6.QtWidgets import QApplication

    from rxlog.ui.main_window import MainWindow

    base = QApplication.font().pointSizeF()
    win = MainWindow(data_dir=tmp_path)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    heading, line = win.day_heading.font(), win.quick.line.font()
    assert heading.bold() and heading.pointSizeF() == pytest.approx(base * 1.25, abs=0.01)
    assert not line.bold() and line.pointSizeF() == pytest.approx(base * 1.3, abs=0.01)
    win.quick.line.setText("rec 2")
    assert win.quick.line.font().pointSizeF() == pytest.approx(base * 1.3, abs=0.01)
