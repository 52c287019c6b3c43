"""Reliability benchmark: what health checks and backups cost on the start-up path.

Prints (a) ``Database.open`` + close when nothing needs doing, (b) the first open of a
day (daily + monthly backup, each checked with quick_check), (c) a manual backup,
(d) ``rxlog check`` (full integrity_check + audit chain), and (e) one-row commits in
WAL mode with synchronous=FULL vs NORMAL (the figure behind the choice in
docs/reliability.md).

Usage:
  .venv/bin/python bench/bench_reliability.py [--entries 50000]
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from make_big_db import make_big_db  # noqa: E402

from rxlog import checkup  # noqa: E402
from rxlog.storage import backups  # noqa: E402
from rxlog.storage.database import Database  # noqa: E402


def _ms(samples: list[float]) -> str:
    return f"median {statistics.median(samples) * 1000:.1f} ms, max {max(samples) * 1000:.1f} ms"


def commits(folder: Path, sync: str, n: int = 500) -> list[float]:
    path = folder / f"sync-{sync}.sqlite3"
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute(f"PRAGMA synchronous={sync}")
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT)")
    out = []
    for i in range(n):
        t0 = time.perf_counter()
        con.execute("BEGIN IMMEDIATE")
        con.execute("INSERT INTO t (note) VALUES (?)", (f"row {i}",))
        con.execute("COMMIT")
        out.append(time.perf_counter() - t0)
    con.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=50000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rxlog-bench-rel-"))
    try:
        data_dir = work / "data"
        t0 = time.perf_counter()
        make_big_db(data_dir, args.entries)
        print(f"built {args.entries} entries in {time.perf_counter() - t0:.1f} s")
        size = (data_dir / "rxlog.sqlite3").stat().st_size
        print(f"database size: {size / 1e6:.1f} MB")

        day = date(2026, 11, 20)
        Database.open(data_dir, today=day).close()  # today's backup made: nothing to do now
        quiet = []
        for _ in range(30):
            t0 = time.perf_counter()
            Database.open(data_dir, today=day).close()
            quiet.append(time.perf_counter() - t0)
        print(f"(a) open + close, nothing to do (30 runs): {_ms(quiet)}")

        first = []
        for i in range(5):
            d = day + timedelta(days=40 * (i + 1))  # a new day and a new month each time
            t0 = time.perf_counter()
            Database.open(data_dir, today=d).close()
            first.append(time.perf_counter() - t0)
        print(f"(b) first open of a day (daily + monthly backup, 5 runs): {_ms(first)}")

        db = Database.open(data_dir, today=day)
        manual = []
        for _ in range(5):
            t0 = time.perf_counter()
            backups.backup_now(db)
            manual.append(time.perf_counter() - t0)
        db.close()
        print(f"(c) backup now (online backup + quick_check, 5 runs): {_ms(manual)}")

        t0 = time.perf_counter()
        report = checkup.full_check(data_dir)
        print(
            f"(d) rxlog check (integrity_check + audit chain): "
            f"{(time.perf_counter() - t0) * 1000:.0f} ms, ok={report.ok}"
        )
        for sync in ("FULL", "NORMAL"):
            print(f"(e) one-row commit, WAL + synchronous={sync} (500): {_ms(commits(work, sync))}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
