"""GUI figures over a 1,000,000-entry database: history first paint beside its floor, Enter
to row shown.

    .venv/bin/python bench/bench_gui_history.py [--n 1000000] [--data-dir DIR] [--quick]

History first paint (every entry, newest first, its visible rows painted) alternates in
one run with its floor (bench/floor.py): a bare QTableView over a QAbstractTableModel
that counts the rows with raw sqlite3 and reads each screenful of rows with one
``SELECT ... ORDER BY date DESC, created_at DESC LIMIT/OFFSET``; target <= 1.1x.

Without --data-dir it builds the database with ``bench/make_big_db.py`` in a temporary
folder (raw executemany into the real schema, index after). With --data-dir it works on
a copy-safe folder you made with make_big_db (it adds the entries it logs). ``--quick``
builds 20,000 entries (seconds) unless --data-dir is given, and takes 3 rounds.
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

from floor import compare, report  # noqa: E402
from make_big_db import TODAY, make_big_db  # noqa: E402

FLOOR_COLUMNS = ("date", "code", "site", "minutes", "count", "sector")


def floor_view(db_path: Path):  # noqa: ANN201
    """The floor: a bare QTableView on raw sqlite3, rows read a screenful at a time."""
    import sqlite3

    from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
    from PySide6.QtWidgets import QTableView

    class Model(QAbstractTableModel):
        PAGE = 100

        def __init__(self) -> None:
            super().__init__()
            self.con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
            self.n = self.con.execute("SELECT COUNT(*) FROM entry").fetchone()[0]
            self.pages: dict[int, list[tuple]] = {}

        def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008, N802, ANN001
            return 0 if parent.isValid() else self.n

        def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008, N802, ANN001
            return len(FLOOR_COLUMNS)

        def data(self, index, role=Qt.ItemDataRole.DisplayRole):  # noqa: ANN001, ANN201
            if role != Qt.ItemDataRole.DisplayRole:
                return None
            page = index.row() // self.PAGE
            rows = self.pages.get(page)
            if rows is None:
                rows = self.pages[page] = self.con.execute(
                    f"SELECT {', '.join(FLOOR_COLUMNS)} FROM entry "
                    "ORDER BY date DESC, created_at DESC LIMIT ? OFFSET ?",
                    (self.PAGE, page * self.PAGE),
                ).fetchall()
            v = rows[index.row() % self.PAGE][index.column()]
            return "" if v is None else str(v)

    view = QTableView()
    view.setModel(Model())
    return view


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--data-dir")
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--quick", action="store_true", help="3 rounds (20,000 entries unless "
                    "--data-dir): a check before stopping")  # fmt: skip
    ap.add_argument(
        "--today",
        help="the day to log on (default: make_big_db's TODAY, the "
        "first day after its entries; use a later day on a reused folder)",
    )
    args = ap.parse_args()
    if args.quick:
        args.rounds = 3
        if not args.data_dir and args.n == 1_000_000:
            args.n = 20_000
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

    placements = app.placements()  # the window holds them (MainWindow._placements)

    def rx_paint() -> None:
        # What the History tab does when first shown (MainWindow._tab_changed).
        view = HistoryView(app, app.taxonomy, placements, today)
        view.resize(1100, 700)
        view.apply_filters()
        view.show()
        view.grab()  # paints every visible row: ids paged in, rows read on demand
        view.close()
        view.deleteLater()

    def floor_paint() -> None:
        view = floor_view(app.db.path)
        view.resize(1100, 700)
        view.show()
        view.grab()
        view.model().con.close()
        view.close()
        view.deleteLater()

    def timed_paint(fn) -> float:  # noqa: ANN001
        t = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - t
        qapp.processEvents()  # the deleted view goes outside the timing
        return elapsed

    pair = compare(
        f"history first paint, all {n:,} entries newest first, vs a bare QTableView on sqlite3",
        rx=rx_paint,
        floor=floor_paint,
        rounds=3 if args.quick else 7,
        target=1.1,
        timer=timed_paint,
    )
    one, five, _ = os.getloadavg()
    ok = report([pair], title=f"load average {one:.1f} (5 min {five:.1f}) on {os.cpu_count()} CPUs")

    logs = []
    for i in range(args.rounds):
        # REP-SYNC with 1-3 patients (a bare number is the count; 4 patients in 3 minutes
        # would first ask "is that right?", and nothing would be logged)
        win.quick.line.setText(f"rep {i % 3 + 1} 3m")
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
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
