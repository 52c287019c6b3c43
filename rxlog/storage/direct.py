"""The CLI's direct path: ``rxlog log`` and ``rxlog list`` through plain sqlite3.

Why it exists: importing the SQLAlchemy ORM costs about 0.3 s, which was most of these
two commands' time (13-15x their sqlite3 floor, issue 14). Why it can be trusted: it
shares with the ORM path everything that decides what is stored, and does nothing
else.

- Opening: the same folder name check, the same shared folder lock
  (``database.shared_lock``), leftovers cleaned (``database.clean_leftovers``), the
  same header and schema-revision check (``database._revision_for_open``, which raises
  the same refusals). It serves only a folder where opening has nothing more to do:
  the schema at ``SCHEMA_HEAD``, no interrupted export to recover, today's automatic
  backup already made. Otherwise ``open_direct`` returns None and the caller opens
  the folder through ``rxlog.service.RxLog``, which migrates, recovers, backs up.
- Each call is one transaction with the same pragmas (WAL, ``synchronous=FULL``,
  foreign keys, busy timeout) and ``BEGIN IMMEDIATE``, committed before it returns.
- Validation is ``rxlog.entry_rules.validate`` (the ORM path's too); the entry row has
  the same columns, and its audit record is built by ``rxlog.audit_chain.new_record``
  (the ORM path's too). ``tests/test_direct.py`` writes through both paths into one
  database and compares rows, records and the verified chain.
- SQLite failures become the same ``StorageError`` (``database.storage_error``).
"""

from __future__ import annotations

import functools
import sqlite3
import sys
from collections import namedtuple
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rxlog.audit_chain import AUDIT_COLUMNS, ENTRY_COLUMNS
from rxlog.clock import Today, local_today, utc_now_iso
from rxlog.domain import EntryInput, EntryView, LogResult, PhaseView, PlacementView, entry_view
from rxlog.errors import ValidationError
from rxlog.storage.database import (
    _PRAGMAS,
    SCHEMA_HEAD,
    _revision_for_open,
    clean_leftovers,
    shared_lock,
    storage_error,
)
from rxlog.storage.folderlock import FolderLock
from rxlog.storage.paths import DB_FILENAME, check_folder, daily_backup_due
from rxlog.taxonomy import Taxonomy, current_taxonomy

if TYPE_CHECKING:
    from rxlog.entry_rules import Context

_INSERT_ENTRY = (
    f"INSERT INTO entry ({', '.join(ENTRY_COLUMNS)}) "
    f"VALUES ({', '.join(':' + c for c in ENTRY_COLUMNS)})"
)
_INSERT_AUDIT = (
    f"INSERT INTO audit ({', '.join(AUDIT_COLUMNS)}) "
    f"VALUES ({', '.join(':' + c for c in AUDIT_COLUMNS)})"
)


@dataclass(frozen=True)
class StoredEntry:
    """One row of the entry table, read without the ORM."""

    id: str
    date: str
    site: str
    sector: str
    code: str
    taxonomy_version: str
    minutes: int
    count: int | None
    significance: int | None
    significance_scale: str | None
    harm: str | None
    harm_scale: str | None
    released_minutes: int | None
    outcome: str | None
    discharge_received: str | None
    note: str | None
    created_at: str
    updated_at: str
    admitted: str | None = None  # schema 0007
    time: str | None = None


class _Lookups:
    """``rxlog.entry_rules.EntryLookups`` over one sqlite3 connection."""

    def __init__(self, con: sqlite3.Connection) -> None:
        self.con = con

    def month_lock(self, month: str) -> tuple[int, bool] | None:
        row = self.con.execute(
            "SELECT version, locked FROM month_lock WHERE month = ?", (month,)
        ).fetchone()
        return None if row is None else (row[0], bool(row[1]))

    def minutes_logged(self, day: date, exclude_id: str | None) -> int:
        sql = "SELECT coalesce(sum(minutes), 0) FROM entry WHERE date = ?"
        params: tuple[str, ...] = (day.isoformat(),)
        if exclude_id is not None:
            sql += " AND id != ?"
            params += (exclude_id,)
        return int(self.con.execute(sql, params).fetchone()[0])


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def open_direct(data_dir: Path, today: Today = local_today) -> DirectLog | None:
    """The folder opened for the direct path, or None when opening has work to do (the
    caller then opens it through the ORM). Raises what ``Database.open`` raises for a
    folder or file it refuses."""
    from rxlog.export.pending import PENDING_FILE

    data_dir = Path(data_dir)
    check_folder(data_dir, "data-dir")
    path = data_dir / DB_FILENAME
    if not path.is_file():
        return None
    lock = shared_lock(data_dir)
    try:
        clean_leftovers(data_dir)
        if (
            _revision_for_open(path) != SCHEMA_HEAD
            or (data_dir / PENDING_FILE).exists()
            or daily_backup_due(data_dir, today())
        ):
            lock.release()
            return None
        con = sqlite3.connect(path, isolation_level=None)
        try:
            for pragma in _PRAGMAS:
                con.execute(pragma)
        except sqlite3.Error as exc:
            con.close()
            raise storage_error(path, exc) from None
    except BaseException:
        lock.release()
        raise
    if sys.platform == "win32":
        from rxlog.storage import privacy

        privacy.secure_windows(data_dir)  # as Database.open does
    return DirectLog(path, con, lock, today)


