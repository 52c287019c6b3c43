"""Parsing a return's CSV (docs/return-format.md) into rows for the central store."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from rxlog.errors import ValidationError

# The return CSV's columns (docs/return-format.md), in the order the combined export uses.
CSV_COLUMNS = (
    "return_id", "version", "entry_id", "gphc", "site", "site_name", "site_kind", "sector",
    "phase", "date", "code", "title", "category", "taxonomy_version", "minutes", "count",
    "count_unit", "significance", "significance_scale", "harm", "harm_scale",
    "released_minutes", "outcome", "cost_avoided", "unit_cost_version", "qs120_days",
)  # fmt: skip
# Helpful columns the export writes that a reader does without (older or minimal CSVs).
OPTIONAL_COLUMNS = frozenset({"site_name", "title", "count_unit"})

# central_entry's columns after return_pk, in CSV order (cost stored in whole pence).
DB_COLUMNS = tuple("cost_avoided_pence" if c == "cost_avoided" else c for c in CSV_COLUMNS)
_INT_COLUMNS = {"version", "minutes", "count", "significance", "released_minutes", "qs120_days"}
_REQUIRED = {"return_id", "version", "entry_id", "gphc", "site", "sector", "date", "code",
             "taxonomy_version", "minutes"}  # fmt: skip
_DATE, _MINUTES, _SITE, _SECTOR = (
    CSV_COLUMNS.index(c) for c in ("date", "minutes", "site", "sector")
)
_INJECTION = ("=", "+", "-", "@", "\t", "\r", "\n")


def unescape(value: str) -> str:
    """Undo the writer's CSV-injection guard: drop one ``'`` before = + - @ tab CR LF."""
    if value[:1] == "'" and value[1:2] in _INJECTION and len(value) > 1:
        return value[1:]
    return value


def escape(value: str) -> str:
    """The same guard for the files the lead exports (OWASP CSV injection)."""
    return "'" + value if value[:1] in _INJECTION and value else value


def pence(value: str) -> int:
    """``"123.45"`` -> 12345; refuses anything with more than two decimal places."""
    d = Decimal(value)
    p = d * 100
    if p != p.to_integral_value():
        raise InvalidOperation
    return int(p)


def pounds(p: int | None) -> str:
    if p is None:
        return ""
    sign = "-" if p < 0 else ""
    p = abs(p)
    return f"{sign}{p // 100}.{p % 100:02d}"


@dataclass
class ParsedCsv:
    rows: list[tuple[Any, ...]]  # values in DB_COLUMNS order
    minutes: int
    main_site: str
    sectors: Counter[str]


def parse_return_csv(data: bytes, manifest: dict[str, Any], name: str) -> ParsedCsv:
    """Rows of a return's CSV, checked against its (already verified) manifest."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(f"{name} is not UTF-8 text") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ValidationError(f"{name} is empty: no header row") from None
    except csv.Error as exc:
        raise ValidationError(f"{name}, line 1: {exc}") from None
    header = [h.strip() for h in header]
    missing = [c for c in CSV_COLUMNS if c not in header and c not in OPTIONAL_COLUMNS]
    if missing:
        raise ValidationError(f"{name} lacks the column(s) {', '.join(missing)}")
    index = [header.index(c) if c in header else -1 for c in CSV_COLUMNS]
    width = len(header)
    rid = str(manifest["return_id"])
    version = int(manifest["version"])
    gphc = str(manifest["technician"]["gphc"])
    month_prefix = str(manifest["month"]) + "-"
    ints = [c in _INT_COLUMNS for c in CSV_COLUMNS]
    required = [c in _REQUIRED for c in CSV_COLUMNS]
    cost_at = CSV_COLUMNS.index("cost_avoided")
    rows: list[tuple[Any, ...]] = []
    minutes = 0
    sites: Counter[str] = Counter()
    sectors: Counter[str] = Counter()
    line = 1
    try:
        for line, raw in enumerate(reader, 2):
            if len(raw) != width:
                if not raw:
                    continue
                raise ValidationError(f"{name}, line {line}: {len(raw)} cells, expected {width}")
            values: list[Any] = []
            for pos, col in enumerate(index):
                v = raw[col] if col >= 0 else ""
                if v[:1] == "'":
                    v = unescape(v)
                if not v:
                    if required[pos]:
                        raise ValidationError(f"{name}, line {line}: {CSV_COLUMNS[pos]} is empty")
                    values.append(None)
                elif ints[pos]:
                    values.append(int(v))
                elif pos == cost_at:
                    values.append(pence(v))
                else:
                    values.append(v)
            if values[0] != rid or values[1] != version or values[3] != gphc:  # id, v, gphc
                raise ValidationError(
                    f"{name}, line {line}: the row belongs to return {values[0]} v{values[1]} "
                    f"(GPhC {values[3]}), not to {rid} v{version} its manifest describes"
                )
            day = values[_DATE]
            if not day.startswith(month_prefix) or len(day) != 10:
                raise ValidationError(
                    f"{name}, line {line}: date {day} is not in {manifest['month']}"
                )
            minutes += values[_MINUTES]
            sites[values[_SITE]] += 1
            sectors[values[_SECTOR]] += 1
            rows.append(tuple(values))
    except csv.Error as exc:
        raise ValidationError(f"{name}, line {line}: {exc}") from None
    except (ValueError, InvalidOperation):
        raise ValidationError(
            f"{name}, line {line}: a number column holds something that is not a number"
        ) from None
    main_site = min(sites, key=lambda s: (-sites[s], s)) if sites else ""
    return ParsedCsv(rows, minutes, main_site, sectors)
