"""The quick-entry grammar, as a small reference the user can keep open (F1)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

EXAMPLES = (
    ("rec 2 25m", "top match for “rec”, count 2, 25 minutes (1h and 1h30 work too)"),
    ("f1", "favourite 1 (Ctrl+D stars the top match)"),
    ("s4  h:B  r10  o:a", "Eadon 4, NCC MERP B, 10 min released, accepted"),
    ("y   -2d   d:2026-11-03", "yesterday, two days ago, a date"),
    ("dr:-1d", "discharge information received yesterday"),
    ("ad:y@22:40  t:09:30", "admitted yesterday at 22:40, reconciled at 09:30 (admission)"),
    ("@G82001", "at that site (one of your placements)"),
    ('"a note"', "a note (never a patient identifier)"),
)


def grammar_html() -> str:
    rows = "".join(
        f"<tr><td style='white-space:pre; padding-right:16px'><code>{example}</code></td>"
        f"<td>{meaning}</td></tr>"
        for example, meaning in EXAMPLES
    )
    return (
        "<p>Type part of a code or title, then any details, then <b>Enter</b>:</p>"
        f"<table cellspacing='4'>{rows}</table>"
        "<p><b>Up/Down</b> picks another match, <b>Tab</b> opens the details, "
        "<b>Esc</b> clears the line.</p>"
    )


class GrammarDialog(QDialog):
    """Shows the quick-entry grammar with examples."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Quick-entry grammar")
        lay = QVBoxLayout(self)
        self.text = QLabel(grammar_html())
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setAccessibleName("Quick-entry grammar")
        lay.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
