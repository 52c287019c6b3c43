"""Moving a month between PCs (issue 12): ``rxlog handover YYYY-MM --out FILE`` on the old
PC, ``rxlog handover import FILE`` on the new one.

The old PC writes the month's entries (with their ids and a summary of each one's audit
history) into a file signed with the installation's key, then closes the month there
(a month lock of version 0, recorded in the audit trail): the month's return is sent
from the new PC. Notes travel only with ``--with-notes`` (they may hold patient
identifiers), and the file is then encrypted to the technician's passphrase (the
project's Argon2id KDF from :mod:`rxlog.export.keys` and AES-256-GCM, ``cryptography``).

The new PC checks everything before it adds a thing: the layout and signature, that the
file is its own technician's, that the month is not signed off there, and every entry
(as ``rxlog log`` checks it). An entry already here with the same fields is left alone
(a second import changes nothing); one already here with other fields is a clash, and
clashes refuse the whole file with a list.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rxlog.errors import StorageError, ValidationError
from rxlog.returnformat import short_installation_id

if TYPE_CHECKING:
    from rxlog.service import RxLog

FORMAT = "rxlog-handover/1"
ENCRYPTED = "rxlog-handover-encrypted/1"
MAX_BYTES = 50_000_000
HANDED_OVER = 0  # the month-lock version that marks a month handed over to another PC
_FIELDS = (
    "code",
    "date",
    "site",
    "minutes",
    "count",
    "significance",
    "harm",
    "released_minutes",
    "outcome",
    "discharge_received",
    "admitted",  # added with schema 0007; a file from before it has neither (None)
    "time",
)
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_LISTED = 10


@dataclass(frozen=True)
class HandoverResult:
    month: str
    entries: int
    added: int = 0
    unchanged: int = 0
    with_notes: bool = False
    message: str = ""


def _bad(why: str) -> ValidationError:
    return ValidationError(f"the handover file {why}; nothing was changed", "handover")


def _file_bytes(document: dict[str, Any]) -> bytes:
    return (json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


# -- encryption ------------------------------------------------------------------------
# The project's one passphrase KDF (rxlog.export.keys: Argon2id, 64 MiB, 3 passes, 4
# lanes) and AES-256-GCM, with the header as associated data.
def _header(salt: bytes, cost: Any, nonce: bytes) -> dict[str, Any]:
    return {
        "format": ENCRYPTED,
        "kdf": "argon2id",
        "memory_kib": cost.memory_kib,
        "iterations": cost.iterations,
        "lanes": cost.lanes,
        "salt": base64.b64encode(salt).decode("ascii"),
        "cipher": "aes-256-gcm",
        "nonce": base64.b64encode(nonce).decode("ascii"),
    }


def encrypt(plain: bytes, passphrase: str) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from rxlog.export.keys import KDF_COST, _derive

    salt, nonce = os.urandom(16), os.urandom(12)
    header = _header(salt, KDF_COST, nonce)
    aad = json.dumps(header, sort_keys=True).encode()
    sealed = AESGCM(_derive(passphrase, salt, KDF_COST)).encrypt(nonce, plain, aad)
    return _file_bytes({**header, "ciphertext": base64.b64encode(sealed).decode("ascii")})


def decrypt(document: dict[str, Any], passphrase: str | None) -> bytes:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from rxlog.export.keys import KdfCost, _derive

    if passphrase is None:
        raise ValidationError(
            "the handover file is encrypted (it carries notes): give its passphrase "
            "(--passphrase-file FILE or RXLOG_KEY_PASSPHRASE)",
            "passphrase",
        )
    try:
        doc = dict(document)
        sealed = base64.b64decode(doc.pop("ciphertext"), validate=True)
        cost = KdfCost(int(doc["memory_kib"]), int(doc["iterations"]), int(doc["lanes"]))
        salt = base64.b64decode(doc["salt"], validate=True)
        nonce = base64.b64decode(doc["nonce"], validate=True)
        if doc != _header(salt, cost, nonce) or not (
            8 <= cost.memory_kib <= 4 * 1024 * 1024
            and 1 <= cost.iterations <= 64
            and 1 <= cost.lanes <= 64
            and len(salt) >= 16
            and len(nonce) == 12
        ):
            raise ValueError
    except (KeyError, TypeError, ValueError, binascii.Error):
        raise _bad("is not an RxLog handover (its encryption header is bad)") from None
    aad = json.dumps(doc, sort_keys=True).encode()
    try:
        return AESGCM(_derive(passphrase, salt, cost)).decrypt(nonce, sealed, aad)
    except InvalidTag:
        raise ValidationError(
            "wrong passphrase for the handover file, or the file was changed; nothing was changed",
            "passphrase",
        ) from None


# -- writing (the old PC) ----------------------------------------------------------------
def _history(app: RxLog, entry_ids: list[str]) -> dict[str, dict[str, Any]]:
    from sqlalchemy import select

    from rxlog.storage.models import AuditRecord

    out: dict[str, dict[str, Any]] = {}
    with app.db.transaction() as s:
        for i in range(0, len(entry_ids), 500):
            q = (
                select(AuditRecord.entry_id, AuditRecord.at, AuditRecord.action)
                .where(AuditRecord.entry_id.in_(entry_ids[i : i + 500]))
                .order_by(AuditRecord.seq)
            )
            for entry_id, at, action in s.execute(q):
                h = out.setdefault(entry_id, {"records": 0, "first": at, "actions": []})
                h["records"] += 1
                h["last"] = at
                if action not in h["actions"]:
                    h["actions"].append(action)
    return out


def write_handover(
    app: RxLog,
    month: str,
    dest: Path,
    *,
    with_notes: bool = False,
    passphrase: str | None = None,
    now: datetime | None = None,
) -> HandoverResult:
    """Write ``month``'s entries to ``dest`` and close the month on this PC (audited)."""
    from rxlog.dates import parse_month
    from rxlog.export import keys as keymod
    from rxlog.export.atomic import write_atomic
    from rxlog.returnformat.manifest import sign_manifest

    first, _ = parse_month(month)
    month = f"{first.year:04d}-{first.month:02d}"
    dest = Path(dest)
    tech = _check_can_hand_over(app, month, dest, with_notes, passphrase)
    keys = keymod.load_signing_keys(app.db.data_dir, passphrase)
    items = _handover_items(app, month, with_notes)
    inst = app.installation()
    written = (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="microseconds")
    payload = {
        "format": FORMAT,
        "month": month,
        "written_at": written,
        "technician": {"name": tech.name, "gphc": tech.gphc},
        "installation": {"id": inst.id, "name": inst.name},
        "with_notes": with_notes,
        "entries": items,
    }
    signed = sign_manifest(payload, keys.ed25519)
    data = _file_bytes({"handover": payload, "signature": signed["signature"]})
    if with_notes:
        assert passphrase is not None
        data = encrypt(data, passphrase)
    write_atomic(dest, data)
    try:
        _close_month_here(app, month, written, len(items), with_notes, dest.name, tech.gphc)
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    return HandoverResult(
        month,
        len(items),
        with_notes=with_notes,
        message=f"{len(items)} entries of {month} written to {dest}; {month} is closed here",
    )


