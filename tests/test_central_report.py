"""The evidence report: figures aggregated in SQL agree with the returns' CSVs, retired
codes roll up through replaced_by, small numbers are suppressed, XmR limits are right,
and the PDF carries every section (its text read back)."""

from __future__ import annotations

import csv
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from central_db import central_url  # noqa: F401  (fixture: SQLite and PostgreSQL)
from conftest import bench_module
from pdftext import pdf_page_count, pdf_text

from rxlog.central import spc
from rxlog.central.importer import import_paths
from rxlog.central.report_data import gather
from rxlog.central.report_pdf import ReportOptions, sup, write_report
from rxlog.central.store import CentralStore
from rxlog.central.trust import trust_key
from rxlog.errors import ValidationError

ROOT = Path(__file__).resolve().parent.parent
gen = bench_module("gen_returns")

MONTHS = gen.months_from("2025-12", 12)


# -- XmR (the rules themselves: tests/test_spc_mdc.py) ----------------------------------
def test_xmr_limits_are_mean_plus_minus_2_66_mean_moving_range():
    values = [12.0, 15, 11, 14, 13, 16, 12, 14]
    ch = spc.spc([str(i) for i in range(8)], values)
    mean = sum(values) / 8
    mr = sum(abs(values[i] - values[i - 1]) for i in range(1, 8)) / 7
    assert ch.phases[0].mean == pytest.approx(mean)
    assert ch.phases[0].mr_mean == pytest.approx(mr)
    assert ch.points[0].upper == pytest.approx(mean + 2.66 * mr)
    assert ch.points[0].lower == pytest.approx(mean - 2.66 * mr)
    assert not any(p.special_cause for p in ch.points) and ch.trial
    assert spc.spc([], []).points == []


def test_small_counts_are_suppressed():
    assert [sup(n) for n in (0, 1, 4, 5, 1234)] == ["0", "<5", "<5", "5", "1,234"]


