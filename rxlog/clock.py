"""The clock RxLog reads, in one place so tests can set it."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, date, datetime

Today = Callable[[], date]


def local_today() -> date:
    """Today's local date; ``RXLOG_TODAY=YYYY-MM-DD`` pins it (support, tests, demos)."""
    pinned = os.environ.get("RXLOG_TODAY")
    if pinned:
        return date.fromisoformat(pinned)
    return date.today()


def utc_now_iso() -> str:
    """Now, as ISO-8601 UTC with microseconds (sortable, unambiguous)."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def local_now() -> datetime:
    """Now on this PC's clock (local time, to the minute). ``RXLOG_NOW='YYYY-MM-DD HH:MM'``
    pins it; with only ``RXLOG_TODAY`` pinned, it is the real time of day on that day."""
    pinned = os.environ.get("RXLOG_NOW")
    if pinned:
        return datetime.strptime(pinned.strip(), "%Y-%m-%d %H:%M")
    now = datetime.now().replace(second=0, microsecond=0)
    if os.environ.get("RXLOG_TODAY"):
        return datetime.combine(local_today(), now.time())
    return now
