"""Everything a month's return is made of, gathered once and handed to the writers.

The writers (CSV, PDF, manifest, e-mail) are pure functions of :class:`MonthData`;
only :func:`collect` reads the installation.
"""

from __future__ import annotations

from collections import Counter, namedtuple
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any

from rxlog.dates import parse_month
from rxlog.domain import EntryView, InstallationView, PlacementView, TechnicianView
from rxlog.errors import ValidationError
from rxlog.export.unit_costs import UnitCosts

if TYPE_CHECKING:
    from rxlog.service import RxLog

# An entry's stored columns (every one, as the entry table has them), as a named tuple:
# a view is made from its attributes, which a SQLAlchemy Row looks up far slower.
StoredRow = namedtuple(
    "StoredRow",
    ["id", "date", "site", "sector", "code", "taxonomy_version", "minutes", "count",
     "significance", "significance_scale", "harm", "harm_scale", "released_minutes",
     "outcome", "discharge_received", "note", "created_at", "updated_at", "admitted", "time"],
)  # fmt: skip
QS120_PRIMARY_DAYS = 7  # NICE QS120: primary-care reconciliation within 1 week of receipt


@dataclass(frozen=True)
class MonthData:
    month: str
    first: date
    last: date
    today: date
    technician: TechnicianView
    entries: tuple[EntryView, ...]
    placements: tuple[PlacementView, ...]  # placements that cover part of the month
    site_names: dict[str, str]  # ODS -> name, for every site with entries or a placement
    site_kinds: dict[str, str]
    main_site: str
    unit_costs: UnitCosts
    version: int = 1
    supersedes: int | None = None
    supersedes_reason: str | None = None
    # Days not expected to be logged: recorded absence and bank holidays, with why.
    days_off: Mapping[date, str] = field(default_factory=dict)
    # The installation the return comes from (None: one from before installations).
    installation: InstallationView | None = None
    # An earlier version of this month went out before installations: the new versions
    # keep its return id, so they supersede it at the lead's.
    legacy_id: bool = False
    # A signed "nothing this month" return: no entries, on purpose.
    nil: bool = False
    # The stored rows (every column) the entries were made from, when read by collect:
    # the lock compares the month with them (None: compare the entries' hash instead).
    rows: tuple[StoredRow, ...] | None = field(default=None, repr=False, compare=False)

    @property
    def return_id(self) -> str:
        return return_id_for(self.technician.gphc, self.month, self.installation, self.legacy_id)

    @property
    def base_name(self) -> str:
        from rxlog.returnformat import base_name

        short = self.installation.short if self.installation else None
        return base_name(self.main_site, self.technician.gphc, self.month, self.version, short)

    def cost_avoided(self, e: EntryView) -> Decimal | None:
        """The entry's released minutes at its sector's unit cost, to the penny."""
        key = (e.sector, e.released_minutes)
        costs = self._costs
        if key not in costs:  # a few distinct values a month: each costed once
            costs[key] = self.unit_costs.cost_of_minutes(e.released_minutes, e.sector)
        return costs[key]

    @cached_property
    def _costs(self) -> dict[tuple[str, int | None], Decimal | None]:
        return {}

    def cost_avoided_in(self, sector: str) -> Decimal:
        """The sum of the costs avoided of the entries in ``sector``."""
        return sum(
            (
                c
                for e in self.entries
                if e.sector == sector and (c := self.cost_avoided(e)) is not None
            ),
            Decimal("0.00"),
        )

    @cached_property
    def total_cost_avoided(self) -> Decimal:
        """The sum of the entries' costs avoided, each to the penny (worked out once: the
        CSV, the manifest and the PDF all state it)."""
        return sum(
            (c for e in self.entries if (c := self.cost_avoided(e)) is not None), Decimal("0.00")
        )

    @property
    def sites_used(self) -> list[str]:
        """Sites with entries, most entries first (the main site leads)."""
        counts = Counter(e.site for e in self.entries)
        return sorted(counts, key=lambda s: (-counts[s], s))

    def working_days_without_entries(self) -> list[date]:
        return working_days_without_entries(
            self.entries, self.placements, self.first, self.last, self.today, self.days_off
        )


def return_id_for(
    gphc: str, month: str, installation: InstallationView | None, legacy: bool = False
) -> str:
    """``<gphc>-<YYYY-MM>-<installation>``: technician, month and installation (a return
    from before installations, or a later version of one, has no installation part)."""
    if installation is None or legacy:
        return f"{gphc}-{month}"
    return f"{gphc}-{month}-{installation.short}"


