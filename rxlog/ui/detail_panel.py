"""The detail panel: every field of an entry, with errors shown beside the field."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from rxlog.domain import PlacementView
from rxlog.limits import MAX_COUNT, MAX_MINUTES
from rxlog.scales import HARM, OUTCOMES, SIGNIFICANCE
from rxlog.taxonomy import Code, Taxonomy
from rxlog.ui.date_field import AdmittedField, ClockField, DateField
from rxlog.ui.plain_words import for_gui

UNSET = -1
NOTE_TYPING_WARNING = (
    "This looks like an NHS number. Notes stay on this PC, but please keep patient "
    "identifiers out of RxLog: take it out before you save."
)
ERROR_STYLE = "color: #b00020;"


class DetailPanel(QWidget):
    """All fields of one entry. Grading shows only for intervention codes and the
    discharge-received date only for codes that need it, the admission date-time and the
    time done only for admission reconciliations (NICE QS120 in acute care).

    Signals:
        code_changed(str): the code box now holds this code.
    """

    code_changed = Signal(str)

    FIELDS = (
        "code", "date", "site", "minutes", "count", "significance", "harm",
        "released_minutes", "outcome", "discharge_received", "admitted", "time", "note",
    )  # fmt: skip

    def __init__(
        self,
        taxonomy: Taxonomy,
        placements: Sequence[PlacementView],
        today: date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.taxonomy = taxonomy
        self.today = today
        self._errors: dict[str, QLabel] = {}
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(self._build_main_fields(taxonomy, placements, today))
        outer.addWidget(self._build_grading())
        outer.addLayout(self._build_dates_and_note(today))
        self._general = QLabel()
        self._general.setStyleSheet(ERROR_STYLE)
        self._general.setWordWrap(True)
        self._general.hide()
        outer.addWidget(self._general)
        self._on_code()

    def _build_main_fields(
        self, taxonomy: Taxonomy, placements: Sequence[PlacementView], today: date
    ) -> QFormLayout:
        """Activity, date, site, minutes and count."""
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.code = QComboBox()
        self.code.setEditable(False)
        for c in taxonomy.active():
            self.code.addItem(f"{c.code} – {c.title}", c.code)
        self.code.currentIndexChanged.connect(self._on_code)
        self.date = DateField(today, lambda: self.today, "date")
        self.site = QComboBox()
        self.set_placements(placements)
        self.minutes = QSpinBox()
        self.minutes.setRange(1, MAX_MINUTES)
        self.minutes.setSuffix(" min")
        self.count = QSpinBox()
        self.count.setRange(0, MAX_COUNT)

        self._add(form, "code", "Activit&y", self.code)
        self._add(form, "date", "&Date", self.date)
        self._add(form, "site", "Si&te", self.site)
        self._add(form, "minutes", "Min&utes", self.minutes)
        self.count_label = self._add(form, "count", "&Count", self.count)
        return form

    def _build_grading(self) -> QGroupBox:
        """An intervention's significance, harm, released minutes and outcome."""
        self.grading = QGroupBox("Intervention grading (Eadon 1–6 · NCC MERP A–I)")
        gform = QFormLayout(self.grading)
        self.significance = QComboBox()
        self.significance.addItem("— not graded", None)
        for k, v in SIGNIFICANCE.items():
            self.significance.addItem(f"{k} – {v}", k)
        self.harm = QComboBox()
        self.harm.addItem("— not graded", None)
        for letter, v in HARM.items():
            self.harm.addItem(f"{letter} – {v}", letter)
        self.released_minutes = QSpinBox()
        self.released_minutes.setRange(UNSET, MAX_MINUTES)
        self.released_minutes.setSpecialValueText("— none")
        self.released_minutes.setSuffix(" min")
        self.outcome = QComboBox()
        self.outcome.addItem("— not recorded", None)
        for o in OUTCOMES:
            self.outcome.addItem(o, o)
        for combo in (self.code, self.significance, self.harm, self.outcome, self.site):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(14)
            combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._add(gform, "significance", "Si&gnificance", self.significance)
        self._add(gform, "harm", "Ha&rm", self.harm)
        self._add(gform, "released_minutes", "Re&leased", self.released_minutes)
        self._add(gform, "outcome", "&Outcome", self.outcome)
        return self.grading

    def _build_dates_and_note(self, today: date) -> QFormLayout:
        """The QS120 date, the note and its warning."""
        form2 = QFormLayout()
        self.discharge_received = DateField(today, lambda: self.today, "discharge_received")
        self.discharge_label = self._add(
            form2, "discharge_received", "Disch&arge info received", self.discharge_received
        )
        self.admitted = AdmittedField(lambda: self.today)
        self.admitted_label = self._add(form2, "admitted", "&Patient admitted", self.admitted)
        self.time = ClockField()
        self.time_label = self._add(form2, "time", "Done at (cloc&k)", self.time)
        self.note = QLineEdit()
        self.note.setPlaceholderText("optional; no patient identifiers")
        self._add(form2, "note", "&Note", self.note)
        # Warned while typing, before anything is saved (the core warns again after).
        self.note_warning = QLabel()
        self.note_warning.setStyleSheet(ERROR_STYLE)
        self.note_warning.setWordWrap(True)
        self.note_warning.setAccessibleName("Note warning")
        self.note_warning.hide()
        form2.addRow(self.note_warning)
        self.note.textChanged.connect(self._check_note)
        return form2

    def _check_note(self, text: str) -> None:
        from rxlog.identifiers import find_nhs_numbers

        if find_nhs_numbers(text):
            self.note_warning.setText(NOTE_TYPING_WARNING)
            self.note_warning.show()
        else:
            self.note_warning.hide()

    def _add(self, form: QFormLayout, name: str, label: str, widget: QWidget) -> QLabel:
        lab = QLabel(label)
        lab.setBuddy(widget)
        widget.setAccessibleName(label.replace("&", ""))
        err = QLabel()
        err.setStyleSheet(ERROR_STYLE)
        err.setWordWrap(True)
        err.setAccessibleName(f"{label.replace('&', '')} error")
        err.hide()
        form.addRow(lab, widget)
        form.addRow(err)  # full width, under its field
        self._errors[name] = err
        return lab

    def set_placements(self, placements: Sequence[PlacementView]) -> None:
        self.site.clear()
        self.site.addItem("placement covering the date", None)
        seen = set()
        for p in placements:
            if p.ods not in seen:
                seen.add(p.ods)
                self.site.addItem(f"{p.ods} – {p.name} ({p.sector})", p.ods)

    def set_today(self, today: date) -> None:
        """Follow the app's clock (a new day, or the data folder's pinned date)."""
        if today != self.today:
            self.today = today
            self.date.setDate(today)

    # -- state ----------------------------------------------------------------------
    def current_code(self) -> Code | None:
        value = self.code.currentData()
        return self.taxonomy.get(value) if value else None

    def _on_code(self) -> None:
        code = self.current_code()
        if code is None:
            return
        self.grading.setVisible(code.intervention)
        self.discharge_received.setVisible(code.needs_discharge_date)
        self.discharge_label.setVisible(code.needs_discharge_date)
        for w in (self.admitted, self.admitted_label, self.time, self.time_label):
            w.setVisible(code.needs_admission_time)
        counts = code.counts != "none"
        self.count.setVisible(counts)
        self.count_label.setVisible(counts)
        self.count_label.setText(f"&Count ({code.counts})" if counts else "&Count")
        self.code_changed.emit(code.code)

    def load(self, code: str, values: dict[str, Any]) -> None:
        """Fill the panel: ``code``'s defaults, overridden by ``values`` (entry fields)."""
        self.clear_errors()
        i = self.code.findData(code)
        if i < 0:  # a retired code on an old entry: show it anyway
            c = self.taxonomy.get(code)
            self.code.addItem(f"{code} – {c.title if c else code}", code)
            i = self.code.count() - 1
        self.code.setCurrentIndex(i)
        c = self.taxonomy.get(code)
        self.date.setDate(values.get("date") or self.today)
        si = self.site.findData(values.get("site")) if values.get("site") else 0
        self.site.setCurrentIndex(max(si, 0))
        self.minutes.setValue(values.get("minutes") or (c.default_minutes if c else 10))
        count = values.get("count")
        self.count.setValue(1 if count is None else count)
        self.significance.setCurrentIndex(
            max(self.significance.findData(values.get("significance")), 0)
            if values.get("significance")
            else 0
        )
        self.harm.setCurrentIndex(
            max(self.harm.findData(values.get("harm")), 0) if values.get("harm") else 0
        )
        rel = values.get("released_minutes")
        self.released_minutes.setValue(UNSET if rel is None else rel)
        self.outcome.setCurrentIndex(
            max(self.outcome.findData(values.get("outcome")), 0) if values.get("outcome") else 0
        )
        self.discharge_received.setDate(
            values.get("discharge_received") or values.get("date") or self.today
        )
        self.admitted.set_value(values.get("admitted"))
        self.time.set_value(values.get("time"))
        self.note.setText(values.get("note") or "")
        self._on_code()

    def values(self) -> dict[str, Any]:
        """The entry's fields as the core takes them (hidden fields are left unset);
        a date that cannot be read raises ``ValidationError`` naming its field."""
        code = self.current_code()
        v: dict[str, Any] = {
            "code": code.code if code else None,
            "date": self.date.date(),
            "site": self.site.currentData(),
            "minutes": self.minutes.value(),
            "count": self.count.value() if code and code.counts != "none" else None,
            "significance": None,
            "harm": None,
            "released_minutes": None,
            "outcome": None,
            "discharge_received": None,
            "admitted": None,
            "time": None,
            "note": self.note.text().strip() or None,
        }
        if code and code.intervention:
            v["significance"] = self.significance.currentData()
            v["harm"] = self.harm.currentData()
            rel = self.released_minutes.value()
            v["released_minutes"] = None if rel == UNSET else rel
            v["outcome"] = self.outcome.currentData()
        if code and code.needs_discharge_date:
            v["discharge_received"] = self.discharge_received.date()
        if code and code.needs_admission_time:
            v["admitted"] = self.admitted.value()
            v["time"] = self.time.value()
        return v

    # -- errors ---------------------------------------------------------------------
    def clear_errors(self) -> None:
        for lab in self._errors.values():
            lab.hide()
            lab.clear()
        self._general.hide()

    def show_error(self, field: str | None, message: str) -> QLabel:
        """Show ``message`` beside ``field`` (or under the form) and focus that field."""
        self.clear_errors()
        lab = self._errors.get(field or "")
        if lab is None:
            lab = self._general
        else:
            widget = getattr(self, field or "", None)
            if isinstance(widget, QWidget) and widget.isVisible():
                widget.setFocus(Qt.FocusReason.OtherFocusReason)
        lab.setText(for_gui(message))
        lab.show()
        return lab

    def error_text(self, field: str | None = None) -> str:
        lab = self._errors.get(field or "", self._general)
        return lab.text() if not lab.isHidden() else ""
