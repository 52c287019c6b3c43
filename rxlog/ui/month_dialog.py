"""The Month dialog: check a month, sign it off (export its signed return), hand it over.

A thin shell over :mod:`rxlog.export` (``check_month``, ``export_month``,
``reopen_month``): it shows the findings, asks for the output folder (and the key's
passphrase when it has one), exports, then offers "Open folder" and "Open e-mail
draft". Everything is reachable from the keyboard (Alt+letter mnemonics, Tab order).

Signals: ``exported(str month, int version)`` after a successful sign-off and
``reopened(str month)`` after a reopen, so the main window can refresh its views.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from rxlog.errors import RxlogError
from rxlog.export.monthly import MonthlyReturn
from rxlog.settings import EXPORT_DIR
from rxlog.ui.plain_words import for_gui
from rxlog.ui.screen_fit import fit_size

if TYPE_CHECKING:
    from rxlog.export.month_check import MonthCheck
    from rxlog.export.signoff import ExportResult
    from rxlog.service import RxLog

_ICONS = {
    "error": QStyle.StandardPixmap.SP_MessageBoxCritical,
    "warning": QStyle.StandardPixmap.SP_MessageBoxWarning,
    "info": QStyle.StandardPixmap.SP_MessageBoxInformation,
}
_ERROR_STYLE = "color: #b00020;"
_OK_STYLE = "color: #006747;"  # NHS dark green: 6:1 on the window grey (#007f3b gave 4.46)


def _months_before(today: date, n: int = 13) -> list[str]:
    y, m = today.year, today.month
    out = []
    for _ in range(n):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out


def _previous_month(today: date) -> str:
    return _months_before(today, 2)[1]


def month_to_open(app: RxLog) -> str:
    """The last month not yet signed off: the month before this one, unless it is
    signed off already (then this month, the next to sign off). On 1 December: November."""
    today = app.today()
    previous = _previous_month(today)
    lock = app.month_lock(previous)
    if lock is not None and lock.locked:
        return _months_before(today, 1)[0]
    return previous


def _open_url(url: QUrl) -> bool:
    return QDesktopServices.openUrl(url)


def installations_text(app: RxLog) -> str:
    """Which installation this is, which others the technician has (from the profile),
    and that each sends its own return."""
    from rxlog.profilefile import other_installations

    inst = app.installation()
    others = other_installations(app)
    if not others:
        return (
            f"This PC: {inst.name} ({inst.short}). If you also log on another PC, that PC "
            "sends its own return for the month."
        )
    return (
        f"This PC: {inst.name} ({inst.short}). Your other installations: "
        f"{', '.join(others)}. Each must send its own return for this month (one with "
        "nothing logged sends a nil return: nothing this month)."
    )


def explorer_command(selected: Path) -> list[str]:
    """Windows Explorer showing the return's folder with ``selected`` (the e-mail draft)
    highlighted, ready to drag into Outlook."""
    windir = os.environ.get("WINDIR") or os.environ.get("SYSTEMROOT") or r"C:\Windows"
    return [os.path.join(windir, "explorer.exe"), f"/select,{selected}"]


def _run(command: list[str]) -> object:
    import subprocess

    return subprocess.Popen(command, close_fds=True)  # Explorer outlives the dialog


class MonthDialog(QDialog):
    """Check, sign off and hand over one month's return."""

    exported = Signal(str, int)
    reopened = Signal(str)

    def __init__(
        self,
        app: RxLog,
        parent: QWidget | None = None,
        month: str | None = None,
        *,
        open_url: Callable[[QUrl], object] = _open_url,
        run: Callable[[list[str]], object] = _run,
        ask_reason: Callable[[str], str | None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.app = app
        self.monthly = MonthlyReturn(app)
        self._open_url = open_url
        self._run = run
        self._ask_reason = ask_reason or self._reason_dialog
        self.check: MonthCheck | None = None
        self.last_export: ExportResult | None = None
        self.confirm: QDialog | None = None
        self.setWindowTitle("Month sign-off - RxLog")

        lay = QVBoxLayout(self)
        lay.addLayout(self._month_row(month))
        self._build_summary(lay)
        lay.addLayout(self._form())
        self.status = QLabel()
        self.status.setAccessibleName("Result")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.status)
        lay.addLayout(self._buttons())
        # Signing is a deliberate act: no button is the default, so Enter (in a field
        # or on a button) never signs; each button answers its own Alt+letter or Space.
        for b in self.findChildren(QPushButton):
            b.setAutoDefault(False)
            b.setDefault(False)
        fit_size(self, 640, 520)
        self.refresh()
        self.month.setFocus()

    def _month_row(self, month: str | None) -> QHBoxLayout:
        app = self.app
        top = QHBoxLayout()
        month_label = QLabel("&Month")
        self.month = QComboBox()
        self.month.setEditable(True)
        self.month.addItems(_months_before(app.today()))
        self.month.setCurrentText(month or month_to_open(app))
        self.month.setAccessibleName("Month")
        month_label.setBuddy(self.month)
        self.month.currentTextChanged.connect(lambda _t: self.refresh())
        top.addWidget(month_label)
        top.addWidget(self.month)
        top.addStretch(1)
        return top

    def _build_summary(self, lay: QVBoxLayout) -> None:
        """The month's summary, the installations line and the findings list."""
        app = self.app
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        lay.addWidget(self.summary)

        # Issue 12: a technician on several PCs sends one return from each.
        self.installations = QLabel(installations_text(app))
        self.installations.setWordWrap(True)
        self.installations.setTextFormat(Qt.TextFormat.PlainText)
        self.installations.setAccessibleName("Your installations")
        lay.addWidget(self.installations)

        findings_label = QLabel("&Before signing off, check:")
        self.findings = QListWidget()
        self.findings.setWordWrap(True)
        self.findings.setAccessibleName("Findings")
        self.findings.setMinimumHeight(150)
        findings_label.setBuddy(self.findings)
        lay.addWidget(findings_label)
        lay.addWidget(self.findings, 1)

    def _form(self) -> QFormLayout:
        """The output folder, the key's passphrase and the lead's address."""
        form = QFormLayout()
        folder_row = QHBoxLayout()
        self.folder = QLineEdit(self._default_folder())
        self.folder.setAccessibleName("Output folder")
        self.choose = QPushButton("C&hoose...")
        self.choose.clicked.connect(self.choose_folder)
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.choose)
        folder_label = QLabel("Output &folder")
        folder_label.setBuddy(self.folder)
        form.addRow(folder_label, folder_row)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Signing key passphrase")
        self.passphrase_label = QLabel("&Passphrase")
        self.passphrase_label.setBuddy(self.passphrase)
        form.addRow(self.passphrase_label, self.passphrase)
        self.lead_email = QLineEdit(self.monthly.lead_email() or "")
        self.lead_email.setPlaceholderText("the project lead's NHSmail address")
        self.lead_email.setAccessibleName("Lead's e-mail address")
        lead_label = QLabel("&Lead's e-mail")
        lead_label.setBuddy(self.lead_email)
        self.lead_email.editingFinished.connect(self.save_lead_email)
        form.addRow(lead_label, self.lead_email)
        return form

    def _buttons(self) -> QHBoxLayout:
        buttons = QHBoxLayout()
        self.export_button = QPushButton("&Export and sign off...")
        self.export_button.clicked.connect(self.ask_to_sign)
        self.create_key_button = QPushButton("Create signing &key")
        self.create_key_button.clicked.connect(self.create_key)
        self.reopen_button = QPushButton("&Reopen month...")
        self.reopen_button.clicked.connect(self.reopen)
        self.open_folder_button = QPushButton("Open f&older")
        self.open_folder_button.clicked.connect(self.open_folder)
        self.open_draft_button = QPushButton("Open e-mail &draft")
        self.open_draft_button.clicked.connect(self.open_draft)
        close = QPushButton("&Close")
        close.clicked.connect(self.reject)
        for b in (self.export_button, self.create_key_button, self.reopen_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        for b in (self.open_folder_button, self.open_draft_button, close):
            buttons.addWidget(b)
        self.open_folder_button.setEnabled(False)
        self.open_draft_button.setEnabled(False)
        return buttons

    # -- state ---------------------------------------------------------------------
    def _default_folder(self) -> str:
        saved = self.app.settings[EXPORT_DIR]
        if saved:
            return saved
        docs = Path.home() / "Documents"
        return str(docs if docs.is_dir() else Path.home())

    def _needs_passphrase(self) -> bool:
        try:
            return self.monthly.needs_passphrase()
        except RxlogError:
            return False

    def _say(self, text: str, ok: bool = False) -> None:
        self.status.setStyleSheet(_OK_STYLE if ok else _ERROR_STYLE)
        self.status.setText(for_gui(text))

    def refresh(self) -> None:
        """Re-run the month check and show its findings."""

        self.findings.clear()
        month = self.month.currentText().strip()
        try:
            check = self.monthly.check(month)
        except RxlogError as exc:
            self.check = None
            self.summary.setText("")
            self._say(exc.message)
            self.export_button.setEnabled(False)
            self.reopen_button.setEnabled(False)
            return
        self.check = check
        self.status.clear()
        hours = check.minutes / 60
        state = (
            f"signed off as version {check.locked_version}"
            if check.locked_version
            else f"the next export is version {check.next_version}"
        )
        site = f", main site {check.main_site}" if check.main_site else ""
        self.summary.setText(
            f"{check.month}: {check.entries} entr{'y' if check.entries == 1 else 'ies'}, "
            f"{hours:.1f} hours{site}; {state}."
        )
        style = self.style()
        for f in check.findings:
            if f.kind == "no_lead_email" and self.lead_email.text().strip():
                continue  # typed in this dialog; saved on export
            icon = _ICONS["info" if f.kind == "locked" else f.severity]
            item = QListWidgetItem(style.standardIcon(icon), for_gui(f.message))
            item.setToolTip(f"{f.severity}: {for_gui(f.message)}")
            self.findings.addItem(item)
        if not check.findings:
            self.findings.addItem(
                QListWidgetItem(
                    style.standardIcon(QStyle.StandardPixmap.SP_DialogApplyButton),
                    "Nothing to fix: ready to sign off.",
                )
            )
        self.export_button.setEnabled(check.can_export)
        self.reopen_button.setEnabled(check.locked_version is not None)
        no_key = not self.monthly.has_key()
        needs = no_key or self._needs_passphrase()
        self.passphrase_label.setText(
            "New key &passphrase (optional, 12+ characters)" if no_key else "Key &passphrase"
        )
        self.passphrase.setVisible(needs)
        self.passphrase_label.setVisible(needs)
        self.create_key_button.setVisible(no_key)

    def keyPressEvent(self, event) -> None:  # noqa: ANN001, N802
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return  # never a default action (QDialog would click an auto-default button)
        super().keyPressEvent(event)

    # -- actions -------------------------------------------------------------------
    def ask_to_sign(self) -> QDialog | None:
        """Ask, naming the month, its entries and every open warning; sign only on an
        explicit "Sign off <month>". The question is ``self.confirm`` while it is open."""
        from rxlog.ui.signoff_confirm import SignOffConfirm

        if self.check is None or not self.check.can_export:
            return None
        if not self.folder.text().strip():
            self._say("Choose a folder for the return first.")
            self.folder.setFocus()
            return None
        box = SignOffConfirm(self.check, self)
        box.finished.connect(lambda _r: self.activateWindow())  # keys come back here
        box.accepted.connect(self.export)
        self.confirm = box
        box.open()
        return box

    def choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(
            self, "Folder for the return", self.folder.text() or str(Path.home())
        )
        if chosen:
            self.folder.setText(chosen)

    def export(self) -> ExportResult | None:
        """Sign the month off; on success the open buttons light up."""
        if self.check is None or not self.check.can_export:
            return None
        folder = self.folder.text().strip()
        if not folder:
            self._say("Choose a folder for the return first.")
            self.folder.setFocus()
            return None
        lead = self.lead_email.text().strip()
        if lead and lead != (self.monthly.lead_email() or ""):
            try:
                self.monthly.set_lead_email(lead)
            except RxlogError as exc:
                self._say(exc.message[:1].upper() + exc.message[1:])
                self.lead_email.setFocus()
                return None
        self._say("Signing and writing the return...", ok=True)
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        self.repaint()
        try:
            result = self.monthly.sign_off(
                self.check.month, Path(folder), self.passphrase.text() or None
            )
        except RxlogError as exc:
            self._say(exc.message[:1].upper() + exc.message[1:])
            if "passphrase" in exc.message:
                self.passphrase.setFocus()
                self.passphrase.selectAll()
            return None
        finally:
            QGuiApplication.restoreOverrideCursor()
        self.last_export = result
        self.passphrase.clear()
        self.app.settings[EXPORT_DIR] = folder
        self.refresh()
        text = (
            f"Signed off: {result.return_id} version {result.version} written to "
            f"{result.folder}. The month is now locked."
        )
        if result.warnings:
            text += " Note: " + "; ".join(result.warnings) + "."
        self._say(text, ok=True)
        self.open_folder_button.setEnabled(True)
        self.open_draft_button.setEnabled(True)
        self.open_draft_button.setFocus()
        self.exported.emit(result.month, result.version)
        return result

    def save_lead_email(self) -> bool:
        """Keep the lead's address as soon as it is typed (closing the dialog keeps it)."""
        lead = self.lead_email.text().strip()
        if not lead or lead == (self.monthly.lead_email() or ""):
            return True
        try:
            self.monthly.set_lead_email(lead)
        except RxlogError as exc:
            self._say(exc.message[:1].upper() + exc.message[1:])
            return False
        self._say(f"Saved: returns will be addressed to {lead}.", ok=True)
        return True

    def create_key(self) -> None:
        """Make this installation's signing keys (when setup did not)."""
        if self.app.technician() is None:
            self._say("Set up the technician first.")
            return
        try:
            info = self.monthly.create_key(self.passphrase.text() or None)
        except RxlogError as exc:
            self._say(exc.message[:1].upper() + exc.message[1:])
            return
        protected = self.passphrase.text() != ""
        self.refresh()
        self._say(
            f"Signing key created (fingerprint {info.fingerprint[:16]}...)"
            + (": type its passphrase here to export." if protected else "."),
            ok=True,
        )

    def reopen(self) -> None:
        if self.check is None or self.check.locked_version is None:
            return
        reason = self._ask_reason(self.check.month)
        if reason is None:
            return
        try:
            self.monthly.reopen(self.check.month, reason)
        except RxlogError as exc:
            self._say(exc.message)
            return
        month = self.check.month
        self.refresh()
        # the version written before is superseded once the month is reopened
        self.open_folder_button.setEnabled(False)
        self.open_draft_button.setEnabled(False)
        self._say(
            f"{month} is open again; its next export will be version {self.check.next_version}.",
            ok=True,
        )
        self.reopened.emit(month)

    def _reason_dialog(self, month: str) -> str | None:
        from rxlog.ui.reason_dialog import ReasonDialog

        got: list[str] = []
        dlg = ReasonDialog(
            "Reopen month",
            f"Why reopen {month}? The reason goes with the next version of the return.",
            got.append,
            self,
        )
        return got[-1] if dlg.exec() == QDialog.DialogCode.Accepted and got else None

    def _current_export(self) -> bool:
        """The return just written is still the month's newest version (a reopen and a
        new version supersede it: its files must not be opened as if current)."""
        if self.last_export is None:
            return False
        lock = self.app.month_lock(self.last_export.month)
        if lock is None or not lock.locked or lock.version != self.last_export.version:
            self._say(
                f"Version {self.last_export.version} of {self.last_export.month} is no longer "
                "the current return (the month was reopened): sign it off again to send "
                "the next version."
            )
            self.open_folder_button.setEnabled(False)
            self.open_draft_button.setEnabled(False)
            return False
        return True

    def open_folder(self) -> None:
        from rxlog.ui.launch import open_path

        if self._current_export():
            assert self.last_export is not None
            if sys.platform == "win32":  # Explorer with the draft selected, to drag into Outlook
                try:
                    self._run(explorer_command(self.last_export.eml))
                except OSError as exc:
                    self._say(
                        f"Windows could not open Explorer ({exc.strerror or exc}); open "
                        f"{self.last_export.folder} by hand."
                    )
                return
            problem = open_path(self.last_export.folder, "the folder", self._open_url)
            if problem:
                self._say(problem)

    def open_draft(self) -> None:
        from rxlog.ui.launch import open_path

        if self._current_export():
            assert self.last_export is not None
            problem = open_path(self.last_export.eml, "the e-mail draft", self._open_url)
            if problem:
                self._say(problem)
