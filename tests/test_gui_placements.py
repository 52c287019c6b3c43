"""The Placements dialog and the wizard's end date, driven by real keys."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt

from rxlog.domain import EntryInput
from rxlog.service import RxLog
from rxlog.ui.placements_dialog import CalendarActions, PlacementsDialog
from rxlog.ui.setup_wizard import SetupWizard

pytestmark = pytest.mark.gui
ALT = Qt.KeyboardModifier.AltModifier


def actions(rx: RxLog) -> CalendarActions:
    return CalendarActions(
        end=rx.end_placement,
        edit=rx.edit_placement,
        delete=rx.delete_placement,
        next_rotation=rx.next_rotation,
    )


@pytest.fixture
def dialog(qtbot, rx):
    dlg = PlacementsDialog(rx.placements, rx.add_placement, rx.today(), actions=actions(rx))
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    dlg.activateWindow()
    qtbot.waitUntil(dlg.isActiveWindow)
    dlg.table.setFocus()
    return dlg


def opened(qtbot, dialog):
    """The change dialog a mnemonic opened, once it has the keyboard."""
    qtbot.waitUntil(lambda: dialog.sub is not None and dialog.sub.isActiveWindow())
    sub = dialog.sub
    dialog.sub = None
    return sub


def press(qtbot, widget, key, times=1, modifier=Qt.KeyboardModifier.NoModifier):
    for _ in range(times):
        qtbot.keyClick(widget, key, modifier)


def test_end_the_open_placement_then_add_the_next_one_by_keys(qtbot, rx, dialog):
    rx.log(EntryInput("ACU-TTO", date(2026, 11, 19)))
    assert dialog.selected().ods == "RPA"  # the last placement is selected on opening
    press(qtbot, dialog.table, Qt.Key.Key_E, modifier=ALT)
    end = opened(qtbot, dialog)  # a mnemonic "animates" its click: wait for it
    assert end.mode == "end" and end.isVisible()
    assert end.focusWidget() is end.date_to
    press(qtbot, end.date_to, Qt.Key.Key_Up, times=10)  # 20 Nov -> 30 Nov
    press(qtbot, end.date_to, Qt.Key.Key_R, modifier=ALT)
    qtbot.keyClicks(end.reason, "rotation letter")
    press(qtbot, end.reason, Qt.Key.Key_P, modifier=ALT)  # "End placement"
    qtbot.waitUntil(lambda: not end.isVisible())
    assert rx.placements()[1].date_to == date(2026, 11, 30)
    assert "RPA" in dialog.status.text() and "ended" in dialog.status.text()
    assert rx.audit_records()[-1].action == "placement-end"
    assert rx.audit_records()[-1].reason == "rotation letter"
    # the form suggests the day after; add the next rotation with keys only
    assert dialog.form.date_from.date().isoformat() == "2026-12-01"
    qtbot.waitUntil(dialog.isActiveWindow)
    assert dialog.focusWidget() is dialog.table
    press(qtbot, dialog, Qt.Key.Key_S, modifier=ALT)
    assert dialog.focusWidget() is dialog.form.ods
    qtbot.keyClicks(dialog.form.ods, "Y05090")
    press(qtbot, dialog, Qt.Key.Key_N, modifier=ALT)
    qtbot.keyClicks(dialog.form.name, "Riverside PCN")
    press(qtbot, dialog, Qt.Key.Key_A, modifier=ALT)
    qtbot.waitUntil(lambda: len(rx.placements()) == 3)
    assert [(p.ods, p.date_from, p.date_to) for p in rx.placements()][-1] == (
        "Y05090",
        date(2026, 12, 1),
        None,
    )
    assert dialog.table.rowCount() == 3
    assert rx.verify_audit().ok


@pytest.mark.slow
def test_an_end_that_strands_an_entry_is_refused_inline_until_deletion_is_chosen(qtbot, rx, dialog):
    stranded = rx.log(EntryInput("ACU-TTO", date(2026, 11, 19))).entry
    press(qtbot, dialog.table, Qt.Key.Key_E, modifier=ALT)
    end = opened(qtbot, dialog)
    press(qtbot, end.date_to, Qt.Key.Key_Down, times=10)  # 20 Nov -> 10 Nov
    press(qtbot, end.date_to, Qt.Key.Key_P, modifier=ALT)
    qtbot.waitUntil(lambda: end.fields.text("on") != "")
    assert end.isVisible()
    error = end.fields.text("on")
    assert (
        "outside every placement" in error and "Thu 19 Nov 2026 ACU-TTO" in error
    )  # the one date style
    assert "rxlog" not in error
    assert rx.placements()[1].date_to is None  # nothing changed
    press(qtbot, end.date_to, Qt.Key.Key_E, modifier=ALT)  # "Also delete entries ..."
    qtbot.waitUntil(end.delete_entries.isChecked)
    press(qtbot, end.date_to, Qt.Key.Key_P, modifier=ALT)
    qtbot.waitUntil(lambda: not end.isVisible())
    assert rx.placements()[1].date_to == date(2026, 11, 10)
    assert rx.list_entries() == []
    assert stranded.id in dialog.touched and "1 entries" in dialog.status.text()


def test_next_rotation_from_the_add_form_moves_the_entries_it_covers(qtbot, rx, dialog):
    moved = rx.log(EntryInput("ACU-TTO", date(2026, 11, 19))).entry
    kept = rx.log(EntryInput("ACU-TTO", date(2026, 11, 3))).entry
    assert dialog.next_rotation.isChecked()
    press(qtbot, dialog, Qt.Key.Key_S, modifier=ALT)
    qtbot.keyClicks(dialog.form.ods, "RPA01")
    press(qtbot, dialog, Qt.Key.Key_N, modifier=ALT)
    qtbot.keyClicks(dialog.form.name, "Medway Maritime Hospital")
    press(qtbot, dialog, Qt.Key.Key_C, modifier=ALT)
    press(qtbot, dialog.form.sector, Qt.Key.Key_Down)  # secondary care
    press(qtbot, dialog, Qt.Key.Key_F, modifier=ALT)
    press(qtbot, dialog.form.date_from, Qt.Key.Key_Down, times=5)  # 20 Nov -> 15 Nov
    press(qtbot, dialog, Qt.Key.Key_A, modifier=ALT)
    qtbot.waitUntil(lambda: len(rx.placements()) == 3)
    assert dialog.form.fields.text("from") == ""
    assert [(p.ods, p.date_to) for p in rx.placements()] == [
        ("G82001", date(2026, 10, 31)),
        ("RPA", date(2026, 11, 14)),
        ("RPA01", None),
    ]
    assert rx.get(moved.id).site == "RPA01" and rx.get(kept.id).site == "RPA"
    assert moved.id in dialog.touched
    assert "now ends Sat 14 Nov 2026" in dialog.status.text()


@pytest.mark.slow
def test_change_and_delete_refusals_show_beside_the_field(qtbot, rx, dialog):
    rx.log(EntryInput("ACU-TTO", date(2026, 11, 19)))
    press(qtbot, dialog.table, Qt.Key.Key_H, modifier=ALT)
    edit = opened(qtbot, dialog)
    assert edit.mode == "edit" and edit.focusWidget() is edit.name
    edit.name.selectAll()
    qtbot.keyClicks(edit.name, "Medway Maritime")
    press(qtbot, edit.name, Qt.Key.Key_S, modifier=ALT)  # no reason yet
    qtbot.waitUntil(lambda: edit.fields.text("reason") != "")
    assert "reason is required" in edit.fields.text("reason")
    press(qtbot, edit.name, Qt.Key.Key_R, modifier=ALT)
    qtbot.keyClicks(edit.reason, "full name")
    press(qtbot, edit.reason, Qt.Key.Key_S, modifier=ALT)
    qtbot.waitUntil(lambda: not edit.isVisible())
    assert rx.placements()[1].name == "Medway Maritime"
    # delete: refused while an entry depends on it, the message naming it
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.table.setFocus()
    press(qtbot, dialog.table, Qt.Key.Key_D, modifier=ALT)
    delete = opened(qtbot, dialog)
    assert delete.mode == "delete" and delete.focusWidget() is delete.reason
    qtbot.keyClicks(delete.reason, "wrong")
    press(qtbot, delete.reason, Qt.Key.Key_D, modifier=ALT)
    qtbot.waitUntil(lambda: delete.fields.text() != "")
    assert delete.isVisible()
    assert "depend on this placement" in delete.fields.text() and "ACU-TTO" in delete.fields.text()
    assert len(rx.placements()) == 2
    press(qtbot, delete.reason, Qt.Key.Key_Escape)
    assert not delete.isVisible()


@pytest.mark.slow
def test_the_wizard_asks_when_the_first_placement_ends(qtbot, data_dir):
    app = RxLog.open(data_dir, today=lambda: date(2026, 11, 20))
    try:
        wiz = SetupWizard(app.today(), app.setup, app.add_placement)
        qtbot.addWidget(wiz)
        wiz.show()
        qtbot.waitExposed(wiz)
        wiz.activateWindow()
        qtbot.waitUntil(wiz.isActiveWindow)
        wiz.you.name.setText("Alex Morgan")
        wiz.you.gphc.setText("5012345")
        wiz.next()
        page = wiz.placement
        assert "When does this placement end?" in page.ends.text()
        form = page.form
        qtbot.keyClicks(form.ods, "G82001")
        qtbot.keyClicks(form.name, "Test Surgery")
        assert form.open_ended.text().startswith("&Until further notice")
        press(qtbot, form.name, Qt.Key.Key_U, modifier=ALT)  # untick: there is an end date
        qtbot.waitUntil(lambda: not form.open_ended.isChecked())
        assert not form.open_ended.isChecked() and form.date_to.isEnabled()
        press(qtbot, form.name, Qt.Key.Key_T, modifier=ALT)
        press(qtbot, form.date_to, Qt.Key.Key_Up, times=29)  # 1 Nov -> 30 Nov
        assert page.validatePage()
        assert [(p.ods, p.date_to) for p in app.placements()] == [("G82001", date(2026, 11, 30))]
    finally:
        app.close()
