"""Cost avoided in real exports: table 2026.2 by default, 2026.1 when chosen, and a month
already signed off keeping the table it was signed with.

Real SQLite data folder, real keys, real signed returns (CSV, PDF text read back,
manifest), imported by the lead's real import. Each expected amount is worked by hand
from the published figures: 2026.2 is GBP 33 per 10-minute GP consultation in primary
care (PSSRU/CHE Unit Costs 2024 Manual, Table 9.4.2, p. 73) = GBP 3.30 a minute, and GBP
33 per working hour of a foundation doctor FY1 in secondary care (Table 11.3.2, p. 106)
= GBP 0.55 a minute; 2026.1 is GBP 33 per 11.7-minute GP consultation (PSSRU 2015).
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from central_db import central_url  # noqa: F401  (fixture: SQLite and PostgreSQL)
from conftest import TODAY
from pdftext import pdf_text

from rxlog.domain import EntryInput
from rxlog.errors import TaxonomyError, ValidationError
from rxlog.export import keys
from rxlog.export.signoff import ExportOptions, export_month, reopen_month
from rxlog.returnformat.discovery import find_returns
from rxlog.returnformat.manifest import verify_return
from rxlog.service import RxLog
from rxlog.storage.models import MonthLock

ROOT = Path(__file__).resolve().parent.parent
SETTING = "unit_cost_version"


@pytest.fixture
def app(data_dir: Path):
    """At a GP practice to 15 October 2026, then at the hospital; interventions in both."""
    a = RxLog.open(data_dir, today=lambda: TODAY)
    a.setup("Alex Morgan", "5012345")
    a.add_placement("G82001", "Test Surgery", "primary", date(2026, 9, 1), date(2026, 10, 15))
    a.add_placement("RPA", "Medway NHS Foundation Trust", "secondary", date(2026, 10, 16), None)
    keys.create_keys(data_dir, "Alex Morgan", "5012345")
    a.set_setting("lead_email", "lead@nhs.net")

    def intervention(day: date, released: int, outcome: str) -> EntryInput:
        return EntryInput("INT-PRESC", day, minutes=10, count=1, significance=4, harm="B",
                          released_minutes=released, outcome=outcome)  # fmt: skip

    a.log_many(
        [
            intervention(date(2026, 9, 14), 10, "accepted"),  # primary
            intervention(date(2026, 10, 5), 15, "accepted"),  # primary
            intervention(date(2026, 10, 6), 20, "pending"),  # primary
            intervention(date(2026, 10, 20), 45, "accepted"),  # secondary
            intervention(date(2026, 10, 21), 7, "declined"),  # secondary
            EntryInput("REP-MGMT", date(2026, 10, 7), minutes=30, count=4),  # no time released
        ]
    )
    yield a
    a.close()


def _export(app: RxLog, out: Path, month: str = "2026-10"):
    out.mkdir(parents=True, exist_ok=True)
    return export_month(app, month, ExportOptions(out))


def _rows(res) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(res.csv.read_text("utf-8-sig"))))


def _costs(res) -> list[tuple[str, str, str, str]]:
    """(date, sector, released_minutes, cost_avoided) of each row that released time."""
    return sorted(
        (r["date"], r["sector"], r["released_minutes"], r["cost_avoided"])
        for r in _rows(res)
        if r["released_minutes"]
    )


def _manifest(res) -> dict:
    return json.loads(res.manifest.read_text("utf-8"))["manifest"]


def _resources_without(tmp_path: Path, *names: str) -> Path:
    """The shipped resources without ``names``: what an RxLog before them had."""
    res = tmp_path / "res-old"
    shutil.copytree(ROOT / "resources", res)
    for name in names:
        (res / name).unlink()
    return res


@pytest.mark.slow
def test_a_new_export_costs_each_setting_at_its_2023_24_figure(app, tmp_path):
    res = _export(app, tmp_path / "out")
    assert _costs(res) == [
        ("2026-10-05", "primary", "15", "49.50"),  # 15 x 33 / 10
        ("2026-10-06", "primary", "20", "66.00"),  # 20 x 33 / 10
        ("2026-10-20", "secondary", "45", "24.75"),  # 45 x 33 / 60
        ("2026-10-21", "secondary", "7", "3.85"),  # 7 x 33 / 60
    ]
    rows = _rows(res)
    assert {r["unit_cost_version"] for r in rows} == {"2026.2"}
    assert [r["cost_avoided"] for r in rows if r["code"] == "REP-MGMT"] == [""]
    m = _manifest(res)
    assert m["unit_cost_version"] == "2026.2"
    assert m["totals"]["cost_avoided"] == "144.10"  # 49.50 + 66.00 + 24.75 + 3.85
    (found,) = find_returns([tmp_path / "out"])
    assert verify_return(found, check_pdf_signature=True).manifest["totals"] == m["totals"]

    flat = " ".join(pdf_text(res.pdf).split())
    assert "Cost avoided: £144.10" in flat
    assert "in primary care, £33 for 10 minutes; in secondary care, £33 for 60 minutes" in flat
    # primary 15 + 20 = 35 minutes, 115.50; secondary 45 + 7 = 52 minutes, 28.60
    assert "Of which primary care: 35 minutes, £115.50; secondary care: 52 minutes, £28.60" in flat
    assert "Unit-cost table 2026.2, at 2023/24 prices" in flat
    for cited in ("Table 9.4.2 'Unit costs for a GP'", "(p. 73)",
                  "Table 11.3.2 'Annual and unit costs for hospital-based doctors'", "(p. 106)",
                  "Unit Costs of Health and Social Care 2024 Manual", "foundation doctor FY1",
                  "https://kar.kent.ac.uk/109563/", "not overstated"):  # fmt: skip
        assert cited in flat, cited
    assert "11.7 minutes" not in flat and "2015" not in flat


def test_a_month_in_one_setting_has_no_split(app, tmp_path):
    res = _export(app, tmp_path / "out", "2026-09")
    assert _costs(res) == [("2026-09-14", "primary", "10", "33.00")]  # 10 x 33 / 10
    flat = " ".join(pdf_text(res.pdf).split())
    assert "Cost avoided: £33.00" in flat and "Of which" not in flat


def test_the_leads_import_takes_a_2026_2_return_and_values_it_the_same(
    app,
    tmp_path,
    central_url,  # noqa: F811
):
    """The return format is unchanged: the lead's import accepts the return, stores its
    cost avoided, and the lead's own valuation of the same minutes (basis figure, every
    outcome) is the technician's to the penny."""
    from rxlog.central.importer import IMPORTED, import_paths
    from rxlog.central.report_data import gather
    from rxlog.central.store import CentralStore
    from rxlog.central.trust import trust_key

    res = _export(app, tmp_path / "out")
    key = tmp_path / "alex.rxlogkey"
    keys.export_public(app.db.data_dir, key)
    store = CentralStore.open(central_url)
    try:
        trust_key(store, key, "Alex Morgan")
        (result,) = import_paths(store, [tmp_path / "out"], workers=1)
        assert result.outcome == IMPORTED, result.message
        data = gather(store)
    finally:
        store.close()
    # released minutes 87, cost avoided 144.10 as signed, 4 interventions
    assert data.cost_by_version == {"2026.2": (87, 14410, 4)}
    lead = sum(data.cost.total(outcome) or 0 for outcome in ("accepted", "declined", "pending"))
    assert lead == 14410 == round(float(_manifest(res)["totals"]["cost_avoided"]) * 100)
    # accepted only (the lead's headline): 15 x 3.30 + 45 x 0.55 = 49.50 + 24.75
    assert data.cost.total("accepted") == 7425


