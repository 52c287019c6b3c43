"""Rotating backups of the technician's database, and restoring one safely.

Backups live in ``<data_dir>/backups/`` and are made with SQLite's online backup API
(consistent even while the app is writing), checked with ``PRAGMA quick_check``, and
only then given their final name (temp file, fsync, ``os.replace``): a file named
``*.sqlite3`` in the folder is always a whole, readable database.

Kinds, by file name:

* ``daily-YYYY-MM-DD``: the first open of each day; the newest ``backup.keep_daily``
  (default 7) are kept.
* ``monthly-YYYY-MM``: the first daily backup of each month; ``backup.keep_monthly``
  (default 12) are kept.
* ``pre-migration-<rev>-<stamp>``, ``pre-restore-<stamp>``: before the database is
  changed under the user; kept until the user deletes them.
* ``pre-export-<stamp>``: before each export; the newest ``KEEP_PRE_EXPORT`` are kept.
* ``manual-<stamp>``: ``rxlog backup`` / "Back up now"; kept.
* ``damaged-<stamp>/``: a database RxLog could not read, moved aside by a restore,
  exactly as it was (with its ``-wal``), for inspection.

The counts are settings (``backup.keep_daily``, ``backup.keep_monthly``); a date that
goes backwards (clock changed) never makes RxLog delete the backup it has just made.
"""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from rxlog.errors import StorageError
from rxlog.storage import durable, privacy, revisions, sqlitefile
from rxlog.storage.folderlock import FolderLock
from rxlog.storage.paths import (  # noqa: F401 (backups_dir, daily_backup_due: used from here too)
    BACKUP_DIRNAME,
    DB_FILENAME,
    backups_dir,
    daily_backup_due,
    daily_backup_path,
)
from rxlog.storage.sqlitefile import copy_database

KEEP_DAILY_KEY, KEEP_MONTHLY_KEY = "backup.keep_daily", "backup.keep_monthly"
DEFAULT_KEEP_DAILY, DEFAULT_KEEP_MONTHLY = 7, 12
KEEP_PRE_EXPORT = 10
_STALE_PART_SECONDS = 600
_NAME_RE = re.compile(
    r"^(?P<kind>daily|monthly|pre-migration|pre-export|pre-restore|pre-[a-z]+|manual)"
    r"-(?P<label>[0-9A-Za-z.-]+)\.sqlite3$"
)


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    kind: str
    label: str
    made_at: datetime  # file modification time, UTC
    size: int

    def made_at_text(self) -> str:
        return self.made_at.astimezone().strftime("%Y-%m-%d %H:%M")

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "kind": self.kind,
            "made_at": self.made_at.isoformat(timespec="seconds"),
            "size": self.size,
        }


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def _info(path: Path) -> BackupInfo | None:
    m = _NAME_RE.match(path.name)
    if not m:
        return None
    try:
        st = path.stat()
    except OSError:
        return None
    return BackupInfo(
        path, m["kind"], m["label"], datetime.fromtimestamp(st.st_mtime, UTC), st.st_size
    )


def info_of(path: Path) -> BackupInfo | None:
    """A backup file's kind, label, time and size (None when not named as a backup)."""
    return _info(path)


def list_backups(data_dir: Path) -> list[BackupInfo]:
    """Every finished backup, newest first (by when the file was written)."""
    return list_backups_in(backups_dir(data_dir))


def list_backups_in(folder: Path) -> list[BackupInfo]:
    """Every finished backup in ``folder``, newest first."""
    try:
        paths = list(folder.glob("*.sqlite3"))
    except OSError:
        return []
    infos = [i for i in (_info(p) for p in paths) if i is not None]
    return sorted(infos, key=lambda i: (i.made_at, i.path.name), reverse=True)


def backup_problem(path: Path) -> str | None:
    """Why ``path`` is not a usable RxLog backup, or None when it is (quick check)."""
    try:
        peeked = sqlitefile.peek(path)
    except StorageError as exc:
        return exc.message
    if peeked.kind in ("empty", "not-sqlite"):
        return "not an SQLite database"
    if peeked.kind == "unreadable":
        return f"cannot be read ({peeked.error})"
    revision = peeked.revision
    if revision is None:
        return "not an RxLog database" if peeked.tables else "an empty database"
    if not revisions.is_known(revision):
        return f"made by a newer RxLog (schema {revision})"
    problems = sqlitefile.integrity_problems(path, quick=True)
    return f"damaged ({problems[0]})" if problems else None


