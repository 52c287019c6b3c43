"""The installation's signing keys, kept in ``<data_dir>/keys/``.

Two keys, made together by ``rxlog setup`` (or ``rxlog key create``):

- an **Ed25519** key that signs each return's manifest; its fingerprint (hex SHA-256
  of the 32 raw public bytes) identifies the installation to the project lead;
- an **RSA-2048** key with a self-signed X.509 certificate that PAdES-signs the PDF.
  PDF readers (Acrobat, Foxit, poppler) validate RSA signatures everywhere, while
  Ed25519 in PDF signatures is not widely supported. The certificate names the
  technician and carries the Ed25519 fingerprint, so both keys point at one another.

Private key files are created with mode 0600 and, when a passphrase is given,
encrypted with it: the key (PKCS#8 DER) is sealed with AES-256-GCM under a key derived
from the passphrase by Argon2id (64 MiB, 3 passes, 4 lanes: about 0.3 s a guess on the
team's machines; see docs/reliability.md). Both private keys share one salt, so an
unlock derives once. Keys written by RxLog before (PKCS#8 with PBKDF2, 2,048 rounds)
are still read, and re-sealed the Argon2id way the first time they are unlocked.
A new passphrase has at least ``MIN_PASSPHRASE`` characters.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rxlog.errors import RxlogError, ValidationError
from rxlog.export.atomic import write_atomic
from rxlog.returnformat.manifest import fingerprint_of

MIN_PASSPHRASE = 12
_SEALED_BEGIN = b"-----BEGIN RXLOG ENCRYPTED PRIVATE KEY-----\n"
_SEALED_END = b"-----END RXLOG ENCRYPTED PRIVATE KEY-----\n"


@dataclass(frozen=True)
class KdfCost:
    """Argon2id parameters. Production uses ``KDF_COST``; tests may pass a cheaper one
    explicitly (``create_keys(..., kdf_cost=...)``) - nothing reads it from outside."""

    memory_kib: int = 64 * 1024
    iterations: int = 3
    lanes: int = 4


KDF_COST = KdfCost()


def check_new_passphrase(passphrase: str | None) -> str | None:
    """A new key's passphrase, or ``ValidationError`` if too short (None: no passphrase).

    The CLI (``setup``, ``key create``) and the app's wizard both call this."""
    if passphrase is None or passphrase == "":
        return None
    if len(passphrase) < MIN_PASSPHRASE:
        raise ValidationError(
            f"the passphrase has {len(passphrase)} characters; use at least {MIN_PASSPHRASE} "
            "(three or four random words make one that is long and easy to type)",
            "passphrase",
        )
    return passphrase


def _derive(passphrase: str, salt: bytes, cost: KdfCost) -> bytes:
    from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

    return Argon2id(
        salt=salt,
        length=32,
        iterations=cost.iterations,
        lanes=cost.lanes,
        memory_cost=cost.memory_kib,
    ).derive(passphrase.encode("utf-8"))


def _header(salt: bytes, cost: KdfCost, nonce: bytes) -> dict[str, Any]:
    import base64

    return {
        "format": "rxlog-sealed-key/1",
        "kdf": "argon2id",
        "memory_kib": cost.memory_kib,
        "iterations": cost.iterations,
        "lanes": cost.lanes,
        "salt": base64.b64encode(salt).decode(),
        "cipher": "aes-256-gcm",
        "nonce": base64.b64encode(nonce).decode(),
    }


def _seal(der: bytes, key: bytes, salt: bytes, cost: KdfCost) -> bytes:
    import base64
    import json

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    header = _header(salt, cost, nonce)
    aad = json.dumps(header, sort_keys=True).encode()
    sealed = AESGCM(key).encrypt(nonce, der, aad)
    body = json.dumps({**header, "data": base64.b64encode(sealed).decode()}, sort_keys=True)
    return _SEALED_BEGIN + body.encode() + b"\n" + _SEALED_END


