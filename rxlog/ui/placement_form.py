"""The fields of one placement (used by the first-run wizard and the Placements dialog)."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QLineEdit, QWidget

from rxlog.clock import local_today
from rxlog.ui.date_field import DateField
from rxlog.ui.field_errors import FieldForm


class PlacementForm(QWidget):
    """Site code, name, sector and dates, with errors under each field."""

    def __init__(self, start: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        self.fields = FieldForm(form)
        self.ods = QLineEdit()
        self.ods.setPlaceholderText("e.g. G82001 (GP practice) or RPA (trust)")
        self.ods.setMaxLength(6)
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. Riverside Medical Centre")
        self.sector = QComboBox()
        self.sector.addItem("Primary care (GP practice, PCN)", "primary")
        self.sector.addItem("Secondary care (hospital)", "secondary")
        # A placement may start or end in the future: a day without a year is the
        # nearest one (on 20 December, "4/1" is 4 January next year).
        self.date_from = DateField(start, local_today, "from", prefer="nearest")
        self.open_ended = QCheckBox("&Open-ended (no end date yet)")
        self.open_ended.setChecked(True)
        self.date_to = DateField(start, local_today, "to", prefer="nearest")
        self.date_to.setEnabled(False)
        self.open_ended.toggled.connect(lambda on: self.date_to.setEnabled(not on))
        self.fields.add("ods", "ODS &site code", self.ods, ("site",))
        self.fields.add("name", "Site na&me", self.name)
        self.fields.add("sector", "Se&ctor", self.sector)
        self.fields.add("from", "F&rom", self.date_from)
        self.fields.add("open", "", self.open_ended)
        self.fields.add("to", "&To", self.date_to)
        form.addRow(self.fields.general)

    def values(self) -> tuple[str, str, str, date, date | None]:
        return (
            self.ods.text().strip(),
            self.name.text().strip(),
            self.sector.currentData(),
            self.date_from.date(),
            None if self.open_ended.isChecked() else self.date_to.date(),
        )
