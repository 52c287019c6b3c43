"""Errors split by whose fault they are.

``RxlogError`` and its subclasses are things the user or the environment can fix:
their message is written for a technician and is shown as it is. Anything else that
escapes is a bug and is reported as one.
"""

from __future__ import annotations


class RxlogError(Exception):
    """Something the user or the environment can put right.

    ``field`` names the input the message is about (``None`` when it is about no
    single field), so the CLI can name it and the GUI can show it beside that field.
    """

    exit_code = 1

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class ValidationError(RxlogError):
    """Bad input: refused before anything is written (CLI exit code 2)."""

    exit_code = 2


class NotFoundError(ValidationError):
    """An id, code or site the user named does not exist."""


class LockedMonthError(ValidationError):
    """The month is signed off; changing it needs ``rxlog month reopen``."""


class TaxonomyError(RxlogError):
    """The taxonomy file is broken; the message names the line or code."""


class StorageError(RxlogError):
    """The database cannot be opened, read or written (disk full, read-only, corrupt...)."""