class _Unsealer:
    """Opens sealed key files with one passphrase, deriving once per salt and cost."""

    def __init__(self, passphrase: str) -> None:
        self.passphrase = passphrase
        self._keys: dict[tuple[bytes, KdfCost], bytes] = {}

    def open(self, data: bytes, path: Path) -> bytes:
        import base64
        import json

        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        try:
            doc = json.loads(data[len(_SEALED_BEGIN) :].split(b"\n", 1)[0])
            sealed = base64.b64decode(doc.pop("data"), validate=True)
            cost = KdfCost(int(doc["memory_kib"]), int(doc["iterations"]), int(doc["lanes"]))
            salt = base64.b64decode(doc["salt"], validate=True)
            nonce = base64.b64decode(doc["nonce"], validate=True)
            if doc != _header(salt, cost, nonce) or not (
                8 <= cost.memory_kib <= 4 * 1024 * 1024 and 1 <= cost.iterations <= 64
                and 1 <= cost.lanes <= 64
            ):  # fmt: skip
                raise ValueError("unknown parameters")
        except (ValueError, KeyError, TypeError, AttributeError):
            raise SigningKeyError(f"the signing key {path} is damaged; it cannot sign") from None
        if (salt, cost) not in self._keys:
            self._keys[(salt, cost)] = _derive(self.passphrase, salt, cost)
        aad = json.dumps(doc, sort_keys=True).encode()
        try:
            return AESGCM(self._keys[(salt, cost)]).decrypt(nonce, sealed, aad)
        except InvalidTag:
            raise SigningKeyError("wrong passphrase for the signing key") from None


class SigningKeyError(RxlogError):
    """The signing key is missing, damaged or locked by a passphrase we were not given."""


@dataclass(frozen=True)
class KeyPaths:
    folder: Path

    @property
    def signing_key(self) -> Path:
        return self.folder / "signing_key.pem"

    @property
    def public_key(self) -> Path:
        return self.folder / "public_key.pem"

    @property
    def pdf_key(self) -> Path:
        return self.folder / "pdf_key.pem"

    @property
    def certificate(self) -> Path:
        return self.folder / "certificate.pem"


@dataclass(frozen=True)
class KeyInfo:
    """What can be said about the keys without the passphrase."""

    fingerprint: str
    encrypted: bool
    subject: str
    certificate_sha256: str
    not_after: str


@dataclass(frozen=True)
class SigningKeys:
    """Unlocked keys, ready to sign one export."""

    ed25519: Any  # Ed25519PrivateKey
    pdf_key: Any  # RSAPrivateKey
    certificate: Any  # x509.Certificate
    fingerprint: str
    certificate_sha256: str


def key_paths(data_dir: Path) -> KeyPaths:
    return KeyPaths(Path(data_dir) / "keys")


def has_keys(data_dir: Path) -> bool:
    p = key_paths(data_dir)
    return p.signing_key.is_file()


def _missing(data_dir: Path) -> SigningKeyError:
    return SigningKeyError(
        f"this installation has no signing key (looked in {key_paths(data_dir).folder}); "
        "create one with: rxlog key create"
    )


def _private_files(
    keys: list[Any], passphrase: str | None, cost: KdfCost = KDF_COST
) -> list[bytes]:
    """The private keys' file contents: sealed under ``passphrase``, else plain PEM."""
    from cryptography.hazmat.primitives import serialization

    if not passphrase:
        return [
            k.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            for k in keys
        ]
    salt = os.urandom(16)
    key = _derive(passphrase, salt, cost)
    return [
        _seal(
            k.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
            key,
            salt,
            cost,
        )
        for k in keys
    ]


def _certificate(name: str, gphc: str, fingerprint: str, pdf_key: Any) -> Any:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, name[:64] or "RxLog technician"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"GPhC {gphc}"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "RxLog technician installation"),
            x509.NameAttribute(NameOID.DN_QUALIFIER, fingerprint),
        ]
    )
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(pdf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(pdf_key, hashes.SHA256())
    )


