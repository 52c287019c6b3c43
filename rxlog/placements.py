"""Changing the rotation calendar (end, edit, delete, next rotation) without leaving an
entry outside every placement.

Every change is checked against the entries it touches before anything is kept:
- an entry whose date no placement covers any more is refused, listed by date, code and
  id, unless the user chose to delete such entries (``delete_entries``);
- an entry that carried the changed placement's site by default follows its date to
  the placement that now covers it (its site and sector change, audited), unless that
  placement's sector cannot hold the entry's code (then the change is refused, listed);
- nothing in a signed-off month changes.
The calendar change itself is a record in the hash-chained audit trail
(``placement-end``, ``placement-edit``, ``placement-delete``) naming ``placement:ID``.

Functions here take an open session; ``rxlog.service.RxLog`` owns the transactions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from rxlog import audit, entries
from rxlog.clock import utc_now_iso
from rxlog.dates import month_of
from rxlog.domain import PlacementView
from rxlog.errors import NotFoundError, ValidationError
from rxlog.profile import (
    add_placement,
    check_placement,
    get_technician,
    list_placements,
    placement_view,
)
from rxlog.storage.models import Entry, MonthLock, Placement
from rxlog.taxonomy import Taxonomy

_LISTED = 10  # entries named in a refusal; the rest are counted


@dataclass(frozen=True)
class CalendarChange:
    """What a calendar change did: the placement as it is now (``None`` once deleted),
    the entries whose site followed their date, and the entries deleted by choice."""

    placement: PlacementView | None
    moved: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    previous: PlacementView | None = None  # the placement a next rotation ended


def placement_id(value: int | str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()):
        raise ValidationError(
            f"{value!r} is not a placement id: use the number `rxlog placement list` shows",
            field="id",
        )
    return int(text)


def _row(session: Session, pid: int | str) -> Placement:
    row = session.get(Placement, placement_id(pid))
    if row is None:
        raise NotFoundError(f"no placement with id {pid}", field="id")
    return row


def _describe(rows: Sequence[Entry]) -> str:
    listed = ", ".join(f"{e.date} {e.code} ({e.id[:8]})" for e in rows[:_LISTED])
    more = f" and {len(rows) - _LISTED} more" if len(rows) > _LISTED else ""
    return listed + more


def _entries_between(session: Session, start: date, end: date | None) -> list[Entry]:
    q = select(Entry).where(Entry.date >= start.isoformat())
    if end is not None:
        q = q.where(Entry.date <= end.isoformat())
    return list(session.execute(q.order_by(Entry.date, Entry.created_at)).scalars())


def _locked_months(session: Session, rows: Sequence[Entry]) -> list[str]:
    months = sorted({month_of(date.fromisoformat(e.date)) for e in rows})
    return [m for m in months if (lk := session.get(MonthLock, m)) is not None and lk.locked]


def _audit_placement(
    session: Session,
    action: str,
    pid: int,
    before: PlacementView | None,
    after: PlacementView | None,
    reason: str,
) -> None:
    tech = get_technician(session)
    audit.append(
        session,
        action=action,
        entry_id=f"placement:{pid}",
        before=before.to_dict() if before else None,
        after=after.to_dict() if after else None,
        reason=reason,
        technician=tech.gphc if tech else None,
    )


def _rehome(
    session: Session,
    taxonomy: Taxonomy,
    before: Sequence[PlacementView],
    start: date,
    end: date | None,
    *,
    reason: str,
    delete_entries: bool,
    field_name: str,
) -> tuple[list[str], list[str]]:
    """After the calendar rows changed (flushed, not committed): move or delete the
    entries dated ``start``..``end`` as the new calendar requires, or raise."""
    after = list_placements(session)
    orphans: list[Entry] = []
    moves: list[tuple[Entry, PlacementView]] = []
    for e in _entries_between(session, start, end):
        d = date.fromisoformat(e.date)
        now = entries.placement_on(after, d)
        if now is None:
            orphans.append(e)
            continue
        was = entries.placement_on(before, d)
        default_site = was is None or was.ods == e.site
        if default_site and (now.ods != e.site or now.sector != e.sector):
            moves.append((e, now))
    touched = orphans + [e for e, _ in moves]
    locked = _locked_months(session, touched)
    if locked:
        raise ValidationError(
            f"this change would alter entries in {', '.join(locked)}, which is signed off "
            f"({_describe(touched)}); reopen the month first",
            field=field_name,
        )
    if orphans and not delete_entries:
        raise ValidationError(
            f"{len(orphans)} entr{'y' if len(orphans) == 1 else 'ies'} would be outside every "
            f"placement: {_describe(orphans)}; move or delete them first, add the next "
            "placement as a next rotation, or choose to delete them",
            field=field_name,
        )
    misfits = []
    for e, p in moves:
        code = taxonomy.get(e.code)
        if code is not None and p.sector not in code.sectors:
            misfits.append(e)
    if misfits:
        target = moves[0][1]
        raise ValidationError(
            f"{len(misfits)} entr{'y' if len(misfits) == 1 else 'ies'} would move to "
            f"{target.ods} ({target.name}, {target.sector} care), which cannot hold "
            f"their activity: {_describe(misfits)}; change or delete them first",
            field=field_name,
        )
    moved = []
    tech = get_technician(session)
    for e, p in moves:
        snap = audit.snapshot(e)
        e.site, e.sector, e.updated_at = p.ods, p.sector, utc_now_iso()
        session.flush()
        audit.append(
            session,
            action="update",
            entry_id=e.id,
            before=snap,
            after=audit.snapshot(e),
            reason=f"rotation calendar changed: {reason}",
            technician=tech.gphc if tech else None,
        )
        moved.append(e.id)
    deleted = []
    for e in orphans:
        entries.delete(session, e.id, f"outside every placement after a calendar change: {reason}")
        deleted.append(e.id)
    return moved, deleted


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("a reason is required (it is kept in the audit trail)", "reason")
    return reason


def edit_placement(
    session: Session,
    taxonomy: Taxonomy,
    pid: int | str,
    *,
    reason: str | None,
    name: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    open_ended: bool = False,
    sector: str | None = None,
    delete_entries: bool = False,
    action: str = "placement-edit",
    to_field: str = "to",
) -> CalendarChange:
    """Change a placement's name, dates or sector (see the module's rules)."""
    reason = _reason(reason)
    row = _row(session, pid)
    if date_to is not None and open_ended:
        raise ValidationError("give an end date or open-ended, not both", field="to")
    if name is None and date_from is None and date_to is None and not open_ended and not sector:
        raise ValidationError(
            "nothing to change: give a new name, from, to, open-ended or sector", "changes"
        )
    old = placement_view(row)
    new_from = date_from or old.date_from
    new_to = None if open_ended else (date_to or old.date_to)
    new_sector = sector or old.sector
    new_name = old.name if name is None else name
    try:
        _kind, _ods, new_name = check_placement(
            session, old.ods, new_name, new_sector, new_from, new_to, exclude_id=old.id
        )
    except ValidationError as exc:
        if exc.field == "to" and to_field != "to":
            raise ValidationError(exc.message, field=to_field) from None
        raise
    unchanged = (old.name, old.date_from, old.date_to, old.sector)
    if (new_name, new_from, new_to, new_sector) == unchanged:
        raise ValidationError("nothing changed: the placement already has these values", "changes")
    before = list_placements(session)
    row.name, row.sector = new_name, new_sector
    row.date_from = new_from.isoformat()
    row.date_to = new_to.isoformat() if new_to else None
    session.flush()
    start = min(old.date_from, new_from)
    end = None if old.date_to is None or new_to is None else max(old.date_to, new_to)
    field_name = to_field if new_to != old.date_to else "from"
    if new_sector != old.sector and new_from == old.date_from and new_to == old.date_to:
        field_name = "sector"
    moved, deleted = _rehome(
        session,
        taxonomy,
        before,
        start,
        end,
        reason=reason,
        delete_entries=delete_entries,
        field_name=field_name,
    )
    now = placement_view(row)
    _audit_placement(session, action, old.id, old, now, reason)
    return CalendarChange(now, moved, deleted)


def end_placement(
    session: Session,
    taxonomy: Taxonomy,
    pid: int | str,
    on: date,
    *,
    reason: str | None = None,
    delete_entries: bool = False,
) -> CalendarChange:
    """Set a placement's last day (``placement end ID --on DATE``)."""
    reason = (reason or "").strip() or f"placement ended on {on}"
    return edit_placement(
        session,
        taxonomy,
        pid,
        reason=reason,
        date_to=on,
        delete_entries=delete_entries,
        action="placement-end",
        to_field="on",
    )


