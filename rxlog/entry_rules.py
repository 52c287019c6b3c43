"""What makes an entry valid: its limits and one small check per field or rule.

No SQLAlchemy here (nor any storage): the timers, the window and the CLI's direct
sqlite3 path import these limits and checks without loading the ORM. What a check
needs from the database (a month's lock, a day's minutes) it asks of an
``EntryLookups``, which the ORM session and the sqlite3 path each provide.

``validate`` is the composition: it runs the checks in a fixed order (so the first
problem reported is always the same one) and returns the columns to store.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, time
from typing import Any, Protocol

from rxlog.dates import month_of
from rxlog.domain import PhaseView, PlacementView, entry_view, phase_on, placement_on
from rxlog.errors import LockedMonthError, NotFoundError, ValidationError
from rxlog.identifiers import find_nhs_numbers, normalise_ods
from rxlog.limits import (
    DAY_MINUTES,
    MAX_ADMISSION_DAYS,
    MAX_ADMISSION_MINUTES,
    MAX_COUNT,
    MAX_DISCHARGE_DAYS,
    MAX_MINUTES,
    MAX_NOTE,
)
from rxlog.scales import HARM, HARM_SCALE, OUTCOMES, SIGNIFICANCE, SIGNIFICANCE_SCALE
from rxlog.taxonomy import Code, Taxonomy

_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")

__all__ = [  # also here, beside the rules that use them
    "DAY_MINUTES",
    "MAX_ADMISSION_DAYS",
    "MAX_ADMISSION_MINUTES",
    "MAX_COUNT",
    "MAX_DISCHARGE_DAYS",
    "MAX_MINUTES",
    "MAX_NOTE",
    "entry_view",
    "phase_on",
    "placement_on",
]

NOTE_PID_WARNING = (
    "the note holds what looks like an NHS number; notes never leave this PC, "
    "but please keep patient identifiers out of RxLog"
)


class EntryLookups(Protocol):
    """What validation reads from the database, inside the caller's transaction."""

    def month_lock(self, month: str) -> tuple[int, bool] | None:
        """(version of the latest return, locked?) for a month with a lock row."""

    def minutes_logged(self, day: date, exclude_id: str | None) -> int:
        """Minutes already logged on ``day``, leaving out entry ``exclude_id``."""


@dataclass(frozen=True)
class Context:
    """What validation needs to know besides the entry itself."""

    taxonomy: Taxonomy
    today: date
    placements: Sequence[PlacementView]
    phases: Sequence[PhaseView]
    now: datetime | None = None  # the local date-time (default: the clock's, on ``today``)

    def local_now(self) -> datetime:
        from rxlog.clock import local_now

        return self.now or datetime.combine(self.today, local_now().time())


@dataclass(frozen=True)
class EntryColumns:
    """A checked entry as it is stored (dates as ISO text, scales named)."""

    date: str
    site: str
    sector: str
    code: str
    minutes: int
    count: int | None
    significance: int | None
    significance_scale: str | None
    harm: str | None
    harm_scale: str | None
    released_minutes: int | None
    outcome: str | None
    discharge_received: str | None
    note: str | None
    admitted: str | None = None  # "YYYY-MM-DD HH:MM" (schema 0007)
    time: str | None = None  # "HH:MM"

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


