"""Completeness: which technician has sent which month (received vN / reopened / missing)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from rxlog.central.models import RETURNS
from rxlog.central.store import CentralStore

RECEIVED, REOPENED, MISSING, NOT_EXPECTED = "received", "reopened", "missing", "not expected"


def month_range(first: str, last: str) -> list[str]:
    y, m = int(first[:4]), int(first[5:])
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


@dataclass(frozen=True)
class Cell:
    month: str
    state: str
    version: int | None = None
    site: str | None = None
    sector: str | None = None
    reason: str | None = None

    @property
    def label(self) -> str:
        if self.state == RECEIVED:
            return f"v{self.version}"
        if self.state == REOPENED:
            return f"v{self.version} reopened"
        return "missing" if self.state == MISSING else "–"

    def to_dict(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "state": self.state,
            "version": self.version,
            "site": self.site,
            "sector": self.sector,
            "reason": self.reason,
            "label": self.label,
        }


@dataclass
class TechnicianStatus:
    gphc: str
    name: str
    site: str  # main site of the latest month received
    sector: str
    cells: dict[str, Cell] = field(default_factory=dict)

    def count(self, state: str) -> int:
        return sum(1 for c in self.cells.values() if c.state == state)


@dataclass
class StatusMatrix:
    months: list[str]
    technicians: list[TechnicianStatus]

    def cells(self, state: str) -> list[tuple[TechnicianStatus, Cell]]:
        return [(t, c) for t in self.technicians for c in t.cells.values() if c.state == state]

    def to_rows(self) -> list[dict[str, Any]]:
        """Long form: one row per technician and month (for CSV/JSON)."""
        return [
            {"gphc": t.gphc, "technician": t.name, **c.to_dict()}
            for t in self.technicians
            for c in t.cells.values()
        ]


def status_matrix(
    store: CentralStore, start: str | None = None, end: str | None = None
) -> StatusMatrix:
    """Each technician (GPhC) x month from the first month received to the last.

    A month before a technician's first return is "not expected" (they had not started);
    from it on, a month with no return is "missing". ``start``/``end`` (YYYY-MM) narrow
    the months shown.
    """
    with store.read() as conn:
        rows = conn.execute(
            select(
                RETURNS.c.gphc,
                RETURNS.c.technician,
                RETURNS.c.month,
                RETURNS.c.version,
                RETURNS.c.main_site,
                RETURNS.c.sector,
                RETURNS.c.supersedes_reason,
            )
            .where(RETURNS.c.state == "current")
            .order_by(RETURNS.c.gphc, RETURNS.c.month)
        ).all()
    if not rows:
        return StatusMatrix([], [])
    first = start or min(r.month for r in rows)
    last = end or max(r.month for r in rows)
    months = month_range(first, last)
    by_tech: dict[str, list[Any]] = {}
    for r in rows:
        by_tech.setdefault(r.gphc, []).append(r)
    techs = []
    for gphc, got in by_tech.items():
        latest = got[-1]
        t = TechnicianStatus(gphc, latest.technician, latest.main_site, latest.sector)
        have = {r.month: r for r in got}
        started = got[0].month
        for month in months:
            got_month = have.get(month)
            if got_month is not None:
                v = got_month
                state = REOPENED if v.version > 1 else RECEIVED
                t.cells[month] = Cell(
                    month, state, v.version, v.main_site, v.sector, v.supersedes_reason
                )
            else:
                t.cells[month] = Cell(month, MISSING if month >= started else NOT_EXPECTED)
        techs.append(t)
    techs.sort(key=lambda t: (t.name.lower(), t.gphc))
    return StatusMatrix(months, techs)
