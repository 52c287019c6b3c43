"""Profile ▸ (File menu): write this PC's profile for another PC, or take a newer one
written there (issue 12). The same core calls as ``rxlog profile export/import``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from rxlog.errors import RxlogError
from rxlog.export.monthly import MonthlyReturn
from rxlog.ui.field_errors import ERROR_STYLE

if TYPE_CHECKING:
    from rxlog.service import RxLog


class ProfileDialog(QDialog):
    def __init__(self, app: RxLog, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from rxlog.ui.month_dialog import installations_text

        self.app = app
        self.setWindowTitle("Profile for your other PCs - RxLog")
        lay = QVBoxLayout(self)
        intro = QLabel(
            "Your profile holds your name, GPhC number, placements, phases, favourites, the "
            "lead's address and settings; never entries, notes or keys. Export it here and "
            "set up or update another PC from it; import a newer one written on another PC "
            "to take its placements and phases."
        )
        intro.setWordWrap(True)
        lay.addWidget(intro)
        self.installations = QLabel(installations_text(app))
        self.installations.setWordWrap(True)
        self.installations.setTextFormat(Qt.TextFormat.PlainText)
        lay.addWidget(self.installations)
        form = QFormLayout()
        row = QHBoxLayout()
        self.file = QLineEdit(str(Path.home() / "rxlog-profile.json"))
        self.file.setAccessibleName("Profile file")
        self.choose = QPushButton("C&hoose…")
        self.choose.clicked.connect(self.choose_file)
        row.addWidget(self.file, 1)
        row.addWidget(self.choose)
        label = QLabel("Profile &file")
        label.setBuddy(self.file)
        form.addRow(label, row)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Signing key passphrase")
        pl = QLabel("&Passphrase")
        pl.setBuddy(self.passphrase)
        form.addRow(pl, self.passphrase)
        needs = MonthlyReturn(app).needs_passphrase()
        self.passphrase.setVisible(needs)
        pl.setVisible(needs)
        lay.addLayout(form)
        self.status = QLabel()
        self.status.setAccessibleName("Result")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.status)
        lay.addStretch(1)
        buttons = QHBoxLayout()
        self.export_button = QPushButton("&Export profile")
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.export)
        self.import_button = QPushButton("&Import newer profile")
        self.import_button.clicked.connect(self.import_)
        close = QPushButton("&Close")
        close.clicked.connect(self.reject)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.import_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        lay.addLayout(buttons)
        self.resize(620, 300)
        self.file.setFocus()

    def choose_file(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Profile file", self.file.text(), "RxLog profile (*.json);;All files (*)"
        )
        if path:
            self.file.setText(path)

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setStyleSheet(ERROR_STYLE if error else "")
        self.status.setText(text)

    def export(self) -> bool:
        from rxlog.profilefile import export_profile

        try:
            p = export_profile(
                self.app, Path(self.file.text().strip()), self.passphrase.text() or None
            )
        except RxlogError as exc:
            self._say(exc.message, error=True)
            return False
        self.passphrase.clear()
        self._say(
            f"Profile written to {self.file.text().strip()}: {len(p.data['placements'])} "
            "placements. On the other PC: set up from it (first-run wizard: I already use "
            "RxLog on another PC), or import it there."
        )
        return True

    def import_(self) -> bool:
        from rxlog.profilefile import import_profile, read_profile

        try:
            result = import_profile(self.app, read_profile(Path(self.file.text().strip())))
        except RxlogError as exc:
            self._say(exc.message, error=True)
            return False
        from rxlog.ui.month_dialog import installations_text

        self.installations.setText(installations_text(self.app))
        self._say(result.message)
        return True
