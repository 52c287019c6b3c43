"""Absence and bank holidays: the days a technician is not expected to log anything.

Recorded absence (annual leave, sickness, training, other) is kept in the ``absence``
table, each add and delete a record in the hash-chained audit trail (``absence:ID``).
England and Wales bank holidays come from the ``holidays`` library (GB, subdivision ENG),
which its maintainers keep up to date with the government's announcements; none is typed
in here. The month check and the technician's PDF leave both out of "days without
entries" and show them. An absence's note never leaves this PC, like an entry's.

Functions taking a session leave the transaction to ``rxlog.service.RxLog``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rxlog import audit
from rxlog.clock import utc_now_iso
from rxlog.dates import month_of
from rxlog.entries import MAX_NOTE, NOTE_PID_WARNING, month_lock_problem
from rxlog.errors import NotFoundError, ValidationError
from rxlog.identifiers import find_nhs_numbers
from rxlog.profile import get_technician
from rxlog.storage.models import Absence

KINDS = {
    "annual-leave": "annual leave",
    "sickness": "sickness",
    "training": "training",
    "other": "other absence",
}
MAX_DAYS = 366  # one record; longer absence is recorded as several
MAX_AHEAD_DAYS = 366  # leave may be booked ahead, but not years ahead (a typo of the year)
BANK_HOLIDAY = "bank holiday"


@dataclass(frozen=True)
class AbsenceView:
    id: int
    date_from: date
    date_to: date
    kind: str
    note: str | None

    @property
    def label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    def days(self) -> list[date]:
        n = (self.date_to - self.date_from).days
        return [self.date_from + timedelta(days=i) for i in range(n + 1)]

    def working_days(self) -> int:
        return sum(1 for d in self.days() if d.weekday() < 5 and d not in bank_holidays_in(d, d))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["date_from"] = self.date_from.isoformat()
        d["date_to"] = self.date_to.isoformat()
        d["working_days"] = self.working_days()
        return d


@dataclass(frozen=True)
class AddResult:
    absence: AbsenceView
    warnings: tuple[str, ...] = ()


@lru_cache(maxsize=32)
def _holidays_of_year(year: int) -> dict[date, str]:
    import holidays  # a few hundred country modules: imported where first needed

    return dict(holidays.country_holidays("GB", subdiv="ENG", years=[year]).items())


def bank_holidays_in(first: date, last: date) -> dict[date, str]:
    """England and Wales bank holidays from ``first`` to ``last`` inclusive, with names."""
    out: dict[date, str] = {}
    for year in range(first.year, last.year + 1):
        for d, name in _holidays_of_year(year).items():
            if first <= d <= last:
                out[d] = name
    return dict(sorted(out.items()))


def _view(row: Absence) -> AbsenceView:
    return AbsenceView(
        id=row.id,
        date_from=date.fromisoformat(row.date_from),
        date_to=date.fromisoformat(row.date_to),
        kind=row.kind,
        note=row.note,
    )


def list_absence(
    session: Session, first: date | None = None, last: date | None = None
) -> list[AbsenceView]:
    q = select(Absence)
    if last is not None:
        q = q.where(Absence.date_from <= last.isoformat())
    if first is not None:
        q = q.where(Absence.date_to >= first.isoformat())
    return [_view(r) for r in session.execute(q.order_by(Absence.date_from)).scalars()]


def days_off(absences: Iterable[AbsenceView], first: date, last: date) -> dict[date, str]:
    """Every day from ``first`` to ``last`` not expected to be logged, with why: recorded
    absence ("annual leave") and bank holidays ("bank holiday: Christmas Day")."""
    out = {d: f"{BANK_HOLIDAY}: {name}" for d, name in bank_holidays_in(first, last).items()}
    for a in absences:
        for d in a.days():
            if first <= d <= last:
                out[d] = a.label
    return dict(sorted(out.items()))


def _snapshot(row: Absence) -> dict[str, Any]:
    return {
        "id": row.id,
        "date_from": row.date_from,
        "date_to": row.date_to,
        "kind": row.kind,
        "note": row.note,
    }


def _audit(
    session: Session, action: str, row: Absence, before: Any, after: Any, reason: str | None
) -> None:
    tech = get_technician(session)
    audit.append(
        session,
        action=action,
        entry_id=f"absence:{row.id}",
        before=before,
        after=after,
        reason=reason,
        technician=tech.gphc if tech else None,
    )


def _check_unlocked(session: Session, first: date, last: date) -> None:
    months = sorted({month_of(first + timedelta(days=i)) for i in range((last - first).days + 1)})
    for m in months:
        problem = month_lock_problem(session, date.fromisoformat(m + "-01"))
        if problem is not None:
            raise ValidationError(
                f"{m} is signed off, so its absence cannot change; reopen the month first",
                field="from",
            )


def add_absence(
    session: Session,
    today: date,
    date_from: date,
    date_to: date | None,
    kind: str,
    note: str | None = None,
) -> AddResult:
    kind = (kind or "").strip().lower()
    if kind not in KINDS:
        raise ValidationError(
            f"{kind!r} is not a kind of absence: use {', '.join(KINDS)}", field="kind"
        )
    date_to = date_to or date_from
    if date_to < date_from:
        raise ValidationError(
            f"the absence ends ({date_to}) before it starts ({date_from})", field="to"
        )
    if (date_to - date_from).days >= MAX_DAYS:
        raise ValidationError(
            f"{(date_to - date_from).days + 1} days is more than one record holds "
            f"({MAX_DAYS}); record a long absence as several",
            field="to",
        )
    if (date_to - today).days > MAX_AHEAD_DAYS:
        raise ValidationError(f"{date_to} is more than a year ahead; check the year", field="to")
    note = note.strip() if isinstance(note, str) and note.strip() else None
    warnings: list[str] = []
    if note is not None:
        if len(note) > MAX_NOTE:
            raise ValidationError(f"the note is longer than {MAX_NOTE} characters", field="note")
        if find_nhs_numbers(note):
            warnings.append(NOTE_PID_WARNING)
    for other in list_absence(session, date_from, date_to):
        raise ValidationError(
            f"overlaps the {other.label} recorded from {other.date_from} to {other.date_to}; "
            "delete it first or choose other dates",
            field="from",
        )
    _check_unlocked(session, date_from, date_to)
    row = Absence(
        date_from=date_from.isoformat(),
        date_to=date_to.isoformat(),
        kind=kind,
        note=note,
        created_at=utc_now_iso(),
    )
    session.add(row)
    session.flush()
    _audit(session, "absence-add", row, None, _snapshot(row), None)
    return AddResult(_view(row), tuple(warnings))


def absence_id(value: int | str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()):
        raise ValidationError(
            f"{value!r} is not an absence id: use the number `rxlog absence list` shows",
            field="id",
        )
    return int(text)


def delete_absence(session: Session, aid: int | str, reason: str | None) -> AbsenceView:
    reason = (reason or "").strip()
    row = session.get(Absence, absence_id(aid))
    if row is None:
        raise NotFoundError(f"no absence with id {aid}", field="id")
    if not reason:
        raise ValidationError("a reason is required (it is kept in the audit trail)", "reason")
    view = _view(row)
    _check_unlocked(session, view.date_from, view.date_to)
    before = _snapshot(row)
    session.delete(row)
    session.flush()
    _audit(session, "absence-delete", row, before, None, reason)
    return view