def entries_depending_on(session: Session, pid: int | str) -> list[Entry]:
    """Entries a placement explains: dated within it, or carrying its site."""
    row = _row(session, pid)
    p = placement_view(row)
    inside = _entries_between(session, p.date_from, p.date_to)
    others = [o for o in list_placements(session) if o.id != p.id and o.ods == p.ods]
    by_site = []
    if not others:
        by_site = list(
            session.execute(
                select(Entry).where(Entry.site == p.ods).order_by(Entry.date, Entry.created_at)
            ).scalars()
        )
    seen = {e.id for e in inside}
    return inside + [e for e in by_site if e.id not in seen]


def delete_placement(session: Session, pid: int | str, *, reason: str | None) -> CalendarChange:
    """Remove a placement that no entry depends on (else refused, saying which)."""
    reason = _reason(reason)
    row = _row(session, pid)
    dependent = entries_depending_on(session, row.id)
    if dependent:
        raise ValidationError(
            f"{len(dependent)} entr{'y' if len(dependent) == 1 else 'ies'} depend on this "
            f"placement: {_describe(dependent)}; move or delete them first, or end or change "
            "the placement instead",
            field="id",
        )
    old = placement_view(row)
    session.delete(row)
    session.flush()
    _audit_placement(session, "placement-delete", old.id, old, None, reason)
    return CalendarChange(None)


def next_rotation(
    session: Session,
    taxonomy: Taxonomy,
    ods: str,
    name: str,
    sector: str,
    date_from: date,
    date_to: date | None,
) -> CalendarChange:
    """Start the next placement on ``date_from``: the placement covering that day ends the
    day before, and its entries from that day on follow to the new one (audited)."""
    covering = entries.placement_on(list_placements(session), date_from)
    if covering is None:
        p = add_placement(session, ods, name, sector, date_from, date_to)
        return CalendarChange(p)
    if covering.date_from >= date_from:
        raise ValidationError(
            f"the placement at {covering.ods} ({covering.name}) starts on "
            f"{covering.date_from}, so it cannot end before {date_from}; change or delete it",
            field="from",
        )
    before = list_placements(session)
    row = _row(session, covering.id)
    old = placement_view(row)
    last_day = date_from - timedelta(days=1)
    row.date_to = last_day.isoformat()
    session.flush()
    new = add_placement(session, ods, name, sector, date_from, date_to)
    reason = f"next rotation: {new.ods} from {date_from}"
    moved, _deleted = _rehome(
        session,
        taxonomy,
        before,
        date_from,
        old.date_to,
        reason=reason,
        delete_entries=False,
        field_name="from",
    )
    ended = placement_view(row)
    _audit_placement(session, "placement-end", old.id, old, ended, reason)
    return CalendarChange(new, moved, previous=ended)
