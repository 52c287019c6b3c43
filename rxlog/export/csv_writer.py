"""The return's CSV rows from a month's data: one row per entry, for machines.

The columns, the escaping and the file layout are the return format's
(:mod:`rxlog.returnformat.csvfile`); this module only says what goes in each cell.
"""

from __future__ import annotations

from dataclasses import dataclass

from rxlog.export.month_data import MonthData, qs120_days, qs120_minutes
from rxlog.returnformat.csvfile import write_rows


@dataclass(frozen=True)
class CsvOptions:
    """How to write the CSV (defaults are the return format)."""

    bom: bool = True
    line_end: str = "\r\n"


def rows(data: MonthData) -> list[dict[str, object]]:
    """The CSV's rows as plain values (before neutralising)."""
    out = []
    counts_of = data_counts(data)
    return_id, gphc = data.return_id, data.technician.gphc  # once, not once a row
    for e in data.entries:
        cost = data.cost_avoided(e)
        out.append(
            {
                "return_id": return_id,
                "version": data.version,
                "entry_id": e.id,
                "gphc": gphc,
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
                "qs120_minutes": qs120_minutes(e),
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
    """The CSV file's bytes (format: :mod:`rxlog.returnformat.csvfile`)."""
    options = options or CsvOptions()
    return write_rows(rows(data), bom=options.bom, line_end=options.line_end)
