"""The lead's roster and the pilot's calendar.

Completeness is measured against the roster: a rostered technician owes a return for
every month their dates touch, so one who has sent nothing at all is *missing*, not
absent. The calendar (one baseline and one pilot phase for the whole pilot) is where the
report's run charts are rebased, instead of each technician's own phase settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import delete, insert, select, update

from rxlog.central.models import CALENDAR, ROSTER
from rxlog.central.store import CentralStore
from rxlog.clock import utc_now_iso
from rxlog.errors import ValidationError
from rxlog.identifiers import validate_gphc


@dataclass(frozen=True)
class RosterView:
    gphc: str
    name: str
    start: str
    end: str | None

    def months(self, first: str, last: str) -> set[str]:
        """The months in ``first``..``last`` (YYYY-MM) this period touches."""
        from rxlog.dates import month_range

        lo = max(first, self.start[:7])
        hi = min(last, self.end[:7]) if self.end else last
        return set(month_range(lo, hi)) if lo <= hi else set()

    def to_dict(self) -> dict[str, Any]:
        return {"gphc": self.gphc, "name": self.name, "from": self.start, "to": self.end}


def _day(value: str, name: str) -> str:
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except (ValueError, AttributeError):
        raise ValidationError(
            f"--{name} {value!r} is not a date (YYYY-MM-DD)", field=name
        ) from None


def _clean_name(name: str) -> str:
    from rxlog.identifiers import check_return_text

    name = " ".join((name or "").split())
    if not name:
        raise ValidationError("give the technician's name (--name)", field="name")
    if len(name) > 200:
        raise ValidationError("--name is longer than 200 characters", field="name")
    check_return_text(name, "name", "--name")
    return name


def roster_add(
    store: CentralStore, gphc: str, name: str, start: str, end: str | None = None
) -> RosterView:
    gphc = validate_gphc(gphc)
    name = _clean_name(name)
    start = _day(start, "from")
    end = _day(end, "to") if end is not None else None
    if end is not None and end < start:
        raise ValidationError(f"--to {end} is before --from {start}", field="to")
    with store.begin() as conn:
        for r in conn.execute(select(ROSTER).where(ROSTER.c.gphc == gphc)).all():
            if start <= (r.end or "9999-12-31") and r.start <= (end or "9999-12-31"):
                raise ValidationError(
                    f"GPhC {gphc} is already on the roster from {r.start}"
                    f"{' to ' + r.end if r.end else ''}: the periods would overlap",
                    field="from",
                )
        conn.execute(
            insert(ROSTER).values(
                gphc=gphc, name=name, start=start, end=end, added_at=utc_now_iso()
            )
        )
    return RosterView(gphc, name, start, end)


def roster_end(store: CentralStore, gphc: str, on: str) -> RosterView:
    gphc = validate_gphc(gphc)
    on = _day(on, "on")
    with store.begin() as conn:
        open_ = conn.execute(
            select(ROSTER).where(ROSTER.c.gphc == gphc, ROSTER.c.end.is_(None))
        ).first()
        if open_ is None:
            raise ValidationError(f"GPhC {gphc} has no open period on the roster", field="gphc")
        if on < open_.start:
            raise ValidationError(
                f"--on {on} is before the period's start ({open_.start})", field="on"
            )
        conn.execute(update(ROSTER).where(ROSTER.c.id == open_.id).values(end=on))
        return RosterView(gphc, open_.name, open_.start, on)


def roster_list(store: CentralStore) -> list[RosterView]:
    with store.read() as conn:
        rows = conn.execute(select(ROSTER).order_by(ROSTER.c.gphc, ROSTER.c.start)).all()
    return [RosterView(r.gphc, r.name, r.start, r.end) for r in rows]


def calendar_set(
    store: CentralStore, baseline: tuple[str, str], pilot: tuple[str, str]
) -> dict[str, tuple[str, str]]:
    b0, b1 = _day(baseline[0], "baseline"), _day(baseline[1], "baseline")
    p0, p1 = _day(pilot[0], "pilot"), _day(pilot[1], "pilot")
    if b1 < b0:
        raise ValidationError(f"--baseline ends ({b1}) before it starts ({b0})", "baseline")
    if p1 < p0:
        raise ValidationError(f"--pilot ends ({p1}) before it starts ({p0})", "pilot")
    if p0 <= b1:
        raise ValidationError(
            f"--pilot starts ({p0}) before the baseline ends ({b1})", field="pilot"
        )
    now = utc_now_iso()
    with store.begin() as conn:
        conn.execute(delete(CALENDAR))
        conn.execute(
            insert(CALENDAR),
            [
                {"phase": "baseline", "start": b0, "end": b1, "set_at": now},
                {"phase": "pilot", "start": p0, "end": p1, "set_at": now},
            ],
        )
    return {"baseline": (b0, b1), "pilot": (p0, p1)}


def calendar_get(store: CentralStore) -> dict[str, tuple[str, str]]:
    with store.read() as conn:
        rows = conn.execute(select(CALENDAR)).all()
    return {r.phase: (r.start, r.end) for r in rows}
