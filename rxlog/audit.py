"""The audit trail: every create, edit and delete, hash-chained.

Each record's hash covers its own content and the hash before it, so a record that
is changed, removed or inserted later breaks the chain. Replaying the chain gives
what every entry should look like now; ``verify`` compares that with the entry
table, so an entry changed behind RxLog's back (a direct SQL edit) is caught too.

A note is in the chain only as a salted hash (``"note": "sha256:..."`` in the
snapshot); its salt and text are kept beside the record in ``notes``, which the hash
does not cover, and ``verify`` checks they still give that hash. Redacting a note
(:mod:`rxlog.redaction`) deletes the salt and text: the chain still verifies, and
what is left cannot be turned back into the note.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from rxlog.audit_chain import (
    GENESIS,
    NOTE_DIGEST_PREFIX,
    REDACTED,
    new_record,
    note_digest,
    snapshot_of,
)
from rxlog.audit_chain import canonical as _canonical
from rxlog.audit_chain import os_user as os_user
from rxlog.audit_chain import record_hash as _record_hash
from rxlog.clock import utc_now_iso
from rxlog.storage.models import AuditRecord, Entry

__all__ = ["GENESIS", "NOTE_DIGEST_PREFIX", "REDACTED", "note_digest", "os_user"]
# Records about entries: replaying them gives what the entry table should hold. Other
# records (the rotation calendar, absence) are in the same chain but name their subject
# as "placement:ID" or "absence:ID" and are not replayed against the entry table.
ENTRY_ACTIONS = frozenset({"create", "update", "delete", "restore", "redact"})


def snapshot(entry: Entry) -> dict[str, Any]:
    """Every stored column of an entry, as the audit trail keeps it."""
    return snapshot_of(functools.partial(getattr, entry))


def _note_material(rec: AuditRecord) -> dict[str, Any]:
    try:
        value = json.loads(rec.notes) if rec.notes else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def state(rec: AuditRecord, side: str) -> dict[str, Any] | None:
    """A record's ``before`` or ``after`` snapshot with its note's text put back (None
    when it was redacted or is not there any more)."""
    raw = rec.before if side == "before" else rec.after
    if raw is None:
        return None
    value = json.loads(raw)
    if not isinstance(value, dict):
        raise ValueError(f"audit record {rec.seq}'s {side} is not an entry snapshot")
    note = value.get("note")
    if isinstance(note, str) and note.startswith(NOTE_DIGEST_PREFIX):
        material = _note_material(rec).get(side) or {}
        salt, text = material.get("salt"), material.get("text")
        ok = isinstance(salt, str) and isinstance(text, str) and note_digest(salt, text) == note
        value["note"] = text if ok else None
    elif note == REDACTED:
        value["note"] = None
    return dict(value)


def _hashed_fields(rec: AuditRecord) -> dict[str, Any]:
    return {
        "seq": rec.seq,
        "at": rec.at,
        "os_user": rec.os_user,
        "technician": rec.technician,
        "action": rec.action,
        "entry_id": rec.entry_id,
        "before": rec.before,
        "after": rec.after,
        "reason": rec.reason,
    }


def append(
    session: Session,
    *,
    action: str,
    entry_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    reason: str | None,
    technician: str | None,
    user: str | None = None,
) -> AuditRecord:
    """Add one audit record to the chain, inside the caller's transaction."""
    last = session.execute(
        select(AuditRecord.seq, AuditRecord.hash).order_by(AuditRecord.seq.desc()).limit(1)
    ).first()
    rec = AuditRecord(
        **new_record(
            (last[0], last[1]) if last else None,
            at=utc_now_iso(),
            action=action,
            entry_id=entry_id,
            before=before,
            after=after,
            reason=reason,
            technician=technician,
            user=user,
        )
    )
    session.add(rec)
    session.info.setdefault(_PENDING_LOG, []).append((action, entry_id))
    return rec


# The support log (rxlog.supportlog) gets one line per audited change once it is
# committed: its action and id, never what changed or why.
_PENDING_LOG = "rxlog.audit.pending_log"


@event.listens_for(Session, "after_commit")
def _log_committed(session: Session) -> None:
    pending = session.info.pop(_PENDING_LOG, None)
    if pending:
        from rxlog import supportlog

        supportlog.changed(pending)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_PENDING_LOG, None)


