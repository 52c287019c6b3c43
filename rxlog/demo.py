"""A realistic, reproducible sample installation (``rxlog demo``).

The same seed and end month always give the same technician, placements and entries
(ids included), so screenshots, benchmarks and bug reports can be reproduced.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import replace
from datetime import date, datetime, time, timedelta

from rxlog.dates import month_of, parse_month
from rxlog.domain import EntryInput
from rxlog.errors import ValidationError
from rxlog.service import RxLog
from rxlog.taxonomy import current_taxonomy

DEMO_NAME = "Sam Taylor (demo)"
DEMO_GPHC = "5099001"
PRIMARY_SITE = ("G82001", "Demo Medical Centre (primary care)")
SECONDARY_SITE = ("RPA", "Medway NHS Foundation Trust")

# Relative weights of codes on a typical day in each sector.
_PRIMARY_MIX = {
    "REC-DIS": 10, "REP-MGMT": 10, "LTR-OPD": 7, "QRY-PAT": 6, "QRY-CP": 5, "SAF-HRD": 5,
    "REP-SYNC": 3, "REP-ERD": 3, "REP-HOUSE": 3, "REV-SMRPREP": 3, "INT-PRESC": 3,
    "INT-DISC": 3, "VAL-SWITCH": 2, "PAT-ADH": 2, "PAT-INH": 2, "SAF-MHRA": 1,
    "SAF-PINCER": 1, "QRY-CLIN": 2, "ADM-ADMIN": 2, "ADM-MEET": 1, "LRN-RECEIVED": 1,
}  # fmt: skip
_SECONDARY_MIX = {
    "REC-ADM": 12, "ACU-POD": 6, "ACU-TTO": 7, "ACU-DCOUNSEL": 4, "ACU-DMS": 4,
    "ACU-WARD": 3, "INT-OMIT": 3, "INT-PRESC": 3, "INT-ALLERGY": 2, "INT-DISC": 2,
    "QRY-CLIN": 2, "PAT-ADH": 1, "LRN-GIVEN": 1, "ADM-ADMIN": 2, "ADM-MEET": 1,
}  # fmt: skip
_BASELINE_EXTRA = {"ADM-BASELINE": 6, "ADM-PROJECT": 2}


def _months_back(end: date, n: int) -> list[tuple[date, date]]:
    months = []
    y, m = end.year, end.month
    for _ in range(n):
        months.append(parse_month(f"{y:04d}-{m:02d}"))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return list(reversed(months))


def _pick(rng: random.Random, mix: dict[str, int]) -> str:
    codes = list(mix)
    return rng.choices(codes, weights=[mix[c] for c in codes])[0]


def fill_demo(
    app: RxLog,
    months: int = 3,
    end_month: str | None = None,
    seed: int = 2026,
    admission_times: bool = True,
) -> str:
    """Fill an empty installation with ``months`` of sample entries up to ``end_month``;
    without ``admission_times``, as an RxLog before schema 0007 (no admission date-times)
    would hold them."""
    if not 1 <= months <= 24:
        raise ValidationError(f"{months} is out of range: 1 to 24 months", field="months")
    if app.technician() is not None or app.list_entries():
        raise ValidationError(
            f"{app.db.data_dir} already holds data; demo fills only an empty data folder "
            "(use --data-dir with a new folder)",
            field="data-dir",
        )
    today = app.today()
    end_first, end_last = parse_month(end_month or month_of(today))
    if end_first > today:
        raise ValidationError(f"{month_of(end_first)} is in the future", field="end")
    last_day = min(end_last, today)
    spans = _months_back(end_first, months)
    start = spans[0][0]
    rng = random.Random(seed)

    app.setup(DEMO_NAME, DEMO_GPHC)
    # Primary care first, then the hospital: half the months each (half a month for one).
    split = start + timedelta(days=14) if months == 1 else spans[(months + 1) // 2][0]
    app.add_placement(*PRIMARY_SITE, "primary", start, split - timedelta(days=1))
    app.add_placement(*SECONDARY_SITE, "secondary", split, None)
    baseline_end = min(start + timedelta(days=27), last_day)
    app.add_phase("baseline", start, baseline_end)
    app.add_phase("pilot", baseline_end + timedelta(days=1), None)

    items: list[EntryInput] = []
    d = start
    while d <= last_day:
        if d.weekday() < 5 and rng.random() > 0.06:  # weekdays, the odd day off
            day = _day(rng, d, d < split, d <= baseline_end)
            # Not on the last day: on "today" a time of day could still be in the future.
            timed = admission_times and d < last_day
            items.extend(_with_admission(e, d, seed) if timed else e for e in day)
        d += timedelta(days=1)
    app.with_today(lambda: last_day).log_many(items)
    from rxlog.export.keys import create_keys, has_keys

    if not has_keys(app.db.data_dir):  # so the sample can be signed off and exported at once
        create_keys(app.db.data_dir, DEMO_NAME, DEMO_GPHC)
    return (
        f"Demo data for {DEMO_NAME} (GPhC {DEMO_GPHC}): {len(items)} entries from "
        f"{start} to {last_day}, at {PRIMARY_SITE[0]} (primary) then {SECONDARY_SITE[0]} "
        f"(secondary), in {app.db.data_dir}; signing key created (no passphrase)"
    )


def _day(rng: random.Random, d: date, primary: bool, baseline: bool) -> list[EntryInput]:
    mix = dict(_PRIMARY_MIX if primary else _SECONDARY_MIX)
    if baseline:
        mix.update(_BASELINE_EXTRA)
    budget = rng.randint(390, 450)  # a 7.5 h working day, give or take
    out = []
    if rng.random() < 0.15:
        out.append(
            EntryInput(
                "TRV-SITE",
                d,
                minutes=rng.choice((20, 30, 40)),
                id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            )
        )
        budget -= out[-1].minutes or 0
    tax = current_taxonomy()
    while budget > 20:
        code = tax.codes[_pick(rng, mix)]
        minutes = max(5, min(budget, round(code.default_minutes * rng.uniform(0.6, 1.5))))
        budget -= minutes
        kwargs: dict[str, object] = {}
        if code.counts != "none":
            kwargs["count"] = rng.choices((1, 2, 3, 5, 8), weights=(60, 15, 10, 10, 5))[0]
        if code.intervention:
            kwargs["significance"] = rng.choices(range(1, 7), weights=(1, 6, 20, 45, 22, 6))[0]
            kwargs["harm"] = rng.choices("ABCDE", weights=(30, 40, 15, 12, 3))[0]
            kwargs["released_minutes"] = rng.choice((0, 5, 10, 10, 15, 20, 30))
            kwargs["outcome"] = rng.choices(
                ("accepted", "declined", "pending"), weights=(80, 8, 12)
            )[0]
            kwargs["count"] = 1
        if code.needs_discharge_date and rng.random() < 0.9:
            kwargs["discharge_received"] = d - timedelta(
                days=rng.choices((0, 1, 2, 3, 5, 7, 9, 12), weights=(10, 20, 20, 15, 12, 10, 8, 5))[
                    0
                ]
            )
        if rng.random() < 0.03:
            kwargs["note"] = rng.choice(
                ("followed up with GP", "chased ward for TTO", "awaiting hospital reply")
            )
        out.append(
            EntryInput(
                code.code,
                d,
                minutes=minutes,
                id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                **kwargs,  # type: ignore[arg-type]
            )
        )
    return out


def _with_admission(item: EntryInput, day: date, seed: int) -> EntryInput:
    """An admission reconciliation with the patient's admission date-time and the time it
    was done (NICE QS120 in hospital: within 24 hours of admission), for most of them:
    about two in three within 24 hours, some later (a weekend, a busy ward), about one
    in eight not recorded. Drawn from the seed and the entry's id, so the other entries
    are the same as without it."""
    code = current_taxonomy().get(item.code)
    if code is None or not code.needs_admission_time:
        return item
    rng = random.Random(f"{seed}:admitted:{item.id}")
    roll = rng.random()
    if roll < 0.12:
        return item  # not recorded
    done = datetime.combine(day, time(8, 30)) + timedelta(minutes=5 * rng.randint(0, 96))
    waited = rng.randint(45, 1440) if roll < 0.78 else rng.randint(1441, 4 * 1440)
    admitted = (done - timedelta(minutes=waited)).replace(second=0)
    return replace(item, admitted=admitted, time=done.time())
