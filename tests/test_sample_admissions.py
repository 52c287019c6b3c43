"""The sample data (``rxlog demo`` and ``bench/gen_returns.py``) times most admission
reconciliations the way a hospital's are: most within 24 hours of admission, some later,
some not recorded, all from the seed; so the lead's report shows acute QS120 figures in
demos and benchmarks (issue 11, item 2)."""

from __future__ import annotations

import json
import random
from datetime import date, datetime

import pytest
from central_db import central_url  # noqa: F401  (fixture: SQLite and PostgreSQL)
from conftest import run_cli, run_rxlog

from rxlog.demo import fill_demo
from rxlog.entry_rules import qs120_minutes
from rxlog.service import RxLog


def _demo(path, **kwargs):
    app = RxLog.open(path, today=lambda: date(2026, 11, 30))
    try:
        fill_demo(app, months=2, end_month="2026-11", **kwargs)
        return app.list_entries()
    finally:
        app.close()


def _waits(entries):
    recs = [e for e in entries if e.code == "REC-ADM"]
    return [qs120_minutes(e.date, e.time, e.admitted) for e in recs]


def test_the_demo_times_most_admission_reconciliations_from_its_seed(tmp_path):
    entries = _demo(tmp_path / "a")
    waits = _waits(entries)
    timed = [w for w in waits if w is not None]
    assert len(waits) > 40
    assert 0.05 * len(waits) < len(waits) - len(timed) < 0.3 * len(waits)  # some missing
    within = sum(w <= 24 * 60 for w in timed)
    assert within > len(timed) - within > 0  # most within 24 hours, some later
    for e in entries:
        if e.admitted is not None:
            assert e.code == "REC-ADM" and e.time is not None
            assert e.admitted < datetime.combine(e.date, e.time)
            assert e.date < date(2026, 11, 30)  # never on "today", whose time may be ahead
    # The same seed: the same admissions; without them, every other entry as it was.
    again = _demo(tmp_path / "b")
    assert [(e.id, e.admitted, e.time) for e in again] == [
        (e.id, e.admitted, e.time) for e in entries
    ]
    plain = _demo(tmp_path / "c", admission_times=False)
    assert _waits(plain) == [None] * len(waits)
    fields = ("id", "date", "code", "minutes", "count", "significance", "discharge_received")
    assert [tuple(getattr(e, f) for f in fields) for e in plain] == [
        tuple(getattr(e, f) for f in fields) for e in entries
    ]
    other = RxLog.open(tmp_path / "d", today=lambda: date(2026, 11, 30))
    fill_demo(other, months=2, end_month="2026-11", seed=7)
    assert _waits(other.list_entries()) != waits
    other.close()


@pytest.fixture(scope="module")
def demo_month(tmp_path_factory: pytest.TempPathFactory):
    """The demo's November, exported for real, and its key (made once for both stores)."""
    tmp = tmp_path_factory.mktemp("demo")
    data, out = tmp / "data", tmp / "out"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RXLOG_TODAY", "2026-12-01")
        assert run_cli(data, "demo", "--months", "1", "--end", "2026-11").code == 0
        r = run_cli(data, "export", "2026-11", "--out", str(out))
        assert r.code == 0, r.err
        assert run_cli(data, "key", "export", str(tmp / "demo.pem")).code == 0
    return out, tmp / "demo.pem"


@pytest.mark.slow
def test_the_demo_month_gives_the_report_acute_qs120_figures(
    tmp_path,
    monkeypatch,
    demo_month,
    central_url,  # noqa: F811
):
    """Demo, the technician's real export, the lead's import and report (on SQLite and
    PostgreSQL): hospital QS120 is timed (it read 0 timed before the demo wrote
    admission times)."""
    monkeypatch.setenv("RXLOG_TODAY", "2026-12-01")
    out, pem = demo_month
    central = ("central", "--db", central_url)
    assert run_rxlog(*central, "trust", str(pem), "--name", "Demo").code == 0
    assert run_rxlog(*central, "import", str(out)).code == 0
    js = tmp_path / "r.json"
    r = run_rxlog(*central, "report", "--out", str(tmp_path / "r.pdf"), "--json", str(js))
    assert r.code == 0, r.err
    acute = json.loads(js.read_text("utf-8"))["qs120"]["secondary"]
    assert acute["timed"] > acute["in_time"] > 0 and acute["not_recorded"] > 0


def test_gen_returns_times_most_admission_reconciliations_from_the_seed(gen_returns):
    inst = gen_returns.Installation.new(1)
    rows = gen_returns.make_rows(inst, "2026-10", 1, 2000, random.Random("s"), "pilot")
    adm = [r for r in rows if r["code"] == "REC-ADM"]
    assert all(r["qs120_minutes"] is None for r in rows if r["code"] != "REC-ADM")
    waits = [r["qs120_minutes"] for r in adm if r["qs120_minutes"] is not None]
    assert 0.05 * len(adm) < len(adm) - len(waits) < 0.3 * len(adm)
    within = sum(w <= 24 * 60 for w in waits)
    assert within > len(waits) - within > 0
    again = gen_returns.make_rows(inst, "2026-10", 1, 2000, random.Random("s"), "pilot")
    assert again == rows
