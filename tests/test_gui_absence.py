"""The Absence dialog, opened from the main window by its shortcut and driven by keys."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import shown_main_window
from PySide6.QtCore import Qt

from rxlog.ui.absence_dialog import AbsenceDialog

pytestmark = pytest.mark.gui
ALT = Qt.KeyboardModifier.AltModifier


@pytest.fixture
def win(qtbot, rx):
    with shown_main_window(qtbot, rx, active=True) as w:
        yield w


def press(qtbot, widget, key, times=1, modifier=Qt.KeyboardModifier.NoModifier):
    for _ in range(times):
        qtbot.keyClick(widget, key, modifier)


@pytest.mark.slow
def test_leave_in_one_step_from_the_main_window(qtbot, win, rx):
    qtbot.keyClick(
        win, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    qtbot.waitUntil(lambda: isinstance(win.dialog, AbsenceDialog) and win.dialog.isActiveWindow())
    dlg = win.dialog
    assert dlg.focusWidget() is dlg.date_from
    press(qtbot, dlg.date_from, Qt.Key.Key_Down, times=4)  # Fri 20 Nov -> Mon 16 Nov
    assert (dlg.date_to.date() - dlg.date_from.date()).days == 4  # To stayed on 20 Nov
    press(qtbot, dlg, Qt.Key.Key_K, modifier=ALT)
    assert dlg.focusWidget() is dlg.kind
    assert dlg.kind.currentData() == "annual-leave"
    press(qtbot, dlg, Qt.Key.Key_N, modifier=ALT)
    qtbot.keyClicks(dlg.note, "pt 943 476 5919")
    assert dlg.note_warning.isVisible() and "NHS number" in dlg.note_warning.text()
    assert rx.absences() == []  # warned before anything is saved
    for _ in range(len("pt 943 476 5919")):
        qtbot.keyClick(dlg.note, Qt.Key.Key_Backspace)
    assert not dlg.note_warning.isVisible()
    qtbot.keyClicks(dlg.note, "Cornwall")
    press(qtbot, dlg, Qt.Key.Key_R, modifier=ALT)
    qtbot.waitUntil(lambda: rx.absences() != [])
    (a,) = rx.absences()
    assert (a.date_from, a.date_to, a.kind, a.note) == (
        date(2026, 11, 16), date(2026, 11, 20), "annual-leave", "Cornwall"
    )  # fmt: skip
    assert "5 working days" in dlg.status.text() and dlg.table.rowCount() == 1
    # the same days again: refused beside the field, nothing added
    press(qtbot, dlg, Qt.Key.Key_R, modifier=ALT)
    qtbot.waitUntil(lambda: dlg.fields.text("from") != "")
    assert "Overlaps the annual leave" in dlg.fields.text("from")
    assert len(rx.absences()) == 1
    # delete needs a reason
    dlg.table.setFocus()
    press(qtbot, dlg, Qt.Key.Key_S, modifier=ALT)
    qtbot.waitUntil(lambda: "reason is required" in dlg.status.text())
    press(qtbot, dlg, Qt.Key.Key_D, modifier=ALT)
    assert dlg.focusWidget() is dlg.reason
    qtbot.keyClicks(dlg.reason, "cancelled the trip")
    press(qtbot, dlg, Qt.Key.Key_S, modifier=ALT)
    qtbot.waitUntil(lambda: rx.absences() == [])
    assert "Deleted annual leave" in dlg.status.text()
    assert rx.audit_records()[-1].action == "absence-delete"


def test_bank_holidays_near_today_are_shown(qtbot, rx):
    dlg = AbsenceDialog(rx.absences, rx.add_absence, rx.delete_absence, date(2026, 12, 1))
    qtbot.addWidget(dlg)
    assert "Fri 25 Dec 2026 Christmas Day" in dlg.holidays.text()
    assert "Mon 28 Dec 2026" in dlg.holidays.text()  # Boxing Day, observed
