"""Every figure the evidence report prints, as JSON (``rxlog central report --json``), so
a BI team reproduces the report without reading the PDF. Money is a string with two
decimals (never a float); ``period`` is the first day of the week or month; a point's
limits are those of its own phase."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rxlog.central.costs import CostTable
from rxlog.central.report_data import ReportData, Series
from rxlog.central.spc import COMMON
from rxlog.errors import StorageError

FORMAT = "rxlog-central-report/1"
# The feed carries exact counts for the trust's own BI team (docs/lead-guide.md, "The BI
# feed is not suppressed, by design"); the PDF is the version to share.
SMALL_NUMBERS = {
    "suppressed": False,
    "note": "Exact counts, 1 to 4 included, for the project's own analysis inside the trust; "
    "not for publication. The PDF report is the version to share: it shows counts of 1 to 4 "
    "as <5 and hides further cells (*) so that none can be worked out from its totals.",
}


def money(pence: int | None) -> str | None:
    if pence is None:
        return None
    sign = "-" if pence < 0 else ""
    pence = abs(pence)
    return f"{sign}{pence // 100}.{pence % 100:02d}"


def _num(v: float) -> float:
    return round(float(v), 6)


def report_dict(data: ReportData) -> dict[str, Any]:
    """Every figure the report prints, one key per section."""
    return {
        "format": FORMAT,
        "generated_at": data.generated_at,
        "period": {
            "from": data.months[0] if data.months else None,
            "to": data.months[-1] if data.months else None,
        },  # fmt: skip
        "small_numbers": SMALL_NUMBERS,
        "completeness": _completeness(data),
        "interventions": _interventions(data),
        "cost_avoided": _cost(data),
        "qs120": _qs120(data),
        "phases_from": data.phases_from,
        "sites": {"count": data.sites, "counted_as": dict(sorted(data.site_codes.items()))},
        "by_sector_phase": _sector_phase(data),
        "spc": [_chart(s) for s in data.series],
        "returns": {
            "used": data.returns_used,
            "excluded": data.returns_excluded,
            "revoked_still_counted": [
                {"return_id": rid, "version": v, "key": k, "why": data.revoked_why.get(rid, "")}
                for rid, v, k in data.revoked_returns
            ],
        },
    }


def _completeness(data: ReportData) -> dict[str, Any]:
    return {
        "expected": data.expected,
        "received": data.returns,
        "missing": [{"gphc": g, "month": m} for _, g, m in data.missing],
    }


def _interventions(data: ReportData) -> dict[str, Any]:
    total = data.total.interventions
    outcomes = {o: data.outcome.get(o, 0) for o in ("accepted", "declined", "pending")}
    outcomes["not_recorded"] = total - sum(outcomes.values())
    return {"total": total, "graded": data.graded, "by_outcome": outcomes}


def _cost(data: ReportData) -> dict[str, Any]:
    cost = data.cost
    if cost is None:
        return {}
    return {
        "accepted": money(cost.total("accepted")),
        "declined": money(cost.total("declined")),
        "pending": money(cost.total("pending")),
        "low": money(cost.total("accepted", "low")),
        "high": money(cost.total("accepted", "high")),
        "price_year": cost.table.report_price_year,
        "unit_cost_table": cost.table.version,
        "not_valued_sectors": cost.unvalued_sectors(),
        "unit_costs": _unit_costs(cost.table),
        "inflation": [
            {
                "from": s.from_year,
                "to": s.to_year,
                "percent": None if s.percent is None else str(s.percent),
                "factor": str(s.factor),
                "source": s.source,
            }
            for s in cost.table.applied_steps
        ],
        "detrimental_excluded": {
            "interventions": cost.detrimental,
            "released_minutes": cost.detrimental_minutes,
        },
        "by_sector": [
            {
                "sector": sector,
                "outcome": outcome,
                "interventions": cell.interventions,
                "released_minutes": cell.minutes,
                "cost": money(cell.basis),
                "low": money(cell.low),
                "high": money(cell.high),
            }
            for (sector, outcome), cell in sorted(cost.cells.items())
        ],
    }


def _unit_costs(table: CostTable) -> list[dict[str, Any]]:
    """The unit-cost table as the report prints it: one row per figure in use."""
    out = []
    for sector in ("primary", "secondary"):
        s = table.settings.get(sector)
        if s is None:
            continue
        for f in s.figures:
            out.append(
                {
                    "sector": sector,
                    "roles": [w for w in ("basis", "low", "high") if getattr(s, w).key == f.key],
                    "key": f.key,
                    "title": f.title,
                    "cost_gbp": str(f.cost_gbp),
                    "minutes": str(f.minutes),
                    "price_year": f.price_year,
                    "per_hour": money(table.hourly_pence(f)),
                    "source": f.source,
                }
            )
    return out


def _qs120(data: ReportData) -> dict[str, Any]:
    qs120 = {}
    for sector in ("primary", "secondary"):
        n, ok = data.qs120.get(sector, (0, 0))
        qs120[sector] = {
            "timed": n,
            "in_time": ok,
            "not_recorded": data.qs120_not_recorded.get(sector, 0),
        }
    return qs120


def _sector_phase(data: ReportData) -> list[dict[str, Any]]:
    return [
        {
            "sector": sec,
            "phase": ph,
            "minutes": t.minutes,
            "entries": t.entries,
            "count": t.count,
            "interventions": t.interventions,
            "released_minutes": t.released_minutes,
        }
        for (sec, ph), t in sorted(data.by_sector_phase.items())
    ]


def _chart(s: Series) -> dict[str, Any]:
    ch = s.chart
    return {
        "measure": s.key,
        "title": s.title,
        "unit": s.unit,
        "period_type": s.period,
        "direction": s.direction,
        "target": s.target,
        "variation": ch.variation,
        "assurance": ch.assurance,
        "trial_limits": ch.trial,
        "points": [
            {
                "period": p.label,
                "value": _num(p.value),
                "phase": p.phase,
                "mean": _num(p.mean),
                "lower": _num(p.lower),
                "upper": _num(p.upper),
                "special_cause": p.special_cause,
                "type": p.type if p.type != COMMON else "common_cause",
            }
            for p in ch.points
        ],
    }


def write_json(data: ReportData, path: Path) -> Path:
    """Write the JSON atomically (a temporary file renamed into place)."""
    out = Path(path)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"cannot write {out}: {exc.strerror or exc}") from None
    from rxlog.storage import durable

    with durable.replacing(out) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        json.dump(report_dict(data), fh, indent=2, ensure_ascii=False, allow_nan=False)
        fh.write("\n")
    return out
