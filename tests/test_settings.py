"""Declared, typed settings (rxlog/settings.py): one declaration per stored name."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from rxlog import settings
from rxlog.settings import BACKUP_KEEP_DAILY, LEAD_EMAIL, REGISTRY, IntOption, TextOption

ROOT = Path(__file__).resolve().parent.parent / "rxlog"


def test_a_setting_reads_back_as_its_type(rx) -> None:
    assert rx.settings[LEAD_EMAIL] is None  # not set: the default
    rx.settings[LEAD_EMAIL] = "lead@nhs.net"
    assert rx.settings[LEAD_EMAIL] == "lead@nhs.net"
    assert rx.setting("lead_email") == "lead@nhs.net"  # the stored text, same row

    assert rx.settings[BACKUP_KEEP_DAILY] == 7
    rx.settings[BACKUP_KEEP_DAILY] = 3
    assert rx.settings[BACKUP_KEEP_DAILY] == 3 and rx.setting("backup.keep_daily") == "3"
    rx.set_setting("backup.keep_daily", "lots")  # stored by an older version, say
    assert rx.settings[BACKUP_KEEP_DAILY] == 7


def test_an_empty_text_reads_as_not_set(rx) -> None:
    rx.settings[LEAD_EMAIL] = "lead@nhs.net"
    rx.set_setting("lead_email", "")
    assert rx.settings[LEAD_EMAIL] is None


def test_an_undeclared_name_is_refused_before_anything_is_stored(rx) -> None:
    with pytest.raises(KeyError, match="lead_emial"):
        rx.set_setting("lead_emial", "x")
    with pytest.raises(KeyError, match="not declared"):
        rx.setting("lead_emial")


def test_a_name_cannot_be_declared_twice() -> None:
    with pytest.raises(ValueError, match="declared twice"):
        settings._declare(TextOption("lead_email", None, "again"))
    assert REGISTRY["lead_email"] is LEAD_EMAIL


def test_int_option_parses_only_whole_numbers_from_its_minimum() -> None:
    opt = IntOption("x.test", 5, "test", minimum=2)
    assert [opt.parse(v) for v in ("3", " 4 ", "1", "-3", "2.5", "")] == [3, 4, 5, 5, 5, 5]


def test_each_stored_name_is_written_once_in_rxlog() -> None:
    """No module but rxlog/settings.py spells a setting's stored name as a literal
    passed to ``setting``/``set_setting``, or assigns it to a constant.

    Named, dated exception: ``storage/second_place.py`` (owner store17, restructuring
    storage on 2026-12-01) keeps ``SECOND_PLACE_KEY``; the test below keeps it equal."""
    allowed = {"settings.py", "storage/second_place.py"}
    offenders = []
    for path in ROOT.rglob("*.py"):
        if path.relative_to(ROOT).as_posix() in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("setting", "set_setting")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and node.args[0].value in REGISTRY
            ):
                offenders.append(f"{path.relative_to(ROOT.parent)}:{node.lineno}")
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Constant)
                and node.value.value in REGISTRY
                and str(node.value.value) not in ("timer",)  # "timer" is also a field name
            ):
                offenders.append(f"{path.relative_to(ROOT.parent)}:{node.lineno}")
    assert offenders == []


def test_storage_and_timers_spell_the_declared_names() -> None:
    """storage/ and timers.py still hold their own constants (being restructured by
    other work on 2026-12-01); they must name the declared settings exactly."""
    from rxlog import timers
    from rxlog.export import unit_costs
    from rxlog.storage import backups, second_place

    assert settings.BACKUP_KEEP_DAILY.name == backups.KEEP_DAILY_KEY
    assert settings.BACKUP_KEEP_MONTHLY.name == backups.KEEP_MONTHLY_KEY
    assert settings.BACKUP_KEEP_DAILY.default == backups.DEFAULT_KEEP_DAILY
    assert settings.BACKUP_KEEP_MONTHLY.default == backups.DEFAULT_KEEP_MONTHLY
    assert settings.BACKUP_SECOND_PLACE.name == second_place.SECOND_PLACE_KEY
    assert settings.TIMER.name == timers.SETTING_KEY
    assert settings.UNIT_COST_VERSION.name == unit_costs.SETTING_KEY
