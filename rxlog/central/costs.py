"""The lead's unit-cost table (``resources/central-unit-costs.toml``) and the cost-avoided
figures of the evidence report.

Cost avoided is recomputed from the signed rows' clinician minutes released, valued at
the figure for the setting the minutes were released in (GP time in primary care,
hospital doctor/nurse time in secondary care), so hospital minutes are never priced at a
GP rate. The headline counts accepted interventions only; declined and pending are shown
beside it; Eadon grade 1 ("detrimental to the patient") never counts as cost avoided. A
setting with no published figure in the table is "not valued", never borrowed.

Each figure keeps the price year its source states; the table names the report's price
year and a chain of cited index steps (e.g. the NHS Cost Inflation Index, pay and prices,
as an annual percentage); a figure at an earlier year is inflated along the chain, and a
table whose chain does not reach the report's year from every figure in use is refused.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from rxlog.errors import TaxonomyError
from rxlog.resources import resources_dir

TABLE_FILE = "central-unit-costs.toml"
SECTORS = ("primary", "secondary")
OUTCOMES = ("accepted", "declined", "pending", "not recorded")
DETRIMENTAL = 1  # Eadon grade 1
PENNY = Decimal("0.01")
_YEAR = re.compile(r"\d{4}(/\d{2})?")


@dataclass(frozen=True)
class Figure:
    key: str
    title: str
    cost_gbp: Decimal
    minutes: Decimal
    price_year: str  # the figure's own price year, as its source states it
    source: str

    @property
    def per_minute(self) -> Decimal:
        return self.cost_gbp / self.minutes


@dataclass(frozen=True)
class IndexStep:
    """Inflation from one price year to a later one, with its published source: the
    published annual percentage increase (``percent``) or a factor worked out from
    published index levels (``factor``)."""

    from_year: str
    to_year: str
    factor: Decimal
    source: str
    percent: Decimal | None = None

    @property
    def label(self) -> str:
        """The step as the report prints it: 2015/16→2016/17 +2.09% (×1.25 for a factor)."""
        change = f"{self.percent:+}%" if self.percent is not None else f"×{self.factor}"
        return f"{self.from_year}→{self.to_year} {change}"


@dataclass(frozen=True)
class Setting:
    sector: str
    what: str
    basis: Figure
    low: Figure
    high: Figure

    @property
    def figures(self) -> tuple[Figure, ...]:
        """basis, low and high, each figure once."""
        return tuple({f.key: f for f in (self.basis, self.low, self.high)}.values())


@dataclass(frozen=True)
class CostTable:
    version: str
    report_price_year: str  # the price year the report states
    settings: dict[str, Setting]
    index: tuple[IndexStep, ...] = ()  # one chain of year steps, earliest first

    def steps(self, price_year: str) -> tuple[IndexStep, ...]:
        """The index steps that bring a figure at ``price_year`` to the report's year
        (none when it is already at it). The table was checked on loading, so the
        chain is there for every figure a setting uses."""
        out: list[IndexStep] = []
        year = price_year
        for step in self.index:
            if year == self.report_price_year:
                break
            if step.from_year == year:
                out.append(step)
                year = step.to_year
        return tuple(out)

    def inflator(self, price_year: str) -> Decimal:
        f = Decimal(1)
        for step in self.steps(price_year):
            f *= step.factor
        return f

    @property
    def figures(self) -> tuple[Figure, ...]:
        """Every figure a setting uses, primary care first, each once."""
        out: dict[str, Figure] = {}
        for sector in SECTORS:
            if sector in self.settings:
                out.update({f.key: f for f in self.settings[sector].figures})
        return tuple(out.values())

    @property
    def price_years(self) -> list[str]:
        """The price years of the figures in use, as their sources state them."""
        return sorted({f.price_year for f in self.figures}, key=_year_start)

    @property
    def applied_steps(self) -> tuple[IndexStep, ...]:
        """The index steps the figures in use are inflated with (file order)."""
        used = {id(s) for f in self.figures for s in self.steps(f.price_year)}
        return tuple(s for s in self.index if id(s) in used)

    def hourly_pence(self, fig: Figure) -> int:
        """An hour of the figure at the report's price year, in pence (half up)."""
        value = _value(60, fig.per_minute * self.inflator(fig.price_year))
        assert value is not None
        return value

    def per_minute(self, sector: str, which: str) -> Decimal | None:
        """Cost per minute of the sector's basis/low/high figure, at the report's price
        year (None when the table has no figure for the sector)."""
        s = self.settings.get(sector)
        if s is None:
            return None
        fig = {"basis": s.basis, "low": s.low, "high": s.high}[which]
        return fig.per_minute * self.inflator(fig.price_year)


