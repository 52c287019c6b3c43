"""Entries: validate completely, then write, with an audit record in the same transaction.

Every function takes an open session; ``rxlog.service.RxLog`` owns the transactions.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rxlog import audit
from rxlog.clock import utc_now_iso
from rxlog.domain import ENTRY_FIELDS, INTERVENTION_FIELDS, EntryInput, EntryView, PhaseView
from rxlog.entry_rules import (
    DAY_MINUTES,
    MAX_DISCHARGE_DAYS,
    MAX_MINUTES,
    MAX_NOTE,
    NOTE_PID_WARNING,
    Context,
    EntryColumns,
    entry_view,
    phase_on,
    placement_on,
)
from rxlog.entry_rules import month_lock_problem as _lock_problem
from rxlog.entry_rules import validate as _validate
from rxlog.errors import LockedMonthError, NotFoundError, ValidationError
from rxlog.profile import get_technician, list_phases, list_placements
from rxlog.storage.models import AuditRecord, Entry, MonthLock
from rxlog.taxonomy import Taxonomy

__all__ = [
    "DAY_MINUTES",
    "MAX_DISCHARGE_DAYS",
    "MAX_MINUTES",
    "MAX_NOTE",
    "NOTE_PID_WARNING",
    "Context",
    "phase_on",
    "placement_on",
]


class SessionLookups:
    """What the entry checks read (``rxlog.entry_rules.EntryLookups``), through the ORM."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def month_lock(self, month: str) -> tuple[int, bool] | None:
        lock = self.session.get(MonthLock, month)
        return None if lock is None else (lock.version, bool(lock.locked))

    def minutes_logged(self, day: date, exclude_id: str | None) -> int:
        q = select(func.coalesce(func.sum(Entry.minutes), 0)).where(Entry.date == day.isoformat())
        if exclude_id is not None:
            q = q.where(Entry.id != exclude_id)
        return int(self.session.execute(q).scalar_one())


def load_context(session: Session, taxonomy: Taxonomy, today: date) -> Context:
    return Context(taxonomy, today, list_placements(session), list_phases(session))


def month_lock_problem(session: Session, d: date) -> LockedMonthError | None:
    return _lock_problem(SessionLookups(session), d)


def as_input(values: EntryInput | dict[str, Any]) -> EntryInput:
    """The one entry type: a dict of entry fields (an edit's merged values) as an
    ``EntryInput``; keys that are not entry fields are ignored, as they always were."""
    if isinstance(values, EntryInput):
        return values
    rest = {k: v for k, v in values.items() if k in ENTRY_FIELDS and k != "code"}
    return EntryInput(code=values.get("code") or "", **rest)


def validate(
    session: Session,
    ctx: Context,
    values: EntryInput | dict[str, Any],
    *,
    exclude_id: str | None = None,
    code_may_be_retired: bool = False,
    allow_locked: bool = False,
) -> tuple[EntryColumns, list[str]]:
    """Check a whole entry (see ``rxlog.entry_rules.validate``); nothing is written."""
    return _validate(
        SessionLookups(session),
        ctx,
        as_input(values),
        exclude_id=exclude_id,
        code_may_be_retired=code_may_be_retired,
        allow_locked=allow_locked,
    )


def to_view(row: Any, taxonomy: Taxonomy, phases: Sequence[PhaseView]) -> EntryView:
    """A stored entry (an ORM ``Entry`` or a row of its columns) as the view the shells
    get: rows never leave their session."""
    return entry_view(row, taxonomy, phases)


def _gphc(session: Session) -> str | None:
    tech = get_technician(session)
    return tech.gphc if tech else None


def create(
    session: Session,
    ctx: Context,
    values: EntryInput | dict[str, Any],
    *,
    entry_id: str | None = None,
    action: str = "create",
    reason: str | None = None,
    technician: str | None = None,
) -> tuple[Entry, list[str]]:
    columns, warnings = validate(session, ctx, values)
    if entry_id is not None and session.get(Entry, entry_id) is not None:
        raise ValidationError(f"an entry with id {entry_id} already exists", field="id")
    now = utc_now_iso()
    row = Entry(
        id=entry_id or str(uuid.uuid4()),
        taxonomy_version=ctx.taxonomy.version,
        created_at=now,
        updated_at=now,
        **columns.as_dict(),
    )
    session.add(row)
    session.flush()
    audit.append(
        session,
        action=action,
        entry_id=row.id,
        before=None,
        after=audit.snapshot(row),
        reason=reason,
        technician=technician if technician is not None else _gphc(session),
    )
    return row, warnings


def _require_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("a reason is required (it is kept in the audit trail)", "reason")
    return reason


def get_row(session: Session, entry_id: str) -> Entry:
    row = session.get(Entry, entry_id)
    if row is None:
        raise NotFoundError(f"no entry with id {entry_id}", field="id")
    return row


def resolve_id(session: Session, prefix: str) -> str:
    """The full id of the one entry whose id starts with ``prefix`` (at least 4 chars)."""
    prefix = (prefix or "").strip().lower()
    if len(prefix) < 4:
        raise ValidationError("give at least the first 4 characters of the entry's id", "id")
    if session.get(Entry, prefix) is not None:
        return prefix
    # An exact prefix, compared as text: LIKE would read "_" and "%" as wildcards (so
    # "b___" matched any id starting with b). The range keeps the primary-key index.
    ids = (
        session.execute(
            select(Entry.id)
            .where(
                Entry.id >= prefix,
                Entry.id < prefix + "\U0010ffff",
                func.substr(Entry.id, 1, len(prefix)) == prefix,
            )
            .limit(2)
        )
        .scalars()
        .all()
    )
    if not ids:
        raise NotFoundError(f"no entry with id {prefix}", field="id")
    if len(ids) > 1:
        raise ValidationError(f"{prefix} matches more than one entry; give more of the id", "id")
    return ids[0]


