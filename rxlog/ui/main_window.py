"""The main window: the Today tab, history, summaries, menus.

The Today tab is :class:`~rxlog.ui.today_panel.TodayPanel`, the running timer
:class:`~rxlog.ui.timer_controller.TimerController` and the day-end reminder
:class:`~rxlog.ui.reminder_controller.ReminderController`; the window connects them to
the installation (``RxLog``) and to the writes (``Operations``).
"""

from __future__ import annotations

import importlib
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QApplication, QMainWindow, QTabWidget, QVBoxLayout, QWidget

from rxlog import quick_entry as qe
from rxlog.clock import local_today
from rxlog.errors import RxlogError, ValidationError
from rxlog.ui.plain_words import for_gui
from rxlog.ui.screen_fit import FOCUS_STYLE, fit_size, keep_on_screen
from rxlog.ui.today_panel import ERROR_STYLE, TodayPanel, plural

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QCloseEvent

    from rxlog.service import RxLog
    from rxlog.taxonomy import Taxonomy
    from rxlog.timers import TimerStore
    from rxlog.ui.history_view import HistoryView
    from rxlog.ui.operations import Operations
    from rxlog.ui.reminder_controller import ReminderController
    from rxlog.ui.summary_view import SummaryView

__all__ = ["ERROR_STYLE", "MainWindow", "plural"]
# What the first paint does not need is imported after it (_ensure_built); these two
# names are still offered here, as before, read from their modules when asked for.
_LATER = {
    "HEARTBEAT_MS": "rxlog.ui.timer_controller",
    "REMINDER_AT": "rxlog.ui.reminder_controller",
}


