"""One undo for the window: Ctrl+Z undoes the last change to entries wherever the focus
is, unless the focus is in text with typing of its own to undo (then the text's undo).

A text field normally claims Ctrl+Z for itself (Qt's ShortcutOverride) even with nothing
to undo, which is how Ctrl+Z after a delete came to restore the quick-entry line's
cleared text. This filter lets the field keep the key only while it has typing to undo
(or redo) and otherwise hands the key to the window's Undo/Redo action.
"""

from __future__ import annotations

import weakref
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


# Every UndoKeys until Qt destroys it: its Python side must outlive its Qt side, which
# Qt calls for the events of the widgets it filters (a window collected by Python's
# cycle collector freed the filter's Python object first, and Qt then called into it).
_ALIVE: dict[int, UndoKeys] = {}


class UndoKeys(QObject):
    """For one window: decides who takes Ctrl+Z (and the redo keys) in it.

    Qt offers the key to the focused widget first (a ShortcutOverride event), so the
    filter only has to sit on the widget that has the focus: :meth:`follow_focus`
    installs it on each widget of the window as it takes the keyboard focus
    (``QGuiApplication.focusObjectChanged``, which names only the new focus: the old
    one may be a widget being destroyed). A filter on the whole application saw every
    event of every widget: about 1,100 calls into Python in one history paint, and
    adding a combo box's items took ~1.5x as long.

    The filter stays on a widget after it loses the focus and lets its events pass until
    it has the focus again (holding the widget to take the filter off could outlive a
    widget Qt deletes); :meth:`stop` takes it off every widget of the window.

    ``on_text(kind, widget)`` is called when the key is left to a text field
    ("undo"/"redo"), so the window's status line can say which undo ran."""

    def __init__(self, window: QWidget, on_text: Callable[[str, QWidget], None]) -> None:
        super().__init__(window)
        # Weak: this object lives until Qt destroys it (_ALIVE), the window may go first.
        self._window = weakref.ref(window)
        self._on_text = weakref.WeakMethod(on_text)
        self._following = False
        key = id(self)
        _ALIVE[key] = self
        self.destroyed.connect(lambda *_: _ALIVE.pop(key, None))

    def follow_focus(self, app: QApplication) -> None:
        """Filter the window's widgets as they take the focus, from now on (and the
        one that has it now)."""
        if not self._following:
            app.focusObjectChanged.connect(self._focus_moved)
            self._following = True
        self._focus_moved(QApplication.focusWidget())

    def stop(self, app: QApplication) -> None:
        """Stop following the focus and take the filter off the window's widgets (the
        window closes: no event of theirs comes here while they are taken down)."""
        if self._following:
            app.focusObjectChanged.disconnect(self._focus_moved)
            self._following = False
        window = self._window()
        if window is not None:
            window.removeEventFilter(self)
            for w in window.findChildren(QWidget):  # only widgets Qt still has
                w.removeEventFilter(self)

    def _focus_moved(self, new: QObject | None) -> None:
        if isinstance(new, QWidget) and new.window() is self._window():
            new.installEventFilter(self)  # again on the same widget: it is not doubled

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        # Every event of a filtered widget passes here: the cheap test first (reading an
        # event's type makes a Python enum each time).
        if not isinstance(event, QKeyEvent) or event.type() != QEvent.Type.ShortcutOverride:
            return False
        keys = _pressed(event)
        redo = keys in REDO_KEYS
        if not (redo or keys in UNDO_KEYS):
            return False
        focus = QApplication.focusWidget()
        if focus is None or focus.window() is not self._window() or obj is not focus:
            return False
        if text_can(focus, redo):
            on_text = self._on_text()
            if on_text is not None:
                on_text("redo" if redo else "undo", focus)
            return False  # the field takes the key: its own undo
        return True  # not accepted: the window's Undo/Redo shortcut runs
