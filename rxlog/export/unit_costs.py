"""The versioned unit-cost table (``resources/unit-costs-<version>.toml``).

Money in a return is derived: ``cost_avoided = released_minutes x cost per minute`` of
the figure the table's ``[basis]`` names for the row's sector. A table names one figure
for every sector (``released_minutes = KEY``, as 2026.1 does) or one per sector
(``primary = KEY`` and ``secondary = KEY``, as 2026.2 does: GP time in primary care,
hospital doctor time in secondary care). The return format needs no change for it: each
CSV row carries its sector, its own cost_avoided and the table version.

Every figure carries its published source and its year (``year``, the edition's year, or
``price_year`` such as ``"2023/24"``, the price year its source states); a table without
them is refused rather than used.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from rxlog.errors import TaxonomyError
from rxlog.resources import resources_dir
from rxlog.settings import UNIT_COST_VERSION

SETTING_KEY = UNIT_COST_VERSION.name
SECTORS = ("primary", "secondary")  # as the return format's sector column
_FILE = re.compile(r"unit-costs-(.+)\.toml")
_PRICE_YEAR = re.compile(r"(\d{4})/(\d{2})")
PENNY = Decimal("0.01")


@dataclass(frozen=True)
class Figure:
    key: str
    title: str
    cost_gbp: Decimal
    minutes: Decimal
    year: int | None  # the source's year (2026.1's figures), or None
    source: str
    note: str | None = None
    price_year: str | None = None  # the price year the source states, e.g. "2023/24"

    @property
    def per_minute(self) -> Decimal:
        return self.cost_gbp / self.minutes


@dataclass(frozen=True)
class UnitCosts:
    version: str
    published: str
    figures: tuple[Figure, ...]
    bases: dict[str, Figure]  # sector -> the figure its released minutes are costed at

    def basis_for(self, sector: str) -> Figure:
        try:
            return self.bases[sector]
        except KeyError:
            raise TaxonomyError(
                f"unit-cost table {self.version} has no basis for sector {sector[:20]!r}"
            ) from None

    @property
    def basis(self) -> Figure | None:
        """The one figure every sector is costed at; None when sectors differ."""
        distinct = {f.key: f for f in self.bases.values()}
        return next(iter(distinct.values())) if len(distinct) == 1 else None

    @property
    def by_sector(self) -> bool:
        """Does the table cost the sectors at different figures?"""
        return self.basis is None

    def cost_of_minutes(self, minutes: int | None, sector: str) -> Decimal | None:
        """Cost avoided for ``minutes`` of clinician time released in ``sector``, to the
        penny (half up)."""
        if minutes is None:
            return None
        per_minute = self.basis_for(sector).per_minute
        return (per_minute * minutes).quantize(PENNY, rounding=ROUND_HALF_UP)


def available_versions(folder: Path | None = None) -> list[str]:
    folder = folder or resources_dir()
    found = [m.group(1) for p in folder.glob("unit-costs-*.toml") if (m := _FILE.fullmatch(p.name))]
    return sorted(found, key=lambda v: [int(x) if x.isdigit() else x for x in re.split(r"\.", v)])


def _bad(path: Path, why: str) -> TaxonomyError:
    return TaxonomyError(f"unit-cost table {path.name}: {why}")


def _when(path: Path, key: str, raw: dict[str, object]) -> tuple[int | None, str | None]:
    """A figure's ``year`` and/or ``price_year`` (at least one; each checked)."""
    year_raw, price_raw = raw.get("year"), raw.get("price_year")
    if not year_raw and not price_raw:
        raise _bad(path, f"figure {key!r} has no year (every figure cites its source)")
    year = None
    if year_raw:
        text = str(year_raw)
        if isinstance(year_raw, bool) or not text.isdigit() or not 1900 < int(text) < 2200:
            raise _bad(path, f"figure {key!r}: year {text[:20]!r} is not a year such as 2015")
        year = int(text)
    price_year = None
    if price_raw:
        price_year = str(price_raw)
        m = _PRICE_YEAR.fullmatch(price_year)
        if not m or int(m.group(2)) != (int(m.group(1)) + 1) % 100:
            raise _bad(
                path,
                f"figure {key!r}: price_year {price_year[:20]!r} is not a financial year "
                "such as 2023/24",
            )
    return year, price_year


