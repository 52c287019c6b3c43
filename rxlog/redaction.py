"""Redacting a note: its text taken out of the entry, the audit trail and every backup.

The audit chain covers only a salted hash of each note (see :mod:`rxlog.audit`), so the
note's text and salt can be deleted from every record of the entry while the chain
still verifies; the redaction itself is a ``redact`` record (with its reason). SQLite's
``secure_delete`` is on while this runs, so the old text is overwritten with zeros in
the file rather than left in a free page, and the write-ahead log is truncated after.

Functions taking a session leave the transaction to their caller.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rxlog import audit
from rxlog.clock import utc_now_iso
from rxlog.entries import get_row, resolve_id
from rxlog.errors import NotFoundError, RxlogError, StorageError, ValidationError
from rxlog.identifiers import find_nhs_numbers
from rxlog.profile import get_technician
from rxlog.storage.models import AuditRecord, Entry


@dataclass(frozen=True)
class RedactResult:
    entry_id: str
    records: int  # audit records whose note text was removed
    entry_had_note: bool
    backups: list[Path] = field(default_factory=list)  # backups rewritten without it
    skipped: list[tuple[Path, str]] = field(default_factory=list)  # backups not rewritten


def secure_delete(session: Session) -> None:
    """Overwrite deleted content with zeros on this connection (SQLite secure_delete)."""
    session.connection().exec_driver_sql("PRAGMA secure_delete=ON")


def _entry_id(session: Session, prefix: str) -> str:
    """An entry's id from its first 4+ characters: a stored entry, else a deleted one
    that the audit trail still names."""
    try:
        return resolve_id(session, prefix)
    except NotFoundError:
        pass
    prefix = (prefix or "").strip().lower()
    ids = (
        session.execute(
            select(AuditRecord.entry_id)
            .where(
                AuditRecord.entry_id.like(prefix.replace("%", "") + "%"),
                AuditRecord.action.in_(sorted(audit.ENTRY_ACTIONS)),
            )
            .distinct()
            .limit(2)
        )
        .scalars()
        .all()
    )
    if not ids:
        raise NotFoundError(f"no entry with id {prefix}", field="id")
    if len(ids) > 1:
        raise ValidationError(f"{prefix} matches more than one entry; give more of the id", "id")
    return ids[0]


def check_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("a reason is required (it is kept in the audit trail)", "reason")
    if find_nhs_numbers(reason):
        raise ValidationError(
            "the reason holds what looks like an NHS number, and the reason is kept; "
            "describe what is redacted without it",
            field="reason",
        )
    return reason


def redact_note(
    session: Session, entry_id: str, reason: str | None, *, technician: str | None = None
) -> RedactResult:
    """Remove an entry's note (now and in every audit record of it); audited.

    Allowed in a signed-off month: notes are in no return. Refused when there is no
    note text left to remove.
    """
    reason = check_reason(reason)
    eid = _entry_id(session, entry_id)
    row = session.get(Entry, eid)
    records = list(
        session.execute(
            select(AuditRecord).where(AuditRecord.entry_id == eid, AuditRecord.notes.is_not(None))
        ).scalars()
    )
    had_note = row is not None and row.note is not None
    if not had_note and not records:
        raise ValidationError(
            f"entry {eid[:8]} has no note to redact, now or in the audit trail", field="id"
        )
    secure_delete(session)
    for rec in records:
        rec.notes = None
    before = after = None
    if row is not None:
        row = get_row(session, eid)
        before = {**audit.snapshot(row), "note": audit.REDACTED if had_note else None}
        if had_note:
            row.note = None
            row.updated_at = utc_now_iso()
        session.flush()
        after = audit.snapshot(row)
    if technician is None:
        tech = get_technician(session)
        technician = tech.gphc if tech else None
    audit.append(
        session,
        action="redact",
        entry_id=eid,
        before=before,
        after=after,
        reason=reason,
        technician=technician,
    )
    return RedactResult(eid, len(records), had_note)


# -- backups ------------------------------------------------------------------------------
def _engine_for(path: Path) -> Any:
    from sqlalchemy import create_engine, event
    from sqlalchemy.engine import URL
    from sqlalchemy.pool import NullPool

    engine = create_engine(URL.create("sqlite", database=str(path)), poolclass=NullPool)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_con: Any, _record: Any) -> None:
        dbapi_con.isolation_level = None
        cur = dbapi_con.cursor()
        cur.execute("PRAGMA secure_delete=ON")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def rewrite_backup(path: Path, entry_id: str, reason: str, technician: str | None) -> bool:
    """Take the note out of one backup file: a copy is brought to the current schema if
    older (so the note is only a salted hash in its chain), redacted, checked, then
    renamed over the backup (atomic). False when the backup holds no text of the note
    (the file is left untouched)."""
    import shutil

    from rxlog.storage import backups, durable
    from rxlog.storage.database import read_revision
    from rxlog.storage.revisions import SCHEMA_HEAD
    from rxlog.storage.revisions import upgrade as _upgrade

    part = path.with_name(f"{path.name}.{os.getpid()}.part")
    try:
        durable.create_temp(path, tmp=part)  # a backup holds notes: its user's alone
        shutil.copyfile(path, part)  # into the private file: its mode is kept
        revision = read_revision(part)
        engine = _engine_for(part)
        try:
            if revision != SCHEMA_HEAD:
                _upgrade(engine)
            try:
                with Session(engine) as s, s.begin():
                    redact_note(s, entry_id, reason, technician=technician)
            except ValidationError:  # this backup has no text of the note
                return False
        finally:
            engine.dispose()
        con = sqlite3.connect(part)
        try:
            con.execute("PRAGMA journal_mode=DELETE").fetchone()
            con.execute("VACUUM")  # no free page keeps what the migration copied away
        finally:
            con.close()
        problem = backups.backup_problem(part)
        if problem:
            raise StorageError(f"the rewritten backup came out {problem}")
        durable.place(part, path)
        return True
    finally:
        part.unlink(missing_ok=True)
        for extra in ("-journal", "-wal", "-shm"):
            part.with_name(part.name + extra).unlink(missing_ok=True)


def backup_files(data_dir: Path, extra_folders: list[Path] | None = None) -> list[Path]:
    """Every backup file RxLog knows of: the backups folder, then any second place."""
    from rxlog.storage import backups

    paths = [i.path for i in backups.list_backups(data_dir)]
    for folder in extra_folders or []:
        try:
            paths += sorted(p for p in Path(folder).glob("*.sqlite3") if p.is_file())
        except OSError:
            continue
    return paths


def rewrite_backups(
    data_dir: Path,
    entry_id: str,
    reason: str,
    technician: str | None,
    extra_folders: list[Path] | None = None,
) -> tuple[list[Path], list[tuple[Path, str]]]:
    """(backups rewritten, backups that could not be, with why) for one redaction."""
    from rxlog.storage import backups

    done: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for path in backup_files(data_dir, extra_folders):
        problem = backups.backup_problem(path)
        if problem:
            skipped.append((path, problem))
            continue
        try:
            if rewrite_backup(path, entry_id, reason, technician):
                done.append(path)
        except (OSError, sqlite3.Error, RxlogError) as exc:
            skipped.append((path, getattr(exc, "message", None) or str(exc)))
    folder = backups.backups_dir(data_dir)
    try:
        damaged = sorted(p for p in folder.glob("damaged-*") if p.is_dir())
    except OSError:
        damaged = []
    for p in damaged:
        skipped.append((p, "a damaged database RxLog cannot read (delete it if it is not needed)"))
    return done, skipped
