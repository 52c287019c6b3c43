"""The signed manifest: signing, finding and verifying returns, and refusing bad input."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from rxlog.errors import RxlogError
from rxlog.returnformat import ReturnVerificationError
from rxlog.returnformat.discovery import find_returns
from rxlog.returnformat.manifest import (
    ReturnFiles,
    canonical_bytes,
    fingerprint_of,
    manifest_file_bytes,
    sign_manifest,
    verify_return,
    verify_return_bytes,
)

BASE = "rxlog_RPA_2026-11_v1"
CSV = (
    "\ufeffreturn_id,version,entry_id,site,minutes\r\n"
    "5012345-2026-11,1,a,RPA,30\r\n"
    "5012345-2026-11,1,b,'=cmd,15\r\n"
).encode()
PDF = b"%PDF-1.7 not really a pdf but bytes all the same\n%%EOF\n"


def _manifest(**over):
    m = {
        "format": "rxlog-return/1",
        "return_id": "5012345-2026-11",
        "version": 1,
        "supersedes": None,
        "supersedes_reason": None,
        "technician": {"name": "Alex Morgan", "gphc": "5012345"},
        "month": "2026-11",
        "sites": [{"ods": "RPA", "name": "Medway", "site_kind": "trust", "sector": "secondary"}],
        "files": {
            f"{BASE}.csv": {"sha256": hashlib.sha256(CSV).hexdigest(), "bytes": len(CSV)},
            f"{BASE}.pdf": {"sha256": hashlib.sha256(PDF).hexdigest(), "bytes": len(PDF)},
        },
        "rows": 2,
        "totals": {"entries": 2, "minutes": 45},
    }
    m.update(over)
    return m


@pytest.fixture
def key():
    return Ed25519PrivateKey.generate()


def _write(folder: Path, key, manifest=None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    doc = sign_manifest(manifest or _manifest(), key)
    (folder / f"{BASE}.csv").write_bytes(CSV)
    (folder / f"{BASE}.pdf").write_bytes(PDF)
    path = folder / f"{BASE}.manifest.json"
    path.write_bytes(manifest_file_bytes(doc))
    return path


def test_canonical_bytes_are_sorted_compact_utf8():
    assert canonical_bytes({"b": 1, "a": "é"}) == '{"a":"é","b":1}'.encode()


def test_round_trip_from_folder_and_from_any_file(tmp_path, key):
    _write(tmp_path / "ret", key)
    raw = key.public_key().public_bytes_raw()
    for given in ([tmp_path / "ret"], [tmp_path / "ret" / f"{BASE}.csv"], [tmp_path]):
        (rf,) = find_returns(given)
        v = verify_return(rf)
        assert (v.return_id, v.version, v.month, v.gphc) == (
            "5012345-2026-11",
            1,
            "2026-11",
            "5012345",
        )
        assert v.fingerprint == fingerprint_of(raw) == hashlib.sha256(raw).hexdigest()
        assert v.files.csv == tmp_path / "ret" / f"{BASE}.csv"
        assert "Alex Morgan" in v.summary()


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(3))  # several keys: some spellings hide spare bits
def test_every_changed_byte_of_every_file_is_caught(tmp_path, seed):
    key = Ed25519PrivateKey.generate()
    manifest_path = _write(tmp_path, key)
    (rf,) = find_returns([tmp_path])
    for path in (manifest_path, tmp_path / f"{BASE}.csv", tmp_path / f"{BASE}.pdf"):
        original = path.read_bytes()
        for i in range(len(original)):
            for bit in (0x01, 0x02) if path == manifest_path else (0x01,):
                changed = bytearray(original)
                changed[i] ^= bit
                path.write_bytes(bytes(changed))
                with pytest.raises(ReturnVerificationError):
                    verify_return(rf)
        path.write_bytes(original)
    verify_return(rf)


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (lambda d: d.__setitem__("manifest", {**d["manifest"], "rows": 3}), "signature invalid"),
        (lambda d: d["signature"].__setitem__("value", "%%%"), "not valid base64"),
        (lambda d: d["signature"].__setitem__("public_key", 42), "public_key"),
        (lambda d: d["signature"].__setitem__("key_fingerprint", "0" * 64), "key_fingerprint"),
        (lambda d: d["signature"].__setitem__("alg", "RSA"), "not Ed25519"),
        (lambda d: d.pop("signature"), "does not match the format"),
        (lambda d: d.__setitem__("manifest", []), "does not match the format"),
    ],
)
def test_damaged_manifest_is_named(tmp_path, key, damage, expected):
    path = _write(tmp_path, key)
    doc = json.loads(path.read_text("utf-8"))
    damage(doc)
    path.write_bytes(manifest_file_bytes(doc))
    with pytest.raises(ReturnVerificationError, match=expected):
        verify_return(find_returns([tmp_path])[0])


def test_wrong_types_in_a_validly_signed_manifest_are_refused_not_crashed(tmp_path, key):
    for bad in (
        _manifest(version="1"),
        _manifest(files=[]),
        _manifest(files={"../x.csv": {"sha256": "0" * 64, "bytes": 1}}),
        _manifest(files={f"{BASE}.csv": {"sha256": "zz", "bytes": 1}}),
        _manifest(technician="me"),
        _manifest(totals={}),
        _manifest(month="2026-13"),
        _manifest(format="other/9"),
    ):
        _write(tmp_path, key, bad)
        with pytest.raises(ReturnVerificationError, match="does not match the format"):
            verify_return(find_returns([tmp_path])[0])


def test_not_json_and_missing_files(tmp_path, key):
    path = _write(tmp_path, key)
    (tmp_path / f"{BASE}.pdf").unlink()
    with pytest.raises(ReturnVerificationError, match=f"file missing: {BASE}.pdf"):
        verify_return(find_returns([tmp_path])[0])
    path.write_bytes(b"\xff\xfe not json")
    with pytest.raises(ReturnVerificationError, match="corrupt"):
        verify_return(find_returns([tmp_path])[0])
    path.unlink()
    with pytest.raises(ReturnVerificationError, match="file missing"):
        verify_return(find_returns([tmp_path / f"{BASE}.csv"])[0])


def test_csv_figures_must_match_the_manifest(tmp_path, key):
    m = _manifest(rows=3)
    _write(tmp_path, key, m)
    with pytest.raises(ReturnVerificationError, match="has 2 rows"):
        verify_return(find_returns([tmp_path])[0])
    _write(tmp_path, key, _manifest(totals={"minutes": 44}))
    with pytest.raises(ReturnVerificationError, match="minutes add up to 45"):
        verify_return(find_returns([tmp_path])[0])


def test_find_returns_refuses_nothing(tmp_path):
    with pytest.raises(RxlogError, match="no RxLog return"):
        find_returns([tmp_path])
    with pytest.raises(RxlogError, match="no such file"):
        find_returns([tmp_path / "nope"])
    (tmp_path / "x.txt").write_text("hi")
    with pytest.raises(RxlogError, match="not a file of an RxLog return"):
        find_returns([tmp_path / "x.txt"])


def test_verify_bytes_in_memory(tmp_path, key):
    path = _write(tmp_path, key)
    files = {f"{BASE}.csv": CSV, f"{BASE}.pdf": PDF}
    v = verify_return_bytes(path.read_bytes(), files, manifest_name=path.name)
    assert v.version == 1 and v.files.csv == Path(f"{BASE}.csv")
    with pytest.raises(ReturnVerificationError, match="file changed"):
        verify_return_bytes(path.read_bytes(), {**files, f"{BASE}.csv": CSV + b"x"})
    with pytest.raises(ReturnVerificationError, match="file missing"):
        verify_return_bytes(path.read_bytes(), {f"{BASE}.csv": CSV})
    with pytest.raises(ReturnVerificationError, match="not listed"):
        verify_return_bytes(path.read_bytes(), {**files, "other.csv": CSV})
    for junk in (b"", b"null", b"[1]", b'{"manifest": 1, "signature": {}}', b"\x00" * 10):
        with pytest.raises(ReturnVerificationError):
            verify_return_bytes(junk, files)
    with pytest.raises(ReturnVerificationError):
        verify_return_bytes("text", files)  # type: ignore[arg-type]


def test_signature_is_a_real_ed25519_signature(key):
    doc = sign_manifest(_manifest(), key)
    sig = base64.b64decode(doc["signature"]["value"])
    key.public_key().verify(sig, canonical_bytes(doc["manifest"]))  # raises if not
    assert isinstance(ReturnFiles(manifest=Path("a.manifest.json")).base, str)


def test_spare_base64_bits_changed_are_caught(tmp_path, key):
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    path = _write(tmp_path, key)
    doc = json.loads(path.read_text("utf-8"))
    value = doc["signature"]["value"]  # 64 bytes: "xx==" ends it; 4 spare bits in value[-3]
    spare = alphabet[alphabet.index(value[-3]) ^ 0x01]
    doc["signature"]["value"] = value[:-3] + spare + "=="
    assert base64.b64decode(doc["signature"]["value"]) == base64.b64decode(value)
    path.write_bytes(manifest_file_bytes(doc))
    with pytest.raises(ReturnVerificationError, match="not canonical base64"):
        verify_return(find_returns([tmp_path])[0])