def _year_start(year: str) -> int:
    return int(year[:4])


def _bad(path: Path, why: str) -> TaxonomyError:
    return TaxonomyError(f"unit-cost table {path.name}: {why}")


def _year(path: Path, where: str, value: object) -> str:
    text = str(value or "")
    if not _YEAR.fullmatch(text) or (
        "/" in text and int(text[5:]) != (_year_start(text) + 1) % 100
    ):
        raise _bad(path, f"{where} {text!r} is not a year such as 2015 or 2023/24")
    return text


def _number(path: Path, where: str, value: object) -> Decimal:
    try:
        n = Decimal(str(value))
    except InvalidOperation:
        raise _bad(path, f"{where} {str(value)[:20]!r} is not a number") from None
    if not n.is_finite():
        raise _bad(path, f"{where} is not a finite number")
    return n


def _figure(path: Path, raw: object) -> Figure:
    if not isinstance(raw, dict):
        raise _bad(path, "each [[figure]] must be a table")
    key = str(raw.get("key") or "?")
    for name in ("key", "title", "cost_gbp", "minutes", "price_year", "source"):
        if not raw.get(name):
            raise _bad(path, f"figure {key!r} has no {name} (every figure cites its source)")
    cost = _number(path, f"figure {key!r} cost_gbp", raw["cost_gbp"])
    minutes = _number(path, f"figure {key!r} minutes", raw["minutes"])
    if cost <= 0 or minutes <= 0:
        raise _bad(path, f"figure {key!r}: cost_gbp and minutes must be positive")
    year = _year(path, f"figure {key!r} price_year", raw["price_year"])
    return Figure(key, str(raw["title"]), cost, minutes, year, str(raw["source"]))


def _step(path: Path, raw: object) -> IndexStep:
    if not isinstance(raw, dict):
        raise _bad(path, "each [[index]] must be a table")
    frm = _year(path, "[[index]] from", raw.get("from"))
    to = _year(path, f"[[index]] from {frm}: to", raw.get("to"))
    where = f"[[index]] {frm} to {to}"
    if _year_start(to) <= _year_start(frm):
        raise _bad(path, f"{where}: to must be a later year than from")
    if not raw.get("source"):
        raise _bad(path, f"{where} has no source (each index row cites its published index)")
    has_pct, has_factor = raw.get("percent") is not None, raw.get("factor") is not None
    if has_pct == has_factor:
        raise _bad(path, f"{where}: give either percent (as published) or factor, not both")
    if has_pct:
        pct = _number(path, f"{where} percent", raw["percent"])
        if pct <= -100:
            raise _bad(path, f"{where}: percent must be above -100")
        return IndexStep(frm, to, 1 + pct / 100, str(raw["source"]), pct)
    factor = _number(path, f"{where} factor", raw["factor"])
    if factor <= 0:
        raise _bad(path, f"{where}: factor must be positive")
    return IndexStep(frm, to, factor, str(raw["source"]))


