"""The real main window, driven with pytest-qt: quick entry, errors, edit, delete, timers."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from rxlog.storage.models import MonthLock
from rxlog.ui.edit_dialog import EditDialog
from rxlog.ui.main_window import MainWindow
from rxlog.ui.reason_dialog import ReasonDialog
from rxlog.ui.timer_dialog import TimerReviewDialog

pytestmark = pytest.mark.gui


def _type(qtbot, win, text):
    win.quick.line.setFocus()
    qtbot.keyClicks(win.quick.line, text)
    qtbot.keyClick(win.quick.line, Qt.Key.Key_Return)


def test_opens_with_focus_in_quick_entry(win, rx):
    inst = rx.installation()
    assert win.windowTitle() == f"RxLog – activity log – {inst.name} ({inst.short})"
    rx.name_installation("Trust laptop")
    win.show_installation()
    assert win.windowTitle() == f"RxLog – activity log – Trust laptop ({inst.short})"
    QApplication.processEvents()
    assert QApplication.focusWidget() is win.quick.line


def test_type_and_enter_logs_today_and_shows_the_row(qtbot, win, rx):
    _type(qtbot, win, "rec 2 25m")
    stored = rx.list_entries(rx.today(), rx.today())
    assert [(e.code, e.count, e.minutes, e.site) for e in stored] == [("REC-ADM", 2, 25, "RPA")]
    assert win.day_model.rowCount() == 1
    assert win.day_model.entries[0].id == stored[0].id
    assert "1 entry · 0 h 25 · 2 patients" in win.totals.text()
    assert win.quick.line.text() == ""


def test_live_hint_reads_the_line(qtbot, win):
    qtbot.keyClicks(win.quick.line, "int s4 h:b 12m")
    hint = win.quick.hint.text()
    assert "INT-" in hint and "Eadon 4" in hint and "harm B" in hint and "12 min" in hint


def test_a_favourite_in_five_keystrokes(qtbot, win, rx):
    qtbot.keyClicks(win.quick.line, "tto")
    win.toggle_favourite()  # Ctrl+D stars the top match
    win.quick.clear()
    assert win.favourites() == ["ACU-TTO"]
    keys = "f1"
    _type(qtbot, win, keys)  # 2 characters + Enter = 3 keystrokes
    assert len(keys) + 1 <= 5
    assert [e.code for e in rx.list_entries()] == ["ACU-TTO"]


def test_an_error_is_shown_beside_its_field_and_nothing_is_stored(qtbot, win, rx):
    _type(qtbot, win, "tto 900m")
    assert rx.list_entries() == []
    assert "720" in win.quick_error.text() and win.quick_error.isVisible()
    assert "720" in win.details.error_text("minutes")
    assert win.quick.line.text() == "tto 900m"  # kept, to be corrected


def test_wrong_sector_and_unknown_text(qtbot, win, rx):
    _type(qtbot, win, "rec-dis")  # a primary-care code at a hospital placement
    assert "secondary-care site" in win.quick_error.text()
    win.quick.clear()
    _type(qtbot, win, "zzzz")
    assert "no activity matches" in win.quick_error.text().lower()
    assert rx.list_entries() == []


def test_detail_panel_shows_grading_only_for_interventions(qtbot, win):
    qtbot.keyClicks(win.quick.line, "int-omit")
    qtbot.keyClick(win.quick.line, Qt.Key.Key_Tab)
    assert win.details.current_code().code == "INT-OMIT"
    assert not win.details.grading.isHidden()
    assert win.details.discharge_received.isHidden()
    win.quick.clear()
    qtbot.keyClicks(win.quick.line, "adm-meet")
    qtbot.keyClick(win.quick.line, Qt.Key.Key_Tab)
    assert win.details.grading.isHidden()


def test_log_from_details_with_grading(qtbot, win, rx):
    qtbot.keyClicks(win.quick.line, "int-omit s5 h:c")
    qtbot.keyClick(win.quick.line, Qt.Key.Key_Tab)
    win.details.minutes.setValue(14)
    assert win.log_from_details()
    e = rx.list_entries()[0]
    assert (e.code, e.minutes, e.significance, e.harm) == ("INT-OMIT", 14, 5, "C")


def test_edit_needs_a_reason_and_is_audited(qtbot, win, rx):
    _type(qtbot, win, "tto 15m")
    win.day_table.selectRow(0)
    win.edit_selected()
    dlg = win.dialog
    assert isinstance(dlg, EditDialog)
    dlg.panel.minutes.setValue(35)
    dlg.save()  # no reason yet
    assert "reason is required" in dlg.reason_fields.text("reason")
    assert rx.list_entries()[0].minutes == 15
    dlg.reason.setText("timed it wrong")
    dlg.save()
    assert rx.list_entries()[0].minutes == 35
    assert rx.audit_records()[-1].reason == "timed it wrong"
    assert win.day_model.entries[0].minutes == 35


def test_delete_with_reason_then_undo(qtbot, win, rx):
    _type(qtbot, win, "tto 15m")
    eid = rx.list_entries()[0].id
    win.day_table.selectRow(0)
    win.delete_selected()
    dlg = win.dialog
    assert isinstance(dlg, ReasonDialog)
    dlg.reason.setText("logged twice")
    dlg.ok()
    assert rx.list_entries() == [] and win.day_model.rowCount() == 0
    qtbot.keyClick(win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert [e.id for e in rx.list_entries()] == [eid]
    assert win.day_model.rowCount() == 1


def _ctrl(qtbot, widget, key, shift=False):
    mods = Qt.KeyboardModifier.ControlModifier
    if shift:
        mods |= Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(widget, key, mods)


@pytest.mark.slow
def test_ctrl_z_after_a_delete_undoes_the_delete_not_the_line(qtbot, win, rx):
    """The trap in the issue: Ctrl+Z restored the cleared line, Enter logged it again."""
    _type(qtbot, win, "tto 15m")
    eid = rx.list_entries()[0].id
    win.day_table.setFocus()
    win.day_table.selectRow(0)
    qtbot.keyClick(win.day_table, Qt.Key.Key_Delete)
    qtbot.waitUntil(win.dialog.isActiveWindow)
    qtbot.keyClicks(win.dialog.reason, "logged twice")
    qtbot.keyClick(win.dialog.reason, Qt.Key.Key_Return)
    assert rx.list_entries() == []
    win.activateWindow()  # what the desktop does when a dialog closes (offscreen does not)
    qtbot.waitUntil(win.isActiveWindow)
    win.quick.line.setFocus()  # focus back in the (cleared) quick-entry line
    _ctrl(qtbot, win.quick.line, Qt.Key.Key_Z)
    assert win.quick.line.text() == ""
    assert [e.id for e in rx.list_entries()] == [eid]
    assert "Undid the delete of ACU-TTO" in win.statusBar().currentMessage()
    # redo with either key, from the table; undo again; the audit trail has it all
    win.day_table.setFocus()
    _ctrl(qtbot, win.day_table, Qt.Key.Key_Z, shift=True)
    assert rx.list_entries() == []
    assert "Redid the delete" in win.statusBar().currentMessage()
    _ctrl(qtbot, win.day_table, Qt.Key.Key_Z)
    _ctrl(qtbot, win.day_table, Qt.Key.Key_Y)
    assert rx.list_entries() == []
    actions = [r.action for r in rx.audit_records()]
    assert actions == ["create", "delete", "restore", "delete", "restore", "delete"]
    assert rx.verify_audit().ok


def test_ctrl_z_undoes_typing_first_then_the_entries(qtbot, win, rx):
    _type(qtbot, win, "tto 15m")
    qtbot.keyClicks(win.quick.line, "pod")
    _ctrl(qtbot, win.quick.line, Qt.Key.Key_Z)  # the typing has something to undo
    assert win.quick.line.text() == "" and len(rx.list_entries()) == 1
    assert "typing in Quick entry" in win.statusBar().currentMessage()
    _ctrl(qtbot, win.quick.line, Qt.Key.Key_Z)  # nothing left to type-undo: the log
    assert rx.list_entries() == [] and win.quick.line.text() == ""
    assert "Undid logging ACU-TTO" in win.statusBar().currentMessage()
    _ctrl(qtbot, win.quick.line, Qt.Key.Key_Z)
    assert "no change to entries to undo" in win.statusBar().currentMessage()


def test_ctrl_z_in_the_history_tab_undoes_the_entries(qtbot, win, rx):
    """The history tab is built after the window: its table and filters take Ctrl+Z to
    the window's undo as the rest of the window does."""
    _type(qtbot, win, "tto 15m")
    _type(qtbot, win, "pod 2 10m")
    win.tabs.setCurrentIndex(1)
    table = win._history.table
    table.setFocus()
    table.selectRow(0)
    _ctrl(qtbot, table, Qt.Key.Key_Z)
    assert [e.code for e in rx.list_entries()] == ["ACU-TTO"]
    assert "Undid logging" in win.statusBar().currentMessage()
    win._history.code.setFocus()
    _ctrl(qtbot, win._history.code, Qt.Key.Key_Y)
    assert len(rx.list_entries()) == 2
    assert "Redid logging" in win.statusBar().currentMessage()


