"""The audit chain's arithmetic, with no storage: hashing, note sealing, a new record.

``rxlog.audit`` (through the ORM) and ``rxlog.storage.direct`` (plain sqlite3, for the
CLI's fast commands) both build records with ``new_record``, so a record is the same
whichever path wrote it.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
from typing import Any

GENESIS = "0" * 64
NOTE_DIGEST_PREFIX = "sha256:"
REDACTED = "[redacted]"  # a note's place in the snapshot a redaction records as "before"
# The entry table's columns, in its order (a test checks them against the ORM model).
ENTRY_COLUMNS = (
    "id", "date", "site", "sector", "code", "taxonomy_version", "minutes", "count",
    "significance", "significance_scale", "harm", "harm_scale", "released_minutes",
    "outcome", "discharge_received", "note", "created_at", "updated_at", "admitted", "time",
)  # fmt: skip
# Columns added after entries were first audited: left out of a snapshot while empty, so
# every entry written before them still hashes as its audit record did (schema 0007:
# the admission date-time and the reconciliation's time, NICE QS120 in acute care).
LATER_COLUMNS: frozenset[str] = frozenset({"admitted", "time"})
# The audit table's columns, in its order.
AUDIT_COLUMNS = (
    "seq", "at", "os_user", "technician", "action", "entry_id", "before", "after",
    "reason", "prev_hash", "hash", "notes",
)  # fmt: skip
HASHED = ("seq", "at", "os_user", "technician", "action", "entry_id", "before", "after", "reason")


def snapshot_of(get: Any) -> dict[str, Any]:
    """Every stored column of an entry, as the audit trail keeps it (a later column only
    when it holds a value); ``get(name)`` reads a column (an ORM row's or a plain row's)."""
    snap = {name: get(name) for name in ENTRY_COLUMNS}
    for name in LATER_COLUMNS:
        if snap[name] is None:
            del snap[name]
    return snap


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment (e.g. a service account)
        return "unknown"


def canonical(value: Any) -> str:
    # default=repr: a value damaged into bytes on disk still hashes (and so mismatches)
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=repr
    )


def record_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256((str(prev_hash) + canonical(fields)).encode("utf-8")).hexdigest()


def note_digest(salt: str, text: str) -> str:
    """What the chain keeps of a note: SHA-256 of a random salt and the text."""
    return NOTE_DIGEST_PREFIX + hashlib.sha256(f"{salt}\0{text}".encode()).hexdigest()


def seal(side: dict[str, Any] | None) -> tuple[dict[str, Any] | None, dict[str, str] | None]:
    """(the snapshot as the chain keeps it, the note's salt and text kept beside it)."""
    if side is None:
        return None, None
    text = side.get("note")
    if not isinstance(text, str) or text == REDACTED:
        return side, None
    salt = os.urandom(16).hex()  # secrets.token_hex(16) is this (without importing random)
    return {**side, "note": note_digest(salt, text)}, {"salt": salt, "text": text}


def new_record(
    last: tuple[int, str] | None,
    *,
    at: str,
    action: str,
    entry_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    reason: str | None,
    technician: str | None,
    user: str | None = None,
) -> dict[str, Any]:
    """Every column of the record that follows ``last`` (its seq and hash; None for
    the first record), hash included."""
    prev_seq, prev_hash = last if last else (0, GENESIS)
    before, before_note = seal(before)
    after, after_note = seal(after)
    notes = {k: v for k, v in (("before", before_note), ("after", after_note)) if v}
    rec: dict[str, Any] = {
        "seq": prev_seq + 1,
        "at": at,
        "os_user": user or os_user(),
        "technician": technician,
        "action": action,
        "entry_id": entry_id,
        "before": canonical(before) if before is not None else None,
        "after": canonical(after) if after is not None else None,
        "reason": reason,
        "prev_hash": prev_hash,
        "notes": canonical(notes) if notes else None,
    }
    rec["hash"] = record_hash(prev_hash, {k: rec[k] for k in HASHED})
    return rec
