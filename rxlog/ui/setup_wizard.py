"""First run: who you are and your first placement, checked by the core as the CLI is."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWizard, QWizardPage

from rxlog.errors import RxlogError
from rxlog.identifiers import validate_gphc
from rxlog.ui.field_errors import FieldForm
from rxlog.ui.placement_form import PlacementForm


class _YouPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Welcome to RxLog")
        self.setSubTitle(
            "RxLog keeps your activity log on this PC and makes your signed monthly return. "
            "First, who you are."
        )
        lay = QVBoxLayout(self)
        form = QFormLayout()
        lay.addLayout(form)
        self.fields = FieldForm(form)
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. Alex Morgan")
        self.gphc = QLineEdit()
        self.gphc.setPlaceholderText("7 digits starting with 5, e.g. 5012345")
        self.gphc.setMaxLength(7)
        self.fields.add("name", "Your &name", self.name)
        self.fields.add("gphc", "&GPhC number", self.gphc)
        form.addRow(self.fields.general)
        lay.addStretch(1)

    def validatePage(self) -> bool:  # noqa: N802
        self.fields.clear()
        if not self.name.text().strip():
            self.fields.show("name", "a name is required")
            return False
        try:
            validate_gphc(self.gphc.text())
        except RxlogError as exc:
            self.fields.show(exc.field, exc.message)
            return False
        return True


class _PlacementPage(QWizardPage):
    def __init__(self, today: date, finish: Callable[[], None]) -> None:
        super().__init__()
        self._finish = finish
        self.setTitle("Your first placement")
        self.setSubTitle(
            "Where you work now. Later placements go in the rotation calendar "
            "(Setup ▸ Placements…, Ctrl+Shift+P)."
        )
        lay = QVBoxLayout(self)
        self.form = PlacementForm(today.replace(day=1))
        # Ask when it ends: an open-ended first placement used to block the next rotation.
        self.form.open_ended.setText("&Until further notice (no end date yet)")
        self.ends = QLabel(
            "When does this placement end? Give its last day under To, or tick "
            "Until further notice (you can end it later in Placements)."
        )
        self.ends.setWordWrap(True)
        lay.addWidget(self.form)
        lay.addWidget(self.ends)  # under the dates it is about
        note = QLabel("The ODS code is on your placement letter, or search the NHS ODS portal.")
        note.setWordWrap(True)
        lay.addWidget(note)
        lay.addStretch(1)

    def validatePage(self) -> bool:  # noqa: N802
        self.form.fields.clear()
        try:
            self._finish()
        except RxlogError as exc:
            self.form.fields.show(exc.field, exc.message)
            return False
        return True


class SetupWizard(QWizard):
    """Name, GPhC number and first placement. On Finish calls ``setup(name, gphc)`` then
    ``add_placement(ods, name, sector, from, to)``; a core error stays on the page,
    beside its field."""

    def __init__(
        self,
        today: date,
        setup: Callable[[str, str], object],
        add_placement: Callable[[str, str, str, date, date | None], object],
        parent=None,  # noqa: ANN001
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("RxLog – first-run setup")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self._setup = setup
        self._add_placement = add_placement
        self.you = _YouPage()
        self.placement = _PlacementPage(today, self._save)
        self.addPage(self.you)
        self.addPage(self.placement)
        self.resize(560, 420)

    def _save(self) -> None:
        self._setup(self.you.name.text().strip(), self.you.gphc.text().strip())
        self._add_placement(*self.placement.form.values())