def test_the_undo_keys_see_only_the_focused_widgets_events(qtbot, rx, monkeypatch):
    """Ctrl+Z is decided by a filter on the widget with the focus, not on the whole
    application, which saw every event of every widget (a history paint's ~1,100)."""
    from shiboken6 import getCppPointer

    from rxlog.ui.undo_keys import UndoKeys

    def address(obj) -> int:  # noqa: ANN001 (no reference kept: only Qt's object address)
        return getCppPointer(obj)[0]

    seen: list[int] = []
    focused: list[int] = []
    real = UndoKeys.eventFilter

    def counting(self, obj, event):  # noqa: ANN001, ANN202
        seen.append(address(obj))
        return real(self, obj, event)

    def focus_moved(obj) -> None:  # noqa: ANN001
        if obj is not None:
            focused.append(address(obj))

    monkeypatch.setattr(UndoKeys, "eventFilter", counting)  # before the window makes one
    qapp = QApplication.instance()
    qapp.focusObjectChanged.connect(focus_moved)
    try:
        win = MainWindow(rx)
        qtbot.addWidget(win)
        win.show()
        qtbot.waitExposed(win)
        win.activateWindow()
        qtbot.waitUntil(win.isActiveWindow)
        _type(qtbot, win, "tto 15m")
        win.tabs.setCurrentIndex(1)
        win._history.grab()  # painted: its table's viewport, header and filter boxes
        win._tick.stop()
    finally:
        qapp.focusObjectChanged.disconnect(focus_moved)
    assert address(win.quick.line) in seen  # its typing passed through the filter
    assert set(seen) <= set(focused)  # and nothing that never had the focus
    assert address(win._history.table.viewport()) not in seen


