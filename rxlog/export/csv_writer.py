"""The return's CSV rows from a month's data: one row per entry, for machines.

The columns, the escaping and the file layout are the return format's
(:mod:`rxlog.returnformat.csvfile`); this module only says what goes in each cell.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from operator import attrgetter

from rxlog.export.month_data import MonthData, qs120_days, qs120_minutes
from rxlog.returnformat.csvfile import COLUMNS, neutralise


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
    """The CSV file's bytes (format: :mod:`rxlog.returnformat.csvfile`): the same bytes
    as ``write_rows(rows(data))``, built a column at a time
    (``tests/test_export_csv_columns.py``)."""
    options = options or CsvOptions()
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator=options.line_end)
    writer.writerow(COLUMNS)
    writer.writerows(zip(*_columns(data), strict=True))
    return (("\ufeff" if options.bom else "") + buf.getvalue()).encode("utf-8")


_ENTRY = attrgetter(
    "id", "site", "sector", "phase", "date", "code", "title", "category", "taxonomy_version",
    "minutes", "count", "significance", "significance_scale", "harm", "harm_scale",
    "released_minutes", "outcome", "discharge_received",
)  # fmt: skip


def _columns(data: MonthData) -> list[list[object]]:
    """Each of :data:`COLUMNS`' cells down the month, made inert as ``neutralise`` makes
    them (csv.writer writes None as "" and a number as its text, as ``neutralise`` does),
    each distinct text once."""
    n = len(data.entries)
    if not n:
        return [[] for _ in COLUMNS]
    (ids, sites, sectors, phases, dates, codes, titles, categories, versions, minutes,
     counts, sig, sig_scales, harms, harm_scales, released, outcomes,
     received) = map(list, zip(*map(_ENTRY, data.entries), strict=True))  # fmt: skip
    counts_of = data_counts(data)
    by_site = {s: (data.site_names.get(s, ""), data.site_kinds.get(s, "")) for s in set(sites)}
    pairs = list(zip(sectors, released, strict=True))
    costs = {p: data.unit_costs.cost_of_minutes(p[1], p[0]) for p in set(pairs)}
    cells: dict[str, list[object]] = {
        "return_id": [data.return_id] * n, "version": [data.version] * n, "entry_id": ids,
        "gphc": [data.technician.gphc] * n, "site": sites,
        "site_name": [by_site[s][0] for s in sites], "site_kind": [by_site[s][1] for s in sites],
        "sector": sectors, "phase": phases, "date": [d.isoformat() for d in dates],
        "code": codes, "title": titles, "category": categories, "taxonomy_version": versions,
        "minutes": minutes, "count": counts, "count_unit": [counts_of.get(c, "") for c in codes],
        "significance": sig, "significance_scale": sig_scales, "harm": harms,
        "harm_scale": harm_scales, "released_minutes": released, "outcome": outcomes,
        "cost_avoided": [None if (c := costs[p]) is None else f"{c:.2f}" for p in pairs],
        "unit_cost_version": [data.unit_costs.version] * n,
        "qs120_days": [None if r is None else (d - r).days for d, r in zip(dates, received,
                                                                           strict=True)],
        "qs120_minutes": [qs120_minutes(e) if e.admitted is not None else None
                          for e in data.entries],
    }  # fmt: skip
    return [_inert(cells[c]) for c in COLUMNS]


def _inert(column: list[object]) -> list[object]:
    """A column with each text cell neutralised (the distinct texts once each)."""
    texts = {v for v in set(column) if isinstance(v, str)}
    if not texts or all(neutralise(v) == v for v in texts):
        return column
    made = {v: neutralise(v) for v in texts}
    return [made.get(v, v) if isinstance(v, str) else v for v in column]
