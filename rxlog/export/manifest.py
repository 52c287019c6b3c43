"""The signed manifest of a monthly return, and checking a return against it.

Format: ``docs/return-format.md`` (``rxlog-return/1``). Used by the export (signing),
``rxlog verify`` and the project lead's import (``rxlog.central``), which may hold a
return's files on disk (:func:`verify_return`) or in memory (:func:`verify_return_bytes`).

Every check here raises :class:`ReturnVerificationError` with a message that names
what is wrong; malformed input (bad JSON, wrong types, bad base64...) never escapes
as any other exception.
"""

from __future__ import annotations

import base64
import binascii
import csv
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rxlog.errors import RxlogError

FORMAT = "rxlog-return/1"
MANIFEST_SUFFIX = ".manifest.json"
_SUFFIXES = (MANIFEST_SUFFIX, ".csv", ".pdf", ".eml")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,200}")
# A reader strips one leading apostrophe put there against CSV injection.
_NEUTRALISED = re.compile(r"'[=+\-@\t\r\n]")


class ReturnVerificationError(RxlogError):
    """A return is not genuine or not whole; the message says which file and why."""


# -- signing -------------------------------------------------------------------------
def canonical_bytes(manifest: dict[str, Any]) -> bytes:
    """The exact bytes the Ed25519 signature covers."""
    return json.dumps(manifest, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def fingerprint_of(public_key_raw: bytes) -> str:
    """Hex SHA-256 of the 32 raw Ed25519 public key bytes (what ``rxlog key show`` prints)."""
    return hashlib.sha256(public_key_raw).hexdigest()


def sign_manifest(manifest: dict[str, Any], private_key: Any) -> dict[str, Any]:
    """``{"manifest": ..., "signature": {...}}`` signed with an Ed25519 private key."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    raw = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    value = private_key.sign(canonical_bytes(manifest))
    return {
        "manifest": manifest,
        "signature": {
            "alg": "Ed25519",
            "public_key": base64.b64encode(raw).decode("ascii"),
            "key_fingerprint": fingerprint_of(raw),
            "value": base64.b64encode(value).decode("ascii"),
        },
    }


def manifest_file_bytes(document: dict[str, Any]) -> bytes:
    """The one layout RxLog writes a manifest file in (a reader insists on it)."""
    text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False)
    return (text + "\n").encode("utf-8")


# -- finding a return's files --------------------------------------------------------
@dataclass(frozen=True)
class ReturnFiles:
    """Where one return's files are. ``csv``/``pdf``/``eml`` are ``None`` when absent."""

    manifest: Path
    csv: Path | None = None
    pdf: Path | None = None
    eml: Path | None = None

    @property
    def folder(self) -> Path:
        return self.manifest.parent

    @property
    def base(self) -> str:
        return self.manifest.name[: -len(MANIFEST_SUFFIX)]


def _base_of(path: Path) -> str | None:
    name = path.name
    for suffix in _SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return None


def _files_for(folder: Path, base: str) -> ReturnFiles:
    def existing(ext: str) -> Path | None:
        p = folder / f"{base}{ext}"
        return p if p.is_file() else None

    return ReturnFiles(
        manifest=folder / f"{base}{MANIFEST_SUFFIX}",
        csv=existing(".csv"),
        pdf=existing(".pdf"),
        eml=existing(".eml"),
    )


def _is_return_email(path: Path) -> bool:
    """Whether an ``.eml`` is an RxLog return's e-mail (by its subject, which the format
    fixes as ``RxLog return ...``); other e-mails in a folder are left alone."""
    from email.parser import BytesHeaderParser

    try:
        with path.open("rb") as fh:
            subject = BytesHeaderParser().parse(fh).get("Subject", "")
    except (OSError, ValueError):
        return False
    return str(subject).strip().startswith("RxLog return ")


def find_returns(paths: Iterable[Path]) -> list[ReturnFiles]:
    """The returns in some folders and/or files, one entry per manifest, in name order.

    A folder is searched (with its sub-folders) for ``*.manifest.json``, and for the
    e-mails of returns whose manifest is not beside them; a file names the return it
    belongs to (its manifest may be missing: verifying then says so).
    """
    found: dict[Path, ReturnFiles] = {}
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for m in sorted(path.rglob(f"*{MANIFEST_SUFFIX}")):
                if m.is_file():
                    base = m.name[: -len(MANIFEST_SUFFIX)]
                    found.setdefault(m.resolve(), _files_for(m.parent, base))
            # Returns the lead saved as e-mails only (under any name, e.g. the subject).
            for e in sorted(path.rglob("*.eml")):
                if e.is_file() and _is_return_email(e):
                    rf = _files_for(e.parent, e.name[: -len(".eml")])
                    if rf.manifest.is_file():
                        continue  # found above, with this e-mail as one of its files
                    found.setdefault(rf.manifest.resolve(), replace(rf, eml=e))
        elif path.is_file():
            file_base = _base_of(path)
            if file_base is None:
                raise ReturnVerificationError(
                    f"{path} is not a file of an RxLog return "
                    f"(expected *.manifest.json, *.csv, *.pdf or *.eml)"
                )
            rf = _files_for(path.parent, file_base)
            found.setdefault(rf.manifest.resolve(), rf)
        else:
            raise ReturnVerificationError(f"{path}: no such file or folder")
    if not found:
        names = ", ".join(str(p) for p in paths) or "(nothing given)"
        raise ReturnVerificationError(f"no RxLog return (*.manifest.json) found in {names}")
    return [found[k] for k in sorted(found, key=str)]


# -- checking ------------------------------------------------------------------------
@dataclass(frozen=True)
class VerifiedReturn:
    """A return whose signature, files and figures all check out."""

    manifest: dict[str, Any]
    fingerprint: str
    files: ReturnFiles

    @property
    def return_id(self) -> str:
        return str(self.manifest["return_id"])

    @property
    def version(self) -> int:
        return int(self.manifest["version"])

    @property
    def month(self) -> str:
        return str(self.manifest["month"])

    @property
    def gphc(self) -> str:
        return str(self.manifest["technician"]["gphc"])

    @property
    def technician_name(self) -> str:
        return str(self.manifest["technician"]["name"])

    @property
    def supersedes(self) -> int | None:
        s = self.manifest.get("supersedes")
        return int(s) if isinstance(s, int) else None

    @property
    def sites(self) -> list[str]:
        sites = self.manifest.get("sites")
        if not isinstance(sites, list):
            return []
        return [str(s.get("ods")) for s in sites if isinstance(s, dict)]

    def summary(self) -> str:
        sites = ", ".join(self.sites) or "no site"
        return (
            f"genuine: {self.technician_name} (GPhC {self.gphc}), {self.month}, "
            f"version {self.version}, {sites}; key {self.fingerprint[:16]}…"
        )


def _fail(message: str) -> ReturnVerificationError:
    return ReturnVerificationError(message)


def _b64(value: Any, what: str, length: int) -> bytes:
    if not isinstance(value, str):
        raise _fail(f"signature invalid: {what} is missing or not text")
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise _fail(f"signature invalid: {what} is not valid base64") from None
    if len(raw) != length:
        raise _fail(f"signature invalid: {what} has {len(raw)} bytes, expected {length}")
    # Base64 leaves spare bits in its last character; a decoder ignores them, so only
    # the canonical spelling is accepted (else a changed character would go unseen).
    if base64.b64encode(raw).decode("ascii") != value:
        raise _fail(f"signature invalid: {what} is not canonical base64 (it was changed)")
    return raw


_SIGNATURE_KEYS = {"alg", "key_fingerprint", "public_key", "value"}


def _parse_document(data: bytes, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _fail(f"manifest {name} is corrupt: not valid UTF-8 JSON") from None
    if not isinstance(document, dict):
        raise _fail(f"manifest {name} is corrupt: not a JSON object")
    manifest, signature = document.get("manifest"), document.get("signature")
    if not isinstance(manifest, dict) or not isinstance(signature, dict):
        raise _fail(f"manifest {name} does not match the format: needs 'manifest' and 'signature'")
    if set(document) != {"manifest", "signature"} or set(signature) != _SIGNATURE_KEYS:
        # nothing unsigned rides along
        raise _fail(f"file changed: {name} (it holds fields RxLog did not write)")
    if manifest_file_bytes(document) != data:
        raise _fail(f"file changed: {name} (it is not laid out as RxLog wrote it)")
    return manifest, signature


def _check_signature(manifest: dict[str, Any], signature: dict[str, Any]) -> str:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if signature.get("alg") != "Ed25519":
        raise _fail(f"signature invalid: algorithm {signature.get('alg')!r} is not Ed25519")
    raw = _b64(signature.get("public_key"), "public_key", 32)
    value = _b64(signature.get("value"), "value", 64)
    fingerprint = fingerprint_of(raw)
    if signature.get("key_fingerprint") != fingerprint:
        raise _fail("signature invalid: key_fingerprint does not match public_key")
    try:
        Ed25519PublicKey.from_public_bytes(raw).verify(value, canonical_bytes(manifest))
    except (InvalidSignature, ValueError):
        raise _fail(
            "signature invalid: the manifest was changed after signing, or signed with another key"
        ) from None
    return fingerprint


def _require(manifest: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    value = manifest.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise _fail(f"manifest does not match the format: '{key}' is missing or of the wrong type")
    return value


def _check_structure(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    if manifest.get("format") != FORMAT:
        raise _fail(f"manifest does not match the format: format is not {FORMAT!r}")
    _require(manifest, "return_id", str)
    version = _require(manifest, "version", int)
    if version < 1:
        raise _fail("manifest does not match the format: version must be 1 or more")
    month = _require(manifest, "month", str)
    if not _MONTH.fullmatch(month):
        raise _fail("manifest does not match the format: month is not YYYY-MM")
    tech = _require(manifest, "technician", dict)
    if not isinstance(tech.get("name"), str) or not isinstance(tech.get("gphc"), str):
        raise _fail("manifest does not match the format: technician needs name and gphc")
    _require(manifest, "rows", int)
    totals = _require(manifest, "totals", dict)
    if not isinstance(totals.get("minutes"), int) or isinstance(totals.get("minutes"), bool):
        raise _fail("manifest does not match the format: totals.minutes is missing")
    files = _require(manifest, "files", dict)
    if not files:
        raise _fail("manifest does not match the format: it lists no files")
    for name, info in files.items():
        if not _SAFE_NAME.fullmatch(name) or ".." in name:
            raise _fail(f"manifest does not match the format: bad file name {name!r}")
        if (
            not isinstance(info, dict)
            or not isinstance(info.get("sha256"), str)
            or not _HEX64.fullmatch(info["sha256"])
            or not isinstance(info.get("bytes"), int)
        ):
            raise _fail(f"manifest does not match the format: bad entry for file {name}")
    if not any(n.endswith(".csv") for n in files):
        raise _fail("manifest does not match the format: it lists no CSV file")
    return files


def _check_file(name: str, info: dict[str, Any], data: bytes | None) -> None:
    if data is None:
        raise _fail(f"file missing: {name}")
    if len(data) != info["bytes"] or hashlib.sha256(data).hexdigest() != info["sha256"]:
        raise _fail(f"file changed: {name} (it does not match the signed manifest)")


def _unneutralise(cell: str) -> str:
    return cell[1:] if _NEUTRALISED.match(cell) else cell


def _check_csv(manifest: dict[str, Any], name: str, data: bytes) -> None:
    """The CSV's rows and minutes agree with the manifest's figures."""
    try:
        text = data.decode("utf-8-sig")
        reader = csv.DictReader(io.StringIO(text, newline=""))
        rows = 0
        minutes = 0
        for row in reader:
            rows += 1
            minutes += int(row["minutes"])
            if _unneutralise(row["return_id"]) != manifest["return_id"] or int(
                row["version"]
            ) != int(manifest["version"]):
                raise _fail(
                    f"manifest mismatch: {name} row {rows} belongs to "
                    f"{row['return_id']} v{row['version']}, not this return"
                )
    except ReturnVerificationError:
        raise
    except (UnicodeDecodeError, csv.Error, KeyError, TypeError, ValueError):
        raise _fail(f"manifest mismatch: {name} is not a readable RxLog CSV") from None
    if rows != manifest["rows"]:
        raise _fail(
            f"manifest mismatch: {name} has {rows} rows, the manifest says {manifest['rows']}"
        )
    if minutes != manifest["totals"]["minutes"]:
        raise _fail(
            f"manifest mismatch: {name} minutes add up to {minutes}, "
            f"the manifest says {manifest['totals']['minutes']}"
        )


def _verify(
    manifest_data: bytes,
    manifest_name: str,
    load: Callable[[str], bytes | None],
    check_pdf_signature: bool,
) -> tuple[dict[str, Any], str, dict[str, bytes]]:
    manifest, signature = _parse_document(manifest_data, manifest_name)
    fingerprint = _check_signature(manifest, signature)
    listed = _check_structure(manifest)
    contents: dict[str, bytes] = {}
    for name, info in sorted(listed.items()):
        data = load(name)
        _check_file(name, info, data)
        assert data is not None
        contents[name] = data
    for name, data in contents.items():
        if name.endswith(".csv"):
            _check_csv(manifest, name, data)
    if check_pdf_signature:
        for name, data in contents.items():
            if name.endswith(".pdf"):
                from rxlog.export.pdf_sign import check_pdf_signature as check_pdf

                try:
                    check_pdf(data, manifest.get("pdf_certificate_sha256"))
                except ReturnVerificationError as exc:
                    raise _fail(f"{name}: {exc.message}") from None
    return manifest, fingerprint, contents


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _fail(f"cannot read {path}: {exc.strerror or exc}") from None


def verify_return(files: ReturnFiles, check_pdf_signature: bool = False) -> VerifiedReturn:
    """Check a return on disk: signature, every listed file, the CSV's figures."""
    data = _read(files.manifest)
    if data is None and files.eml is not None:
        return verify_eml(files.eml, check_pdf_signature)
    if data is None:
        raise _fail(f"file missing: {files.manifest.name} (the return's manifest)")
    folder = files.manifest.parent
    manifest, fingerprint, contents = _verify(
        data, files.manifest.name, lambda n: _read(folder / n), check_pdf_signature
    )
    for extra in (files.csv, files.pdf):
        if extra is not None and extra.name not in contents:
            raise _fail(f"manifest mismatch: {extra.name} is not listed in the signed manifest")
    if files.eml is not None:
        _check_eml(files.eml, manifest["files"])
    csv_name = next(n for n in contents if n.endswith(".csv"))
    pdf_name = next((n for n in contents if n.endswith(".pdf")), None)
    located = ReturnFiles(
        manifest=files.manifest,
        csv=folder / csv_name,
        pdf=folder / pdf_name if pdf_name else None,
        eml=files.eml,
    )
    return VerifiedReturn(manifest, fingerprint, located)


def verify_return_bytes(
    manifest: bytes,
    files: dict[str, bytes],
    *,
    manifest_name: str = "manifest.json",
    check_pdf_signature: bool = False,
) -> VerifiedReturn:
    """The same checks on data in memory (e.g. an e-mail's attachments), keyed by file name.

    ``files`` may also hold the manifest itself; any other CSV or PDF in it must be one
    the manifest lists.
    """
    if not isinstance(manifest, bytes | bytearray) or not isinstance(files, dict):
        raise _fail("manifest mismatch: expected the manifest's bytes and a dict of files")
    doc, fingerprint, contents = _verify(
        bytes(manifest), manifest_name, files.get, check_pdf_signature
    )
    for name in files:
        if name.lower().endswith((".csv", ".pdf")) and name not in contents:
            raise _fail(f"manifest mismatch: {name} is not listed in the signed manifest")
    csv_name = next(n for n in contents if n.endswith(".csv"))
    pdf_name = next((n for n in contents if n.endswith(".pdf")), None)
    located = ReturnFiles(
        manifest=Path(manifest_name),
        csv=Path(csv_name),
        pdf=Path(pdf_name) if pdf_name else None,
    )
    return VerifiedReturn(doc, fingerprint, located)


def eml_attachments(data: bytes, name: str = "e-mail") -> dict[str, bytes]:
    """The attachments of an e-mail (``.eml``) by file name."""
    import email
    import email.policy

    try:
        message = email.message_from_bytes(data, policy=email.policy.default)
        out: dict[str, bytes] = {}
        for part in message.iter_attachments():
            filename = part.get_filename()
            payload = part.get_payload(decode=True)
            if filename and isinstance(payload, bytes):
                out[filename] = payload
        return out
    except Exception:  # the e-mail parser raises many kinds on a damaged message
        raise _fail(f"file changed: {name} is not a readable e-mail") from None


def verify_eml(path: Path, check_pdf_signature: bool = False) -> VerifiedReturn:
    """Check a return from the files attached to an e-mail (the draft, or as received)."""
    data = _read(path)
    if data is None:
        raise _fail(f"file missing: {path.name}")
    attached = eml_attachments(data, path.name)
    manifests = [n for n in attached if n.endswith(MANIFEST_SUFFIX)]
    if len(manifests) != 1:
        raise _fail(f"file missing: {path.name} attaches {len(manifests)} manifests, not 1")
    verified = verify_return_bytes(
        attached[manifests[0]],
        attached,
        manifest_name=manifests[0],
        check_pdf_signature=check_pdf_signature,
    )
    return VerifiedReturn(
        verified.manifest,
        verified.fingerprint,
        ReturnFiles(manifest=path.parent / manifests[0], csv=None, pdf=None, eml=path),
    )


def _check_eml(path: Path, listed: dict[str, dict[str, Any]]) -> None:
    """The e-mail draft is not signed, but what it attaches must be the signed files."""
    data = _read(path)
    if data is None:
        return
    for name, payload in eml_attachments(data, path.name).items():
        if name in listed and hashlib.sha256(payload).hexdigest() != listed[name]["sha256"]:
            raise _fail(f"file changed: {path.name} attaches a changed copy of {name}")