def test_undo_an_edit_and_a_copied_day(qtbot, win, rx):
    _type(qtbot, win, "tto 15m y")
    e = rx.list_entries()[0]
    win.ops.edit(e.id, {"minutes": 40, "note": "ward 3"}, "timed it wrong")
    assert "Undo the edit of ACU-TTO" in win.undo_action.text().replace("&", "")
    win.copy_day(e.date)
    assert len(rx.list_entries()) == 2
    win.day_table.setFocus()
    _ctrl(qtbot, win.day_table, Qt.Key.Key_Z)
    assert len(rx.list_entries()) == 1
    _ctrl(qtbot, win.day_table, Qt.Key.Key_Z)
    back = rx.get(e.id)
    assert (back.minutes, back.note) == (15, None)
    assert rx.audit_records()[-1].reason == "undone (Ctrl+Z)"


def test_repeat_last_and_copy_yesterday(qtbot, win, rx):
    _type(qtbot, win, "tto 15m y")
    _type(qtbot, win, "pod 3 y")
    win.repeat_last()
    assert [e.code for e in rx.list_entries(rx.today(), rx.today())] == ["ACU-POD"]
    win.copy_day(rx.today() - timedelta(days=1))
    assert sorted(e.code for e in rx.list_entries(rx.today(), rx.today())) == [
        "ACU-POD", "ACU-POD", "ACU-TTO"
    ]  # fmt: skip
    assert win.day_model.rowCount() == 3


