"""The app's wording for the core's messages: what to click, never a command to type.

The core words its errors for the command line ("add it to the rotation calendar first
(rxlog placement add)"), and the CLI keeps that wording. Everything the app shows goes
through :func:`for_gui`, which replaces each command with the menu item or button that
does the same (a test keeps every core message that names a command covered).
"""

from __future__ import annotations

import re
from functools import lru_cache

PLACEMENTS = "Setup ▸ Placements… (Ctrl+Shift+P)"
MONTH = "Month ▸ Month sign-off… (Ctrl+M)"

_RULE_TEXT: tuple[tuple[str, str], ...] = (
    (
        r"to change it, reopen it: rxlog month reopen \S+ --reason \"\.\.\.\"",
        f"to change it, reopen it: {MONTH} ▸ Reopen month…",
    ),
    (
        r"\(rxlog month reopen \S+ --reason \"\.\.\.\"\)",
        f"({MONTH} ▸ Reopen month…)",
    ),
    (r"rxlog month reopen \S+ --reason \"\.\.\.\"", f"{MONTH} ▸ Reopen month…"),
    (r"\(rxlog placement add\)", f"in {PLACEMENTS}"),
    (r"\(rxlog placement list\)", f"(see {PLACEMENTS})"),
    (r"`rxlog taxonomy` lists them", "the quick-entry list shows them as you type"),
    (r"\(rxlog setup\)", "(Setup ▸ Placements… after the first-run setup)"),
    (
        r"\(?rxlog config set lead-email( ADDRESS)?\)?",
        f"(type it in {MONTH} ▸ Lead's e-mail)",
    ),
    (r"create one with: rxlog key create", f"create one with {MONTH} ▸ Create signing key"),
    (r"rxlog key create", f"{MONTH} ▸ Create signing key"),
    (r"check the return with: rxlog verify <folder>", "the lead's RxLog checks it"),
    (r"run `rxlog check`", "ask your project lead to run RxLog's check"),
    (r"Run: rxlog check --fix", "Ask your IT or project lead to run RxLog's check and fix"),
    (r"\(run: rxlog backup --to DIR\)", "(File ▸ Backups… ▸ Back up now, to a second place)"),
    (r"\(run: rxlog backup\)", "(File ▸ Backups… ▸ Back up now)"),
    (
        r"use rxlog setup --from-profile FILE",
        'use the first-run wizard\'s "I already use RxLog on another PC"',
    ),
    (r"or run: rxlog backup", "or File ▸ Backups… ▸ Back up now"),
    (r"with: rxlog restore \"[^\"]*\" \(or Backups… in the app\)", "with File ▸ Backups…"),
    (r": use the number `rxlog (placement|absence) list` shows", ": choose it in the list"),
    (r" \(NICE QS120 timeliness\)", ""),  # a standard's number, not a technician's words
    (
        r"Ask (.*?) for `rxlog key export` and run `rxlog central trust`",
        r"Ask \1 for their key (Send my key to the lead, in their RxLog) and add it "
        r"with Trust a key…",
    ),
    (
        r"trust its file again with `rxlog central trust KEYFILE --name NAME --gphc NUMBER`",
        "trust its file again with Trust a key…, giving the GPhC number",
    ),
    (
        r"ask the technician to run `rxlog key export` again, or give the number yourself "
        r"with --gphc NUMBER",
        "ask the technician for a new key file (Send my key to the lead, in their RxLog), "
        "or give the number yourself in Trust a key…",
    ),
    (
        r"the file `rxlog key export` writes",
        "the key file their RxLog sends (Send my key to the lead)",
    ),
)
_COMMAND = r"`?\brxlog [a-z]+"
_ISO_DAY = r"\b(\d{4})-(\d{2})-(\d{2})\b"
# An entry's id ("(454c4b00)") helps on the command line; in the app the entry is found
# by its day and code, which the message names beside it.
_PADDED_DAY = r"(?<![\d:])0(\d) (?=(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b)"
_ENTRY_ID = r" \([0-9a-f]{8}\)|(?<=\()[0-9a-f]{8}, "


@lru_cache(maxsize=1)
def _rules() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Compiled when first needed: the main window imports this before its first paint."""
    return tuple((re.compile(p), r) for p, r in _RULE_TEXT)


def _day(m: re.Match[str]) -> str:
    from datetime import date

    from rxlog.dates import day_text

    try:
        return day_text(date(int(m.group(1)), int(m.group(2)), int(m.group(3))))
    except ValueError:
        return m.group(0)


def for_gui(message: str) -> str:
    """``message`` with each command replaced by what to click and each date written
    the one way dates are on screen (``Mon 30 Nov 2026``), entry ids left out, first
    letter capital."""
    for pattern, replacement in _rules():
        message = pattern.sub(replacement, message)
    message = re.sub(_ISO_DAY, _day, message)
    message = re.sub(_PADDED_DAY, r"\1 ", message)  # "Tue 06 Oct" -> "Tue 6 Oct", as above
    message = re.sub(_ENTRY_ID, "", message)
    return message[:1].upper() + message[1:]


def names_a_command(text: str) -> bool:
    """Whether ``text`` still tells the user to type an ``rxlog`` command."""
    return re.search(_COMMAND, text) is not None
