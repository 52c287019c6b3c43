"""Models pass QAbstractItemModelTester; wizard, placements, single instance, start-up."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from rxlog.domain import EntryInput
from rxlog.quick_entry import rank
from rxlog.service import RxLog
from rxlog.ui.models import DayModel, HistoryModel, MatchModel
from rxlog.ui.placements_dialog import PlacementsDialog
from rxlog.ui.setup_wizard import SetupWizard
from rxlog.ui.single_instance import SingleInstance

pytestmark = pytest.mark.gui
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def filled(rx):
    items = [
        EntryInput(code, date(2026, 11, d), minutes=5 + d)
        for d in range(2, 20)
        for code in ("ACU-TTO", "REC-ADM", "ADM-MEET")
    ]
    rx.log_many(items)
    return rx


def test_day_model_passes_the_tester(qtmodeltester, filled):
    m = DayModel()
    m.set_entries(filled.list_entries(date(2026, 11, 5), date(2026, 11, 5)))
    assert m.rowCount() == 3
    qtmodeltester.check(m, force_py=True)


def test_history_model_pages_lazily_and_passes_the_tester(qtmodeltester, filled):
    reads: list[int] = []

    def get_many(ids):
        reads.append(len(ids))
        return filled.get_many(ids)

    m = HistoryModel(lambda o, n: filled.page_ids(o, n), get_many, filled.count_entries)
    m.PAGE = 20
    m.BLOCK = 10
    m.reload()
    assert m.rowCount() == 20 and m.total == 54 and m.canFetchMore()
    assert reads == []  # no row read until one is shown
    first = m.data(m.index(0, 0))
    assert first == "Thu 19 Nov 2026" and reads == [10]  # the one date style
    m.fetchMore()
    m.fetchMore()
    assert m.rowCount() == 54 and not m.canFetchMore()
    qtmodeltester.check(m, force_py=True)


def test_history_reads_a_page_of_ids_then_the_next_as_it_scrolls(qtbot, filled):
    """Scrolling to the end of the ids read so far reads the next page, and every entry
    is reachable, newest first."""
    from rxlog.ui.history_view import HistoryView

    v = HistoryView(filled, filled.taxonomy, filled.placements(), filled.today())
    qtbot.addWidget(v)
    m = v.model
    m.BLOCK = 5
    m.PAGE = 30
    m.reload()
    assert m.rowCount() == 30 and m.total == 54 and m.canFetchMore()
    v.resize(900, 400)
    v.show()
    qtbot.waitExposed(v)
    v.table.scrollToBottom()  # the view asks for more once the last row shows
    qtbot.waitUntil(lambda: not m.canFetchMore())
    assert m.rowCount() == 54
    shown = [m.entry_at(r) for r in range(m.rowCount())]
    assert sorted(e.id for e in shown) == sorted(e.id for e in filled.list_entries())
    keys = [(e.date, e.created_at) for e in shown]
    assert keys == sorted(keys, reverse=True)  # newest first


def test_history_filters_match_the_core(qtbot, filled):
    from rxlog.ui.history_view import HistoryView

    v = HistoryView(filled, filled.taxonomy, filled.placements(), filled.today())
    qtbot.addWidget(v)
    v.category.setCurrentIndex(v.category.findData("admin"))
    assert v.model.total == 18 == len(filled.list_entries(code="ADM-MEET"))
    v.month.setCurrentIndex(v.month.findData("2026-10"))
    assert v.model.total == 0
    assert "0 entries" in v.status.text()


def test_match_model_passes_the_tester(qtmodeltester, rx):
    m = MatchModel()
    m.set_matches(rank(rx.taxonomy, "dis", sector="secondary"))
    assert m.rowCount() > 2
    qtmodeltester.check(m, force_py=True)


def test_wizard_uses_core_validation(qtbot, data_dir):
    app = RxLog.open(data_dir, today=lambda: date(2026, 11, 20))
    try:
        wiz = SetupWizard(app.today(), app.setup, app.add_placement)
        qtbot.addWidget(wiz)
        wiz.show()
        wiz.you.name.setText("Alex Morgan")
        wiz.you.gphc.setText("1234567")
        wiz.next()
        assert wiz.currentPage() is wiz.you
        assert "starts with 5" in wiz.you.fields.text("gphc")
        wiz.you.gphc.setText("5012345")
        wiz.next()
        assert wiz.currentPage() is wiz.placement
        form = wiz.placement.form
        form.ods.setText("XYZ")
        form.name.setText("Somewhere")
        assert not wiz.placement.validatePage()
        assert "not an ODS site code" in form.fields.text("ods")
        form.ods.setText("g82001")
        assert wiz.placement.validatePage()
        assert app.technician().gphc == "5012345"
        assert [p.ods for p in app.placements()] == ["G82001"]
    finally:
        app.close()


def test_placements_dialog_refuses_overlaps(qtbot, rx):
    dlg = PlacementsDialog(rx.placements, rx.add_placement, rx.today())
    qtbot.addWidget(dlg)
    assert dlg.table.rowCount() == 2
    dlg.form.ods.setText("RPA01")
    dlg.form.name.setText("Medway Maritime Hospital")
    dlg.add()  # from 2026-11-20, open-ended: overlaps the open RPA placement
    assert "overlap" in dlg.form.fields.text("from")
    assert len(rx.placements()) == 2


def test_single_instance_brings_the_first_forward(qtbot, tmp_path):
    first = SingleInstance(tmp_path)
    second = SingleInstance(tmp_path)
    try:
        assert first.acquire()
        with qtbot.waitSignal(first.raise_requested, timeout=3000):
            assert not second.acquire()
    finally:
        second.release()
        first.release()


@pytest.mark.slow
def test_offscreen_demo_from_the_command_line(tmp_path):
    shot = tmp_path / "shot.png"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "RXLOG_TODAY": "2026-11-20"}
    args = [sys.executable, str(ROOT / "main.py"), "--screenshot", str(shot)]
    if sys.platform == "win32":
        # Windows always has a desktop in a logged-on session: offscreen is asked for.
        # Python on Windows needs SYSTEMROOT; wine hands Qt its font folder this way.
        keep = ("SYSTEMROOT", "WINDIR", "PATH")
        env = {k: v for k, v in os.environ.items() if k.upper() in keep}
        env.update(RXLOG_TODAY="2026-11-20", USERPROFILE=str(tmp_path))
        env["LOCALAPPDATA"] = env["APPDATA"] = str(tmp_path)
        if os.environ.get("QT_QPA_FONTDIR"):
            env["QT_QPA_FONTDIR"] = os.environ["QT_QPA_FONTDIR"]
        args.append("--offscreen-demo")
    r = subprocess.run(
        args,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert str(shot) in r.stdout
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20000


def test_a_newer_database_is_explained_in_a_message_box(qtbot, tmp_path, monkeypatch):
    import sqlite3

    from PySide6.QtWidgets import QMessageBox

    from rxlog.storage.paths import DB_FILENAME
    from rxlog.ui import app as gui

    data = tmp_path / "data"
    data.mkdir()
    con = sqlite3.connect(data / DB_FILENAME)
    con.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
    con.execute("INSERT INTO alembic_version VALUES ('9999')")
    con.commit()
    con.close()
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda *a: shown.append(a[1:]))
    assert gui.run(data) == 1
    assert shown and "newer RxLog" in shown[0][1]
    assert "Traceback" not in shown[0][1]


def test_enter_before_the_database_is_open_is_logged_once_it_is(qtbot, rx):
    from PySide6.QtCore import Qt

    from rxlog.ui.main_window import MainWindow

    w = MainWindow()  # as at start-up: painted before the core is loaded
    qtbot.addWidget(w)
    w.show()
    w._ensure_built()
    qtbot.keyClicks(w.quick.line, "tto 15m")
    qtbot.keyClick(w.quick.line, Qt.Key.Key_Return)
    assert rx.list_entries() == []
    w.attach(rx)
    assert [(e.code, e.minutes) for e in rx.list_entries()] == [("ACU-TTO", 15)]
    assert w.day_model.rowCount() == 1
    w._tick.stop()


def test_inputs_have_accessible_names(qtbot, rx):
    from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QLineEdit

    from rxlog.ui.main_window import MainWindow

    w = MainWindow(rx)
    qtbot.addWidget(w)
    inputs = [
        x
        for cls in (QLineEdit, QComboBox, QAbstractSpinBox)
        for x in w.findChildren(cls)
        if x.parent() is not None and not isinstance(x.parent(), (QComboBox, QAbstractSpinBox))
    ]
    assert len(inputs) > 8
    unnamed = [type(x).__name__ for x in inputs if not x.accessibleName()]
    assert unnamed == []
    w._tick.stop()


def test_the_window_heartbeat_matches_the_timers():
    from rxlog.timers import HEARTBEAT
    from rxlog.ui.main_window import HEARTBEAT_MS

    assert HEARTBEAT.total_seconds() * 1000 == HEARTBEAT_MS


def test_summary_week_chart_matches_the_core(qtbot, filled):
    from rxlog.ui.summary_view import SummaryView

    v = SummaryView(filled.totals, filled.taxonomy.categories, filled.today, filled.minutes_by_day)
    qtbot.addWidget(v)
    v.kind.setCurrentIndex(v.kind.findData("week"))
    v.refresh()
    assert [d for d, _ in v.day_chart.days] == [date(2026, 11, d) for d in range(16, 23)]
    for d, minutes in v.day_chart.days:
        assert minutes == sum(e.minutes for e in filled.list_entries(d, d))
    assert "Week of Mon 16 Nov" in v.heading.text()
    v.step(-1)
    assert "Week of Mon 9 Nov 2026 to Sun 15 Nov 2026" in v.heading.text()
    assert (
        v.chart.bars
        and sum(m for _, m in v.chart.bars)
        == filled.totals(date(2026, 11, 9), date(2026, 11, 15)).minutes
    )


def test_first_run_from_run_goes_through_the_wizard_to_the_window(qtbot, tmp_path, monkeypatch):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QWizard

    from rxlog.ui import app as gui
    from rxlog.ui.main_window import MainWindow

    monkeypatch.setenv("RXLOG_TODAY", "2026-11-20")
    data = tmp_path / "data"
    seen = {}

    def fill_wizard() -> None:
        wiz = QApplication.activeModalWidget()
        if not isinstance(wiz, QWizard):
            QTimer.singleShot(20, fill_wizard)
            return
        wiz.you.name.setText("Alex Morgan")
        wiz.you.gphc.setText("5012345")
        wiz.next()
        wiz.placement.form.ods.setText("RPA")
        wiz.placement.form.name.setText("Medway NHS Foundation Trust")
        wiz.placement.form.sector.setCurrentIndex(1)
        wiz.next()  # month end: a key with no passphrase, no lead address yet
        seen["page"] = wiz.currentPage().title()
        wiz.button(QWizard.WizardButton.FinishButton).click()
        QTimer.singleShot(50, use_window)

    def use_window() -> None:
        win = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow))
        if win.app is None:
            QTimer.singleShot(20, use_window)
            return
        qtbot.keyClicks(win.quick.line, "tto 2 25m")
        qtbot.keyClick(win.quick.line, Qt.Key.Key_Return)
        seen["rows"] = win.day_model.rowCount()
        seen["title"] = win.windowTitle()
        win.close()

    from PySide6.QtCore import Qt

    QTimer.singleShot(0, fill_wizard)
    assert gui.run(data) == 0
    again = RxLog.open(data)
    try:
        inst = again.installation()
        # The window title names this installation (set up by the wizard).
        assert seen == {
            "page": "Ready for month end",
            "rows": 1,
            "title": f"RxLog – activity log – {inst.name} ({inst.short})",
        }
        from rxlog.export import keys

        assert keys.has_keys(data)  # month end is ready: the key is made at setup
        assert again.technician().gphc == "5012345"
        assert [(e.code, e.count, e.minutes) for e in again.list_entries()] == [("ACU-TTO", 2, 25)]
    finally:
        again.close()


def test_qt_calls_do_not_use_up_references_to_none(qtbot):
    """PySide6 6.12.0 on Python 3.11 drops a reference to None on every void call, so a
    long session aborts ("deallocating None"); pyproject pins below it. Keep it so."""
    from PySide6.QtWidgets import QLineEdit

    line = QLineEdit()
    qtbot.addWidget(line)
    before = sys.getrefcount(None)
    for _ in range(2000):
        line.setText("x")
    assert sys.getrefcount(None) - before > -50


@pytest.mark.slow
def test_start_up_imports_no_heavy_module():
    code = (
        "import sys, rxlog.ui.app, rxlog.ui.main_window, rxlog.ui.history_view, "
        "rxlog.ui.summary_view, rxlog.service; "
        "print(sorted(m for m in ('pandas', 'reportlab', 'pyhanko', 'alembic', 'openpyxl') "
        "if m in sys.modules))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_a_lock_left_by_a_crashed_window_does_not_block(qtbot, tmp_path):
    import socket

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a process id that is certainly not running any more
    # What QLockFile writes: pid, application name, host name.
    (tmp_path / "rxlog-gui.lock").write_text(f"{gone.pid}\npython\n{socket.gethostname()}\n")
    guard = SingleInstance(tmp_path)
    try:
        assert guard.acquire()
    finally:
        guard.release()


def test_everyday_starts_skip_argparse_but_read_the_same():
    from rxlog.ui.app import _parser, _plain_start

    for argv in ([], ["--data-dir", "/x/y"], ["--data-dir=/x/y"]):
        fast = _plain_start(argv)
        full = _parser().parse_args(argv)
        assert fast is not None and vars(fast) == vars(full)
    assert _plain_start(["--offscreen-demo"]) is None
    assert _plain_start(["--data-dir", "--help"]) is None


def test_a_bug_is_reported_in_plain_words_with_details(qtbot, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from rxlog.ui import app as gui

    previous = sys.excepthook
    try:
        gui._report_bugs()
        try:
            raise KeyError("boom")
        except KeyError:
            sys.excepthook(*sys.exc_info())
        box = gui._open_boxes[-1]
        assert isinstance(box, QMessageBox) and "a bug, not something you did" in box.text()
        assert "KeyError: 'boom'" in box.detailedText()
        box.close()
    finally:
        sys.excepthook = previous
        gui._open_boxes.clear()


@pytest.mark.slow
def test_date_fields_take_a_day_as_typed_in_one_tab_stop(qtbot, rx, monkeypatch):
    """Dates typed naturally: the detail panel's date, then a placement's end date."""
    from PySide6.QtCore import Qt

    from rxlog.ui.main_window import MainWindow
    from rxlog.ui.placements_dialog import PlacementsDialog

    win = MainWindow(rx)
    qtbot.addWidget(win)
    win.show()
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    win.details.load("ACU-TTO", {})
    field = win.details.date
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, "-2d")
    qtbot.keyClick(field, Qt.Key.Key_Tab)  # one Tab stop: Tab leaves for the next field
    assert field.text() == "Wed 18 Nov 2026" and win.details.site.hasFocus()
    field.setFocus()
    qtbot.keyClick(field, Qt.Key.Key_Up)  # a day later
    assert field.text() == "Thu 19 Nov 2026"
    field.selectAll()
    qtbot.keyClicks(field, "30")  # typing "30" no longer jumps to the month: it is refused
    qtbot.keyClick(field, Qt.Key.Key_Tab)
    assert not win.log_from_details()
    assert "is not a date" in win.details.error_text("date") and rx.list_entries() == []
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, "17/11")
    assert win.log_from_details()
    assert rx.list_entries()[0].date.isoformat() == "2026-11-17"
    win._tick.stop()

    monkeypatch.setenv("RXLOG_TODAY", "2026-11-20")
    dlg = PlacementsDialog(rx.placements, rx.add_placement, rx.today())
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.activateWindow()
    qtbot.waitUntil(dlg.isActiveWindow)
    dlg.form.open_ended.setFocus()
    qtbot.keyClick(dlg.form.open_ended, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(dlg.form.date_to.isEnabled)  # a mnemonic "animates" its click
    dlg.form.date_to.setFocus()
    dlg.form.date_to.selectAll()
    qtbot.keyClicks(dlg.form.date_to, "4/1")
    assert dlg.form.date_to.date().isoformat() == "2027-01-04"  # the nearest 4 January


@pytest.mark.slow
def test_the_wizard_finishes_the_job_key_passphrase_lead_and_key_to_the_lead(
    qtbot, data_dir, tmp_path
):
    from PySide6.QtCore import Qt

    from rxlog.central.store import CentralStore
    from rxlog.central.trust import trust_key
    from rxlog.export import keys
    from rxlog.returnformat.eml import read_attachments

    opened = []
    app = RxLog.open(data_dir, today=lambda: date(2026, 11, 20))
    out = tmp_path / "docs"
    out.mkdir()
    try:
        app.set_setting("export_dir", str(out))
        wiz = SetupWizard(
            app.today(), app.setup, app.add_placement, app=app, open_url=opened.append
        )
        qtbot.addWidget(wiz)
        wiz.show()
        wiz.you.name.setText("Alex Morgan")
        wiz.you.gphc.setText("5012345")
        wiz.next()
        wiz.placement.form.ods.setText("G82001")
        wiz.placement.form.name.setText("Test Surgery")
        wiz.next()
        page = wiz.month_end
        assert wiz.currentPage() is page
        wiz.activateWindow()
        qtbot.waitUntil(wiz.isActiveWindow)
        qtbot.keyClick(page, Qt.Key.Key_P, Qt.KeyboardModifier.AltModifier)
        qtbot.keyClicks(page.passphrase, "correct horse battery")
        qtbot.keyClick(page, Qt.Key.Key_G, Qt.KeyboardModifier.AltModifier)
        qtbot.keyClicks(page.again, "correct horse batery")  # a typo: refused, nothing made
        qtbot.keyClick(page, Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)
        qtbot.keyClicks(page.lead, "lead@nhs.net")
        assert not page.validatePage()
        assert "differ" in page.fields.text("passphrase_again") and not keys.has_keys(data_dir)
        assert app.setting("lead_email") is None  # checked first, written together
        page.again.clear()
        qtbot.keyClicks(page.again, "correct horse battery")
        qtbot.keyClick(page, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(lambda: page.sent is not None)
        assert keys.is_encrypted(data_dir) and app.setting("lead_email") == "lead@nhs.net"
        assert opened and Path(opened[0].toLocalFile()) == page.sent.eml
        raw = page.sent.eml.read_bytes()
        assert b"To: lead@nhs.net" in raw and b"PRIVATE" not in raw
        attached = read_attachments(page.sent.eml)
        assert list(attached) == ["rxlog-key-5012345.pem"]
        # what the lead receives is what the lead's RxLog trusts
        store = CentralStore.open(f"sqlite:///{tmp_path / 'central.sqlite3'}")
        try:
            key_file = tmp_path / "received.pem"
            key_file.write_bytes(attached["rxlog-key-5012345.pem"])
            trust_key(store, key_file, "Alex's laptop")
        finally:
            store.close()
        assert page.validatePage()  # Finish: the key is there already, nothing is redone
    finally:
        app.close()


def test_send_my_key_says_where_the_draft_is_when_nothing_opens_it(qtbot, rx, tmp_path):
    from rxlog.ui.setup_wizard import _MonthEndPage

    rx.set_setting("export_dir", str(tmp_path))
    page = _MonthEndPage(rx, lambda _url: False)
    qtbot.addWidget(page)
    page.send_key()
    assert "Open it by hand" in page.status.text()
    assert str(tmp_path / "rxlog-key-5012345.eml") in page.status.text()


def test_the_wizard_refuses_a_short_passphrase_by_the_cores_rule(qtbot, rx):
    from rxlog.export import keys
    from rxlog.ui.setup_wizard import _MonthEndPage

    page = _MonthEndPage(rx, lambda _url: True)
    qtbot.addWidget(page)
    page.passphrase.setText("short")
    page.again.setText("short")
    assert not page.validatePage()
    assert f"at least {keys.MIN_PASSPHRASE}" in page.fields.text("passphrase")
    assert not keys.has_keys(rx.db.data_dir)