def test_timer_start_stop_logs_elapsed_minutes(qtbot, win, rx):
    t0 = datetime(2026, 11, 20, 10, 0).astimezone()
    qtbot.keyClicks(win.quick.line, "tto")
    win.start_timer(t0)
    assert win.timer_box.isVisible() and "ACU-TTO" in win.timer_label.text()
    for m in range(1, 23):
        win.tick(t0 + timedelta(minutes=m))
    win.stop_timer(t0 + timedelta(minutes=22))
    e = rx.list_entries()[0]
    assert (e.code, e.minutes, e.date) == ("ACU-TTO", 22, date(2026, 11, 20))
    assert win.timers.current() is None and not win.timer_box.isVisible()


@pytest.mark.slow
def test_timer_left_over_sleep_asks_what_to_keep(qtbot, win, rx):
    t0 = datetime(2026, 11, 20, 9, 0).astimezone()
    qtbot.keyClicks(win.quick.line, "adm-admin")
    win.start_timer(t0)
    for m in range(1, 41):
        win.tick(t0 + timedelta(minutes=m))
    win.tick(t0 + timedelta(hours=3))  # the PC slept after 40 minutes: caught on waking
    assert "slept" in win.timer_label.text() and "choose what to keep" in win.timer_label.text()
    win.stop_timer(t0 + timedelta(hours=3))
    dlg = win.dialog
    assert isinstance(dlg, TimerReviewDialog)
    assert "slept" in " ".join(dlg.review.reasons())
    dlg.buttons[1].setChecked(True)  # "Up to when RxLog last saw it: 40 minutes"
    dlg._ok()
    assert [(e.code, e.minutes) for e in rx.list_entries()] == [("ADM-ADMIN", 40)]


def test_a_locked_month_says_so_and_refuses(qtbot, rx, win):
    with rx.db.transaction() as s:
        s.add(MonthLock(month="2026-11", version=1, locked=True, locked_at="2026-11-30T00:00"))
    win.refresh_today()
    assert "signed off" in win.locked_banner.text() and not win.locked_banner.isHidden()
    _type(qtbot, win, "tto")
    assert "signed off" in win.quick_error.text()
    assert rx.list_entries() == []


def test_every_menu_action_has_a_shortcut_in_its_tooltip(win):
    acts = [a for m in win.menuBar().actions() for a in m.menu().actions() if a.text()]
    assert len(acts) >= 15
    for a in acts:
        assert not a.shortcut().isEmpty(), a.text()
        assert a.shortcut().toString() in a.toolTip() or "(" in a.toolTip(), a.text()


def test_history_and_summary_follow_changes(qtbot, win, rx):
    _type(qtbot, win, "tto 15m")
    win.tabs.setCurrentIndex(1)
    assert win._history.model.rowCount() == 1
    win.tabs.setCurrentIndex(0)
    _type(qtbot, win, "pod 2 10m")
    win.tabs.setCurrentIndex(1)
    assert win._history.model.rowCount() == 2
    win.tabs.setCurrentIndex(2)
    assert "2 entries · 0 h 25" in win._summary.figures.text()