def newest_good_backup(data_dir: Path) -> BackupInfo | None:
    for info in list_backups(data_dir):
        if backup_problem(info.path) is None:
            return info
    return None


def offer_text(data_dir: Path) -> str:
    """The sentence that points a user at the newest good backup (for error messages)."""
    good = newest_good_backup(data_dir)
    if good is None:
        return "No good backup was found in the backups folder."
    return (
        f"The newest good backup is {good.path} (made {good.made_at_text()}): restore it "
        f'with: rxlog restore "{good.path}" (or Backups… in the app).'
    )


# -- making backups ---------------------------------------------------------------------
def _copy_verified(db_path: Path, target: Path) -> BackupInfo:
    """Online-backup ``db_path`` to ``target``, check it, then give it its name."""
    part = target.with_name(f"{target.name}.{os.getpid()}.check")
    try:
        copy_database(db_path, part)  # already synced
        problem = backup_problem(part)
        if problem:
            raise StorageError(
                f"the backup of {db_path} came out {problem}; the database itself may be "
                "damaged: run `rxlog check`. No backup was kept."
            )
        durable.place(part, target, sync=False)
    finally:
        part.unlink(missing_ok=True)
    info = _info(target)
    assert info is not None
    return info


def _same_file(source: Path, target: Path) -> None:
    """``target`` holds what the checked backup ``source`` holds: a hard link (backups
    are never changed, so sharing is safe and free), else a copy renamed into place."""
    try:
        os.link(source, target)
    except OSError:  # a file system without hard links
        import shutil

        part = target.with_name(f"{target.name}.{os.getpid()}.part")
        with durable.replacing(target, tmp=part) as tmp:
            shutil.copyfile(source, tmp)  # into the private file: its mode is kept
        return
    fsync_dir(target.parent)


fsync_dir = durable.fsync_dir  # the one policy (rxlog.storage.durable); known by this name


def keep_counts(db_path: Path) -> tuple[int, int]:
    """(daily, monthly) backups to keep, from the settings table, else 7 and 12."""
    found: dict[str, int] = {}
    try:
        con = sqlitefile.connect_ro(db_path)
        try:
            rows = con.execute(
                "SELECT key, value FROM setting WHERE key IN (?, ?)",
                (KEEP_DAILY_KEY, KEEP_MONTHLY_KEY),
            ).fetchall()
        finally:
            con.close()
        for key, value in rows:
            if str(value).strip().isdigit() and int(value) >= 1:
                found[key] = int(value)
    except sqlite3.Error:  # schema 0001 has no settings table
        pass
    return (
        found.get(KEEP_DAILY_KEY, DEFAULT_KEEP_DAILY),
        found.get(KEEP_MONTHLY_KEY, DEFAULT_KEEP_MONTHLY),
    )


def daily_backup(db_path: Path, today: date) -> BackupInfo | None:
    """Make today's daily backup (and this month's monthly one) if not made yet; rotate."""
    data_dir = db_path.parent
    folder = backups_dir(data_dir)
    daily = daily_backup_path(data_dir, today)
    if daily.exists():
        return None
    privacy.make_private_dir(folder)
    info = _copy_verified(db_path, daily)
    made = {daily}
    monthly = folder / f"monthly-{today.strftime('%Y-%m')}.sqlite3"
    if not monthly.exists():
        _same_file(daily, monthly)
        made.add(monthly)
    keep_daily, keep_monthly = keep_counts(db_path)
    prune(data_dir, keep_daily, keep_monthly, protect=made)
    return info


def backup_before(app_or_db: Any, reason: str) -> BackupInfo:
    """A backup named ``pre-<reason>-<stamp>`` before a risky step (export, restore...).

    ``app_or_db`` is an ``RxLog``, a ``Database`` or the database's path. Raises
    ``StorageError`` (with the reason in plain words) if the backup cannot be made: the
    caller should not go on.
    """
    db_path = _db_path(app_or_db)
    slug = re.sub(r"[^a-z0-9]+", "-", reason.lower()).strip("-") or "change"
    target = backups_dir(db_path.parent) / f"pre-{slug}-{_stamp()}.sqlite3"
    try:
        privacy.make_private_dir(target.parent)
    except OSError as exc:
        raise StorageError(
            f"cannot create the backups folder {target.parent}: {exc.strerror}"
        ) from None
    info = _copy_verified(db_path, target)
    if slug == "export":
        prune(db_path.parent, *keep_counts(db_path), protect={target})
    return info


