"""``Central``: the façade for the project lead's side, over one central store.

What ``rxlog central ...`` and the RxLog Central window both drive: trust and revoke
keys, the roster and calendar, import returns, the status matrix, the list of returns,
the combined dataset and the evidence report. The shells ask and present; the checks
(month bounds, file names) and the store's queries live here and in the modules these
methods call. Heavy modules (pandas, reportlab, openpyxl) are imported where first used.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rxlog.errors import ValidationError

if TYPE_CHECKING:
    from rxlog.central.export import ExportResult
    from rxlog.central.importer import ImportResult
    from rxlog.central.report_data import ReportData
    from rxlog.central.roster import RosterView
    from rxlog.central.status import StatusMatrix
    from rxlog.central.store import CentralStore
    from rxlog.central.trust import KeyView, Withdrawn
    from rxlog.returnformat.keyfile import KeyFile


@dataclass(frozen=True)
class ReturnListing:
    """One return version in the store, as the lead's list shows it."""

    return_id: str
    version: int
    state: str
    technician: str
    month: str
    main_site: str | None
    rows: int
    key_name: str | None
    imported_at: str  # "YYYY-MM-DD HH:MM:SS"

    def as_row(self) -> tuple[Any, ...]:
        return astuple(self)


@dataclass(frozen=True)
class ReportWritten:
    returns: int
    pdf: Path
    json: Path | None
    not_valued: tuple[str, ...] = ()  # sectors whose released time the cost table cannot value


def check_months(date_from: str | None, date_to: str | None) -> None:
    """``--from``/``--to`` are months (``YYYY-MM``), or a ``ValidationError`` naming which."""
    from rxlog.dates import parse_month

    if date_from:
        parse_month(date_from, "from")
    if date_to:
        parse_month(date_to, "to")


def check_report_files(out: Path, json_out: Path | None = None) -> None:
    """The report goes to a ``.pdf`` file and its figures to a ``.json`` one."""
    out = Path(out)
    if out.suffix.lower() != ".pdf":
        raise ValidationError(f"{out.name}: the report file name must end in .pdf", "out")
    if json_out is not None and Path(json_out).suffix.lower() != ".json":
        raise ValidationError(
            f"{Path(json_out).name}: the --json file name must end in .json", "json"
        )


