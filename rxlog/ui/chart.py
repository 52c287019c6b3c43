"""A horizontal bar chart drawn with QPainter (QtCharts is not part of PySide6-Essentials)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

PALETTE = ("#2f6f9f", "#4c9a6a", "#c9822b", "#8a5aa8", "#c0504d", "#5b8fa8", "#7f8c3a")


class BarChart(QWidget):
    """Labelled bars, one per (label, value); values are minutes, shown as hours."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bars: list[tuple[str, int]] = []
        self.title = ""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Chart of minutes by category")

    def set_bars(self, title: str, bars: Sequence[tuple[str, int]]) -> None:
        self.title = title
        self.bars = [b for b in bars if b[1] > 0]
        self.setAccessibleDescription(
            "; ".join(f"{label}: {_hours(v)}" for label, v in self.bars) or "no entries"
        )
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802
        row = self.fontMetrics().height() + 10
        return QSize(480, 40 + row * max(len(self.bars), 3))

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = self.fontMetrics()
        pal = self.palette()
        p.fillRect(self.rect(), pal.base())
        p.setPen(pal.text().color())
        title_h = fm.height() + 8
        bold = p.font()
        bold.setBold(True)
        p.setFont(bold)
        p.drawText(QRectF(8, 4, self.width() - 16, title_h), Qt.AlignmentFlag.AlignLeft, self.title)
        p.setFont(self.font())
        if not self.bars:
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Nothing logged in this period")
            return
        label_w = min(max(fm.horizontalAdvance(b[0]) for b in self.bars) + 16, self.width() // 2)
        value_w = fm.horizontalAdvance("000 h 00") + 12
        top = title_h + 6
        row = min(
            fm.height() + 12, max(fm.height() + 2, (self.height() - top - 4) // len(self.bars))
        )
        biggest = max(v for _, v in self.bars)
        span = max(10, self.width() - label_w - value_w - 16)
        for i, (label, value) in enumerate(self.bars):
            y = top + i * row
            p.setPen(pal.text().color())
            text = fm.elidedText(label, Qt.TextElideMode.ElideRight, label_w - 12)
            p.drawText(
                QRectF(8, y, label_w - 12, row),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                text,
            )
            w = span * value / biggest
            p.fillRect(QRectF(label_w, y + 3, max(w, 2), row - 6), QColor(PALETTE[i % 7]))
            p.drawText(
                QRectF(label_w + w + 6, y, value_w, row),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                _hours(value),
            )
        p.end()


def _hours(minutes: int) -> str:
    return f"{minutes // 60} h {minutes % 60:02d}"