def _check_can_hand_over(
    app: RxLog, month: str, dest: Path, with_notes: bool, passphrase: str | None
) -> Any:
    """The technician, once every reason to refuse is ruled out (nothing written yet)."""
    from rxlog.export import keys as keymod

    tech = app.technician()
    if tech is None:
        raise ValidationError("set up the technician first (rxlog setup)", "setup")
    dest = Path(dest)
    if dest.name in ("", "..") or dest.is_dir():
        raise ValidationError(f"{str(dest)!r} is a folder: give the file to write", "out")
    if dest.exists():
        raise StorageError(f"{dest} already exists; choose another name or move it away")
    lock = app.month_lock(month)
    if lock is not None and lock.locked:
        what = "handed over already" if lock.version == HANDED_OVER else "signed off"
        raise ValidationError(
            f"{month} is {what} on this PC: its entries cannot be handed over", "month"
        )
    if with_notes and not passphrase:
        raise ValidationError(
            "--with-notes encrypts the file to your passphrase: give one "
            "(--passphrase-file FILE or RXLOG_KEY_PASSPHRASE)",
            "passphrase",
        )
    if with_notes:
        keymod.check_new_passphrase(passphrase)
    return tech


def _handover_items(app: RxLog, month: str, with_notes: bool) -> list[dict[str, Any]]:
    """The month's entries as the file carries them, each with its audit history."""
    entries = app.month(month)
    history = _history(app, [e.id for e in entries])
    items = []
    for e in entries:
        d = e.to_dict()
        item = {k: d[k] for k in _FIELDS}
        item.update(id=e.id, sector=e.sector, created_at=e.created_at, updated_at=e.updated_at)
        item["history"] = history.get(e.id, {"records": 0, "actions": []})
        if with_notes:
            item["note"] = e.note
        items.append(item)
    return items


