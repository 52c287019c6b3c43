"""Every setting RxLog stores, declared once: its name, its type, its default.

Modelled on MusicBrainz Picard's options registry (``picard/config.py``: each option is
declared once as ``TextOption``/``IntOption`` with its section, name and default, and read
by that declaration everywhere). Here an :class:`Option` is declared at import time in this
module, the only place its stored name is written; code reads and writes it by the
declaration (``app.settings[LEAD_EMAIL]``), so a name cannot be misspelt and a value comes
back as its type. ``RxLog.setting``/``set_setting`` (the stored text) refuse a name that is
not declared here.

This module imports nothing from RxLog, so storage, the core and both shells can use it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Option(Generic[T]):
    """One stored setting: ``name`` is its key in the ``setting`` table."""

    name: str
    default: T
    doc: str

    def parse(self, raw: str) -> T:
        raise NotImplementedError

    def dump(self, value: T) -> str:
        return "" if value is None else str(value)


@dataclass(frozen=True)
class TextOption(Option[str | None]):
    """Text; an empty stored value reads as the default (usually ``None``: not set)."""

    def parse(self, raw: str) -> str | None:
        return raw if raw != "" else self.default


@dataclass(frozen=True)
class IntOption(Option[int]):
    """A whole number of at least ``minimum``; anything else stored reads as the default."""

    minimum: int = 1

    def parse(self, raw: str) -> int:
        text = raw.strip()
        if text.isdigit() and int(text) >= self.minimum:
            return int(text)
        return self.default


REGISTRY: dict[str, Option[Any]] = {}


def _declare(option: Option[T]) -> Option[T]:
    if option.name in REGISTRY:
        raise ValueError(f"setting {option.name!r} is declared twice")
    REGISTRY[option.name] = option
    return option


def declared(name: str) -> Option[Any]:
    """The declaration of ``name``; a ``KeyError`` (a bug) for a name never declared."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"setting {name!r} is not declared in rxlog/settings.py") from None


# -- the settings ------------------------------------------------------------------------
LEAD_EMAIL = _declare(
    TextOption("lead_email", None, "the project lead's e-mail address (the return's recipient)")
)
EXPORT_DIR = _declare(TextOption("export_dir", None, "the folder the last return was saved to"))
FAVOURITES = _declare(TextOption("favourites", None, "the quick bar's favourite codes (JSON)"))
TIMER = _declare(TextOption("timer", None, "the running timer (JSON), if any"))
UNIT_COST_VERSION = _declare(
    TextOption("unit_cost_version", None, "the unit-cost table used to cost released time")
)
BACKUP_KEEP_DAILY = _declare(IntOption("backup.keep_daily", 7, "daily backups kept"))
BACKUP_KEEP_MONTHLY = _declare(IntOption("backup.keep_monthly", 12, "monthly backups kept"))
BACKUP_SECOND_PLACE = _declare(
    TextOption("backup.second_place", None, "a second folder each day's backup is copied to")
)
PROFILE_WRITTEN_AT = _declare(
    TextOption("profile.written_at", None, "the newest profile this installation wrote or took")
)
PROFILE_INSTALLATIONS = _declare(
    TextOption("profile.installations", None, "the technician's installations (JSON)")
)

# Settings that mean the same on another PC and travel in a profile (an export folder or a
# running timer do not).
CARRIED: tuple[Option[Any], ...] = (BACKUP_KEEP_DAILY, BACKUP_KEEP_MONTHLY, UNIT_COST_VERSION)


class Settings:
    """Typed access to the stored settings: ``settings[LEAD_EMAIL]``, ``settings[X] = v``.

    Built over the two functions that read and write a stored text (``RxLog.setting`` and
    ``RxLog.set_setting``), so it holds no connection of its own."""

    def __init__(
        self, read: Callable[[str], str | None], write: Callable[[str, str], None]
    ) -> None:
        self._read = read
        self._write = write

    def __getitem__(self, option: Option[T]) -> T:
        raw = self._read(option.name)
        return option.default if raw is None else option.parse(raw)

    def __setitem__(self, option: Option[T], value: T) -> None:
        self._write(option.name, option.dump(value))
