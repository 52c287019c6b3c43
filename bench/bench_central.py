"""Central benchmark: the lead's import beside its floor, alternating in one run, then the report.

The floor reads every return's CSV with ``csv.reader`` (ints and pence converted) and
writes its rows into a ``central_entry`` of the same columns and indexes, one transaction
a return, with the same durability as the store (SQLite: WAL, synchronous=FULL, by the
driver's ``executemany``; PostgreSQL: psycopg's ``COPY FROM STDIN``). Each side runs in
a new process per round, into a new database, the two alternating (which goes first
alternates too); each process reports its own import time, CPU and peak memory (its
``ru_maxrss``, and RxLog's worker processes' beside it).

Usage:
  .venv/bin/python bench/gen_returns.py /tmp/cbench/data --technicians 10 --months 20
  .venv/bin/python bench/bench_central.py --data /tmp/cbench/data [--rounds 3]
  .venv/bin/python bench/bench_central.py --data DIR --db PG_URL --floor-db PG_URL2
  .venv/bin/python bench/bench_central.py --quick          # 30 small returns, seconds

A PostgreSQL URL names a database the benchmark drops and creates again each round
(a throwaway server: ``scripts/pg-test-server.sh``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from floor import PY, Pair, report  # noqa: E402

SQLITE_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL")


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
    from sqlalchemy import Column, Index, MetaData, Table, create_engine, event

    from rxlog.central.models import CentralEntry
    from rxlog.returnformat.csvfile import DB_COLUMNS

    cols = ", ".join(f'"{c}"' for c in ("return_pk", *DB_COLUMNS))
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_con, _record) -> None:  # the store's durability, not less
            for pragma in SQLITE_PRAGMAS:
                dbapi_con.execute(pragma)

    # same columns and indexes, without the foreign key (the floor writes no return rows)
    table = CentralEntry.__table__
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


def rxlog_setup(url: str, data: Path) -> None:
    """The lead's store as it is before an import: made (migrations run) and the keys
    trusted, in a process of its own (the import then opens a store that exists)."""
    from rxlog.central.store import CentralStore
    from rxlog.central.trust import trust_key

    store = CentralStore.open(url)
    for key in sorted((data / "keys").glob("*.pem")):
        trust_key(store, key, key.stem)
    store.close()


def rxlog_import(url: str, data: Path, workers: int | None) -> tuple[float, dict]:
    from rxlog.central.importer import import_paths
    from rxlog.central.store import CentralStore

    store = CentralStore.open(url)
    t = time.perf_counter()
    results = import_paths(store, [data / "returns"], workers=workers)
    elapsed = time.perf_counter() - t
    outcomes: dict[str, int] = {}
    for r in results:
        outcomes[r.outcome] = outcomes.get(r.outcome, 0) + 1
    store.close()
    return elapsed, {"outcomes": outcomes, "rows": sum(r.rows or 0 for r in results)}


class ChildPeaks:
    """The peak resident memory (VmHWM) of each child process, read from /proc every
    0.1 s while they run. (A spawned child's ``ru_maxrss`` counts its parent's pages
    from before its exec, so RUSAGE_CHILDREN overstates a worker's own memory.)"""

    def __init__(self) -> None:
        import threading

        self.peaks: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        me = str(os.getpid())
        own = Path("/proc/self/cmdline").read_bytes()
        while not self._stop.wait(0.1):
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
                if fields.get("PPid", "").strip() == me and "VmHWM" in fields:
                    try:
                        if Path(f"/proc/{pid}/cmdline").read_bytes() == own:
                            # Forked, not yet exec'd (RxLog's workers and the resource
                            # tracker are spawned: each execs a new interpreter): caught
                            # between the two, a child shows this process's pages as its
                            # own, and a max of samples kept them (most likely what a
                            # recorded run once showed: two "workers" of 43 and 37 MB and
                            # no 13 MB tracker; not caught again in 61 spawns watched).
                            continue
                    except OSError:
                        continue
                    kb = int(fields["VmHWM"].split()[0])
                    self.peaks[int(pid)] = max(self.peaks.get(int(pid), 0), kb)

    def stop(self) -> dict[int, int]:
        self._stop.set()
        self._thread.join()
        return self.peaks


def side(args: argparse.Namespace) -> None:
    """One side of one round, in this (new) process: print one JSON line."""
    if args.side == "setup":
        rxlog_setup(args.url, args.data)
        return
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = ChildPeaks()
    cpu0 = time.process_time()
    extra: dict = {}
    if args.side == "floor":
        elapsed = floor_import(args.url, sorted((args.data / "returns").rglob("*.csv")))
    else:
        elapsed, extra = rxlog_import(args.url, args.data, args.workers)
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    peaks = children.stop()
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "cpu": time.process_time() - cpu0 + kids.ru_utime + kids.ru_stime,
                "maxrss_kb": me.ru_maxrss,  # kB on Linux
                "baseline_kb": base,
                "children_kb": sorted(peaks.values(), reverse=True),
                **extra,
            }
        ),
        flush=True,
    )


