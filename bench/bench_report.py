"""Report benchmark: ``rxlog central report`` (PDF + JSON) beside its floor, alternating in
one run, on SQLite and on PostgreSQL.

RxLog's side is the lead's command end to end, a new process each round:
``python -m rxlog central --db URL report --out R.pdf --json R.json``. The floor, a new
process too, computes the same figures the plainest way, plain SQL ``GROUP BY``
aggregates over the store's entry table (and its return table) read with the database
driver (``sqlite3``, ``psycopg``), folds them in Python, writes them as JSON and as a
plain reportlab document of the same tables (docs/performance.md says what it leaves
out, and why). After a warm-up round the two JSON files are compared on the headline
figures: a floor that computes other figures measures nothing.

Usage:
  .venv/bin/python bench/gen_returns.py /tmp/cbench/data              # 1,000 returns
  .venv/bin/python bench/bench_report.py --data /tmp/cbench/data --store-dir /tmp/cbench/stores \\
      [--pg postgresql+psycopg://postgres@127.0.0.1:55432/x] [--rounds 3]
  .venv/bin/python bench/bench_report.py --quick [--pg URL]   # 30 small returns, a minute or two

The stores are imported once with RxLog's own import (not timed); ``--store-dir`` keeps
the SQLite file for the next run, and a PostgreSQL store (database ``rxlog_bench_report``
``_N`` for N returns on the ``--pg`` server) is kept too; either is imported only when it
does not hold the data's returns yet.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from floor import PY, Pair, report  # noqa: E402

PG_DATABASE = "rxlog_bench_report"
ROOT = HERE.parent


# -- the floor: plain SQL over the entry table, a plain reportlab document -------------
def _connect(url: str):  # noqa: ANN202 - a DB-API connection of either driver
    if url.startswith("sqlite"):
        import sqlite3

        return sqlite3.connect(url.split("///", 1)[1])
    import psycopg

    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))


def _taxonomy_codes() -> tuple[set[str], set[str]]:
    """The codes QS120 times (discharge: days; admission: minutes), from the taxonomy."""
    import tomllib

    tax = tomllib.loads(next((ROOT / "resources").glob("taxonomy-*.toml")).read_text("utf-8"))
    codes = tax.get("code", [])
    return ({c["code"] for c in codes if c.get("needs_discharge_date")},
            {c["code"] for c in codes if c.get("needs_admission_time")})  # fmt: skip


def _unit_costs() -> dict[str, dict[str, Decimal]]:
    """Pence per minute of each setting's basis, low and high figure (the lead's table)."""
    import tomllib

    t = tomllib.loads((ROOT / "resources" / "central-unit-costs.toml").read_text("utf-8"))
    figs = {f["key"]: 100 * Decimal(f["cost_gbp"]) / Decimal(f["minutes"]) for f in t["figure"]}
    return {s: {k: figs[v[k]] for k in ("basis", "low", "high")}
            for s, v in t.get("setting", {}).items()}  # fmt: skip


def _pence(minutes: int, per_minute: Decimal) -> int:
    return int((per_minute * minutes).quantize(Decimal(1), rounding=ROUND_HALF_UP))


CURRENT = (
    "FROM central_entry e JOIN central_return r ON r.id = e.return_pk WHERE r.state = 'current'"
)
IS_INT = (
    "CASE WHEN e.significance IS NOT NULL OR e.harm IS NOT NULL OR e.outcome IS NOT NULL "
    "THEN 1 ELSE 0 END"
)
WEEK = {
    "sqlite": "date(e.date, '-' || ((CAST(strftime('%w', e.date) AS INTEGER) + 6) % 7) || ' days')",
    "pg": "to_char(date_trunc('week', CAST(e.date AS date)), 'YYYY-MM-DD')",
}


def floor_queries(url: str) -> dict[str, list[tuple]]:
    """The figures' groups: four GROUP BYs over the entries, two over the returns."""
    con = _connect(url)
    dialect = "sqlite" if url.startswith("sqlite") else "pg"
    discharge, admission = _taxonomy_codes()
    qs = ", ".join(f"'{c}'" for c in sorted(discharge | admission))
    sql = {
        "activity": f"SELECT r.month, e.sector, e.site, e.site_kind, e.phase, e.code, e.category, "
        f'COUNT(*), SUM(e.minutes), SUM(COALESCE(e."count", 0)), SUM({IS_INT}), '
        f"SUM(COALESCE(e.released_minutes, 0)) {CURRENT} "
        "GROUP BY r.month, e.sector, e.site, e.site_kind, e.phase, e.code, e.category",
        "weekly": f"SELECT {WEEK[dialect]} AS week, e.category, SUM(e.minutes), SUM({IS_INT}), "
        f'SUM(COALESCE(e.released_minutes, 0)), SUM(COALESCE(e."count", 0)) {CURRENT} '
        "GROUP BY week, e.category",
        "grading": f"SELECT e.sector, e.significance, e.harm, e.outcome, COUNT(*), "
        f"SUM(COALESCE(e.released_minutes, 0)) {CURRENT} AND ({IS_INT}) = 1 "
        "GROUP BY e.sector, e.significance, e.harm, e.outcome",
        "qs120": f"SELECT e.sector, r.month, {WEEK[dialect]} AS week, e.qs120_days, "
        f'e.qs120_minutes, SUM(COALESCE(e."count", 1)) {CURRENT} AND e.code IN ({qs}) '
        "GROUP BY e.sector, r.month, week, e.qs120_days, e.qs120_minutes",
        "returns": "SELECT technician, gphc, month, version, rows, manifest_sha256, state "
        "FROM central_return ORDER BY month, gphc, version",
        "completeness": "SELECT gphc, month, COUNT(*) FROM central_return "
        "WHERE state = 'current' GROUP BY gphc, month",
    }
    try:
        cur = con.cursor()
        out = {}
        for name, q in sql.items():
            cur.execute(q)
            out[name] = [tuple(row) for row in cur.fetchall()]
        return out
    finally:
        con.close()


