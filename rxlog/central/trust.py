"""The lead's registry of trusted installation keys: trust, list, revoke.

A key file is what ``rxlog key export`` writes: a PEM text holding the installation's
Ed25519 public key (signs manifests) and its self-signed certificate (signs the PDF).
Its fingerprint is the hex SHA-256 of the 32 raw public key bytes.
"""

from __future__ import annotations

import base64
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select, update

from rxlog.central.models import KEYS as _KEYS
from rxlog.central.store import CentralStore
from rxlog.clock import utc_now_iso
from rxlog.errors import NotFoundError, ValidationError
from rxlog.identifiers import validate_gphc

_PEM_BLOCK = re.compile(
    r"-----BEGIN (?P<kind>[A-Z ]+)-----\s+[A-Za-z0-9+/=\s]+?-----END (?P=kind)-----"
)


@dataclass(frozen=True)
class KeyView:
    fingerprint: str
    name: str
    gphc: str | None
    added_at: str
    revoked_at: str | None
    revoke_reason: str | None

    @property
    def status(self) -> str:
        return "revoked" if self.revoked_at else "trusted"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "status": self.status}


def _view(row: Any) -> KeyView:
    return KeyView(
        row.fingerprint, row.name, row.gphc, row.added_at, row.revoked_at, row.revoke_reason
    )


def read_key_file(path: Path) -> tuple[bytes, str | None]:
    """The raw Ed25519 public key and the certificate PEM (if any) in a key file."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        content = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValidationError(f"{path} does not exist", field="keyfile") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not a text file"
        raise ValidationError(f"cannot read {path}: {reason}", field="keyfile") from None
    blocks = {m.group("kind"): m.group(0) for m in _PEM_BLOCK.finditer(content)}
    pem = blocks.get("PUBLIC KEY")
    if pem is None:
        raise ValidationError(
            f"{path} holds no public key (-----BEGIN PUBLIC KEY-----); ask the technician "
            "for the file `rxlog key export` writes",
            field="keyfile",
        )
    try:
        key = serialization.load_pem_public_key(pem.encode("ascii"))
    except ValueError:
        raise ValidationError(f"{path}: the public key block is damaged", field="keyfile") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ValidationError(
            f"{path}: the public key is not an Ed25519 key, so it is not an RxLog key",
            field="keyfile",
        )
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return raw, blocks.get("CERTIFICATE")


def fingerprint(raw: bytes) -> str:
    from rxlog.returnformat.manifest import fingerprint_of

    return fingerprint_of(raw)


def trust_key(
    store: CentralStore, path: Path, name: str, gphc: str | None = None
) -> tuple[KeyView, bool]:
    """Register a key file; returns the key and whether it was newly added."""
    name = (name or "").strip()
    if not name:
        raise ValidationError("give the installation a name (e.g. the technician's)", "name")
    if gphc is not None:
        gphc = validate_gphc(gphc)
    raw, cert = read_key_file(path)
    fp = fingerprint(raw)
    with store.begin() as conn:
        row = conn.execute(select(_KEYS).where(_KEYS.c.fingerprint == fp)).first()
        if row is not None:
            if row.revoked_at:
                raise ValidationError(
                    f"key {fp[:16]}… ({row.name}) was revoked on {row.revoked_at[:10]}; "
                    "a revoked key is never trusted again: ask for a new key",
                    field="keyfile",
                )
            return _view(row), False
        conn.execute(
            insert(_KEYS).values(
                fingerprint=fp,
                name=name,
                gphc=gphc,
                public_key=base64.b64encode(raw).decode("ascii"),
                certificate=cert,
                added_at=utc_now_iso(),
            )
        )
        return _view(conn.execute(select(_KEYS).where(_KEYS.c.fingerprint == fp)).one()), True


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
            f"{prefix!r} is not a key fingerprint: give at least its first 8 hex digits",
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


def revoke_key(store: CentralStore, prefix: str, reason: str | None = None) -> KeyView:
    """Revoke a key: returns it signs are refused from now on (already imported stay)."""
    with store.begin() as conn:
        row = _find(conn, prefix)
        if row.revoked_at:
            return _view(row)
        conn.execute(
            update(_KEYS)
            .where(_KEYS.c.fingerprint == row.fingerprint)
            .values(revoked_at=utc_now_iso(), revoke_reason=(reason or "").strip() or None)
        )
        return _view(
            conn.execute(select(_KEYS).where(_KEYS.c.fingerprint == row.fingerprint)).one()
        )


def key_for(conn: Connection, fp: str) -> KeyView | None:
    row = conn.execute(select(_KEYS).where(_KEYS.c.fingerprint == fp)).first()
    return _view(row) if row else None