# -- a realistic store ------------------------------------------------------------------
@pytest.fixture
def resources(tmp_path, monkeypatch):
    """Shipped resources plus a taxonomy 2026.2 that retires REP-HOUSE for REP-MGMT."""
    res = tmp_path / "resources"
    shutil.copytree(ROOT / "resources", res)
    text = (res / "taxonomy-2026.1.toml").read_text(encoding="utf-8")
    text = text.replace('version = "2026.1"', 'version = "2026.2"').replace(
        'code = "REP-HOUSE"\n',
        'code = "REP-HOUSE"\nretired_in = "2026.2"\nreplaced_by = "REP-MGMT"\n',
    )
    (res / "taxonomy-2026.2.toml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("RXLOG_RESOURCES", str(res))
    return res


@pytest.fixture
def store(tmp_path, resources, central_url):  # noqa: F811
    """4 technicians x 12 months; one missing month, one reopened, old codes in one month
    (on SQLite and on PostgreSQL)."""
    st = CentralStore.open(central_url)
    inbox = tmp_path / "inbox"
    for t in (1, 2, 3, 4):
        inst = gen.Installation.new(t)
        trust_key(st, inst.write_key(tmp_path / f"{t}.pem"), inst.name)
        for i, month in enumerate(MONTHS):
            if (t, month) == (3, "2026-05"):
                continue
            rng = random.Random(f"{t}-{month}")
            rows = gen.make_rows(
                inst, month, 1, 120 + 10 * t, rng, "baseline" if i < 2 else "pilot"
            )
            if t == 1 and i == 3:  # outcome recorded but not graded (e.g. a cost switch)
                for r in [r for r in rows if r["significance"] is not None][:6]:
                    r.update(significance=None, significance_scale=None, harm=None,
                             harm_scale=None)  # fmt: skip
            if (t, month) == (2, "2026-02"):
                for r in rows[:30]:  # logged before the taxonomy update retired REP-HOUSE
                    plain = r["outcome"] is None and r["significance"] is None
                    if r["sector"] == "primary" and plain and r["qs120_days"] is None:
                        r.update(code="REP-HOUSE", taxonomy_version="2026.1", category="repeat",
                                 count=r["count"] or 1, count_unit="patients")  # fmt: skip
            gen.write_return(inst, month, rows, inbox / inst.gphc)
    inst = gen.Installation.new(4)
    rows = gen.make_rows(inst, "2026-03", 2, 150, random.Random(7), "pilot")
    gen.write_return(
        inst, "2026-03", rows, inbox / "v2", 2, "two days logged against the wrong site"
    )
    results = import_paths(st, [inbox], workers=1)
    assert all(r.outcome in ("imported", "replaced") for r in results), [
        r.message for r in results if r.outcome not in ("imported", "replaced")
    ]
    yield st, inbox
    st.close()


def _csv_rows(inbox: Path) -> list[dict[str, str]]:
    """Rows of the current version of every return, read straight from the CSV files."""
    rows = []
    for path in sorted(inbox.rglob("*.csv")):
        if path.parent.name != "v2" and "5100004_2026-03" in path.name:
            continue
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows.extend(csv.DictReader(fh))
    by_return: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        by_return.setdefault(r["return_id"], []).append(r)
    for rid, rs in by_return.items():  # keep only the newest version of each return
        newest = max(int(r["version"]) for r in rs)
        by_return[rid] = [r for r in rs if int(r["version"]) == newest]
    return [r for rs in by_return.values() for r in rs]


@pytest.mark.slow
def test_report_figures_agree_with_the_csvs_and_roll_up_retired_codes(store):
    st, inbox = store
    data = gather(st)
    rows = _csv_rows(inbox)
    assert data.returns == 4 * 12 - 1
    assert data.total.entries == len(rows)
    assert data.total.minutes == sum(int(r["minutes"]) for r in rows)
    assert data.total.released_minutes == sum(int(r["released_minutes"] or 0) for r in rows)
    assert data.total.interventions == sum(1 for r in rows if r["significance"] or r["outcome"])
    assert data.graded == sum(1 for r in rows if r["significance"]) < data.total.interventions
    pence = sum(round(float(r["cost_avoided"]) * 100) for r in rows if r["cost_avoided"])
    assert data.total.cost_pence == pence
    old = sum(1 for r in rows if r["code"] == "REP-HOUSE")
    mgmt = sum(1 for r in rows if r["code"] in ("REP-HOUSE", "REP-MGMT"))
    assert old > 0 and "REP-HOUSE" not in data.by_code
    assert data.by_code["REP-MGMT"].entries == mgmt
    assert data.rolled_up == {("REP-HOUSE", "REP-MGMT"): old}
    assert [m for m, _ in data.mixed_taxonomy] == ["2026-02"]
    assert data.missing == [("Technician 003", "5100003", "2026-05")]
    assert [(r["technician"], r["version"]) for r in data.reopened] == [("Technician 004", 2)]
    assert set(data.by_phase) == {"baseline", "pilot"}
    monthly = {}
    for r in rows:
        monthly[r["date"][:7]] = monthly.get(r["date"][:7], 0) + int(r["minutes"])
    hours = next(s for s in data.series if s.key == "HOURS_M").chart
    assert hours.labels == [f"{m}-01" for m in MONTHS]
    assert hours.values == pytest.approx([monthly[m] / 60 for m in MONTHS])


@pytest.mark.slow
def test_the_pdf_has_every_section_and_suppresses_small_numbers(store, tmp_path):
    st, _ = store
    out = write_report(gather(st), ReportOptions(tmp_path / "report.pdf"))
    text = pdf_text(str(out), layout=True)
    for heading in (
        "Activity mix by sector and site",
        "Baseline against pilot phase",
        "Interventions by significance and harm",
        "Clinician time released and cost avoided",
        "NICE QS120",
        "Run charts (statistical process control)",
        "Weekly points",
        "Data quality",
        "Missing returns",
        "Reopened months",
        "Mixed taxonomy versions",
        "Retired codes rolled up",
    ):
        assert heading in text, heading
    assert "two days logged against the wrong site" in text
    assert "REP-HOUSE" in text and "<5" in text
    assert "PSSRU" in text  # the unit-cost basis cites its published source
    assert "2026.1" in text  # unit-cost table version
    assert pdf_page_count(out) >= 4
    if shutil.which("pdftoppm"):  # poppler renders every page (Linux; Windows has no poppler)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "50", str(out), str(tmp_path / "page")],
            capture_output=True,
            check=True,
        )
        assert len(list(tmp_path.glob("page-*.png"))) == pdf_page_count(out)