def _add(d: dict, key: object, vals: tuple) -> None:
    d[key] = [a + int(b or 0) for a, b in zip(d.get(key, [0] * len(vals)), vals, strict=True)]


def _limits(values: list[float]) -> dict[str, float]:
    """An XmR chart's centre and limits: mean +- 2.66 x the mean moving range."""
    if not values:
        return {}
    mean = sum(values) / len(values)
    mrs = [abs(b - a) for a, b in zip(values, values[1:], strict=False)]
    mr = sum(mrs) / len(mrs) if mrs else 0.0
    return {"mean": mean, "lower": mean - 2.66 * mr, "upper": mean + 2.66 * mr}


def _series(rows: list[tuple], qs: dict[str, list[int]]) -> dict[str, list[dict]]:
    """Per period (month or week): hours, patients reconciled, interventions, clinician
    hours released, QS120 % in time; rows are (period, category, minutes, ints, released,
    count)."""
    per: dict = {}
    for period, category, minutes, ints, released, count in rows:
        rec = count if category == "reconciliation" else 0
        _add(per, period, (minutes, ints, released, rec))
    points = []
    for period in sorted(per):
        minutes, ints, released, rec = per[period]
        timed, ok = qs.get(period, (0, 0))
        points.append({"period": period, "HOURS": minutes / 60, "REC": rec, "INT": ints,
                       "RELEASED": released / 60,
                       "QS120": 100 * ok / timed if timed else None})  # fmt: skip
    out = {}
    for m in ("HOURS", "REC", "INT", "RELEASED", "QS120"):
        vals = [p[m] for p in points if p[m] is not None]
        out[m] = [{**_limits(vals), "points": [(p["period"], p[m]) for p in points]}]
    return out


