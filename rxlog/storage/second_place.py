"""Backups in a second place: a folder or removable drive the technician chooses, so a
failed disk does not take the backups with the database.

The folder is the setting ``backup.second_place``; RxLog keeps its copies in
``<folder>/RxLog-<GPhC number>/`` (so two installations never mix on one drive),
named as in ``backups/`` (``daily-YYYY-MM-DD``, ``manual-<stamp>``). Copies are made:
- on schedule: each day's first backup is copied there as it is made (a drive that is
  not plugged in then is caught up by the next day's, or by backing up now);
- on demand: ``rxlog backup --to DIR`` (a one-off copy into DIR, chosen or not) and
  "Back up to a folder or drive…" in the Backups dialog.
Each copy is checked (``quick_check``, schema) before it gets its name, exactly as the
backups beside the database are, and ``rxlog backup list --check`` and ``rxlog check``
check them the same way. The same daily count is kept there as beside the database.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from pathlib import Path

from rxlog.errors import StorageError, ValidationError
from rxlog.storage import backups, durable, privacy, sqlitefile

SECOND_PLACE_KEY = "backup.second_place"
STALE_DAYS = 7  # `rxlog check` fails when the newest copy there is older than this


def _read(db_path: Path) -> tuple[str | None, str | None]:
    """(the chosen folder, the technician's GPhC number) from the database, read-only."""
    try:
        con = sqlitefile.connect_ro(db_path)
        try:
            row = con.execute(
                "SELECT value FROM setting WHERE key = ?", (SECOND_PLACE_KEY,)
            ).fetchone()
            tech = con.execute("SELECT gphc FROM technician LIMIT 1").fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return None, None
    return (row[0] if row and str(row[0]).strip() else None), (tech[0] if tech else None)


def chosen_folder(db_path: Path) -> Path | None:
    folder, _ = _read(db_path)
    return Path(folder) if folder else None


def copies_folder(base: Path, gphc: str | None) -> Path:
    safe = re.sub(r"[^0-9A-Za-z]", "", gphc or "") or "backups"
    return Path(base) / f"RxLog-{safe}"


def check_folder(value: str | Path, field: str = "to") -> Path:
    """A folder RxLog can write its copies into, as an absolute path; else a clear error."""
    text = str(value).strip()
    if not text:
        raise ValidationError("give a folder (or a removable drive)", field)
    folder = Path(text).expanduser()
    if not folder.exists():
        raise ValidationError(f"the folder {folder} is not there (is the drive plugged in?)", field)
    if not folder.is_dir():
        raise ValidationError(f"{folder} is a file, not a folder", field)
    if not os.access(folder, os.W_OK):
        raise ValidationError(f"RxLog may not write to {folder} (read-only?)", field)
    return folder.resolve()


def _target_dir(db_path: Path, base: Path) -> Path:
    _, gphc = _read(db_path)
    target = copies_folder(base, gphc)
    try:
        privacy.make_private_dir(target, parents=False)  # backups hold notes
    except OSError as exc:
        raise StorageError(f"cannot create {target}: {exc.strerror}", "to") from None
    return target


def backup_to(db_path: Path, base: Path) -> backups.BackupInfo:
    """A one-off backup of the live database into ``base`` (``rxlog backup --to DIR``)."""
    base = check_folder(base)
    target = _target_dir(db_path, base) / f"manual-{backups._stamp()}.sqlite3"
    return backups._copy_verified(db_path, target)


def copy_daily(db_path: Path, daily: backups.BackupInfo) -> backups.BackupInfo | None:
    """Copy a just-made daily backup to the chosen folder (if one is chosen), checked,
    then prune the daily copies there. None when no folder is chosen."""
    folder, _ = _read(db_path)
    if not folder:
        return None
    base = check_folder(folder)
    target_dir = _target_dir(db_path, base)
    target = target_dir / daily.path.name
    part = target.with_name(f"{target.name}.{os.getpid()}.check")
    try:
        durable.create_temp(target, tmp=part)  # private from its first byte
        shutil.copyfile(daily.path, part)  # into the private file: its mode is kept
        durable.fsync_file(part)
        problem = backups.backup_problem(part)
        if problem:
            raise StorageError(f"the copy in {target_dir} came out {problem}")
        durable.place(part, target, sync=False)
    except OSError as exc:
        raise StorageError(
            f"could not copy the backup to {target_dir}: {exc.strerror or exc}"
        ) from None
    finally:
        part.unlink(missing_ok=True)
    keep_daily, _monthly = backups.keep_counts(db_path)
    dailies = sorted(target_dir.glob("daily-*.sqlite3"), key=lambda p: p.name, reverse=True)
    for old in dailies[max(keep_daily, 1) :]:
        if old != target:
            old.unlink(missing_ok=True)
    return backups.info_of(target)


def list_copies(db_path: Path) -> tuple[Path | None, list[backups.BackupInfo], str | None]:
    """(the copies folder, its backups newest first, why it cannot be read) for the
    chosen second place; (None, [], None) when none is chosen."""
    folder, gphc = _read(db_path)
    if not folder:
        return None, [], None
    target = copies_folder(Path(folder), gphc)
    if not Path(folder).is_dir():
        return target, [], f"the folder {folder} is not there (is the drive plugged in?)"
    return target, backups.list_backups_in(target), None