def working_days_without_entries(
    entries: Iterable[EntryView],
    placements: Iterable[PlacementView],
    first: date,
    last: date,
    today: date,
    days_off: Container[date] = (),
) -> list[date]:
    """Mon-Fri days inside a placement, up to today, with nothing logged, leaving out
    ``days_off`` (recorded absence and bank holidays)."""
    logged = {e.date for e in entries}
    placements = list(placements)
    days = []
    d = first
    while d <= min(last, today):
        if (
            d.weekday() < 5
            and d not in logged
            and d not in days_off
            and any(p.covers(d) for p in placements)
        ):
            days.append(d)
        d += timedelta(days=1)
    return days


def qs120_days(e: EntryView) -> int | None:
    """Days from discharge information received to reconciliation (NICE QS120)."""
    if e.discharge_received is None:
        return None
    return (e.date - e.discharge_received).days


def qs120_minutes(e: EntryView) -> int | None:
    """Minutes from the patient's admission to the reconciliation (NICE QS120 in acute
    care: within 24 hours); the admission date-time itself stays on this PC."""
    from rxlog.entry_rules import qs120_minutes as minutes

    return minutes(e.date, e.time, e.admitted)


def main_site(entries: list[EntryView] | tuple[EntryView, ...]) -> str:
    """The site with the most entries (ties: alphabetical)."""
    counts = Counter(e.site for e in entries)
    return min(counts, key=lambda s: (-counts[s], s))


def collect(
    app: RxLog,
    month: str,
    unit_costs: UnitCosts,
    version: int = 1,
    supersedes: int | None = None,
    supersedes_reason: str | None = None,
    legacy_id: bool = False,
    nil: bool = False,
) -> MonthData:
    """Read a month from the installation; refuses a month with nothing to return."""
    first, last = parse_month(month)
    month = f"{first.year:04d}-{first.month:02d}"
    tech = app.technician()
    if tech is None:
        raise ValidationError("set up the technician first (rxlog setup)", "setup")
    rows, entries = month_rows(app, first, last)
    if nil and entries:
        raise ValidationError(
            f"{month} has {len(entries)} entries: a nil return is for a month with nothing "
            "logged on this PC; export it without --nil",
            "nil",
        )
    if not entries and not nil:
        raise ValidationError(
            f"{month} has no entries: there is nothing to return (to tell the lead that "
            "nothing was done on this PC this month, send a nil return: --nil)",
            "month",
        )
    placements = tuple(
        p
        for p in app.placements()
        if p.date_from <= last and (p.date_to is None or p.date_to >= first)
    )
    every = app.placements()
    names = {p.ods: p.name for p in every}
    kinds = {p.ods: p.site_kind for p in every}
    # Prefer the names of the placements that cover this month.
    names.update({p.ods: p.name for p in placements})
    return MonthData(
        month=month,
        first=first,
        last=last,
        today=app.today(),
        technician=tech,
        entries=entries,
        placements=placements,
        site_names=names,
        site_kinds=kinds,
        main_site=main_site(entries) if entries else _nil_site(placements),
        unit_costs=unit_costs,
        version=version,
        supersedes=supersedes,
        supersedes_reason=supersedes_reason,
        days_off=app.days_off(first, last),
        installation=app.installation(),
        legacy_id=legacy_id,
        nil=nil,
        rows=rows,
    )


def month_rows(
    app: RxLog, first: date, last: date
) -> tuple[tuple[StoredRow, ...], tuple[EntryView, ...]]:
    """The month's stored rows and their views, in date (then creation) order, read once:
    the entries ``app.month`` gives, and the rows the lock checks the month against."""
    from rxlog import entries, profile

    with app.db.transaction() as s:
        phases = profile.list_phases(s)
        rows = stored_rows(s, first, last)
    return rows, tuple(entries.to_view(r, app.taxonomy, phases) for r in rows)


_SELECT = (
    "SELECT " + ", ".join(f'"{c}"' for c in StoredRow._fields) + " FROM entry"
    " WHERE date >= ? AND date <= ? ORDER BY date, created_at"
)


def stored_rows(session: Any, first: date, last: date) -> tuple[StoredRow, ...]:
    """The entries from ``first`` to ``last``, every column as stored (all text and
    whole numbers: no type converts them), read on the session's own connection and in
    its transaction; through the driver, as SQLAlchemy's row objects cost as much as
    the read itself."""
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(_SELECT, (first.isoformat(), last.isoformat()))
        return tuple(map(StoredRow._make, cursor.fetchall()))
    finally:
        cursor.close()


def _nil_site(placements: tuple[PlacementView, ...]) -> str:
    """A nil return's site in its file names: the month's first placement, else "nil"."""
    return min(placements, key=lambda p: p.date_from).ods if placements else "nil"