def __getattr__(name: str) -> Any:
    if name in _LATER:
        return getattr(importlib.import_module(_LATER[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class MainWindow(QMainWindow):
    """Quick entry and today's entries; History and Summary tabs; every action in a menu
    with its shortcut. Built over one ``RxLog``; writes go through ``Operations`` and the
    views refresh on its ``changed`` signal.

    The window holds no Qt signals of its own; ``self.ops.changed`` is the one to watch.
    """

    def __init__(
        self,
        app: RxLog | None = None,
        parent: QWidget | None = None,
        taxonomy: Taxonomy | None = None,
        data_dir: Path | None = None,
    ) -> None:
        """With ``app`` the window is ready at once; without, it shows (and takes
        typing) straight away and ``attach(app)`` fills it once the database is open,
        which keeps SQLAlchemy's import out of the time to a usable window.

        The window's size and position live in ``window.ini`` in the data folder (read
        without the database, so the first paint is already in the right place)."""
        super().__init__(parent)
        # None until attach(); actions check ``self.app is None`` (see when_open).
        self.app: RxLog = None  # type: ignore[assignment]
        # Without an app the taxonomy is read after the first paint (_ensure_built).
        self.taxonomy: Taxonomy = app.taxonomy if app is not None else taxonomy  # type: ignore[assignment]
        self.ops: Operations = None  # type: ignore[assignment]
        self.dialog: QWidget | None = None  # the dialog opened last (tests look at it)
        self.last_notice = ""
        self._pending: tuple[str, qe.Parsed] | None = None
        self._favourites: list[str] = []
        self._placements: list = []
        self._built = False
        self._history: HistoryView | None = None
        self._summary: SummaryView | None = None
        self._dirty = {"history": True, "summary": True}
        self.reminder: ReminderController = None  # type: ignore[assignment]  # _ensure_built
        self.undo_action: Any = None  # set by build_menus
        self.redo_action: Any = None
        self.setWindowTitle("RxLog – activity log")
        self.setAccessibleName("RxLog main window")
        self.setStyleSheet(FOCUS_STYLE)  # cascades to every child and dialog

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.setCentralWidget(self.tabs)
        self.tabs.addTab(self._build_today(), "Today")
        self._history_tab = QWidget()
        self._history_lay = QVBoxLayout(self._history_tab)
        self._history_lay.setContentsMargins(0, 0, 0, 0)
        self._summary_tab = QWidget()
        self._summary_lay = QVBoxLayout(self._summary_tab)
        self._summary_lay.setContentsMargins(0, 0, 0, 0)
        self.tabs.addTab(self._history_tab, "History")
        self.tabs.addTab(self._summary_tab, "Summary")
        self.tabs.currentChanged.connect(self._tab_changed)
        self._tick: Any = None  # the minute's heartbeat (a QTimer), made by _ensure_built
        self._geometry_file: Path | None = None
        if data_dir is not None:
            self._restore_geometry(Path(data_dir))
        elif app is not None:
            self._restore_geometry(app.db.data_dir)
        else:
            fit_size(self, 1180, 760)
        if app is not None:
            self.attach(app)
        else:
            self.day_heading.setText(f"Today – {self._today():%a %d %b %Y} · opening your log…")
        self.quick.line.setFocus()

    def show_installation(self) -> None:
        """The window title names this installation, so a technician with RxLog on
        several PCs always sees which one this is."""
        inst = self.app.installation()
        self.setWindowTitle(f"RxLog – activity log – {inst.name} ({inst.short})")

    def attach(self, app: RxLog) -> None:
        """Connect the window to an open installation and show its data."""
        from rxlog.ui.operations import Operations

        self._ensure_built()
        self.app = app
        self.show_installation()
        self.ops = Operations(app, self)
        self.ops.changed.connect(self._on_changed)
        from rxlog.timers import TimerStore

        self.timer.attach(TimerStore(app.setting, app.set_setting))
        from rxlog.settings import FAVOURITES

        self._favourites = qe.parse_favourites(app.settings[FAVOURITES], self.taxonomy)
        self._placements = app.placements()
        self.details.set_placements(self._placements)
        self._tick.start()
        self.refresh_today()
        self._show_timer()
        if self._geometry_file is None:
            self._restore_geometry(app.db.data_dir)
        self.quick.refresh()
        for notice in app.notices:  # e.g. an interrupted export, settled on opening
            self._notice("RxLog settled an unfinished export", notice[:1].upper() + notice[1:])
        top = self.quick.current_code()
        if top is not None:
            self.details.load(top.code, {})
        if self._pending is not None:
            code, parsed = self._pending
            self._pending = None
            self.log_from_line(code, parsed)

    def _today(self) -> date:
        return self.app.today() if self.app is not None else local_today()

    def _recents(self) -> list[str]:
        return self.ops.recents() if self.ops is not None else []

    @property
    def timers(self) -> TimerStore | None:
        """The running timer's store (``None`` until the installation is open)."""
        return self.timer.store if self._built else None

    # -- building ---------------------------------------------------------------------
    def _build_today(self) -> QWidget:
        """What the first paint shows: the heading and the quick-entry line."""
        panel = TodayPanel(
            self.taxonomy,
            self._today,
            self.favourites,
            self._recents,
            self._site_today,
            check=self._check_line,
        )
        self.today_panel = panel
        self.day_heading, self.locked_banner = panel.day_heading, panel.locked_banner
        self.quick, self.quick_error = panel.quick, panel.quick_error
        self.quick.line.textChanged.connect(self._line_changed)
        self.quick.submitted.connect(self.log_from_line)
        self.quick.detail_requested.connect(self.open_details)
        self.quick.failed.connect(self._line_error)
        return panel

    def _ensure_built(self) -> None:
        """Build what the first paint can do without: the timer row, today's list, the
        detail panel, the menus. Runs in the first event-loop turn after the window
        shows (or at once when the window is made with an open installation)."""
        if self._built:
            return
        self._built = True
        if self.taxonomy is None:
            from rxlog.taxonomy import current_taxonomy

            self.taxonomy = self.quick.taxonomy = current_taxonomy()
            self.quick.refresh()
        self._build_timer()
        self._build_list_and_details()
        from rxlog.ui.reminder_controller import ReminderController

        self.reminder = ReminderController(
            self._today,
            lambda: bool(self.day_model.entries),
            self._placement_on,
            self._remind,
        )
        from rxlog.ui.menus import build_menus

        build_menus(self)
        from rxlog.ui.undo_keys import UndoKeys

        self._undo_keys = UndoKeys(self, self._text_undo)
        qapp = QApplication.instance()
        if isinstance(qapp, QApplication):
            self._undo_keys.follow_focus(qapp)

    def _build_timer(self) -> None:
        from PySide6.QtCore import QTimer

        from rxlog.ui.timer_controller import HEARTBEAT_MS, TimerController

        self._tick = QTimer(self)
        self._tick.setInterval(HEARTBEAT_MS)
        self._tick.timeout.connect(self.tick)
        self.timer = TimerController(
            self,
            self.taxonomy,
            lambda item: self.ops.log(item),
            self._after_log,
            self._status,
            self._line_error,
        )
        self.timer_box, self.timer_label = self.timer.box, self.timer.label
        self.timer_stop = self.timer.stop_button

    def _build_list_and_details(self) -> None:
        from rxlog.ui.detail_panel import DetailPanel

        details = DetailPanel(self.taxonomy, self._placements, self._today())
        panel = self.today_panel
        panel.build(
            self.timer_box, details, self.edit_selected, self.delete_selected, self.log_from_details
        )
        self.day_table, self.day_model, self.totals = panel.day_table, panel.day_model, panel.totals
        self.details, self.detail_box = panel.details, panel.detail_box
        self.detail_log = panel.detail_log
        first = self.quick.current_code() or self.taxonomy.active()[0]
        self.details.load(first.code, {})
        self.timer_box.hide()

    def when_open(self, slot) -> None:  # noqa: ANN001
        """Run a menu action; before the database is open only a few can run."""
        if self.app is None and slot not in (self.close, self.focus_quick, self.show_grammar):
            self._status("Still opening your log…")
            return
        slot()

    # -- reading state --------------------------------------------------------------
    def favourites(self) -> list[str]:
        return self._favourites

    def _site_today(self, values: dict | None = None) -> tuple[str | None, str | None]:
        """The site and sector a line would log at: its ``@site`` if named, else the
        placement covering its date (today unless it says otherwise)."""
        values = values or {}
        day = values.get("date") or self._today()
        if values.get("site"):
            same = [p for p in self._placements if p.ods == values["site"]]
            if same:
                p = next((x for x in same if x.covers(day)), same[-1])
                return p.ods, p.sector
        p = self._placement_on(day)
        return (p.ods, p.sector) if p else (None, None)

    def _placement_on(self, d: date):  # noqa: ANN202
        return next((p for p in self._placements if p.covers(d)), None)

    def selected_entry_id(self) -> str | None:
        if self.tabs.currentIndex() == 1 and self._history is not None:
            return self._history.selected_id()
        e = self.today_panel.selected_entry()
        return e.id if e else None

    # -- refreshing ---------------------------------------------------------------------
    def refresh_today(self) -> None:
        today = self.app.today()
        self.details.set_today(today)
        p = self._placement_on(today)
        where = f"{p.ods} {p.name} ({p.sector})" if p else "no placement covers today"
        self.today_panel.show_day(
            today,
            where,
            self.app.list_entries(today, today),
            self.app.totals(today, today),
            self.app.is_locked(today),
        )

    def _on_changed(self, change) -> None:  # noqa: ANN001 (operations.Change)
        # A change to entries is now the newest thing to undo: typing before it in the
        # quick-entry line is no longer what Ctrl+Z takes back.
        self.quick.forget_typing()
        self._update_undo_actions()
        today = self.app.today()
        if change.kind != "settings" and (not change.days or today in change.days):
            self.refresh_today()
        if change.kind == "settings":
            self.quick.refresh()
        for key in self._dirty:
            self._dirty[key] = True
        if self._history is not None and change.entry_ids:
            self._history.model.forget(change.entry_ids)
        self._tab_changed(self.tabs.currentIndex())

    def _tab_changed(self, index: int) -> None:
        if index == 1:
            if self._history is None:
                from rxlog.ui.history_view import HistoryView

                self._history = HistoryView(
                    self.app, self.taxonomy, self._placements, self.app.today()
                )
                self._history.edit_requested.connect(self.edit_entry)
                self._history.delete_requested.connect(lambda _id: self.delete_selected())
                self._history_lay.addWidget(self._history)
            if self._dirty["history"]:
                self._history.apply_filters()
                self._dirty["history"] = False
        elif index == 2:
            if self._summary is None:
                from rxlog.ui.summary_view import SummaryView

                self._summary = SummaryView(
                    self.app.totals,
                    self.taxonomy.categories,
                    self.app.today,
                    self.app.minutes_by_day,
                )
                self._summary_lay.addWidget(self._summary)
            if self._dirty["summary"]:
                self._summary.refresh()
                self._dirty["summary"] = False
        elif index == 0:
            self.quick.line.setFocus()

    def _status(self, text: str) -> None:
        self.statusBar().showMessage(for_gui(text), 8000)

    def _notice(self, title: str, text: str) -> QWidget:
        """A non-blocking message box (tests read ``last_notice``)."""
        from PySide6.QtWidgets import QMessageBox

        self.last_notice = text = for_gui(text)
        box = QMessageBox(QMessageBox.Icon.Information, title, text, parent=self)
        box.open()
        self.dialog = box
        return box

    # -- logging --------------------------------------------------------------------
    def focus_quick(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.quick.line.setFocus()
        self.quick.line.selectAll()

    def _line_error(self, field: str, message: str) -> None:
        self.today_panel.say(for_gui(message))
        code = self.quick.current_code()
        if field not in ("code", "quick") and code is not None and self._built:
            self.details.load(code.code, self.quick.parsed.values)
            self.details.show_error(field, message)
            self.quick.line.setFocus()

    def _after_log(self, result) -> None:  # noqa: ANN001
        e = result.entry
        self.quick_error.hide()
        self.details.clear_errors()
        self.today_panel.select_entry(e.id)
        msg = f"Logged {e.code} – {e.minutes} min on {e.date:%a %d %b}"
        if result.warnings:
            msg += " · ⚠ " + "; ".join(result.warnings)
            self.today_panel.say("Logged, but: " + "; ".join(result.warnings))
        self._status(msg)

    def _check_line(self, code: str, parsed: qe.Parsed) -> tuple[str, ...]:
        """The core's whole check of a line, writing nothing (the live preview)."""
        if self.app is None:
            return ()
        return self.app.check(parsed.entry(code))

    def _line_changed(self) -> None:
        # an error about the line as it was is stale once it changes
        self.quick_error.hide()
        if self._built:
            self.details.clear_errors()

    def log_from_line(self, code: str, parsed: qe.Parsed, asked: bool = False) -> bool:
        if self.ops is None:  # Enter before the database is open: log it once it is
            self._pending = (code, parsed)
            self.quick.clear()
            return True
        c = self.taxonomy.get(code)
        if not asked and c is not None and not parsed.problems:
            doubts = qe.doubts(parsed, c)
            needs_date = c.needs_discharge_date and "discharge_received" not in parsed.values
            if (doubts or needs_date) and self._ask_about_line(c, parsed, doubts, needs_date):
                return False  # logged (or not) once the question is answered
        try:
            result = self.ops.log(parsed.entry(code))
        except RxlogError as exc:
            self._line_error(exc.field or "code", exc.message)
            return False
        self.quick.clear()
        self._after_log(result)
        return True

    def _ask_about_line(self, code, parsed: qe.Parsed, doubts, needs_date: bool) -> bool:  # noqa: ANN001
        """Ask before logging a line that looks like a typo or lacks its date; True when
        the question is open (the line is logged, with the answers, on "Log it")."""
        try:
            self._check_line(code.code, parsed)
        except RxlogError:
            return False  # Enter will refuse it anyway: say why at once, ask nothing
        from rxlog.ui.line_question import LineQuestion

        dlg = LineQuestion(code, parsed, doubts, needs_date, self.app.today, self)

        def answered() -> None:
            parsed.values.update(dlg.changes())
            self.log_from_line(code.code, parsed, asked=True)
            self.quick.line.setFocus()

        dlg.accepted.connect(answered)
        self.dialog = dlg
        dlg.open()
        return True

    def open_details(self, code: str, parsed: qe.Parsed) -> None:
        self._ensure_built()
        if code:
            self.details.load(code, parsed.values)
        self.details.code.setFocus()

    def log_from_details(self) -> bool:
        try:
            from rxlog.domain import EntryInput

            values = self.details.values()
            result = self.ops.log(EntryInput(**values))
        except RxlogError as exc:
            self.details.show_error(exc.field, exc.message)
            return False
        self.quick.clear()
        self._after_log(result)
        self.details.load(values["code"], {})
        self.quick.line.setFocus()
        return True

    # -- mistakes ---------------------------------------------------------------------
    def edit_selected(self) -> None:
        eid = self.selected_entry_id()
        if eid is None:
            self._status("Select an entry first (Today's list or History)")
            return
        self.edit_entry(eid)

    def edit_entry(self, entry_id: str) -> None:
        from rxlog.ui.edit_dialog import EditDialog

        try:
            entry = self.app.get(entry_id)
        except RxlogError as exc:
            self._notice("Edit", exc.message)
            return
        locked = None
        if self.app.is_locked(entry.date):
            # The core lets a note be corrected in a signed-off month (notes are in no
            # return); everything else waits for the month to be reopened.
            locked = (
                f"{entry.date:%B %Y} is signed off: only the note can be changed "
                "(e.g. to remove a patient identifier). To change anything else, reopen "
                "the month (Month ▸ Month sign-off…)."
            )
        dlg = EditDialog(
            entry,
            self.taxonomy,
            self._placements,
            self.app.today(),
            self.ops.edit,
            self,
            locked_message=locked,
        )
        dlg.accepted.connect(lambda: self._status(f"Saved changes to {entry.code}"))
        self.dialog = dlg
        dlg.open()

    def delete_selected(self) -> None:
        from rxlog.ui.reason_dialog import ReasonDialog

        eid = self.selected_entry_id()
        if eid is None:
            self._status("Select an entry first (Today's list or History)")
            return
        e = self.app.get(eid)
        dlg = ReasonDialog(
            "Delete entry",
            f"Delete this entry?\n\n{e.code} – {e.title}\n{e.minutes} min on "
            f"{e.date:%a %d %b %Y} at {e.site}\n\nCtrl+Z brings it back.",
            lambda reason: self.ops.delete(eid, reason),
            self,
        )
        dlg.accepted.connect(lambda: self._status(f"Deleted {e.code} – Ctrl+Z undoes it"))
        self.dialog = dlg
        dlg.open()

    def redact_selected(self) -> None:
        """Take the selected entry's note out of the entry, the audit trail and every
        backup, after asking why (the reason is kept)."""
        from rxlog.ui.operations import Change
        from rxlog.ui.reason_dialog import ReasonDialog

        eid = self.selected_entry_id()
        if eid is None:
            self._status("Select an entry first (Today's list or History)")
            return
        e = self.app.get(eid)
        done: list[Any] = []

        def act(reason: str) -> None:
            done.append(self.app.redact_note(eid, reason))

        dlg = ReasonDialog(
            "Redact note",
            f"Take this entry's note out of RxLog for good?\n\n{e.code} – {e.title}\n"
            f"{e.date:%a %d %b %Y} at {e.site}\n\nIts text (now and every earlier version) is "
            "removed from the entry, the audit trail and every backup in the backups "
            "folder. The entry itself stays. This cannot be undone.",
            act,
            self,
        )
        dlg.reason.setPlaceholderText("e.g. an NHS number was typed in (kept in the audit trail)")

        def finished() -> None:
            result = done[-1]
            n = len(result.backups)
            text = f"Note redacted from {e.code} and {n} backup{'s' if n != 1 else ''}"
            if result.skipped:
                text += (
                    f"; {len(result.skipped)} backup(s) could not be rewritten and may still "
                    f"hold it: {', '.join(str(p) for p, _ in result.skipped)}"
                )
            self._status(text)
            if self.ops is not None:
                # Undo steps hold notes as they were: none may bring a redacted note back.
                self.ops.undo_steps.clear()
                self.ops.redo_steps.clear()
                self.ops.changed.emit(Change("edit", (eid,), (e.date,)))

        dlg.accepted.connect(finished)
        self.dialog = dlg
        dlg.open()

    def undo(self) -> None:
        """Ctrl+Z: take back the last change to entries (the status line says which)."""
        try:
            step = self.ops.undo()
        except RxlogError as exc:
            self._status(exc.message[:1].upper() + exc.message[1:])
            return
        self._status(f"Undid {step.what} · Ctrl+Shift+Z redoes it")
        self._update_undo_actions()

    def redo(self) -> None:
        try:
            step = self.ops.redo()
        except RxlogError as exc:
            self._status(exc.message[:1].upper() + exc.message[1:])
            return
        self._status(f"Redid {step.what} · Ctrl+Z undoes it")
        self._update_undo_actions()

    def _text_undo(self, kind: str, widget: QWidget) -> None:
        from rxlog.ui.undo_keys import field_name

        what = "Undid" if kind == "undo" else "Redid"
        self._status(
            f"{what} typing in {field_name(widget)} (Ctrl+Z on entries once the typing is undone)"
        )

    def _update_undo_actions(self) -> None:
        if self.ops is None or self.undo_action is None:
            return
        u, r = self.ops.undo_steps, self.ops.redo_steps
        self.undo_action.setText(f"&Undo {u[-1].what}" if u else "&Undo")
        self.redo_action.setText(f"Red&o {r[-1].what}" if r else "Red&o")

    def repeat_last(self) -> None:
        try:
            result = self.ops.repeat_last(self.app.today())
        except RxlogError as exc:
            self._line_error(exc.field or "code", exc.message)
            return
        self._after_log(result)

    def copy_day(self, source: date | None = None) -> None:
        today = self.app.today()
        if source is None:
            from PySide6.QtWidgets import QInputDialog

            text, ok = QInputDialog.getText(
                self,
                "Copy a day to today",
                "Copy every entry of which day to today? (e.g. y, fri, 27/11 or -2d)",
                text="y",
            )
            if not ok:
                return
            try:
                source = qe._date_value(text.strip(), today, "date")
            except ValidationError as exc:
                self._line_error("date", exc.message)
                return
        try:
            results = self.ops.copy_day(source, today)
        except RxlogError as exc:
            self._line_error(exc.field or "date", exc.message)
            return
        self._status(f"Copied {len(results)} entries from {source:%a %d %b} to today")

    def toggle_favourite(self) -> None:
        code = self.quick.current_code()
        if code is None:
            self._status("Type part of a code first, then Ctrl+D stars the top match")
            return
        favs = list(self._favourites)
        if code.code in favs:
            favs.remove(code.code)
            msg = f"{code.code} is no longer a favourite"
        else:
            favs.append(code.code)
            msg = f"★ {code.code} is favourite f{len(favs)}"
        self._favourites = favs
        self.ops.set_favourites(favs)
        self._status(msg)

    # -- timers and the reminder -------------------------------------------------------
    def _show_timer(self, now: datetime | None = None) -> None:
        self.timer.show(now)

    def start_timer(self, now: datetime | None = None) -> None:
        code = self.quick.current_code()
        if code is None:
            self._line_error("code", "type part of a code first; Ctrl+T times the top match")
            return
        if not self.timer.start(code.code, self.quick.parsed.values.get("note"), now):
            return
        self.quick.clear()
        self.timer.show(now)
        self._status(f"Timer started on {code.code}; Ctrl+Shift+T stops it and logs the time")

    def stop_timer(self, now: datetime | None = None) -> None:
        dlg = self.timer.stop(now)
        if dlg is not None:
            self.dialog = dlg

    def tick(self, now: datetime | None = None) -> None:
        """Every minute: heartbeat a running timer, follow midnight, remind at day end."""
        now = now or datetime.now().astimezone()
        if self.app is None or self.timers is None:
            return
        self.timer.heartbeat(now)
        if self.day_heading.text() and f"{self._today():%d %b %Y}" not in self.day_heading.text():
            self.refresh_today()
        self.check_reminder(now)

    def check_reminder(self, now: datetime) -> bool:
        return self.reminder.check(now)

    def _remind(self, text: str) -> None:
        self.today_panel.say(text)
        QApplication.alert(self)

    # -- other dialogs -----------------------------------------------------------
    def open_placements(self) -> None:
        from rxlog.ui.placements_dialog import CalendarActions, PlacementsDialog

        actions = CalendarActions(
            end=self.app.end_placement,
            edit=self.app.edit_placement,
            delete=self.app.delete_placement,
            next_rotation=self.app.next_rotation,
        )
        dlg = PlacementsDialog(
            self.app.placements, self.app.add_placement, self.app.today(), self, actions
        )
        dlg.finished.connect(lambda _r: self._placements_changed(dlg.touched))
        self.dialog = dlg
        dlg.open()

    def open_absence(self) -> None:
        from rxlog.ui.absence_dialog import AbsenceDialog

        dlg = AbsenceDialog(
            self.app.absences, self.app.add_absence, self.app.delete_absence, self.app.today(), self
        )
        dlg.finished.connect(lambda _r: self._after_optional())
        self.dialog = dlg
        dlg.open()

    def _placements_changed(self, touched: list[str] | None = None) -> None:
        from rxlog.ui.operations import Change

        self._placements = self.app.placements()
        self.details.set_placements(self._placements)
        self.refresh_today()
        self.quick.refresh()
        if self.ops is not None:  # a calendar change may have moved or deleted entries
            self.ops.changed.emit(Change("external", tuple(touched or ())))

    def _open_optional(self, module: str, cls: str, what: str, **kwargs: Any) -> QWidget | None:
        try:
            mod = importlib.import_module(f"rxlog.ui.{module}")
            factory = getattr(mod, cls)
        except (ModuleNotFoundError, AttributeError):
            self._notice(what, f"{what} is not available in this build.")
            return None
        try:
            dlg = factory(self.app, parent=self, **kwargs)
        except RxlogError as exc:
            self._notice(what, exc.message)
            return None
        dlg.finished.connect(lambda _r: self._after_optional())
        self.dialog = dlg
        dlg.open()
        return dlg

    def _after_optional(self) -> None:
        from rxlog.ui.operations import Change

        if self.ops is not None:
            self.ops.changed.emit(Change("external"))

    def open_month(self) -> QWidget | None:
        """The Month dialog, on the last month not yet signed off."""
        return self._open_optional("month_dialog", "MonthDialog", "Month sign-off")

    def open_profile(self) -> QWidget | None:
        return self._open_optional("profile_dialog", "ProfileDialog", "Profile")

    def open_backups(self) -> QWidget | None:
        return self._open_optional("backup_dialog", "BackupDialog", "Backups")

    def show_grammar(self) -> None:
        from rxlog.ui.help_dialog import GrammarDialog

        dlg = GrammarDialog(self)
        self.dialog = dlg
        dlg.open()

    # -- window state -------------------------------------------------------------
    def _window_settings(self) -> QSettings:
        from PySide6.QtCore import QSettings

        assert self._geometry_file is not None
        return QSettings(str(self._geometry_file), QSettings.Format.IniFormat)

    def _restore_geometry(self, data_dir: Path) -> None:
        from PySide6.QtCore import QByteArray

        self._geometry_file = data_dir / "window.ini"
        raw = self._window_settings().value("geometry") if self._geometry_file.exists() else None
        if isinstance(raw, QByteArray) and self.restoreGeometry(raw):
            keep_on_screen(self)  # saved on a bigger monitor, or the taskbar moved
        else:
            fit_size(self, 1180, 760)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self._tick is not None:
            self._tick.stop()
        qapp = QApplication.instance()
        if getattr(self, "_undo_keys", None) is not None and isinstance(qapp, QApplication):
            self._undo_keys.stop(qapp)
        if self._geometry_file is not None and self._geometry_file.parent.is_dir():
            settings = self._window_settings()
            settings.setValue("geometry", self.saveGeometry())
            settings.sync()
        super().closeEvent(event)
