"""Foundation benchmark over a 1,000,000-entry database.

(a) adding one entry through the core (``RxLog.log``): median and p99, target p99 <= 5 ms;
(b) a month's totals by code (``RxLog.month_totals_by_code``): target <= 20 ms;
(c) ``rxlog list --month`` end to end (a new process each time).

Usage: .venv/bin/python bench/bench_core.py [N_ENTRIES] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_big_db import TODAY, make_big_db  # noqa: E402

from rxlog.domain import EntryInput  # noqa: E402
from rxlog.service import RxLog  # noqa: E402


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", nargs="?", type=int, default=1_000_000)
    ap.add_argument("--keep", type=Path, help="reuse/keep the database in this folder")
    args = ap.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="rxlog-bench-"))
    if not (folder / "rxlog.sqlite3").exists():
        t0 = time.perf_counter()
        make_big_db(folder, args.n)
        print(f"built {args.n:,} entries in {time.perf_counter() - t0:.1f} s ({folder})")
    size = (folder / "rxlog.sqlite3").stat().st_size / 1e6
    print(f"database: {size:.0f} MB")
    # Work on a copy, so the kept database stays pristine and the day stays nearly empty.
    work = Path(tempfile.mkdtemp(prefix="rxlog-bench-run-"))
    shutil.copy2(folder / "rxlog.sqlite3", work / "rxlog.sqlite3")
    folder = work

    app = RxLog.open(folder, today=lambda: TODAY)
    # (a) one entry through the core: validation + insert + audit record + durable commit
    # The first few calls compile and cache SQL statements; the app is long-running, so
    # those are reported apart from the steady state.
    warm = []
    for _ in range(10):
        t0 = time.perf_counter()
        app.log(EntryInput("QRY-PAT", date=TODAY, minutes=1))
        warm.append((time.perf_counter() - t0) * 1000)
    print(f"(a) first call {warm[0]:.1f} ms, next 9: max {max(warm[1:]):.1f} ms")
    times = []
    for i in range(500):
        item = EntryInput("QRY-PAT" if i % 2 else "REP-MGMT", date=TODAY, minutes=1)
        t0 = time.perf_counter()
        app.log(item)
        times.append((time.perf_counter() - t0) * 1000)
    print(
        f"(a) log one entry: median {statistics.median(times):.2f} ms, "
        f"p99 {pct(times, 99):.2f} ms (n={len(times)}; target p99 <= 5 ms)"
    )

    # (b) a month's totals by code
    month = f"{TODAY.year - 1}-{TODAY.month:02d}"
    times = []
    for _ in range(50):
        t0 = time.perf_counter()
        rows = app.month_totals_by_code(month)
        times.append((time.perf_counter() - t0) * 1000)
    n_month = sum(r[1] for r in rows)
    print(
        f"(b) month totals by code ({month}, {n_month:,} entries, {len(rows)} codes): "
        f"median {statistics.median(times):.2f} ms, p99 {pct(times, 99):.2f} ms "
        "(target <= 20 ms)"
    )
    app.close()

    # (c) rxlog list --month end to end, as a user runs it
    env = dict(os.environ, RXLOG_TODAY=TODAY.isoformat())
    times = []
    for fmt in ("table", "json", "table", "json", "table"):
        t0 = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-m", "rxlog", "--data-dir", str(folder), "list",
             "--month", month, "--format", fmt],
            check=True, capture_output=True, env=env,
        ).stdout  # fmt: skip
        times.append((time.perf_counter() - t0) * 1000)
    print(
        f"(c) rxlog list --month {month} end to end: median {statistics.median(times):.0f} ms, "
        f"max {max(times):.0f} ms ({len(out):,} bytes of output)"
    )
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
