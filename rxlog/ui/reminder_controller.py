"""The day-end reminder: at 16:30 on a working day in a placement with nothing logged,
say so once under quick entry and ask the desktop to flag the window."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

REMINDER_AT = time(16, 30)
REMINDER_TEXT = (
    "Nothing is logged today yet. Type what you did and press Enter "
    "(or Ctrl+Shift+C copies yesterday)."
)


class ReminderController:
    """Decides when to remind (once a day); ``remind`` shows it."""

    def __init__(
        self,
        today: Callable[[], date],
        logged_today: Callable[[], bool],
        placement_on: Callable[[date], Any],
        remind: Callable[[str], None],
    ) -> None:
        self._today, self._logged_today = today, logged_today
        self._placement_on, self._remind = placement_on, remind
        self.reminded_on: date | None = None

    def check(self, now: datetime) -> bool:
        """Remind if it is time to; ``True`` when it did."""
        today = self._today()
        if (
            now.time() < REMINDER_AT
            or self.reminded_on == today
            or self._logged_today()
            or today.weekday() >= 5
            or self._placement_on(today) is None
        ):
            return False
        self.reminded_on = today
        self._remind(REMINDER_TEXT)
        return True