def create_keys(
    data_dir: Path,
    name: str,
    gphc: str,
    passphrase: str | None = None,
    replace: bool = False,
    *,
    kdf_cost: KdfCost = KDF_COST,
) -> KeyInfo:
    """Make this installation's keys. Refuses to overwrite existing keys unless ``replace``."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    from rxlog.identifiers import check_outgoing

    # The certificate's name is in every signed PDF that leaves the PC.
    check_outgoing(name, "name", "the name for the signing certificate")
    passphrase = check_new_passphrase(passphrase)
    paths = key_paths(data_dir)
    if paths.signing_key.exists() and not replace:
        raise ValidationError(
            f"this installation already has a signing key ({key_info(data_dir).fingerprint}); "
            "returns already sent were signed with it, so it is kept"
        )
    try:
        from rxlog.storage.privacy import make_private_dir

        make_private_dir(paths.folder)
    except OSError as exc:
        raise SigningKeyError(f"cannot create {paths.folder}: {exc.strerror or exc}") from None
    ed = ed25519.Ed25519PrivateKey.generate()
    raw = ed.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    fingerprint = fingerprint_of(raw)
    pdf_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = _certificate(name, gphc, fingerprint, pdf_key)
    pem = serialization.Encoding.PEM
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    ed_file, pdf_file = _private_files([ed, pdf_key], passphrase, kdf_cost)
    # Public parts first, private key last: its presence is what "has keys" means.
    write_atomic(paths.certificate, cert.public_bytes(pem))
    write_atomic(paths.public_key, ed.public_key().public_bytes(pem, spki))
    write_atomic(paths.pdf_key, pdf_file, mode=0o600)
    write_atomic(paths.signing_key, ed_file, mode=0o600)
    return key_info(data_dir)


def _read(path: Path, data_dir: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise _missing(data_dir) from None
    except OSError as exc:
        raise SigningKeyError(f"cannot read {path}: {exc.strerror or exc}") from None


def _load_certificate(data_dir: Path) -> Any:
    from cryptography import x509

    path = key_paths(data_dir).certificate
    try:
        return x509.load_pem_x509_certificate(_read(path, data_dir))
    except ValueError:
        raise SigningKeyError(f"the signing certificate {path} is damaged") from None


def _load_public(data_dir: Path) -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    path = key_paths(data_dir).public_key
    try:
        key = serialization.load_pem_public_key(_read(path, data_dir))
    except ValueError:
        raise SigningKeyError(f"the public key {path} is damaged") from None
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError(f"the public key {path} is not an Ed25519 key")
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def is_encrypted(data_dir: Path) -> bool:
    """Whether the private key needs a passphrase."""
    return b"ENCRYPTED" in _read(key_paths(data_dir).signing_key, data_dir)[:64]


def key_info(data_dir: Path) -> KeyInfo:
    import hashlib

    from cryptography.hazmat.primitives.serialization import Encoding

    if not has_keys(data_dir):
        raise _missing(data_dir)
    cert = _load_certificate(data_dir)
    return KeyInfo(
        fingerprint=fingerprint_of(_load_public(data_dir)),
        encrypted=is_encrypted(data_dir),
        subject=cert.subject.rfc4514_string(),
        certificate_sha256=hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest(),
        not_after=cert.not_valid_after_utc.date().isoformat(),
    )


# cryptography re-validates an RSA key on every load (~28 ms, most of what loading costs);
# these are RxLog's own keys, in a private folder, and every PDF signature made with
# the RSA key is checked against the certificate before it is used
# (rxlog.returnformat.pdf), so a damaged key still cannot sign a return.
_OWN_KEY = {"unsafe_skip_rsa_key_validation": True}


def _load_private(
    path: Path, data_dir: Path, passphrase: str | None, unsealer: _Unsealer | None
) -> tuple[Any, bool]:
    """(the private key, whether it was in the old PBKDF2 form and needs re-sealing)."""
    from cryptography.hazmat.primitives import serialization

    data = _read(path, data_dir)
    encrypted = b"ENCRYPTED" in data[:64]
    if encrypted and not passphrase:
        raise SigningKeyError(
            "the signing key is protected by a passphrase: give it with --passphrase-file FILE "
            "or the RXLOG_KEY_PASSPHRASE environment variable"
        )
    if data.startswith(_SEALED_BEGIN):
        assert unsealer is not None
        der = unsealer.open(data, path)
        try:
            return serialization.load_der_private_key(der, password=None, **_OWN_KEY), False
        except (ValueError, TypeError):
            raise SigningKeyError(f"the signing key {path} is damaged; it cannot sign") from None
    password = passphrase.encode("utf-8") if (encrypted and passphrase) else None
    try:
        return serialization.load_pem_private_key(data, password=password, **_OWN_KEY), encrypted
    except (ValueError, TypeError):
        if encrypted:
            raise SigningKeyError("wrong passphrase for the signing key") from None
        raise SigningKeyError(f"the signing key {path} is damaged; it cannot sign") from None


def _reseal(paths: KeyPaths, keys: list[Any], passphrase: str) -> None:
    """Re-write old PBKDF2-protected keys the Argon2id way (same keys, same passphrase).
    Best effort: a read-only key folder keeps the old files, which still work."""
    import contextlib

    ed_file, pdf_file = _private_files(keys, passphrase)
    with contextlib.suppress(RxlogError, OSError):
        write_atomic(paths.pdf_key, pdf_file, mode=0o600)
        write_atomic(paths.signing_key, ed_file, mode=0o600)


def load_signing_keys(data_dir: Path, passphrase: str | None = None) -> SigningKeys:
    """Unlock both private keys and check they belong together."""
    import hashlib

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

    paths = key_paths(data_dir)
    if not has_keys(data_dir):
        raise _missing(data_dir)
    unsealer = _Unsealer(passphrase) if passphrase else None
    ed, ed_old = _load_private(paths.signing_key, data_dir, passphrase, unsealer)
    pdf_key, pdf_old = _load_private(paths.pdf_key, data_dir, passphrase, unsealer)
    cert = _load_certificate(data_dir)
    if not isinstance(ed, Ed25519PrivateKey) or not isinstance(pdf_key, RSAPrivateKey):
        raise SigningKeyError(f"the keys in {paths.folder} are not the kinds RxLog made")
    raw = ed.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    if raw != _load_public(data_dir):
        raise SigningKeyError(f"the signing key and public key in {paths.folder} do not match")
    pem = serialization.Encoding.PEM
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    if pdf_key.public_key().public_bytes(pem, spki) != cert.public_key().public_bytes(pem, spki):
        raise SigningKeyError(f"the PDF key and certificate in {paths.folder} do not match")
    if passphrase and (ed_old or pdf_old):
        _reseal(paths, [ed, pdf_key], passphrase)
    return SigningKeys(
        ed25519=ed,
        pdf_key=pdf_key,
        certificate=cert,
        fingerprint=fingerprint_of(raw),
        certificate_sha256=hashlib.sha256(
            cert.public_bytes(serialization.Encoding.DER)
        ).hexdigest(),
    )


def certificate_gphc(data_dir: Path) -> str | None:
    """The GPhC number the installation's certificate names."""
    from cryptography.x509.oid import NameOID

    cert = _load_certificate(data_dir)
    for a in cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME):
        value = str(a.value)
        if value.startswith("GPhC "):
            return value[5:]
    return None