def test_2026_1_is_still_selectable_with_rxlog_config(cli, tmp_path):
    for args in (
        ("setup", "--name", "Alex Morgan", "--gphc", "5012345"),
        ("placement", "add", "G82001", "--name", "Test Surgery", "--sector", "primary",
         "--from", "2026-10-01", "--to", "2026-10-31"),
        ("log", "INT-PRESC", "--date", "2026-10-06", "--count", "1", "--significance", "4",
         "--harm", "B", "--released-minutes", "15", "--outcome", "accepted"),
        ("config", "set", "unit-cost-version", "2026.1"),
    ):  # fmt: skip
        r = cli(*args)
        assert r.code == 0, r.err
    assert cli("config", "get", "unit-cost-version").out.strip() == "unit-cost-version = 2026.1"
    out = tmp_path / "out"
    out.mkdir()
    r = cli("export", "2026-10", "--out", str(out))
    assert r.code == 0, r.err
    rows = list(csv.DictReader(io.StringIO(next(out.glob("*.csv")).read_text("utf-8-sig"))))
    # 15 released minutes at GBP 33 / 11.7 min = 42.3077 -> 42.31
    assert [(r["unit_cost_version"], r["cost_avoided"]) for r in rows] == [("2026.1", "42.31")]
    manifest = json.loads(next(out.glob("*.manifest.json")).read_text("utf-8"))["manifest"]
    assert manifest["unit_cost_version"] == "2026.1"
    flat = " ".join(pdf_text(str(next(out.glob("*.pdf")))).split())
    assert "Cost avoided: £42.31" in flat and "£33 for 11.7 minutes" in flat
    assert "Unit-cost table 2026.1" in flat and "Unit Costs of Health and Social Care 2015" in flat


