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
import re
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
    "qs120_minutes",
)  # fmt: skip
COLUMNS = CSV_COLUMNS
# Helpful columns the export writes that a reader does without (older or minimal CSVs).
# ``qs120_minutes`` came later within rxlog-return/2: a return without it reads its
# admission reconciliations as "not recorded".
OPTIONAL_COLUMNS = frozenset({"site_name", "title", "count_unit", "qs120_minutes"})
# Minutes from admission to an admission reconciliation: plain ASCII digits, no sign, no
# leading zero, no spaces (int() would take " 12", "+12", "1_2" or other scripts' digits).
_MINUTES_SHAPE = re.compile(r"0|[1-9][0-9]{0,5}")

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
        return "'" + value if value[:1] in _INJECTION and value else value  # escape()
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


def _convert_column(col_name: str, raw: Any, name: str) -> Any:
    """One column of a return's CSV, unescaped, checked and converted (ints, pence,
    interned text); a bad cell raises with its line."""
    col: Any = raw
    if "'" in "\x00".join(col):
        col = [unescape(v) for v in col]
    if col_name in _REQUIRED and "" in col:
        line = _first(col, lambda v: v == "")
        raise ValidationError(f"{name}, line {line}: {col_name} is empty")
    if col_name == "qs120_minutes":
        return _admission_minutes(col, name)
    try:
        # Each distinct value converted once, then mapped at C speed. Repeated text
        # (site, code, scale names...) becomes one shared object: a third of the
        # memory, and a third of the pickle a worker sends back.
        if col_name in _INT_COLUMNS:
            conv: dict[str, Any] = {v: int(v) if v else None for v in set(col)}
            col = list(map(conv.__getitem__, col))
        elif col_name == "cost_avoided":
            conv = {v: pence(v) if v else None for v in set(col)}
            col = list(map(conv.__getitem__, col))
        elif col_name != "entry_id":
            conv = {v: sys.intern(v) or None for v in set(col)}
            col = list(map(conv.__getitem__, col))
    except (ValueError, InvalidOperation):
        check = _is_money if col_name == "cost_avoided" else _is_int
        line = _first(col, lambda v, check=check: v != "" and not check(v))
        raise ValidationError(
            f"{name}, line {line}: {col_name} is not a number"
            + (" with at most 2 decimal places" if col_name == "cost_avoided" else "")
        ) from None
    return col


def read_rows(text: str) -> tuple[list[str], list[list[str]]]:
    """A CSV's header (names stripped) and rows, blank lines skipped, as csv.reader reads
    them. A plain CSV (no ``"``, no NUL, no lone CR or LF, no line over the csv module's
    cell limit, a header first: what RxLog writes) is exactly its lines split at commas,
    read so at a few times csv.reader's speed; anything else goes through csv.reader."""
    if '"' not in text and "\0" not in text:
        lines = text.split("\r\n")
        n = len(lines) - 1
        if (
            lines[0]
            and text.count("\r") == n == text.count("\n")
            and max(map(len, lines)) < csv.field_size_limit()
        ):
            body = lines[1:]
            if "" in body:  # blank lines are no rows
                body = [line for line in body if line]
            return [h.strip() for h in lines[0].split(",")], [line.split(",") for line in body]
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader, [])]
    rows = list(reader)
    if [] in rows:  # blank lines are no rows
        rows = [r for r in rows if r]
    return header, rows


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
        header, body = read_rows(text)
    except csv.Error as exc:
        raise ValidationError(f"{name}: not a readable CSV ({exc})") from None
    if not header:
        raise ValidationError(f"{name} is empty: no header row")
    missing = [c for c in CSV_COLUMNS if c not in header and c not in OPTIONAL_COLUMNS]
    if missing:
        raise ValidationError(f"{name} lacks the column(s) {', '.join(missing)}")
    width = len(header)
    bad_width = _first(body, lambda r: len(r) != width) if set(map(len, body)) - {width} else 0
    if bad_width:
        raise ValidationError(f"{name}, line {bad_width}: wrong number of cells, expected {width}")
    n = len(body)
    columns = list(zip(*body, strict=True)) if body else [() for _ in header]
    out: list[Any] = []
    for col_name in CSV_COLUMNS:
        if col_name not in header:
            out.append((None,) * n)
            continue
        out.append(_convert_column(col_name, columns[header.index(col_name)], name))
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
    if not all(len(d) == 10 and d.startswith(prefix) for d in set(by["date"])):
        line = _first(by["date"], lambda d: len(d) != 10 or not d.startswith(prefix))
        raise ValidationError(f"{name}, line {line}: the date is not in {manifest['month']}")
    check_rows(by, n, manifest, name)
    sites = Counter(by["site"])
    main_site = min(sites, key=lambda s: (-sites[s], s)) if sites else ""
    rows = list(zip(*out, strict=True)) if n else []
    return ParsedCsv(rows, sum(by["minutes"]), main_site, Counter(by["sector"]))


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_TEXT_LIMITS = {"site_name": 200, "title": 200, "phase": 40, "category": 40,
                "unit_cost_version": 80, "count_unit": 16, "significance_scale": 40,
                "harm_scale": 40, "taxonomy_version": 16}  # fmt: skip
