"""WCAG 2.2 contrast and use of colour, computed from what the windows really use.

Every window and dialog (the same scenes the AT-SPI test walks) is opened offscreen; each
visible text-bearing widget's foreground and background are read from its palette after
Qt has applied its style sheet, and must reach 4.5:1 (WCAG 1.4.3). The colours the table
models paint (the lead's result and completeness cells, superseded returns, other-sector
matches) and the error and "done" colours are checked against the palette they are drawn
on; every coloured state also says itself in words (WCAG 1.4.1).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import run_cli

pytestmark = pytest.mark.gui

ROOT = Path(__file__).resolve().parent.parent
AA_TEXT = 4.5
AA_GRAPHICS = 3.0  # WCAG 1.4.11, for chart marks


def _driver():
    spec = importlib.util.spec_from_file_location("a11y_driver", ROOT / "tests/a11y/driver.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["a11y_driver"] = module
    spec.loader.exec_module(module)
    return module


def luminance(colour) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(colour.redF())
        + 0.7152 * channel(colour.greenF())
        + 0.0722 * channel(colour.blueF())
    )


def contrast(a, b) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_the_formula_is_wcags():
    from PySide6.QtGui import QColor

    assert contrast(QColor("#000000"), QColor("#ffffff")) == pytest.approx(21.0)
    assert contrast(QColor("#777777"), QColor("#ffffff")) == pytest.approx(4.48, abs=0.01)
    assert contrast(QColor("#ffffff"), QColor("#ffffff")) == pytest.approx(1.0)


def _text_of(w) -> str:
    for attr in ("text", "currentText", "title"):
        f = getattr(w, attr, None)
        if callable(f):
            try:
                value = f()
            except TypeError:
                continue
            if isinstance(value, str) and value.strip():
                return value
    return ""


def _low_contrast(top) -> list[str]:
    from PySide6.QtWidgets import QWidget

    found = []
    for w in [top, *top.findChildren(QWidget)]:
        if not w.isVisible() or not w.isEnabled():
            continue  # WCAG exempts inactive controls
        text = _text_of(w)
        if not text:
            continue
        w.ensurePolished()
        pal = w.palette()
        fg, bg = pal.color(w.foregroundRole()), pal.color(w.backgroundRole())
        ratio = contrast(fg, bg)
        if ratio < AA_TEXT:
            found.append(
                f"{type(w).__name__} {text[:40]!r}: {fg.name()} on {bg.name()} = {ratio:.2f}"
            )
    return found


def _close_all() -> None:
    from PySide6.QtWidgets import QApplication

    for w in QApplication.topLevelWidgets():
        if (tick := getattr(w, "_tick", None)) is not None:
            tick.stop()
        w.close()
        for owner in ("app", "store"):
            thing = getattr(w, owner, None)
            if thing is not None and hasattr(thing, "close"):
                thing.close()
        w.deleteLater()


@pytest.mark.slow
def test_text_in_every_window_and_dialog_reaches_4_5_to_1(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QDialog

    monkeypatch.setenv("RXLOG_TODAY", "2026-11-20")
    data = tmp_path / "data"
    assert run_cli(data, "demo", "--months", "2").code == 0
    (tmp_path / "central").mkdir()
    seen, problems = [], {}
    for name, show in _driver().scenes(data, tmp_path / "central"):
        widget = show()
        qtbot.waitExposed(widget)
        seen.append(name)
        if low := _low_contrast(widget):
            problems[name] = low
        if isinstance(widget, QDialog):
            widget.reject()
    _close_all()
    assert len(seen) >= 19
    assert problems == {}


def test_error_and_done_colours_on_the_window_and_field_backgrounds(qapp):
    from PySide6.QtGui import QColor, QPalette

    from rxlog.ui import backup_dialog, detail_panel, field_errors, main_window, month_dialog

    pal = qapp.palette()
    styles = {
        "field error": field_errors.ERROR_STYLE,
        "detail error": detail_panel.ERROR_STYLE,
        "quick-entry error": main_window.ERROR_STYLE,
        "month error": month_dialog._ERROR_STYLE,
        "month done": month_dialog._OK_STYLE,
        "backup error": backup_dialog._ERROR_STYLE,
        "backup done": backup_dialog._OK_STYLE,
    }
    for what, style in styles.items():
        colour = QColor(style.split("color:")[1].strip(" ;"))
        for role in (QPalette.ColorRole.Window, QPalette.ColorRole.Base):
            ratio = contrast(colour, pal.color(role))
            assert ratio >= AA_TEXT, f"{what} {colour.name()} on {role.name}: {ratio:.2f}"


def test_table_colours_reach_4_5_to_1_and_each_state_is_also_written(qapp):
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QPalette

    from rxlog.central import status as st
    from rxlog.ui import central_window as cw
    from rxlog.ui.models import MatchModel

    pal = qapp.palette()
    text, base = pal.color(QPalette.ColorRole.Text), pal.color(QPalette.ColorRole.Base)
    for state, colour in {**cw._OUTCOME_COLOURS, **cw._STATE_COLOURS}.items():
        from PySide6.QtGui import QColor

        ratio = contrast(text, QColor(colour))
        assert ratio >= AA_TEXT, f"text on the {state} cell {colour}: {ratio:.2f}"

    returns = cw.ReturnsModel()
    returns.rows = [("5012345-2026-10", 1, "superseded", "2026-10", "RPA", "x", 12, "", "")]
    grey = returns.data(returns.index(0, 0), Qt.ItemDataRole.ForegroundRole).color()
    assert contrast(grey, base) >= AA_TEXT, grey.name()
    assert returns.data(returns.index(0, 2), Qt.ItemDataRole.DisplayRole) == "superseded"

    matches = MatchModel()
    code = SimpleNamespace(code="ACU-TTO", title="TTO", description="")
    matches.matches = [SimpleNamespace(code=code, favourite=False, recent=False,
                                       fits_sector=False)]  # fmt: skip
    other = matches.data(matches.index(0, 0), Qt.ItemDataRole.ForegroundRole)
    assert contrast(other, base) >= AA_TEXT, other.name()
    assert "(other sector)" in matches.data(matches.index(0, 0), Qt.ItemDataRole.DisplayRole)

    # every completeness state has its own words in the cell, not only its colour
    states = (st.RECEIVED, st.REOPENED, st.MISSING, st.NOT_EXPECTED)
    labels = {st.Cell("2026-10", s, version=1).label for s in states}
    assert len(labels) == len(states) == len({cw._STATE_COLOURS[s] for s in states})


def test_selected_rows_are_readable_in_both_windows(qapp):
    from PySide6.QtGui import QPalette

    from rxlog.ui.palette import use_accessible_colours

    before = qapp.palette()
    try:
        use_accessible_colours(qapp)
        pal = qapp.palette()
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
            ratio = contrast(
                pal.color(group, QPalette.ColorRole.HighlightedText),
                pal.color(group, QPalette.ColorRole.Highlight),
            )
            assert ratio >= AA_TEXT, f"{group.name}: {ratio:.2f}"
    finally:
        qapp.setPalette(before)
    # and both windows' start-up really applies it
    for module in ("app.py", "central_window.py"):
        assert "use_accessible_colours(app)" in (ROOT / "rxlog/ui" / module).read_text()