def test_a_reopened_month_keeps_the_table_it_was_signed_with(app, tmp_path, monkeypatch):
    """October signed off before 2026.2 shipped; after the upgrade it is reopened and sent
    again on 2026.1, while a month never signed off takes 2026.2."""
    before = _resources_without(tmp_path, "unit-costs-2026.2.toml")
    monkeypatch.setenv("RXLOG_RESOURCES", str(before))
    v1 = _export(app, tmp_path / "v1")
    # 15, 20, 45 and 7 minutes at GBP 33 / 11.7 min, every setting alike
    old = [
        ("2026-10-05", "primary", "15", "42.31"),
        ("2026-10-06", "primary", "20", "56.41"),
        ("2026-10-20", "secondary", "45", "126.92"),
        ("2026-10-21", "secondary", "7", "19.74"),
    ]
    assert _costs(v1) == old and _manifest(v1)["unit_cost_version"] == "2026.1"
    monkeypatch.delenv("RXLOG_RESOURCES")  # the upgrade: 2026.2 is shipped now
    with pytest.raises(ValidationError, match="already signed off"):
        _export(app, tmp_path / "again")  # a locked month is never exported again as is
    assert not any((tmp_path / "again").iterdir())
    reopen_month(app, "2026-10", "a harm grade was wrong")
    v2 = _export(app, tmp_path / "v2")
    assert (v2.version, _manifest(v2)["supersedes"]) == (2, 1)
    assert _costs(v2) == old and {r["unit_cost_version"] for r in _rows(v2)} == {"2026.1"}
    assert _manifest(v2)["unit_cost_version"] == "2026.1"
    assert _manifest(v2)["totals"]["cost_avoided"] == "245.38"  # 42.31+56.41+126.92+19.74
    assert any(
        "costed with unit-cost table 2026.1, as its return v1 was" in w and "table 2026.2" in w
        for w in v2.warnings
    ), v2.warnings
    flat = " ".join(pdf_text(v2.pdf).split())
    assert "Unit-cost table 2026.1" in flat and "£33 for 11.7 minutes" in flat
    # Reopened again: v3 still on the table of v1 and v2.
    reopen_month(app, "2026-10", "one more fix")
    assert _manifest(_export(app, tmp_path / "v3"))["unit_cost_version"] == "2026.1"
    # September was never signed off: the default, 2026.2 (10 x 33 / 10).
    sep = _export(app, tmp_path / "sep", "2026-09")
    assert _costs(sep) == [("2026-09-14", "primary", "10", "33.00")]
    assert _manifest(sep)["unit_cost_version"] == "2026.2" and not any(
        "unit-cost table" in w for w in sep.warnings
    )


def test_the_setting_never_recosts_a_month_already_signed(app, tmp_path):
    """Signed on the default 2026.2; the technician then chooses 2026.1: the reopened
    month stays on 2026.2, a month never signed takes 2026.1."""
    assert _manifest(_export(app, tmp_path / "v1"))["unit_cost_version"] == "2026.2"
    app.set_setting(SETTING, "2026.1")
    reopen_month(app, "2026-10", "a harm grade was wrong")
    v2 = _export(app, tmp_path / "v2")
    assert {r["unit_cost_version"] for r in _rows(v2)} == {"2026.2"}
    assert _manifest(v2)["totals"]["cost_avoided"] == "144.10"
    assert any("as its return v1 was" in w and "new months use table 2026.1" in w
               for w in v2.warnings), v2.warnings  # fmt: skip
    sep = _export(app, tmp_path / "sep", "2026-09")
    assert _costs(sep) == [("2026-09-14", "primary", "10", "28.21")]  # 10 x 33 / 11.7
    assert _manifest(sep)["unit_cost_version"] == "2026.1"