@pytest.mark.slow
def test_optional_dialogs_open_or_say_not_available(win):
    import importlib.util

    for name, opener, cls in (
        ("month_dialog", win.open_month, "MonthDialog"),
        ("backup_dialog", win.open_backups, "BackupDialog"),
    ):
        dlg = opener()
        if importlib.util.find_spec(f"rxlog.ui.{name}") is None:
            assert dlg is None and "not available in this build" in win.last_notice
        else:
            assert dlg is not None and type(dlg).__name__ == cls
            dlg.close()


def test_window_geometry_is_remembered(qtbot, rx, monkeypatch):
    from PySide6.QtCore import QRect

    from rxlog.ui import screen_fit

    monkeypatch.setattr(screen_fit, "available", lambda _w=None: QRect(0, 0, 1366, 728))
    w = MainWindow(rx)
    qtbot.addWidget(w)
    w.show()
    # A size that fits the screen (restoring a larger one is clamped to it, as it should
    # be: Windows' fonts make the window wider than the offscreen screen's 800 px less 37).
    avail = w.screen().availableGeometry()
    width = min(w.minimumSizeHint().width() + 37, avail.width() - 40)
    w.resize(width, w.minimumSizeHint().height() + 23)
    w.move(avail.x() + 10, avail.y() + 10)
    size = (w.width(), w.height())
    w.close()
    w2 = MainWindow(rx)
    qtbot.addWidget(w2)
    assert (w2.width(), w2.height()) == size
    w2._tick.stop()
    # at start-up the window is placed before the database is even open
    w3 = MainWindow(data_dir=rx.db.data_dir)
    qtbot.addWidget(w3)
    assert (w3.width(), w3.height()) == size
    assert (rx.db.data_dir / "window.ini").exists()


def test_fits_a_1366x768_laptop_with_a_taskbar(qtbot, rx, monkeypatch):
    from PySide6.QtCore import QRect

    from rxlog.ui import screen_fit

    laptop = QRect(0, 0, 1366, 728)  # 768 less a 40-pixel taskbar
    monkeypatch.setattr(screen_fit, "available", lambda _w=None: laptop)
    w = MainWindow(rx)  # first start: sized from the screen, not a fixed 1180×760
    qtbot.addWidget(w)
    assert w.width() <= 1366 - 16 and w.height() + 40 <= 728
    w.resize(1800, 1100)  # saved on a big monitor at work
    w.move(300, 200)
    w.close()
    w2 = MainWindow(rx)  # restored, then shrunk and moved onto the laptop's screen
    qtbot.addWidget(w2)
    assert w2.width() + 16 <= 1366 and w2.height() + 40 <= 728
    assert laptop.contains(w2.frameGeometry()), w2.frameGeometry()
    w2._tick.stop()


def test_a_second_start_raises_the_window_as_it_is(qtbot, rx):
    from rxlog.ui.screen_fit import bring_forward

    w = MainWindow(rx)
    qtbot.addWidget(w)
    w.showMaximized()
    qtbot.waitUntil(w.isMaximized)
    bring_forward(w)
    assert w.isMaximized()  # showNormal() here un-maximised it
    w.showMinimized()
    qtbot.waitUntil(w.isMinimized)
    bring_forward(w)
    assert not w.isMinimized() and w.isMaximized()
    w._tick.stop()


def test_day_end_reminder_when_nothing_logged(win):
    late = datetime(2026, 11, 20, 17, 0).astimezone()
    assert win.check_reminder(late)
    assert "Nothing is logged today" in win.quick_error.text()
    assert not win.check_reminder(late)  # once a day


def test_matches_follow_the_sector_of_the_date_typed(qtbot, win, rx):
    qtbot.keyClicks(win.quick.line, "rec d:2026-10-14")  # at G82001, primary care
    assert win.quick.current_code().code == "REC-DIS"
    assert "at G82001" in win.quick.hint.text()
    qtbot.keyClicks(win.quick.line, " dr:13/10")
    qtbot.keyClick(win.quick.line, Qt.Key.Key_Return)
    e = rx.list_entries()[0]
    assert (e.code, e.site, e.date) == ("REC-DIS", "G82001", date(2026, 10, 14))
    assert e.discharge_received == date(2026, 10, 13)