def _qs120(rows: list[tuple]) -> tuple[dict, dict, dict]:
    """Per sector: timed, in time, not recorded, bands; per month and week: timed, in time."""
    sectors: dict = {}
    months: dict = {}
    weeks: dict = {}
    for sector, month, week, days, minutes, n in rows:
        n = int(n)
        s = sectors.setdefault(sector, {"timed": 0, "in_time": 0, "not_recorded": 0, "bands": {}})
        if days is None and minutes is None:
            s["not_recorded"] += n
            continue
        ok = minutes <= 1440 if minutes is not None else days <= 7
        taken = -(-minutes // 1440) if minutes is not None else days
        band = "0-1" if taken <= 1 else "2-7" if taken <= 7 else "8-14" if taken <= 14 else "15+"
        s["timed"] += n
        s["in_time"] += n if ok else 0
        s["bands"][band] = s["bands"].get(band, 0) + n
        for d, k in ((months, month), (weeks, week)):
            _add(d, k, (n, n if ok else 0))
    return sectors, months, weeks


def floor_figures(q: dict[str, list[tuple]]) -> dict:
    """Every table's figures, folded from the groups."""
    tot: dict = {}
    for month, sector, site, kind, phase, code, category, *vals in q["activity"]:
        for key in (("all",), ("sector", sector), ("site", site, kind, sector),
                    ("category", category, sector), ("code", code), ("phase", phase),
                    ("sector_phase", sector, phase), ("phase_category", phase, category),
                    ("month", month)):  # fmt: skip
            _add(tot, key, tuple(vals))
    sig_harm: dict = {}
    outcome: dict = {}
    cost: dict = {}
    for sector, sig, harm, out, n, released in q["grading"]:
        _add(sig_harm, (sig, harm), (n,))
        _add(outcome, out, (n,))
        if sig != 1:  # Eadon 1 (detrimental) is never cost avoided
            _add(cost, (sector, out or "not recorded"), (n, released))
    rates = _unit_costs()
    for (sector, _), cell in cost.items():
        per = rates.get(sector)
        cell += [_pence(cell[1], per[k]) if per else 0 for k in ("basis", "low", "high")]
    qs_sectors, qs_months, qs_weeks = _qs120(q["qs120"])
    monthly = [(m, "reconciliation" if c == "reconciliation" else "", mi, i, rel, cnt)
               for m, _s, _si, _k, _p, _code, c, _n, mi, cnt, i, rel in q["activity"]]  # fmt: skip
    expected = {g for g, _m, _n in q["completeness"]}
    return {
        "totals": {" / ".join(map(str, k)): v for k, v in sorted(tot.items(), key=repr)},
        "significance_by_harm": {
            f"{s}/{h}": v[0] for (s, h), v in sorted(sig_harm.items(), key=repr)
        },  # noqa: E501
        "outcome": {str(k): v[0] for k, v in outcome.items()},
        "cost": {f"{s}/{o}": v for (s, o), v in sorted(cost.items(), key=repr)},
        "qs120": qs_sectors,
        "monthly": _series(monthly, qs_months),
        "weekly": _series(q["weekly"], qs_weeks),
        "completeness": {"technicians": len(expected), "received": len(q["completeness"])},
        "returns": [list(r) for r in q["returns"]],
    }


def floor_pdf(fig: dict, path: Path) -> None:
    """The same tables as a plain reportlab document: one table a figure set."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    styles = getSampleStyleSheet()
    grid = TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                       ("FONTSIZE", (0, 0), (-1, -1), 6)])  # fmt: skip
    story = []

    def table(title: str, rows: list[list]) -> None:
        story.append(Paragraph(title, styles["Heading2"]))
        story.append(Table([[str(c) for c in r] for r in rows], style=grid, repeatRows=1))

    table("Totals", [["group", "entries", "minutes", "count", "interventions", "released"],
                     *[[k, *v] for k, v in fig["totals"].items()]])  # fmt: skip
    table("Significance by harm", [["grade", "n"], *fig["significance_by_harm"].items()])
    table("Outcome", [["outcome", "n"], *fig["outcome"].items()])
    table("Cost avoided (pence)", [["sector/outcome", "n", "released", "basis", "low", "high"],
                                   *[[k, *v] for k, v in fig["cost"].items()]])  # fmt: skip
    table("QS120", [["sector", "timed", "in time", "not recorded", "bands"],
                    *[[s, v["timed"], v["in_time"], v["not_recorded"], v["bands"]]
                      for s, v in fig["qs120"].items()]])  # fmt: skip
    for period in ("monthly", "weekly"):
        for m, (s,) in fig[period].items():
            rows = [["period", "value"]]
            rows += [[p, "" if v is None else f"{v:.1f}"] for p, v in s["points"]]
            limits = (s.get(k, 0.0) for k in ("mean", "lower", "upper"))
            rows.append(["mean, limits", ", ".join(f"{v:.1f}" for v in limits)])
            table(f"{m} ({period})", rows)
    table("Returns", [["technician", "gphc", "month", "version", "rows", "manifest", "state"],
                      *fig["returns"]])  # fmt: skip
    SimpleDocTemplate(str(path), pagesize=A4).build(story)


def floor_main(url: str, out: Path) -> None:
    figures = floor_figures(floor_queries(url))
    (out / "floor.json").write_text(json.dumps(figures, default=str), encoding="utf-8")
    floor_pdf(figures, out / "floor.pdf")


# -- the run ---------------------------------------------------------------------------
def load_now() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (5 min {five:.1f}) on {os.cpu_count()} CPUs"


def _n_returns(data: Path) -> int:
    return len(list((data / "returns").rglob("*.manifest.json")))


def store_for(url: str, data: Path) -> None:
    """The store holding ``data``'s returns, imported with RxLog's own import once (kept)."""
    from rxlog.central.importer import import_paths
    from rxlog.central.store import CentralStore
    from rxlog.central.trust import trust_key

    store = CentralStore.open(url)
    try:
        with store.engine.connect() as conn:
            have = conn.exec_driver_sql("SELECT COUNT(*) FROM central_return").scalar()
        if have == _n_returns(data):
            return
        if have:
            raise SystemExit(f"{store.display_url} holds {have} returns, not this data's")
        for key in sorted((data / "keys").glob("*.pem")):
            trust_key(store, key, key.stem)
        t = time.perf_counter()
        results = import_paths(store, [data / "returns"])
        bad = [r for r in results if r.outcome != "imported"]
        if bad:
            raise SystemExit(f"import refused {len(bad)} returns: {bad[0]}")
        print(f"  imported {len(results)} returns into {store.display_url} "
              f"({time.perf_counter() - t:.0f} s, not timed)", flush=True)  # fmt: skip
    finally:
        store.close()


def pg_store_url(server: str, n: int, drop: bool = False) -> str:
    """The benchmark's database for ``n`` returns on ``server`` (created when missing and
    kept after, so the next run need not import again; ``drop``: dropped instead)."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    u = make_url(server)
    name = f"{PG_DATABASE}_{n}"
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if drop:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        elif not conn.exec_driver_sql(
            f"SELECT 1 FROM pg_database WHERE datname = '{name}'"
        ).first():
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return u.set(database=name).render_as_string(hide_password=False)


