"""The technician's unit-cost tables (``resources/unit-costs-<version>.toml``).

2026.2, the default for new exports, costs primary-care minutes at GP time and
secondary-care minutes at hospital doctor time, both from the PSSRU/CHE *Unit Costs of
Health and Social Care 2024 Manual* (2023/24 prices), as the lead's report does;
2026.1 (one PSSRU 2015 GP figure, quoted by PSNC) stays shipped and selectable. The
expected figures below are the published ones, typed from the Manual (Table 9.4.2 p. 73,
Table 11.3.2 p. 106), not read from the tables under test.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from rxlog.central.costs import load_cost_table
from rxlog.errors import TaxonomyError
from rxlog.export.unit_costs import available_versions, load_unit_costs

ROOT = Path(__file__).resolve().parent.parent
MANUAL = "Unit Costs of Health and Social Care 2024 Manual"


def test_both_versions_are_shipped_and_2026_2_is_the_default():
    assert available_versions()[-2:] == ["2026.1", "2026.2"]
    assert load_unit_costs().version == "2026.2"
    assert load_unit_costs(None).version == "2026.2"


def test_2026_1_still_loads_with_its_2015_figure_for_every_sector():
    uc = load_unit_costs("2026.1")
    assert uc.version == "2026.1" and uc.basis is not None and not uc.by_sector
    assert uc.basis.key == "gp-surgery-consultation-2015-low"
    assert uc.basis.cost_gbp == Decimal("33") and uc.basis.minutes == Decimal("11.7")
    assert all("PSSRU" in f.source and f.year in (2013, 2015) for f in uc.figures)
    assert all(f.price_year is None for f in uc.figures)
    # 117 minutes = 10 consultations of 11.7 minutes at GBP 33
    assert uc.cost_of_minutes(117, "primary") == Decimal("330.00")
    assert uc.cost_of_minutes(117, "secondary") == Decimal("330.00")
    # 15 x 33 / 11.7 = 42.3077 -> 42.31; 1 x 33 / 11.7 = 2.8205 -> 2.82
    assert uc.cost_of_minutes(15, "secondary") == Decimal("42.31")
    assert uc.cost_of_minutes(1, "primary") == Decimal("2.82")
    assert uc.cost_of_minutes(None, "primary") is None


def test_2026_2_costs_each_sector_at_its_published_2023_24_figure():
    uc = load_unit_costs("2026.2")
    assert uc.by_sector and uc.basis is None
    gp, doctor = uc.basis_for("primary"), uc.basis_for("secondary")
    # Table 9.4.2: GP, per surgery consultation lasting 10 minutes, excluding direct care
    # staff costs, without qualification costs: GBP 33 (p. 73).
    assert (gp.cost_gbp, gp.minutes, gp.price_year) == (Decimal("33"), Decimal("10"), "2023/24")
    assert MANUAL in gp.source and "Table 9.4.2" in gp.source and "(p. 73)" in gp.source
    # Table 11.3.2: foundation doctor FY1, cost per working hour: GBP 33 (p. 106).
    assert (doctor.cost_gbp, doctor.minutes, doctor.price_year) == (
        Decimal("33"),
        Decimal("60"),
        "2023/24",
    )
    assert MANUAL in doctor.source and "Table 11.3.2" in doctor.source
    assert "(p. 106)" in doctor.source and "FY1" in doctor.title
    assert all(f.source and f.price_year == "2023/24" for f in uc.figures)
    assert all("kar.kent.ac.uk/109563" in f.source for f in uc.figures)
    # By hand: 15 min x GBP 33 / 10 min = 49.50; 45 min x GBP 33 / 60 min = 24.75;
    # 7 min x 3.30 = 23.10 in primary care, 7 x 0.55 = 3.85 in secondary care.
    assert uc.cost_of_minutes(15, "primary") == Decimal("49.50")
    assert uc.cost_of_minutes(45, "secondary") == Decimal("24.75")
    assert uc.cost_of_minutes(7, "primary") == Decimal("23.10")
    assert uc.cost_of_minutes(7, "secondary") == Decimal("3.85")
    assert uc.cost_of_minutes(0, "secondary") == Decimal("0.00")
    assert uc.cost_of_minutes(None, "secondary") is None


def test_2026_2_basis_is_the_conservative_figure_of_each_sector():
    """The basis is the lowest cost a minute among the table's figures from the same
    published table, so cost avoided is not overstated."""
    uc = load_unit_costs("2026.2")
    for sector, table in (("primary", "Table 9.4.2"), ("secondary", "Table 11.3.2")):
        same = [f for f in uc.figures if table in f.source]
        assert len(same) >= 2, sector  # the range is there, not just the figure used
        assert uc.basis_for(sector).per_minute == min(f.per_minute for f in same), sector
        assert uc.basis_for(sector).per_minute < max(f.per_minute for f in same), sector


def test_2026_2_values_a_minute_as_the_leads_report_does():
    """The technician's basis in each sector is the lead's basis figure: same cost, same
    minutes, same price year, same cited source."""
    tech, lead = load_unit_costs("2026.2"), load_cost_table()
    for sector in ("primary", "secondary"):
        mine, theirs = tech.basis_for(sector), lead.settings[sector].basis
        assert (mine.key, mine.cost_gbp, mine.minutes, mine.price_year, mine.source) == (
            theirs.key,
            theirs.cost_gbp,
            theirs.minutes,
            theirs.price_year,
            theirs.source,
        )
        assert mine.per_minute == lead.per_minute(sector, "basis")  # no inflation needed
    # Every figure of 2026.2 is one the lead's table cites (nothing new typed in).
    cited = {(f.key, f.cost_gbp, f.minutes, f.source) for f in lead.figures}
    assert {(f.key, f.cost_gbp, f.minutes, f.source) for f in tech.figures} <= cited


def test_an_unknown_sector_is_refused_by_name():
    with pytest.raises(TaxonomyError, match="no basis for sector 'tertiary'"):
        load_unit_costs("2026.2").cost_of_minutes(5, "tertiary")


# -- tables that break the rules are refused, naming the file and why --------------------
_FIG = (
    '[[figure]]\nkey = "{k}"\ntitle = "t"\ncost_gbp = "{c}"\nminutes = "10"\n'
    'price_year = "2023/24"\nsource = "a published table, p. 1"\n'
)


def _table(folder: Path, basis: str, figures: str = "", version: str = "9") -> Path:
    body = _FIG.format(k="a", c="10") + _FIG.format(k="b", c="20")
    (folder / f"unit-costs-{version}.toml").write_text(
        f'version = "{version}"\n[basis]\n{basis}\n{body}{figures}', encoding="utf-8"
    )
    return folder


def test_a_table_with_a_figure_per_sector_loads(tmp_path):
    uc = load_unit_costs("9", _table(tmp_path, 'primary = "a"\nsecondary = "b"'))
    assert uc.basis_for("primary").key == "a" and uc.basis_for("secondary").key == "b"
    assert uc.cost_of_minutes(3, "secondary") == Decimal("6.00")  # 3 x 20 / 10
    uc = load_unit_costs("9", _table(tmp_path, 'released_minutes = "b"'))
    assert uc.basis is not None and uc.basis.key == "b" and not uc.by_sector


@pytest.mark.parametrize(
    ("basis", "why"),
    [
        ('primary = "a"', "no figure for secondary care"),
        ('secondary = "b"', "no figure for primary care"),
        ('released_minutes = "a"\nprimary = "b"', "not both"),
        ('primary = "a"\nsecondary = "zz"', "secondary names no figure \\('zz'\\)"),
        ('released_minutes = "zz"', "released_minutes names no figure"),
        ('primary = "a"\nsecondary = "b"\nhospital = "a"', "'hospital' is not released_minutes"),
        ("", "\\[basis\\] is missing"),
    ],
)
def test_a_bad_basis_is_refused_naming_why(tmp_path, basis, why):
    with pytest.raises(TaxonomyError, match=f"unit-costs-9.toml: .*{why}"):
        load_unit_costs("9", _table(tmp_path, basis))


@pytest.mark.parametrize(
    ("figure", "why"),
    [
        ('[[figure]]\nkey = "c"\ntitle = "t"\ncost_gbp = "1"\nminutes = "1"\nsource = "s"\n',
         "figure 'c' has no year"),
        ('[[figure]]\nkey = "c"\ntitle = "t"\ncost_gbp = "1"\nminutes = "1"\nsource = "s"\n'
         'price_year = "2023/25"\n', "price_year '2023/25' is not a financial year"),
        ('[[figure]]\nkey = "c"\ntitle = "t"\ncost_gbp = "1"\nminutes = "1"\nsource = "s"\n'
         'year = "last year"\n', "year 'last year' is not a year"),
        ('[[figure]]\nkey = "c"\ntitle = "t"\ncost_gbp = "1"\nminutes = "1"\n'
         'price_year = "2023/24"\n', "figure 'c' has no source"),
        ('[[figure]]\nkey = "c"\ntitle = "t"\ncost_gbp = "NaN"\nminutes = "1"\nsource = "s"\n'
         'price_year = "2023/24"\n', "must be positive"),
        (_FIG.format(k="a", c="12"), "two figures have the key 'a'"),
    ],
)  # fmt: skip
def test_a_bad_figure_is_refused_naming_why(tmp_path, figure, why):
    with pytest.raises(TaxonomyError, match=f"unit-costs-9.toml: .*{why}"):
        load_unit_costs("9", _table(tmp_path, 'primary = "a"\nsecondary = "b"', figure))


def test_the_newest_shipped_table_is_the_default_whatever_is_beside_it(tmp_path):
    """A later table shipped becomes the default; 2026.1 and 2026.2 stay loadable."""
    res = tmp_path / "res"
    shutil.copytree(ROOT / "resources", res)
    _table(res, 'released_minutes = "a"', version="2027.1")
    assert available_versions(res)[-3:] == ["2026.1", "2026.2", "2027.1"]
    assert load_unit_costs(None, res).version == "2027.1"
    assert load_unit_costs("2026.1", res).version == "2026.1"
    assert load_unit_costs("2026.2", res).version == "2026.2"