def _close_month_here(
    app: RxLog, month: str, written: str, count: int, with_notes: bool, file: str, gphc: str
) -> None:
    """Lock ``month`` on this PC as handed over, in the audit trail."""
    from rxlog import audit
    from rxlog.storage.models import MonthLock

    with app.db.transaction() as s:
        row = s.get(MonthLock, month)
        if row is None:
            row = MonthLock(month=month, version=HANDED_OVER, locked=1)
            s.add(row)
        row.version = HANDED_OVER if row.version in (None, HANDED_OVER) else row.version
        row.locked = 1
        row.locked_at = written
        s.flush()
        audit.append(
            s,
            action="handover",
            entry_id=f"month:{month}",
            before=None,
            after={"entries": count, "with_notes": with_notes, "file": file},
            reason=f"{month} handed over to another PC; closed here",
            technician=gphc,
        )


# -- reading (the new PC) ------------------------------------------------------------------
def read_handover(path: Path, passphrase: str | None = None) -> dict[str, Any]:
    """The checked payload of a handover file (decrypted first when it is encrypted)."""
    from rxlog.returnformat import ReturnVerificationError
    from rxlog.returnformat.manifest import _check_signature

    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise StorageError(f"cannot read the handover file {path}: {exc.strerror}") from None
    if len(data) > MAX_BYTES:
        raise _bad("is larger than any handover RxLog writes")
    document = _json(data)
    if document.get("format") == ENCRYPTED:
        data = decrypt(document, passphrase)
        document = _json(data)
    if set(document) != {"handover", "signature"} or not all(
        isinstance(document[k], dict) for k in document
    ):
        raise _bad("is not an RxLog handover")
    if _file_bytes(document) != data:
        raise _bad("was changed (it is not laid out as RxLog wrote it)")
    payload = document["handover"]
    try:
        fingerprint = _check_signature(payload, document["signature"])
    except ReturnVerificationError:
        raise _bad("was changed after it was signed, or its signature is not valid") from None
    _check_payload(payload)
    payload["_fingerprint"] = fingerprint
    return payload


def _json(data: bytes) -> dict[str, Any]:
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _bad("is not an RxLog handover (not UTF-8 JSON)") from None
    if not isinstance(document, dict):
        raise _bad("is not an RxLog handover")
    return document


def _check_payload(p: dict[str, Any]) -> None:
    keys = {"format", "month", "written_at", "technician", "installation", "with_notes", "entries"}
    if p.get("format") != FORMAT or set(p) != keys:
        raise _bad(f"is not in a format this RxLog reads (expected {FORMAT})")
    if not isinstance(p["month"], str) or not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", p["month"]):
        raise _bad("names no month")
    tech, inst = p["technician"], p["installation"]
    if not isinstance(tech, dict) or not isinstance(tech.get("gphc"), str):
        raise _bad("names no technician")
    if not isinstance(inst, dict) or not _UUID.fullmatch(str(inst.get("id"))):
        raise _bad("names no installation")
    if not isinstance(p["entries"], list) or not isinstance(p["with_notes"], bool):
        raise _bad("has no list of entries")
    for e in p["entries"]:
        if not isinstance(e, dict) or not _UUID.fullmatch(str(e.get("id"))):
            raise _bad("has an entry without a proper id")
        if not isinstance(e.get("date"), str) or not e["date"].startswith(p["month"]):
            raise _bad(f"has entry {str(e.get('id'))[:8]} outside {p['month']}")
        if "note" in e and not p["with_notes"]:
            raise _bad("carries a note although it says it carries none")


def _as_input(e: dict[str, Any], with_notes: bool) -> Any:
    from rxlog.domain import EntryInput

    def day(v: Any) -> date | None:
        return date.fromisoformat(v) if isinstance(v, str) else None

    def whole(v: Any) -> int | None:
        return v if isinstance(v, int) and not isinstance(v, bool) else None

    from rxlog.dates import parse_clock, parse_date_time

    try:
        admitted = parse_date_time(e["admitted"]) if e.get("admitted") is not None else None
        at = parse_clock(e["time"]) if e.get("time") is not None else None
    except ValidationError as exc:
        raise _bad(f"entry {str(e.get('id'))[:36]}: {exc.message}") from None

    return EntryInput(
        code=str(e.get("code") or ""),
        date=day(e.get("date")),
        site=e.get("site") if isinstance(e.get("site"), str) else None,
        minutes=whole(e.get("minutes")),
        count=whole(e.get("count")),
        significance=whole(e.get("significance")),
        harm=e.get("harm") if isinstance(e.get("harm"), str) else None,
        released_minutes=whole(e.get("released_minutes")),
        outcome=e.get("outcome") if isinstance(e.get("outcome"), str) else None,
        discharge_received=day(e.get("discharge_received")),
        admitted=admitted,
        time=at,
        note=e.get("note") if with_notes and isinstance(e.get("note"), str) else None,
        id=str(e["id"]),
    )


