"""Activity timers, kept in the settings table so a crash, sleep or midnight is caught.

A running timer is stored as JSON under ``timer`` with its start time and a
"last seen" heartbeat the app refreshes every minute while it runs. When the timer is
stopped, :func:`review` compares the three clocks: a gap in the heartbeat means the
PC slept or the app was closed, a different local date means it ran past midnight,
and a long run may have spanned a break. Then the user chooses what to keep.

Qt-free and clock-free: every function takes ``now`` (an aware datetime).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from rxlog.errors import ValidationError

MAX_MINUTES = 720  # rxlog.entries.MAX_MINUTES; not imported: keeps SQLAlchemy out of start-up
SETTING_KEY = "timer"
HEARTBEAT = timedelta(minutes=1)
GAP = timedelta(minutes=10)  # no heartbeat for this long: the PC slept or the app was shut
LONG = timedelta(hours=2)  # longer than this: perhaps left running over a break


@dataclass(frozen=True)
class Timer:
    code: str
    started_at: datetime
    last_seen: datetime
    note: str | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "code": self.code,
                "started_at": self.started_at.isoformat(),
                "last_seen": self.last_seen.isoformat(),
                "note": self.note,
            }
        )

    @classmethod
    def from_json(cls, raw: str) -> Timer | None:
        try:
            d = json.loads(raw)
            return cls(
                d["code"],
                datetime.fromisoformat(d["started_at"]),
                datetime.fromisoformat(d["last_seen"]),
                d.get("note"),
            )
        except (ValueError, KeyError, TypeError):
            return None

    def elapsed_minutes(self, now: datetime) -> int:
        return _minutes(now - self.started_at)


def _minutes(delta: timedelta) -> int:
    return max(0, round(delta.total_seconds() / 60))


@dataclass(frozen=True)
class Choice:
    """One thing the user may keep: ``minutes`` on ``day`` (0 minutes = discard)."""

    label: str
    minutes: int
    day: date


@dataclass(frozen=True)
class Review:
    timer: Timer
    elapsed: int
    day: date  # the local date the timer started: the entry's date
    crossed_midnight: bool
    slept: bool  # a heartbeat gap: sleep, or the app was closed
    long: bool
    choices: tuple[Choice, ...]

    @property
    def needs_asking(self) -> bool:
        return self.crossed_midnight or self.slept or self.long or self.elapsed > MAX_MINUTES

    def reasons(self) -> list[str]:
        out = []
        if self.crossed_midnight:
            out.append("it ran past midnight")
        if self.slept:
            out.append("the PC slept or RxLog was closed while it ran")
        if self.long and not (self.crossed_midnight or self.slept):
            out.append(f"it ran {self.elapsed // 60} h {self.elapsed % 60} min, over a break?")
        return out


def review(timer: Timer, now: datetime) -> Review:
    """What stopping ``timer`` at ``now`` would log, and the choices if it looks wrong."""
    start_local = timer.started_at.astimezone()
    now_local = now.astimezone()
    day = start_local.date()
    elapsed = timer.elapsed_minutes(now)
    crossed = now_local.date() != day
    slept = now - timer.last_seen > GAP
    long = now - timer.started_at > LONG
    choices: list[Choice] = [Choice(f"All {elapsed} minutes", min(elapsed, MAX_MINUTES), day)]
    if slept:
        active = _minutes(timer.last_seen - timer.started_at)
        choices.append(Choice(f"Up to when RxLog last saw it: {active} minutes", active, day))
    if crossed:
        midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=start_local.tzinfo)
        until = _minutes(midnight - start_local)
        choices.append(Choice(f"Up to midnight: {until} minutes", until, day))
    choices = [c for c in choices if c.minutes > 0] or [Choice("1 minute", 1, day)]
    return Review(timer, elapsed, day, crossed, slept, long, tuple(choices))


class TimerStore:
    """The one running timer, persisted through a get/set pair (``RxLog.setting``)."""

    def __init__(self, get: Callable[[str], str | None], set_: Callable[[str, str], None]) -> None:
        self._get = get
        self._set = set_

    def current(self) -> Timer | None:
        raw = self._get(SETTING_KEY)
        return Timer.from_json(raw) if raw else None

    def start(self, code: str, now: datetime, note: str | None = None) -> Timer:
        running = self.current()
        if running is not None:
            raise ValidationError(
                f"a timer is already running on {running.code}; stop it first", field="timer"
            )
        timer = Timer(code, now, now, note)
        self._set(SETTING_KEY, timer.to_json())
        return timer

    def heartbeat(self, now: datetime) -> Timer | None:
        """Record that the app saw the timer running at ``now`` (not if a gap is pending)."""
        timer = self.current()
        if timer is None:
            return None
        if now - timer.last_seen > GAP:
            return timer  # keep the gap visible until the user reviews it
        timer = Timer(timer.code, timer.started_at, now, timer.note)
        self._set(SETTING_KEY, timer.to_json())
        return timer

    def clear(self) -> None:
        self._set(SETTING_KEY, "")
