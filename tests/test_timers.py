"""Timers persisted in the settings table: sleep, midnight and long runs are caught."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rxlog.errors import ValidationError
from rxlog.timers import GAP, TimerStore, review

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


@pytest.fixture
def store(rx):
    return TimerStore(rx.setting, rx.set_setting)


def test_a_timer_survives_reopening_the_database(rx, store, data_dir):
    store.start("REC-ADM", T0)
    from rxlog.service import RxLog

    again = RxLog.open(data_dir)
    try:
        timer = TimerStore(again.setting, again.set_setting).current()
    finally:
        again.close()
    assert timer is not None and timer.code == "REC-ADM" and timer.started_at == T0


def test_only_one_timer_runs(store):
    store.start("REC-ADM", T0)
    with pytest.raises(ValidationError, match="already running on REC-ADM"):
        store.start("ACU-TTO", T0)


def test_a_normal_run_needs_no_question(store):
    timer = store.start("REC-ADM", T0)
    for minute in range(1, 26):
        timer = store.heartbeat(T0 + timedelta(minutes=minute))
    r = review(timer, T0 + timedelta(minutes=25, seconds=20))
    assert r.elapsed == 25 and not r.needs_asking
    assert r.choices[0].minutes == 25


def test_sleep_is_caught_and_offers_the_time_last_seen(store):
    store.start("REC-ADM", T0)
    for minute in range(1, 21):
        store.heartbeat(T0 + timedelta(minutes=minute))
    # the PC sleeps; on waking the heartbeat must not paper over the gap
    late = T0 + timedelta(minutes=20) + GAP + timedelta(minutes=30)
    timer = store.heartbeat(late)
    assert timer.last_seen == T0 + timedelta(minutes=20)
    r = review(timer, late)
    assert r.slept and r.needs_asking
    assert [c.minutes for c in r.choices] == [r.elapsed, 20]


def test_past_midnight_is_caught_and_dated_the_start_day(store):
    start = datetime(2026, 11, 20, 23, 30).astimezone()
    timer = store.start("ACU-TTO", start)
    now = start + timedelta(hours=1)
    r = review(timer, now)
    assert r.crossed_midnight and r.needs_asking
    assert r.day == start.date()
    assert any(c.label.startswith("Up to midnight") and c.minutes == 30 for c in r.choices)


def test_a_long_run_is_questioned_and_capped(store):
    timer = store.start("ADM-ADMIN", T0)
    r = review(timer, T0 + timedelta(hours=13))
    assert r.long and r.needs_asking
    assert r.choices[0].minutes == 720


def test_clear_and_corrupt_setting(rx, store):
    store.start("REC-ADM", T0)
    store.clear()
    assert store.current() is None
    rx.set_setting("timer", "{not json")
    assert store.current() is None


def test_the_cap_is_the_entry_limit_itself():
    """No copy to keep equal: the timers read the limit from rxlog.limits, as the checks
    do (tests/test_architecture.py refuses a copied limit anywhere in rxlog/)."""
    from rxlog import entry_rules, limits, timers

    assert timers.MAX_MINUTES is limits.MAX_MINUTES is entry_rules.MAX_MINUTES
