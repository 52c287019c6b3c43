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
