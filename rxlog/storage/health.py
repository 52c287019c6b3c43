"""Is the data folder sound? What ``rxlog check`` reports about storage.

The top of ``rxlog.storage``: it reads the database file (``sqlitefile``), the schema
revisions (``revisions``), the backups and the second place, and changes nothing. The
checks made on every open are cheap and live with the database (the file header, the
schema revision, a ``-wal`` file with no database beside it); the full
``PRAGMA integrity_check`` is made here. The audit chain is the core's to check
(``rxlog.checkup.full_check`` adds it to this report): storage does not reach up into
``rxlog.audit``.

The chain, bottom up: ``privacy``, ``durable``, ``sqlitefile``, ``revisions`` and
``folderlock`` (leaves) <- ``restore_checks``, ``backups`` <- ``second_place`` <-
``database`` <- ``health``. ``tests/test_architecture.py`` fails on any import cycle.
"""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from rxlog.storage import backups, privacy, revisions, second_place
from rxlog.storage.folderlock import (  # noqa: F401 - the names callers know health by
    GUI_LOCK_NAME,
    LOCK_NAME,
    AlreadyRunningError,
    FolderLock,
    read_only_message,
    running_instance_pid,
)
from rxlog.storage.paths import DB_FILENAME
from rxlog.storage.sqlitefile import (  # noqa: F401 - the names callers know health by
    SQLITE_HEADER,
    connect_ro,
    integrity_problems,
    is_sqlite,
    read_header,
    read_revision_ro,
    sqlite_uri,
)


@dataclass
class CheckItem:
    name: str
    ok: bool
    detail: str


@dataclass
class CheckReport:
    """What ``rxlog check`` found: one line per check, and whether all passed."""

    items: list[CheckItem] = field(default_factory=list)
    # The database whose audit chain is still to be checked (its schema is known and
    # its file sound): ``rxlog.checkup.full_check`` checks it.
    audit_due: Path | None = None

    @property
    def ok(self) -> bool:
        return all(i.ok for i in self.items)

    def add(self, name: str, ok: bool, detail: str) -> None:
        self.items.append(CheckItem(name, ok, detail))


def full_check(data_dir: Path) -> CheckReport:
    """Integrity, schema revision, permissions and last backups, without changing anything.

    The audit chain is not read here (see ``rxlog.checkup.full_check``); ``audit_due``
    names the database when it is fit to be read for it.
    """
    report = CheckReport()
    path = Path(data_dir) / DB_FILENAME
    if not path.exists():
        report.add("database", False, f"no database at {path}")
    else:
        header = read_header(path)
        if not is_sqlite(header):
            report.add("database", False, f"{path} is not an SQLite database (damaged?)")
        else:
            problems = integrity_problems(path)
            report.add(
                "integrity",
                not problems,
                "PRAGMA integrity_check: ok" if not problems else "; ".join(problems[:5]),
            )
            revision: str | None = None
            try:
                revision, _ = read_revision_ro(path)
            except sqlite3.Error as exc:
                report.add("schema", False, f"cannot read the schema revision: {exc}")
            else:
                if revision == revisions.SCHEMA_HEAD:
                    report.add("schema", True, f"revision {revision} (latest)")
                elif revisions.is_known(revision):
                    head = revisions.SCHEMA_HEAD
                    report.add("schema", True, f"revision {revision} (updated to {head} on open)")
                else:
                    report.add("schema", False, f"revision {revision!r} is not one RxLog knows")
            if revisions.is_known(revision) and not problems:
                report.audit_due = path
    report.add(*_permissions_item(Path(data_dir)))
    newest = backups.list_backups(data_dir)
    if not newest:
        report.add("backup", False, "no backup yet (run: rxlog backup)")
    else:
        b = newest[0]
        bad = backups.backup_problem(b.path)
        behind = _days_behind(path, b.made_at.timestamp())
        if bad is None and behind >= STALE_BACKUP_DAYS:
            bad = (
                f"{behind} days older than the latest changes: open RxLog (it backs up "
                "daily) or run: rxlog backup"
            )
        report.add(
            "backup",
            bad is None,
            f"last backup {b.made_at_text()} ({b.path.name})" + (f": {bad}" if bad else ""),
        )
    _second_place_item(report, path)
    return report


def _second_place_item(report: CheckReport, db_path: Path) -> None:
    """The copies in the second place, checked like the backups beside the database."""
    if not db_path.exists():
        return
    folder, copies, problem = second_place.list_copies(db_path)
    if folder is None:
        return
    if problem:
        report.add("2nd place", False, problem)
        return
    if not copies:
        report.add("2nd place", False, f"no copy in {folder} yet (run: rxlog backup --to DIR)")
        return
    b = copies[0]
    bad = backups.backup_problem(b.path)
    behind = _days_behind(db_path, b.made_at.timestamp())
    if bad is None and behind >= second_place.STALE_DAYS:
        bad = f"{behind} days older than the latest changes (is the drive plugged in?)"
    report.add(
        "2nd place",
        bad is None,
        f"last copy {b.made_at_text()} ({b.path})" + (f": {bad}" if bad else ""),
    )


STALE_BACKUP_DAYS = 2


def _permissions_item(data_dir: Path) -> tuple[str, bool, str]:
    loose = privacy.permission_problems(data_dir)
    if not loose:
        return ("privacy", True, "only you can read the data folder and its files")
    more = f" (and {len(loose) - 3} more)" if len(loose) > 3 else ""
    fix = " Run: rxlog check --fix" if any(p.wanted is not None or p.acl for p in loose) else ""
    return ("privacy", False, "; ".join(p.text() for p in loose[:3]) + more + "." + fix)


def _days_behind(db_path: Path, backup_time: float) -> int:
    """Whole days between the last backup and the database's (or its WAL's) last change."""
    changed = 0.0
    for p in (db_path, db_path.with_name(db_path.name + "-wal")):
        with contextlib.suppress(OSError):
            changed = max(changed, p.stat().st_mtime)
    return max(0, int((changed - backup_time) // 86400))
