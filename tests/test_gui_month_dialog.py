"""The Month dialog, driven like a user: check, export, open draft, reopen, v2."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl

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


def test_export_from_the_keyboard_then_open_folder_and_draft(qtbot, dialog, tmp_path, opened):
    out = tmp_path / "out"
    out.mkdir()
    dialog.folder.setText(str(out))
    dialog.lead_email.setText("not-an-address")
    assert dialog.export() is None and "not an e-mail address" in dialog.status.text()
    assert list(out.iterdir()) == []
    dialog.lead_email.setText("lead@nhs.net")
    with qtbot.waitSignal(dialog.exported) as sig:
        qtbot.keyClick(dialog, Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)
    assert sig.args == ["2026-10", 1]
    assert "version 1" in dialog.status.text() and "locked" in dialog.status.text()
    v = verify_return(find_returns([out])[0])
    assert v.month == "2026-10"
    assert b"To: lead@nhs.net" in dialog.last_export.eml.read_bytes()
    assert dialog.app.setting("lead_email") == "lead@nhs.net"
    assert not dialog.export_button.isEnabled() and dialog.reopen_button.isEnabled()
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
    assert d.export() is not None and d.passphrase.text() == ""


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