@dataclass
class AuditReport:
    records: int = 0
    entries: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


_MAX_PROBLEMS = 50


def verify(session: Session) -> AuditReport:
    """Check the chain, then that the entry table is exactly what the chain explains."""
    report = AuditReport()

    def problem(msg: str) -> None:
        if len(report.problems) < _MAX_PROBLEMS:
            report.problems.append(msg)
        elif len(report.problems) == _MAX_PROBLEMS:
            report.problems.append("... and more problems (only the first 50 are listed)")

    # entry id -> (digest of its expected snapshot, the salt of its note) or None if deleted
    expected: dict[str, tuple[str, str | None] | None] = {}
    prev_hash, prev_seq = GENESIS, 0
    for rec in (
        session.execute(select(AuditRecord).order_by(AuditRecord.seq)).yield_per(5000).scalars()
    ):
        report.records += 1
        if rec.seq != prev_seq + 1:
            problem(f"audit record(s) {prev_seq + 1}..{rec.seq - 1} are missing")
        if rec.prev_hash != prev_hash:
            problem(f"audit record {rec.seq} does not follow the record before it")
        if _record_hash(rec.prev_hash, _hashed_fields(rec)) != rec.hash:
            problem(f"audit record {rec.seq} was changed after it was written")
        prev_hash, prev_seq = rec.hash, rec.seq
        material = _note_material(rec)
        for side in ("before", "after"):
            if _material_problem(rec, side, material.get(side)):
                problem(f"audit record {rec.seq}'s note was changed after it was written")
        if rec.action not in ENTRY_ACTIONS:
            pass
        elif rec.action == "delete" or not rec.after:
            expected[rec.entry_id] = None
        else:
            salt = (material.get("after") or {}).get("salt")
            expected[rec.entry_id] = (
                hashlib.sha1(str(rec.after).encode("utf-8")).hexdigest(),
                salt if isinstance(salt, str) else None,
            )
        if rec in session:  # a damaged index can return one row twice
            session.expunge(rec)

    seen = set()
    for entry in session.execute(select(Entry)).yield_per(5000).scalars():
        report.entries += 1
        if entry is None:  # a row whose id was damaged on disk
            problem("an entry has no id (the database file is damaged)")
            continue
        seen.add(entry.id)
        want = expected.get(entry.id)
        snap = snapshot(entry)
        if snap["note"] is not None:
            salt = want[1] if want else None
            # no salt for a note: the audit trail holds no note, so it cannot match
            snap["note"] = note_digest(salt, str(snap["note"])) if salt else "unaudited"
        digest = hashlib.sha1(_canonical(snap).encode("utf-8")).hexdigest()
        if entry.id not in expected:
            problem(f"entry {entry.id} is not in the audit trail (added outside RxLog)")
        elif want is None:
            problem(f"entry {entry.id} was deleted in the audit trail but is still stored")
        elif want[0] != digest:
            problem(f"entry {entry.id} differs from its last audited state (changed outside RxLog)")
        if entry in session:
            session.expunge(entry)
    for entry_id, expected_digest in expected.items():
        if expected_digest is not None and entry_id not in seen:
            problem(f"entry {entry_id} is missing (removed outside RxLog)")
    return report


def _material_problem(rec: AuditRecord, side: str, material: Any) -> bool:
    """True when a note's kept text no longer gives the hash the chain holds."""
    if material is None:
        return False
    raw = rec.before if side == "before" else rec.after
    try:
        note = json.loads(raw).get("note") if raw else None
        return note != note_digest(material["salt"], material["text"])
    except (ValueError, TypeError, KeyError, AttributeError):
        return True


def verify_file(path: Path) -> tuple[bool, str]:
    """The audit chain of a closed database file (a backup, a copy being restored, the
    database for ``rxlog check``), read without changing it: (ok, what was found)."""
    from sqlalchemy import create_engine

    from rxlog.storage.sqlitefile import connect_ro

    engine = create_engine("sqlite://", creator=lambda: connect_ro(path))
    try:
        with Session(engine) as s:
            rep = verify(s)
    except Exception as exc:  # an unreadable table is a finding, not a crash
        return False, f"cannot read the audit trail: {exc}"
    finally:
        engine.dispose()
    if rep.ok:
        return True, f"{rep.records} records chain correctly over {rep.entries} entries"
    return False, "; ".join(rep.problems[:5])
