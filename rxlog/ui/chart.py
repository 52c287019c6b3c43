"""A horizontal bar chart drawn with QPainter (QtCharts is not part of PySide6-Essentials)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPaintEvent
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


class DayColumns(QWidget):
    """Minutes per day as columns, one per day of the period (weekends lighter)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.days: list[tuple[date, int]] = []
        self.title = ""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Chart of minutes per day")

    def set_days(self, title: str, days: Sequence[tuple[date, int]]) -> None:
        self.title = title
        self.days = list(days)
        self.setAccessibleDescription(
            "; ".join(f"{d:%a %d %b}: {_hours(m)}" for d, m in self.days if m)
        )
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(480, 220)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        fm = self.fontMetrics()
        pal = self.palette()
        p.fillRect(self.rect(), pal.base())
        p.setPen(pal.text().color())
        bold = p.font()
        bold.setBold(True)
        p.setFont(bold)
        title_h = fm.height() + 8
        p.drawText(QRectF(8, 4, self.width() - 16, title_h), Qt.AlignmentFlag.AlignLeft, self.title)
        p.setFont(self.font())
        if not self.days:
            p.end()
            return
        label_h = fm.height() + 4
        top, bottom = title_h + fm.height() + 8, self.height() - label_h - 6
        left, right = 8, self.width() - 8
        slot = (right - left) / len(self.days)
        biggest = max(max(m for _, m in self.days), 60)
        every = max(1, int(fm.horizontalAdvance("00 ") // max(slot, 1)) + 1)
        for i, (d, minutes) in enumerate(self.days):
            x = left + i * slot
            h = (bottom - top) * minutes / biggest
            if minutes:
                bar = QRectF(x + slot * 0.15, bottom - h, slot * 0.7, h)
                if d.weekday() < 5:
                    p.fillRect(bar, QColor(PALETTE[0]))
                else:  # a weekend is hatched, not only lighter (no meaning by colour alone)
                    p.fillRect(bar, QColor("#9bb7cc"))
                    p.fillRect(bar, QBrush(QColor(PALETTE[0]), Qt.BrushStyle.BDiagPattern))
            if i % every == 0:
                label = f"{d:%a}"[0] + f"{d.day}" if len(self.days) <= 7 else f"{d.day}"
                if len(self.days) <= 7:
                    label = f"{d:%a %d}"
                p.drawText(
                    QRectF(x, bottom + 2, slot * every, label_h), Qt.AlignmentFlag.AlignLeft, label
                )
            if minutes and len(self.days) <= 7:
                p.drawText(
                    QRectF(x, bottom - h - fm.height() - 2, slot, fm.height()),
                    Qt.AlignmentFlag.AlignHCenter,
                    _hours(minutes),
                )
        p.setPen(pal.mid().color())
        p.drawLine(left, int(bottom), right, int(bottom))
        p.end()
