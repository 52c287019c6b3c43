"""Signing a month off: write its return atomically, then lock it; and reopening it.

:func:`export_month` is the one operation the CLI (``rxlog export``) and the app's
Month dialog call. Order matters for "nothing half-done":

1. check everything that can be wrong (month, entries, keys, passphrase, folder);
2. build every file in memory, sign the PDF and the manifest;
3. write all files under temporary names in the output folder and sync them;
4. in one database transaction, record the lock and the return, rename the files
   into place, and commit; if the rename or the commit fails, the files go.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from rxlog.dates import parse_month
from rxlog.errors import StorageError, TaxonomyError, ValidationError
from rxlog.export import keys as keymod
from rxlog.export.atomic import FileBatch
from rxlog.export.csv_writer import write_csv
from rxlog.export.month_data import MonthData, collect, stored_rows
from rxlog.export.nhsmail import NHSMAIL_LIMIT_BYTES, nhsmail_warnings
from rxlog.export.outgoing import Composed, outgoing_texts
from rxlog.export.pending import clear_note, entries_sha256, write_note
from rxlog.export.unit_costs import SETTING_KEY as UNIT_COST_SETTING
from rxlog.export.unit_costs import UnitCosts, load_unit_costs
from rxlog.identifiers import check_outgoing, check_outgoing_texts, check_return_text
from rxlog.returnformat import FORMAT, subject_for
from rxlog.returnformat.eml import EmlOptions, write_eml
from rxlog.returnformat.manifest import manifest_file_bytes, sign_manifest
from rxlog.settings import LEAD_EMAIL
from rxlog.storage.models import MonthLock, ReturnRecord

if TYPE_CHECKING:
    from rxlog.service import RxLog

MAX_REOPEN_REASON = 500
_BY_ID = attrgetter("id")
_EMAIL = re.compile(r"[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[A-Za-z]{2,}")


def check_email(value: str) -> str:
    """A plausible e-mail address, trimmed; else ``ValidationError``."""
    value = (value or "").strip()
    if not _EMAIL.fullmatch(value):
        raise ValidationError(f"{value!r} is not an e-mail address", "lead-email")
    if not value.isascii():
        raise ValidationError(
            f"{value!r} has letters an e-mail draft cannot address (such as accents); "
            "type the address in plain letters, as NHSmail shows it",
            "lead-email",
        )
    # The address is the draft's To: header, which leaves the PC.
    return check_outgoing(value, "lead-email", "the lead's e-mail address")


def set_lead_email(app: RxLog, value: str) -> str:
    """Set the address the e-mail draft is sent to (the project lead's)."""
    value = check_email(value)
    app.settings[LEAD_EMAIL] = value
    return value


@dataclass(frozen=True)
class ExportOptions:
    out_dir: Path
    passphrase: str | None = None
    now: datetime | None = None  # the export's time (default: now, UTC)
    # the size over which the draft is warned about (NHSmail's attachment limit)
    mail_limit: int = NHSMAIL_LIMIT_BYTES
    nil: bool = False  # a signed "nothing this month" return (the month has no entries)


@dataclass(frozen=True)
class ExportResult:
    month: str
    version: int
    return_id: str
    folder: Path
    csv: Path
    pdf: Path
    manifest: Path
    eml: Path
    fingerprint: str
    rows: int
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def files(self) -> list[Path]:
        return [self.csv, self.pdf, self.manifest, self.eml]


def _now(options: ExportOptions) -> datetime:
    return (options.now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)


def next_version(app: RxLog, month: str) -> tuple[int, int | None, str | None]:
    """(version, supersedes, reason) the next export of ``month`` gets; refuses a locked month."""
    with app.db.transaction() as s:
        lock = s.get(MonthLock, month)
        if lock is None:
            return 1, None, None
        if lock.locked and lock.version == 0:  # rxlog.handover.HANDED_OVER
            raise ValidationError(
                f"{month} was handed over to another PC ({(lock.locked_at or '')[:10]}): "
                "its return is sent from there",
                "month",
            )
        if lock.version == 0:  # handed over, then reopened here: a first version
            return 1, None, None
        if lock.locked:
            raise ValidationError(
                f"{month} is already signed off (return v{lock.version}); its files are where "
                f"you exported them. To change and send it again: "
                f'rxlog month reopen {month} --reason "..."',
                "month",
            )
        return lock.version + 1, lock.version, lock.reopen_reason


def signed_unit_cost_version(app: RxLog, month: str) -> tuple[int, str] | None:
    """(return version, unit-cost table) of the month's last return written on this PC;
    None if none was, or its manifest names no table."""
    with app.db.transaction() as s:
        row = s.execute(
            select(ReturnRecord.version, ReturnRecord.manifest)
            .where(ReturnRecord.month == month)
            .order_by(ReturnRecord.exported_at.desc(), ReturnRecord.id.desc())
            .limit(1)
        ).first()
    if row is None:
        return None
    try:
        table = json.loads(row.manifest)["manifest"].get("unit_cost_version")
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    return (row.version, table) if isinstance(table, str) and table else None


def new_month_unit_cost_version(app: RxLog) -> str:
    """The unit-cost table a month never signed off is costed with: the one set with
    ``rxlog config set unit-cost-version``, else the newest shipped."""
    from rxlog.export.unit_costs import available_versions

    chosen = app.setting(UNIT_COST_SETTING)
    return chosen or next(iter(available_versions()[-1:]), "")


def unit_costs_for(app: RxLog, month: str, signed: tuple[int, str] | None) -> UnitCosts:
    """The unit-cost table an export of ``month`` uses. A month already signed off keeps
    the table its last return was signed with when it is reopened and sent again, so
    only the corrections change its cost avoided; any other month takes
    :func:`new_month_unit_cost_version`. ``signed``: the month's
    :func:`signed_unit_cost_version`."""
    if signed is None:
        return load_unit_costs(app.setting(UNIT_COST_SETTING))
    version, table = signed
    try:
        return load_unit_costs(table)
    except TaxonomyError as exc:
        raise TaxonomyError(
            f"{month} was signed off (return v{version}) with unit-cost table {table}, and "
            f"a new version of it keeps that table; this RxLog cannot read it: {exc}"
        ) from None


def _check_month(app: RxLog, month: str) -> str:
    first, _last = parse_month(month)
    norm = f"{first.year:04d}-{first.month:02d}"
    if first > app.today():
        raise ValidationError(f"{norm} is in the future: there is nothing to sign off yet", "month")
    return norm


def _check_out_dir(out_dir: Path) -> None:
    """Refuse a folder that cannot be written. A missing folder whose parent exists is
    fine: it is created once everything else has been checked (see ``export_month``)."""
    from rxlog.storage.paths import check_folder

    check_folder(out_dir, "out")  # Windows: reserved names, '?', ':', long paths
    if out_dir.exists() and not out_dir.is_dir():
        raise StorageError(f"{out_dir} is a file, not a folder")
    target = out_dir if out_dir.is_dir() else out_dir.parent
    if not out_dir.is_dir() and not target.is_dir():
        raise StorageError(
            f"the output folder {out_dir} does not exist, nor does {target}; create it first"
        )
    if not os.access(target, os.W_OK | os.X_OK):
        raise StorageError(f"cannot write to the output folder {target} (no permission)")


def build_manifest(
    data: MonthData, keys: Any, files: dict[str, bytes], exported_at: datetime
) -> dict[str, Any]:
    entries = data.entries
    return {
        "format": FORMAT,
        "return_id": data.return_id,
        "version": data.version,
        "supersedes": data.supersedes,
        "supersedes_reason": data.supersedes_reason,
        "technician": {"name": data.technician.name, "gphc": data.technician.gphc},
        **(
            {"installation": {"id": data.installation.id, "name": data.installation.name}}
            if data.installation is not None
            else {}
        ),
        **({"nil": True} if data.nil else {}),
        "month": data.month,
        "sites": [
            {
                "ods": ods,
                "name": data.site_names.get(ods, ""),
                "site_kind": data.site_kinds.get(ods, ""),
                "sector": next(e.sector for e in entries if e.site == ods),
            }
            for ods in data.sites_used
        ],
        "main_site": data.main_site,
        "taxonomy_versions": sorted({e.taxonomy_version for e in entries}),
        "unit_cost_version": data.unit_costs.version,
        "exported_at": exported_at.isoformat(),
        "pdf_certificate_sha256": keys.certificate_sha256,
        "files": {
            name: {"sha256": hashlib.sha256(b).hexdigest(), "bytes": len(b)}
            for name, b in files.items()
        },
        "rows": len(entries),
        "totals": {
            "entries": len(entries),
            "minutes": sum(e.minutes for e in entries),
            "count": sum(e.count or 0 for e in entries),
            "interventions": sum(1 for e in entries if e.significance is not None),
            "released_minutes": sum(e.released_minutes or 0 for e in entries),
            "cost_avoided": f"{data.total_cost_avoided:.2f}",
        },
    }


def _email_body(data: MonthData, names: list[str]) -> str:
    v = f"version {data.version}"
    if data.supersedes:
        v += f", which replaces version {data.supersedes}"
    inst = f"Installation: {data.installation.label}\n" if data.installation else ""
    nil = "This is a nil return: nothing was done on this PC this month.\n\n" if data.nil else ""
    return (
        f"Please find attached my RxLog monthly return for {data.month} ({v}).\n\n"
        + nil
        + inst
        + f"Main site: {data.main_site}\n"
        f"Entries: {len(data.entries)}\n\n"
        "Attached:\n" + "".join(f"  - {n}\n" for n in names) + "\n"
        "The manifest is signed; check the return with: rxlog verify <folder>\n\n"
        f"{data.technician.name}\n"
    )


def _certificate_cn(keys: Any) -> str | None:
    from cryptography.x509.oid import NameOID

    names = keys.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else None


def _legacy_id(app: RxLog, month: str) -> bool:
    """Did a version of ``month`` go out before installations (a return id without one)?"""
    tech = app.technician()
    if tech is None:
        return False
    with app.db.transaction() as s:
        found = s.execute(
            select(ReturnRecord.id).where(
                ReturnRecord.month == month, ReturnRecord.return_id == f"{tech.gphc}-{month}"
            )
        ).first()
    return found is not None


@dataclass(frozen=True)
class _Draft:
    """A month's return as checked, before anything is built or written."""

    month: str
    version: int
    out_dir: Path
    data: MonthData
    lead: str | None
    keys: Any
    names: dict[str, str]
    subject: str
    body: str
    signed: tuple[int, str] | None  # signed_unit_cost_version of the month


def _prepare(app: RxLog, month: str, options: ExportOptions) -> _Draft:
    """Step 1: everything that can be wrong (month, entries, texts, keys, folder)."""
    month = _check_month(app, month)
    version, supersedes, reason = next_version(app, month)
    out_dir = Path(options.out_dir)
    _check_out_dir(out_dir)
    signed = signed_unit_cost_version(app, month)
    unit_costs = unit_costs_for(app, month, signed)
    data = collect(
        app, month, unit_costs, version, supersedes, reason, _legacy_id(app, month), options.nil
    )
    lead = app.settings[LEAD_EMAIL]
    # The identifier filter, on the texts stored before the input checks too.
    check_outgoing_texts(outgoing_texts(data, lead_email=lead, certificate_cn=None))
    keys = keymod.load_signing_keys(app.db.data_dir, options.passphrase)
    names = {ext: f"{data.base_name}.{ext}" for ext in ("csv", "pdf", "manifest.json", "eml")}
    subject = subject_for(
        data.main_site,
        data.technician.gphc,
        month,
        version,
        data.installation.short if data.installation else None,
    )
    body = _email_body(data, [names[k] for k in ("csv", "pdf", "manifest.json")])
    composed = Composed(tuple(names.values()), subject, body)
    check_outgoing_texts(
        outgoing_texts(
            data, lead_email=lead, certificate_cn=_certificate_cn(keys), composed=composed
        )
    )
    for name in names.values():
        if (out_dir / name).exists():
            raise StorageError(
                f"{out_dir / name} already exists; choose another folder or move it away"
            )
    return _Draft(month, version, out_dir, data, lead, keys, names, subject, body, signed)


def _build(
    app: RxLog, d: _Draft, exported_at: datetime
) -> tuple[list[tuple[str, bytes]], bytes, bytes]:
    """Step 2: every file in memory, the PDF and the manifest signed: (the signed files
    and the manifest, the manifest's bytes, the e-mail draft's bytes)."""
    from rxlog.export.pdf_writer import PdfOptions, write_pdf
    from rxlog.returnformat.pdf import sign_pdf

    data, names, keys = d.data, d.names, d.keys
    pdf_plain = write_pdf(
        data,
        PdfOptions(signed_on=app.today(), fingerprint=keys.fingerprint, base_name=data.base_name),
    )
    pdf_bytes = sign_pdf(
        pdf_plain,
        keys,
        signer_name=data.technician.name,
        reason=f"Sign-off of the RxLog return {data.return_id} v{data.version}",
        location=data.main_site,
    )
    signed_files = {names["csv"]: write_csv(data), names["pdf"]: pdf_bytes}
    document = sign_manifest(build_manifest(data, keys, signed_files, exported_at), keys.ed25519)
    manifest_bytes = manifest_file_bytes(document)
    attachments = [*signed_files.items(), (names["manifest.json"], manifest_bytes)]
    eml_bytes = write_eml(
        EmlOptions(to=d.lead, subject=d.subject, body=d.body, when=exported_at), attachments
    )
    return attachments, manifest_bytes, eml_bytes


def _export_warnings(app: RxLog, d: _Draft, eml_size: int, options: ExportOptions) -> list[str]:
    warnings = []
    if d.data.first <= app.today() <= d.data.last:
        warnings.append(
            f"{d.month} is not over yet: from now on entries for its remaining days are "
            f'refused until you reopen it (rxlog month reopen {d.month} --reason "...")'
        )
    if not d.lead:
        warnings.append(
            "no lead e-mail address is set, so the draft has no recipient "
            "(rxlog config set lead-email ADDRESS)"
        )
    kept = d.data.unit_costs.version
    if d.signed is not None and kept != (new := new_month_unit_cost_version(app)):
        warnings.append(
            f"{d.month} is costed with unit-cost table {kept}, as its return v{d.signed[0]} "
            f"was, so that only your corrections change its cost avoided; new months use "
            f"table {new}"
        )
    return warnings + nhsmail_warnings(eml_size, d.lead, options.mail_limit)


def _write(
    app: RxLog,
    d: _Draft,
    exported_at: datetime,
    files: tuple[tuple[str, bytes], ...],
    manifest_bytes: bytes,
) -> None:
    """Steps 3 and 4: a backup first, the files under temporary names, then the lock and
    the record with the renames in one transaction; on any failure nothing is left."""
    from rxlog.storage.backups import backup_before

    backup_before(app, "export")  # the month is about to be locked: keep a copy first
    out_dir = d.out_dir
    created = not out_dir.is_dir()
    try:
        if created:
            from rxlog.storage.privacy import make_private_dir

            make_private_dir(out_dir, parents=False)
    except OSError as exc:
        raise StorageError(f"cannot create the output folder {out_dir}: {exc.strerror}") from None
    batch = FileBatch(out_dir)
    note = {
        "month": d.month,
        "version": d.version,
        "out_dir": str(out_dir.resolve()),
        "files": {n: hashlib.sha256(b).hexdigest() for n, b in files},
        "manifest_sha256": hashlib.sha256(manifest_bytes).hexdigest(),
    }
    try:
        for name, payload in files:
            batch.add(name, payload)
        write_note(app.db.data_dir, note)  # found at the next start if we die mid-way
        _record(app, d.data, exported_at, out_dir, manifest_bytes, batch)
        clear_note(app.db.data_dir)
    except BaseException:
        batch.discard()
        clear_note(app.db.data_dir)
        if created:
            with contextlib.suppress(OSError):
                out_dir.rmdir()  # only if empty: a failed export leaves nothing behind
        raise


def export_month(app: RxLog, month: str, options: ExportOptions) -> ExportResult:
    """Sign ``month`` off: write its return into ``options.out_dir`` and lock the month."""
    d = _prepare(app, month, options)
    exported_at = _now(options)
    attachments, manifest_bytes, eml_bytes = _build(app, d, exported_at)
    warnings = _export_warnings(app, d, len(eml_bytes), options)
    _write(app, d, exported_at, (*attachments, (d.names["eml"], eml_bytes)), manifest_bytes)
    out_dir, names = d.out_dir, d.names
    return ExportResult(
        month=d.month,
        version=d.version,
        return_id=d.data.return_id,
        folder=out_dir,
        csv=out_dir / names["csv"],
        pdf=out_dir / names["pdf"],
        manifest=out_dir / names["manifest.json"],
        eml=out_dir / names["eml"],
        fingerprint=d.keys.fingerprint,
        rows=len(d.data.entries),
        warnings=tuple(warnings),
    )


def _record(
    app: RxLog,
    data: MonthData,
    exported_at: datetime,
    out_dir: Path,
    manifest_bytes: bytes,
    batch: FileBatch,
) -> None:
    """Lock the month and record the return, with the files renamed into place inside."""
    first, last = data.first, data.last
    with app.db.transaction() as s:
        # The columns as plain rows (attribute access, as entries_sha256 reads them):
        # ORM objects for every entry took longer than hashing them, SQLAlchemy's rows
        # as long as the read (see stored_rows).
        rows = sorted(stored_rows(s, first, last), key=_BY_ID)
        if data.rows is not None:
            # The month as the return read it, every column: the same rows, or not.
            same = rows == sorted(data.rows, key=_BY_ID)
            signed = entries_sha256(rows)  # what the return holds (it is these rows)
        else:
            signed = entries_sha256(data.entries)  # what the return holds, every column
            same = entries_sha256(rows) == signed
        if not same:
            raise ValidationError(
                f"{data.month} changed while the return was being written (an entry was "
                "logged, edited or deleted meanwhile): nothing was locked or kept; export it "
                "again",
                "month",
            )
        lock = s.get(MonthLock, data.month)
        if lock is None:
            lock = MonthLock(month=data.month, version=data.version, locked=1)
            s.add(lock)
        elif lock.locked or lock.version != data.version - 1:
            raise ValidationError(f"{data.month} was signed off meanwhile; nothing written")
        lock.version = data.version
        lock.locked = 1
        lock.locked_at = exported_at.isoformat()
        s.flush()
        s.add(
            ReturnRecord(
                return_id=data.return_id,
                month=data.month,
                version=data.version,
                supersedes=str(data.supersedes) if data.supersedes else None,
                reason=data.supersedes_reason,
                exported_at=exported_at.isoformat(),
                out_dir=str(out_dir.resolve()),
                manifest=manifest_bytes.decode("utf-8"),
                entries_sha256=signed,
            )
        )
        s.flush()
        batch.commit()  # files in place; the transaction commits when this block ends


def reopen_month(app: RxLog, month: str, reason: str) -> MonthLock:
    """Unlock a signed-off month; its next export is the next version, superseding this."""
    first, _ = parse_month(month)
    month = f"{first.year:04d}-{first.month:02d}"
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("say why the month is reopened (--reason TEXT)", "reason")
    if len(reason) > MAX_REOPEN_REASON:
        raise ValidationError(f"the reason is longer than {MAX_REOPEN_REASON} characters", "reason")
    # The reason is printed in the next version's PDF and signed manifest.
    check_return_text(reason, "reason", "the reason")
    with app.db.transaction() as s:
        lock = s.get(MonthLock, month)
        if lock is None:
            raise ValidationError(f"{month} has not been signed off: it is open already", "month")
        if not lock.locked:
            raise ValidationError(
                f"{month} is already reopened (since {lock.reopened_at}: {lock.reopen_reason})",
                "month",
            )
        lock.locked = 0
        lock.reopened_at = datetime.now(UTC).replace(microsecond=0).isoformat()
        lock.reopen_reason = reason
        s.flush()
        s.expunge(lock)
        return lock


def returns_of(app: RxLog, month: str | None = None) -> list[dict[str, Any]]:
    """The returns written (newest last), as plain dicts."""
    if month:
        first, _ = parse_month(month)
        month = f"{first.year:04d}-{first.month:02d}"
    with app.db.transaction() as s:
        q = select(ReturnRecord).order_by(ReturnRecord.month, ReturnRecord.version)
        if month:
            q = q.where(ReturnRecord.month == month)
        return [
            {
                "return_id": r.return_id,
                "month": r.month,
                "version": r.version,
                "supersedes": r.supersedes,
                "reason": r.reason,
                "exported_at": r.exported_at,
                "out_dir": r.out_dir,
                "files": sorted(json.loads(r.manifest)["manifest"]["files"]),
            }
            for r in s.execute(q).scalars()
        ]