SECTORS = frozenset({"primary", "secondary"})


_NOT_TEXT = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


def _admission_minutes(col: Any, name: str) -> list[int | None]:
    """The ``qs120_minutes`` column, its shape checked strictly (hostile input)."""
    bad = next((i for i, v in enumerate(col) if v and not _MINUTES_SHAPE.fullmatch(v)), -1)
    if bad >= 0:
        raise ValidationError(
            f"{name}, line {bad + 2}: qs120_minutes {col[bad][:20]!r} is not a whole number "
            "of minutes (digits only)"
        )
    return [int(v) if v else None for v in col]


def _has_controls(text: str) -> bool:
    """Control, format (bidi), separator or unassigned characters: not one line of text."""
    if text.isascii():
        return not text.isprintable()
    import unicodedata

    return any(unicodedata.category(ch) in _NOT_TEXT for ch in text)


_UUIDS = re.compile(r"(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\n)*")


def _line(col: Any, bad: Any) -> int:
    """Index of the first value of ``col`` for which ``bad`` is true."""
    return next((i for i, v in enumerate(col) if bad(v)), 0)


def _fail(name: str, i: int, message: str) -> ValidationError:
    return ValidationError(f"{name}, line {i + 2}: {message}")


def _check_ids(by: dict[str, Any], n: int, name: str) -> None:
    ids = by["entry_id"]
    if len(set(ids)) != n:
        seen: set[str] = set()
        for i, v in enumerate(ids):
            if v in seen:
                raise _fail(name, i, f"entry id {v[:40]!r} appears twice")
            seen.add(v)
    if not _UUIDS.fullmatch("\n".join(ids) + "\n"):
        i = _line(ids, lambda v: not _UUID.fullmatch(v))
        raise _fail(name, i, "entry_id is not an RxLog entry id")


def _check_texts(by: dict[str, Any], name: str) -> None:
    for col, limit in _TEXT_LIMITS.items():
        for v in set(by[col]):
            if v is not None and (len(v) > limit or _has_controls(v)):
                raise _fail(
                    name,
                    by[col].index(v),
                    f"{col} is longer than {limit} characters or not one line of text",
                )


def _check_places(by: dict[str, Any], name: str) -> None:
    from rxlog.identifiers import SiteKind, ods_kind

    for v in set(by["site"]):
        try:
            ods_kind(v)
            ok = v == v.strip().upper()
        except ValidationError:
            ok = False
        if not ok:
            raise _fail(name, by["site"].index(v), f"site {v[:10]!r} is not an ODS site code")
    kinds = {k.value for k in SiteKind}
    for v in set(by["site_kind"]) - kinds - {None}:
        raise _fail(name, by["site_kind"].index(v), f"site_kind {v[:20]!r} is not one of "
                    + ", ".join(sorted(kinds)))  # fmt: skip
    for v in set(by["sector"]) - SECTORS:
        raise _fail(
            name, by["sector"].index(v), f"sector {str(v)[:20]!r} is not primary or secondary"
        )