class Central:
    """The lead's side of RxLog over ``store`` (which the caller opened and closes, or
    :meth:`open` it here and use ``with``)."""

    def __init__(self, store: CentralStore) -> None:
        self.store = store

    @classmethod
    def open(cls, db: str | None = None, central_dir: str | Path | None = None) -> Central:
        """The store named by ``--db URL``, else ``--central-dir``, else the defaults."""
        from rxlog.central.store import CentralStore, resolve_url

        return cls(CentralStore.open(resolve_url(db, central_dir)))

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Central:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def display_url(self) -> str:
        return self.store.display_url

    # -- trust -----------------------------------------------------------------------
    def read_key(self, path: Path, gphc: str | None = None) -> KeyFile:
        """Read and check a key file (one naming no GPhC number needs ``gphc``)."""
        from rxlog.central.trust import read_key

        return read_key(Path(path), gphc)

    def trust(self, path: Path, name: str, gphc: str | None = None) -> tuple[KeyView, bool]:
        """Trust a key file's key for its technician's returns; (key, newly added)."""
        from rxlog.central.trust import trust_key

        return trust_key(self.store, Path(path), name, gphc)

    def trusted_keys(self) -> list[KeyView]:
        from rxlog.central.trust import list_keys

        return list_keys(self.store)

    def revoke(
        self, fingerprint: str, reason: str | None, withdraw_from: str | None
    ) -> tuple[KeyView, list[Withdrawn]]:
        from rxlog.central.trust import revoke_key

        return revoke_key(self.store, fingerprint, reason, withdraw_from)

    def signer_problem(self, fingerprint: str, manifest: dict[str, Any]) -> str | None:
        """Why the key ``fingerprint`` may not sign this return (``None``: it may)."""
        from rxlog.central.importer import trust_problem
        from rxlog.central.trust import key_for

        with self.store.read() as conn:
            key = key_for(conn, fingerprint)
        return trust_problem(key, manifest, fingerprint)

    # -- roster and calendar ---------------------------------------------------------
    def roster_add(self, gphc: str, name: str, start: str, end: str | None) -> RosterView:
        from rxlog.central.roster import roster_add

        return roster_add(self.store, gphc, name, start, end)

    def roster_end(self, gphc: str, on: str) -> RosterView:
        from rxlog.central.roster import roster_end

        return roster_end(self.store, gphc, on)

    def roster(self) -> list[RosterView]:
        from rxlog.central.roster import roster_list

        return roster_list(self.store)

    def set_calendar(
        self, baseline: tuple[str, str], pilot: tuple[str, str]
    ) -> dict[str, tuple[str, str]]:
        from rxlog.central.roster import calendar_set

        return calendar_set(self.store, baseline, pilot)

    # -- import, status, returns -----------------------------------------------------
    def import_paths(
        self,
        paths: Sequence[Path],
        progress: Callable[[int, int, ImportResult], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> list[ImportResult]:
        """Import every return found in ``paths``, each whole or not at all."""
        from rxlog.central.importer import import_paths

        return import_paths(self.store, list(paths), progress, cancelled=cancelled)

    def status(self, date_from: str | None = None, date_to: str | None = None) -> StatusMatrix:
        """Each technician x month: received, reopened or missing."""
        from rxlog.central.status import status_matrix

        check_months(date_from, date_to)
        return status_matrix(self.store, date_from, date_to)

    def returns(self) -> list[ReturnListing]:
        """Every return version in the store, newest import first."""
        from sqlalchemy import select

        from rxlog.central.models import CentralReturn, TrustedKey

        r, k = CentralReturn.__table__, TrustedKey.__table__
        query = (
            select(
                r.c.return_id,
                r.c.version,
                r.c.state,
                r.c.technician,
                r.c.month,
                r.c.main_site,
                r.c.rows,
                k.c.name,
                r.c.imported_at,
            )
            .select_from(r.outerjoin(k, k.c.fingerprint == r.c.key_fingerprint))
            .order_by(r.c.imported_at.desc())
        )
        with self.store.read() as conn:
            rows = conn.execute(query).all()
        return [ReturnListing(*row[:8], row[8][:19].replace("T", " ")) for row in rows]

    # -- export and report -----------------------------------------------------------
    def export(
        self,
        out: Path,
        *,
        xlsx: bool = True,
        date_from: str | None = None,
        date_to: str | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> ExportResult:
        """The combined dataset (CSV, and a workbook unless ``xlsx`` is false)."""
        from rxlog.central.export import ExportOptions, export_dataset

        check_months(date_from, date_to)
        return export_dataset(
            self.store, ExportOptions(Path(out), xlsx, date_from, date_to), progress
        )

    def report(
        self,
        out: Path,
        *,
        date_from: str | None = None,
        date_to: str | None = None,
        organisation: str | None = None,
        json_out: Path | None = None,
    ) -> ReportWritten:
        """The evidence report (PDF) at ``out``, and its figures as JSON at ``json_out``."""
        from rxlog.central.report_pdf import ReportOptions, write_report

        check_months(date_from, date_to)
        check_report_files(out, json_out)
        out = Path(out)
        data = self.gather(date_from, date_to)
        opts = (
            ReportOptions(out)
            if not organisation
            else ReportOptions(out, organisation=organisation)
        )
        write_report(data, opts)
        if json_out is not None:
            from rxlog.central.report_json import write_json

            write_json(data, Path(json_out))
        return ReportWritten(
            data.returns,
            out,
            Path(json_out) if json_out else None,
            tuple(data.cost.unvalued_sectors()) if data.cost is not None else (),
        )

    def gather(self, date_from: str | None = None, date_to: str | None = None) -> ReportData:
        """The report's figures for the months ``date_from``..``date_to``."""
        from rxlog.central.report_data import gather

        return gather(self.store, date_from, date_to)