def _same(here: Any, e: dict[str, Any], with_notes: bool) -> bool:
    d = here.to_dict()
    if any(d[k] != e.get(k) for k in _FIELDS):
        return False
    return not with_notes or (here.note or None) == (e.get("note") or None)


def _check_importable(app: RxLog, p: dict[str, Any]) -> Any:
    """This PC's technician, once the file is known to be theirs, from another
    installation, for a month still open here."""
    tech = app.technician()
    if tech is None:
        raise ValidationError("set up the technician first (rxlog setup)", "setup")
    if p["technician"]["gphc"] != tech.gphc:
        raise _bad(
            f"is GPhC {str(p['technician']['gphc'])[:10]}'s, not {tech.name}'s (GPhC {tech.gphc})"
        )
    if p["installation"]["id"] == app.installation().id:
        raise _bad("was written by this installation itself")
    month = p["month"]
    lock = app.month_lock(month)
    if lock is not None and lock.locked:
        raise _bad(
            f"is for {month}, which is already signed off on this PC (return v{lock.version}); "
            f'reopen it first (rxlog month reopen {month} --reason "...")'
            if lock.version != HANDED_OVER
            else f"is for {month}, which this PC has handed over itself"
        )
    return tech


def _refuse_clashes(entries: list[dict[str, Any]], have: dict[str, Any], with_notes: bool) -> None:
    """Refuse the file if an entry here has the same id but other fields."""
    clashes = [e for e in entries if e["id"] in have and not _same(have[e["id"]], e, with_notes)]
    if clashes:
        listed = ", ".join(
            f"{e['date']} {e.get('code')} ({e['id'][:8]})" for e in clashes[:_LISTED]
        )
        more = f" and {len(clashes) - _LISTED} more" if len(clashes) > _LISTED else ""
        raise _bad(
            f"has {len(clashes)} entries that clash with entries here (same id, other "
            f"fields): {listed}{more}"
        )


def _add_handed_over(
    app: RxLog, todo: list[dict[str, Any]], with_notes: bool, source: str, gphc: str
) -> None:
    """Add the entries in one transaction, each with its id; one refused refuses all."""
    from rxlog import entries as entrymod
    from rxlog import profile as prof
    from rxlog.errors import NotFoundError

    with app.db.transaction() as s:
        ctx = entrymod.load_context(s, app.taxonomy, app.today())
        for e in todo:
            h: dict[str, Any] = e["history"] if isinstance(e.get("history"), dict) else {}
            reason = (
                f"handed over from {source}: created {str(e.get('created_at'))[:19]}, "
                f"{h.get('records', 0)} audit records "
                f"({', '.join(map(str, h.get('actions', [])))}),"
                f" last {str(h.get('last', e.get('updated_at')))[:19]}"
            )
            try:
                entrymod.create(
                    s,
                    ctx,
                    _as_input(e, with_notes),
                    entry_id=e["id"],
                    reason=reason[:500],
                    technician=gphc,
                )
            except (ValidationError, NotFoundError) as exc:
                raise _bad(
                    f"has entry {e['date']} {e.get('code')} ({e['id'][:8]}) that this PC "
                    f"refuses: {exc.message}"
                ) from None
        prof.get_installation(s)


def import_handover(app: RxLog, path: Path, passphrase: str | None = None) -> HandoverResult:
    """Add a handover file's entries here, with their ids; all or nothing."""
    p = read_handover(path, passphrase)
    tech = _check_importable(app, p)
    month, with_notes = p["month"], p["with_notes"]
    have = app.get_many([e["id"] for e in p["entries"]])
    _refuse_clashes(p["entries"], have, with_notes)
    todo = [e for e in p["entries"] if e["id"] not in have]
    source = (
        f"{p['installation'].get('name', '?')} "
        f"({short_installation_id(str(p['installation']['id']))})"
    )
    _add_handed_over(app, todo, with_notes, source, tech.gphc)
    return HandoverResult(
        month,
        len(p["entries"]),
        added=len(todo),
        unchanged=len(p["entries"]) - len(todo),
        with_notes=with_notes,
        message=(
            f"{len(todo)} entries of {month} added from {source}"
            + (
                f"; {len(p['entries']) - len(todo)} already here, unchanged"
                if len(todo) < len(p["entries"])
                else ""
            )
        ),
    )
