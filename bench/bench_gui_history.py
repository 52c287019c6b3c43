"""GUI figures over a 1,000,000-entry database: history first paint, Enter to row shown.

    .venv/bin/python bench/bench_gui_history.py [--n 1000000] [--data-dir DIR]

Without --data-dir it builds the database with ``bench/make_big_db.py`` in a temporary
folder (raw executemany into the real schema, index after). With --data-dir it works on
a copy-safe folder you made with make_big_db (it adds the entries it logs).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_big_db import TODAY, make_big_db  # noqa: E402


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--data-dir")
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument(
        "--today",
        help="the day to log on (default: make_big_db's TODAY, the "
        "first day after its entries; use a later day on a reused folder)",
    )
    args = ap.parse_args()
    tmp = None
    if args.data_dir:
        folder = Path(args.data_dir)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="rxlog-bench-")
        folder = Path(tmp.name) / "data"
        t = time.perf_counter()
        make_big_db(folder, args.n)
        print(f"built {args.n:,} entries in {time.perf_counter() - t:.1f} s")

    from datetime import date

    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from rxlog.service import RxLog
    from rxlog.ui.history_view import HistoryView
    from rxlog.ui.main_window import MainWindow

    today = date.fromisoformat(args.today) if args.today else TODAY
    qapp = QApplication([])
    app = RxLog.open(folder, today=lambda: today)
    n = app.count_entries()
    print(f"database: {n:,} entries, {app.db.path.stat().st_size / 1e6:.0f} MB")

    t = time.perf_counter()
    win = MainWindow(app)
    win.show()
    qapp.processEvents()
    print(
        f"main window built and shown over {n:,} entries: {(time.perf_counter() - t) * 1000:.0f} ms"
    )

    paints = []
    for _ in range(5):
        t = time.perf_counter()
        view = HistoryView(app, app.taxonomy, app.placements(), today)
        view.resize(1100, 700)
        view.apply_filters()
        view.show()
        view.grab()  # paints every visible row: ids paged in, rows read on demand
        paints.append((time.perf_counter() - t) * 1000)
        view.close()
        view.deleteLater()
        qapp.processEvents()
    print(
        f"history first paint (all {n:,} entries, newest first): "
        f"median {statistics.median(paints):.0f} ms, max {max(paints):.0f} ms"
    )

    logs = []
    for i in range(args.rounds):
        win.quick.line.setText(f"rep {i % 5 + 1} 3m")
        before = win.day_model.rowCount()
        t = time.perf_counter()
        QTest.keyClick(win.quick.line, Qt.Key.Key_Return)
        win.day_table.viewport().repaint()
        logs.append((time.perf_counter() - t) * 1000)
        assert win.day_model.rowCount() == before + 1, win.quick_error.text()
    print(
        f"Enter to row shown, {n:,} entries stored ({args.rounds} entries): "
        f"median {statistics.median(logs):.1f} ms, p95 {pct(logs, 95):.1f} ms, "
        f"max {max(logs):.1f} ms"
    )
    win.close()
    app.close()
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