# -- one check per field or rule -----------------------------------------------------------
def whole_number(value: Any, field: str) -> int | None:
    """None for unset; an int; or a clear refusal (plain ASCII digits only: ``int()``
    would also take "1_0" or other scripts' digits)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValidationError("must be a whole number", field=field)
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if not _WHOLE_NUMBER.fullmatch(text):
        raise ValidationError(f"{value!r} is not a whole number", field=field)
    return int(text)


def check_code(taxonomy: Taxonomy, value: str | None, *, may_be_retired: bool = False) -> Code:
    raw = (value or "").strip().upper()
    if not raw:
        raise ValidationError("an activity code is required", field="code")
    code = taxonomy.get(raw)
    if code is None:
        raise NotFoundError(
            f"{raw!r} is not a code in taxonomy {taxonomy.version}; `rxlog taxonomy` lists them",
            field="code",
        )
    if code.retired and not may_be_retired:
        hint = f"; use {code.replaced_by} instead" if code.replaced_by else ""
        raise ValidationError(
            f"{code.code} was retired in taxonomy {code.retired_in}{hint}", field="code"
        )
    return code


def check_day(value: Any, today: date) -> date:
    day = value or today
    if not isinstance(day, date):
        raise ValidationError("must be a date (YYYY-MM-DD)", field="date")
    if day > today:
        raise ValidationError(f"{day} is in the future (today is {today})", field="date")
    return day


def covering_placement(placements: Sequence[PlacementView], day: date) -> PlacementView:
    covering = placement_on(placements, day)
    if covering is None:
        raise ValidationError(
            f"no placement covers {day}; add it to the rotation calendar first "
            "(rxlog placement add)",
            field="date",
        )
    return covering


def month_lock_problem(lookups: EntryLookups, d: date) -> LockedMonthError | None:
    month = month_of(d)
    lock = lookups.month_lock(month)
    if lock is not None and lock[1]:
        return LockedMonthError(
            f"{month} is signed off (return v{lock[0]}) and its entries are locked; "
            f'to change it, reopen it: rxlog month reopen {month} --reason "..."',
            field="date",
        )
    return None


def check_site(
    placements: Sequence[PlacementView], value: str | None, day: date, covering: PlacementView
) -> PlacementView:
    """The placement the entry is for: the one covering its day unless a site is named."""
    if not value:
        return covering
    try:
        ods = normalise_ods(value)
    except ValidationError as exc:
        raise ValidationError(exc.message, field="site") from None
    same = [p for p in placements if p.ods == ods]
    if not same:
        raise ValidationError(
            f"{ods} is not one of your placements (rxlog placement list)", field="site"
        )
    return next((p for p in same if p.covers(day)), same[-1])


def check_sector(code: Code, site: PlacementView) -> None:
    if site.sector not in code.sectors:
        where = " or ".join(code.sectors)
        raise ValidationError(
            f"{code.code} ({code.title}) is a {where}-care activity, but {site.ods} "
            f"({site.name}) is a {site.sector}-care site",
            field="code",
        )


def check_minutes(value: Any, code: Code) -> int:
    minutes = whole_number(value, "minutes")
    if minutes is None:
        minutes = code.default_minutes
    if not 1 <= minutes <= MAX_MINUTES:
        raise ValidationError(
            f"{minutes} is out of range: an entry takes 1 to {MAX_MINUTES} minutes",
            field="minutes",
        )
    return minutes


def check_count(value: Any, code: Code) -> int | None:
    count = whole_number(value, "count")
    if code.counts == "none":
        if count is not None:
            raise ValidationError(f"{code.code} counts nothing; leave the count out", field="count")
        return None
    if count is None:
        return 1
    if count < 0:
        raise ValidationError(f"{count} is negative: a count is 0 or more", field="count")
    if count > MAX_COUNT:
        raise ValidationError(f"{count} {code.counts} is more than one entry can hold", "count")
    return count


def _word(value: Any, case: str) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().upper() if case == "upper" else value.strip().lower()


def check_grading_allowed(code: Code, given: dict[str, Any]) -> None:
    """Only an intervention takes a significance, harm, released minutes or outcome."""
    if code.intervention:
        return
    named = [f for f, v in given.items() if v is not None]
    if named:
        raise ValidationError(
            f"{code.code} is not an intervention, so it takes no {', '.join(named)}",
            field=named[0],
        )


def check_significance(value: int | None) -> int | None:
    if value is not None and value not in SIGNIFICANCE:
        raise ValidationError(
            f"{value} is not on the Eadon scale: use 1 (detrimental) to 6 "
            "(potentially life-saving)",
            field="significance",
        )
    return value


def check_harm(value: str | None) -> str | None:
    if value is not None and value not in HARM:
        raise ValidationError(
            f"{value!r} is not an NCC MERP category: use a letter from A to I", field="harm"
        )
    return value


def check_released(value: int | None) -> int | None:
    if value is not None and not 0 <= value <= MAX_MINUTES:
        raise ValidationError(
            f"{value} is out of range: 0 to {MAX_MINUTES} minutes", field="released_minutes"
        )
    return value


def check_outcome(value: str | None) -> str | None:
    if value is not None and value not in OUTCOMES:
        raise ValidationError(
            f"{value!r} is not an outcome: use {', '.join(OUTCOMES)}", field="outcome"
        )
    return value


def check_discharge(value: Any, code: Code, day: date) -> date | None:
    field = "discharge_received"
    if value is None:
        return None
    if not isinstance(value, date):
        raise ValidationError("must be a date (YYYY-MM-DD)", field=field)
    if not code.needs_discharge_date:
        raise ValidationError(
            f"{code.code} does not take a discharge-information-received date", field=field
        )
    if value > day:
        raise ValidationError(
            f"discharge information received {value} is after the entry's date {day}",
            field=field,
        )
    if (day - value).days > MAX_DISCHARGE_DAYS:
        raise ValidationError(
            f"discharge information received {value} is more than a year before the "
            f"entry's date {day}; check the year",
            field=field,
        )
    return value


def check_time(value: Any, code: Code) -> time | None:
    """The time of day the reconciliation was done (admission reconciliations only)."""
    if value is None:
        return None
    if not isinstance(value, time):
        raise ValidationError("must be a time of day (HH:MM)", field="time")
    if not code.needs_admission_time:
        raise ValidationError(
            f"{code.code} takes no time of day: only an admission reconciliation is timed in hours",
            field="time",
        )
    return value.replace(second=0, microsecond=0, tzinfo=None)


def check_not_future(ctx: Context, day: date, at: time | None) -> None:
    if at is None or day != ctx.today:
        return
    now = ctx.local_now()
    if at > now.time():
        raise ValidationError(
            f"{at:%H:%M} today is in the future (it is now {now:%H:%M})", field="time"
        )


def check_admission(
    ctx: Context, code: Code, day: date, value: Any, at: time | None
) -> tuple[datetime | None, time | None]:
    """The admission date-time (NICE QS120 in acute care: reconciliation within 24 hours
    of admission) and the reconciliation's time, which defaults to now for today."""
    field = "admitted"
    if value is None:
        check_not_future(ctx, day, at)
        return None, at
    if not isinstance(value, datetime):
        raise ValidationError("must be a date and time (YYYY-MM-DD HH:MM)", field=field)
    admitted = value.replace(second=0, microsecond=0, tzinfo=None)
    if not code.needs_admission_time:
        raise ValidationError(
            f"{code.code} does not take an admission date-time (only an admission "
            "reconciliation does)",
            field=field,
        )
    now = ctx.local_now()
    if at is None:
        if day != ctx.today:
            raise ValidationError(
                f"give the time the reconciliation was done on {day} as well (HH:MM): "
                "QS120 times it in hours from the admission",
                field="time",
            )
        at = time(now.hour, now.minute)
    check_not_future(ctx, day, at)
    if admitted > now:
        raise ValidationError(
            f"admitted {admitted:%Y-%m-%d %H:%M} is in the future (it is now {now:%H:%M} "
            f"on {now.date()})",
            field=field,
        )
    done = datetime.combine(day, at)
    # wall-clock first: a year typed wrong never reaches the OS's zone rules
    taken = (done - admitted).days * 1440 + (done - admitted).seconds // 60
    if 0 <= taken <= MAX_ADMISSION_MINUTES + 60:
        taken = elapsed_minutes(admitted, done)
    if admitted > done or taken < 0:
        raise ValidationError(
            f"admitted {admitted:%Y-%m-%d %H:%M} is after the reconciliation "
            f"({done:%Y-%m-%d %H:%M}): the patient is admitted first",
            field=field,
        )
    if taken > MAX_ADMISSION_MINUTES:
        raise ValidationError(
            f"admitted {admitted:%Y-%m-%d %H:%M} is more than {MAX_ADMISSION_DAYS} days "
            f"before the reconciliation ({done:%Y-%m-%d %H:%M}); check the month and year",
            field=field,
        )
    return admitted, at