def fresh_db(url: str | None, folder: Path, name: str) -> str:
    """A new, empty database for one side's round."""
    if url is None or url.startswith("sqlite"):
        path = folder / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    u = make_url(url)
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{u.database}"')
    admin.dispose()
    return url


def run_side(name: str, url: str, data: Path, workers: int | None) -> dict:
    if name == "rxlog":
        setup = [PY, str(Path(__file__).resolve()), "--side", "setup", "--url", url]
        subprocess.run([*setup, "--data", str(data)], check=True)
    cmd = [PY, str(Path(__file__).resolve()), "--side", name, "--url", url, "--data", str(data)]
    if workers is not None:
        cmd += ["--workers", str(workers)]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(f"{name} side failed ({res.returncode}): {res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def warm(data: Path) -> None:
    """Read every file once, so neither side's first round pays for the disk."""
    for p in (data / "returns").rglob("*"):
        if p.is_file():
            p.read_bytes()


def load_now() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (5 min {five:.1f}) on {os.cpu_count()} CPUs"


def mb(kb: float) -> str:
    return f"{kb / 1024:.0f} MB"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, help="output of gen_returns.py")
    ap.add_argument("--db", help="RxLog's store URL (default: a new SQLite file each round)")
    ap.add_argument("--floor-db", help="the floor's URL (default: SQLite; give a second "
                    "PostgreSQL database when --db is PostgreSQL)")  # fmt: skip
    ap.add_argument("--rounds", type=int, help="rounds of each side (default 3; --quick: 5)")
    ap.add_argument("--workers", type=int, help="RxLog's worker processes (default: its own)")
    ap.add_argument("--quick", action="store_true",
                    help="30 generated returns, 5 rounds, no report: seconds")  # fmt: skip
    ap.add_argument("--report", action="store_true", help="also re-import and build the report")
    ap.add_argument("--export", action="store_true", help="also time the CSV export")
    ap.add_argument("--keep", action="store_true", help="keep the temp folder")
    ap.add_argument("--side", choices=("rxlog", "floor", "setup"), help=argparse.SUPPRESS)
    ap.add_argument("--url", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.side:
        side(args)
        return
    if args.rounds is None:
        # Five for the check before stopping: with three, one slow second of the machine
        # moved the median by a sixth (1.40x, then 1.17x and 0.98x, minutes apart).
        args.rounds = 5 if args.quick else 3
    if args.db and not args.db.startswith("sqlite") and not args.floor_db:
        ap.error("--db PostgreSQL needs --floor-db (a second database on the same server)")
    work = Path(tempfile.mkdtemp(prefix="rxlog-central-bench-"))
    data = args.data
    if data is None:
        if not args.quick:
            ap.error("--data is required (or --quick, which makes its own returns)")
        from gen_returns import generate

        data = work / "data"
        generate(data, technicians=5, months=6, rows=2000)
    warm(data)
    n = len(list((data / "returns").rglob("*.manifest.json")))
    kind = "PostgreSQL" if args.db and not args.db.startswith("sqlite") else "SQLite"
    floor_kind = "COPY" if kind == "PostgreSQL" else "executemany"
    print(f"central import, {kind}: {n} returns from {data}; {load_now()}", flush=True)

    import_pair = Pair(f"import of {n} returns ({kind}; floor csv.reader + {floor_kind})")
    import_pair.target = 1.5 if kind == "PostgreSQL" else 1.2
    cpu_pair = Pair("  CPU of all its processes")
    mem: dict[str, list[dict]] = {"rxlog": [], "floor": []}
    for i in range(args.rounds):
        order = ("rxlog", "floor") if i % 2 == 0 else ("floor", "rxlog")
        for name in order:
            url = fresh_db(args.db if name == "rxlog" else args.floor_db, work, name)
            got = run_side(name, url, data, args.workers)
            (import_pair.rx if name == "rxlog" else import_pair.floor).append(got["seconds"])
            (cpu_pair.rx if name == "rxlog" else cpu_pair.floor).append(got["cpu"])
            mem[name].append(got)
            if name == "rxlog" and got.get("outcomes") != {"imported": n}:
                raise SystemExit(f"RxLog's import did not import every return: {got}")
        print(
            f"  round {i + 1}: RxLog {import_pair.rx[-1]:.2f} s, floor {import_pair.floor[-1]:.2f}"
            f" s; {load_now()}",
            flush=True,
        )
    ok = report([import_pair, cpu_pair])
    # Peak memory: each process's own peak, added up (a worker's and the main process's
    # peaks may not coincide, so this is an upper bound for RxLog).
    rx_peak = max(m["maxrss_kb"] + sum(m["children_kb"]) for m in mem["rxlog"])
    rx_main = max(m["maxrss_kb"] for m in mem["rxlog"])
    kids = max(mem["rxlog"], key=lambda m: sum(m["children_kb"]))["children_kb"]
    fl_peak = max(m["maxrss_kb"] + sum(m["children_kb"]) for m in mem["floor"])
    mem_ratio = rx_peak / fl_peak
    print(
        f"  peak memory (each process's peak resident set, added up): RxLog {mb(rx_peak)} "
        f"(main process {mb(rx_main)}, {len(kids)} worker process(es)"
        + (f" {', '.join(mb(k) for k in kids)}" if kids else "")
        + f"), floor {mb(fl_peak)}, ratio {mem_ratio:.2f}x  target <= 2x: "
        f"{'met' if mem_ratio <= 2 else 'NOT met'}"
    )
    print(f"  {load_now()}")
    if args.report or args.export:
        extras(args, data, work)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"kept {work}")
    if not ok:
        sys.exit(1)


