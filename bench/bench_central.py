"""Central benchmark: import N synthetic signed returns, then build the report.

Targets (issue 5): importing 1,000 returns (about 2,000,000 entries) <= 30 s; the
report over that store <= 5 s. Returns come from bench/gen_returns.py (made once,
reused with --data).

Usage:
  .venv/bin/python bench/gen_returns.py /tmp/cbench/data          # 1,000 x 2,000 rows
  .venv/bin/python bench/bench_central.py --data /tmp/cbench/data [--db URL]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rxlog.central.importer import import_paths  # noqa: E402
from rxlog.central.report_data import gather  # noqa: E402
from rxlog.central.report_pdf import ReportOptions, write_report  # noqa: E402
from rxlog.central.store import CentralStore  # noqa: E402
from rxlog.central.trust import trust_key  # noqa: E402


def floor_rows(path: Path, pk: int) -> list[tuple]:
    """One return's CSV parsed the plainest way: csv.reader, ints and pence converted."""
    import csv
    import io
    from decimal import Decimal

    from rxlog.returnformat.csvfile import CSV_COLUMNS

    reader = csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline=""))
    header = next(reader)
    at = [header.index(c) for c in CSV_COLUMNS]
    ints = {CSV_COLUMNS.index(c) for c in ("version", "minutes", "count", "significance",
                                           "released_minutes", "qs120_days")}  # fmt: skip
    cost = CSV_COLUMNS.index("cost_avoided")
    out = []
    for row in reader:
        vals: list = [row[i] or None for i in at]
        for i in ints:
            if vals[i] is not None:
                vals[i] = int(vals[i])
        if vals[cost] is not None:
            vals[cost] = int(Decimal(vals[cost]) * 100)
        out.append((pk, *vals))
    return out


def floor_import(url: str, csvs: list[Path]) -> float:
    """The floor: every return's rows into a central_entry of the same schema and indexes,
    one transaction a return; SQLite by executemany, PostgreSQL by psycopg's COPY."""
    from sqlalchemy import create_engine

    from rxlog.central.models import CentralEntry
    from rxlog.returnformat.csvfile import DB_COLUMNS

    cols = ", ".join(f'"{c}"' for c in ("return_pk", *DB_COLUMNS))
    engine = create_engine(url)
    table = CentralEntry.__table__
    with engine.begin() as conn:
        table.drop(conn, checkfirst=True)
        conn.exec_driver_sql("DROP TABLE IF EXISTS central_return CASCADE"
                             if engine.dialect.name == "postgresql" else "SELECT 1")  # fmt: skip
    # same columns and indexes, without the foreign key (the floor writes no return rows)
    from sqlalchemy import Column, Index, MetaData, Table

    md = MetaData()
    copy = Table(
        table.name, md, *[Column(c.name, c.type, primary_key=c.primary_key) for c in table.columns]
    )
    for ix in table.indexes:
        Index(ix.name, *[copy.c[c.name] for c in ix.columns])
    md.create_all(engine)
    t = time.perf_counter()
    for pk, path in enumerate(csvs, 1):
        rows = floor_rows(path, pk)
        with engine.begin() as conn:
            if engine.dialect.name == "sqlite":
                marks = ", ".join("?" for _ in range(len(DB_COLUMNS) + 1))
                conn.exec_driver_sql(f"INSERT INTO central_entry ({cols}) VALUES ({marks})", rows)
            else:
                raw = conn.connection.driver_connection
                with raw.cursor() as cur, cur.copy(f"COPY central_entry ({cols}) FROM STDIN") as cp:
                    for r in rows:
                        cp.write_row(r)
    elapsed = time.perf_counter() - t
    engine.dispose()
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True, help="output of gen_returns.py")
    ap.add_argument("--db", help="SQLAlchemy URL (default: a new SQLite file in a temp folder)")
    ap.add_argument("--keep", action="store_true", help="keep the temp folder")
    ap.add_argument("--export", action="store_true", help="also time the CSV export")
    ap.add_argument(
        "--floor-db",
        help="SQLAlchemy URL for the floor's table (default: a new "
        "SQLite file; give a second PostgreSQL database when --db is PostgreSQL)",
    )
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rxlog-central-bench-"))
    url = args.db or f"sqlite:///{work / 'central.sqlite3'}"
    store = CentralStore.open(url)
    for key in sorted((args.data / "keys").glob("*.pem")):
        trust_key(store, key, key.stem)

    outcomes: dict[str, int] = {}
    t0 = time.perf_counter()
    cpu0 = time.process_time()

    def progress(done: int, total: int, result: object) -> None:
        outcome = getattr(result, "outcome", "?")
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if done % 100 == 0:
            print(f"  {done}/{total} after {time.perf_counter() - t0:.1f} s", flush=True)

    results = import_paths(store, [args.data / "returns"], progress)
    t_import = time.perf_counter() - t0
    cpu_main = time.process_time() - cpu0
    cpu_workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_workers_s = cpu_workers.ru_utime + cpu_workers.ru_stime
    rows = sum(r.rows or 0 for r in results)
    print(
        f"import: {len(results)} returns, {rows:,} entries in {t_import:.1f} s "
        f"({rows / t_import:,.0f} entries/s); outcomes {outcomes}"
    )

    print(
        f"  CPU: main process {cpu_main:.1f} s, worker processes {cpu_workers_s:.1f} s; "
        f"load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    csvs = sorted((args.data / "returns").rglob("*.csv"))
    floor_url = args.floor_db or f"sqlite:///{work / 'floor.sqlite3'}"
    t_floor = floor_import(floor_url, csvs)
    print(
        f"floor ({'COPY' if floor_url.startswith('postgresql') else 'executemany'}, same schema"
        f" and indexes): {len(csvs)} returns in {t_floor:.1f} s; "
        f"ratio RxLog / floor {t_import / t_floor:.2f}x"
    )
    t0 = time.perf_counter()
    again = import_paths(store, [args.data / "returns"])
    print(
        f"re-import of the same {len(again)} returns (all resends): "
        f"{time.perf_counter() - t0:.1f} s"
    )

    t0 = time.perf_counter()
    data = gather(store)
    t_gather = time.perf_counter() - t0
    out = work / "report.pdf"
    write_report(data, ReportOptions(out))
    t_report = time.perf_counter() - t0
    print(
        f"report: figures {t_gather:.2f} s, PDF written {t_report:.2f} s in all "
        f"({out.stat().st_size:,} bytes)"
    )
    if args.export:
        from rxlog.central.export import ExportOptions, export_dataset

        t0 = time.perf_counter()
        res = export_dataset(store, ExportOptions(work / "export", xlsx=False))
        print(f"export (CSV, no XLSX): {res.entries:,} entries in {time.perf_counter() - t0:.1f} s")
    if url.startswith("sqlite:///"):
        db = Path(url[len("sqlite:///") :])
        con = sqlite3.connect(db)
        n = con.execute("SELECT COUNT(*) FROM central_summary").fetchone()[0]
        con.close()
        print(f"store: {db.stat().st_size / 1e6:,.0f} MB; summary rows {n:,}")
    store.close()
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"kept {work}")


if __name__ == "__main__":
    main()