def _answer(qtbot, win):
    from rxlog.ui.line_question import LineQuestion

    qtbot.waitUntil(lambda: isinstance(win.dialog, LineQuestion) and win.dialog.isActiveWindow())
    return win.dialog


@pytest.mark.slow
def test_the_preview_runs_the_checks_enter_will_and_clears_when_the_line_changes(qtbot, win, rx):
    line = win.quick.line
    refused = {
        "tto d:2026-08-03": "no placement covers",  # before every placement
        "int s7 h:Z": "not on the Eadon scale",
        "tto s4": "not an intervention",
        "tto 780m": "1 to 720 minutes",
    }
    for text, why in refused.items():
        line.setText("")
        qtbot.keyClicks(line, text)
        hint = win.quick.hint.text()
        assert hint.startswith("⚠ Enter will not log this") and why.lower() in hint.lower(), hint
        assert "rxlog " not in hint  # what to click, never a command
        qtbot.keyClick(line, Qt.Key.Key_Return)
        assert rx.list_entries() == []
        assert why.lower() in win.quick_error.text().lower() and win.quick_error.isVisible()
    qtbot.keyClick(line, Qt.Key.Key_Backspace)  # the line changes: the stale error goes
    assert win.quick_error.isHidden()
    line.setText("")
    qtbot.keyClicks(line, "tto d:2026-08-03")
    assert "Setup ▸ Placements" in win.quick.hint.text()
    # a locked month is refused as it is typed, with what to click
    from rxlog.domain import EntryInput
    from rxlog.export import keys

    rx.log(EntryInput("REP-MGMT", date(2026, 10, 5), minutes=30, count=3))
    from rxlog.export.signoff import ExportOptions, export_month

    keys.create_keys(rx.db.data_dir, "Alex Morgan", "5012345")
    out = rx.db.data_dir.parent / "out"
    out.mkdir()
    export_month(rx, "2026-10", ExportOptions(out))
    line.setText("")
    qtbot.keyClicks(line, "rep-mgmt d:2026-10-06")
    assert "signed off" in win.quick.hint.text() and "Reopen month" in win.quick.hint.text()
    line.setText("")
    qtbot.keyClicks(line, "tto 15m")
    assert win.quick.hint.text().startswith("Enter logs: ACU-TTO") and not win.quick.refusal


@pytest.mark.slow
def test_a_bare_number_follows_a_shown_rule_and_a_doubtful_one_is_asked(qtbot, win, rx):
    line = win.quick.line
    qtbot.keyClicks(line, "tto 3")
    assert "3 patients" in win.quick.hint.text()
    assert "a bare number is the count; 3m would be minutes" in win.quick.hint.text()
    line.setText("")
    # "rec 25" meant 25 minutes: asked, with minutes as the choice Enter takes
    qtbot.keyClicks(line, "pod 25")
    assert "Enter will first ask" in win.quick.hint.text()
    qtbot.keyClick(line, Qt.Key.Key_Return)
    dlg = _answer(qtbot, win)
    assert dlg.as_minutes.isChecked()
    dlg.grab().save(str(rx.db.data_dir.parent / "question.png"))
    qtbot.keyClick(dlg.focusWidget(), Qt.Key.Key_Return)
    e = rx.list_entries()[0]
    assert (e.code, e.minutes, e.count) == ("ACU-POD", 25, 1)
    # or kept as typed, with Alt+letter
    qtbot.keyClicks(line, "pod 25")
    qtbot.keyClick(line, Qt.Key.Key_Return)
    dlg = _answer(qtbot, win)
    qtbot.keyClick(dlg, Qt.Key.Key_P, Qt.KeyboardModifier.AltModifier)  # 25 &patients
    qtbot.waitUntil(dlg.as_count.isChecked)
    qtbot.keyClick(dlg, Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: len(rx.list_entries()) == 2)
    assert rx.list_entries()[1].count == 25
    # a long entry is questioned; Esc goes back with the line kept
    qtbot.keyClicks(line, "pod 300m")
    qtbot.keyClick(line, Qt.Key.Key_Return)
    dlg = _answer(qtbot, win)
    qtbot.keyClick(dlg, Qt.Key.Key_Escape)
    assert len(rx.list_entries()) == 2 and line.text() == "pod 300m"


