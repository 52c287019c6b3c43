"""The return's CSV: one row per entry, for machines (columns: docs/data-dictionary.md).

UTF-8 with a BOM (Excel then reads it as UTF-8), ``\\r\\n`` line ends, no notes and no
patient data. A text cell a spreadsheet could take for a formula gets a leading ``'``
(OWASP "CSV Injection"), which keeps the text readable.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from rxlog.export.month_data import MonthData, qs120_days

COLUMNS = (
    "return_id", "version", "entry_id", "gphc", "site", "site_name", "site_kind", "sector",
    "phase", "date", "code", "title", "category", "taxonomy_version", "minutes", "count",
    "count_unit", "significance", "significance_scale", "harm", "harm_scale",
    "released_minutes", "outcome", "cost_avoided", "unit_cost_version", "qs120_days",
)  # fmt: skip

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise(value: object) -> str:
    """A cell's text, made inert if a spreadsheet could run it as a formula."""
    if value is None:
        return ""
    text = str(value)
    if isinstance(value, str) and text.startswith(_FORMULA_START):
        return "'" + text
    return text


@dataclass(frozen=True)
class CsvOptions:
    """How to write the CSV (defaults are the return format)."""

    bom: bool = True
    line_end: str = "\r\n"


def rows(data: MonthData) -> list[dict[str, object]]:
    """The CSV's rows as plain values (before neutralising)."""
    out = []
    counts_of = data_counts(data)
    for e in data.entries:
        cost = data.cost_avoided(e)
        out.append(
            {
                "return_id": data.return_id,
                "version": data.version,
                "entry_id": e.id,
                "gphc": data.technician.gphc,
                "site": e.site,
                "site_name": data.site_names.get(e.site, ""),
                "site_kind": data.site_kinds.get(e.site, ""),
                "sector": e.sector,
                "phase": e.phase,
                "date": e.date.isoformat(),
                "code": e.code,
                "title": e.title,
                "category": e.category,
                "taxonomy_version": e.taxonomy_version,
                "minutes": e.minutes,
                "count": e.count,
                "count_unit": counts_of.get(e.code, ""),
                "significance": e.significance,
                "significance_scale": e.significance_scale,
                "harm": e.harm,
                "harm_scale": e.harm_scale,
                "released_minutes": e.released_minutes,
                "outcome": e.outcome,
                "cost_avoided": f"{cost:.2f}" if cost is not None else None,
                "unit_cost_version": data.unit_costs.version,
                "qs120_days": qs120_days(e),
            }
        )
    return out


def data_counts(data: MonthData) -> dict[str, str]:
    """What each code's ``count`` counts (patients, items), from the taxonomy."""
    from rxlog.taxonomy import current_taxonomy

    tax = current_taxonomy()
    out = {}
    for e in data.entries:
        if e.code not in out:
            code = tax.get(e.code)
            out[e.code] = code.counts if code is not None and code.counts != "none" else ""
    return out


def write_csv(data: MonthData, options: CsvOptions | None = None) -> bytes:
    """The CSV file's bytes."""
    options = options or CsvOptions()
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator=options.line_end)
    writer.writerow(COLUMNS)
    for row in rows(data):
        writer.writerow([neutralise(row[c]) for c in COLUMNS])
    text = buf.getvalue()
    return (("\ufeff" if options.bom else "") + text).encode("utf-8")
