"""The report benchmark's floor (bench/bench_report.py) computes the report's own figures
with plain SQL, on SQLite and on PostgreSQL: a floor that computed other figures would
measure other work. No time is measured here (speed lives in bench/)."""

from __future__ import annotations

import json

import pytest
from central_db import central_url  # noqa: F401  (fixture: SQLite and PostgreSQL)
from conftest import bench_module


@pytest.mark.slow
def test_the_floor_computes_the_reports_figures(tmp_path, central_url, gen_returns):  # noqa: F811
    from rxlog.central.importer import import_paths
    from rxlog.central.report_data import gather
    from rxlog.central.report_json import report_dict
    from rxlog.central.store import CentralStore
    from rxlog.central.trust import trust_key

    bench = bench_module("bench_report")
    data = tmp_path / "data"
    gen_returns.generate(data, technicians=3, months=3, rows=150)
    store = CentralStore.open(central_url)
    try:
        for key in sorted((data / "keys").glob("*.pem")):
            trust_key(store, key, key.stem)
        assert all(r.outcome == "imported" for r in import_paths(store, [data / "returns"]))
        (tmp_path / "rxlog.json").write_text(json.dumps(report_dict(gather(store))), "utf-8")
    finally:
        store.close()
    bench.floor_main(central_url, tmp_path)
    floor = json.loads((tmp_path / "floor.json").read_text("utf-8"))
    assert floor["qs120"]["secondary"]["timed"] > 0  # acute QS120 is timed (gen_returns)
    assert (tmp_path / "floor.pdf").read_bytes().startswith(b"%PDF")
    bench.check_same_figures(tmp_path / "rxlog.json", tmp_path / "floor.json")
    # ... and the check has teeth: one figure off is caught.
    floor["totals"]["all"][1] += 1
    (tmp_path / "floor.json").write_text(json.dumps(floor), "utf-8")
    with pytest.raises(SystemExit, match="minutes"):
        bench.check_same_figures(tmp_path / "rxlog.json", tmp_path / "floor.json")
