"""Entries: validate completely, then write, with an audit record in the same transaction.

Every function takes an open session; ``rxlog.service.RxLog`` owns the transactions.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rxlog import audit
from rxlog.clock import utc_now_iso
from rxlog.dates import month_of
from rxlog.domain import INTERVENTION_FIELDS, EntryView, PhaseView, PlacementView
from rxlog.errors import LockedMonthError, NotFoundError, ValidationError
from rxlog.identifiers import find_nhs_numbers, normalise_ods
from rxlog.profile import get_technician, list_phases, list_placements
from rxlog.scales import HARM, HARM_SCALE, OUTCOMES, SIGNIFICANCE, SIGNIFICANCE_SCALE
from rxlog.storage.models import AuditRecord, Entry, MonthLock
from rxlog.taxonomy import Code, Taxonomy

MAX_MINUTES = 720
DAY_MINUTES = 24 * 60
MAX_NOTE = 2000
MAX_DISCHARGE_DAYS = 365  # older "received" dates are typos of the year (QS120 counts 7 days)
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")

NOTE_PID_WARNING = (
    "the note holds what looks like an NHS number; notes never leave this PC, "
    "but please keep patient identifiers out of RxLog"
)


@dataclass(frozen=True)
class Context:
    """What validation needs to know besides the entry itself."""

    taxonomy: Taxonomy
    today: date
    placements: Sequence[PlacementView]
    phases: Sequence[PhaseView]


def load_context(session: Session, taxonomy: Taxonomy, today: date) -> Context:
    return Context(taxonomy, today, list_placements(session), list_phases(session))


def phase_on(phases: Sequence[PhaseView], d: date) -> str | None:
    for p in phases:
        if p.covers(d):
            return p.name
    return None


def placement_on(placements: Sequence[PlacementView], d: date) -> PlacementView | None:
    for p in placements:
        if p.covers(d):
            return p
    return None


def _int(value: Any, field: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValidationError("must be a whole number", field=field)
    if isinstance(value, int):
        return value
    text = str(value).strip()
    # Plain ASCII digits only: int() would also take "1_0" or other scripts' digits.
    if not _WHOLE_NUMBER.fullmatch(text):
        raise ValidationError(f"{value!r} is not a whole number", field=field)
    return int(text)


def month_lock_problem(session: Session, d: date) -> LockedMonthError | None:
    month = month_of(d)
    lock = session.get(MonthLock, month)
    if lock is not None and lock.locked:
        return LockedMonthError(
            f"{month} is signed off (return v{lock.version}) and its entries are locked; "
            f'to change it, reopen it: rxlog month reopen {month} --reason "..."',
            field="date",
        )
    return None


def validate(
    session: Session,
    ctx: Context,
    values: dict[str, Any],
    *,
    exclude_id: str | None = None,
    code_may_be_retired: bool = False,
    allow_locked: bool = False,
) -> tuple[dict[str, Any], list[str]]:
    """Check a whole entry; return the columns to store and warnings, or raise.

    ``values`` has the user's fields (see ``rxlog.domain.ENTRY_FIELDS``); unset fields
    are ``None``. Nothing is written here.
    """
    warnings: list[str] = []
    raw_code = (values.get("code") or "").strip().upper()
    if not raw_code:
        raise ValidationError("an activity code is required", field="code")
    code: Code | None = ctx.taxonomy.get(raw_code)
    if code is None:
        raise NotFoundError(
            f"{raw_code!r} is not a code in taxonomy {ctx.taxonomy.version}; "
            "`rxlog taxonomy` lists them",
            field="code",
        )
    if code.retired and not code_may_be_retired:
        hint = f"; use {code.replaced_by} instead" if code.replaced_by else ""
        raise ValidationError(
            f"{code.code} was retired in taxonomy {code.retired_in}{hint}", field="code"
        )

    day = values.get("date") or ctx.today
    if not isinstance(day, date):
        raise ValidationError("must be a date (YYYY-MM-DD)", field="date")
    if day > ctx.today:
        raise ValidationError(f"{day} is in the future (today is {ctx.today})", field="date")
    covering = placement_on(ctx.placements, day)
    if covering is None:
        raise ValidationError(
            f"no placement covers {day}; add it to the rotation calendar first "
            "(rxlog placement add)",
            field="date",
        )
    locked = month_lock_problem(session, day)
    if locked and not allow_locked:
        raise locked

    site = covering
    if values.get("site"):
        try:
            ods = normalise_ods(values["site"])
        except ValidationError as exc:
            raise ValidationError(exc.message, field="site") from None
        same = [p for p in ctx.placements if p.ods == ods]
        if not same:
            raise ValidationError(
                f"{ods} is not one of your placements (rxlog placement list)", field="site"
            )
        site = next((p for p in same if p.covers(day)), same[-1])
    if site.sector not in code.sectors:
        where = " or ".join(code.sectors)
        raise ValidationError(
            f"{code.code} ({code.title}) is a {where}-care activity, but {site.ods} "
            f"({site.name}) is a {site.sector}-care site",
            field="code",
        )

    minutes = _int(values.get("minutes"), "minutes")
    if minutes is None:
        minutes = code.default_minutes
    if not 1 <= minutes <= MAX_MINUTES:
        raise ValidationError(
            f"{minutes} is out of range: an entry takes 1 to {MAX_MINUTES} minutes",
            field="minutes",
        )

    count = _int(values.get("count"), "count")
    if code.counts == "none":
        if count is not None:
            raise ValidationError(f"{code.code} counts nothing; leave the count out", field="count")
    else:
        if count is None:
            count = 1
        if count < 0:
            raise ValidationError(f"{count} is negative: a count is 0 or more", field="count")
        if count > 10000:
            raise ValidationError(f"{count} {code.counts} is more than one entry can hold", "count")

    significance = _int(values.get("significance"), "significance")
    harm = values.get("harm")
    harm = harm.strip().upper() if isinstance(harm, str) and harm.strip() else None
    released = _int(values.get("released_minutes"), "released_minutes")
    outcome = values.get("outcome")
    outcome = outcome.strip().lower() if isinstance(outcome, str) and outcome.strip() else None
    if not code.intervention:
        given = [
            f
            for f, v in (
                ("significance", significance),
                ("harm", harm),
                ("released_minutes", released),
                ("outcome", outcome),
            )
            if v is not None
        ]
        if given:
            raise ValidationError(
                f"{code.code} is not an intervention, so it takes no {', '.join(given)}",
                field=given[0],
            )
    if significance is not None and significance not in SIGNIFICANCE:
        raise ValidationError(
            f"{significance} is not on the Eadon scale: use 1 (detrimental) to 6 "
            "(potentially life-saving)",
            field="significance",
        )
    if harm is not None and harm not in HARM:
        raise ValidationError(
            f"{harm!r} is not an NCC MERP category: use a letter from A to I", field="harm"
        )
    if released is not None and not 0 <= released <= MAX_MINUTES:
        raise ValidationError(
            f"{released} is out of range: 0 to {MAX_MINUTES} minutes", field="released_minutes"
        )
    if outcome is not None and outcome not in OUTCOMES:
        raise ValidationError(
            f"{outcome!r} is not an outcome: use {', '.join(OUTCOMES)}", field="outcome"
        )

    discharge = values.get("discharge_received")
    if discharge is not None:
        if not isinstance(discharge, date):
            raise ValidationError("must be a date (YYYY-MM-DD)", field="discharge_received")
        if not code.needs_discharge_date:
            raise ValidationError(
                f"{code.code} does not take a discharge-information-received date",
                field="discharge_received",
            )
        if discharge > day:
            raise ValidationError(
                f"discharge information received {discharge} is after the entry's date {day}",
                field="discharge_received",
            )
        if (day - discharge).days > MAX_DISCHARGE_DAYS:
            raise ValidationError(
                f"discharge information received {discharge} is more than a year before the "
                f"entry's date {day}; check the year",
                field="discharge_received",
            )

    note = values.get("note")
    note = note.strip() if isinstance(note, str) and note.strip() else None
    if note is not None:
        if len(note) > MAX_NOTE:
            raise ValidationError(f"the note is longer than {MAX_NOTE} characters", field="note")
        if find_nhs_numbers(note):
            warnings.append(NOTE_PID_WARNING)

    q = select(func.coalesce(func.sum(Entry.minutes), 0)).where(Entry.date == day.isoformat())
    if exclude_id is not None:
        q = q.where(Entry.id != exclude_id)
    logged = int(session.execute(q).scalar_one())
    if logged + minutes > DAY_MINUTES:
        raise ValidationError(
            f"{day} already has {logged} minutes logged; {minutes} more would pass 24 hours",
            field="minutes",
        )

    graded = code.intervention
    columns = {
        "date": day.isoformat(),
        "site": site.ods,
        "sector": site.sector,
        "code": code.code,
        "minutes": minutes,
        "count": count,
        "significance": significance,
        "significance_scale": SIGNIFICANCE_SCALE if graded and significance is not None else None,
        "harm": harm,
        "harm_scale": HARM_SCALE if graded and harm is not None else None,
        "released_minutes": released,
        "outcome": outcome,
        "discharge_received": discharge.isoformat() if discharge else None,
        "note": note,
    }
    return columns, warnings


def to_view(row: Entry, taxonomy: Taxonomy, phases: Sequence[PhaseView]) -> EntryView:
    code = taxonomy.get(row.code)
    d = date.fromisoformat(row.date)
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
            date.fromisoformat(row.discharge_received) if row.discharge_received else None
        ),
        note=row.note,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _gphc(session: Session) -> str | None:
    tech = get_technician(session)
    return tech.gphc if tech else None


def create(
    session: Session,
    ctx: Context,
    values: dict[str, Any],
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
        **columns,
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
        "note": row.note,
    }


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
    values = _values_of(row)
    if "code" in changes and changes["code"]:
        new_code = str(changes["code"]).strip().upper()
        if new_code != row.code:
            code = ctx.taxonomy.get(new_code)
            if code is not None and not code.intervention:
                # Moving to a non-intervention code drops the grading it cannot hold.
                for f in INTERVENTION_FIELDS:
                    if f not in changes:
                        values[f] = None
            if (
                code is not None
                and not code.needs_discharge_date
                and ("discharge_received" not in changes)
            ):
                values["discharge_received"] = None
            if code is not None and code.counts == "none" and "count" not in changes:
                values["count"] = None
    if changes.get("date") and "site" not in changes:
        # A site that was only the default (the placement covering the old date)
        # follows the entry to its new date; a site the technician chose stays.
        was = placement_on(ctx.placements, date.fromisoformat(row.date))
        if was is not None and was.ods == row.site:
            values["site"] = None
    values.update(changes)
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
    for key, value in columns.items():
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
