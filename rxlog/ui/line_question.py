"""Asked before a quick-entry line is saved, when it looks like a typo or lacks a date.

"rec 25" read as 25 patients in 20 minutes asks whether 25 was the minutes; an entry of
more than four hours asks to be confirmed; a code that needs the date discharge
information was received (a discharge reconciliation) asks for it there and then.
Enter logs with the choices shown (logging can be undone with Ctrl+Z); Esc goes back to
the line, which keeps its text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from rxlog.errors import ValidationError
from rxlog.ui.date_field import DateField
from rxlog.ui.field_errors import FieldForm
from rxlog.ui.screen_fit import fit_size

if TYPE_CHECKING:
    from rxlog.quick_entry import Doubt, Parsed
    from rxlog.taxonomy import Code


class LineQuestion(QDialog):
    """``changes()`` after it is accepted: the values to log the line with instead."""

    def __init__(
        self,
        code: Code,
        parsed: Parsed,
        doubts: list[Doubt],
        needs_discharge: bool,
        today: Callable[[], date],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Before logging {code.code} - RxLog")
        self._parsed = parsed
        lay = QVBoxLayout(self)
        head = QLabel(f"{code.code} – {code.title}")
        head.setWordWrap(True)
        lay.addWidget(head)
        for d in doubts:
            q = QLabel("• " + d.question)
            q.setWordWrap(True)
            lay.addWidget(q)
        v = parsed.values
        self.as_count = self.as_minutes = None
        count_doubt = any(d.kind == "count" for d in doubts)
        if count_doubt and "minutes" not in v:
            n = v["count"]
            self.as_count = QRadioButton(f"{n} &{code.counts}, {code.default_minutes} minutes")
            self.as_minutes = QRadioButton(f"{n} &minutes, 1 {code.counts[:-1]} (it was the time)")
            self.as_minutes.setChecked(True)  # the likelier typo
            lay.addWidget(self.as_count)
            lay.addWidget(self.as_minutes)
        form = QFormLayout()
        self.fields = FieldForm(form)
        self.discharge: DateField | None = None
        self.not_known: QCheckBox | None = None
        if needs_discharge:
            day = v.get("date") or today()
            self.discharge = DateField(day, today, "discharge_received")
            self.discharge.clear()
            self.fields.add("discharge_received", "&Discharge information received", self.discharge)
            self.not_known = QCheckBox("&Not known: log it without (month end will ask again)")
            self.not_known.toggled.connect(lambda on: self.discharge.setEnabled(not on))
            self.fields.add("not_known", "", self.not_known)
        form.addRow(self.fields.general)
        lay.addLayout(form)
        buttons = QDialogButtonBox()
        self.log_button = buttons.addButton("&Log it", QDialogButtonBox.ButtonRole.AcceptRole)
        self.back_button = buttons.addButton("&Back", QDialogButtonBox.ButtonRole.RejectRole)
        self.log_button.setDefault(True)
        buttons.accepted.connect(self.ok)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        (self.discharge or self.as_minutes or self.log_button).setFocus()
        fit_size(self, 520, self.sizeHint().height())

    def changes(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.as_minutes is not None and self.as_minutes.isChecked():
            out["minutes"] = self._parsed.values["count"]
            out["count"] = 1
        if self.discharge is not None and not (self.not_known and self.not_known.isChecked()):
            out["discharge_received"] = self.discharge.date()
        return out

    def ok(self) -> None:
        self.fields.clear()
        try:
            self.changes()
        except ValidationError as exc:
            self.fields.show(exc.field, exc.message)
            return
        self.accept()