def _values_of(row: Entry) -> dict[str, Any]:
    return {
        "code": row.code,
        "date": date.fromisoformat(row.date),
        "site": row.site,
        "minutes": row.minutes,
        "count": row.count,
        "significance": row.significance,
        "harm": row.harm,
        "released_minutes": row.released_minutes,
        "outcome": row.outcome,
        "discharge_received": (
            date.fromisoformat(row.discharge_received) if row.discharge_received else None
        ),
        "admitted": datetime.strptime(row.admitted, "%Y-%m-%d %H:%M") if row.admitted else None,
        "time": time.fromisoformat(row.time) if row.time else None,
        "note": row.note,
    }


def _merged(row: Entry, ctx: Context, changes: dict[str, Any]) -> dict[str, Any]:
    """The entry's values with ``changes`` applied, and what a change implies: a code
    that cannot hold a field drops it, a default site follows a new date."""
    values = _values_of(row)
    new_code = str(changes.get("code") or "").strip().upper()
    code = ctx.taxonomy.get(new_code) if new_code and new_code != row.code else None
    if code is not None:
        if not code.intervention:
            # Moving to a non-intervention code drops the grading it cannot hold.
            for f in INTERVENTION_FIELDS:
                if f not in changes:
                    values[f] = None
        if not code.needs_discharge_date and "discharge_received" not in changes:
            values["discharge_received"] = None
        if not code.needs_admission_time:
            for f in ("admitted", "time"):
                if f not in changes:
                    values[f] = None
        if code.counts == "none" and "count" not in changes:
            values["count"] = None
    if changes.get("date") and "site" not in changes:
        # A site that was only the default (the placement covering the old date)
        # follows the entry to its new date; a site the technician chose stays.
        was = placement_on(ctx.placements, date.fromisoformat(row.date))
        if was is not None and was.ods == row.site:
            values["site"] = None
    values.update(changes)
    return values


def edit(
    session: Session, ctx: Context, entry_id: str, changes: dict[str, Any], reason: str | None
) -> tuple[Entry, list[str]]:
    reason = _require_reason(reason)
    row = get_row(session, entry_id)
    # A note never leaves the PC, so it is not in any signed return: it may be corrected
    # (e.g. to remove a patient identifier) even in a signed-off month.
    note_only = bool(changes) and set(changes) <= {"note"}
    locked = month_lock_problem(session, date.fromisoformat(row.date))
    if locked and not note_only:
        raise locked
    if not changes:
        raise ValidationError("nothing to change: name at least one field", field="changes")
    values = _merged(row, ctx, changes)
    code_unchanged = str(values.get("code", "")).strip().upper() == row.code
    columns, warnings = validate(
        session,
        ctx,
        values,
        exclude_id=row.id,
        code_may_be_retired=code_unchanged,
        allow_locked=note_only,
    )
    before = audit.snapshot(row)
    for key, value in columns.as_dict().items():
        setattr(row, key, value)
    if not code_unchanged:
        row.taxonomy_version = ctx.taxonomy.version
    after_cmp = audit.snapshot(row)
    if after_cmp == before:
        raise ValidationError("nothing changed: the entry already has these values", "changes")
    row.updated_at = utc_now_iso()
    session.flush()
    audit.append(
        session,
        action="update",
        entry_id=row.id,
        before=before,
        after=audit.snapshot(row),
        reason=reason,
        technician=_gphc(session),
    )
    return row, warnings


def delete(session: Session, entry_id: str, reason: str | None) -> Entry:
    reason = _require_reason(reason)
    row = get_row(session, entry_id)
    locked = month_lock_problem(session, date.fromisoformat(row.date))
    if locked:
        raise locked
    before = audit.snapshot(row)
    session.delete(row)
    session.flush()
    audit.append(
        session,
        action="delete",
        entry_id=entry_id,
        before=before,
        after=None,
        reason=reason,
        technician=_gphc(session),
    )
    return row


def restore(session: Session, ctx: Context, entry_id: str, reason: str | None) -> Entry:
    """Bring back a deleted entry, as it was, under its own id (undo of a delete)."""
    reason = _require_reason(reason)
    if session.get(Entry, entry_id) is not None:
        raise ValidationError(f"entry {entry_id} is not deleted", field="id")
    rec = session.execute(
        select(AuditRecord)
        .where(AuditRecord.entry_id == entry_id)
        .order_by(AuditRecord.seq.desc())
        .limit(1)
    ).scalar_one_or_none()
    if rec is None or rec.action != "delete" or rec.before is None:
        raise NotFoundError(f"no deleted entry with id {entry_id}", field="id")
    old = audit.state(rec, "before")
    assert old is not None
    d = date.fromisoformat(old["date"])
    locked = month_lock_problem(session, d)
    if locked:
        raise locked
    q = select(func.coalesce(func.sum(Entry.minutes), 0)).where(Entry.date == old["date"])
    if int(session.execute(q).scalar_one()) + old["minutes"] > DAY_MINUTES:
        raise ValidationError(f"restoring it would pass 24 hours logged on {d}", "minutes")
    row = Entry(**old)
    session.add(row)
    session.flush()
    audit.append(
        session,
        action="restore",
        entry_id=entry_id,
        before=None,
        after=audit.snapshot(row),
        reason=reason,
        technician=_gphc(session),
    )
    return row