class DirectLog:
    """Logging and listing entries as ``rxlog.service.RxLog`` does, without the ORM."""

    def __init__(
        self,
        path: Path,
        con: sqlite3.Connection,
        lock: FolderLock,
        today: Today = local_today,
        taxonomy: Taxonomy | None = None,
    ) -> None:
        self.path = path
        self.con = con
        self._lock: FolderLock | None = lock
        self._today = today
        self.taxonomy = taxonomy or current_taxonomy()
        self.notices: list[str] = []  # the ORM path's notices come from work done on opening

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One transaction (``BEGIN IMMEDIATE``): committed on success, else rolled back."""
        con = self.con
        try:
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
                con.execute("COMMIT")
            except BaseException:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise
        except (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError):
            raise  # a bug in RxLog, not the environment
        except sqlite3.Error as exc:
            raise storage_error(self.path, exc) from exc

    def _technician_gphc(self, con: sqlite3.Connection) -> str:
        row = con.execute("SELECT gphc FROM technician LIMIT 1").fetchone()
        if row is None:
            raise ValidationError("set up the technician first (rxlog setup)", "setup")
        return str(row[0])

    @staticmethod
    def _placements(con: sqlite3.Connection) -> list[PlacementView]:
        rows = con.execute(
            "SELECT id, ods, site_kind, name, sector, date_from, date_to FROM placement "
            "ORDER BY date_from"
        )
        return [
            PlacementView(i, ods, kind, name, sector, date.fromisoformat(f), _day(t))
            for i, ods, kind, name, sector, f, t in rows
        ]

    @staticmethod
    def _phases(con: sqlite3.Connection) -> list[PhaseView]:
        rows = con.execute("SELECT id, name, date_from, date_to FROM phase ORDER BY date_from")
        return [PhaseView(i, name, date.fromisoformat(f), _day(t)) for i, name, f, t in rows]

    def log(self, item: EntryInput) -> LogResult:
        return self.log_many([item])[0]

    def log_many(self, items: Sequence[EntryInput]) -> list[LogResult]:
        """Several entries in one transaction: all are stored, or none."""
        from rxlog.entry_rules import Context  # the checks load only to write

        results = []
        with self.transaction() as con:
            gphc = self._technician_gphc(con)
            ctx = Context(self.taxonomy, self._today(), self._placements(con), self._phases(con))
            for item in items:
                row, warnings = self._create(con, ctx, item, gphc)
                results.append(LogResult(entry_view(row, self.taxonomy, ctx.phases), warnings))
        from rxlog import supportlog  # committed: logged as the ORM path logs it

        supportlog.use_folder(self.path.parent)
        supportlog.info("saved", tables="audit,entry")
        supportlog.changed([("create", r.entry.id) for r in results])
        return results

    def _create(
        self, con: sqlite3.Connection, ctx: Context, item: EntryInput, gphc: str
    ) -> tuple[StoredEntry, tuple[str, ...]]:
        import uuid

        from rxlog.audit_chain import new_record, snapshot_of
        from rxlog.entry_rules import validate

        columns, warnings = validate(_Lookups(con), ctx, item)
        if (
            item.id is not None
            and con.execute("SELECT 1 FROM entry WHERE id = ?", (item.id,)).fetchone()
        ):
            raise ValidationError(f"an entry with id {item.id} already exists", field="id")
        now = utc_now_iso()
        row = StoredEntry(
            id=item.id or str(uuid.uuid4()),
            taxonomy_version=ctx.taxonomy.version,
            created_at=now,
            updated_at=now,
            **columns.as_dict(),
        )
        con.execute(_INSERT_ENTRY, {c: getattr(row, c) for c in ENTRY_COLUMNS})
        last = con.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        record = new_record(
            (last[0], last[1]) if last else None,
            at=utc_now_iso(),
            action="create",
            entry_id=row.id,
            before=None,
            after=snapshot_of(functools.partial(getattr, row)),
            reason=None,
            technician=gphc,
        )
        con.execute(_INSERT_AUDIT, record)
        return row, tuple(warnings)

    def list_entries(
        self, start: date | None = None, end: date | None = None, code: str | None = None
    ) -> list[EntryView]:
        """Entries in date order (then creation order), as ``RxLog.list_entries``."""
        where, params = [], []
        for sql, value in (
            ("date >= ?", start.isoformat() if start else None),
            ("date <= ?", end.isoformat() if end else None),
            ("code = ?", code.strip().upper() if code else None),
        ):
            if value is not None:
                where.append(sql)
                params.append(value)
        query = f"SELECT {', '.join(ENTRY_COLUMNS)} FROM entry"
        if where:
            query += " WHERE " + " AND ".join(where)
        query += " ORDER BY date, created_at"
        with self.transaction() as con:
            phases = self._phases(con)
            rows = [StoredEntry(*r) for r in con.execute(query, params)]
        return [entry_view(r, self.taxonomy, phases) for r in rows]

    def close(self) -> None:
        self.con.close()
        if self._lock is not None:
            self._lock.release()
            self._lock = None


# -- pages of entries, newest first (the history view) --------------------------------
# ``RxLog.page_ids``, ``count_entries`` and ``get_many`` read through these on the ORM's
# own pooled sqlite3 connection: a lazy table asks for them as it paints and scrolls,
# and the ORM's session, statement compiling and row objects cost more than the reads.
NEWEST_FIRST = "ORDER BY date DESC, created_at DESC"
# A row of ``ENTRY_COLUMNS`` as ``entry_view`` reads it: a named tuple is made in ~0.7 us,
# a frozen ``StoredEntry`` in ~5 us (a screenful of 30 rows: 0.13 ms of a first paint).
_EntryRow = namedtuple("_EntryRow", ENTRY_COLUMNS)  # type: ignore[misc]


def entry_filter(
    start: date | None = None,
    end: date | None = None,
    codes: Iterable[str] | None = None,
    site: str | None = None,
    sector: str | None = None,
) -> tuple[str, list[object]]:
    """`` WHERE ...`` (or "") and its parameters: the filters of ``RxLog.page_ids``."""
    where: list[str] = []
    params: list[object] = []
    if start:
        where.append("date >= ?")
        params.append(start.isoformat())
    if end:
        where.append("date <= ?")
        params.append(end.isoformat())
    if site:
        where.append("site = ?")
        params.append(site.strip().upper())
    if sector:
        where.append("sector = ?")
        params.append(sector)
    if codes is not None:
        wanted = list(codes)
        where.append(f"code IN ({', '.join('?' * len(wanted))})" if wanted else "0")
        params.extend(wanted)
    return (" WHERE " + " AND ".join(where) if where else ""), params


def page_ids(con: sqlite3.Connection, offset: int, limit: int, **filters: Any) -> list[str]:
    where, params = entry_filter(**filters)
    rows = con.execute(
        f"SELECT id FROM entry{where} {NEWEST_FIRST} LIMIT ? OFFSET ?", (*params, limit, offset)
    )
    return [r[0] for r in rows]


def page_entries(
    con: sqlite3.Connection, offset: int, limit: int, taxonomy: Taxonomy, **filters: Any
) -> list[EntryView]:
    """One page of whole entries, newest first: ``page_ids`` and ``entries_by_id`` in one
    read (the history's first screenful: one query where the two took two)."""
    where, params = entry_filter(**filters)
    rows = con.execute(
        f"SELECT {', '.join(ENTRY_COLUMNS)} FROM entry{where} {NEWEST_FIRST} LIMIT ? OFFSET ?",
        (*params, limit, offset),
    ).fetchall()
    if not rows:
        return []
    phases = DirectLog._phases(con)
    return [entry_view(_EntryRow._make(r), taxonomy, phases) for r in rows]


def count_entries(con: sqlite3.Connection, **filters: Any) -> int:
    where, params = entry_filter(**filters)
    return int(con.execute(f"SELECT count(*) FROM entry{where}", params).fetchone()[0])


def entries_by_id(
    con: sqlite3.Connection, ids: Sequence[str], taxonomy: Taxonomy
) -> dict[str, EntryView]:
    """The entries with these ids (those that no longer exist are left out)."""
    if not ids:
        return {}
    phases = DirectLog._phases(con)
    rows = con.execute(
        f"SELECT {', '.join(ENTRY_COLUMNS)} FROM entry WHERE id IN ({', '.join('?' * len(ids))})",
        list(ids),
    )
    return {r[0]: entry_view(_EntryRow._make(r), taxonomy, phases) for r in rows}