def test_a_code_that_needs_a_date_asks_for_it_there_and_then(qtbot, win, rx):
    line = win.quick.line
    qtbot.keyClicks(line, "rec 2 25m d:2026-10-14")
    assert "when the discharge information was received" in win.quick.hint.text()
    qtbot.keyClick(line, Qt.Key.Key_Return)
    dlg = _answer(qtbot, win)
    assert dlg.focusWidget() is dlg.discharge
    qtbot.keyClick(dlg.discharge, Qt.Key.Key_Return)  # empty: refused beside the field
    assert rx.list_entries() == [] and "A date is required" in dlg.fields.text("discharge_received")
    qtbot.keyClicks(dlg.discharge, "12/10")
    qtbot.keyClick(dlg.discharge, Qt.Key.Key_Return)
    e = rx.list_entries()[0]
    assert (e.code, e.count, e.minutes) == ("REC-DIS", 2, 25)
    assert e.discharge_received == date(2026, 10, 12)


def test_enter_edits_and_delete_deletes_in_the_lists(qtbot, win, rx):
    _type(qtbot, win, "tto 15m")
    win.day_table.setFocus()
    win.day_table.selectRow(0)
    qtbot.keyClick(win.day_table, Qt.Key.Key_Return)
    assert isinstance(win.dialog, EditDialog)
    win.dialog.reject()
    qtbot.keyClick(win.day_table, Qt.Key.Key_Delete)
    assert isinstance(win.dialog, ReasonDialog)
    win.dialog.reject()
    win.tabs.setCurrentIndex(1)
    table = win._history.table
    table.setFocus()
    table.selectRow(0)
    qtbot.keyClick(table, Qt.Key.Key_Delete)
    assert isinstance(win.dialog, ReasonDialog)
    win.dialog.reason.setText("wrong day")
    win.dialog.ok()
    assert rx.list_entries() == []
    assert win._history.model.rowCount() == 0


def test_in_a_signed_off_month_only_the_note_can_be_edited(qtbot, rx, win):
    _type(qtbot, win, 'tto 15m "NHS 943 476 5919 rang"')
    with rx.db.transaction() as s:
        s.add(MonthLock(month="2026-11", version=1, locked=True, locked_at="2026-11-30T00:00"))
    win.refresh_today()
    win.day_table.selectRow(0)
    win.edit_selected()
    dlg = win.dialog
    assert isinstance(dlg, EditDialog)
    assert not dlg.panel.minutes.isEnabled() and dlg.panel.note.isEnabled()
    dlg.panel.note.setText("patient rang")
    dlg.reason.setText("removed a patient identifier")
    dlg.save()
    e = rx.list_entries()[0]
    assert (e.note, e.minutes) == ("patient rang", 15)


def test_ctrl_z_in_the_minutes_box_undoes_its_typing_first(qtbot, win, rx):
    _type(qtbot, win, "tto 15m")
    box = win.details.minutes
    box.setFocus()
    box.selectAll()
    qtbot.keyClicks(box, "42")
    assert box.value() == 42
    _ctrl(qtbot, box, Qt.Key.Key_Z)  # the typed 42 goes, the entry stays
    assert box.value() != 42 and len(rx.list_entries()) == 1
    for _ in range(4):  # once its typing is all undone, the next Ctrl+Z takes the entry
        if rx.list_entries() == []:
            break
        _ctrl(qtbot, box, Qt.Key.Key_Z)
    assert rx.list_entries() == [] and "Undid logging" in win.statusBar().currentMessage()