def backup_now(app_or_db: Any, out: Path | None = None) -> BackupInfo:
    """A manual backup: into ``out`` if given, else ``backups/manual-<stamp>.sqlite3``."""
    db_path = _db_path(app_or_db)
    if out is None:
        target = backups_dir(db_path.parent) / f"manual-{_stamp()}.sqlite3"
        privacy.make_private_dir(target.parent)
        return _copy_verified(db_path, target)
    out = Path(out).expanduser()
    if out.is_dir():
        out = out / f"rxlog-backup-{_stamp()[:15]}.sqlite3"
    if not out.parent.is_dir():
        raise StorageError(f"the folder {out.parent} does not exist", "out")
    part = out.with_name(f"{out.name}.{os.getpid()}.part")
    try:
        copy_database(db_path, part)  # already synced
        problem = backup_problem(part)
        if problem:
            raise StorageError(f"the backup came out {problem}; run `rxlog check`")
        durable.place(part, out, sync=False)
    finally:
        part.unlink(missing_ok=True)
    st = out.stat()
    return BackupInfo(out, "manual", out.stem, datetime.fromtimestamp(st.st_mtime, UTC), st.st_size)


def _db_path(app_or_db: Any) -> Path:
    db = getattr(app_or_db, "db", app_or_db)
    path = getattr(db, "path", db)
    return Path(path)


def prune(
    data_dir: Path,
    keep_daily: int = DEFAULT_KEEP_DAILY,
    keep_monthly: int = DEFAULT_KEEP_MONTHLY,
    protect: set[Path] | frozenset[Path] = frozenset(),
) -> list[Path]:
    """Delete daily/monthly/pre-export backups beyond the counts kept; return those deleted.

    Rotation is by the date in the name (newest kept), and a file in ``protect`` (the
    one just made) is never deleted, so a clock set backwards cannot eat a new backup.
    Temp files an interrupted backup left (over ten minutes old) are cleared too.
    """
    folder = backups_dir(data_dir)
    limits = {"daily": keep_daily, "monthly": keep_monthly, "pre-export": KEEP_PRE_EXPORT}
    groups: dict[str, list[Path]] = {k: [] for k in limits}
    for p in folder.glob("*.sqlite3"):
        m = _NAME_RE.match(p.name)
        if m and m["kind"] in groups:
            groups[m["kind"]].append(p)
    deleted = []
    for kind, paths in groups.items():
        for p in sorted(paths, key=lambda p: p.name, reverse=True)[max(limits[kind], 1) :]:
            if p not in protect:
                p.unlink(missing_ok=True)
                deleted.append(p)
    now = datetime.now().timestamp()
    for p in folder.iterdir():
        if not _LEFTOVER_RE.search(p.name):
            continue
        try:
            if now - p.stat().st_mtime > _STALE_PART_SECONDS:
                p.unlink()
        except OSError:
            pass
    return deleted


# What an interrupted backup leaves: its temp file and that file's SQLite journal files.
_LEFTOVER_RE = re.compile(r"\.(part|check)(-journal|-wal|-shm)?$")


# -- restoring ---------------------------------------------------------------------------
@dataclass(frozen=True)
class RestoreResult:
    restored_from: Path
    revision: str
    safety_backup: Path | None  # the database as it was before (a file or a folder)
    audit_problems: tuple[str, ...]
    other_technician: str | None = None  # how the backup differs, when allowed in


def check_restorable(
    source: Path, data_dir: Path | None = None, other_reason: str | None = None
) -> str:
    """The schema revision of a good RxLog backup, or an error saying why not.

    A damaged or foreign file is a ``StorageError``; with ``data_dir``, a schema that is
    not RxLog's, a broken audit trail or another technician's backup (without
    ``other_reason``) is a ``ValidationError`` (see ``rxlog.storage.restore_checks``)."""
    source = Path(source).expanduser()
    if not source.is_file():
        raise StorageError(f"{source} is not a file", "file")
    problem = backup_problem(source)
    if problem:
        raise StorageError(f"{source} cannot be restored: it is {problem}", "file")
    deep = sqlitefile.integrity_problems(source)
    if deep:
        raise StorageError(f"{source} cannot be restored: it is damaged ({deep[0]})", "file")
    revision, _ = sqlitefile.read_revision_ro(source)
    assert revision is not None
    if data_dir is not None:
        from rxlog.storage import restore_checks

        restore_checks.check_schema(source, revision)
        restore_checks.check_audit(source)
        restore_checks.check_identity(data_dir, source, other_reason)
    return revision


