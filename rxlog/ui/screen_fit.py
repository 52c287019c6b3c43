"""Sizes that fit the screen a window is on, taskbar and title bar included.

A common NHS laptop is 1366×768 with a 40-pixel taskbar: a window asked for 760 pixels
of height would put its status line (the only confirmation of what was logged) under
the taskbar. Every window and dialog sizes itself through :func:`fit_size`.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

# What the desktop adds around a window's contents: borders, and a title bar.
FRAME = QSize(16, 40)


def available(widget: QWidget | None = None) -> QRect:
    """The usable part of the screen ``widget`` is on (the primary one if unknown)."""
    screen = widget.screen() if widget is not None else None
    screen = screen or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1366, 728)


def fitted(want: QSize, avail: QRect) -> QSize:
    """``want``, made smaller where the available area (less the frame) is smaller."""
    return QSize(
        max(200, min(want.width(), avail.width() - FRAME.width())),
        max(150, min(want.height(), avail.height() - FRAME.height())),
    )


def fit_size(widget: QWidget, width: int, height: int, avail: QRect | None = None) -> QSize:
    """Resize ``widget`` to ``width``×``height``, or less if the screen is smaller."""
    size = fitted(QSize(width, height), avail or available(widget))
    widget.resize(size)
    return size


def keep_on_screen(widget: QWidget, avail: QRect | None = None) -> None:
    """After restoring a saved geometry (perhaps from a bigger monitor): shrink and move
    the window so all of it, frame included, is on the available area."""
    if widget.isMaximized() or widget.isFullScreen():
        return
    avail = avail or available(widget)
    size = fitted(widget.size(), avail)
    if size != widget.size():
        widget.resize(size)
    frame = widget.frameGeometry()
    x = min(max(frame.x(), avail.x()), avail.right() - frame.width() + 1)
    y = min(max(frame.y(), avail.y()), avail.bottom() - frame.height() + 1)
    if (x, y) != (frame.x(), frame.y()):
        widget.move(max(x, avail.x()), max(y, avail.y()))


def font_style(widget: QWidget, scale: float, *, bold: bool = False) -> str:
    """Style sheet text that draws ``widget``'s text ``scale`` times its font's size (and
    bold): for the widgets of the first paint, where ``font()``/``setFont`` would build
    the QFont type and its eight enums first (~1.5 ms of RxLog's start-up). The size is
    the font's real one (``fontInfo``), in points, so it follows the screen's scaling as
    ``setPointSizeF`` does (and works for a font given in pixels, where ``font()``'s point
    size is -1)."""
    size = widget.fontInfo().pointSizeF() * scale
    return f"font-size: {size:.2f}pt;" + (" font-weight: bold;" if bold else "")


def bring_forward(widget: QWidget) -> None:
    """Show a window in front without changing its state: a maximised window stays
    maximised, a minimised one comes back as it was before (a second start)."""
    from PySide6.QtCore import Qt

    state = widget.windowState()
    if state & Qt.WindowState.WindowMinimized:
        widget.setWindowState(
            (state & ~Qt.WindowState.WindowMinimized) | Qt.WindowState.WindowActive
        )
    widget.show()
    widget.raise_()
    widget.activateWindow()


# A focus ring where the platform style draws none (lists and tables): NHS blue.
FOCUS_STYLE = (
    "QAbstractItemView:focus { border: 2px solid #005EB8; }"
    " QPushButton:focus, QCheckBox:focus, QRadioButton:focus { outline: 1px solid #005EB8; }"
)
