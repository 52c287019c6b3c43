"""Redaction and the note warning in the app, driven by keys."""

from __future__ import annotations

import pytest
from conftest import shown_main_window
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from rxlog.domain import EntryInput
from rxlog.ui.reason_dialog import ReasonDialog

pytestmark = pytest.mark.gui
SPACED = "943 476 5919"
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def win(qtbot, rx):
    with shown_main_window(qtbot, rx, active=True) as w:
        yield w


def test_redact_the_selected_entrys_note_by_keys(qtbot, win, rx):
    e = rx.log(EntryInput("ACU-TTO", rx.today(), note=f"pt {SPACED}")).entry
    rx.back_up()
    win.refresh_today()
    win.day_table.setFocus()
    win.day_table.selectRow(0)
    qtbot.keyClick(win.day_table, Qt.Key.Key_R, CTRL_SHIFT)
    qtbot.waitUntil(lambda: isinstance(win.dialog, ReasonDialog) and win.dialog.isVisible())
    dlg = win.dialog
    qtbot.waitUntil(dlg.isActiveWindow)
    assert any("every backup" in label.text() for label in dlg.findChildren(QLabel))
    dlg.reason.setFocus()
    qtbot.keyClick(dlg.reason, Qt.Key.Key_Return)  # no reason: refused beside the field
    assert dlg.isVisible() and "reason is required" in dlg.fields.text("reason")
    qtbot.keyClicks(dlg.reason, "NHS number typed in")
    qtbot.keyClick(dlg.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dlg.isVisible())
    assert rx.get(e.id).note is None
    assert rx.audit_records()[-1].action == "redact"
    assert "Note redacted from ACU-TTO and 1 backup" in win.statusBar().currentMessage()
    assert rx.verify_audit().ok


def test_the_note_field_warns_before_saving(qtbot, win, rx):
    panel = win.details
    panel.note.setFocus()
    qtbot.keyClicks(panel.note, f"rang {SPACED}")
    assert panel.note_warning.isVisible() and "NHS number" in panel.note_warning.text()
    assert "before you save" in panel.note_warning.text()
    assert rx.list_entries() == []  # nothing saved by warning
    panel.note.selectAll()
    qtbot.keyClicks(panel.note, "rang back")
    assert not panel.note_warning.isVisible()
