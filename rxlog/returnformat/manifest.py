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
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rxlog.returnformat import (
    FORMAT_V2,
    MANIFEST_SUFFIX,
    READABLE_FORMATS,
    ReturnVerificationError,
    short_installation_id,
)
from rxlog.returnformat.csvfile import unescape
from rxlog.returnformat.discovery import SAFE_NAME as _SAFE_NAME
from rxlog.returnformat.discovery import Candidate, load
from rxlog.returnformat.keyfile import fingerprint_of as fingerprint_of

_HEX64 = re.compile(r"[0-9a-f]{64}")
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
LEGACY_INSTALLATION = "legacy"  # what a return from before installations counts as
# Numbers in a manifest are whole and far below what a database integer holds.
MAX_INT = 2**53
MAX_TEXT = 4000
MAX_DEPTH = 12


# -- signing -------------------------------------------------------------------------
def canonical_bytes(manifest: dict[str, Any]) -> bytes:
    """The exact bytes the Ed25519 signature covers."""
    return json.dumps(manifest, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


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


# -- where a checked return's files are ----------------------------------------------
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


# -- checking ------------------------------------------------------------------------
@dataclass(frozen=True)
class VerifiedReturn:
    """A return whose signature, files and figures all check out."""

    manifest: dict[str, Any]
    fingerprint: str
    files: ReturnFiles
    contents: dict[str, bytes] = field(default_factory=dict, repr=False)  # name -> bytes

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
    def nil(self) -> bool:
        """A signed "nothing this month" return."""
        return self.manifest.get("nil") is True

    @property
    def installation_id(self) -> str | None:
        """The installation's UUID (None: a return from before installations)."""
        inst = self.manifest.get("installation")
        return str(inst["id"]) if isinstance(inst, dict) else None

    @property
    def installation_name(self) -> str | None:
        inst = self.manifest.get("installation")
        return str(inst["name"]) if isinstance(inst, dict) else None

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
        if self.nil:
            sites = "a nil return: nothing done this month"
        inst = (
            f"installation {self.installation_name} "
            f"({short_installation_id(self.installation_id)}), "
            if self.installation_id
            else ""
        )
        return (
            f"genuine: {self.technician_name} (GPhC {self.gphc}), {inst}{self.month}, "
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


_escape = json.encoder.encode_basestring  # the C function json.dumps uses for a text


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number RxLog writes")


def _checked_layout(document: Any, name: str) -> bytes:
    """Every value is one RxLog writes: no lone surrogates or huge text, whole numbers
    in range, no floats, nesting shallow (so nothing later overflows or fails to encode);
    and, in the same walk, the bytes :func:`manifest_file_bytes` writes for ``document``
    (``json.dumps`` with ``indent=2`` runs in Python, not in the C encoder, and took
    as long again as this whole walk and the checks before it).

    The same text as ``json.dumps(document, indent=2, sort_keys=True,
    ensure_ascii=False) + "\\n"`` for every value that passes the checks
    (``tests/test_returnformat.py`` holds the two side by side); texts are escaped by
    the json module's own C function."""
    parts: list[str] = []
    add = parts.append

    def walk(value: Any, depth: int, pad: str) -> None:
        if depth > MAX_DEPTH:
            raise _fail(f"manifest {name} does not match the format: nested too deep")
        if isinstance(value, str):
            if len(value) > MAX_TEXT:
                raise _fail(f"manifest {name} does not match the format: a text is too long")
            add(_escape(value))
        elif value is None:
            add("null")
        elif value is True or value is False:
            add("true" if value else "false")
        elif isinstance(value, int):
            if abs(value) > MAX_INT:
                raise _fail(f"manifest {name} does not match the format: a number is out of range")
            add(int.__repr__(value))
        elif isinstance(value, float):
            raise _fail(f"manifest {name} does not match the format: numbers are whole")
        elif isinstance(value, dict):
            if not value:
                add("{}")
                return
            inner = pad + "  "
            add("{\n" + inner)
            for i, key in enumerate(sorted(value)):
                if i:
                    add(",\n" + inner)
                walk(key, depth + 1, inner)
                add(": ")
                walk(value[key], depth + 1, inner)
            add("\n" + pad + "}")
        elif isinstance(value, list):
            if not value:
                add("[]")
                return
            inner = pad + "  "
            add("[\n" + inner)
            for i, item in enumerate(value):
                if i:
                    add(",\n" + inner)
                walk(item, depth + 1, inner)
            add("\n" + pad + "]")
        else:  # json.loads gives nothing else; a caller's other object is not RxLog's
            raise _fail(f"manifest {name} does not match the format: a value of another kind")

    walk(document, 0, "")
    add("\n")
    try:
        return "".join(parts).encode("utf-8")
    except UnicodeEncodeError:
        raise _fail(
            f"manifest {name} is corrupt: a text holds a lone surrogate (not real text)"
        ) from None


def _parse_document(data: bytes, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        document = json.loads(data.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _fail(f"manifest {name} is corrupt: not valid UTF-8 JSON") from None
    if not isinstance(document, dict):
        raise _fail(f"manifest {name} is corrupt: not a JSON object")
    laid_out = _checked_layout(document, name)
    manifest, signature = document.get("manifest"), document.get("signature")
    if not isinstance(manifest, dict) or not isinstance(signature, dict):
        raise _fail(f"manifest {name} does not match the format: needs 'manifest' and 'signature'")
    if set(document) != {"manifest", "signature"} or set(signature) != _SIGNATURE_KEYS:
        # nothing unsigned rides along
        raise _fail(f"file changed: {name} (it holds fields RxLog did not write)")
    if laid_out != data:  # manifest_file_bytes(document), in the walk above
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
    if manifest.get("format") not in READABLE_FORMATS:
        raise _fail(
            "manifest does not match the format: format is not one of "
            + ", ".join(repr(f) for f in READABLE_FORMATS)
        )
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
    if "installation" in manifest:
        inst = manifest["installation"]
        if (
            not isinstance(inst, dict)
            or set(inst) != {"id", "name"}
            or not isinstance(inst.get("id"), str)
            or not _UUID.fullmatch(inst["id"])
            or not isinstance(inst.get("name"), str)
            or not inst["name"].strip()
            or len(inst["name"]) > 200
            or any(unicodedata.category(c) in ("Cc", "Cf") for c in inst["name"])
        ):
            raise _fail(
                "manifest does not match the format: installation needs an id (a UUID) "
                "and a name (one line of plain text)"
            )
    if "nil" in manifest and (manifest["nil"] is not True or manifest.get("rows") != 0):
        raise _fail("manifest does not match the format: nil is true, and only with no rows")
    _require(manifest, "rows", int)
    totals = _require(manifest, "totals", dict)
    if not isinstance(totals.get("minutes"), int) or isinstance(totals.get("minutes"), bool):
        raise _fail("manifest does not match the format: totals.minutes is missing")
    files = _require(manifest, "files", dict)
    if not files:
        raise _fail("manifest does not match the format: it lists no files")
    for name, info in files.items():
        if not _SAFE_NAME.fullmatch(name) or ".." in name:
            raise _fail(f"manifest does not match the format: bad file name {name[:80]!r}")
        if (
            not isinstance(info, dict)
            or not isinstance(info.get("sha256"), str)
            or not _HEX64.fullmatch(info["sha256"])
            or not isinstance(info.get("bytes"), int)
        ):
            raise _fail(f"manifest does not match the format: bad entry for file {name}")
    if sum(1 for n in files if n.endswith(".csv")) != 1:
        raise _fail("manifest does not match the format: it lists no CSV file, or several")
    pdfs = sum(1 for n in files if n.endswith(".pdf"))
    if pdfs > 1:
        raise _fail("manifest does not match the format: it lists several PDF files")
    cert = manifest.get("pdf_certificate_sha256")
    if cert is not None and (not isinstance(cert, str) or not _HEX64.fullmatch(cert)):
        raise _fail("manifest does not match the format: pdf_certificate_sha256 is not a hash")
    if manifest["format"] == FORMAT_V2:
        # Format 2: the PDF is part of the return, its certificate named, and every file
        # name carries the technician's GPhC number, month and version.
        if pdfs != 1 or cert is None:
            raise _fail(
                "manifest does not match the format: a format-2 return lists its PDF and "
                "names the PDF's certificate"
            )
        who, when = f"_GPhC{tech['gphc']}_", f"_{month}_v{version}."
        for name in files:
            if not name.startswith("rxlog_") or who not in name or when not in name:
                raise _fail(
                    f"manifest does not match the format: {name} is not named for GPhC "
                    f"{tech['gphc']}, {month}, v{version}"
                )
    return files


def _check_file(name: str, info: dict[str, Any], data: bytes | None) -> None:
    if data is None:
        raise _fail(f"file missing: {name}")
    if len(data) != info["bytes"] or hashlib.sha256(data).hexdigest() != info["sha256"]:
        raise _fail(f"file changed: {name} (it does not match the signed manifest)")


# The minutes cell of each row, by the header's index of ``minutes``: compiled once per
# index (RxLog writes it 15th), never per return; a CSV with it further along than this
# is read row by row (no expression of a hostile header's length is ever compiled).
_MINUTES_AT: dict[int, re.Pattern[str]] = {}
_MINUTES_AT_MOST = 64


def _minutes_cells(text: str, at: int) -> list[str]:
    """Cell ``at`` of every line after a ``\\n``: at fields ``[^,]*,`` then the cell, up to
    the next comma or CR. Only meaningful with :func:`_agrees_plainly`'s checks.

    The runs are possessive (``*+``): a run of non-commas followed by a comma can only
    end at that comma, so giving some back never finds another match; saying so spares
    the engine its backtracking records (a third faster over 2,000 rows)."""
    pattern = _MINUTES_AT.get(at)
    if pattern is None:
        pattern = _MINUTES_AT[at] = re.compile("\n" + "[^,]*+," * at + "([^,\r]*+)[,\r]")
    return pattern.findall(text)


def _agrees_plainly(manifest: dict[str, Any], text: str) -> bool:
    """True when a plain CSV agrees with the manifest (every row this return's, its
    rows and minutes the manifest's), read at C speed; False when it does not or is not
    plain, and the reading row by row below judges it (and words what is wrong).

    Plain: no ``"``, no NUL, ``return_id`` and ``version`` its first columns (as RxLog
    writes them), every line ending ``\\r\\n`` (the last one too), every line after the
    header starting with this return's id and version, no other CR or LF, no line over
    the csv module's cell limit. csv.reader's rows are then exactly the lines split at
    commas, so this is the same reading; it only ever says yes where that one would
    (``tests/test_verify_csv_reader.py``).

    How: split at ``\\r\\n<id>,<version>,``, the pieces are the rows (a CR or LF left in
    one, or a blank line, and it is not plain); one regular expression takes every
    row's minutes cell. It finds one per row only if no row is short of cells: a match
    that ran past its line's end would take the next row's line end with it.
    """
    if '"' in text or "\0" in text:
        return False
    rid, version = manifest["return_id"], str(manifest["version"])
    if unescape(rid) != rid or any(c in rid for c in ',"\r\n'):
        return False
    row_start = "\r\n" + rid + "," + version + ","
    rows = text.split(row_start)
    header = rows.pop(0)
    if not rows or not rows[-1].endswith("\r\n"):
        return False
    rows[-1] = rows[-1][:-2]
    cells = "".join(rows)
    if "\r" in cells or "\n" in cells or "\r" in header or "\n" in header:
        return False  # a lone CR or LF, a blank line, or a row of another return
    if max(len(header), len(row_start) + max(map(len, rows))) >= csv.field_size_limit():
        return False
    where = {col: i for i, col in enumerate(header.split(","))}
    at = where.get("minutes")
    if where.get("return_id") != 0 or where.get("version") != 1 or at is None:
        return False
    if at > _MINUTES_AT_MOST:
        return False
    found = _minutes_cells(text, at)
    if len(found) != len(rows):
        return False  # a row with fewer cells than the header's minutes needs
    try:  # each distinct cell read once (a month holds a few dozen)
        minutes = sum(int(cell) * n for cell, n in Counter(found).items())
    except ValueError:  # minutes not a number
        return False
    return len(rows) == manifest["rows"] and minutes == manifest["totals"]["minutes"]


def _check_csv(manifest: dict[str, Any], name: str, data: bytes) -> None:
    """The CSV's rows and minutes agree with the manifest's figures."""
    try:
        text = data.decode("utf-8-sig")
        if _agrees_plainly(manifest, text):
            return
        # csv.reader with the header's last index of each name, read as csv.DictReader
        # reads it (blank lines skipped, a short row unreadable) at a third of its cost.
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader, None) or []
        where = {col: i for i, col in enumerate(header)}
        at: tuple[int, int, int] | None = None  # looked up at the first row, as DictReader
        rows = 0
        minutes = 0
        for row in reader:
            if not row:
                continue
            if at is None:
                at = (where["minutes"], where["return_id"], where["version"])
            at_minutes, at_id, at_version = at
            rows += 1
            minutes += int(row[at_minutes])
            if unescape(row[at_id]) != manifest["return_id"] or int(row[at_version]) != int(
                manifest["version"]
            ):
                raise _fail(
                    f"manifest mismatch: {name} row {rows} belongs to "
                    f"{row[at_id][:40]!r} v{row[at_version][:10]}, not this return"
                )
    except ReturnVerificationError:
        raise
    except (
        UnicodeDecodeError, csv.Error, KeyError, IndexError, TypeError, ValueError,
        AttributeError,
    ):  # fmt: skip
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


def _certificate_key(der: bytes) -> str | None:
    """The Ed25519 fingerprint an RxLog certificate names (its ``dnQualifier``)."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    try:
        cert = x509.load_der_x509_certificate(der)
        values = cert.subject.get_attributes_for_oid(NameOID.DN_QUALIFIER)
    except ValueError:
        return None
    return str(values[0].value) if values else None


def _check_email(
    eml: str,
    attached: dict[str, bytes],
    contents: dict[str, bytes],
    manifest_name: str,
    manifest: bytes,
) -> None:
    """The e-mail beside a return attaches every signed file and the manifest, each the
    very file beside it: it is what reaches the lead, so a draft that lacks one (or is
    left from another export) would be refused there although the files here are fine."""
    expected = {**contents, manifest_name: manifest}
    for name in sorted(expected):
        if name in attached and attached[name] != expected[name]:
            raise _fail(f"file changed: {eml} attaches a changed copy of {name}")
    missing = [name for name in sorted(expected) if name not in attached]
    if missing:
        raise _fail(
            f"file missing: {eml} does not attach {', '.join(missing)} (it is not this "
            "return's e-mail as exported: export the month again for a new draft)"
        )


def verify_return_bytes(
    manifest: bytes,
    files: dict[str, bytes],
    *,
    manifest_name: str = "manifest.json",
    check_pdf_signature: bool = False,
    check_csv: bool = True,
) -> VerifiedReturn:
    """Check a return held in memory: signature, every listed file, the CSV's figures.

    ``check_csv=False`` leaves out reading the CSV's rows against the manifest's figures,
    for a caller that parses and checks every row itself (the lead's import).

    ``files`` is keyed by file name and may also hold the manifest itself; any other
    CSV or PDF in it must be one the manifest lists. Keys ``"<e-mail>/<name>"`` are the
    attachments of the return's e-mail beside it: it must attach every listed file and
    the manifest, each the very bytes given here.
    """
    if not isinstance(manifest, bytes | bytearray) or not isinstance(files, dict):
        raise _fail("manifest mismatch: expected the manifest's bytes and a dict of files")
    m, signature = _parse_document(bytes(manifest), manifest_name)
    fingerprint = _check_signature(m, signature)
    listed = _check_structure(m)
    contents: dict[str, bytes] = {}
    for name, info in sorted(listed.items()):
        data = files.get(name)
        _check_file(name, info, data)
        assert data is not None
        contents[name] = data
    emails: dict[str, dict[str, bytes]] = {}
    for name in files:
        if "/" in name:  # an attachment of the e-mail beside the return
            eml, _, inside = name.partition("/")
            emails.setdefault(eml, {})[inside] = files[name]
        elif name.lower().endswith((".csv", ".pdf")) and name not in contents:
            raise _fail(f"manifest mismatch: {name} is not listed in the signed manifest")
    for eml, carried in emails.items():
        _check_email(eml, carried, contents, manifest_name, bytes(manifest))
    csv_name = next(n for n in contents if n.endswith(".csv"))
    if check_csv:
        _check_csv(m, csv_name, contents[csv_name])
    pdf_name = next((n for n in contents if n.endswith(".pdf")), None)
    if check_pdf_signature and pdf_name is not None:
        from rxlog.returnformat.pdf import check_pdf_signature as check_pdf

        try:
            der = check_pdf(contents[pdf_name], m.get("pdf_certificate_sha256"))
        except ReturnVerificationError as exc:
            raise _fail(f"{pdf_name}: {exc.message}") from None
        if _certificate_key(der) != fingerprint:
            raise _fail(
                f"signature invalid: {pdf_name} is signed with the certificate of another "
                "key than the one that signed the manifest (the PDF belongs to another return)"
            )
    located = ReturnFiles(
        manifest=Path(manifest_name),
        csv=Path(csv_name),
        pdf=Path(pdf_name) if pdf_name else None,
    )
    return VerifiedReturn(m, fingerprint, located, contents)


def verify_return(cand: Candidate, check_pdf_signature: bool = False) -> VerifiedReturn:
    """Check one discovered return (:func:`rxlog.returnformat.discovery.find_returns`)."""
    if cand.kind == "problem":
        raise _fail(cand.problem or f"{cand.label} holds no return")
    manifest, files = load(cand)
    v = verify_return_bytes(
        manifest, files, manifest_name=cand.manifest_name, check_pdf_signature=check_pdf_signature
    )
    path = Path(cand.path)
    if cand.kind == "eml":
        located = ReturnFiles(manifest=path.parent / cand.manifest_name, eml=path)
    else:
        folder = path.parent
        located = ReturnFiles(
            manifest=path,
            csv=folder / v.files.csv.name if v.files.csv else None,
            pdf=folder / v.files.pdf.name if v.files.pdf else None,
            eml=Path(cand.eml) if cand.eml else None,
        )
    return VerifiedReturn(v.manifest, v.fingerprint, located, v.contents)
