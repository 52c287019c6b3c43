"""What would make a month's return wrong or weak, before it is signed off.

``rxlog month check`` and the app's Month dialog both show :func:`check_month`.
Findings are ``error`` (the export will refuse), ``warning`` (the return would be
weaker: fix it first if you can) or ``info``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rxlog.dates import parse_month
from rxlog.export import keys as keymod
from rxlog.export.month_data import main_site, working_days_without_entries

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


def check_month(app: RxLog, month: str) -> MonthCheck:
    """Check ``month`` (``YYYY-MM``); raises only for a malformed month."""
    from rxlog.storage.models import MonthLock
    from rxlog.timers import TimerStore

    first, last = parse_month(month)
    month = f"{first.year:04d}-{first.month:02d}"
    today = app.today()
    found: list[Finding] = []
    entries = app.month(month)
    with app.db.transaction() as s:
        lock = s.get(MonthLock, month)
        locked_version = lock.version if lock is not None and lock.locked else None
        next_version = 1 if lock is None else lock.version + 1
        reopened = lock is not None and not lock.locked
        reopen_reason = lock.reopen_reason if lock is not None else None

    if first > today:
        found.append(Finding(ERROR, "future", f"{month} is in the future: nothing to sign off yet"))
    elif last > today:
        days_left = (last - today).days
        found.append(
            Finding(
                INFO,
                "not_over",
                f"{month} is not over yet ({days_left} day{'s' if days_left != 1 else ''} "
                "left); once signed off, no more entries can be logged in it",
            )
        )
    if locked_version is not None:
        found.append(
            Finding(
                ERROR,
                "locked",
                f"{month} is signed off (return v{locked_version}); reopen it to change it",
                command=f'rxlog month reopen {month} --reason "..."',
            )
        )
    elif reopened:
        found.append(
            Finding(
                INFO,
                "reopened",
                f"{month} was reopened ({reopen_reason}); its next export is "
                f"version {next_version}, replacing version {next_version - 1}",
            )
        )
    if not entries:
        found.append(Finding(ERROR, "empty", f"{month} has no entries: there is nothing to return"))

    if entries and first <= today:
        placements = [
            p
            for p in app.placements()
            if p.date_from <= last and (p.date_to is None or p.date_to >= first)
        ]
        off = app.days_off(first, last)
        gaps = working_days_without_entries(entries, placements, first, last, today, off)
        shown = {d: why for d, why in off.items() if d.weekday() < 5}
        if shown:
            found.append(
                Finding(
                    INFO,
                    "days_off",
                    f"{len(shown)} working day{'s' if len(shown) != 1 else ''} away or a bank "
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
                    f"{len(gaps)} working day{'s' if len(gaps) != 1 else ''} in a placement "
                    f"with nothing logged: {_list([f'{d:%a %d %b}' for d in gaps])}",
                    dates=tuple(d.isoformat() for d in gaps),
                )
            )

    ungraded = []
    undated = []
    for e in entries:
        code = app.taxonomy.get(e.code)
        if code is None:
            continue
        if code.intervention and (e.significance is None or e.harm is None):
            ungraded.append(e)
        if code.needs_discharge_date and e.discharge_received is None:
            undated.append(e)
    if ungraded:
        found.append(
            Finding(
                WARNING,
                "ungraded",
                f"{len(ungraded)} intervention{'s' if len(ungraded) != 1 else ''} without a "
                f"significance or harm grade: "
                + _list([f"{e.date:%d %b} {e.code} ({e.id[:8]}, {_lacks(e)})" for e in ungraded]),
                entry_ids=tuple(e.id for e in ungraded),
            )
        )
    if undated:
        found.append(
            Finding(
                WARNING,
                "qs120_undated",
                f"{len(undated)} reconciliation{'s' if len(undated) != 1 else ''} without the "
                f"date discharge information was received (NICE QS120 timeliness): "
                f"{_list([f'{e.date:%d %b} {e.code} ({e.id[:8]})' for e in undated])}",
                entry_ids=tuple(e.id for e in undated),
            )
        )

    timer = TimerStore(app.setting, app.set_setting).current()
    if timer is not None and timer.started_at.astimezone().date() <= last:
        found.append(
            Finding(
                WARNING,
                "timer",
                f"a timer is still running on {timer.code} (started "
                f"{timer.started_at.astimezone():%d %b %H:%M}); stop it so its time is logged",
            )
        )
    if not keymod.has_keys(app.db.data_dir):
        found.append(
            Finding(
                ERROR,
                "no_key",
                "this installation has no signing key to sign the return with",
                command="rxlog key create",
            )
        )
    if not app.setting("lead_email"):
        found.append(
            Finding(
                INFO,
                "no_lead_email",
                "no lead e-mail address is set: the e-mail draft will have no recipient",
                command="rxlog config set lead-email ADDRESS",
            )
        )
    return MonthCheck(
        month=month,
        entries=len(entries),
        minutes=sum(e.minutes for e in entries),
        main_site=main_site(entries) if entries else None,
        locked_version=locked_version,
        next_version=next_version,
        findings=tuple(found),
    )
