"""A trusted key as the import and the lead's windows see it (:class:`KeyView`), and
reading every trusted key with the driver alone.

Apart from :mod:`rxlog.central.trust` (which imports the store's models, and so the
SQLAlchemy ORM) because the import reads the keys once a run and nothing else of the
trust store: an import then loads no ORM (about 0.1 s and 8 MB less).
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Connection


@dataclass(frozen=True)
class KeyView:
    fingerprint: str
    name: str
    gphc: str | None
    added_at: str
    revoked_at: str | None
    revoke_reason: str | None
    technician: str | None = None  # the name the key file gives
    installation: str | None = None
    certificate_sha256: str | None = None

    @property
    def status(self) -> str:
        if self.revoked_at:
            return "revoked"
        return "trusted" if self.gphc else "unbound"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("certificate_sha256")
        return {**d, "status": self.status}


def cert_sha(pem: str | None) -> str | None:
    """SHA-256 of a PEM certificate's DER bytes (None: no certificate, or not one)."""
    if not pem:
        return None
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    try:
        cert = x509.load_pem_x509_certificate(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return None
    return hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest()


def key_view(row: Any) -> KeyView:
    """A ``central_key`` row (with the columns :data:`KEY_COLUMNS` names) as a view."""
    return KeyView(
        row.fingerprint,
        row.name,
        row.gphc,
        row.added_at,
        row.revoked_at,
        row.revoke_reason,
        row.technician,
        row.installation,
        cert_sha(row.certificate),
    )


KEY_COLUMNS = ("fingerprint", "name", "gphc", "added_at", "revoked_at", "revoke_reason",
               "technician", "installation", "certificate")  # fmt: skip


def trusted_keys(conn: Connection) -> dict[str, KeyView]:
    """Every key in the store (revoked ones too), by fingerprint, read with the driver."""
    rows = conn.exec_driver_sql(f"SELECT {', '.join(KEY_COLUMNS)} FROM central_key")
    return {r.fingerprint: key_view(r) for r in rows}
