"""Completeness: which technician has sent which month (received vN / reopened / missing)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from rxlog.central.models import RETURNS
from rxlog.central.store import CentralStore
from rxlog.dates import month_range  # noqa: F401 - also known by this module's name
from rxlog.returnformat import short_installation_id

RECEIVED, REOPENED, MISSING, NOT_EXPECTED = "received", "reopened", "missing", "not expected"
NOTHING_DONE = "nothing done"  # only nil returns ("nothing this month") for the month
LEGACY = "legacy"  # how a return from before installations is shown


@dataclass(frozen=True)
class Sent:
    """What one installation sent for a technician-month (its current version)."""

    installation: str  # its name, or "legacy"
    installation_id: str | None
    return_id: str
    version: int
    rows: int
    nil: bool

    @property
    def label(self) -> str:
        short = f" ({short_installation_id(self.installation_id)})" if self.installation_id else ""
        what = "nothing this month" if self.nil else f"{self.rows} entries"
        return f"{self.installation}{short}: v{self.version}, {what}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "installation": self.installation,
            "installation_id": self.installation_id,
            "return_id": self.return_id,
            "version": self.version,
            "rows": self.rows,
            "nil": self.nil,
        }


@dataclass(frozen=True)
class Cell:
    month: str
    state: str
    version: int | None = None
    site: str | None = None
    sector: str | None = None
    reason: str | None = None
    sent: tuple[Sent, ...] = ()  # one per installation that sent the month

    @property
    def label(self) -> str:
        if len(self.sent) > 1:
            versions = "+".join(f"v{s.version}" for s in self.sent)
            return f"{versions} ({len(self.sent)} PCs)" + (
                " reopened" if self.state == REOPENED else ""
            )
        if self.state == NOTHING_DONE:
            return "nothing done"
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
            "installations": [x.to_dict() for x in self.sent],
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

    def expected(self) -> int:
        """Technician-months owed a return: every cell but "not expected"."""
        return sum(1 for t in self.technicians for c in t.cells.values() if c.state != NOT_EXPECTED)

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

    A technician on the lead's roster owes a return for every month their roster dates
    touch: such a month with no return is "missing" (also for a technician who has sent
    nothing at all), any other month "not expected". For one not on the roster, a month
    before their first return is "not expected"; from it on, a month with no return is
    "missing". ``start``/``end`` (YYYY-MM) narrow
    the months shown.
    """
    from rxlog.central.roster import roster_list

    rows = _current_returns(store)
    roster = roster_list(store)
    if not rows and not roster:
        return StatusMatrix([], [])
    bounds = [r.month for r in rows] + [p.start[:7] for p in roster]
    first = start or min(bounds)
    last = end or max([r.month for r in rows] or [min(bounds)])
    months = month_range(first, last)
    by_tech: dict[str, list[Any]] = {}
    for r in rows:
        by_tech.setdefault(r.gphc, []).append(r)
    # On the roster: owed a return for every month its dates touch, sent or not.
    owed: dict[str, set[str]] = {}
    names: dict[str, str] = {}
    for p in roster:
        owed.setdefault(p.gphc, set()).update(p.months(first, last))
        names[p.gphc] = p.name
    for gphc in owed:
        by_tech.setdefault(gphc, [])
    techs = [
        _technician(gphc, got, months, owed.get(gphc), names.get(gphc, ""))
        for gphc, got in by_tech.items()
    ]
    techs.sort(key=lambda t: (t.name.lower(), t.gphc))
    return StatusMatrix(months, techs)


def _current_returns(store: CentralStore) -> list[Any]:
    """Every current return, by technician and month in the order imported."""
    with store.read() as conn:
        return list(
            conn.execute(
                select(
                    RETURNS.c.gphc,
                    RETURNS.c.technician,
                    RETURNS.c.month,
                    RETURNS.c.version,
                    RETURNS.c.main_site,
                    RETURNS.c.sector,
                    RETURNS.c.supersedes_reason,
                    RETURNS.c.return_id,
                    RETURNS.c.rows,
                    RETURNS.c.installation_id,
                    RETURNS.c.installation_name,
                    RETURNS.c.nil,
                )
                .where(RETURNS.c.state == "current")
                .order_by(RETURNS.c.gphc, RETURNS.c.month, RETURNS.c.imported_at, RETURNS.c.id)
            ).all()
        )


def _technician(
    gphc: str, got: list[Any], months: list[str], owed: set[str] | None, roster_name: str
) -> TechnicianStatus:
    """One technician's row: a cell per month (``owed``: the roster's months, or None for
    one not on the roster, who owes every month from their first return)."""
    if not got:  # rostered, nothing received at all
        t = TechnicianStatus(gphc, roster_name, "", "")
        for month in months:
            t.cells[month] = Cell(month, MISSING if month in (owed or ()) else NOT_EXPECTED)
        return t
    latest = got[-1]
    t = TechnicianStatus(gphc, latest.technician, latest.main_site, latest.sector)
    have: dict[str, list[Any]] = {}
    for r in got:
        have.setdefault(r.month, []).append(r)
    started = got[0].month
    for month in months:
        if month in have:
            t.cells[month] = _received(month, have[month])
        elif owed is not None:
            t.cells[month] = Cell(month, MISSING if month in owed else NOT_EXPECTED)
        else:
            t.cells[month] = Cell(month, MISSING if month >= started else NOT_EXPECTED)
    return t


def _received(month: str, got_month: list[Any]) -> Cell:
    """A month with returns: every installation's return for it; the figures come from
    the one with most entries (the others are listed in ``sent``)."""
    v = max(got_month, key=lambda r: (not r.nil, r.rows))
    sent = tuple(
        Sent(r.installation_name or LEGACY, r.installation_id, r.return_id, r.version,
             r.rows, bool(r.nil))
        for r in got_month
    )  # fmt: skip
    if all(x.nil for x in sent):
        state = NOTHING_DONE
    elif any(x.version > 1 for x in sent):
        state = REOPENED
    else:
        state = RECEIVED
    reason = "; ".join(r.supersedes_reason for r in got_month if r.supersedes_reason)
    return Cell(month, state, max(x.version for x in sent), v.main_site, v.sector,
                reason or None, sent)  # fmt: skip
