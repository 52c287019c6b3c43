"""The versioned unit-cost table (``resources/unit-costs-<version>.toml``).

Money in a return is derived: ``cost_avoided = released_minutes x cost per minute`` of
the figure the table's ``[basis]`` names. Every figure carries its published source
and year; a table without them is refused rather than used.
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
_FILE = re.compile(r"unit-costs-(.+)\.toml")
PENNY = Decimal("0.01")


@dataclass(frozen=True)
class Figure:
    key: str
    title: str
    cost_gbp: Decimal
    minutes: Decimal
    year: int
    source: str
    note: str | None = None

    @property
    def per_minute(self) -> Decimal:
        return self.cost_gbp / self.minutes


@dataclass(frozen=True)
class UnitCosts:
    version: str
    published: str
    figures: tuple[Figure, ...]
    basis: Figure  # the figure released minutes are costed at

    def cost_of_minutes(self, minutes: int | None) -> Decimal | None:
        """Cost avoided for ``minutes`` of clinician time released, to the penny."""
        if minutes is None:
            return None
        return (self.basis.per_minute * minutes).quantize(PENNY, rounding=ROUND_HALF_UP)


def available_versions(folder: Path | None = None) -> list[str]:
    folder = folder or resources_dir()
    found = [m.group(1) for p in folder.glob("unit-costs-*.toml") if (m := _FILE.fullmatch(p.name))]
    return sorted(found, key=lambda v: [int(x) if x.isdigit() else x for x in re.split(r"\.", v)])


def _bad(path: Path, why: str) -> TaxonomyError:
    return TaxonomyError(f"unit-cost table {path.name}: {why}")


def _figure(path: Path, raw: object) -> Figure:
    if not isinstance(raw, dict):
        raise _bad(path, "each [[figure]] must be a table")
    key = raw.get("key", "?")
    for field in ("key", "title", "cost_gbp", "minutes", "year", "source"):
        if not raw.get(field):
            raise _bad(path, f"figure {key!r} has no {field} (every figure cites its source)")
    try:
        cost, minutes = Decimal(str(raw["cost_gbp"])), Decimal(str(raw["minutes"]))
    except InvalidOperation:
        raise _bad(path, f"figure {key!r}: cost_gbp and minutes must be numbers") from None
    if cost <= 0 or minutes <= 0:
        raise _bad(path, f"figure {key!r}: cost_gbp and minutes must be positive")
    return Figure(
        str(raw["key"]),
        str(raw["title"]),
        cost,
        minutes,
        int(raw["year"]),
        str(raw["source"]),
        raw.get("note"),
    )


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
    by_key = {f.key: f for f in figures}
    basis_key = (data.get("basis") or {}).get("released_minutes")
    if basis_key not in by_key:
        raise _bad(path, f"[basis] released_minutes names no figure ({basis_key!r})")
    return UnitCosts(version, str(data.get("published", "")), figures, by_key[basis_key])