def _figure(path: Path, raw: object) -> Figure:
    if not isinstance(raw, dict):
        raise _bad(path, "each [[figure]] must be a table")
    key = raw.get("key", "?")
    for field in ("key", "title", "cost_gbp", "minutes", "source"):
        if not raw.get(field):
            raise _bad(path, f"figure {key!r} has no {field} (every figure cites its source)")
    year, price_year = _when(path, str(key), raw)
    try:
        cost, minutes = Decimal(str(raw["cost_gbp"])), Decimal(str(raw["minutes"]))
    except InvalidOperation:
        raise _bad(path, f"figure {key!r}: cost_gbp and minutes must be numbers") from None
    if not (cost.is_finite() and minutes.is_finite()) or cost <= 0 or minutes <= 0:
        raise _bad(path, f"figure {key!r}: cost_gbp and minutes must be positive")
    return Figure(
        str(raw["key"]),
        str(raw["title"]),
        cost,
        minutes,
        year,
        str(raw["source"]),
        raw.get("note"),
        price_year,
    )


def _bases(path: Path, raw: object, by_key: dict[str, Figure]) -> dict[str, Figure]:
    """``[basis]``: ``released_minutes`` (every sector) or one key per sector, not both."""
    if not isinstance(raw, dict) or not raw:
        raise _bad(path, "[basis] is missing: it names the figure released minutes are costed at")
    unknown = sorted(set(raw) - {"released_minutes", *SECTORS})
    if unknown:
        raise _bad(
            path,
            f"[basis] {unknown[0][:40]!r} is not released_minutes or a sector "
            f"({', '.join(SECTORS)})",
        )
    if "released_minutes" in raw and set(raw) & set(SECTORS):
        raise _bad(path, "[basis] names released_minutes or a figure per sector, not both")
    if "released_minutes" in raw:
        names = dict.fromkeys(SECTORS, raw["released_minutes"])
        where = dict.fromkeys(SECTORS, "released_minutes")
    else:
        missing = [s for s in SECTORS if s not in raw]
        if missing:
            raise _bad(path, f"[basis] has no figure for {missing[0]} care ({missing[0]} = KEY)")
        names, where = {s: raw[s] for s in SECTORS}, {s: s for s in SECTORS}
    out = {}
    for sector, key in names.items():
        if not isinstance(key, str) or key not in by_key:
            raise _bad(path, f"[basis] {where[sector]} names no figure ({str(key)[:40]!r})")
        out[sector] = by_key[key]
    return out


def load_unit_costs(version: str | None = None, folder: Path | None = None) -> UnitCosts:
    """The table of ``version`` (default: the newest one shipped)."""
    folder = folder or resources_dir()
    versions = available_versions(folder)
    if not versions:
        raise TaxonomyError(f"no unit-cost table (unit-costs-*.toml) in {folder}")
    version = version or versions[-1]
    path = folder / f"unit-costs-{version}.toml"
    if version not in versions:
        raise TaxonomyError(
            f"no unit-cost table version {version!r}; available: {', '.join(versions)}"
        )
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise _bad(path, f"cannot be read ({exc})") from None
    if data.get("version") != version:
        raise _bad(path, f"says version {data.get('version')!r}, its name says {version!r}")
    figures = tuple(_figure(path, f) for f in data.get("figure", []))
    by_key: dict[str, Figure] = {}
    for f in figures:
        if f.key in by_key:
            raise _bad(path, f"two figures have the key {f.key!r}")
        by_key[f.key] = f
    bases = _bases(path, data.get("basis"), by_key)
    return UnitCosts(version, str(data.get("published", "")), figures, bases)