def extras(args: argparse.Namespace, data: Path, work: Path) -> None:
    """A store imported once more (all resends), the report and the export over it."""
    from rxlog.central.importer import import_paths
    from rxlog.central.report_data import gather
    from rxlog.central.report_pdf import ReportOptions, write_report
    from rxlog.central.store import CentralStore
    from rxlog.central.trust import trust_key

    url = fresh_db(args.db, work, "report")
    store = CentralStore.open(url)
    for key in sorted((data / "keys").glob("*.pem")):
        trust_key(store, key, key.stem)
    import_paths(store, [data / "returns"])
    t0 = time.perf_counter()
    again = import_paths(store, [data / "returns"])
    print(f"re-import of the same {len(again)} returns (all resends): "
          f"{time.perf_counter() - t0:.1f} s")  # fmt: skip
    t0 = time.perf_counter()
    figures = gather(store)
    t_gather = time.perf_counter() - t0
    out = work / "report.pdf"
    write_report(figures, ReportOptions(out))
    print(
        f"report: figures {t_gather:.2f} s, PDF written {time.perf_counter() - t0:.2f} s in all "
        f"({out.stat().st_size:,} bytes)"
    )
    if args.export:
        from rxlog.central.export import ExportOptions, export_dataset

        t0 = time.perf_counter()
        res = export_dataset(store, ExportOptions(work / "export", xlsx=False))
        print(f"export (CSV, no XLSX): {res.entries:,} entries in {time.perf_counter() - t0:.1f} s")
    store.close()


if __name__ == "__main__":
    main()
