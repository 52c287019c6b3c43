"""The lead's unit-cost table (resources/central-unit-costs.toml): every figure cited with
its own price year, inflated to the report's price year along a chain of cited index
steps, refused whole (with the field and why) when a rule is broken; cost avoided per
(sector, outcome) worked out by hand from the published numbers."""

from __future__ import annotations

import shutil
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from rxlog.central.costs import TABLE_FILE, cost_avoided, load_cost_table
from rxlog.errors import TaxonomyError

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "resources" / TABLE_FILE

# The NHS Cost Inflation Index, pay and prices (NHS providers), annual % increases on the
# previous year, as Table 12.1.1 of the PSSRU/CHE Unit Costs of Health and Social Care
# 2024 Manual prints them (p. 109); the row "2015/2016" is the step from 2014/15.
NHSCII_2024_MANUAL = {
    "2015/16": "0.40",
    "2016/17": "2.09",
    "2017/18": "1.24",
    "2018/19": "1.60",
    "2019/20": "2.14",
    "2020/21": "2.49",
    "2021/22": "2.58",
    "2022/23": "7.32",
    "2023/24": "4.31",
}


def pence(minutes: int, per_minute: Decimal) -> int:
    return int((per_minute * minutes * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / TABLE_FILE).write_text(text, encoding="utf-8")
    return folder


FIG = """[[figure]]
key = "{key}"
title = "{key} (test figure)"
cost_gbp = "{cost}"
minutes = "{minutes}"
price_year = "{year}"
source = "{source}"
"""


def table(
    report_year: str = "2023/24",
    figures: tuple[tuple[str, str, str, str], ...] = (("gp", "33", "10", "2023/24"),),
    index: str = "",
    source: str = "test source, Table 1",
    secondary: str = "",
    extra: str = "",
) -> str:
    figs = "".join(
        FIG.format(key=k, cost=c, minutes=m, year=y, source=source) for k, c, m, y in figures
    )
    return (
        f'version = "t"\nreport_price_year = "{report_year}"\n'
        '[setting.primary]\nbasis = "gp"\nlow = "gp"\nhigh = "gp"\n'
        f"{secondary}{extra}\n{figs}{index}"
    )


def steps(first: str, last: str, source: str = "NHSCII pay and prices, test") -> str:
    """[[index]] rows of the 2024 Manual's NHSCII from ``first`` to ``last``."""
    years = ["2014/15", *NHSCII_2024_MANUAL]
    a, b = years.index(first), years.index(last)
    return "".join(
        f'[[index]]\nfrom = "{years[i]}"\nto = "{years[i + 1]}"\n'
        f'percent = "{NHSCII_2024_MANUAL[years[i + 1]]}"\nsource = "{source}"\n'
        for i in range(a, b)
    )


# -- the shipped table -------------------------------------------------------------------
def test_the_shipped_table_values_both_settings_from_the_cited_2024_manual():
    t = load_cost_table(SHIPPED.parent)
    assert t.report_price_year == "2023/24" and t.price_years == ["2023/24"]
    prim, sec = t.settings["primary"], t.settings["secondary"]
    # GP: Table 9.4.2, per surgery consultation lasting 10 minutes, GBP 33 to 45
    assert (prim.low.cost_gbp, prim.high.cost_gbp, prim.low.minutes) == (33, 45, 10)
    assert all("Table 9.4.2" in f.source for f in prim.figures)
    # Hospital doctors: Table 11.3.2, cost per working hour, FY1 33 to registrar (quals) 79
    assert (sec.low.cost_gbp, sec.high.cost_gbp, sec.low.minutes) == (33, 79, 60)
    assert all("Table 11.3.2" in f.source for f in sec.figures)
    for f in t.figures:
        assert "Unit Costs of Health and Social Care 2024" in f.source
        assert "https://kar.kent.ac.uk/109563/" in f.source and f.price_year == "2023/24"
    assert prim.basis is prim.low and sec.basis is sec.low  # the cautious headline
    assert t.per_minute("secondary", "high") == Decimal(79) / 60
    assert t.hourly_pence(prim.high) == 27000 and t.hourly_pence(sec.low) == 3300
    # Nothing is inflated: every figure is at the report's price year ...
    assert t.applied_steps == () and t.inflator("2023/24") == 1
    # ... and the index rows shipped are the 2024 Manual's NHSCII, each cited.
    assert [(s.to_year, str(s.percent)) for s in t.index] == list(NHSCII_2024_MANUAL.items())
    assert all("Table 12.1.1" in s.source for s in t.index)


def test_a_figure_the_lead_adds_at_an_earlier_year_is_inflated_by_the_shipped_nhscii(tmp_path):
    """The shipped table plus a hospital figure at 2015/16 prices (a made-up GBP 30 an
    hour: the arithmetic, not the figure, is under test), worked out by hand from the
    2024 Manual's NHSCII percentages."""
    res = tmp_path / "res"
    res.mkdir()
    text = SHIPPED.read_text("utf-8")
    text = text.replace('basis = "hospital-fy1-2023-24"', 'basis = "old"')
    text = text.replace('low = "hospital-fy1-2023-24"', 'low = "old"')
    text += FIG.format(key="old", cost="30", minutes="60", year="2015/16", source="test")
    t = load_cost_table(write(res, text))
    factor = Decimal(1)
    for year in ("2016/17", "2017/18", "2018/19", "2019/20", "2020/21", "2021/22",
                 "2022/23", "2023/24"):  # fmt: skip
        factor *= 1 + Decimal(NHSCII_2024_MANUAL[year]) / 100
    assert t.inflator("2015/16") == factor
    assert round(factor, 4) == Decimal("1.2623")  # 26.2 % from 2015/16 to 2023/24
    assert t.per_minute("secondary", "basis") == Decimal(30) / 60 * factor
    assert t.hourly_pence(t.settings["secondary"].basis) == 3787  # GBP 30 x 1.26234 = 37.87
    assert [s.from_year for s in t.applied_steps] == list(NHSCII_2024_MANUAL)[:-1]
    assert t.per_minute("primary", "basis") == Decimal("3.3")  # at 2023/24: not inflated
    c = cost_avoided(t, [("secondary", "accepted", 3, 2, 125), ("primary", "accepted", 3, 1, 7)])
    assert c.cells[("secondary", "accepted")].basis == pence(125, Decimal(30) / 60 * factor)
    assert c.cells[("secondary", "accepted")].basis == 7890  # 125 min x 0.63117 = 78.90
    assert c.cells[("secondary", "accepted")].high == pence(125, Decimal(79) / 60) == 16458
    assert c.total("accepted") == 7890 + pence(7, Decimal("3.3")) == 7890 + 2310


def test_figures_at_different_price_years_each_take_their_own_steps(tmp_path):
    """A GP figure at 2021/22 and a hospital one at 2023/24: only the GP figure is
    inflated, by exactly the two NHSCII steps 2021/22 to 2023/24."""
    sec = '[setting.secondary]\nbasis = "ward"\nlow = "ward"\nhigh = "ward"\n'
    t = load_cost_table(
        write(
            tmp_path,
            table(
                figures=(("gp", "36", "10", "2021/22"), ("ward", "45", "60", "2023/24")),
                index=steps("2014/15", "2023/24"),
                secondary=sec,
            ),
        )
    )
    gp = Decimal("3.6") * Decimal("1.0732") * Decimal("1.0431")
    assert t.per_minute("primary", "basis") == gp
    assert t.per_minute("secondary", "basis") == Decimal("0.75")
    assert [s.label for s in t.applied_steps] == [
        "2021/22→2022/23 +7.32%",
        "2022/23→2023/24 +4.31%",
    ]
    c = cost_avoided(
        t,
        [
            ("primary", "accepted", 3, 4, 100),
            ("primary", "declined", 2, 1, 30),
            ("primary", "accepted", 1, 1, 500),  # Eadon 1: never counted
            ("secondary", "accepted", 4, 3, 90),
            ("secondary", "pending", 3, 1, 20),
        ],
    )
    assert c.cells[("primary", "accepted")].basis == pence(100, gp) == 40300  # 403.0038
    assert c.cells[("primary", "declined")].basis == pence(30, gp)
    assert c.cells[("secondary", "accepted")].basis == 6750 and c.detrimental_minutes == 500
    assert c.total("accepted") == 40300 + 6750
    assert c.total("pending", sector="secondary") == 1500 and c.unvalued_sectors() == []


def test_a_report_at_a_year_inside_the_chain_stops_there(tmp_path):
    t = load_cost_table(
        write(
            tmp_path,
            table(
                report_year="2020/21",
                figures=(("gp", "30", "10", "2018/19"),),
                index=steps("2014/15", "2023/24"),
            ),
        )
    )
    assert t.inflator("2018/19") == Decimal("1.0214") * Decimal("1.0249")


def test_a_factor_from_published_index_levels_spans_several_years(tmp_path):
    idx = '[[index]]\nfrom = "2015"\nto = "2023/24"\nfactor = "1.25"\nsource = "test levels"\n'
    t = load_cost_table(write(tmp_path, table(figures=(("gp", "33", "11", "2015"),), index=idx)))
    assert t.per_minute("primary", "basis") == Decimal(3) * Decimal("1.25")
    assert t.applied_steps[0].label == "2015→2023/24 ×1.25"


# -- refused, with the field and why -------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "why"),
    [
        (table(source=""), "figure 'gp' has no source"),
        (table(figures=(("gp", "33", "10", ""),)), "figure 'gp' has no price_year"),
        (
            table(figures=(("gp", "thirty", "10", "2023/24"),)),
            "figure 'gp' cost_gbp 'thirty' is not a number",
        ),
        (
            table(figures=(("gp", "-3", "10", "2023/24"),)),
            "figure 'gp': cost_gbp and minutes must be positive",
        ),
        (
            table(figures=(("gp", "33", "10", "2023/25"),)),
            "figure 'gp' price_year '2023/25' is not a year",
        ),
        (table(report_year="last year"), "report_price_year 'last year' is not a year"),
        (
            table(figures=(("gp", "33", "10", "2019/20"),)),
            "figure 'gp' is at 2019/20 prices: report_price_year 2023/24 needs \\[\\[index\\]\\] "
            "rows from 2019/20 to it \\(they reach 2019/20\\)",
        ),
        (
            table(figures=(("gp", "33", "10", "2019/20"),), index=steps("2019/20", "2022/23")),
            "figure 'gp' is at 2019/20 prices: report_price_year 2023/24 needs "
            "\\[\\[index\\]\\] rows from 2019/20 to it \\(they reach 2022/23\\)",
        ),
        (
            table(
                figures=(("gp", "33", "10", "2019/20"),),
                index=steps("2019/20", "2021/22") + steps("2022/23", "2023/24"),
            ),
            "\\[\\[index\\]\\] rows must follow on, earliest first: the row from 2022/23 "
            "comes after one that reaches 2021/22",
        ),
        (
            table(report_year="2022/23"),
            "figure 'gp' is at 2023/24 prices, later than report_price_year 2022/23",
        ),
        (
            table(index=steps("2022/23", "2023/24", source="")),
            "\\[\\[index\\]\\] 2022/23 to 2023/24 has no source",
        ),
        (
            table(
                index='[[index]]\nfrom = "2022/23"\nto = "2023/24"\npercent = "4.31"\n'
                'factor = "1.0431"\nsource = "x"\n'
            ),  # fmt: skip
            "\\[\\[index\\]\\] 2022/23 to 2023/24: give either percent \\(as published\\) "
            "or factor, not both",
        ),
        (
            table(
                index='[[index]]\nfrom = "2023/24"\nto = "2022/23"\npercent = "1"\nsource = "x"\n'
            ),  # fmt: skip
            "\\[\\[index\\]\\] 2023/24 to 2022/23: to must be a later year than from",
        ),
        (
            table(figures=(("gp", "33", "10", "2023/24"), ("gp", "34", "10", "2023/24"))),
            "two figures have the key 'gp'",
        ),
        (
            table(extra='[setting.secondary]\nbasis = "nurse"\nlow = "gp"\nhigh = "gp"\n'),
            "\\[setting.secondary\\] basis names no figure \\('nurse'\\)",
        ),
        (
            table(extra='[setting.tertiary]\nbasis = "gp"\nlow = "gp"\nhigh = "gp"\n'),
            "\\[setting.tertiary\\]: the sectors are primary, secondary",
        ),
    ],
)
def test_a_table_that_breaks_a_rule_is_refused(tmp_path, text, why):
    with pytest.raises(TaxonomyError, match=f"central-unit-costs.toml: {why}"):
        load_cost_table(write(tmp_path, text))


