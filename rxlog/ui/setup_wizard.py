"""First run: who you are, your first placement, and month end made ready (signing key,
the lead's address, the lead's copy of the key), checked by the core as the CLI is."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from rxlog.errors import RxlogError
from rxlog.export.monthly import MonthlyReturn
from rxlog.identifiers import validate_gphc
from rxlog.settings import EXPORT_DIR
from rxlog.ui.field_errors import FieldForm
from rxlog.ui.placement_form import PlacementForm
from rxlog.ui.screen_fit import fit_size

if TYPE_CHECKING:
    from rxlog.export.handover import KeyEmail
    from rxlog.service import RxLog
    from rxlog.ui.launch import Opener


class _YouPage(QWizardPage):
    def __init__(self, from_profile: Callable[[str, str], object] | None = None) -> None:
        super().__init__()
        self._from_profile = from_profile
        self.setTitle("Welcome to RxLog")
        self.setSubTitle(
            "RxLog keeps your activity log on this PC and makes your signed monthly return. "
            "First, who you are."
        )
        lay = QVBoxLayout(self)
        form = QFormLayout()
        lay.addLayout(form)
        self.fields = FieldForm(form)
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. Alex Morgan")
        self.gphc = QLineEdit()
        self.gphc.setPlaceholderText("7 digits starting with 5, e.g. 5012345")
        self.gphc.setMaxLength(7)
        self.fields.add("name", "Your na&me", self.name)
        self.fields.add("gphc", "&GPhC number", self.gphc)
        from rxlog.profile import default_installation_name

        self.installation = QLineEdit(default_installation_name())
        self.installation.setAccessibleName("This PC's name")
        self.fields.add("installation-name", "This &PC's name", self.installation)
        # Issue 12: a second PC starts from the profile written on the first.
        self.elsewhere = QCheckBox("I &already use RxLog on another PC")
        form.addRow(self.elsewhere)
        row = QWidget()
        row_lay = QHBoxLayout(row)
        row_lay.setContentsMargins(0, 0, 0, 0)
        self.profile = QLineEdit()
        self.profile.setPlaceholderText("the profile file from that PC (Profile ▸ Export)")
        self.profile.setAccessibleName("Profile file")
        self.choose = QPushButton("C&hoose…")
        self.choose.clicked.connect(self._choose)
        row_lay.addWidget(self.profile, 1)
        row_lay.addWidget(self.choose)
        self.fields.add("profile", "Profile &file", row).setBuddy(self.profile)
        form.addRow(self.fields.general)
        self.elsewhere.toggled.connect(self._toggle)
        self._toggle(False)
        lay.addStretch(1)

    def _choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Your RxLog profile", "", "RxLog profile (*.json);;All files (*)"
        )
        if path:
            self.profile.setText(path)

    def _toggle(self, on: bool) -> None:
        """With a profile, name and GPhC come from it and there is no placement page."""
        for field in (self.name, self.gphc):
            field.setEnabled(not on)
        self.profile.setEnabled(on)
        self.choose.setEnabled(on)
        self.setFinalPage(on)
        wiz = self.wizard()
        if wiz is not None:
            wiz.button(QWizard.WizardButton.NextButton).setVisible(not on)
        if on:
            self.profile.setFocus()

    def nextId(self) -> int:  # noqa: N802
        return -1 if self.elsewhere.isChecked() else super().nextId()

    def validatePage(self) -> bool:  # noqa: N802
        self.fields.clear()
        if self.elsewhere.isChecked():
            if not self.profile.text().strip():
                self.fields.show("profile", "choose the profile file written on your other PC")
                return False
            if self._from_profile is None:
                return False
            try:
                self._from_profile(self.profile.text().strip(), self.installation.text())
            except RxlogError as exc:
                field = exc.field if exc.field == "installation-name" else "profile"
                self.fields.show(field, exc.message)
                return False
            return True
        try:
            from rxlog.profile import check_installation_name

            check_installation_name(self.installation.text())
        except RxlogError as exc:
            self.fields.show(exc.field, exc.message)
            return False
        if not self.name.text().strip():
            self.fields.show("name", "a name is required")
            return False
        try:
            validate_gphc(self.gphc.text())
        except RxlogError as exc:
            self.fields.show(exc.field, exc.message)
            return False
        return True


class _PlacementPage(QWizardPage):
    def __init__(self, today: date, finish: Callable[[], None]) -> None:
        super().__init__()
        self._finish = finish
        self.setTitle("Your first placement")
        self.setSubTitle(
            "Where you work now. Later placements go in the rotation calendar "
            "(Setup ▸ Placements…, Ctrl+Shift+P)."
        )
        lay = QVBoxLayout(self)
        self.form = PlacementForm(today.replace(day=1))
        # Ask when it ends: an open-ended first placement used to block the next rotation.
        self.form.open_ended.setText("&Until further notice (no end date yet)")
        self.ends = QLabel(
            "When does this placement end? Give its last day under To, or tick "
            "Until further notice (you can end it later in Placements)."
        )
        self.ends.setWordWrap(True)
        lay.addWidget(self.form)
        lay.addWidget(self.ends)  # under the dates it is about
        note = QLabel("The ODS code is on your placement letter, or search the NHS ODS portal.")
        note.setWordWrap(True)
        lay.addWidget(note)
        lay.addStretch(1)

    def validatePage(self) -> bool:  # noqa: N802
        self.form.fields.clear()
        try:
            self._finish()
        except RxlogError as exc:
            self.form.fields.show(exc.field, exc.message)
            return False
        return True


class _MonthEndPage(QWizardPage):
    """The signing key (optional passphrase, typed twice), the lead's address, and
    "Send my key to the lead": month end is ready when the wizard finishes."""

    def __init__(self, app: RxLog, open_url: Opener) -> None:
        super().__init__()
        self.app = app
        self._open_url = open_url
        self.sent: KeyEmail | None = None
        self.setTitle("Ready for month end")
        self.setSubTitle(
            "Each month RxLog signs your return with a key kept on this PC, and drafts "
            "the e-mail to your project lead. The lead needs your key once, to check them."
        )
        lay = QVBoxLayout(self)
        form = QFormLayout()
        lay.addLayout(form)
        self.fields = FieldForm(form)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        from rxlog.export.keys import MIN_PASSPHRASE

        self.passphrase.setPlaceholderText(
            f"optional: at least {MIN_PASSPHRASE} characters, asked for at each sign-off"
        )
        self.again = QLineEdit()
        self.again.setEchoMode(QLineEdit.EchoMode.Password)
        self.again.setPlaceholderText("the same passphrase again")
        self.lead = QLineEdit(MonthlyReturn(app).lead_email() or "")
        self.lead.setPlaceholderText("the project lead's NHSmail address")
        self.fields.add("passphrase", "Key &passphrase", self.passphrase)
        self.fields.add("passphrase_again", "Passphrase a&gain", self.again)
        self.fields.add("lead-email", "&Lead's e-mail", self.lead)
        form.addRow(self.fields.general)
        self.send = QPushButton("&Send my key to the lead…")
        self.send.setToolTip(
            "Makes the signing key, then an e-mail draft to the lead with your public key "
            "attached (nothing secret), and opens it in your e-mail program"
        )
        self.send.setAutoDefault(False)
        self.send.clicked.connect(self.send_key)
        lay.addWidget(self.send)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.status)
        lay.addStretch(1)

    def _ready(self) -> bool:
        """Make the key and keep the address (once); errors beside their field."""
        self.fields.clear()
        try:
            info = MonthlyReturn(self.app).get_ready(
                self.passphrase.text(), self.again.text(), self.lead.text()
            )
        except RxlogError as exc:
            field = exc.field if exc.field in self.fields.errors else None
            self.fields.show(field, exc.message)
            return False
        if info is not None:
            self.passphrase.setEnabled(False)
            self.again.setEnabled(False)
            self.status.setText(f"Signing key made (fingerprint {info.fingerprint[:16]}…).")
        return True

    def send_key(self) -> None:
        from rxlog.ui.launch import open_path

        if not self._ready():
            return
        folder = self.app.settings[EXPORT_DIR] or str(_documents())
        try:
            self.sent = MonthlyReturn(self.app).key_email(Path(folder))
        except RxlogError as exc:
            self.fields.show(None, exc.message)
            return
        problem = open_path(self.sent.eml, "the e-mail draft", self._open_url)
        self.status.setText(
            problem
            or f"The e-mail draft to the lead is open, with your key attached "
            f"({self.sent.key_file.name}). Tell the lead its fingerprint begins "
            f"{self.sent.fingerprint[:16]}."
        )

    def validatePage(self) -> bool:  # noqa: N802
        return self._ready()


def _documents() -> Path:
    docs = Path.home() / "Documents"
    return docs if docs.is_dir() else Path.home()


class SetupWizard(QWizard):
    """Name, GPhC number, this PC's name and first placement. On Finish calls
    ``setup(name, gphc, installation_name)`` then ``add_placement(ods, name, sector,
    from, to)``; or, with "I already use RxLog on another PC", ``from_profile(file,
    installation_name)`` on the first page. Given ``app``, a last page makes month end
    ready: the signing key, the lead's address and "Send my key to the lead". A core error
    stays on the page, beside its field."""

    def __init__(
        self,
        today: date,
        setup: Callable[..., object],
        add_placement: Callable[[str, str, str, date, date | None], object],
        parent=None,  # noqa: ANN001
        from_profile: Callable[[str, str], object] | None = None,
        app: RxLog | None = None,
        open_url: Opener | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("RxLog – first-run setup")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self._setup = setup
        self._add_placement = add_placement
        self.you = _YouPage(from_profile)
        self.placement = _PlacementPage(today, self._save)
        self.addPage(self.you)
        self.addPage(self.placement)
        self.month_end: _MonthEndPage | None = None
        if app is not None:  # the installation is open: get month end ready too
            from rxlog.ui.launch import desktop_open

            self.month_end = _MonthEndPage(app, open_url or desktop_open)
            self.addPage(self.month_end)
        fit_size(self, 560, 420)

    def _save(self) -> None:
        self._setup(
            self.you.name.text().strip(),
            self.you.gphc.text().strip(),
            self.you.installation.text(),
        )
        self._add_placement(*self.placement.form.values())
