"""The GUI side of a second PC (issue 12): the first-run wizard's "I already use RxLog
on another PC", the profile dialog, real widgets driven with real keys."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from conftest import run_cli
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from rxlog.service import RxLog
from rxlog.ui.profile_dialog import ProfileDialog
from rxlog.ui.setup_wizard import SetupWizard


def _first_pc(tmp_path: Path, monkeypatch) -> tuple[Path, Path]:
    monkeypatch.setenv("RXLOG_TODAY", "2026-11-20")
    d = tmp_path / "first"
    for args in (
        ("setup", "--name", "Alex Morgan", "--gphc", "5012345",
         "--installation-name", "Practice PC"),
        ("placement", "add", "G82001", "--name", "Test Surgery", "--sector", "primary",
         "--from", "2026-09-01"),
    ):  # fmt: skip
        assert run_cli(d, *args).code == 0
    f = tmp_path / "profile.json"
    assert run_cli(d, "profile", "export", str(f)).code == 0
    return d, f


def test_wizard_sets_a_new_pc_up_from_a_profile(qtbot, tmp_path, monkeypatch):
    _, f = _first_pc(tmp_path, monkeypatch)
    from rxlog.profilefile import read_profile, setup_from_profile

    app = RxLog.open(tmp_path / "new", today=lambda: date(2026, 11, 20))
    try:
        wiz = SetupWizard(
            app.today(),
            app.setup,
            app.add_placement,
            from_profile=lambda p, n: setup_from_profile(app, read_profile(Path(p)), n),
        )
        qtbot.addWidget(wiz)
        wiz.show()
        qtbot.waitExposed(wiz)
        qtbot.keyClick(wiz.you.elsewhere, Qt.Key.Key_Space)  # keyboard: tick the box
        assert wiz.you.elsewhere.isChecked() and not wiz.you.name.isEnabled()
        assert wiz.you.isFinalPage()
        # no file yet: said beside the field, nothing set up
        wiz.button(QWizard.WizardButton.FinishButton).click()
        assert "Choose the profile file" in wiz.you.fields.text("profile")
        assert app.technician() is None
        # a changed file: refused inline, nothing set up
        bad = tmp_path / "bad.json"
        bad.write_bytes(f.read_bytes().replace(b"Test Surgery", b"Test Surgerz"))
        wiz.you.profile.setText(str(bad))
        wiz.button(QWizard.WizardButton.FinishButton).click()
        assert "was changed after it was signed" in wiz.you.fields.text("profile")
        assert app.technician() is None
        wiz.you.profile.setText(str(f))
        wiz.you.installation.setText("Trust laptop")
        wiz.button(QWizard.WizardButton.FinishButton).click()
        assert wiz.result() == QWizard.DialogCode.Accepted
        assert app.technician().name == "Alex Morgan"
        assert [p.ods for p in app.placements()] == ["G82001"]
        assert app.installation().name == "Trust laptop"
    finally:
        app.close()


def test_profile_dialog_exports_and_imports_with_errors_inline(qtbot, tmp_path, monkeypatch):
    first, f = _first_pc(tmp_path, monkeypatch)
    second = tmp_path / "second"
    assert (
        run_cli(second, "setup", "--from-profile", str(f), "--installation-name", "Laptop").code
        == 0
    )
    app = RxLog.open(second, today=lambda: date(2026, 11, 20))
    try:
        d = ProfileDialog(app)
        qtbot.addWidget(d)
        d.resize(1366, 768)
        d.show()
        qtbot.waitExposed(d)
        assert "Your other installations: Practice PC (" in d.installations.text()
        out = tmp_path / "laptop.json"
        d.file.setText(str(out))
        qtbot.keyClick(d.export_button, Qt.Key.Key_Space)
        assert out.exists() and "Profile written to" in d.status.text()
        # the first PC's profile is older than the one this PC just wrote: refused
        d.file.setText(str(f))
        qtbot.keyClick(d.import_button, Qt.Key.Key_Space)
        assert "an older profile never replaces a newer one" in d.status.text()
        assert "color" in d.status.styleSheet()
        # a newer one from the first PC is taken
        newer = tmp_path / "newer.json"
        assert run_cli(first, "profile", "export", str(newer)).code == 0
        d.file.setText(str(newer))
        qtbot.keyClick(d.import_button, Qt.Key.Key_Space)
        assert "took 1 placements and 0 phases" in d.status.text()
        assert d.status.styleSheet() == ""
        d.file.setText(str(tmp_path / "nothing.json"))
        qtbot.keyClick(d.import_button, Qt.Key.Key_Space)
        assert "cannot read the profile file" in d.status.text()
        assert "color" in d.status.styleSheet()
    finally:
        app.close()
