"""Edit one entry: its fields and the reason kept in the audit trail."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)

from rxlog.dates import day_text
from rxlog.domain import EntryView, PlacementView
from rxlog.errors import RxlogError
from rxlog.taxonomy import Taxonomy
from rxlog.ui.detail_panel import DetailPanel
from rxlog.ui.field_errors import FieldForm
from rxlog.ui.screen_fit import fit_size


class EditDialog(QDialog):
    """Shows ``entry`` in a detail panel; Save calls ``save(id, changes, reason)`` with
    only the fields that differ. Errors stay in the dialog beside their field."""

    def __init__(
        self,
        entry: EntryView,
        taxonomy: Taxonomy,
        placements: Sequence[PlacementView],
        today: date,
        save: Callable[[str, dict[str, Any], str], object],
        parent=None,  # noqa: ANN001
        locked_message: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Edit entry – {entry.code} on {day_text(entry.date)}")
        self.entry = entry
        self._save = save
        lay = QVBoxLayout(self)
        self.panel = DetailPanel(taxonomy, placements, today)
        original = entry.to_dict()
        original["date"] = entry.date
        original["discharge_received"] = entry.discharge_received
        original["admitted"], original["time"] = entry.admitted, entry.time
        self.panel.load(entry.code, original)
        self._original = self.panel.values()
        if locked_message:  # a signed-off month: only the note stays editable
            banner = QLabel(locked_message)
            banner.setWordWrap(True)
            banner.setStyleSheet("background: #fff4ce; border: 1px solid #e0c060; padding: 4px;")
            lay.addWidget(banner)
            for name in self.panel.FIELDS:
                if name != "note":
                    getattr(self.panel, name).setEnabled(False)
            self.panel.grading.setEnabled(False)
        lay.addWidget(self.panel)
        form = QFormLayout()
        self.reason_fields = FieldForm(form)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("why it changes, e.g. wrong count (kept in the audit trail)")
        self.reason_fields.add("reason", "Rea&son", self.reason)
        lay.addLayout(form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        fit_size(self, 560, self.sizeHint().height())

    def changes(self) -> dict[str, Any]:
        now = self.panel.values()
        return {k: v for k, v in now.items() if v != self._original.get(k)}

    def save(self) -> None:
        self.panel.clear_errors()
        self.reason_fields.clear()
        try:
            self._save(self.entry.id, self.changes(), self.reason.text())
        except RxlogError as exc:
            if exc.field == "reason":
                self.reason_fields.show("reason", exc.message)
            else:
                self.panel.show_error(exc.field, exc.message)
            return
        self.accept()
