"""The lead's registry of trusted installation keys: trust, list, revoke (and withdraw).

A key file is what ``rxlog key export`` writes (format:
:mod:`rxlog.returnformat.keyfile`): the installation's Ed25519 public key (signs
manifests), its self-signed certificate (signs the PDF) and a header naming the
technician, GPhC number and installation. Every trusted key is bound to exactly one
GPhC number: a return is accepted only from a key bound to its technician.
"""

from __future__ import annotations

import base64
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, or_, select, update

from rxlog.central.keyview import KeyView
from rxlog.central.keyview import key_view as _view
from rxlog.central.models import ENTRIES, EVENTS, RETURNS, SUMMARY, WITHDRAWALS
from rxlog.central.models import KEYS as _KEYS
from rxlog.central.store import CentralStore
from rxlog.clock import utc_now_iso
from rxlog.errors import NotFoundError, ValidationError
from rxlog.identifiers import validate_gphc
from rxlog.returnformat.keyfile import KeyFile, read_key_file
from rxlog.text import plain

MAX_REASON = 500


def fingerprint(raw: bytes) -> str:
    from rxlog.returnformat.keyfile import fingerprint_of

    return fingerprint_of(raw)


def read_key(path: Path, gphc: str | None = None) -> KeyFile:
    """Read a key file and settle the GPhC number it binds (``gphc`` for an old file)."""
    kf = read_key_file(path)
    if gphc is not None:
        gphc = validate_gphc(gphc)
        if kf.gphc is not None and kf.gphc != gphc:
            raise ValidationError(
                f"{Path(path).name} binds GPhC {kf.gphc}, not {gphc}; check who sent it",
                field="gphc",
            )
        if kf.certificate_gphc is not None and kf.certificate_gphc != gphc:
            raise ValidationError(
                f"{Path(path).name}: its certificate names GPhC {kf.certificate_gphc}, "
                f"not {gphc}; check who sent it",
                field="gphc",
            )
    bound = kf.gphc or gphc
    if bound is None:
        raise ValidationError(
            f"{Path(path).name} names no GPhC number (a key file from an earlier RxLog): "
            "ask the technician to run `rxlog key export` again, or give the number "
            "yourself with --gphc NUMBER",
            field="gphc",
        )
    from dataclasses import replace

    return replace(kf, gphc=bound)


def trust_key(
    store: CentralStore, path: Path, name: str, gphc: str | None = None
) -> tuple[KeyView, bool]:
    """Register a key file bound to its GPhC number; returns the key and whether it was
    newly added (or an unbound key now bound)."""
    name = plain(name or "").strip()
    if not name:
        raise ValidationError("give the installation a name (e.g. the technician's)", "name")
    if len(name) > 200:
        raise ValidationError("the name is longer than 200 characters", "name")
    kf = read_key(path, gphc)
    with store.begin() as conn:
        row = conn.execute(select(_KEYS).where(_KEYS.c.fingerprint == kf.fingerprint)).first()
        if row is not None:
            if row.revoked_at:
                raise ValidationError(
                    f"key {kf.fingerprint[:16]}… ({row.name}) was revoked on "
                    f"{row.revoked_at[:10]}; a revoked key is never trusted again: ask for a "
                    "new key",
                    field="keyfile",
                )
            if row.gphc is None:  # trusted before keys were bound: bind it now
                conn.execute(
                    update(_KEYS)
                    .where(_KEYS.c.fingerprint == kf.fingerprint)
                    .values(gphc=kf.gphc, technician=kf.name, installation=kf.installation)
                )
                return _view(
                    conn.execute(select(_KEYS).where(_KEYS.c.fingerprint == kf.fingerprint)).one()
                ), True
            if row.gphc != kf.gphc:
                raise ValidationError(
                    f"key {kf.fingerprint[:16]}… is already trusted for GPhC {row.gphc}; "
                    "a key is bound to one technician only",
                    field="gphc",
                )
            return _view(row), False
        conn.execute(
            insert(_KEYS).values(
                fingerprint=kf.fingerprint,
                name=name,
                gphc=kf.gphc,
                technician=kf.name,
                installation=kf.installation,
                public_key=base64.b64encode(kf.public_key).decode("ascii"),
                certificate=kf.certificate_pem,
                added_at=utc_now_iso(),
            )
        )
        return _view(
            conn.execute(select(_KEYS).where(_KEYS.c.fingerprint == kf.fingerprint)).one()
        ), True


