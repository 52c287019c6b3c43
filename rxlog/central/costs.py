"""The lead's unit-cost table (``resources/central-unit-costs.toml``) and the cost-avoided
figures of the evidence report.

Cost avoided is recomputed from the signed rows' clinician minutes released, valued at
the figure for the setting the minutes were released in (GP time in primary care,
hospital doctor/nurse time in secondary care), so hospital minutes are never priced at a
GP rate. The headline counts accepted interventions only; declined and pending are shown
beside it; Eadon grade 1 ("detrimental to the patient") never counts as cost avoided. A
setting with no published figure in the table is "not valued", never borrowed.
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
    price_year: str
    source: str

    @property
    def per_minute(self) -> Decimal:
        return self.cost_gbp / self.minutes


@dataclass(frozen=True)
class IndexStep:
    """Inflation from one price year to the next, with its published source."""

    from_year: str
    to_year: str
    factor: Decimal
    source: str


@dataclass(frozen=True)
class Setting:
    sector: str
    what: str
    basis: Figure
    low: Figure
    high: Figure


@dataclass(frozen=True)
class CostTable:
    version: str
    price_year: str  # of the figures
    report_price_year: str  # what the report states (== price_year when not inflated)
    settings: dict[str, Setting]
    index: tuple[IndexStep, ...] = ()

    @property
    def inflator(self) -> Decimal:
        f = Decimal(1)
        for step in self.index:
            f *= step.factor
        return f

    def per_minute(self, sector: str, which: str) -> Decimal | None:
        s = self.settings.get(sector)
        if s is None:
            return None
        fig = {"basis": s.basis, "low": s.low, "high": s.high}[which]
        return fig.per_minute * self.inflator


def _bad(path: Path, why: str) -> TaxonomyError:
    return TaxonomyError(f"unit-cost table {path.name}: {why}")


def load_cost_table(folder: Path | None = None) -> CostTable:
    """Read and check the lead's table; refused whole (with why) if any rule is broken."""
    path = (folder or resources_dir()) / TABLE_FILE
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise _bad(path, "is missing") from None
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise _bad(path, f"cannot be read ({exc})") from None
    price_year = str(data.get("price_year") or "")
    if not _YEAR.fullmatch(price_year):
        raise _bad(path, f"price_year {price_year!r} is not a year such as 2015 or 2024/25")
    figures: dict[str, Figure] = {}
    for raw in data.get("figure", []):
        if not isinstance(raw, dict):
            raise _bad(path, "each [[figure]] must be a table")
        key = raw.get("key", "?")
        for name in ("key", "title", "cost_gbp", "minutes", "price_year", "source"):
            if not raw.get(name):
                raise _bad(path, f"figure {key!r} has no {name} (every figure cites its source)")
        try:
            cost, minutes = Decimal(str(raw["cost_gbp"])), Decimal(str(raw["minutes"]))
        except InvalidOperation:
            raise _bad(path, f"figure {key!r}: cost_gbp and minutes must be numbers") from None
        if not (cost.is_finite() and minutes.is_finite()) or cost <= 0 or minutes <= 0:
            raise _bad(path, f"figure {key!r}: cost_gbp and minutes must be positive")
        if str(raw["price_year"]) != price_year:
            raise _bad(
                path,
                f"figure {key!r} is at {raw['price_year']} prices, the table at {price_year}: "
                "bring it to the table's price year with a cited index first",
            )
        figures[str(key)] = Figure(
            str(key), str(raw["title"]), cost, minutes, price_year, str(raw["source"])
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
        if not picked["low"].per_minute <= picked["basis"].per_minute <= picked["high"].per_minute:
            raise _bad(path, f"[setting.{sector}]: basis must lie between low and high")
        settings[sector] = Setting(sector, str(raw.get("what") or sector), **picked)
    steps = []
    for raw in data.get("index", []):
        try:
            factor = Decimal(str(raw.get("factor")))
        except InvalidOperation:
            raise _bad(path, "an [[index]] factor is not a number") from None
        if not raw.get("source") or not factor.is_finite() or factor <= 0:
            raise _bad(path, "each [[index]] row needs a positive factor and its source")
        steps.append(IndexStep(str(raw["from"]), str(raw["to"]), factor, str(raw["source"])))
    report_year = str(data.get("report_price_year") or price_year)
    year = price_year
    for step in steps:
        if step.from_year != year:
            raise _bad(path, f"[[index]] from {step.from_year} does not follow {year}")
        year = step.to_year
    if year != report_year:
        raise _bad(
            path,
            f"report_price_year {report_year} needs [[index]] rows from {price_year} to it "
            f"(they reach {year})",
        )
    return CostTable(str(data.get("version") or "?"), price_year, report_year, settings,
                     tuple(steps))  # fmt: skip


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