def export_public(
    data_dir: Path,
    dest: Path,
    name: str | None = None,
    gphc: str | None = None,
    installation: str | None = None,
    installation_name: str | None = None,
) -> KeyInfo:
    """Write the key file the lead trusts to ``dest``: the public key and certificate,
    with a header binding them to the technician's name, GPhC number and installation
    (format: :mod:`rxlog.returnformat.keyfile`). ``name``/``gphc`` default to the
    certificate's; the name leaves the PC, so it passes the identifier filter."""
    from rxlog.identifiers import check_return_text
    from rxlog.returnformat.keyfile import key_file_bytes

    dest = Path(dest)
    if dest.name in ("", "..") or dest.is_dir():
        raise ValidationError(
            f"{str(dest)!r} is a folder, not a file name: give the file to write, "
            "e.g. my-rxlog-key.pem",
            "file",
        )
    from rxlog.identifiers import check_outgoing

    info = key_info(data_dir)
    paths = key_paths(data_dir)
    cert_gphc = certificate_gphc(data_dir)
    gphc = gphc or cert_gphc
    if gphc is None:
        raise SigningKeyError("the signing certificate names no GPhC number; create a new key")
    if cert_gphc is not None and cert_gphc != gphc:
        raise ValidationError(
            f"this installation's key was made for GPhC {cert_gphc}, not {gphc}: create a "
            "new key (rxlog key create) so the lead can bind it to the right number",
            "gphc",
        )
    if name is None:
        from cryptography.x509.oid import NameOID

        cn = _load_certificate(data_dir).subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        name = str(cn[0].value) if cn else ""
    # The key file goes to the lead: its texts pass the identifier filter too.
    check_return_text(name, "name", "the technician's name")
    check_outgoing(info.subject, "name", "the name in the signing certificate")
    check_outgoing(installation_name, "installation-name", "the installation name")
    data = key_file_bytes(
        public_pem=_read(paths.public_key, data_dir),
        certificate_pem=_read(paths.certificate, data_dir),
        name=name,
        gphc=gphc,
        fingerprint=info.fingerprint,
        installation=installation,
        installation_name=installation_name,
    )
    write_atomic(Path(dest), data)
    return info


def passphrase_from(file: str | None, env: dict[str, str] | None = None) -> str | None:
    """A passphrase from a file (first line) or ``RXLOG_KEY_PASSPHRASE``; ``None`` if neither."""
    if file:
        try:
            text = Path(file).read_text("utf-8")
        except OSError as exc:
            raise ValidationError(
                f"cannot read the passphrase file {file}: {exc.strerror or exc}",
                "passphrase-file",
            ) from None
        line = text.splitlines()[0] if text else ""
        if not line:
            raise ValidationError(f"the passphrase file {file} is empty", "passphrase-file")
        return line
    value = (env if env is not None else os.environ).get("RXLOG_KEY_PASSPHRASE")
    return value or None
