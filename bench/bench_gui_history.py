"""GUI figures over a 1,000,000-entry database: history first paint beside its floor, Enter
to row shown.

    .venv/bin/python bench/bench_gui_history.py [--n 1000000] [--data-dir DIR] [--quick]

History first paint (every entry, newest first, its visible rows painted) alternates in
one run with its floor (bench/floor.py): a bare QTableView over a QAbstractTableModel
that counts the rows with raw sqlite3 and reads each screenful of rows with one
``SELECT ... ORDER BY date DESC, created_at DESC LIMIT/OFFSET``, showing the history
table's columns (the activity's title from a dict of the taxonomy, every other cell as
stored) in the history table's widths and row height; target <= 1.1x. The floor
recorded before this one (six columns of 100 pixels, the vertical header shown: about
60 % of the cells RxLog paints) runs too, for comparison, without a target.

Both times are wall time and the main thread's CPU time (``time.thread_time``: the
paint is all on the main thread; CPU moves less with the other work on the machine).

Without --data-dir it builds the database with ``bench/make_big_db.py`` in a temporary
folder (raw executemany into the real schema, index after). With --data-dir it works on
a copy-safe folder you made with make_big_db (it adds the entries it logs). ``--quick``
builds 20,000 entries (seconds) unless --data-dir is given, and takes 15 paint rounds; below 1M
entries the verdict is against the check's own line, 1.3x (the view's fixed part weighs
more over a small table: see ``main``), and the 1.1x target is for a run over 1M.
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

NARROW_COLUMNS = ("date", "code", "site", "minutes", "count", "sector")
# The history table's columns, as stored (the title is the one that is not).
SAME_COLUMNS = (
    "date",
    "code",
    "title",
    "minutes",
    "count",
    "significance",
    "site",
    "sector",
    "note",
)


def floor_view(db_path: Path, table=None, titles: dict | None = None):  # noqa: ANN001, ANN201
    """The floor: a bare QTableView on raw sqlite3, rows read a screenful at a time.

    With ``table`` (RxLog's history table, already built) and ``titles`` (code -> title):
    its columns, widths, row height, alternating rows and hidden row numbers. Without:
    the narrow floor recorded before (six columns of 100 pixels, row numbers shown)."""
    import sqlite3

    from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
    from PySide6.QtWidgets import QTableView

    columns = SAME_COLUMNS if table is not None else NARROW_COLUMNS
    stored = [c for c in columns if c != "title"]
    title_at = columns.index("title") if "title" in columns else -1
    code_at = stored.index("code")

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
            return len(columns)

        def data(self, index, role=Qt.ItemDataRole.DisplayRole):  # noqa: ANN001, ANN201
            if role != Qt.ItemDataRole.DisplayRole:
                return None
            page = index.row() // self.PAGE
            rows = self.pages.get(page)
            if rows is None:
                rows = self.pages[page] = [
                    r[:title_at] + (titles.get(r[code_at], r[code_at]),) + r[title_at:]
                    if title_at >= 0 and titles is not None
                    else r
                    for r in self.con.execute(
                        f"SELECT {', '.join(stored)} FROM entry "
                        "ORDER BY date DESC, created_at DESC LIMIT ? OFFSET ?",
                        (self.PAGE, page * self.PAGE),
                    )
                ]
            v = rows[index.row() % self.PAGE][index.column()]
            return "" if v is None else str(v)

    view = QTableView()
    view.setModel(Model())
    if table is not None:
        view.setAlternatingRowColors(True)
        view.verticalHeader().hide()
        view.verticalHeader().setDefaultSectionSize(table.verticalHeader().defaultSectionSize())
        for i in range(len(columns)):
            view.setColumnWidth(i, table.columnWidth(i))
        view.horizontalHeader().setStretchLastSection(True)
    return view


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--data-dir")
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--quick", action="store_true", help="15 paint rounds, 3 entries (20,000 "
                    "entries unless --data-dir): a check before stopping")  # fmt: skip
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

    titles = {c.code: c.title for c in app.taxonomy}  # what RxLog has in memory too
    shape = HistoryView(app, app.taxonomy, placements, today).table  # its columns, widths

    def floor_paint(table=shape) -> None:  # noqa: ANN001
        view = floor_view(app.db.path, table, titles if table is not None else None)
        view.resize(1100, 700)
        view.show()
        view.grab()
        view.model().con.close()
        view.close()
        view.deleteLater()

    cpu: dict = {}

    def timed_paint(fn) -> float:  # noqa: ANN001
        c, t = time.thread_time(), time.perf_counter()
        fn()
        elapsed = time.perf_counter() - t
        cpu.setdefault(fn, []).append(time.thread_time() - c)
        qapp.processEvents()  # the deleted view goes outside the timing
        return elapsed

    def narrow_floor() -> None:
        floor_paint(None)

    rounds = 15 if args.quick else 11  # the quick check: short paints, more of them
    what = f"history first paint, all {n:,} entries newest first"
    # The target (1.1x) is at 1M entries. Over the quick check's 20,000 the floor's paint
    # is half as long (its count(*) 0.3 ms, not 13), and what RxLog adds to it (the
    # filter bar: five combo boxes and their labels to build, lay out and polish, ~1-2
    # ms) weighs twice as much: main measured 1.05x-1.23x there, run by run, while at
    # 1M it measured 1.01x-1.07x. The check's own line is set above that spread, so it
    # says a change made the view slower, not that the machine had a slow second.
    target = 1.1
    if n < 1_000_000:
        target = 1.3
        what += " (the check's line; the target, 1.1x, is at 1M entries)"
    pairs = [
        compare(
            f"{what}, vs a bare QTableView on sqlite3 with the same columns",
            rx=rx_paint,
            floor=floor_paint,
            rounds=rounds,
            target=target,
            timer=timed_paint,
        ),
    ]
    cpu_same = {"rx": cpu.pop(rx_paint), "floor": cpu.pop(floor_paint)}
    pairs.append(
        compare(
            f"{what}, vs the narrow bare view recorded before (6 columns of 100 px)",
            rx=rx_paint,
            floor=narrow_floor,
            rounds=rounds,
            timer=timed_paint,
        )
    )
    one, five, _ = os.getloadavg()
    ok = report(pairs, title=f"load average {one:.1f} (5 min {five:.1f}) on {os.cpu_count()} CPUs")
    for label, rx_cpu, floor_cpu in (
        ("same columns", cpu_same["rx"], cpu_same["floor"]),
        ("narrow view", cpu[rx_paint], cpu[narrow_floor]),
    ):
        r, f = statistics.median(rx_cpu), statistics.median(floor_cpu)
        print(
            f"  main thread's CPU, {label}: RxLog {r * 1000:.1f} ms, floor {f * 1000:.1f} ms, "
            f"ratio {r / f:.2f}x"
        )

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