def test_basis_must_lie_between_low_and_high_after_inflation(tmp_path):
    """GBP 3.00 a minute at 2022/23 is 3.1293 at 2023/24: above a high of 3.10."""
    sec = '[setting.secondary]\nbasis = "a"\nlow = "b"\nhigh = "c"\n'
    figs = (
        ("gp", "33", "10", "2023/24"),
        ("a", "3", "1", "2022/23"),
        ("b", "3", "1", "2023/24"),
        ("c", "3.10", "1", "2023/24"),
    )
    idx = steps("2022/23", "2023/24")
    with pytest.raises(TaxonomyError, match="basis must lie between low and high"):
        load_cost_table(write(tmp_path, table(figures=figs, index=idx, secondary=sec)))
    figs = (*figs[:3], ("c", "3.13", "1", "2023/24"))
    assert load_cost_table(write(tmp_path, table(figures=figs, index=idx, secondary=sec)))


def test_a_missing_or_unreadable_table_is_refused(tmp_path):
    with pytest.raises(TaxonomyError, match="is missing"):
        load_cost_table(tmp_path)
    (tmp_path / TABLE_FILE).write_text("version = [", encoding="utf-8")
    with pytest.raises(TaxonomyError, match="cannot be read"):
        load_cost_table(tmp_path)


def test_a_table_of_the_first_format_still_loads(tmp_path):
    """price_year (the first format's name for the figures' and report's year)."""
    res = write(tmp_path, table().replace("report_price_year", "price_year"))
    assert load_cost_table(res).report_price_year == "2023/24"
    shutil.rmtree(res)


def test_a_published_fall_in_the_index_is_applied_as_printed(tmp_path):
    idx = '[[index]]\nfrom = "2022/23"\nto = "2023/24"\npercent = "-1.5"\nsource = "test"\n'
    t = load_cost_table(write(tmp_path, table(figures=(("gp", "40", "10", "2022/23"),), index=idx)))
    assert t.per_minute("primary", "basis") == Decimal("3.94")  # 4.00 x 0.985
    assert t.applied_steps[0].label == "2022/23→2023/24 -1.5%"