def restore(
    data_dir: Path, source: Path, other_technician_reason: str | None = None
) -> RestoreResult:
    """Replace the database with ``source`` after checking it and backing up the current one.

    ``source`` must pass every check of :func:`check_restorable` (schema, audit trail,
    identity); another technician's backup goes in only with ``other_technician_reason``,
    which is recorded in the restored audit trail.

    Call with no ``Database`` open on ``data_dir`` in this process. Refuses (nothing
    changed) while another RxLog uses the folder. The swap is one ``os.replace``; a
    current database RxLog cannot read is moved aside unchanged, never overwritten.
    """
    data_dir = Path(data_dir)
    source = Path(source).expanduser().resolve()
    db_path = data_dir / DB_FILENAME
    check_restorable(source, data_dir, other_technician_reason)
    try:
        privacy.make_private_dir(data_dir)  # a new PC: restore into a new folder
    except OSError as exc:
        raise StorageError(f"cannot create the data folder {data_dir}: {exc.strerror}") from None
    lock = FolderLock(data_dir)
    prepared = data_dir / f".restore-{os.getpid()}.sqlite3"
    try:
        lock.require_exclusive("restore the backup")
        copy_database(source, prepared)
        # Checked again on the copy that goes in: the source may change meanwhile.
        revision = check_restorable(prepared, data_dir, other_technician_reason)
        from rxlog.storage import restore_checks

        other = restore_checks.identity_difference(data_dir, prepared)
        if other is not None:
            _record_other_technician(prepared, other, other_technician_reason or "", source)
        audit_problems = _audit_problems(prepared)
        safety = _set_current_aside(db_path) if db_path.exists() else None
        durable.place(prepared, db_path, sync=False)  # copy_database synced it
    finally:
        prepared.unlink(missing_ok=True)
        lock.release()
    from rxlog import supportlog

    supportlog.use_folder(data_dir)
    supportlog.info(
        "restored a backup",
        revision=revision,
        other_technician=other is not None,
        audit_problems=len(audit_problems),
    )
    return RestoreResult(source, revision, safety, tuple(audit_problems), other)


def _record_other_technician(path: Path, difference: str, reason: str, source: Path) -> None:
    """Add the restore of another technician's backup, and why, to its audit trail."""
    from sqlalchemy import create_engine, select
    from sqlalchemy.engine import URL
    from sqlalchemy.orm import Session

    from rxlog import audit
    from rxlog.storage.models import Technician

    engine = create_engine(URL.create("sqlite", database=str(path)))
    try:
        with Session(engine) as s, s.begin():
            tech = s.execute(select(Technician.gphc).limit(1)).scalar_one_or_none()
            audit.append(
                s,
                action="restore-other",
                entry_id="installation",
                before=None,
                after=None,
                reason=f"restored {source.name}, another technician's backup ({difference}): "
                f"{reason.strip()}",
                technician=tech,
            )
    finally:
        engine.dispose()


def _audit_problems(path: Path) -> list[str]:
    from rxlog import audit  # restoring checks the chain the core keeps (no cycle: audit
    # needs only the models)

    ok, detail = audit.verify_file(path)
    return [] if ok else [detail]


def _set_current_aside(db_path: Path) -> Path:
    """Back up the current database, then leave it as one self-contained file to replace.

    A readable database is copied to ``pre-restore-<stamp>`` and its WAL folded in. One
    RxLog cannot read is moved, untouched and with its ``-wal``/``-shm``, into
    ``backups/damaged-<stamp>/``.
    """
    folder = backups_dir(db_path.parent)
    privacy.make_private_dir(folder)
    wal = db_path.with_name(db_path.name + "-wal")
    shm = db_path.with_name(db_path.name + "-shm")
    if backup_problem(db_path) is None:
        safety = _copy_verified(db_path, folder / f"pre-restore-{_stamp()}.sqlite3").path
        con = sqlite3.connect(db_path)
        try:
            con.execute("PRAGMA busy_timeout=5000")
            # Leaving WAL mode checkpoints every commit into the file and deletes the
            # -wal, so no old WAL can ever be replayed onto the restored database.
            con.execute("PRAGMA journal_mode=DELETE").fetchone()
        finally:
            con.close()
        if wal.exists():
            raise StorageError(
                f"could not fold {wal.name} into the database; nothing was restored "
                f"(a backup of the current database is at {safety})"
            )
        shm.unlink(missing_ok=True)
        return safety
    aside = folder / f"damaged-{_stamp()}"
    privacy.make_private_dir(aside, parents=False)
    # The database first: from here a -wal without its database is refused on open.
    for p in (db_path, wal, shm):
        if p.exists():
            p.replace(aside / p.name)
    fsync_dir(db_path.parent)
    return aside