def test_a_month_signed_with_a_table_this_rxlog_lacks_is_refused_and_stays_open(
    app, tmp_path, monkeypatch
):
    res = tmp_path / "res-extra"
    shutil.copytree(ROOT / "resources", res)
    text = (res / "unit-costs-2026.2.toml").read_text("utf-8")
    (res / "unit-costs-2026.9.toml").write_text(
        text.replace('version = "2026.2"', 'version = "2026.9"'), "utf-8"
    )
    monkeypatch.setenv("RXLOG_RESOURCES", str(res))
    assert _manifest(_export(app, tmp_path / "v1"))["unit_cost_version"] == "2026.9"
    monkeypatch.delenv("RXLOG_RESOURCES")
    reopen_month(app, "2026-10", "a harm grade was wrong")
    with pytest.raises(TaxonomyError, match=r"2026-10 was signed off \(return v1\) with "
                       r"unit-cost table 2026.9.*no unit-cost table version '2026.9'"):  # fmt: skip
        _export(app, tmp_path / "v2")
    assert not (tmp_path / "v2").exists() or not any((tmp_path / "v2").iterdir())
    with app.db.transaction() as s:
        lock = s.get(MonthLock, "2026-10")
        assert lock is not None and (lock.version, lock.locked) == (1, 0)


def _line_ends(pdf: bytes, within: str) -> list[tuple[float, str]]:
    """(right end in points, text) of each line of running text (20 characters or more)
    of ``within`` (text of the PDF, spaces left out), measured from the PDF's own text
    positions (pypdf) and the fonts' widths."""
    from pypdf import PdfReader
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from rxlog.pdf_style import unicode_fonts

    regular, bold = unicode_fonts()
    ends = []

    def visit(text: str, cm: list, tm: list, font: dict | None, size: float) -> None:
        line = text.rstrip()
        if len(line) < 20 or not font or "".join(line.split()) not in within:
            return
        name = bold if "Bold" in str(font.get("/BaseFont")) else regular
        x = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]
        ends.append((x + stringWidth(line, name, size * cm[0]), line))

    for page in PdfReader(io.BytesIO(pdf)).pages:
        page.extract_text(visitor_text=visit)
    return ends


def test_a_long_source_wraps_inside_the_page_and_is_printed_whole(app, tmp_path, monkeypatch):
    """A table whose source is long (and holds a 300-character address with no space)
    still fits the page: no line of the PDF passes the right margin, and the PDF holds
    the whole text."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm

    from rxlog.export.month_data import collect
    from rxlog.export.pdf_writer import PdfOptions, write_pdf
    from rxlog.export.unit_costs import load_unit_costs

    res = tmp_path / "res-long"
    shutil.copytree(ROOT / "resources", res)
    address = "https://example.org/" + "x" * 300
    long_source = "A published table, " + "row after row, " * 60 + address
    text = (res / "unit-costs-2026.2.toml").read_text("utf-8")
    text = text.replace('version = "2026.2"', 'version = "2026.3"').replace(
        'source = "PSSRU/CHE, Unit Costs of Health and Social Care 2024 Manual, Table 11.3.2 '
        "'Annual and unit costs for hospital-based doctors', row 'Cost per working hour' "
        '(p. 106); https://kar.kent.ac.uk/109563/"',
        f'source = "{long_source}"',
        1,
    )
    assert long_source in text
    (res / "unit-costs-2026.3.toml").write_text(text, "utf-8")
    monkeypatch.setenv("RXLOG_RESOURCES", str(res))
    data = collect(app, "2026-10", load_unit_costs())
    assert data.unit_costs.version == "2026.3"
    assert data.unit_costs.basis_for("secondary").source == long_source

    pdf = write_pdf(data, PdfOptions(signed_on=TODAY, fingerprint="ab" * 32, base_name="x"))
    solid = "".join(pdf_text(pdf).split())
    assert "".join(long_source.split()) in solid
    assert "Unit-costtable2026.3,at2023/24prices" in solid
    section = solid[solid.index("Cliniciantimereleased:") : solid.index("Howsoonreconciliations")]
    assert "".join(long_source.split()) in section
    ends = _line_ends(pdf, section)
    assert any("x" * 20 in line for _, line in ends)  # the address's lines were measured
    right, line = max(ends)
    assert right <= A4[0] - 16 * mm, (right, line)  # the return's right margin (write_pdf)