def all_keys(conn: Connection) -> list[KeyView]:
    rows = conn.execute(select(_KEYS).order_by(_KEYS.c.name, _KEYS.c.added_at)).all()
    return [_view(r) for r in rows]


def list_keys(store: CentralStore) -> list[KeyView]:
    with store.read() as conn:
        return all_keys(conn)


def _find(conn: Connection, prefix: str) -> Any:
    p = prefix.strip().lower().replace(":", "")
    if len(p) < 8 or not re.fullmatch(r"[0-9a-f]+", p):
        raise ValidationError(
            f"{plain(prefix)[:80]!r} is not a key fingerprint: give at least its first 8 hex "
            "digits",
            field="fingerprint",
        )
    rows = conn.execute(select(_KEYS).where(_KEYS.c.fingerprint.startswith(p))).all()
    if not rows:
        raise NotFoundError(f"no trusted key starts with {p}", field="fingerprint")
    if len(rows) > 1:
        raise ValidationError(
            f"{p} matches {len(rows)} keys; give more digits", field="fingerprint"
        )
    return rows[0]


@dataclass(frozen=True)
class Withdrawn:
    """A return withdrawn because the key that signed it was compromised."""

    return_id: str
    version: int
    technician: str
    month: str
    state_before: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _check_reason(reason: str | None) -> str | None:
    text = plain(reason or "").strip()
    if len(text) > MAX_REASON:
        raise ValidationError(f"the reason is longer than {MAX_REASON} characters", "reason")
    return text or None


def revoke_key(
    store: CentralStore,
    prefix: str,
    reason: str | None = None,
    withdraw_from: str | None = None,
) -> tuple[KeyView, list[Withdrawn]]:
    """Revoke a key: returns it signs are refused from now on. With ``withdraw_from``
    (YYYY-MM-DD), the returns it signed that were exported or imported on or after that
    day are withdrawn too: their rows leave the store and each withdrawal is recorded
    with the reason (a compromised key)."""
    reason = _check_reason(reason)
    if withdraw_from is not None:
        from rxlog.dates import parse_date

        withdraw_from = parse_date(withdraw_from, "withdraw-from").isoformat()
        if reason is None:
            raise ValidationError("say why the returns are withdrawn (--reason TEXT)", "reason")
    withdrawn: list[Withdrawn] = []
    with store.begin() as conn:
        row = _find(conn, prefix)
        if not row.revoked_at:
            conn.execute(
                update(_KEYS)
                .where(_KEYS.c.fingerprint == row.fingerprint)
                .values(revoked_at=utc_now_iso(), revoke_reason=reason)
            )
        if withdraw_from is not None:
            withdrawn = _withdraw(conn, row.fingerprint, withdraw_from, reason or "")
        key = _view(conn.execute(select(_KEYS).where(_KEYS.c.fingerprint == row.fingerprint)).one())
    return key, withdrawn


def _withdraw(conn: Connection, fp: str, day: str, reason: str) -> list[Withdrawn]:
    rows = conn.execute(
        select(RETURNS)
        .where(
            RETURNS.c.key_fingerprint == fp,
            or_(RETURNS.c.exported_at >= day, RETURNS.c.imported_at >= day),
        )
        .order_by(RETURNS.c.return_id, RETURNS.c.version)
    ).all()
    now = utc_now_iso()
    out = []
    for r in rows:
        conn.execute(ENTRIES.delete().where(ENTRIES.c.return_pk == r.id))
        conn.execute(SUMMARY.delete().where(SUMMARY.c.return_pk == r.id))
        conn.execute(RETURNS.delete().where(RETURNS.c.id == r.id))
        conn.execute(
            insert(WITHDRAWALS).values(
                at=now,
                return_id=r.return_id,
                version=r.version,
                gphc=r.gphc,
                technician=r.technician,
                month=r.month,
                state_before=r.state,
                key_fingerprint=fp,
                reason=reason,
                manifest_sha256=r.manifest_sha256,
                manifest=r.manifest,
            )
        )
        conn.execute(
            insert(EVENTS).values(
                at=now,
                action="withdrawn",
                return_id=r.return_id,
                version=r.version,
                replaced_version=None,
                key_fingerprint=fp,
                source="central revoke",
                detail=reason,
            )
        )
        out.append(Withdrawn(r.return_id, r.version, r.technician, r.month, r.state))
    return out


def key_for(conn: Connection, fp: str) -> KeyView | None:
    row = conn.execute(select(_KEYS).where(_KEYS.c.fingerprint == fp)).first()
    return _view(row) if row else None
