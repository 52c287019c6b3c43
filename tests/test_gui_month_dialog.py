"""The Month dialog, driven like a user: check, export, open draft, reopen, v2."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QDialog, QPushButton

from rxlog.domain import EntryInput
from rxlog.export import keys
from rxlog.returnformat.discovery import find_returns
from rxlog.returnformat.manifest import verify_return
from rxlog.ui.month_dialog import MonthDialog, explorer_command

pytestmark = pytest.mark.gui


@pytest.fixture
def month_app(rx, data_dir):
    keys.create_keys(data_dir, "Alex Morgan", "5012345")
    rx.log_many(
        [
            EntryInput("REP-MGMT", date(2026, 10, d), minutes=30, count=3)
            for d in (1, 2, 5, 6, 7, 8, 9, 12)
        ]
        + [EntryInput("INT-OMIT", date(2026, 10, 13), minutes=10, count=1)]
    )
    return rx


@pytest.fixture
def opened():
    return []


@pytest.fixture
def dialog(qtbot, month_app, opened):
    d = MonthDialog(
        month_app,
        open_url=opened.append,
        run=opened.append,
        ask_reason=lambda _m: "missed a clinic",
    )
    qtbot.addWidget(d)
    d.show()
    qtbot.waitExposed(d)
    return d


def test_shows_the_previous_month_and_its_findings(dialog, tmp_path):
    assert dialog.month.currentText() == "2026-10"  # today is 2026-11-20
    texts = [dialog.findings.item(i).text() for i in range(dialog.findings.count())]
    assert any("working day" in t for t in texts)
    assert any("without a significance or harm grade" in t for t in texts)
    assert "9 entries" in dialog.summary.text()
    assert dialog.export_button.isEnabled() and not dialog.open_draft_button.isEnabled()
    assert dialog.passphrase.isHidden()  # the key has no passphrase
    dialog.grab().save(str(tmp_path / "month_dialog.png"))
    assert (tmp_path / "month_dialog.png").stat().st_size > 1000


@pytest.mark.slow
def test_export_from_the_keyboard_then_open_folder_and_draft(qtbot, dialog, tmp_path, opened):
    out = tmp_path / "out"
    out.mkdir()
    dialog.folder.setText(str(out))
    dialog.lead_email.setText("not-an-address")
    assert dialog.export() is None and "not an e-mail address" in dialog.status.text()
    assert list(out.iterdir()) == []
    dialog.lead_email.setText("lead@nhs.net")
    qtbot.keyClick(dialog, Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: dialog.confirm is not None and dialog.confirm.isActiveWindow())
    with qtbot.waitSignal(dialog.exported) as sig:
        qtbot.keyClick(dialog.confirm, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    assert sig.args == ["2026-10", 1]
    assert "version 1" in dialog.status.text() and "locked" in dialog.status.text()
    v = verify_return(find_returns([out])[0])
    assert v.month == "2026-10"
    assert b"To: lead@nhs.net" in dialog.last_export.eml.read_bytes()
    assert dialog.app.setting("lead_email") == "lead@nhs.net"
    assert not dialog.export_button.isEnabled() and dialog.reopen_button.isEnabled()
    qtbot.waitUntil(dialog.isActiveWindow)  # back from the question
    qtbot.keyClick(dialog, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: len(opened) == 1)  # a mnemonic "animates" its click
    dialog.open_folder_button.click()
    draft = QUrl.fromLocalFile(str(dialog.last_export.eml))
    if sys.platform == "win32":  # Explorer, with the draft selected
        assert opened == [draft, explorer_command(dialog.last_export.eml)]
        assert opened[1][0].lower().endswith("explorer.exe")
        assert opened[1][1] == f"/select,{dialog.last_export.eml}"
    else:
        assert opened == [draft, QUrl.fromLocalFile(str(out))]
    dialog.grab().save(str(tmp_path / "month_dialog_done.png"))


@pytest.mark.slow
def test_enter_never_signs_and_the_question_names_month_count_and_warnings(
    qtbot, dialog, tmp_path, month_app
):
    out = tmp_path / "out"
    out.mkdir()
    dialog.folder.setText(str(out))
    assert not any(b.isDefault() or b.autoDefault() for b in dialog.findChildren(QPushButton))
    # Down then Enter (the trap in the issue) and Enter on the focused export button
    qtbot.keyClick(dialog.month, Qt.Key.Key_Down)
    dialog.month.setCurrentText("2026-10")
    qtbot.keyClick(dialog.month, Qt.Key.Key_Return)
    dialog.export_button.setFocus()
    qtbot.keyClick(dialog.export_button, Qt.Key.Key_Return)
    qtbot.keyClick(dialog.folder, Qt.Key.Key_Enter)
    assert dialog.confirm is None and month_app.month_lock("2026-10") is None
    # Space on the button asks; the question names the month, the count and each warning
    dialog.export_button.setFocus()
    qtbot.keyClick(dialog.export_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: dialog.confirm is not None and dialog.confirm.isActiveWindow())
    box = dialog.confirm
    assert "October 2026" in box.question.text() and "9 entries" in box.question.text()
    warned = [box.warnings.item(i).text() for i in range(box.warnings.count())]
    assert len(warned) == 2
    assert any("working day" in w for w in warned) and any("grade" in w for w in warned)
    box.grab().save(str(tmp_path / "confirm.png"))
    # Enter goes back, even with the sign button focused; so does Esc
    box.sign.setFocus()
    qtbot.keyClick(box.sign, Qt.Key.Key_Return)
    assert box.result() == QDialog.DialogCode.Rejected and not box.isVisible()
    assert month_app.month_lock("2026-10") is None and list(out.iterdir()) == []
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.ask_to_sign()
    qtbot.waitUntil(dialog.confirm.isActiveWindow)
    qtbot.keyClick(dialog.confirm, Qt.Key.Key_Escape)
    assert month_app.month_lock("2026-10") is None
    # only the explicit choice signs
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.ask_to_sign()
    qtbot.waitUntil(dialog.confirm.isActiveWindow)
    with qtbot.waitSignal(dialog.exported):
        qtbot.keyClick(dialog.confirm, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    assert month_app.month_lock("2026-10").locked


@pytest.mark.slow
def test_opens_on_the_last_month_not_signed_off(qtbot, month_app, tmp_path, monkeypatch):
    from rxlog.service import RxLog

    monkeypatch.setenv("RXLOG_TODAY", "2026-12-01")
    from rxlog.clock import local_today

    dec = RxLog(month_app.db, month_app.taxonomy, local_today)
    d = MonthDialog(dec, open_url=lambda _u: None)
    qtbot.addWidget(d)
    assert d.month.currentText() == "2026-11"  # on 1 December: November
    d.close()
    oct_app = month_app  # today 2026-11-20; sign October off, then it opens on November
    from rxlog.export.signoff import ExportOptions, export_month

    out = tmp_path / "out"
    out.mkdir()
    export_month(oct_app, "2026-10", ExportOptions(out))
    d2 = MonthDialog(oct_app, open_url=lambda _u: None)
    qtbot.addWidget(d2)
    assert d2.month.currentText() == "2026-11"


def test_a_lead_address_typed_is_kept_when_the_dialog_closes(qtbot, dialog, month_app):
    dialog.lead_email.setFocus()
    qtbot.keyClicks(dialog.lead_email, "nope")
    qtbot.keyClick(dialog.lead_email, Qt.Key.Key_Tab)
    assert "not an e-mail address" in dialog.status.text()
    assert month_app.setting("lead_email") is None
    dialog.lead_email.setFocus()
    dialog.lead_email.clear()
    qtbot.keyClicks(dialog.lead_email, "lead@nhs.net")
    qtbot.keyClick(dialog.lead_email, Qt.Key.Key_Tab)
    qtbot.keyClick(dialog, Qt.Key.Key_C, Qt.KeyboardModifier.AltModifier)
    assert month_app.setting("lead_email") == "lead@nhs.net"


@pytest.mark.slow
def test_reopen_then_version_2(qtbot, dialog, month_app, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    dialog.folder.setText(str(out))
    dialog.export()
    with qtbot.waitSignal(dialog.reopened):
        dialog.reopen_button.click()
    assert "version 2" in dialog.status.text()
    assert dialog.export_button.isEnabled()
    result = dialog.export()
    assert result is not None and result.version == 2
    short = month_app.installation().short
    assert sorted(p.name for p in out.glob("*.manifest.json")) == [
        f"rxlog_G82001_GPhC5012345_{short}_2026-10_v1.manifest.json",
        f"rxlog_G82001_GPhC5012345_{short}_2026-10_v2.manifest.json",
    ]


def test_errors_are_shown_not_raised(qtbot, month_app, data_dir, tmp_path, opened):
    d = MonthDialog(month_app, month="2026-10", open_url=opened.append)
    qtbot.addWidget(d)
    d.folder.setText(str(tmp_path / "does-not-exist" / "deeper"))
    assert d.export() is None
    assert "does not exist" in d.status.text()
    d.month.setCurrentText("2027-03")
    assert not d.export_button.isEnabled()
    d.month.setCurrentText("nonsense")
    assert "not a month" in d.status.text()
    assert opened == []


@pytest.mark.slow
def test_passphrase_field_when_the_key_has_one(qtbot, rx, data_dir, tmp_path):
    keys.create_keys(data_dir, "Alex Morgan", "5012345", passphrase="correct horse battery")
    rx.log(EntryInput("REP-MGMT", date(2026, 10, 5), minutes=30, count=3))
    d = MonthDialog(rx, month="2026-10", open_url=lambda _u: None)
    qtbot.addWidget(d)
    d.show()
    assert d.passphrase.isVisible()
    out = tmp_path / "out"
    out.mkdir()
    d.folder.setText(str(out))
    d.passphrase.setText("nope")
    assert d.export() is None and "wrong passphrase" in d.status.text().lower()
    assert list(Path(out).iterdir()) == []
    d.passphrase.setText("correct horse battery")
    assert d.export() is not None and d.passphrase.text() == "", d.status.text()


def test_a_missing_key_can_be_created_here(qtbot, rx, data_dir, tmp_path):
    rx.log(EntryInput("REP-MGMT", date(2026, 10, 5), minutes=30, count=3))
    d = MonthDialog(rx, month="2026-10", open_url=lambda _u: None)
    qtbot.addWidget(d)
    d.show()
    assert not d.export_button.isEnabled() and d.create_key_button.isVisible()
    assert any("no signing key" in d.findings.item(i).text() for i in range(d.findings.count()))
    d.grab().save(str(tmp_path / "month_dialog_no_key.png"))
    d.create_key_button.click()
    assert keys.has_keys(data_dir) and not keys.is_encrypted(data_dir)
    assert "Signing key created" in d.status.text()
    assert d.export_button.isEnabled() and not d.create_key_button.isVisible()


@pytest.mark.slow
def test_a_short_new_passphrase_is_refused_inline(qtbot, rx, data_dir, tmp_path):
    rx.log(EntryInput("REP-MGMT", date(2026, 10, 5), minutes=30, count=3))
    d = MonthDialog(rx, month="2026-10", open_url=lambda _u: None)
    qtbot.addWidget(d)
    d.resize(1366, 768)
    d.show()
    d.passphrase.setFocus()
    qtbot.keyClicks(d.passphrase, "short")
    d.create_key_button.click()
    assert not keys.has_keys(data_dir)
    assert d.status.text().startswith("The passphrase has 5 characters; use at least 12")
    d.grab().save(str(tmp_path / "month_dialog_short_passphrase.png"))
    d.passphrase.clear()
    qtbot.keyClicks(d.passphrase, "tea and biscuits")
    d.create_key_button.click()
    assert keys.has_keys(data_dir) and keys.is_encrypted(data_dir)


@pytest.mark.slow
def test_open_actions_say_when_the_desktop_cannot_and_a_superseded_v1_stays_shut(
    qtbot, month_app, tmp_path
):
    out = tmp_path / "out"
    out.mkdir()
    asked = []

    def no_handler(url):
        asked.append(url)
        return False  # what QDesktopServices.openUrl says with no program for .eml

    def no_explorer(command):  # Windows opens the folder with Explorer, not openUrl
        asked.append(command)
        raise FileNotFoundError(2, "The system cannot find the file specified")

    d = MonthDialog(
        month_app, open_url=no_handler, run=no_explorer, ask_reason=lambda _m: "missed a clinic"
    )
    qtbot.addWidget(d)
    d.show()
    d.folder.setText(str(out))
    v1 = d.export()
    d.open_draft_button.click()
    assert "Open it by hand" in d.status.text() and str(v1.eml) in d.status.text()
    d.open_folder_button.click()
    assert str(v1.folder) in d.status.text() and "by hand" in d.status.text()
    assert len(asked) == 2
    d.reopen_button.click()  # v1 is superseded: its files are not offered as current
    assert not d.open_draft_button.isEnabled() and not d.open_folder_button.isEnabled()
    d.open_draft()
    assert len(asked) == 2 and "no longer the current return" in d.status.text()
    v2 = d.export()
    v2.eml.unlink()  # moved away by hand
    d.open_draft()
    assert len(asked) == 2 and "no longer there" in d.status.text()
