"""``RxLog``: the one façade the CLI and the desktop app both drive.

Each method is one transaction: validated completely before anything is written,
committed (and so durable) before it returns.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import and_, func, select

from rxlog import audit, entries, profile
from rxlog.clock import Today, local_today
from rxlog.dates import parse_month
from rxlog.domain import (
    AuditRecordView,
    EntryInput,
    EntryView,
    InstallationView,
    LogResult,
    MonthLockView,
    PhaseView,
    PlacementView,
    TechnicianView,
    Totals,
)
from rxlog.errors import ValidationError
from rxlog.settings import Settings, declared
from rxlog.storage.database import Database
from rxlog.storage.models import AuditRecord, Entry, MonthLock, Setting
from rxlog.taxonomy import Taxonomy, current_taxonomy

# An entry's stored columns as a named tuple (a view is built from its attributes).
EntryRow = namedtuple("EntryRow", [c.name for c in Entry.__table__.columns])  # type: ignore[misc]


class RxLog:
    """A technician's installation: profile, calendar, entries and audit trail."""

    def __init__(
        self, db: Database, taxonomy: Taxonomy | None = None, today: Today = local_today
    ) -> None:
        self.db = db
        self.taxonomy = taxonomy or current_taxonomy()
        self._today = today
        self.notices: list[str] = []  # what opening found and settled (shown to the user)

    @classmethod
    def open(cls, data_dir: Path, **kwargs: Any) -> RxLog:
        db = Database.open(data_dir)
        try:
            app = cls(db, **kwargs)
        except BaseException:
            db.close()  # a failed open releases the folder (Windows cannot delete it else)
            raise
        from rxlog.export.pending import PENDING_FILE

        if (app.db.data_dir / PENDING_FILE).exists():  # an export was interrupted
            from rxlog.export.pending import recover

            message = recover(app)
            if message:
                app.notices.append(message)
        return app

    def close(self) -> None:
        self.db.close()

    # -- backups -------------------------------------------------------------------
    def back_up(self, out: Path | None = None) -> Any:
        """A backup now (``backups/manual-...`` or ``out``); returns its ``BackupInfo``."""
        from rxlog.storage import backups

        return backups.backup_now(self, out)

    def back_up_to(self, folder: Path) -> Any:
        """A one-off backup into ``folder`` (a second place: another drive, a USB stick),
        in its ``RxLog-<GPhC>`` subfolder; returns its ``BackupInfo``."""
        from rxlog.storage import second_place

        return second_place.backup_to(self.db.path, Path(folder))

    def second_place(self) -> Path | None:
        """The folder chosen for scheduled copies of the daily backup, if any."""
        from rxlog.storage import second_place

        return second_place.chosen_folder(self.db.path)

    def set_second_place(self, folder: Path | None) -> Path | None:
        """Choose (checked: it exists and RxLog may write there) or clear (None) the
        folder each day's backup is also copied to; copies today's backup there now."""
        from rxlog.storage import backups, second_place

        if folder is None:
            self.set_setting(second_place.SECOND_PLACE_KEY, "")
            return None
        checked = second_place.check_folder(folder, "folder")
        self.set_setting(second_place.SECOND_PLACE_KEY, str(checked))
        newest = next(
            (i for i in backups.list_backups(self.db.data_dir) if i.kind == "daily"), None
        )
        if newest is not None:
            self.db.copy_to_second_place(newest)
        return checked

    def restore_backup(self, source: Path) -> Any:
        """Swap in a backup (checked first; the current database is backed up first) and
        reopen: this object stays usable. Returns ``backups.RestoreResult``."""
        from rxlog.storage import backups

        data_dir = self.db.data_dir
        backups.check_restorable(source, data_dir)  # refuse a bad file before closing anything
        self.db.close()
        try:
            return backups.restore(data_dir, source)
        finally:
            self.db = Database.open(data_dir)

    def today(self) -> date:
        return self._today()

    # -- profile and calendar --------------------------------------------------------
    def technician(self) -> TechnicianView | None:
        with self.db.transaction() as s:
            return profile.get_technician(s)

    def setup(self, name: str, gphc: str, installation_name: str | None = None) -> TechnicianView:
        if installation_name is not None:
            installation_name = profile.check_installation_name(installation_name)
        with self.db.transaction() as s:
            tech = profile.setup(s, name, gphc)
            profile.get_installation(s)
            if installation_name is not None:
                profile.name_installation(s, installation_name)
            return tech

    def installation(self) -> InstallationView:
        """This installation (id and name); made the first time it is asked for."""
        with self.db.transaction() as s:
            inst = profile.get_installation(s)
            assert inst is not None
            return inst

    def name_installation(self, name: str) -> InstallationView:
        with self.db.transaction() as s:
            return profile.name_installation(s, name)

    def add_placement(
        self,
        ods: str,
        name: str,
        sector: str,
        date_from: date | None = None,
        date_to: date | None = None,
    ) -> PlacementView:
        with self.db.transaction() as s:
            if profile.get_technician(s) is None:
                raise ValidationError("set up the technician first (rxlog setup)", "setup")
            return profile.add_placement(s, ods, name, sector, date_from or self.today(), date_to)

    def end_placement(
        self,
        placement_id: int | str,
        on: date,
        *,
        reason: str | None = None,
        delete_entries: bool = False,
    ) -> Any:
        """Set a placement's last day; returns ``placements.CalendarChange``."""
        from rxlog import placements

        with self.db.transaction() as s:
            return placements.end_placement(
                s, self.taxonomy, placement_id, on, reason=reason, delete_entries=delete_entries
            )

    def edit_placement(self, placement_id: int | str, *, reason: str | None, **changes: Any) -> Any:
        """Change a placement's name, from, to (or open-ended) or sector; see
        ``rxlog.placements`` for what happens to the entries it covers."""
        from rxlog import placements

        with self.db.transaction() as s:
            return placements.edit_placement(
                s, self.taxonomy, placement_id, reason=reason, **changes
            )

    def delete_placement(self, placement_id: int | str, *, reason: str | None) -> Any:
        from rxlog import placements

        with self.db.transaction() as s:
            return placements.delete_placement(s, placement_id, reason=reason)

    def next_rotation(
        self, ods: str, name: str, sector: str, date_from: date, date_to: date | None = None
    ) -> Any:
        """Add the next placement from ``date_from``, ending the one that covers that day."""
        from rxlog import placements

        with self.db.transaction() as s:
            if profile.get_technician(s) is None:
                raise ValidationError("set up the technician first (rxlog setup)", "setup")
            return placements.next_rotation(s, self.taxonomy, ods, name, sector, date_from, date_to)

    def placements(self) -> list[PlacementView]:
        with self.db.transaction() as s:
            return profile.list_placements(s)

    def placement_on(self, d: date) -> PlacementView | None:
        return entries.placement_on(self.placements(), d)

    def add_phase(self, name: str, date_from: date, date_to: date | None = None) -> PhaseView:
        with self.db.transaction() as s:
            return profile.add_phase(s, name, date_from, date_to)

    def phases(self) -> list[PhaseView]:
        with self.db.transaction() as s:
            return profile.list_phases(s)

    # -- absence and bank holidays ------------------------------------------------------
    def add_absence(
        self,
        date_from: date,
        date_to: date | None = None,
        kind: str = "annual-leave",
        note: str | None = None,
    ) -> Any:
        """Record days away in one step; returns ``absence.AddResult``."""
        from rxlog import absence

        with self.db.transaction() as s:
            if profile.get_technician(s) is None:
                raise ValidationError("set up the technician first (rxlog setup)", "setup")
            return absence.add_absence(s, self.today(), date_from, date_to, kind, note)

    def absences(self, first: date | None = None, last: date | None = None) -> list[Any]:
        """Recorded absence overlapping ``first``..``last`` (all when not given)."""
        from rxlog import absence

        with self.db.transaction() as s:
            return absence.list_absence(s, first, last)

    def delete_absence(self, absence_id: int | str, reason: str | None) -> Any:
        from rxlog import absence

        with self.db.transaction() as s:
            return absence.delete_absence(s, absence_id, reason)

    def days_off(self, first: date, last: date) -> dict[date, str]:
        """Days not expected to be logged (recorded absence, bank holidays), with why."""
        from rxlog import absence

        return absence.days_off(self.absences(first, last), first, last)

    # -- entries ---------------------------------------------------------------------
    def _ctx(self, s: Any) -> entries.Context:
        if profile.get_technician(s) is None:
            raise ValidationError("set up the technician first (rxlog setup)", "setup")
        return entries.load_context(s, self.taxonomy, self.today())

    def log(self, item: EntryInput) -> LogResult:
        return self.log_many([item])[0]

    def log_many(self, items: Iterable[EntryInput]) -> list[LogResult]:
        """Log several entries in one transaction: all are stored, or none."""
        results = []
        with self.db.transaction() as s:
            tech = profile.get_technician(s)
            if tech is None:
                raise ValidationError("set up the technician first (rxlog setup)", "setup")
            ctx = entries.load_context(s, self.taxonomy, self.today())
            for item in items:
                row, warnings = entries.create(s, ctx, item, entry_id=item.id, technician=tech.gphc)
                results.append(
                    LogResult(entries.to_view(row, self.taxonomy, ctx.phases), tuple(warnings))
                )
        return results

    def repeat_last(self, day: date) -> LogResult:
        """Log the most recent entry again on ``day`` (at that day's placement)."""
        from rxlog import repeat

        return self.log(repeat.again_on(repeat.last_entry(self), day))

    def copy_day(self, source: date, target: date) -> list[LogResult]:
        """Log every entry of ``source`` again on ``target``: all are stored, or none."""
        from rxlog import repeat

        return self.log_many(repeat.day_inputs(self, source, target))

    def check(self, item: EntryInput) -> tuple[str, ...]:
        """Validate ``item`` exactly as ``log`` would, writing nothing: its warnings, or
        the error ``log`` would raise (the app's live preview of a quick-entry line)."""
        with self.db.transaction() as s:
            ctx = self._ctx(s)
            _columns, warnings = entries.validate(s, ctx, item)
            return tuple(warnings)

    def edit(self, entry_id: str, changes: dict[str, Any], reason: str | None) -> LogResult:
        with self.db.transaction() as s:
            ctx = self._ctx(s)
            row, warnings = entries.edit(s, ctx, entries.resolve_id(s, entry_id), changes, reason)
            return LogResult(entries.to_view(row, self.taxonomy, ctx.phases), tuple(warnings))

    def delete(self, entry_id: str, reason: str | None) -> EntryView:
        with self.db.transaction() as s:
            phases = profile.list_phases(s)
            row = entries.delete(s, entries.resolve_id(s, entry_id), reason)
            return entries.to_view(row, self.taxonomy, phases)

    def restore(self, entry_id: str, reason: str = "undo delete") -> EntryView:
        with self.db.transaction() as s:
            ctx = self._ctx(s)
            row = entries.restore(s, ctx, entry_id, reason)
            return entries.to_view(row, self.taxonomy, ctx.phases)

    def redact_note(self, entry_id: str, reason: str | None) -> Any:
        """Take an entry's note out of the entry, its audit records and every backup;
        returns ``redaction.RedactResult`` (with the backups rewritten and any that
        could not be)."""
        from rxlog import redaction

        with self.db.transaction() as s:
            result = redaction.redact_note(s, entry_id, reason)
            tech = profile.get_technician(s)
        self.db.truncate_wal()
        done, skipped = redaction.rewrite_backups(
            self.db.data_dir,
            result.entry_id,
            redaction.check_reason(reason),
            tech.gphc if tech else None,
            self.second_backup_folders(),
        )
        return replace(result, backups=done, skipped=skipped)

    def second_backup_folders(self) -> list[Path]:
        """Folders beyond ``backups/`` that hold this installation's backups."""
        from rxlog.storage import second_place

        folder, _copies, problem = second_place.list_copies(self.db.path)
        return [folder] if folder is not None and problem is None else []

    def resolve_id(self, prefix: str) -> str:
        with self.db.transaction() as s:
            return entries.resolve_id(s, prefix)

    def get(self, entry_id: str) -> EntryView:
        with self.db.transaction() as s:
            row = entries.get_row(s, entries.resolve_id(s, entry_id))
            return entries.to_view(row, self.taxonomy, profile.list_phases(s))

    def get_many(self, ids: list[str]) -> dict[str, EntryView]:
        """Entries by id (for lazy table models); ids that no longer exist are left out.
        Read with plain sqlite3, as ``page_ids`` and ``count_entries`` are (a table asks
        for them as it paints: see ``rxlog.storage.direct``)."""
        from rxlog.storage import direct

        with self.db.reading() as con:
            return direct.entries_by_id(con, ids, self.taxonomy)

    def list_entries(
        self,
        start: date | None = None,
        end: date | None = None,
        code: str | None = None,
        site: str | None = None,
        sector: str | None = None,
    ) -> list[EntryView]:
        """Entries in date order (then creation order), optionally filtered."""
        with self.db.transaction() as s:
            phases = profile.list_phases(s)
            # Plain rows of the columns: building an ORM object per entry cost more than
            # the view made from it (a month's return reads every entry), and so did a
            # Row's attribute lookups (~1 us each): named tuples of the same columns.
            q = select(*Entry.__table__.columns)
            q = q.where(*self._filters(start, end, code, site, sector))
            q = q.order_by(Entry.date, Entry.created_at)
            rows = map(EntryRow._make, s.execute(q))
            return [entries.to_view(r, self.taxonomy, phases) for r in rows]

    def list_ids(
        self,
        start: date | None = None,
        end: date | None = None,
        codes: Iterable[str] | None = None,
        site: str | None = None,
        sector: str | None = None,
    ) -> list[str]:
        """All matching ids, newest first (see ``page_ids`` for one page at a time)."""
        with self.db.transaction() as s:
            q = select(Entry.id).where(*self._filters(start, end, None, site, sector, codes))
            return list(s.execute(q.order_by(Entry.date.desc(), Entry.created_at.desc())).scalars())

    def page_ids(
        self,
        offset: int,
        limit: int,
        start: date | None = None,
        end: date | None = None,
        codes: Iterable[str] | None = None,
        site: str | None = None,
        sector: str | None = None,
    ) -> list[str]:
        """One page of ids, newest first: a lazy table model fetches these as it scrolls,
        so a million entries never have to be read at once."""
        from rxlog.storage import direct

        with self.db.reading() as con:
            return direct.page_ids(
                con, offset, limit, start=start, end=end, codes=codes, site=site, sector=sector
            )

    def page_entries(
        self,
        offset: int,
        limit: int,
        start: date | None = None,
        end: date | None = None,
        codes: Iterable[str] | None = None,
        site: str | None = None,
        sector: str | None = None,
    ) -> list[EntryView]:
        """One page of whole entries, newest first, in the order of ``page_ids`` (the
        history reads its first screenful so: one query, where ids then rows took two)."""
        from rxlog.storage import direct

        with self.db.reading() as con:
            return direct.page_entries(
                con,
                offset,
                limit,
                self.taxonomy,
                start=start,
                end=end,
                codes=codes,
                site=site,
                sector=sector,
            )

    def count_entries(
        self,
        start: date | None = None,
        end: date | None = None,
        codes: Iterable[str] | None = None,
        site: str | None = None,
        sector: str | None = None,
    ) -> int:
        """How many entries match the same filters as ``page_ids``."""
        from rxlog.storage import direct

        with self.db.reading() as con:
            return direct.count_entries(
                con, start=start, end=end, codes=codes, site=site, sector=sector
            )

    @staticmethod
    def _filters(
        start: date | None,
        end: date | None,
        code: str | None,
        site: str | None,
        sector: str | None,
        codes: Iterable[str] | None = None,
    ) -> list[Any]:
        f: list[Any] = []
        if start:
            f.append(Entry.date >= start.isoformat())
        if end:
            f.append(Entry.date <= end.isoformat())
        if code:
            f.append(Entry.code == code.strip().upper())
        if site:
            f.append(Entry.site == site.strip().upper())
        if sector:
            f.append(Entry.sector == sector)
        if codes is not None:
            f.append(Entry.code.in_(list(codes)))
        return f

    def month(self, month: str) -> list[EntryView]:
        first, last = parse_month(month)
        return self.list_entries(first, last)

    def totals(self, start: date, end: date) -> Totals:
        """Totals by category and sector over a date range (a day, a week, a month)."""
        with self.db.transaction() as s:
            rows = s.execute(
                select(
                    Entry.code,
                    Entry.sector,
                    func.count(),
                    func.sum(Entry.minutes),
                    func.coalesce(func.sum(Entry.count), 0),
                )
                .where(and_(Entry.date >= start.isoformat(), Entry.date <= end.isoformat()))
                .group_by(Entry.code, Entry.sector)
            ).all()
        t = Totals()
        for code_name, sector, n, minutes, count in rows:
            code = self.taxonomy.get(code_name)
            n, minutes, count = int(n), int(minutes or 0), int(count or 0)
            t.entries += n
            t.minutes += minutes
            if code is not None:
                if code.counts == "patients":
                    t.patients += count
                elif code.counts == "items":
                    t.items += count
                if code.intervention:
                    t.interventions += n
                cat = code.category
            else:
                cat = "unknown"
            t.by_category[cat] = t.by_category.get(cat, 0) + minutes
            t.by_sector[sector] = t.by_sector.get(sector, 0) + minutes
        return t

    def minutes_by_day(self, start: date, end: date) -> dict[date, int]:
        """Minutes logged on each day with entries in a date range (one query)."""
        with self.db.transaction() as s:
            rows = s.execute(
                select(Entry.date, func.sum(Entry.minutes))
                .where(Entry.date >= start.isoformat(), Entry.date <= end.isoformat())
                .group_by(Entry.date)
            ).all()
        return {date.fromisoformat(d): int(m) for d, m in rows}

    def month_totals_by_code(self, month: str) -> list[tuple[str, int, int, int]]:
        """(code, entries, minutes, count) for each code logged in a month."""
        first, last = parse_month(month)
        with self.db.transaction() as s:
            rows = s.execute(
                select(
                    Entry.code,
                    func.count(),
                    func.sum(Entry.minutes),
                    func.coalesce(func.sum(Entry.count), 0),
                )
                .where(Entry.date >= first.isoformat(), Entry.date <= last.isoformat())
                .group_by(Entry.code)
                .order_by(Entry.code)
            ).all()
        return [(c, int(n), int(m or 0), int(k or 0)) for c, n, m, k in rows]

    def recent_codes(self, limit: int = 10, since: date | None = None) -> list[str]:
        """Codes most recently logged, newest first, each once; ``since`` looks only at
        entries dated from then (fast on a big database: it uses the date index)."""
        with self.db.transaction() as s:
            q = select(Entry.code, func.max(Entry.created_at).label("last"))
            if since is not None:
                q = q.where(Entry.date >= since.isoformat())
            rows = s.execute(
                q.group_by(Entry.code).order_by(func.max(Entry.created_at).desc()).limit(limit)
            ).all()
        return [r[0] for r in rows]

    # -- months --------------------------------------------------------------------
    def month_lock(self, month: str) -> MonthLockView | None:
        parse_month(month)
        with self.db.transaction() as s:
            row = s.get(MonthLock, month)
            if row is None:
                return None
            return MonthLockView(
                row.month, row.version, row.locked, row.locked_at, row.reopened_at,
                row.reopen_reason,
            )  # fmt: skip

    def is_locked(self, d: date) -> bool:
        with self.db.transaction() as s:
            return entries.month_lock_problem(s, d) is not None

    # -- settings ------------------------------------------------------------------
    @property
    def settings(self) -> Settings:
        """Typed settings: ``app.settings[LEAD_EMAIL]`` (declared in ``rxlog/settings.py``)."""
        return Settings(self.setting, self.set_setting)

    def setting(self, key: str, default: str | None = None) -> str | None:
        """The stored text of the declared setting ``key`` (prefer ``settings[OPTION]``)."""
        declared(key)
        with self.db.transaction() as s:
            row = s.get(Setting, key)
            return row.value if row else default

    def set_setting(self, key: str, value: str) -> None:
        declared(key)
        with self.db.transaction() as s:
            row = s.get(Setting, key)
            if row is None:
                s.add(Setting(key=key, value=value))
            else:
                row.value = value

    # -- audit ---------------------------------------------------------------------
    def audit_records(self, limit: int | None = None) -> list[AuditRecordView]:
        with self.db.transaction() as s:
            q = select(*AuditRecord.__table__.columns).order_by(AuditRecord.seq.desc())
            if limit:
                q = q.limit(limit)
            return [AuditRecordView(*row) for row in reversed(s.execute(q).all())]

    def verify_audit(self) -> audit.AuditReport:
        with self.db.transaction() as s:
            return audit.verify(s)

    def with_today(self, today: Today) -> RxLog:
        """The same installation seen on another day (tests, demo data)."""
        clone = RxLog(self.db, self.taxonomy, today)
        return clone


__all__ = ["RxLog", "EntryInput", "replace"]