def _check_days(by: dict[str, Any], month: str, name: str) -> None:
    """Real dates in the month; minutes in range; at most 24 hours a day."""
    from datetime import date

    from rxlog.limits import DAY_MINUTES, MAX_MINUTES

    for v in set(by["date"]):
        try:
            real = date.fromisoformat(v).isoformat() == v
        except ValueError:
            raise _fail(name, by["date"].index(v), f"{v[:10]!r} is not a real date") from None
        if not real or v[:7] != month:
            raise _fail(name, by["date"].index(v), f"the date {v} is not in {month}")
    minutes = by["minutes"]
    if min(minutes) < 1 or max(minutes) > MAX_MINUTES:
        i = _line(minutes, lambda v: not 1 <= v <= MAX_MINUTES)
        raise _fail(name, i, f"minutes {minutes[i]} is out of range (1 to {MAX_MINUTES})")
    if sum(minutes) > DAY_MINUTES:
        per_day: dict[str, int] = {}
        for d, m in zip(by["date"], minutes, strict=True):
            per_day[d] = per_day.get(d, 0) + m
        for d, total in per_day.items():
            if total > DAY_MINUTES:
                raise _fail(name, by["date"].index(d), f"{d} has more than 24 hours logged")


def _taxonomies(by: dict[str, Any], manifest: dict[str, Any], name: str) -> dict[str, Any]:
    """The taxonomy of each version the rows name (one the manifest lists and this
    RxLog ships)."""
    from rxlog.taxonomy import taxonomy_of_version

    listed = manifest.get("taxonomy_versions")
    taxonomies: dict[str, Any] = {}
    for v in set(by["taxonomy_version"]):
        i = by["taxonomy_version"].index(v)
        if isinstance(listed, list) and v not in listed:
            raise _fail(name, i, f"taxonomy version {v[:16]!r} is not one the manifest lists")
        tax = taxonomy_of_version(v)
        if tax is None:
            raise _fail(
                name, i, f"taxonomy version {v[:16]!r} is not known to this RxLog (update RxLog)"
            )
        taxonomies[v] = tax
    return taxonomies


def _check_ranges(by: dict[str, Any], name: str) -> None:
    from rxlog.limits import MAX_ADMISSION_MINUTES, MAX_COUNT, MAX_DISCHARGE_DAYS, MAX_MINUTES

    for col, low, high in (("count", 0, MAX_COUNT), ("released_minutes", 0, MAX_MINUTES),
                           ("qs120_days", 0, MAX_DISCHARGE_DAYS),
                           ("qs120_minutes", 0, MAX_ADMISSION_MINUTES),
                           ("cost_avoided", 0, 10**14)):  # fmt: skip
        given = [v for v in by[col] if v is not None]
        if given and (min(given) < low or max(given) > high):
            i = _line(by[col], lambda v, lo=low, hi=high: v is not None and not lo <= v <= hi)
            what = "cost_avoided" if col == "cost_avoided" else f"{col} {by[col][i]}"
            raise _fail(name, i, f"{what} is out of range (from {low})")


# What depends on the code, checked once per distinct combination of these columns
# (and of whether count, released_minutes, qs120_days, cost_avoided and qs120_minutes
# are empty).
_KEYED = ("code", "taxonomy_version", "category", "significance", "significance_scale",
          "harm", "harm_scale", "outcome")  # fmt: skip
_EMPTY = ("count", "released_minutes", "qs120_days", "cost_avoided", "qs120_minutes")


