"""A timer that looks wrong (sleep, midnight, a long run): ask what to keep."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
)

from rxlog.timers import MAX_MINUTES, Review


class TimerReviewDialog(QDialog):
    """Offers the review's choices, a number of minutes, or discarding the timer.

    After ``exec()``: ``minutes`` is what to log on ``review.day`` (0: log nothing)."""

    def __init__(self, review: Review, title: str, parent=None) -> None:  # noqa: ANN001
        super().__init__(parent)
        self.setWindowTitle("Timer – what should be kept?")
        self.review = review
        self.minutes = 0
        lay = QVBoxLayout(self)
        why = "; ".join(review.reasons()) or "please check the time"
        head = QLabel(
            f"The timer on {review.timer.code} ({title}) started "
            f"{review.timer.started_at.astimezone():%a %d %b at %H:%M}, and {why}.\n"
            f"What should be logged for {review.day:%a %d %b}?"
        )
        head.setWordWrap(True)
        lay.addWidget(head)
        self.group = QButtonGroup(self)
        self.buttons: list[QRadioButton] = []
        for i, c in enumerate(review.choices):
            b = QRadioButton(c.label + (" (capped at 12 h)" if c.minutes == MAX_MINUTES else ""))
            self.group.addButton(b, i)
            self.buttons.append(b)
            lay.addWidget(b)
        row = QHBoxLayout()
        self.own = QRadioButton("&Other:")
        self.own_minutes = QSpinBox()
        self.own_minutes.setRange(1, MAX_MINUTES)
        self.own_minutes.setSuffix(" minutes")
        self.own_minutes.setValue(max(1, min(review.choices[-1].minutes, MAX_MINUTES)))
        self.own_minutes.setAccessibleName("Minutes to keep")
        self.own_minutes.valueChanged.connect(lambda _v: self.own.setChecked(True))
        row.addWidget(self.own)
        row.addWidget(self.own_minutes)
        row.addStretch(1)
        lay.addLayout(row)
        self.discard = QRadioButton("&Discard the timer, log nothing")
        self.group.addButton(self.own, len(review.choices))
        self.group.addButton(self.discard, len(review.choices) + 1)
        lay.addWidget(self.discard)
        (self.buttons[-1] if len(self.buttons) > 1 else self.buttons[0]).setChecked(True)
        box = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        box.accepted.connect(self._ok)
        box.rejected.connect(self.reject)
        lay.addWidget(box)

    def _ok(self) -> None:
        i = self.group.checkedId()
        if self.discard.isChecked():
            self.minutes = 0
        elif self.own.isChecked():
            self.minutes = self.own_minutes.value()
        else:
            self.minutes = min(self.review.choices[i].minutes, MAX_MINUTES)
        self.accept()
