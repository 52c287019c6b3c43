"""The fields of one placement (used by the first-run wizard and the Placements dialog)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QCheckBox, QComboBox, QDateEdit, QFormLayout, QLineEdit, QWidget

from rxlog.ui.field_errors import FieldForm


def qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


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
        self.date_from = QDateEdit(qdate(start))
        self.date_from.setCalendarPopup(True)
        self.date_from.setDisplayFormat("d MMM yyyy")
        self.open_ended = QCheckBox("&Open-ended (no end date yet)")
        self.open_ended.setChecked(True)
        self.date_to = QDateEdit(qdate(start))
        self.date_to.setCalendarPopup(True)
        self.date_to.setDisplayFormat("d MMM yyyy")
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
            pydate(self.date_from.date()),
            None if self.open_ended.isChecked() else pydate(self.date_to.date()),
        )
