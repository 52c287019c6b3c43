"""Ask for the reason a change is made (deleting an entry), kept in the audit trail."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout

from rxlog.errors import RxlogError
from rxlog.ui.field_errors import FieldForm
from rxlog.ui.screen_fit import fit_size


class ReasonDialog(QDialog):
    """Shows ``question``; OK calls ``act(reason)``; a core error stays beside the field."""

    def __init__(
        self,
        title: str,
        question: str,
        act: Callable[[str], object],
        parent=None,  # noqa: ANN001
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self._act = act
        lay = QVBoxLayout(self)
        q = QLabel(question)
        q.setWordWrap(True)
        lay.addWidget(q)
        form = QFormLayout()
        self.fields = FieldForm(form)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("e.g. logged twice (kept in the audit trail)")
        self.fields.add("reason", "Rea&son", self.reason)
        form.addRow(self.fields.general)
        lay.addLayout(form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.ok)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        fit_size(self, 460, self.sizeHint().height())

    def ok(self) -> None:
        try:
            self._act(self.reason.text())
        except RxlogError as exc:
            self.fields.show(exc.field if exc.field in self.fields.errors else None, exc.message)
            return
        self.accept()
