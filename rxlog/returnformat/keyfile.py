"""The key file a technician gives the project lead (``rxlog key export``), read by
``rxlog central trust`` and ``rxlog verify --key``.

A PEM text file: a header naming what the key is bound to, then the installation's
Ed25519 public key (signs manifests) and its self-signed X.509 certificate (signs the
PDF)::

    # RxLog installation key (rxlog-key/2): give this file to the project lead
    # name: Alex Morgan
    # gphc: 5012345
    # installation: Gillingham practice PC (<installation UUID>)
    # fingerprint: <hex SHA-256 of the 32 raw Ed25519 public key bytes>
    -----BEGIN PUBLIC KEY----- ...
    -----BEGIN CERTIFICATE----- ...

The certificate, made with the key and signed by its own RSA key, also names the
GPhC number (``OU=GPhC <number>``) and the Ed25519 fingerprint (``dnQualifier``): a
reader refuses a file whose header and certificate disagree, or whose certificate
belongs to another key. Files written by earlier versions (``rxlog-key/1``) have no
``gphc:`` line; the lead then gives the number (``central trust --gphc``).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rxlog.errors import ValidationError

KEY_FILE_FORMAT = "rxlog-key/2"
MAX_KEY_FILE = 64 * 1024
_PEM_BLOCK = re.compile(
    r"-----BEGIN (?P<kind>[A-Z ]+)-----\s+[A-Za-z0-9+/=\s]+?-----END (?P=kind)-----"
)
_HEADER = re.compile(r"# (name|gphc|installation|fingerprint): (.*)")
_INSTALLATION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_GPHC = re.compile(r"5[0-9]{6}")


@dataclass(frozen=True)
class KeyFile:
    """What a key file holds and binds (``gphc`` is ``None`` for an old file)."""

    public_key: bytes  # the 32 raw Ed25519 bytes
    fingerprint: str
    certificate_pem: str | None
    certificate_sha256: str | None  # of its DER
    certificate_gphc: str | None  # from the certificate's OU
    name: str | None
    gphc: str | None
    installation: str | None
    format: str  # rxlog-key/2, or rxlog-key/1 for a file with no header
    installation_name: str | None = None

    def describe(self) -> str:
        who = self.name or "(no name in the file)"
        gphc = f"GPhC {self.gphc}" if self.gphc else "no GPhC number"
        inst = ""
        if self.installation:
            named = f"{self.installation_name} " if self.installation_name else ""
            inst = f", installation {named}({self.installation[:8]})"
        return f"{who}, {gphc}{inst}; key {self.fingerprint}"


def fingerprint_of(public_key_raw: bytes) -> str:
    """Hex SHA-256 of the 32 raw Ed25519 public key bytes (what ``rxlog key show`` prints)."""
    return hashlib.sha256(public_key_raw).hexdigest()


def _one_line(text: str) -> bool:
    return not any(
        unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn") for ch in text
    )


def key_file_bytes(
    *,
    public_pem: bytes,
    certificate_pem: bytes | None,
    name: str,
    gphc: str,
    fingerprint: str,
    installation: str | None = None,
    installation_name: str | None = None,
) -> bytes:
    """The key file's bytes. ``name`` and ``installation_name`` must already have passed
    the identifier filter; ``installation`` is the installation's id (issue 12)."""
    if not _one_line(name) or len(name) > 200:
        raise ValidationError("the technician's name must be one line of text", "name")
    if installation is not None and not _INSTALLATION.fullmatch(installation):
        raise ValidationError("the installation id is not one RxLog makes", "installation")
    inst = installation or "-"
    if installation and installation_name:
        if not _one_line(installation_name) or len(installation_name) > 200:
            raise ValidationError("the installation's name must be one line", "installation")
        inst = f"{installation_name} ({installation})"
    header = (
        f"# RxLog installation key ({KEY_FILE_FORMAT}): give this file to the project lead\n"
        f"# name: {name}\n"
        f"# gphc: {gphc}\n"
        f"# installation: {inst}\n"
        f"# fingerprint: {fingerprint}\n"
    )
    return header.encode("utf-8") + public_pem + (certificate_pem or b"")


