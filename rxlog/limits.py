"""An entry's limits, in one place with no imports: the checks (``rxlog.entry_rules``),
the timers and the window's fields all read them here, so none keeps a copy."""

from __future__ import annotations

MAX_MINUTES = 720  # one entry: 12 hours at most (also the most clinician time released)
DAY_MINUTES = 24 * 60  # all of a day's entries together
MAX_NOTE = 2000  # characters in a note
MAX_COUNT = 10000  # patients or items one entry can hold
MAX_DISCHARGE_DAYS = 365  # older "received" dates are typos of the year (QS120 counts 7 days)
# An admission date-time more than 28 days before its reconciliation is refused: QS120
# asks for 24 hours, a typed month or year off by one puts it 28 days or more back (the
# shortest month), and a reconciliation that late is not an admission reconciliation.
MAX_ADMISSION_DAYS = 28
MAX_ADMISSION_MINUTES = MAX_ADMISSION_DAYS * 24 * 60
