"""No mnemonic clash in the dialogs #13 added (placements, absence, backups' second
place): each Alt+letter reaches one control in its window."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

import pytest
from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QWidget

from rxlog.ui.absence_dialog import AbsenceDialog
from rxlog.ui.backup_dialog import BackupDialog
from rxlog.ui.placements_dialog import CalendarActions, ChangePlacementDialog, PlacementsDialog

pytestmark = pytest.mark.gui


def mnemonics(window: QWidget) -> list[str]:
    texts = []
    for w in window.findChildren(QWidget):
        if not w.isVisibleTo(window):
            continue
        if isinstance(w, QAbstractButton) or isinstance(w, QLabel) and w.buddy() is not None:
            texts.append(w.text())
        elif isinstance(w, QGroupBox):
            texts.append(w.title())
    letters = []
    for t in texts:
        m = re.search(r"&([^&])", t.replace("&&", ""))
        if m:
            letters.append(m.group(1).lower())
    return letters


def clashes(window: QWidget) -> list[str]:
    return [k for k, n in Counter(mnemonics(window)).items() if n > 1]


def test_no_clash_in_the_placements_dialogs(qtbot, rx):
    acts = CalendarActions(rx.end_placement, rx.edit_placement, rx.delete_placement,
                           rx.next_rotation)  # fmt: skip
    dlg = PlacementsDialog(rx.placements, rx.add_placement, rx.today(), actions=acts)
    qtbot.addWidget(dlg)
    dlg.show()
    assert len(mnemonics(dlg)) >= 10 and clashes(dlg) == []
    for mode in ("end", "edit", "delete"):
        sub = ChangePlacementDialog(rx.placements()[1], mode, acts, rx.today())
        qtbot.addWidget(sub)
        sub.show()
        assert mnemonics(sub) and clashes(sub) == [], mode


def test_no_clash_in_absence_and_backups(qtbot, rx):
    dlg = AbsenceDialog(rx.absences, rx.add_absence, rx.delete_absence, date(2026, 11, 20))
    qtbot.addWidget(dlg)
    dlg.show()
    assert len(mnemonics(dlg)) >= 6 and clashes(dlg) == []
    b = BackupDialog(rx)
    qtbot.addWidget(b)
    b.show()
    assert {"d", "p"} <= set(mnemonics(b)) and clashes(b) == []
