"""The central store on PostgreSQL: the same code and migrations as SQLite.

These tests are PostgreSQL's own (one compares a PostgreSQL store with a SQLite one
built from the same returns); every other store test runs on both (``central_url``).
Each gets a fresh database on the server ``RXLOG_TEST_PG_URL`` names (tests/central_db.py):
skipped without it, failed under ``RXLOG_REQUIRE_PG=1`` (CI).
"""

from __future__ import annotations

import random

import pytest
from central_db import store_url
from conftest import bench_module

gen = bench_module("gen_returns")


@pytest.fixture
def pg_store(tmp_path):
    from rxlog.central.store import CentralStore

    with store_url("postgresql", tmp_path) as url:
        store = CentralStore.open(url)
        yield store
        store.close()


def _totals(store) -> tuple:
    from sqlalchemy import text

    with store.read() as conn:
        return tuple(
            conn.execute(
                text(
                    "SELECT COUNT(*), COALESCE(SUM(minutes), 0), "
                    "COALESCE(SUM(cost_avoided_pence), 0) FROM central_entry"
                )
            ).one()
        )


def test_postgres_store_follows_the_same_rules(pg_store, tmp_path):
    from rxlog.central.importer import import_paths
    from rxlog.central.report_data import gather
    from rxlog.central.status import status_matrix
    from rxlog.central.store import SCHEMA_HEAD
    from rxlog.central.trust import trust_key

    assert pg_store.engine.dialect.name == "postgresql" and pg_store.revision() == SCHEMA_HEAD
    insts = [gen.Installation.new(i) for i in (31, 32, 33)]
    for inst in insts:
        trust_key(pg_store, inst.write_key(tmp_path / f"{inst.gphc}.pem"), inst.name)
        for month in ("2026-09", "2026-10"):
            rows = gen.make_rows(inst, month, 1, 40, random.Random(f"{inst.gphc}{month}"), "pilot")
            gen.write_return(inst, month, rows, tmp_path / "in" / inst.gphc)
    results = import_paths(pg_store, [tmp_path / "in"], workers=1)
    assert [r.outcome for r in results] == ["imported"] * 6
    first = _totals(pg_store)
    assert first[0] == 240
    assert [r.outcome for r in import_paths(pg_store, [tmp_path / "in"])] == ["already present"] * 6
    assert _totals(pg_store) == first
    rows = gen.make_rows(insts[0], "2026-10", 2, 10, random.Random(1), "pilot")
    v2 = gen.write_return(insts[0], "2026-10", rows, tmp_path / "v2", 2, "late entries")
    [r] = import_paths(pg_store, [v2])
    assert r.outcome == "replaced" and _totals(pg_store)[0] == 240 - 40 + 10
    stranger = gen.Installation.new(34)
    rows = gen.make_rows(stranger, "2026-10", 1, 5, random.Random(2), "pilot")
    [r] = import_paths(pg_store, [gen.write_return(stranger, "2026-10", rows, tmp_path / "s")])
    assert r.outcome == "refused" and _totals(pg_store)[0] == 210
    data = gather(pg_store)
    assert data.total.entries == 210 and data.returns == 6
    assert len(status_matrix(pg_store).cells("reopened")) == 1


def test_postgres_roster_calendar_report_json_and_measures_feed(pg_store, tmp_path):
    """Issue 11's SQL (per-day series, cost per setting, roster, calendar, the BI feed)
    on PostgreSQL gives what it gives on SQLite."""
    from rxlog.central.export import ExportOptions, export_dataset
    from rxlog.central.importer import import_paths
    from rxlog.central.report_data import gather
    from rxlog.central.report_json import report_dict
    from rxlog.central.roster import calendar_set, roster_add
    from rxlog.central.store import CentralStore
    from rxlog.central.trust import trust_key

    lite = CentralStore.open(f"sqlite:///{tmp_path / 'lite.sqlite3'}")
    insts = [gen.Installation.new(i) for i in (41, 42)]
    for inst in insts:
        for st in (pg_store, lite):
            trust_key(st, inst.write_key(tmp_path / f"{inst.gphc}.pem"), inst.name)
        for month in ("2026-02", "2026-03", "2026-04"):
            rows = gen.make_rows(inst, month, 1, 40, random.Random(f"{inst.gphc}{month}"), "pilot")
            gen.write_return(inst, month, rows, tmp_path / "in" / inst.gphc)
    for st in (pg_store, lite):
        assert all(r.outcome == "imported" for r in import_paths(st, [tmp_path / "in"]))
        roster_add(st, insts[0].gphc, "A", "2026-01-01")
        roster_add(st, "5100099", "Nobody Yet", "2026-02-01")
        calendar_set(st, ("2026-01-01", "2026-02-28"), ("2026-03-01", "2026-12-31"))
    on_pg, on_lite = report_dict(gather(pg_store)), report_dict(gather(lite))
    for d in (on_pg, on_lite):
        d.pop("generated_at")
    assert on_pg == on_lite
    assert {"gphc": "5100099", "month": "2026-02"} in on_pg["completeness"]["missing"]
    for st, name in ((pg_store, "pg"), (lite, "lite")):
        export_dataset(st, ExportOptions(tmp_path / name, xlsx=False))
    feed = [(tmp_path / n / "rxlog-central-measures.csv").read_bytes() for n in ("pg", "lite")]
    assert feed[0] == feed[1]
    lite.close()
