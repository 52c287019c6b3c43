"""The question asked before a month is signed off: signing is a deliberate act.

It names the month, how many entries the return will hold and every open warning,
and has no default button that signs: Enter and Esc both go back, only "Sign off
<month>" (a click or its Alt+letter) signs.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from rxlog.ui.plain_words import for_gui
from rxlog.ui.screen_fit import fit_size

if TYPE_CHECKING:
    from rxlog.export.month_check import MonthCheck


def month_words(month: str) -> str:
    """``2026-11`` → ``November 2026``."""
    y, m = (int(x) for x in month.split("-"))
    return f"{date(y, m, 1):%B %Y}"


def open_warnings(check: MonthCheck) -> list[str]:
    """What the technician is asked to look at before signing (not the plain notes)."""
    return [
        for_gui(f.message) for f in check.findings if f.severity != "info" or f.kind == "not_over"
    ]


class SignOffConfirm(QDialog):
    """Sign off this month? Accepted only through the sign button."""

    def __init__(self, check: MonthCheck, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        words = month_words(check.month)
        n = check.entries
        self.setWindowTitle(f"Sign off {words}? - RxLog")
        lay = QVBoxLayout(self)
        self.question = QLabel(
            f"Sign off {words} with {n} entr{'y' if n == 1 else 'ies'}?\n\n"
            "The return states that it is a true and complete record of your month. "
            "Once signed off, the month is locked: changing it means reopening it and "
            "sending a new version."
        )
        self.question.setWordWrap(True)
        self.question.setTextFormat(Qt.TextFormat.PlainText)
        lay.addWidget(self.question)
        warnings = open_warnings(check)
        self.warnings = QListWidget()
        self.warnings.setAccessibleName("Open warnings")
        self.warnings.setWordWrap(True)
        if warnings:
            head = QLabel(f"Still open ({len(warnings)}), signed as they are if you go on:")
            head.setBuddy(self.warnings)
            lay.addWidget(head)
            self.warnings.addItems([f"• {w}" for w in warnings])
            lay.addWidget(self.warnings, 1)
        else:
            self.warnings.hide()
            lay.addWidget(QLabel("No warnings are open."))
        buttons = QHBoxLayout()
        self.back = QPushButton("&Go back")
        self.sign = QPushButton(f"&Sign off {words}")
        for b in (self.back, self.sign):
            b.setAutoDefault(False)
            b.setDefault(False)
        self.back.clicked.connect(self.reject)
        self.sign.clicked.connect(self.accept)
        buttons.addStretch(1)
        buttons.addWidget(self.back)
        buttons.addWidget(self.sign)
        lay.addLayout(buttons)
        self.back.setFocus()
        fit_size(self, 560, 380 if warnings else 220)

    def keyPressEvent(self, event) -> None:  # noqa: ANN001, N802
        # Enter never signs: with focus on the sign button it still goes back.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.reject()
            return
        super().keyPressEvent(event)
