"""The return's CSV (docs/return-format.md): its columns, the escaping that keeps a
spreadsheet from running a cell as a formula, writing it, and parsing it for the
central store (columns: docs/data-dictionary.md).

UTF-8 with a BOM (Excel then reads it as UTF-8), ``\\r\\n`` line ends, no notes and no
patient data. A text cell a spreadsheet could take for a formula gets a leading ``'``
(OWASP "CSV Injection"); a reader strips it again.
"""

from __future__ import annotations

import csv
import io
import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from rxlog.errors import ValidationError

# The return CSV's columns, in the order the export writes them.
CSV_COLUMNS = (
    "return_id", "version", "entry_id", "gphc", "site", "site_name", "site_kind", "sector",
    "phase", "date", "code", "title", "category", "taxonomy_version", "minutes", "count",
    "count_unit", "significance", "significance_scale", "harm", "harm_scale",
    "released_minutes", "outcome", "cost_avoided", "unit_cost_version", "qs120_days",
)  # fmt: skip
COLUMNS = CSV_COLUMNS
# Helpful columns the export writes that a reader does without (older or minimal CSVs).
OPTIONAL_COLUMNS = frozenset({"site_name", "title", "count_unit"})

# central_entry's columns after return_pk, in CSV order (cost stored in whole pence).
DB_COLUMNS = tuple("cost_avoided_pence" if c == "cost_avoided" else c for c in CSV_COLUMNS)
_INT_COLUMNS = {"version", "minutes", "count", "significance", "released_minutes", "qs120_days"}
_REQUIRED = {"return_id", "version", "entry_id", "gphc", "site", "sector", "date", "code",
             "taxonomy_version", "minutes"}  # fmt: skip
MAX_PENCE = Decimal(10) ** 12  # pounds; a bigger figure is not a cost avoided
_INJECTION = ("=", "+", "-", "@", "\t", "\r", "\n")


def unescape(value: str) -> str:
    """Undo the writer's CSV-injection guard: drop one ``'`` before = + - @ tab CR LF."""
    if value[:1] == "'" and value[1:2] in _INJECTION and len(value) > 1:
        return value[1:]
    return value


def escape(value: str) -> str:
    """The guard for a text cell (OWASP CSV injection): a leading ``'`` before a cell
    that starts with = + - @ tab CR LF. Used for the return and the lead's exports."""
    return "'" + value if value[:1] in _INJECTION and value else value


def neutralise(value: object) -> str:
    """A cell's text, made inert if a spreadsheet could run it as a formula (numbers
    are written as they are: a negative number stays a number)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return escape(value)
    return str(value)


def write_rows(
    rows: Iterable[Mapping[str, object]], bom: bool = True, line_end: str = "\r\n"
) -> bytes:
    """The CSV file's bytes: the header, then each row's cells in :data:`COLUMNS` order."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator=line_end)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([neutralise(row[c]) for c in COLUMNS])
    return (("\ufeff" if bom else "") + buf.getvalue()).encode("utf-8")


def pence(value: str) -> int:
    """``"123.45"`` -> 12345; refuses anything with more than two decimal places."""
    d = Decimal(value)
    if not d.is_finite() or abs(d) >= MAX_PENCE:
        raise InvalidOperation
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
    summary: list[tuple[Any, ...]] = field(default_factory=list)


def _first(col: Any, bad: Any) -> int:
    """Line number (header = 1) of the first value for which ``bad`` is true."""
    for i, v in enumerate(col):
        if bad(v):
            return i + 2
    return 0


def _is_int(v: str) -> bool:
    try:
        int(v)
    except ValueError:
        return False
    return True


def _is_money(v: str) -> bool:
    try:
        pence(v)
    except (InvalidOperation, ValueError):
        return False
    return True


def parse_return_csv(data: bytes, manifest: dict[str, Any], name: str) -> ParsedCsv:
    """Rows of a return's CSV, checked against its (already verified) manifest.

    Works column by column (C-speed list comprehensions over ``zip(*rows)``) rather than
    cell by cell: a thousand returns of 2,000 rows are parsed in seconds. On a problem,
    the message names the line and column.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(f"{name} is not UTF-8 text") from None
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        header = [h.strip() for h in next(reader, [])]
        body = [r for r in reader if r]
    except csv.Error as exc:
        raise ValidationError(f"{name}: not a readable CSV ({exc})") from None
    if not header:
        raise ValidationError(f"{name} is empty: no header row")
    missing = [c for c in CSV_COLUMNS if c not in header and c not in OPTIONAL_COLUMNS]
    if missing:
        raise ValidationError(f"{name} lacks the column(s) {', '.join(missing)}")
    width = len(header)
    bad_width = _first(body, lambda r: len(r) != width)
    if bad_width:
        raise ValidationError(f"{name}, line {bad_width}: wrong number of cells, expected {width}")
    n = len(body)
    columns = list(zip(*body, strict=True)) if body else [() for _ in header]
    out: list[Any] = []
    for col_name in CSV_COLUMNS:
        if col_name not in header:
            out.append((None,) * n)
            continue
        col: Any = columns[header.index(col_name)]
        if "'" in "\x00".join(col):
            col = [unescape(v) for v in col]
        if col_name in _REQUIRED and "" in col:
            line = _first(col, lambda v: v == "")
            raise ValidationError(f"{name}, line {line}: {col_name} is empty")
        try:
            if col_name in _INT_COLUMNS:
                col = [int(v) if v else None for v in col]
            elif col_name == "cost_avoided":
                col = [pence(v) if v else None for v in col]
            elif col_name != "entry_id":
                # Repeated text (site, code, scale names...) becomes one shared object:
                # a third of the memory, and a third of the pickle a worker sends back.
                col = [v or None for v in map(sys.intern, col)]
        except (ValueError, InvalidOperation):
            check = _is_money if col_name == "cost_avoided" else _is_int
            line = _first(col, lambda v, check=check: v != "" and not check(v))
            raise ValidationError(
                f"{name}, line {line}: {col_name} is not a number"
                + (" with at most 2 decimal places" if col_name == "cost_avoided" else "")
            ) from None
        out.append(col)
    by = dict(zip(CSV_COLUMNS, out, strict=True))
    rid = str(manifest["return_id"])
    version = int(manifest["version"])
    gphc = str(manifest["technician"]["gphc"])
    for col_name, want in (("return_id", rid), ("version", version), ("gphc", gphc)):
        if n and set(by[col_name]) != {want}:
            line = _first(by[col_name], lambda v, want=want: v != want)
            raise ValidationError(
                f"{name}, line {line}: the row belongs to another return ({col_name} is not "
                f"{want} as in the manifest)"
            )
    prefix = f"{manifest['month']}-"
    if not all(len(d) == 10 and d.startswith(prefix) for d in by["date"]):
        line = _first(by["date"], lambda d: len(d) != 10 or not d.startswith(prefix))
        raise ValidationError(f"{name}, line {line}: the date is not in {manifest['month']}")
    sites = Counter(by["site"])
    main_site = min(sites, key=lambda s: (-sites[s], s)) if sites else ""
    rows = list(zip(*out, strict=True)) if n else []
    return ParsedCsv(rows, sum(by["minutes"]), main_site, Counter(by["sector"]))
