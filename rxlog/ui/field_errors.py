"""Errors shown beside the field they concern, in plain words."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QFormLayout, QLabel, QWidget

from rxlog.ui.plain_words import for_gui

ERROR_STYLE = "color: #b00020;"


class FieldForm:
    """A ``QFormLayout`` whose rows each carry a hidden error label under the field."""

    def __init__(self, form: QFormLayout) -> None:
        self.form = form
        self.errors: dict[str, QLabel] = {}
        self.widgets: dict[str, QWidget] = {}
        self.general = QLabel()
        self.general.setStyleSheet(ERROR_STYLE)
        self.general.setWordWrap(True)
        self.general.hide()

    def add(self, name: str, label: str, widget: QWidget, aliases: tuple[str, ...] = ()) -> QLabel:
        lab = QLabel(label)
        lab.setBuddy(widget)
        widget.setAccessibleName(label.replace("&", ""))
        err = QLabel()
        err.setStyleSheet(ERROR_STYLE)
        err.setWordWrap(True)
        err.hide()
        self.form.addRow(lab, widget)
        self.form.addRow(err)  # full width, under its field
        for key in (name, *aliases):
            self.errors[key] = err
            self.widgets[key] = widget
        return lab

    def clear(self) -> None:
        for lab in [*self.errors.values(), self.general]:
            lab.clear()
            lab.hide()

    def show(self, field: str | None, message: str) -> QLabel:
        self.clear()
        lab = self.errors.get(field or "", self.general)
        if field in self.widgets:
            self.widgets[field].setFocus()
        lab.setText(for_gui(message))
        lab.show()
        return lab

    def text(self, field: str | None = None) -> str:
        lab = self.errors.get(field or "", self.general)
        return "" if lab.isHidden() else lab.text()


def widget_shortcut(widget: QWidget, keys: QKeySequence, slot: Callable[[], object]) -> QShortcut:
    """A key that acts only while ``widget`` has the focus (Enter/Delete in a list)."""
    sc = QShortcut(keys, widget)
    sc.setContext(Qt.ShortcutContext.WidgetShortcut)
    sc.activated.connect(slot)
    return sc
