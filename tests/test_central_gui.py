"""The lead's window: drop returns and e-mails in, see results and completeness, on a
store on SQLite and on PostgreSQL (``central_url``, tests/central_db.py)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from central_db import central_url  # noqa: F401  (fixture: SQLite and PostgreSQL)
from conftest import bench_module

gen = bench_module("gen_returns")

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot, tmp_path, central_url):  # noqa: F811
    from rxlog.central.store import CentralStore
    from rxlog.central.trust import trust_key
    from rxlog.ui.central_window import CentralWindow

    store = CentralStore.open(central_url)
    for i in (1, 2, 3):
        inst = gen.Installation.new(i)
        trust_key(store, inst.write_key(tmp_path / f"k{i}.pem"), f"{inst.name} laptop")
    win = CentralWindow(store)
    qtbot.addWidget(win)
    win.show()
    yield win
    if win.task is not None:
        win.task.wait()
    store.close()


def _returns(tmp_path: Path) -> Path:
    out = tmp_path / "inbox"
    for i in (1, 2, 3):
        inst = gen.Installation.new(i)
        for j, month in enumerate(("2026-08", "2026-09", "2026-10", "2026-11")):
            if (i, month) in {(2, "2026-10"), (3, "2026-08")}:
                continue  # a missing return; technician 3 started in September
            rows = gen.make_rows(inst, month, 1, 25, random.Random(f"{i}{month}"), "pilot")
            gen.write_return(inst, month, rows, out / inst.gphc)
            del j
    inst = gen.Installation.new(1)
    rows = gen.make_rows(inst, "2026-10", 2, 20, random.Random(9), "pilot")
    gen.write_return(
        inst, "2026-10", rows, out / "resent", version=2, reason="entries on the wrong day"
    )
    stranger = gen.Installation.new(99)
    rows = gen.make_rows(stranger, "2026-11", 1, 10, random.Random(5), "pilot")
    gen.write_return(stranger, "2026-11", rows, out / "stranger")
    return out


@pytest.mark.slow
def test_dropping_a_folder_imports_and_shows_results_and_completeness(window, qtbot, tmp_path):
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    inbox = _returns(tmp_path)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(inbox))])
    event = QDropEvent(
        QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    with qtbot.waitSignal(window.imported, timeout=60000):
        window.dropEvent(event)
    outcomes = [r.outcome for r in window.results.results]
    assert outcomes.count("imported") == 10 and outcomes.count("replaced") == 1
    assert outcomes.count("refused") == 1
    refused = next(r for r in window.results.results if r.outcome == "refused")
    assert "unknown key" in window.results.data(window.results.index(
        window.results.results.index(refused), 5))  # fmt: skip
    m = window.status
    assert m.rowCount() == 3 and m.columnCount() == 4 + 4
    labels = {
        (m.data(m.index(r, 1)), m.headerData(c, Qt.Orientation.Horizontal, 0)): m.data(
            m.index(r, c)
        )
        for r in range(3)
        for c in range(4, 8)
    }
    assert labels[("5100001", "2026-10")] == "v2 reopened"
    assert labels[("5100002", "2026-10")] == "missing"
    assert labels[("5100003", "2026-08")] == "–"
    assert labels[("5100001", "2026-08")] == "v1"
    assert window.returns.rowCount() == 11  # 10 current + the superseded v1
    assert "1 missing, 1 reopened" in window.legend.text()
    window.resize(1200, 640)
    window.tabs.setCurrentIndex(0)
    window.grab().save(str(tmp_path / "central-results.png"))
    window.tabs.setCurrentIndex(1)
    window.grab().save(str(tmp_path / "central-completeness.png"))
    assert (tmp_path / "central-completeness.png").stat().st_size > 10_000


@pytest.mark.slow
def test_export_and_report_from_the_window(window, qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a: shown.append(a[2]))
    with qtbot.waitSignal(window.imported, timeout=60000):
        window.import_paths([_returns(tmp_path)])
    window.export_to(tmp_path / "export")
    qtbot.waitUntil(lambda: window.task is None, timeout=60000)
    assert (tmp_path / "export" / "rxlog-central-entries.csv").exists()
    assert (tmp_path / "export" / "rxlog-central.xlsx").exists()
    window.report_to(tmp_path / "report.pdf")
    qtbot.waitUntil(lambda: window.task is None, timeout=60000)
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")
    assert any("entries from 10 returns" in s for s in shown)


def test_keyboard_reaches_every_action(window):
    from PySide6.QtGui import QKeySequence

    keys = {a.shortcut().toString() for a in window.actions()}
    assert {"Ctrl+I", "Ctrl+Shift+I", "Ctrl+T", "Ctrl+E", "Ctrl+R", "F5"} <= keys
    buttons = (
        window.import_button,
        window.import_folder_button,
        window.trust_button,
        window.export_button,
        window.report_button,
    )
    texts = [b.text() for b in buttons]
    texts += [window.tabs.tabText(i) for i in range(window.tabs.count())]
    mnemonics = [t[t.index("&") + 1].lower() for t in texts]
    assert len(set(mnemonics)) == len(texts) == 8  # every one has its own Alt key
    del QKeySequence


@pytest.mark.slow
def test_results_and_status_models_pass_the_model_tester(window, qtmodeltester, qtbot, tmp_path):
    with qtbot.waitSignal(window.imported, timeout=60000):
        window.import_paths([_returns(tmp_path)])
    qtmodeltester.check(window.results)
    qtmodeltester.check(window.status)
    qtmodeltester.check(window.returns)


def test_an_old_key_file_asks_for_the_gphc_number_it_is_bound_to(window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    from rxlog.central.trust import list_keys

    inst = gen.Installation.new(7)
    old = inst.write_key(tmp_path / "old.pem", old=True)  # from an earlier RxLog: no GPhC
    asked = []

    def answer(parent, title, label, *a, **k):
        asked.append(label)
        return (inst.gphc, True)

    monkeypatch.setattr(QInputDialog, "getText", answer)
    window.trust_key_file(old, "Technician 007")
    assert asked and "names no GPhC number" in asked[0]
    assert f"bound to GPhC {inst.gphc}" in window.statusBar().currentMessage()
    bound = {k.name: k.gphc for k in list_keys(window.store)}
    assert bound["Technician 007"] == inst.gphc
