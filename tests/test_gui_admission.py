"""The detail panel's admission date-time and time done (NICE QS120 in acute care),
driven with real keys."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from rxlog.domain import EntryInput
from rxlog.ui.edit_dialog import EditDialog


@pytest.fixture(autouse=True)
def _now(monkeypatch):
    """The clock the admission fields default to, set before the window opens."""
    monkeypatch.setenv("RXLOG_NOW", "2026-11-20 15:00")


def _open(qtbot, win, line):
    win.quick.line.setFocus()
    qtbot.keyClicks(win.quick.line, line)
    qtbot.keyClick(win.quick.line, Qt.Key.Key_Tab)


def test_fields_show_only_for_admission_reconciliations(qtbot, win):
    _open(qtbot, win, "rec-adm")
    d = win.details
    assert d.current_code().code == "REC-ADM"
    assert not d.admitted.isHidden() and not d.time.isHidden()
    win.quick.clear()
    _open(qtbot, win, "rec-xfer")
    assert d.admitted.isHidden() and d.time.isHidden()


def test_typed_with_alt_keys_and_logged(qtbot, win, rx):
    _open(qtbot, win, "rec-adm y")
    d = win.details
    qtbot.keyClick(d, Qt.Key.Key_P, Qt.KeyboardModifier.AltModifier)
    assert QApplication.focusWidget() is d.admitted
    qtbot.keyClicks(d.admitted, "18/11 22:40")
    qtbot.keyClick(d, Qt.Key.Key_K, Qt.KeyboardModifier.AltModifier)
    assert QApplication.focusWidget() is d.time
    assert d.admitted.text() == "Wed 18 Nov 2026 22:40"  # read and shown the one way
    qtbot.keyClicks(d.time, "09:15")
    assert win.log_from_details()
    (e,) = rx.list_entries()
    assert (e.date, e.admitted, e.time) == (
        date(2026, 11, 19), datetime(2026, 11, 18, 22, 40), time(9, 15))  # fmt: skip


def test_quick_entry_tokens_fill_the_panel(qtbot, win):
    _open(qtbot, win, "rec-adm y ad:-2d@22:40 t:09:05")
    assert win.details.admitted.text() == "Wed 18 Nov 2026 22:40"
    assert win.details.time.text() == "09:05"


def test_a_bad_value_is_shown_beside_its_field_and_nothing_is_stored(qtbot, win, rx):
    _open(qtbot, win, "rec-adm y")
    d = win.details
    d.admitted.setText("19/11 25:00")
    assert not win.log_from_details()
    assert "not a date and time" in d._errors["admitted"].text()
    assert not d._errors["admitted"].isHidden()
    d.admitted.setText("19/11 22:00")  # after the reconciliation (19/11, done 09:00)
    d.time.setText("09:00")
    assert not win.log_from_details()
    assert "after the reconciliation" in d._errors["admitted"].text()
    d.admitted.setText("19/11 02:00")
    d.time.setText("")  # a past day needs its time
    assert not win.log_from_details()
    assert "time the reconciliation was done" in d._errors["time"].text()
    assert rx.list_entries() == []


def test_edit_dialog_shows_and_changes_it(qtbot, win, rx):
    e = rx.log(
        EntryInput(
            code="REC-ADM",
            date=date(2026, 11, 19),
            admitted=datetime(2026, 11, 18, 8, 0),
            time=time(10, 0),
        )  # fmt: skip
    ).entry
    win.edit_entry(e.id)
    dlg = win.dialog
    assert isinstance(dlg, EditDialog)
    assert dlg.panel.admitted.text() == "Wed 18 Nov 2026 08:00"
    assert dlg.panel.time.text() == "10:00"
    assert dlg.changes() == {}
    dlg.panel.admitted.setText("19/11 07:30")
    dlg.reason.setText("typed the wrong day")
    dlg.save()
    assert rx.list_entries()[0].admitted == datetime(2026, 11, 19, 7, 30)
