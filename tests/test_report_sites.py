"""One site, one code: a trust site (RPA01) is counted under its trust (RPA) in the
report, its JSON and the BI feed, the mapping is listed in the appendix, and the combined
dataset keeps the codes as they were signed."""

from __future__ import annotations

import csv
import importlib.util
import json
import random
import sys
from pathlib import Path

import pytest
from central_db import central_url  # noqa: F401  (fixture: SQLite and PostgreSQL)
from pdftext import pdf_text

from rxlog.central.importer import import_paths
from rxlog.central.report_data import gather, measure_rows, organisation
from rxlog.central.store import CentralStore
from rxlog.central.trust import trust_key

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("gen_returns", ROOT / "bench" / "gen_returns.py")
gen = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("gen_returns", gen)
_spec.loader.exec_module(gen)


@pytest.mark.parametrize(
    ("logged", "counted"),
    [
        ("RPA01", "RPA"),  # a trust site: under its trust
        (" rpa02 ", "RPA"),
        ("RPA", "RPA"),  # the trust itself
        ("G82001", "G82001"),  # a GP practice is its own organisation
        ("U12345", "U12345"),  # so is a PCN
        ("R12345", "R12345"),  # letter + 5 digits: a practice code, not a trust site
        ("ZZZ", "ZZZ"),  # none of these: kept as logged
    ],
)
def test_the_code_a_site_is_counted_under(logged, counted):
    assert organisation(logged) == counted


@pytest.fixture
def store(tmp_path, central_url):  # noqa: F811
    """Technician 1 logs hospital time at the trust (RPA), technician 2 at a trust site
    (RPA01); both at their own practice too."""
    st = CentralStore.open(central_url)
    inbox = tmp_path / "inbox"
    for t in (1, 2):
        inst = gen.Installation.new(t)
        trust_key(st, inst.write_key(tmp_path / f"{t}.pem"), inst.name)
        for month in ("2026-01", "2026-02"):
            rows = gen.make_rows(inst, month, 1, 80, random.Random(f"{t}{month}"), "pilot")
            if t == 2:
                for r in rows:
                    if r["site"] == "RPA":
                        r.update(site="RPA01", site_name="Medway Maritime Hospital",
                                 site_kind="trust_site")  # fmt: skip
            gen.write_return(inst, month, rows, inbox / inst.gphc)
    assert all(r.outcome == "imported" for r in import_paths(st, [inbox], workers=1))
    yield st, inbox
    st.close()


def _csv_rows(inbox: Path) -> list[dict[str, str]]:
    out = []
    for path in sorted(inbox.rglob("*.csv")):
        with open(path, encoding="utf-8-sig", newline="") as fh:
            out += list(csv.DictReader(fh))
    return out


def test_a_trust_site_counts_under_its_trust_in_the_report(store, tmp_path):
    from rxlog.central.report_json import report_dict

    st, inbox = store
    rows = _csv_rows(inbox)
    assert {"RPA", "RPA01"} <= {r["site"] for r in rows}  # both as signed
    data = gather(st)
    codes = {site for site, _, _ in data.by_site}
    assert codes == {"RPA", "G82001", "G82002"} and data.sites == 3
    hospital = [t for (site, _, _), t in data.by_site.items() if site == "RPA"]
    assert len(hospital) == 1  # one row, whatever kind each return gave it
    assert hospital[0].minutes == sum(
        int(r["minutes"]) for r in rows if r["site"] in ("RPA", "RPA01")
    )
    assert sum(t.minutes for t in data.by_site.values()) == data.total.minutes
    assert data.site_codes == {"RPA01": "RPA"}
    doc = report_dict(data)
    assert doc["sites"] == {"count": 3, "counted_as": {"RPA01": "RPA"}}
    json.dumps(doc, allow_nan=False)


def test_the_bi_feed_has_one_code_per_site_and_the_dataset_keeps_what_was_signed(store, tmp_path):
    from rxlog.central.export import ExportOptions, export_dataset

    st, _ = store
    feed = measure_rows(st)
    orgs = {(code, name) for _, _, code, name, *_ in feed}
    assert {code for code, _ in orgs} == {"ALL", "RPA", "G82001", "G82002"}
    assert ("RPA", "Medway NHS Foundation Trust") in orgs  # its own name, logged under RPA
    all_hours = sum(v for p, _, c, _, m, _, v in feed if c == "ALL" and m == "HOURS_M")
    site_hours = sum(v for p, _, c, _, m, _, v in feed if c != "ALL" and m == "HOURS_M")
    assert site_hours == pytest.approx(all_hours)
    export_dataset(st, ExportOptions(tmp_path / "out"))
    with open(tmp_path / "out" / "rxlog-central-entries.csv", encoding="utf-8-sig") as fh:
        assert "RPA01" in {r["site"] for r in csv.DictReader(fh)}


def test_the_appendix_lists_the_codes_counted_together(store, tmp_path):
    from rxlog.central.report_pdf import ReportOptions, write_report

    st, _ = store
    out = write_report(gather(st), ReportOptions(tmp_path / "report.pdf"))
    text = pdf_text(out, layout=True)
    assert "Site codes counted together" in text
    line = next(ln for ln in text.splitlines() if "RPA01" in ln)
    assert "RPA" in line.replace("RPA01", "") and "counted under its trust" in line
