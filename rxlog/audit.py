"""The audit trail: every create, edit and delete, hash-chained.

Each record's hash covers its own content and the hash before it, so a record that
is changed, removed or inserted later breaks the chain. Replaying the chain gives
what every entry should look like now; ``verify`` compares that with the entry
table, so an entry changed behind RxLog's back (a direct SQL edit) is caught too.
"""

from __future__ import annotations

import getpass
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rxlog.clock import utc_now_iso
from rxlog.storage.models import AuditRecord, Entry

GENESIS = "0" * 64
# Records about entries: replaying them gives what the entry table should hold. Other
# records (the rotation calendar, absence) are in the same chain but name their subject
# as "placement:ID" or "absence:ID" and are not replayed against the entry table.
ENTRY_ACTIONS = frozenset({"create", "update", "delete", "restore", "redact"})
_ENTRY_COLUMNS = tuple(c.name for c in Entry.__table__.columns)


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment (e.g. a service account)
        return "unknown"


def snapshot(entry: Entry) -> dict[str, Any]:
    """Every stored column of an entry, as the audit trail keeps it."""
    return {name: getattr(entry, name) for name in _ENTRY_COLUMNS}


def _canonical(value: Any) -> str:
    # default=repr: a value damaged into bytes on disk still hashes (and so mismatches)
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=repr
    )


def _record_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256((str(prev_hash) + _canonical(fields)).encode("utf-8")).hexdigest()


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
    prev_seq, prev_hash = (last[0], last[1]) if last else (0, GENESIS)
    rec = AuditRecord(
        seq=prev_seq + 1,
        at=utc_now_iso(),
        os_user=user or os_user(),
        technician=technician,
        action=action,
        entry_id=entry_id,
        before=_canonical(before) if before is not None else None,
        after=_canonical(after) if after is not None else None,
        reason=reason,
        prev_hash=prev_hash,
        hash="",
    )
    rec.hash = _record_hash(prev_hash, _hashed_fields(rec))
    session.add(rec)
    return rec


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

    expected: dict[str, str | None] = {}  # entry id -> digest of its expected snapshot
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
        if rec.action not in ENTRY_ACTIONS:
            pass
        elif rec.action == "delete":
            expected[rec.entry_id] = None
        else:
            expected[rec.entry_id] = (
                hashlib.sha1(str(rec.after).encode("utf-8")).hexdigest() if rec.after else None
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
        digest = hashlib.sha1(_canonical(snapshot(entry)).encode("utf-8")).hexdigest()
        if entry.id not in expected:
            problem(f"entry {entry.id} is not in the audit trail (added outside RxLog)")
        elif expected[entry.id] is None:
            problem(f"entry {entry.id} was deleted in the audit trail but is still stored")
        elif expected[entry.id] != digest:
            problem(f"entry {entry.id} differs from its last audited state (changed outside RxLog)")
        if entry in session:
            session.expunge(entry)
    for entry_id, expected_digest in expected.items():
        if expected_digest is not None and entry_id not in seen:
            problem(f"entry {entry_id} is missing (removed outside RxLog)")
    return report
