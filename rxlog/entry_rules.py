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
from datetime import date
from typing import Any, Protocol

from rxlog.dates import month_of
from rxlog.domain import PhaseView, PlacementView, entry_view, phase_on, placement_on
from rxlog.errors import LockedMonthError, NotFoundError, ValidationError
from rxlog.identifiers import find_nhs_numbers, normalise_ods
from rxlog.limits import DAY_MINUTES, MAX_COUNT, MAX_DISCHARGE_DAYS, MAX_MINUTES, MAX_NOTE
from rxlog.scales import HARM, HARM_SCALE, OUTCOMES, SIGNIFICANCE, SIGNIFICANCE_SCALE
from rxlog.taxonomy import Code, Taxonomy

_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")

__all__ = [  # also here, beside the rules that use them
    "DAY_MINUTES",
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
    )
    return columns, warnings
