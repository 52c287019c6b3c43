"""Colours both RxLog windows share, chosen for WCAG 2.2 AA contrast."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

# NHS blue behind white text: 6.1:1. Qt's Fusion highlight (#308cc6) gives 3.6:1, below
# the 4.5:1 WCAG 1.4.3 asks of a selected row's text.
HIGHLIGHT = "#005EB8"


def use_accessible_colours(app: QApplication) -> None:
    """Selected rows and text readable at AA contrast, active or not."""
    pal = app.palette()
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        pal.setColor(group, QPalette.ColorRole.Highlight, QColor(HIGHLIGHT))
        pal.setColor(group, QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    app.setPalette(pal)
