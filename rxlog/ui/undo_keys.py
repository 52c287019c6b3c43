"""One undo for the window: Ctrl+Z undoes the last change to entries wherever the focus
is, unless the focus is in text with typing of its own to undo (then the text's undo).

A text field normally claims Ctrl+Z for itself (Qt's ShortcutOverride) even with nothing
to undo, which is how Ctrl+Z after a delete came to restore the quick-entry line's
cleared text. This filter lets the field keep the key only while it has typing to undo
(or redo) and otherwise hands the key to the window's Undo/Redo action.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

UNDO_KEYS = (QKeySequence("Ctrl+Z"),)
REDO_KEYS = (QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y"))


def _pressed(event: QKeyEvent) -> QKeySequence:
    return QKeySequence(event.keyCombination())


def text_can(widget: QWidget | None, redo: bool) -> bool:
    """Whether ``widget`` is editable text with typing to undo (or redo)."""
    if isinstance(widget, QComboBox) and widget.isEditable():
        widget = widget.lineEdit()
    elif isinstance(widget, QAbstractSpinBox):  # the minutes box: its own text field
        widget = widget.findChild(QLineEdit)
    if isinstance(widget, QLineEdit):
        if widget.isReadOnly():
            return False
        return widget.isRedoAvailable() if redo else widget.isUndoAvailable()
    if isinstance(widget, QTextEdit | QPlainTextEdit):
        if widget.isReadOnly():
            return False
        doc = widget.document()
        return doc.isRedoAvailable() if redo else doc.isUndoAvailable()
    return False


def field_name(widget: QWidget) -> str:
    return widget.accessibleName() or "this field"


class UndoKeys(QObject):
    """Installed on the QApplication for one window.

    ``on_text(kind, widget)`` is called when the key is left to a text field
    ("undo"/"redo"), so the window's status line can say which undo ran."""

    def __init__(self, window: QWidget, on_text: Callable[[str, QWidget], None]) -> None:
        super().__init__(window)
        self._window = window
        self._on_text = on_text

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        # Every event of the application passes here: the cheap test first (reading an
        # event's type makes a Python enum each time, ~1,000 times a table's paint).
        if not isinstance(event, QKeyEvent) or event.type() != QEvent.Type.ShortcutOverride:
            return False
        keys = _pressed(event)
        redo = keys in REDO_KEYS
        if not (redo or keys in UNDO_KEYS):
            return False
        focus = QApplication.focusWidget()
        if focus is None or focus.window() is not self._window or obj is not focus:
            return False
        if text_can(focus, redo):
            self._on_text("redo" if redo else "undo", focus)
            return False  # the field takes the key: its own undo
        return True  # not accepted: the window's Undo/Redo shortcut runs