def test_report_period_filters_months_and_checks_them(store, tmp_path):
    st, _ = store
    data = gather(st, "2026-01", "2026-03")
    assert data.months == ["2026-01", "2026-02", "2026-03"] and data.returns == 12
    with pytest.raises(ValidationError, match="after"):
        gather(st, "2026-05", "2026-01")
    with pytest.raises(ValidationError, match="not a month"):
        gather(st, "2026-13")


def test_an_empty_store_gives_a_short_report(tmp_path, resources):
    st = CentralStore.open(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    out = write_report(gather(st), ReportOptions(tmp_path / "empty.pdf"))
    text = pdf_text(str(out))
    assert "No returns have been imported" in text
    st.close()


# -- cost avoided (the lead's table, per setting; the table itself: test_central_costs.py)
def money_pdf(pence: int) -> str:
    return f"£{pence // 100:,}.{pence % 100:02d}"


def money_of(pence: int) -> str:
    return f"{pence // 100}.{pence % 100:02d}"


def _per_minute(cost: str, minutes: str):
    from decimal import Decimal

    return Decimal(cost) / Decimal(minutes)


def _pence(minutes: int, per_minute) -> int:
    from decimal import ROUND_HALF_UP, Decimal

    return int((per_minute * minutes * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


# The shipped table's figures as the PSSRU/CHE Unit Costs of Health and Social Care 2024
# Manual prints them (2023/24 prices): Table 9.4.2, a GP surgery consultation lasting 10
# minutes, GBP 33 to 45; Table 11.3.2, a hospital doctor's cost per working hour, FY1
# GBP 33 to registrar with qualifications GBP 79.
SHIPPED = {
    "primary": (_per_minute("33", "10"), _per_minute("45", "10")),
    "secondary": (_per_minute("33", "60"), _per_minute("79", "60")),
}


@pytest.mark.slow
def test_cost_avoided_counts_accepted_only_per_setting_and_never_eadon_1(store):
    st, inbox = store
    data = gather(st)
    rows = _csv_rows(inbox)
    c = data.cost
    assert c is not None and c.table.report_price_year == "2023/24"

    def minutes(sector, outcome):
        return sum(
            int(r["released_minutes"] or 0)
            for r in rows
            if r["sector"] == sector and r["outcome"] == outcome and r["significance"] != "1"
        )

    for sector, (low, high) in SHIPPED.items():
        for outcome in ("accepted", "declined", "pending"):
            m = minutes(sector, outcome)
            assert m > 0
            cell = c.cells[(sector, outcome)]
            assert cell.minutes == m
            # basis is the lower bound: the cautious headline
            assert (cell.basis, cell.low, cell.high) == (_pence(m, low), _pence(m, low),
                                                        _pence(m, high))  # fmt: skip
    accepted = {s: minutes(s, "accepted") for s in SHIPPED}
    assert c.total("accepted") == sum(_pence(accepted[s], SHIPPED[s][0]) for s in SHIPPED)
    assert c.total("accepted", "high") == sum(_pence(accepted[s], SHIPPED[s][1]) for s in SHIPPED)
    assert c.total("accepted", sector="secondary") == _pence(
        accepted["secondary"], SHIPPED["secondary"][0]
    )
    assert c.unvalued_sectors() == []
    detrimental = [r for r in rows if r["significance"] == "1"]
    assert detrimental and c.detrimental == len(detrimental)
    assert c.detrimental_minutes == sum(int(r["released_minutes"] or 0) for r in detrimental)


@pytest.mark.slow
def test_a_figure_at_an_earlier_price_year_is_inflated_in_the_report(store, resources, tmp_path):
    """The shipped table with its registrar figure set at 2021/22 prices (a test change):
    the report inflates that figure only, by the NHSCII steps 2021/22 to 2023/24 (7.32 %
    and 4.31 %, as the shipped rows cite them), and says so in the PDF and the JSON."""
    import json

    from rxlog.central.findings import key_findings
    from rxlog.central.report_json import report_dict

    st, inbox = store
    path = resources / "central-unit-costs.toml"
    text = path.read_text("utf-8")
    at = text.index('key = "hospital-registrar-quals-2023-24"')
    text = text[:at] + text[at:].replace('price_year = "2023/24"', 'price_year = "2021/22"', 1)
    path.write_text(text, encoding="utf-8")
    data = gather(st)
    c = data.cost
    m = sum(
        int(r["released_minutes"] or 0)
        for r in _csv_rows(inbox)
        if r["sector"] == "secondary" and r["outcome"] == "accepted" and r["significance"] != "1"
    )
    from decimal import Decimal

    high = _per_minute("79", "60") * Decimal("1.0732") * Decimal("1.0431")
    cell = c.cells[("secondary", "accepted")]
    assert cell.high == _pence(m, high) and cell.basis == _pence(m, SHIPPED["secondary"][0])
    assert c.cells[("primary", "accepted")].high == _pence(
        c.cells[("primary", "accepted")].minutes, SHIPPED["primary"][1]
    )
    flat = " ".join(pdf_text(str(write_report(data, ReportOptions(tmp_path / "r.pdf")))).split())
    assert "inflated to 2023/24 prices with: 2021/22→2022/23 +7.32%" in flat
    assert "2022/23→2023/24 +4.31%" in flat and "£88.44" in flat  # 79 x 1.119455 = 88.437
    doc = json.loads(json.dumps(report_dict(data)))["cost_avoided"]
    assert [(x["from"], x["to"], x["percent"]) for x in doc["inflation"]] == [
        ("2021/22", "2022/23", "7.32"),
        ("2022/23", "2023/24", "4.31"),
    ]
    reg = next(u for u in doc["unit_costs"] if u["key"] == "hospital-registrar-quals-2023-24")
    assert (reg["price_year"], reg["per_hour"]) == ("2021/22", "88.44")
    assert any("inflated with the cited index (2021/22 to 2023/24)" in x
               for x in key_findings(data)[1])  # fmt: skip


@pytest.mark.slow
def test_a_table_without_a_hospital_figure_leaves_secondary_not_valued(
    store, resources, tmp_path, capsys
):
    """A lead's table with no [setting.secondary]: hospital minutes are never priced at the
    GP rate, and the report and caveats say which section of which file to fill."""
    st, _ = store
    path = resources / "central-unit-costs.toml"
    text = path.read_text("utf-8")
    cut = text.index("[setting.secondary]")
    path.write_text(text[:cut] + text[text.index("[[figure]]", cut) :], encoding="utf-8")
    data = gather(st)
    c = data.cost
    assert c is not None and c.unvalued_sectors() == ["secondary"]
    assert all(cell.basis is None for (s, _), cell in c.cells.items() if s == "secondary")
    assert c.total("accepted", sector="secondary") is None
    assert c.total("accepted") == c.total("accepted", sector="primary") is not None
    from rxlog.central.findings import key_findings

    assert any("secondary care is not valued" in x for x in key_findings(data)[1])
    out = write_report(data, ReportOptions(tmp_path / "r.pdf"))
    flat = " ".join(pdf_text(str(out)).split())
    assert "not valued" in flat and "[setting.secondary] in central-unit-costs.toml" in flat
    from rxlog.cli import main as cli_main

    url = st.engine.url.render_as_string(hide_password=False)
    capsys.readouterr()
    assert cli_main(["central", "--db", url, "report", "--out", str(tmp_path / "c.pdf")]) == 0
    err = capsys.readouterr().err
    assert "secondary care is not valued" in err and "[setting.secondary]" in err
    assert str(path) in err and "primary care" not in err


@pytest.mark.slow
def test_interventions_graded_agree_with_the_manifests_and_shares_add_up(store, tmp_path):
    import json

    st, inbox = store
    data = gather(st)
    manifests = [
        json.loads(p.read_text("utf-8"))["manifest"] for p in inbox.rglob("*.manifest.json")
    ]
    current = {}
    for mf in manifests:
        rid = mf["return_id"]
        if rid not in current or mf["version"] > current[rid]["version"]:
            current[rid] = mf
    assert data.graded == sum(mf["totals"]["interventions"] for mf in current.values())
    rows = _csv_rows(inbox)
    assert data.total.interventions == sum(
        1 for r in rows if r["significance"] or r["harm"] or r["outcome"]
    )
    out = write_report(data, ReportOptions(tmp_path / "r.pdf"))
    text = pdf_text(str(out), layout=True)
    assert f"{data.graded:,} of them were graded for significance" in text
    assert "Not graded" in text and "Not recorded" in text
    assert "never counted as cost avoided" in text
    assert "Table 11.3.2" in " ".join(text.split())  # the hospital figure's source
    assert "none is inflated" in " ".join(text.split())


@pytest.mark.slow
def test_run_charts_rates_weekly_and_monthly_rebased_at_the_pilot(store):
    from datetime import date, timedelta

    from rxlog.central.report_data import MEASURES

    st, inbox = store
    data = gather(st)
    rows = _csv_rows(inbox)
    keys = {s.key for s in data.series}
    assert keys == {f"{m[0]}_{p}" for m in MEASURES for p in "MW"} - (
        set() if any(r["qs120_days"] for r in rows) else {"QS120_M", "QS120_W"}
    )
    by = {s.key: s for s in data.series}
    monthly = by["INT_RATE_M"].chart
    assert [p.phase for p in monthly.points] == ["baseline"] * 2 + ["pilot"] * 10
    assert [ph.n for ph in monthly.phases] == [2, 10] and monthly.trial
    assert by["HOURS_M"].direction == "neutral" and by["INT_RATE_M"].direction == "increase"
    assert by["QS120_M"].target == 100.0

    def week(d: str) -> str:
        day = date.fromisoformat(d)
        return (day - timedelta(days=day.weekday())).isoformat()

    mins, ints, released = {}, {}, {}
    for r in rows:
        w = week(r["date"])
        mins[w] = mins.get(w, 0) + int(r["minutes"])
        ints[w] = ints.get(w, 0) + (1 if r["significance"] or r["outcome"] else 0)
        released[w] = released.get(w, 0) + int(r["released_minutes"] or 0)
    weekly = by["INT_RATE_W"].chart
    assert weekly.labels == sorted(mins)
    assert weekly.values == pytest.approx([ints[w] * 6000 / mins[w] for w in sorted(mins)])
    rel = by["RELEASED_RATE_W"].chart
    assert rel.values == pytest.approx([released[w] * 100 / mins[w] for w in sorted(mins)])
    # Rebased once, at the first week logged mostly in the pilot phase.
    phases = [p.phase for p in weekly.points]
    first_pilot = phases.index("pilot")
    assert set(phases[:first_pilot]) == {"baseline"} and set(phases[first_pilot:]) == {"pilot"}
    assert len(weekly.phases) == 2 and not weekly.phases[1].trial


@pytest.mark.slow
def test_report_json_has_every_figure_in_the_issue_shape(store, tmp_path):
    import json
    import re

    from rxlog.cli import main as cli_main

    st, inbox = store
    url = st.engine.url.render_as_string(hide_password=False)  # the store fixture's
    out, js = tmp_path / "r.pdf", tmp_path / "r.json"
    assert cli_main(["central", "--db", url, "report", "--out", str(out), "--json", str(js)]) == 0
    doc = json.loads(js.read_text("utf-8"))
    data = gather(st)
    rows = _csv_rows(inbox)
    assert set(doc) >= {"completeness", "interventions", "cost_avoided", "qs120", "spc"}
    comp = doc["completeness"]
    assert (comp["expected"], comp["received"]) == (48, 47)
    assert comp["missing"] == [{"gphc": "5100003", "month": "2026-05"}]
    ints = doc["interventions"]
    assert ints["total"] == sum(1 for r in rows if r["significance"] or r["outcome"])
    assert ints["graded"] == sum(1 for r in rows if r["significance"])
    for o in ("accepted", "declined", "pending"):
        assert ints["by_outcome"][o] == sum(1 for r in rows if r["outcome"] == o)
    cost = doc["cost_avoided"]
    assert set(cost) >= {"accepted", "declined", "pending", "low", "high", "price_year"}
    for key in ("accepted", "declined", "pending", "low", "high"):
        assert re.fullmatch(r"\d+\.\d\d", cost[key]), cost[key]
    pence = data.cost.total("accepted")
    assert cost["accepted"] == f"{pence // 100}.{pence % 100:02d}"
    assert cost["price_year"] == "2023/24" and cost["not_valued_sectors"] == []
    sectors = {(x["sector"], x["outcome"]): x for x in cost["by_sector"]}
    assert cost["accepted"] == money_of(
        sum(int(sectors[(s, "accepted")]["cost"].replace(".", "")) for s in SHIPPED)
    )
    assert {u["sector"] for u in cost["unit_costs"]} == {"primary", "secondary"}
    assert all(u["price_year"] == "2023/24" and u["source"] for u in cost["unit_costs"])
    assert cost["inflation"] == []  # every shipped figure is at the report's price year
    for sector in ("primary", "secondary"):
        q = doc["qs120"][sector]
        assert set(q) == {"timed", "in_time", "not_recorded"}
        # per patient: an entry counts its count (issue 11, item 2); a discharge
        # reconciliation is timed in days (7), an admission one in minutes (24 hours)
        timed = [
            r for r in rows if r["sector"] == sector and (r["qs120_days"] or r["qs120_minutes"])
        ]
        assert q["timed"] == sum(int(r["count"] or 1) for r in timed)

        def in_time(r):
            if r["qs120_minutes"]:
                return int(r["qs120_minutes"]) <= 1440
            return int(r["qs120_days"]) <= 7

        assert q["in_time"] == sum(int(r["count"] or 1) for r in timed if in_time(r))
    # gen_returns times most admission reconciliations, some late, and leaves some out
    untimed = sum(
        int(r["count"] or 1) for r in rows if r["code"] == "REC-ADM" and not r["qs120_minutes"]
    )
    assert doc["qs120"]["secondary"]["not_recorded"] == untimed > 0
    assert doc["qs120"]["secondary"]["timed"] > doc["qs120"]["secondary"]["in_time"] > 0
    assert {s["measure"] for s in doc["spc"]} == {s.key for s in data.series}
    for s in doc["spc"]:
        assert s["direction"] in ("increase", "decrease", "neutral") and s["title"]
        for p in s["points"]:
            assert set(p) >= {"period", "value", "phase", "mean", "lower", "upper",
                              "special_cause"}  # fmt: skip
            assert re.fullmatch(r"\d{4}-\d\d-\d\d", p["period"]) and p["phase"] in (
                "baseline",
                "pilot",
            )
    hours = next(s for s in doc["spc"] if s["measure"] == "HOURS_M")
    assert [p["period"] for p in hours["points"]] == [f"{m}-01" for m in MONTHS]
    # A bad --json name is refused (exit 2) before anything is written.
    bad = tmp_path / "x.txt"
    assert cli_main(["central", "--db", url, "report", "--out", str(out), "--json", str(bad)]) == 2
    assert not bad.exists()


@pytest.mark.slow
def test_no_small_number_in_the_printed_significance_by_harm_table_can_be_recovered(
    store, tmp_path
):
    """Reads the table back from the PDF and lets the attacker of test_suppression try."""
    import re

    from test_suppression import recovered

    from rxlog.central.suppression import PRIMARY, SECONDARY

    st, _ = store
    out = write_report(gather(st), ReportOptions(tmp_path / "r.pdf"))
    text = pdf_text(str(out), layout=True)
    block = text[text.index("Significance by harm") : text.index("Outcome of interventions")]
    table = []
    for line in block.splitlines():
        m = re.match(r"\s*([1-6]|Not graded|All)\s{2,}(.*)$", line)
        if m:
            table.append(m.group(2).split())
    assert [len(r) for r in table] == [len(table[0])] * len(table) and len(table) >= 7
    grid, hidden = [], {}
    for r, row in enumerate(table):
        grid.append([])
        for c, tok in enumerate(row):
            if tok in ("<5", "*"):
                hidden[(r, c)] = PRIMARY if tok == "<5" else SECONDARY
                grid[r].append(0)
            else:
                grid[r].append(int(tok.replace(",", "")))
    assert PRIMARY in hidden.values() and SECONDARY in hidden.values()
    assert recovered(grid, hidden) == set()


@pytest.mark.slow
def test_export_writes_the_long_measures_feed_with_real_types(store, tmp_path):
    import datetime

    from openpyxl import load_workbook

    from rxlog.central.export import ExportOptions, export_dataset

    st, inbox = store
    export_dataset(st, ExportOptions(tmp_path / "out"))
    with open(tmp_path / "out" / "rxlog-central-measures.csv", encoding="utf-8-sig") as fh:
        feed = list(csv.DictReader(fh))
    assert list(feed[0]) == [
        "period_type", "period_start", "organisation_code", "organisation_name",
        "measure_code", "measure_name", "value",
    ]  # fmt: skip
    data = gather(st)
    for s in data.series:  # the programme-level rows are the report's chart points
        rows = [r for r in feed if r["organisation_code"] == "ALL" and r["measure_code"] == s.key]
        assert [r["period_start"] for r in rows] == s.chart.labels
        assert [float(r["value"]) for r in rows] == pytest.approx(s.chart.values, abs=1e-5)
    hours = {}
    for r in feed:
        if r["measure_code"] == "HOURS_M":
            k = (r["period_start"], r["organisation_code"] == "ALL")
            hours[k] = hours.get(k, 0.0) + float(r["value"])
    for (month, is_all), v in hours.items():
        if is_all:
            assert hours[(month, False)] == pytest.approx(v)  # sites add up to all sites
    sites = {r["organisation_code"] for r in feed} - {"ALL"}
    assert sites == {r["site"] for r in _csv_rows(inbox)}
    with open(
        tmp_path / "out" / "rxlog-central-measure-definitions.csv", encoding="utf-8-sig"
    ) as fh:
        defs = {r["measure_code"]: r for r in csv.DictReader(fh)}
    assert defs["HOURS_W"]["improvement_direction"] == "neutral"
    assert defs["INT_RATE_M"]["improvement_direction"] == "increase"
    assert defs["QS120_M"]["target"] == "100.0" and defs["INT_M"]["target"] == ""
    wb = load_workbook(tmp_path / "out" / "rxlog-central.xlsx", read_only=True)
    head = next(wb["Entries"].iter_rows(values_only=True))
    first = next(r for r in wb["Entries"].iter_rows(min_row=2)
                 if r[head.index("cost_avoided")].value is not None)  # fmt: skip
    assert isinstance(first[head.index("date")].value, datetime.datetime)
    # Money is a number shown to the penny, never text. (At table 2026.2's GBP 3.30 and
    # 0.55 a minute many costs are whole pounds, which openpyxl reads back as an int.)
    cost = first[head.index("cost_avoided")]
    assert isinstance(cost.value, (int, float)) and not isinstance(cost.value, bool)
    assert cost.number_format == "0.00"
    assert isinstance(first[head.index("minutes")].value, int)
    m = next(wb["Measures"].iter_rows(min_row=2, values_only=True))
    assert isinstance(m[1], datetime.datetime) and isinstance(m[6], (int, float))
    wb.close()


@pytest.mark.slow
def test_key_findings_and_the_appendix_come_from_the_data(store, tmp_path):
    from rxlog.central.findings import key_findings

    st, inbox = store
    data = gather(st)
    findings, caveats = key_findings(data)
    assert (
        findings[0].startswith("47 signed monthly returns")
        and "1 technician-month" in (findings[0])
    )
    assert any("2023/24 prices" in c for c in caveats)
    c = data.cost
    split = (
        f"of which primary care {money_pdf(c.total('accepted', sector='primary'))} and "
        f"secondary care {money_pdf(c.total('accepted', sector='secondary'))};"
    )
    assert any(split in f for f in findings), findings
    assert not any("not valued" in c for c in caveats)
    rec = sum(int(r["count"] or 0) for r in _csv_rows(inbox) if r["category"] == "reconciliation")
    assert sum(sum(s.chart.values) for s in data.series if s.key == "REC_M") == rec > 0
    out = write_report(data, ReportOptions(tmp_path / "r.pdf"))
    text = pdf_text(str(out), layout=True)
    assert "Key findings" in text and "Caveats" in text
    assert f"{rec:,}" in text  # the KPI of patients reconciled
    appendix = text[text.index("Appendix: the returns this report rests on") :]
    assert len(data.returns_used) == 47
    for r in data.returns_used:
        assert r["manifest_sha256"] in appendix
    assert [r["why"] for r in data.returns_excluded] == ["superseded by v2"]
    assert data.returns_excluded[0]["manifest_sha256"] in appendix