def elapsed_minutes(start: datetime, end: datetime) -> int:
    """Real minutes between two times on this PC's clock: read as local time (the OS's
    zone rules), so a night the clocks change counts 23 or 25 hours, as it lasted."""
    try:
        return int((end.astimezone() - start.astimezone()).total_seconds() // 60)
    except (OverflowError, OSError, ValueError):  # outside the OS's range (Windows: < 1970)
        return int((end - start).total_seconds() // 60)


def qs120_minutes(day: date, at: time | None, admitted: datetime | None) -> int | None:
    """Minutes from admission to the reconciliation (NICE QS120 in acute care), or None
    when either end is not recorded."""
    if admitted is None or at is None:
        return None
    return max(0, elapsed_minutes(admitted, datetime.combine(day, at)))


def check_note(value: Any, warnings: list[str]) -> str | None:
    note = value.strip() if isinstance(value, str) and value.strip() else None
    if note is None:
        return None
    if len(note) > MAX_NOTE:
        raise ValidationError(f"the note is longer than {MAX_NOTE} characters", field="note")
    if find_nhs_numbers(note):
        warnings.append(NOTE_PID_WARNING)
    return note


def check_day_total(lookups: EntryLookups, day: date, minutes: int, exclude_id: str | None) -> None:
    logged = lookups.minutes_logged(day, exclude_id)
    if logged + minutes > DAY_MINUTES:
        raise ValidationError(
            f"{day} already has {logged} minutes logged; {minutes} more would pass 24 hours",
            field="minutes",
        )


# -- the composition -----------------------------------------------------------------------
@dataclass(frozen=True)
class _Grading:
    significance: int | None
    harm: str | None
    released: int | None
    outcome: str | None


def _grading(item: Any, code: Code) -> _Grading:
    significance = whole_number(item.significance, "significance")
    harm = _word(item.harm, "upper")
    released = whole_number(item.released_minutes, "released_minutes")
    outcome = _word(item.outcome, "lower")
    check_grading_allowed(
        code,
        {
            "significance": significance,
            "harm": harm,
            "released_minutes": released,
            "outcome": outcome,
        },
    )
    return _Grading(
        check_significance(significance),
        check_harm(harm),
        check_released(released),
        check_outcome(outcome),
    )


def validate(
    lookups: EntryLookups,
    ctx: Context,
    item: Any,
    *,
    exclude_id: str | None = None,
    code_may_be_retired: bool = False,
    allow_locked: bool = False,
) -> tuple[EntryColumns, list[str]]:
    """Check a whole entry (an ``rxlog.domain.EntryInput``); the columns to store and
    the warnings, or the first problem raised. Nothing is written here."""
    warnings: list[str] = []
    code = check_code(ctx.taxonomy, item.code, may_be_retired=code_may_be_retired)
    day = check_day(item.date, ctx.today)
    covering = covering_placement(ctx.placements, day)
    locked = month_lock_problem(lookups, day)
    if locked and not allow_locked:
        raise locked
    site = check_site(ctx.placements, item.site, day, covering)
    check_sector(code, site)
    minutes = check_minutes(item.minutes, code)
    count = check_count(item.count, code)
    g = _grading(item, code)
    discharge = check_discharge(item.discharge_received, code, day)
    admitted, at = check_admission(ctx, code, day, item.admitted, check_time(item.time, code))
    note = check_note(item.note, warnings)
    check_day_total(lookups, day, minutes, exclude_id)
    graded = code.intervention
    columns = EntryColumns(
        date=day.isoformat(),
        site=site.ods,
        sector=site.sector,
        code=code.code,
        minutes=minutes,
        count=count,
        significance=g.significance,
        significance_scale=SIGNIFICANCE_SCALE if graded and g.significance is not None else None,
        harm=g.harm,
        harm_scale=HARM_SCALE if graded and g.harm is not None else None,
        released_minutes=g.released,
        outcome=g.outcome,
        discharge_received=discharge.isoformat() if discharge else None,
        note=note,
        admitted=admitted.strftime("%Y-%m-%d %H:%M") if admitted else None,
        time=at.strftime("%H:%M") if at else None,
    )
    return columns, warnings
