"""What would make a month's return wrong or weak, before it is signed off.

``rxlog month check`` and the app's Month dialog both show :func:`check_month`.
Findings are ``error`` (the export will refuse), ``warning`` (the return would be
weaker: fix it first if you can) or ``info``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from rxlog.dates import parse_month
from rxlog.export import keys as keymod
from rxlog.export.month_data import main_site, working_days_without_entries
from rxlog.settings import LEAD_EMAIL

if TYPE_CHECKING:
    from rxlog.domain import EntryView
    from rxlog.service import RxLog

ERROR, WARNING, INFO = "error", "warning", "info"


@dataclass(frozen=True)
class Finding:
    severity: str
    kind: str
    message: str
    entry_ids: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    command: str | None = None  # the CLI command that deals with it, if any

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "kind": self.kind,
            "message": self.message,
            "entry_ids": list(self.entry_ids),
            "dates": list(self.dates),
            "command": self.command,
        }


@dataclass(frozen=True)
class MonthCheck:
    month: str
    entries: int
    minutes: int
    main_site: str | None
    locked_version: int | None  # the signed-off version, when the month is locked
    next_version: int
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def can_export(self) -> bool:
        return not any(f.severity == ERROR for f in self.findings)

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    def to_dict(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "entries": self.entries,
            "minutes": self.minutes,
            "main_site": self.main_site,
            "locked_version": self.locked_version,
            "next_version": self.next_version,
            "can_export": self.can_export,
            "findings": [f.to_dict() for f in self.findings],
        }


def _list(items: list[str], limit: int = 8) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _lacks(e: EntryView) -> str:
    """Which grade an intervention lacks, as a technician reads it."""
    if e.significance is None and e.harm is None:
        return "no grades"
    return "no significance" if e.significance is None else "no harm"


@dataclass(frozen=True)
class _Month:
    """What every finding reads: the month, its entries and its lock."""

    app: RxLog
    month: str
    first: date
    last: date
    today: date
    entries: list[EntryView]
    locked_version: int | None
    next_version: int
    reopened: bool
    reopen_reason: str | None


def _load(app: RxLog, month: str) -> _Month:
    from rxlog.storage.models import MonthLock

    first, last = parse_month(month)
    month = f"{first.year:04d}-{first.month:02d}"
    entries = app.month(month)
    with app.db.transaction() as s:
        lock = s.get(MonthLock, month)
        locked_version = lock.version if lock is not None and lock.locked else None
        next_version = 1 if lock is None else lock.version + 1
        reopened = lock is not None and not lock.locked
        reopen_reason = lock.reopen_reason if lock is not None else None
    return _Month(
        app=app,
        month=month,
        first=first,
        last=last,
        today=app.today(),
        entries=entries,
        locked_version=locked_version,
        next_version=next_version,
        reopened=reopened,
        reopen_reason=reopen_reason,
    )


def _plural(n: int) -> str:
    return "s" if n != 1 else ""


def _timing(m: _Month) -> list[Finding]:
    """The month is in the future (error) or not over yet (info)."""
    if m.first > m.today:
        return [Finding(ERROR, "future", f"{m.month} is in the future: nothing to sign off yet")]
    if m.last > m.today:
        days_left = (m.last - m.today).days
        return [
            Finding(
                INFO,
                "not_over",
                f"{m.month} is not over yet ({days_left} day{_plural(days_left)} "
                "left); once signed off, no more entries can be logged in it",
            )
        ]
    return []


def _lock_state(m: _Month) -> list[Finding]:
    """Signed off already (error), or reopened (info: the next version replaces)."""
    if m.locked_version is not None:
        return [
            Finding(
                ERROR,
                "locked",
                f"{m.month} is signed off (return v{m.locked_version}); reopen it to change it",
                command=f'rxlog month reopen {m.month} --reason "..."',
            )
        ]
    if m.reopened:
        return [
            Finding(
                INFO,
                "reopened",
                f"{m.month} was reopened ({m.reopen_reason}); its next export is "
                f"version {m.next_version}, replacing version {m.next_version - 1}",
            )
        ]
    return []


def _empty(m: _Month) -> list[Finding]:
    if m.entries:
        return []
    return [Finding(ERROR, "empty", f"{m.month} has no entries: there is nothing to return")]


def _days_off_and_gaps(m: _Month) -> list[Finding]:
    """Working days away (info) and working days in a placement with nothing logged."""
    if not m.entries or m.first > m.today:
        return []
    app, first, last = m.app, m.first, m.last
    placements = [
        p
        for p in app.placements()
        if p.date_from <= last and (p.date_to is None or p.date_to >= first)
    ]
    off = app.days_off(first, last)
    gaps = working_days_without_entries(m.entries, placements, first, last, m.today, off)
    shown = {d: why for d, why in off.items() if d.weekday() < 5}
    found: list[Finding] = []
    if shown:
        found.append(
            Finding(
                INFO,
                "days_off",
                f"{len(shown)} working day{_plural(len(shown))} away or a bank "
                "holiday, not counted as days without entries: "
                + _list([f"{d:%a %d %b} ({why})" for d, why in shown.items()]),
                dates=tuple(d.isoformat() for d in shown),
            )
        )
    if gaps:
        found.append(
            Finding(
                WARNING,
                "gaps",
                f"{len(gaps)} working day{_plural(len(gaps))} in a placement "
                f"with nothing logged: {_list([f'{d:%a %d %b}' for d in gaps])}",
                dates=tuple(d.isoformat() for d in gaps),
            )
        )
    return found


def _ungraded(m: _Month) -> list[Finding]:
    """Interventions without a significance or harm grade."""
    ungraded = []
    for e in m.entries:
        code = m.app.taxonomy.get(e.code)
        if code is not None and code.intervention and (e.significance is None or e.harm is None):
            ungraded.append(e)
    if not ungraded:
        return []
    return [
        Finding(
            WARNING,
            "ungraded",
            f"{len(ungraded)} intervention{_plural(len(ungraded))} without a "
            f"significance or harm grade: "
            + _list([f"{e.date:%d %b} {e.code} ({e.id[:8]}, {_lacks(e)})" for e in ungraded]),
            entry_ids=tuple(e.id for e in ungraded),
        )
    ]


def _qs120_undated(m: _Month) -> list[Finding]:
    """Reconciliations without the date discharge information was received."""
    undated = []
    for e in m.entries:
        code = m.app.taxonomy.get(e.code)
        if code is not None and code.needs_discharge_date and e.discharge_received is None:
            undated.append(e)
    if not undated:
        return []
    return [
        Finding(
            WARNING,
            "qs120_undated",
            f"{len(undated)} reconciliation{_plural(len(undated))} without the "
            f"date discharge information was received (NICE QS120 timeliness): "
            f"{_list([f'{e.date:%d %b} {e.code} ({e.id[:8]})' for e in undated])}",
            entry_ids=tuple(e.id for e in undated),
        )
    ]


def _qs120_unadmitted(m: _Month) -> list[Finding]:
    """Admission reconciliations without the patient's admission date and time (or the
    time the reconciliation was done): NICE QS120 in hospital cannot time them."""
    untimed = []
    for e in m.entries:
        code = m.app.taxonomy.get(e.code)
        if (
            code is not None
            and code.needs_admission_time
            and (e.admitted is None or e.time is None)
        ):
            untimed.append(e)
    if not untimed:
        return []
    n = len(untimed)
    patients = sum(e.count or 1 for e in untimed)
    of = f" ({patients} patients)" if patients != n else ""
    return [
        Finding(
            WARNING,
            "qs120_no_admission",
            f"{n} admission reconciliation{_plural(n)}{of} without the time the patient was "
            f"admitted, so the lead's report cannot time {'it' if n == 1 else 'them'} against "
            "NICE QS120 (within 24 hours of admission): "
            f"{_list([f'{e.date:%d %b} {e.code} ({e.id[:8]})' for e in untimed])}. Add it in "
            "the entry's details (Patient admitted) or when logging with ad:, e.g. ad:y@22:40 "
            "(yesterday at 22:40)",
            entry_ids=tuple(e.id for e in untimed),
            command=(
                "rxlog edit ID --admitted 'YYYY-MM-DD HH:MM' --time HH:MM "
                '--reason "admission time added"'
            ),
        )
    ]


def _timer_running(m: _Month) -> list[Finding]:
    from rxlog.timers import TimerStore

    timer = TimerStore(m.app.setting, m.app.set_setting).current()
    if timer is None or timer.started_at.astimezone().date() > m.last:
        return []
    return [
        Finding(
            WARNING,
            "timer",
            f"a timer is still running on {timer.code} (started "
            f"{timer.started_at.astimezone():%d %b %H:%M}); stop it so its time is logged",
        )
    ]


def _no_key(m: _Month) -> list[Finding]:
    if keymod.has_keys(m.app.db.data_dir):
        return []
    return [
        Finding(
            ERROR,
            "no_key",
            "this installation has no signing key to sign the return with",
            command="rxlog key create",
        )
    ]


def _no_lead_email(m: _Month) -> list[Finding]:
    if m.app.settings[LEAD_EMAIL]:
        return []
    return [
        Finding(
            INFO,
            "no_lead_email",
            "no lead e-mail address is set: the e-mail draft will have no recipient",
            command="rxlog config set lead-email ADDRESS",
        )
    ]


# One function per finding, in the order they are shown.
CHECKS: tuple[Callable[[_Month], list[Finding]], ...] = (
    _timing,
    _lock_state,
    _empty,
    _days_off_and_gaps,
    _ungraded,
    _qs120_undated,
    _qs120_unadmitted,
    _timer_running,
    _no_key,
    _no_lead_email,
)


def check_month(app: RxLog, month: str) -> MonthCheck:
    """Check ``month`` (``YYYY-MM``); raises only for a malformed month."""
    m = _load(app, month)
    found = [f for check in CHECKS for f in check(m)]
    return MonthCheck(
        month=m.month,
        entries=len(m.entries),
        minutes=sum(e.minutes for e in m.entries),
        main_site=main_site(m.entries) if m.entries else None,
        locked_version=m.locked_version,
        next_version=m.next_version,
        findings=tuple(found),
    )