def _combo_problem(combo: tuple[Any, ...], taxonomies: dict[str, Any]) -> str | None:
    """What is wrong with one combination of a row's code-dependent values, if anything."""
    from rxlog.scales import HARM, HARM_SCALE, OUTCOMES, SIGNIFICANCE, SIGNIFICANCE_SCALE

    code_s, tv, cat, sig, sig_scale, harm, harm_scale, outcome = combo[:8]
    no_count, no_released, no_qs120, no_cost, no_admission = combo[8:]
    code = taxonomies[tv].get(code_s)
    if code is None:
        return f"code {code_s[:20]!r} is not in taxonomy {tv}"
    if cat is not None and cat != code.category:
        return f"category {cat[:40]!r} is not {code_s}'s ({code.category})"
    if code.counts == "none" and not no_count:
        return f"{code_s} counts nothing, but the row has a count"
    if code.counts != "none" and no_count:
        return f"count is missing: {code_s} counts {code.counts}"
    if not code.intervention and not (
        sig is None and harm is None and no_released and outcome is None
    ):
        return f"{code_s} is not an intervention, but the row grades one"
    if sig is not None and (sig not in SIGNIFICANCE or sig_scale != SIGNIFICANCE_SCALE):
        return f"significance {sig} is not on the {SIGNIFICANCE_SCALE} scale"
    if harm is not None and (harm not in HARM or harm_scale != HARM_SCALE):
        return f"harm {harm[:5]!r} is not an NCC MERP category (A to I)"
    if outcome is not None and outcome not in OUTCOMES:
        return f"outcome {outcome[:20]!r} is not one of {', '.join(OUTCOMES)}"
    if not no_qs120 and not code.needs_discharge_date:
        return f"qs120_days is given, but {code_s} is not a reconciliation"
    if not no_cost and no_released:
        return "cost_avoided is given without released minutes"
    if not no_admission and not code.needs_admission_time:
        return f"qs120_minutes is given, but {code_s} is not an admission reconciliation"
    return None


def _check_code_rules(by: dict[str, Any], taxonomies: dict[str, Any], name: str) -> None:
    def combos() -> Any:
        return zip(
            *(by[c] for c in _KEYED),
            *([v is None for v in by[c]] for c in _EMPTY),
            strict=True,
        )

    for combo in set(combos()):
        problem = _combo_problem(combo, taxonomies)
        if problem is not None:
            raise _fail(name, next(i for i, row in enumerate(combos()) if row == combo), problem)


def check_rows(by: dict[str, Any], n: int, manifest: dict[str, Any], name: str) -> None:
    """Every row as the technician's own RxLog would have accepted it, and every total of
    the manifest equal to the CSV's (``ValidationError`` naming the line and field).

    Unique entry ids; a code of the taxonomy version the row names (one the manifest
    lists, shipped with this RxLog); every enum and range as ``rxlog.entry_rules`` checks
    them; real dates inside the month, at most 24 hours a day. Works on the distinct
    values of each column (and of the columns that depend on the code), so a thousand
    returns of 2,000 rows are checked in seconds; a line is looked for only to name it.
    """
    if n:
        _check_ids(by, n, name)
        _check_texts(by, name)
        _check_places(by, name)
        _check_days(by, str(manifest["month"]), name)
        taxonomies = _taxonomies(by, manifest, name)
        _check_ranges(by, name)
        _check_code_rules(by, taxonomies, name)
    _check_totals(by, n, manifest, name)


def _check_totals(by: dict[str, Any], n: int, manifest: dict[str, Any], name: str) -> None:
    """Every total the manifest states equals the CSV's."""
    totals = manifest.get("totals") or {}
    have = {
        "entries": n,
        "minutes": sum(by["minutes"]),
        "count": sum(v or 0 for v in by["count"]),
        "interventions": sum(1 for v in by["significance"] if v is not None),
        "released_minutes": sum(v or 0 for v in by["released_minutes"]),
    }
    if manifest.get("rows") != n:
        raise ValidationError(f"{name} has {n} rows; the manifest says {manifest.get('rows')}")
    for key, value in have.items():
        if key in totals and totals[key] != value:
            raise ValidationError(
                f"{name}: its {key} add up to {value}; the manifest says {totals[key]!r}"
            )
    if "cost_avoided" in totals:
        pence_total = sum(v or 0 for v in by["cost_avoided"])
        try:
            stated = pence(str(totals["cost_avoided"]))
        except (InvalidOperation, ValueError):
            stated = None
        if stated != pence_total:
            raise ValidationError(
                f"{name}: its cost_avoided adds up to {pounds(pence_total)}; the manifest "
                f"says {str(totals['cost_avoided'])[:20]!r}"
            )