def _timed(cmd: list[str]) -> tuple[float, float]:
    """Wall time of one run of ``cmd`` and the CPU time (user + system) of its process
    (a PostgreSQL server's own CPU is not in it)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if res.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({res.returncode}): {res.stderr[-3000:]}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return elapsed, cpu


def check_same_figures(rx_json: Path, floor_json: Path) -> None:
    """The floor's headline figures must be RxLog's (else it measures other work)."""
    rx = json.loads(rx_json.read_text("utf-8"))
    fl = json.loads(floor_json.read_text("utf-8"))
    entries, minutes, _count, ints, released = fl["totals"]["all"]
    sp = rx["by_sector_phase"]
    pairs = {
        "entries": (sum(r["entries"] for r in sp), entries),
        "minutes": (sum(r["minutes"] for r in sp), minutes),
        "released minutes": (sum(r["released_minutes"] for r in sp), released),
        "interventions": (rx["interventions"]["total"], ints),
        "returns": (rx["completeness"]["received"], fl["completeness"]["received"]),
    }
    for sector in ("primary", "secondary"):
        q, f = rx["qs120"][sector], fl["qs120"].get(sector, {})
        for k in ("timed", "in_time", "not_recorded"):
            pairs[f"QS120 {sector} {k}"] = (q[k], f.get(k, 0))
    accepted = sum(v[2] for k, v in fl["cost"].items() if k.endswith("/accepted"))
    pairs["cost avoided, accepted (pence)"] = (round(float(rx["cost_avoided"]["accepted"]) * 100),
                                               accepted)  # fmt: skip
    wrong = {k: v for k, v in pairs.items() if v[0] != v[1]}
    if wrong:
        raise SystemExit(f"the floor's figures are not RxLog's (RxLog, floor): {wrong}")


def bench_backend(kind: str, url: str, data: Path, work: Path, rounds: int) -> list[Pair]:
    """The wall-time pair and the CPU-time pair (steadier on a loaded machine)."""
    n = _n_returns(data)
    store_for(url, data)
    out = work / kind
    out.mkdir(exist_ok=True)
    rx_cmd = [PY, "-m", "rxlog", "central", "--db", url, "report",
              "--out", str(out / "rxlog.pdf"), "--json", str(out / "rxlog.json")]  # fmt: skip
    fl_cmd = [PY, str(Path(__file__).resolve()), "--floor", url, str(out)]
    pair = Pair(f"central report, PDF + JSON, {n} returns ({kind}; floor GROUP BY + reportlab)")
    cpu = Pair("  CPU of the process (not the database server's)")
    _timed(rx_cmd)  # warm-up: caches, bytecode
    _timed(fl_cmd)
    check_same_figures(out / "rxlog.json", out / "floor.json")
    for i in range(rounds):
        order = ((pair.rx, cpu.rx, rx_cmd), (pair.floor, cpu.floor, fl_cmd))
        for wall, cpu_time, cmd in order if i % 2 == 0 else order[::-1]:
            w, c = _timed(cmd)
            wall.append(w)
            cpu_time.append(c)
        rx_s, fl_s = f"{pair.rx[-1]:.2f} s", f"{pair.floor[-1]:.2f} s"
        print(f"  {kind} round {i + 1}: RxLog {rx_s} (CPU {cpu.rx[-1]:.2f} s), floor {fl_s} "
              f"(CPU {cpu.floor[-1]:.2f} s); {load_now()}", flush=True)  # fmt: skip
    return [pair, cpu]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, help="output of gen_returns.py")
    ap.add_argument("--pg", metavar="URL", help="a PostgreSQL server (a throwaway one: "
                    "scripts/pg-test-server.sh); without it, SQLite only")  # fmt: skip
    ap.add_argument("--store-dir", type=Path, help="keep the SQLite store here between runs")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="30 small generated returns: seconds")
    ap.add_argument("--floor", nargs=2, metavar=("URL", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.floor:
        floor_main(args.floor[0], Path(args.floor[1]))
        return
    work = Path(tempfile.mkdtemp(prefix="rxlog-report-bench-"))
    try:
        data = args.data
        if data is None:
            if not args.quick:
                ap.error("--data is required (or --quick, which makes its own returns)")
            from gen_returns import generate

            data = work / "data"
            generate(data, technicians=5, months=6, rows=200)
        stores = args.store_dir or work
        stores.mkdir(parents=True, exist_ok=True)
        print(f"central report: {_n_returns(data)} returns from {data}; {load_now()}", flush=True)
        n = _n_returns(data)
        backends = [("SQLite", f"sqlite:///{stores / f'central-{n}.sqlite3'}")]
        if args.pg:
            backends.append(("PostgreSQL", pg_store_url(args.pg, n)))
        pairs = [
            p for kind, url in backends for p in bench_backend(kind, url, data, work, args.rounds)
        ]
        report(pairs)
        if args.pg and args.data is None:  # --quick's own returns: nothing to keep
            pg_store_url(args.pg, n, drop=True)
        if not args.pg:
            print("  PostgreSQL: not measured (give --pg URL)")
        print(f"  {load_now()}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
