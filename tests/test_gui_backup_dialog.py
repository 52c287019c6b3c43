"""The Backups dialog, driven like a user: back up, see the time, restore (or not)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from rxlog.domain import EntryInput
from rxlog.storage import backups
from rxlog.ui.backup_dialog import BackupDialog

pytestmark = pytest.mark.gui
DAY = date(2026, 11, 20)


@pytest.fixture
def asked():
    return []


def _dialog(qtbot, rx, asked, answer=True, chosen=None) -> BackupDialog:
    def confirm(question: str) -> bool:
        asked.append(question)
        return answer

    d = BackupDialog(rx, confirm=confirm, choose_file=lambda: chosen)
    qtbot.addWidget(d)
    d.show()
    return d


def test_back_up_now_lists_it_and_shows_the_time(qtbot, rx, asked, tmp_path: Path) -> None:
    d = _dialog(qtbot, rx, asked)
    assert d.table.rowCount() == 0 and "No backup yet" in d.last.text()
    assert not d.restore_button.isEnabled()
    qtbot.mouseClick(d.backup_button, Qt.MouseButton.LeftButton)
    made = backups.list_backups(rx.db.data_dir)
    assert len(made) == 1 and made[0].kind == "manual"
    assert d.table.rowCount() == 1 and d.table.item(0, 1).text() == "Made by you"
    assert d.last.text().startswith(f"Last backup: {made[0].made_at_text()}")
    assert "Backed up to manual-" in d.status.text()
    assert d.restore_button.isEnabled()
    d.grab().save(str(tmp_path / "backup_dialog.png"))


def test_enter_on_a_backup_restores_it_after_confirming(qtbot, rx, asked) -> None:
    kept = rx.log(EntryInput(code="QRY-CLIN", date=DAY)).entry.id
    rx.back_up()
    later = rx.log(EntryInput(code="QRY-CLIN", date=DAY)).entry.id
    d = _dialog(qtbot, rx, asked, answer=True)
    assert d.table.hasFocus() or d.focusWidget() is d.table
    with qtbot.waitSignal(d.restored):
        qtbot.keyClick(d.table, Qt.Key.Key_Return)
    assert asked and "backed up first" in asked[0]
    assert rx.list_ids() == [kept]  # the same RxLog object works on the restored data
    assert later not in rx.list_ids()
    listed = backups.list_backups(rx.db.data_dir)
    assert [b.kind for b in listed].count("pre-restore") == 1
    assert d.table.rowCount() == len(listed)
    assert "as it was is kept as pre-restore-" in d.status.text()
    assert rx.verify_audit().ok
    rx.log(EntryInput(code="QRY-CLIN", date=DAY))


def test_saying_no_changes_nothing(qtbot, rx, asked) -> None:
    rx.back_up()
    later = rx.log(EntryInput(code="QRY-CLIN", date=DAY)).entry.id
    before = rx.db.path.read_bytes()
    d = _dialog(qtbot, rx, asked, answer=False)
    qtbot.mouseClick(d.restore_button, Qt.MouseButton.LeftButton)
    assert asked and d.status.text() == "Nothing was restored."
    assert rx.list_ids() == [later] and rx.db.path.read_bytes() == before


def test_a_bad_file_is_refused_in_plain_words(qtbot, rx, asked, tmp_path: Path) -> None:
    bad = tmp_path / "not a backup.sqlite3"
    bad.write_text("hello")
    entry = rx.log(EntryInput(code="QRY-CLIN", date=DAY)).entry.id
    d = _dialog(qtbot, rx, asked, chosen=str(bad))
    qtbot.mouseClick(d.file_button, Qt.MouseButton.LeftButton)
    assert "cannot be restored" in d.status.text() and "not an SQLite" in d.status.text()
    assert rx.list_ids() == [entry]
    d.grab().save(str(tmp_path / "backup_dialog_refused.png"))


def test_another_technicians_backup_is_refused_in_plain_words(qtbot, rx, asked, tmp_path):
    from rxlog.service import RxLog

    other = RxLog.open(tmp_path / "other", today=lambda: DAY)
    other.setup("Sam Other", "5099999")
    theirs = tmp_path / "sam.sqlite3"
    backups.backup_now(other, theirs)
    other.close()
    entry = rx.log(EntryInput(code="QRY-CLIN", date=DAY)).entry.id
    d = _dialog(qtbot, rx, asked, chosen=str(theirs))
    qtbot.mouseClick(d.file_button, Qt.MouseButton.LeftButton)
    text = d.status.text()
    assert "cannot be restored here" in text and "another technician (Sam Other" in text
    assert "rxlog" not in text and "--" not in text  # no command line in the app
    assert asked == [] and rx.list_ids() == [entry]
    d.resize(1366, 768)
    d.grab().save(str(tmp_path / "backup_dialog_other_technician.png"))


def test_a_damaged_database_at_start_up_is_offered_its_newest_backup(qtbot, rx) -> None:
    from rxlog.errors import StorageError
    from rxlog.service import RxLog
    from rxlog.ui.backup_dialog import offer_restore

    kept = rx.log(EntryInput(code="QRY-CLIN", date=DAY)).entry.id
    good = rx.back_up()
    rx.close()
    rx.db.path.write_bytes(b"\x00" * 4096)
    with pytest.raises(StorageError) as err:
        RxLog.open(rx.db.data_dir)
    offered = []
    assert not offer_restore(rx.db.data_dir, err.value.message, ask=lambda m, g: offered.append(g))
    assert offered[0].path == good.path and rx.db.path.read_bytes() == b"\x00" * 4096
    assert offer_restore(rx.db.data_dir, err.value.message, ask=lambda m, g: True)
    app = RxLog.open(rx.db.data_dir)
    assert app.list_ids() == [kept]
    app.close()
    damaged = next((rx.db.data_dir / "backups").glob("damaged-*"))
    assert (damaged / "rxlog.sqlite3").read_bytes() == b"\x00" * 4096
