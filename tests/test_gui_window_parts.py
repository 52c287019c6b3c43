"""The main window's parts, each built alone: the reminder controller (no Qt), the timer
controller over a real TimerStore, and the Today panel."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from rxlog.domain import EntryInput, LogResult
from rxlog.timers import TimerStore
from rxlog.ui.reminder_controller import REMINDER_TEXT, ReminderController

FRIDAY, SATURDAY = date(2026, 11, 20), date(2026, 11, 21)


def _reminder(today: date, logged: bool = False, placed: bool = True):
    shown: list[str] = []
    r = ReminderController(
        lambda: today, lambda: logged, lambda d: "RPA" if placed else None, shown.append
    )
    return r, shown


def test_the_reminder_comes_once_after_half_past_four_on_a_placed_working_day() -> None:
    r, shown = _reminder(FRIDAY)
    assert not r.check(datetime(2026, 11, 20, 16, 29))
    assert r.check(datetime(2026, 11, 20, 16, 30)) and shown == [REMINDER_TEXT]
    assert not r.check(datetime(2026, 11, 20, 17, 0)) and len(shown) == 1
    assert r.reminded_on == FRIDAY


@pytest.mark.parametrize(
    ("today", "logged", "placed"),
    [(SATURDAY, False, True), (FRIDAY, True, True), (FRIDAY, False, False)],
    ids=["weekend", "something logged", "no placement"],
)
def test_no_reminder_when_it_is_not_due(today, logged, placed) -> None:
    r, shown = _reminder(today, logged, placed)
    assert not r.check(datetime.combine(today, datetime.min.time()) + timedelta(hours=18))
    assert shown == []


@pytest.mark.gui
def test_the_timer_controller_starts_shows_and_logs_through_its_callbacks(qtbot) -> None:
    from PySide6.QtWidgets import QWidget

    from rxlog.taxonomy import current_taxonomy
    from rxlog.ui.timer_controller import TimerController

    stored: dict[str, str] = {}
    logged: list[EntryInput] = []
    said: list[str] = []
    parent = QWidget()
    qtbot.addWidget(parent)

    def log(item: EntryInput) -> LogResult:
        logged.append(item)
        return LogResult(None, ())  # type: ignore[arg-type]

    t = TimerController(parent, current_taxonomy(), log, lambda r: None, said.append,
                        lambda f, m: said.append(f"{f}: {m}"))  # fmt: skip
    t.attach(TimerStore(stored.get, stored.__setitem__))
    t0 = datetime(2026, 11, 20, 10, 0).astimezone()
    assert t.start("ACU-TTO", "ward 3", t0)
    assert not t.start("QRY-PAT", None, t0)  # one timer at a time
    assert said[-1].startswith("code: a timer is already running on ACU-TTO")
    for m in range(1, 26):
        t.heartbeat(t0 + timedelta(minutes=m))
        if m == 12:
            assert "ACU-TTO: 12 min" in t.label.text() and not t.box.isHidden()
    assert t.stop(t0 + timedelta(minutes=25)) is None  # nothing to ask: logged at once
    assert [(i.code, i.date, i.minutes, i.note) for i in logged] == [
        ("ACU-TTO", FRIDAY, 25, "ward 3")
    ]  # fmt: skip
    assert t.store is not None and t.store.current() is None and t.box.isHidden()
    t.stop(t0)
    assert said[-1] == "No timer is running"


@pytest.mark.gui
def test_the_today_panel_builds_and_shows_a_day_alone(qtbot) -> None:
    from PySide6.QtCore import Qt

    from rxlog.domain import Totals
    from rxlog.taxonomy import current_taxonomy
    from rxlog.ui.detail_panel import DetailPanel
    from rxlog.ui.today_panel import TodayPanel

    tax = current_taxonomy()
    edits: list[str] = []
    panel = TodayPanel(
        tax, lambda: FRIDAY, lambda: [], lambda: [], lambda values=None: (None, None),
        check=lambda code, parsed: (),
    )  # fmt: skip
    qtbot.addWidget(panel)
    from PySide6.QtWidgets import QWidget

    timer_box = QWidget()
    panel.build(
        timer_box, DetailPanel(tax, [], FRIDAY), lambda: edits.append("edit"),
        lambda: edits.append("delete"), lambda: None,
    )  # fmt: skip
    panel.show()
    qtbot.waitExposed(panel)
    panel.show_day(FRIDAY, "RPA Medway (secondary)", [], Totals(1, 75, 2, 0, 1), locked=True)
    assert panel.day_heading.text() == "Today – Fri 20 Nov 2026 · RPA Medway (secondary)"
    assert panel.totals.text() == (
        "Today: 1 entry · 1 h 15 · 2 patients · 0 items · 1 intervention"
    )
    assert panel.locked_banner.isVisible() and "November 2026 is signed off" in (
        panel.locked_banner.text()
    )
    panel.show_day(FRIDAY, "x", [], Totals(), locked=False)
    assert not panel.locked_banner.isVisible()
    panel.activateWindow()
    qtbot.waitUntil(panel.isActiveWindow)
    panel.day_table.setFocus()
    qtbot.waitUntil(panel.day_table.hasFocus)
    qtbot.keyClick(panel.day_table, Qt.Key.Key_Delete)
    qtbot.keyClick(panel.day_table, Qt.Key.Key_Return)
    assert edits == ["delete", "edit"]
    panel.say("Nothing is logged today yet.")
    assert panel.quick_error.isVisible() and panel.quick_error.text().startswith("Nothing")