def _bad(path: Path, why: str) -> ValidationError:
    return ValidationError(f"{path.name}: {why}", field="keyfile")


def _certificate_facts(pem: str, path: Path) -> tuple[str, str | None, str | None, Any]:
    """(SHA-256 of DER, GPhC in OU, dnQualifier) of the key file's certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding
    from cryptography.x509.oid import NameOID

    try:
        cert = x509.load_pem_x509_certificate(pem.encode("ascii"))
        der = cert.public_bytes(Encoding.DER)
        subject = cert.subject
        ou = [a.value for a in subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)]
        dnq = [a.value for a in subject.get_attributes_for_oid(NameOID.DN_QUALIFIER)]
    except (ValueError, TypeError, UnicodeEncodeError):
        raise _bad(path, "the certificate block is damaged") from None
    gphc = None
    for value in ou:
        m = re.fullmatch(r"GPhC (5[0-9]{6})", str(value))
        if m:
            gphc = m.group(1)
    return hashlib.sha256(der).hexdigest(), gphc, (str(dnq[0]) if dnq else None), cert


def read_key_file(path: Path) -> KeyFile:
    """Read and check a key file; ``ValidationError`` (field ``keyfile``) naming why not."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    path = Path(path)
    try:
        if path.stat().st_size > MAX_KEY_FILE:
            raise _bad(path, "too large to be an RxLog key file")
        content = path.read_text(encoding="utf-8")
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
        raise _bad(path, "the public key block is damaged") from None
    if not isinstance(key, Ed25519PublicKey):
        raise _bad(path, "the public key is not an Ed25519 key, so it is not an RxLog key")
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    fp = fingerprint_of(raw)
    head = content[: content.find("-----BEGIN")]
    fields: dict[str, str] = {}
    for line in head.splitlines():
        m = _HEADER.fullmatch(line.rstrip("\r"))
        if m:
            if m.group(1) in fields:
                raise _bad(path, f"it names its {m.group(1)} twice")
            fields[m.group(1)] = m.group(2).strip()
    fmt = KEY_FILE_FORMAT if fields else "rxlog-key/1"
    name = fields.get("name") or None
    if name is not None and (not _one_line(name) or len(name) > 200):
        raise _bad(path, "the name in it is not one line of plain text")
    gphc = fields.get("gphc") or None
    if gphc is not None and not _GPHC.fullmatch(gphc):
        raise _bad(path, f"{gphc[:20]!r} is not a GPhC number (7 digits starting with 5)")
    inst = fields.get("installation")
    installation = None if inst in (None, "", "-") else inst
    installation_name = None
    if installation is not None and installation.endswith(")") and " (" in installation:
        installation_name, installation = installation[:-1].rsplit(" (", 1)
        if not _one_line(installation_name):
            raise _bad(path, "the installation's name in it is not one line of plain text")
    if installation is not None and not _INSTALLATION.fullmatch(installation):
        raise _bad(path, "the installation id in it is not one RxLog writes")
    if "fingerprint" in fields and fields["fingerprint"] != fp:
        raise _bad(path, "its fingerprint line does not match its public key (it was edited)")
    cert_pem = blocks.get("CERTIFICATE")
    cert_sha = cert_gphc = None
    if cert_pem is not None:
        cert_sha, cert_gphc, dnq, _cert = _certificate_facts(cert_pem, path)
        if dnq is not None and dnq != fp:
            raise _bad(path, "its certificate belongs to another key (fingerprints differ)")
        if gphc is not None and cert_gphc is not None and cert_gphc != gphc:
            raise _bad(
                path, f"it says GPhC {gphc} but its certificate says GPhC {cert_gphc} (edited)"
            )
    return KeyFile(
        public_key=raw,
        fingerprint=fp,
        certificate_pem=cert_pem,
        certificate_sha256=cert_sha,
        certificate_gphc=cert_gphc,
        name=name,
        gphc=gphc,
        installation=installation,
        installation_name=installation_name,
        format=fmt,
    )