def load_cost_table(folder: Path | None = None) -> CostTable:
    """Read and check the lead's table; refused whole (with why) if any rule is broken."""
    path = (folder or resources_dir()) / TABLE_FILE
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise _bad(path, "is missing") from None
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise _bad(path, f"cannot be read ({exc})") from None
    # report_price_year; a table of the first format named it price_year.
    report_year = _year(
        path, "report_price_year", data.get("report_price_year") or data.get("price_year")
    )
    figures: dict[str, Figure] = {}
    for raw in data.get("figure", []):
        fig = _figure(path, raw)
        if fig.key in figures:
            raise _bad(path, f"two figures have the key {fig.key!r}")
        figures[fig.key] = fig
    steps = tuple(_step(path, raw) for raw in data.get("index", []))
    for before, after in zip(steps, steps[1:], strict=False):
        if after.from_year != before.to_year:
            raise _bad(
                path,
                f"[[index]] rows must follow on, earliest first: the row from "
                f"{after.from_year} comes after one that reaches {before.to_year}",
            )
    settings: dict[str, Setting] = {}
    for sector, raw in (data.get("setting") or {}).items():
        if sector not in SECTORS:
            raise _bad(path, f"[setting.{sector}]: the sectors are {', '.join(SECTORS)}")
        picked = {}
        for which in ("basis", "low", "high"):
            k = raw.get(which)
            if k not in figures:
                raise _bad(path, f"[setting.{sector}] {which} names no figure ({k!r})")
            picked[which] = figures[k]
        settings[sector] = Setting(sector, str(raw.get("what") or sector), **picked)
    table = CostTable(str(data.get("version") or "?"), report_year, settings, steps)
    for fig in table.figures:
        _check_reaches(path, table, fig)
    for sector in settings:
        basis, low, high = (table.per_minute(sector, w) for w in ("basis", "low", "high"))
        assert basis is not None and low is not None and high is not None
        if not low <= basis <= high:
            raise _bad(path, f"[setting.{sector}]: basis must lie between low and high")
    return table


def _check_reaches(path: Path, table: CostTable, fig: Figure) -> None:
    """A figure in use is at the report's price year or inflated to it by the index."""
    if fig.price_year == table.report_price_year:
        return
    if _year_start(fig.price_year) > _year_start(table.report_price_year):
        raise _bad(
            path,
            f"figure {fig.key!r} is at {fig.price_year} prices, later than report_price_year "
            f"{table.report_price_year} (figures are inflated, never deflated)",
        )
    steps = table.steps(fig.price_year)
    reached = steps[-1].to_year if steps else fig.price_year
    if reached != table.report_price_year:
        raise _bad(
            path,
            f"figure {fig.key!r} is at {fig.price_year} prices: report_price_year "
            f"{table.report_price_year} needs [[index]] rows from {fig.price_year} to it "
            f"(they reach {reached}), each citing its published index",
        )


@dataclass
class CostCell:
    """Released minutes and their value for one (sector, outcome)."""

    interventions: int = 0
    minutes: int = 0
    basis: int | None = 0  # pence; None when the sector has no figure
    low: int | None = 0
    high: int | None = 0


@dataclass
class CostAvoided:
    table: CostTable
    cells: dict[tuple[str, str], CostCell] = field(default_factory=dict)
    detrimental_minutes: int = 0  # Eadon grade 1: released minutes never counted
    detrimental: int = 0

    def total(self, outcome: str, which: str = "basis", sector: str | None = None) -> int | None:
        """Pence over the valued sectors (None if no sector in scope is valued)."""
        vals = [
            getattr(c, which)
            for (s, o), c in self.cells.items()
            if o == outcome and (sector is None or s == sector)
        ]
        known = [v for v in vals if v is not None]
        return sum(known) if known else (None if vals else 0)

    def minutes(self, outcome: str, sector: str | None = None) -> int:
        return sum(
            c.minutes
            for (s, o), c in self.cells.items()
            if o == outcome and (sector is None or s == sector)
        )

    def unvalued_sectors(self) -> list[str]:
        return sorted({s for (s, _), c in self.cells.items() if c.minutes and c.basis is None})


def _value(minutes: int, per_minute: Decimal | None) -> int | None:
    if per_minute is None:
        return None
    return int((per_minute * minutes / PENNY).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def cost_avoided(
    table: CostTable, rows: list[tuple[str, str | None, int | None, int, int]]
) -> CostAvoided:
    """``rows`` = (sector, outcome, significance, interventions, released minutes), summed
    over the signed rows. Each (sector, outcome) is valued once, at the table's figure."""
    out = CostAvoided(table)
    for sector, outcome, sig, n, minutes in rows:
        if sig == DETRIMENTAL:
            out.detrimental += n
            out.detrimental_minutes += minutes
            continue
        key = (sector, outcome if outcome in OUTCOMES else "not recorded")
        cell = out.cells.setdefault(key, CostCell())
        cell.interventions += n
        cell.minutes += minutes
    for (sector, _), cell in out.cells.items():
        cell.basis = _value(cell.minutes, table.per_minute(sector, "basis"))
        cell.low = _value(cell.minutes, table.per_minute(sector, "low"))
        cell.high = _value(cell.minutes, table.per_minute(sector, "high"))
    return out
