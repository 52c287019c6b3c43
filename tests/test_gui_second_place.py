"""The Backups dialog's second place, driven by keys: a one-off backup to a chosen
folder or drive, and the daily copy there turned on and off."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from rxlog.ui.backup_dialog import BackupDialog

pytestmark = pytest.mark.gui
ALT = Qt.KeyboardModifier.AltModifier


@pytest.fixture
def chosen():
    return []


@pytest.fixture
def dialog(qtbot, rx, chosen):
    def choose_folder():
        return chosen.pop(0) if chosen else None

    d = BackupDialog(rx, confirm=lambda _q: False, choose_folder=choose_folder)
    qtbot.addWidget(d)
    d.show()
    qtbot.waitExposed(d)
    d.activateWindow()
    qtbot.waitUntil(d.isActiveWindow)
    return d


def test_back_up_to_a_drive_then_copy_there_every_day(qtbot, rx, dialog, chosen, tmp_path):
    stick = tmp_path / "USB"
    stick.mkdir()
    chosen.append(str(stick))
    qtbot.keyClick(dialog, Qt.Key.Key_D, ALT)  # "Back up to a folder or drive…"
    qtbot.waitUntil(lambda: "Backed up to" in dialog.status.text())
    (copy,) = (stick / "RxLog-5012345").glob("manual-*.sqlite3")
    assert str(copy) in dialog.status.text() and "Alt+P" in dialog.status.text()
    assert rx.second_place() is None
    # the daily copy: the folder just used is offered, nothing more to choose
    qtbot.keyClick(dialog, Qt.Key.Key_P, ALT)
    qtbot.waitUntil(lambda: rx.second_place() is not None)
    assert rx.second_place() == stick.resolve()
    assert dialog.daily_copy.isChecked() and str(stick) in dialog.second_label.text()
    assert "now also copied to" in dialog.status.text()
    kinds = [dialog.table.item(r, 1).text() for r in range(dialog.table.rowCount())]
    assert "Made by you (second place)" in kinds
    qtbot.keyClick(dialog, Qt.Key.Key_P, ALT)  # off again
    qtbot.waitUntil(lambda: rx.second_place() is None)
    assert not dialog.daily_copy.isChecked() and "(none chosen)" in dialog.second_label.text()


def test_a_folder_that_is_gone_is_said_in_plain_words(qtbot, rx, dialog, chosen, tmp_path):
    chosen.append(str(tmp_path / "gone"))
    qtbot.keyClick(dialog, Qt.Key.Key_D, ALT)
    qtbot.waitUntil(lambda: dialog.status.text() != "")
    assert "is not there (is the drive plugged in?)" in dialog.status.text()
    # no command to type in the GUI (the folder's own path may hold "rxlog": a clone's name)
    said = dialog.status.text().replace(str(tmp_path / "gone"), "").replace("RxLog", "")
    assert "rxlog" not in said
    # cancelling the folder chooser changes nothing
    qtbot.keyClick(dialog, Qt.Key.Key_P, ALT)
    qtbot.waitUntil(lambda: "No folder chosen" in dialog.status.text())
    assert rx.second_place() is None and not dialog.daily_copy.isChecked()
    dialog.resize(1366 // 2, 420)
    dialog.grab().save(str(Path(tmp_path) / "backups.png"))
