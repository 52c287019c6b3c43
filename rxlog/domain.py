"""Plain data passed between the core and its shells (CLI, GUI, exports)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any

from rxlog.returnformat import short_installation_id

if TYPE_CHECKING:
    from rxlog.taxonomy import Taxonomy

# The fields of an entry a user sets (``rxlog log`` options / the detail panel).
ENTRY_FIELDS = (
    "code",
    "date",
    "site",
    "minutes",
    "count",
    "significance",
    "harm",
    "released_minutes",
    "outcome",
    "discharge_received",
    "admitted",
    "time",
    "note",
)
INTERVENTION_FIELDS = ("significance", "harm", "released_minutes", "outcome")


@dataclass(frozen=True)
class EntryInput:
    """What the user asked to log; unset fields take the code's and placement's defaults."""

    code: str
    date: dt.date | None = None
    site: str | None = None
    minutes: int | None = None
    count: int | None = None
    significance: int | None = None
    harm: str | None = None
    released_minutes: int | None = None
    outcome: str | None = None
    discharge_received: dt.date | None = None
    note: str | None = None
    id: str | None = None  # only to restore a deleted entry under its own id
    # NICE QS120 in acute care: when the patient was admitted, and when the reconciliation
    # was done (the time of day on the entry's date); admission reconciliations only.
    admitted: dt.datetime | None = None
    time: dt.time | None = None


@dataclass(frozen=True)
class InstallationView:
    """This PC's RxLog: its UUID and the name the technician gave it."""

    id: str
    name: str

    @property
    def short(self) -> str:
        """The short id in file names, subjects and return ids (see below)."""
        return short_installation_id(self.id)

    @property
    def label(self) -> str:
        return f"{self.name} ({self.short})"


@dataclass(frozen=True)
class TechnicianView:
    name: str
    gphc: str


@dataclass(frozen=True)
class PlacementView:
    id: int
    ods: str
    site_kind: str
    name: str
    sector: str
    date_from: dt.date
    date_to: dt.date | None

    def covers(self, d: dt.date) -> bool:
        return self.date_from <= d and (self.date_to is None or d <= self.date_to)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["date_from"] = self.date_from.isoformat()
        d["date_to"] = self.date_to.isoformat() if self.date_to else None
        return d


@dataclass(frozen=True)
class PhaseView:
    id: int
    name: str
    date_from: dt.date
    date_to: dt.date | None

    def covers(self, d: dt.date) -> bool:
        return self.date_from <= d and (self.date_to is None or d <= self.date_to)


@dataclass(frozen=True)
class EntryView:
    """A stored entry as shells show it, with what follows from it (phase, title)."""

    id: str
    date: dt.date
    code: str
    title: str
    category: str
    taxonomy_version: str
    site: str
    sector: str
    phase: str | None
    minutes: int
    count: int | None
    significance: int | None
    significance_scale: str | None
    harm: str | None
    harm_scale: str | None
    released_minutes: int | None
    outcome: str | None
    discharge_received: dt.date | None
    note: str | None
    created_at: str
    updated_at: str
    admitted: dt.datetime | None = None  # admission date-time (admission reconciliations)
    time: dt.time | None = None  # time of day the reconciliation was done

    def to_dict(self) -> dict[str, Any]:
        # Every field is immutable (text, numbers, dates): no deep copy as asdict makes,
        # which was a fifth of `rxlog list --format json`.
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["date"] = self.date.isoformat()
        d["discharge_received"] = (
            self.discharge_received.isoformat() if self.discharge_received else None
        )
        d["admitted"] = self.admitted.strftime("%Y-%m-%d %H:%M") if self.admitted else None
        d["time"] = self.time.strftime("%H:%M") if self.time else None
        return d


@dataclass(frozen=True)
class MonthLockView:
    """A month's sign-off state (``locked`` is 1 while signed off, 0 after a reopen)."""

    month: str
    version: int
    locked: int
    locked_at: str | None
    reopened_at: str | None
    reopen_reason: str | None


@dataclass(frozen=True)
class AuditRecordView:
    """One record of the audit trail, as stored (``rxlog.audit.state`` reads its sides)."""

    seq: int
    at: str
    os_user: str
    technician: str | None
    action: str
    entry_id: str
    before: str | None
    after: str | None
    reason: str | None
    prev_hash: str
    hash: str
    notes: str | None


@dataclass(frozen=True)
class LogResult:
    """An entry just written, and any warnings the user should see (e.g. PID in a note)."""

    entry: EntryView
    warnings: tuple[str, ...] = ()


@dataclass
class Totals:
    """Totals over a set of entries (a day, a week, a month)."""

    entries: int = 0
    minutes: int = 0
    patients: int = 0
    items: int = 0
    interventions: int = 0
    by_category: dict[str, int] = field(default_factory=dict)
    by_sector: dict[str, int] = field(default_factory=dict)


def phase_on(phases: Sequence[PhaseView], d: dt.date) -> str | None:
    for p in phases:
        if p.covers(d):
            return p.name
    return None


def placement_on(placements: Sequence[PlacementView], d: dt.date) -> PlacementView | None:
    for p in placements:
        if p.covers(d):
            return p
    return None


def entry_view(row: Any, taxonomy: Taxonomy, phases: Sequence[PhaseView]) -> EntryView:
    """A stored entry (anything with the entry table's columns as attributes: an ORM
    row, a ``rxlog.storage.direct`` row) as the view the shells get."""
    code = taxonomy.get(row.code)
    d = dt.date.fromisoformat(row.date)
    return EntryView(
        id=row.id,
        date=d,
        code=row.code,
        title=code.title if code else row.code,
        category=code.category if code else "",
        taxonomy_version=row.taxonomy_version,
        site=row.site,
        sector=row.sector,
        phase=phase_on(phases, d),
        minutes=row.minutes,
        count=row.count,
        significance=row.significance,
        significance_scale=row.significance_scale,
        harm=row.harm,
        harm_scale=row.harm_scale,
        released_minutes=row.released_minutes,
        outcome=row.outcome,
        discharge_received=(
            dt.date.fromisoformat(row.discharge_received) if row.discharge_received else None
        ),
        note=row.note,
        created_at=row.created_at,
        updated_at=row.updated_at,
        admitted=_stored_admitted(getattr(row, "admitted", None)),
        time=_stored_time(getattr(row, "time", None)),
    )


def _stored_admitted(text: str | None) -> dt.datetime | None:
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M") if text else None


def _stored_time(text: str | None) -> dt.time | None:
    return dt.time.fromisoformat(text) if text else None
