"""A passphrase worth having: Argon2id-sealed keys, a minimum length, old keys re-sealed.

Most tests pass a cheap ``kdf_cost`` explicitly; one creates and unlocks a key at the
real cost, so the production parameters are exercised too.
"""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization

from rxlog.errors import ValidationError
from rxlog.export import keys

CHEAP = keys.KdfCost(memory_kib=1024, iterations=1, lanes=1)
GOOD = "tea and biscuits"


def _header(path) -> dict:
    lines = path.read_bytes().splitlines()
    assert lines[0] == b"-----BEGIN RXLOG ENCRYPTED PRIVATE KEY-----"
    return json.loads(lines[1])


@pytest.mark.parametrize("short", ["a", "password", "elevenchars"])
def test_a_short_passphrase_is_refused_and_nothing_is_made(short, data_dir):
    with pytest.raises(ValidationError) as exc:
        keys.create_keys(data_dir, "Alex Morgan", "5012345", passphrase=short, kdf_cost=CHEAP)
    assert exc.value.field == "passphrase"
    assert f"has {len(short)} characters; use at least 12" in exc.value.message
    assert not keys.has_keys(data_dir) and not (data_dir / "keys").exists()
    assert keys.check_new_passphrase("twelve chars") == "twelve chars"
    assert keys.check_new_passphrase(None) is None and keys.check_new_passphrase("") is None


def test_cli_setup_and_key_create_refuse_a_short_passphrase(cli, data_dir, tmp_path):
    pw = tmp_path / "pw"
    pw.write_text("a\n")
    r = cli("setup", "--name", "Alex Morgan", "--gphc", "5012345", "--passphrase-file", str(pw))
    assert r.code == 2 and "passphrase: the passphrase has 1 characters" in r.err
    assert not data_dir.exists()  # nothing written, not even the folder
    assert cli("setup", "--name", "Alex Morgan", "--gphc", "5012345").code == 0
    r = cli("key", "create", "--passphrase-file", str(pw))
    assert r.code == 2 and "at least 12" in r.err


def test_sealed_keys_unlock_with_the_passphrase_only(data_dir):
    info = keys.create_keys(data_dir, "Alex Morgan", "5012345", passphrase=GOOD, kdf_cost=CHEAP)
    paths = keys.key_paths(data_dir)
    h1, h2 = _header(paths.signing_key), _header(paths.pdf_key)
    assert h1["kdf"] == "argon2id" and h1["cipher"] == "aes-256-gcm"
    assert h1["salt"] == h2["salt"] and h1["nonce"] != h2["nonce"]  # one derivation per unlock
    assert keys.is_encrypted(data_dir) and keys.key_info(data_dir).encrypted
    assert b"PRIVATE KEY-----\nMI" not in paths.signing_key.read_bytes()  # no plain PKCS#8
    with pytest.raises(keys.SigningKeyError, match="protected by a passphrase"):
        keys.load_signing_keys(data_dir)
    with pytest.raises(keys.SigningKeyError, match="wrong passphrase"):
        keys.load_signing_keys(data_dir, "tea and biscuitz")
    assert keys.load_signing_keys(data_dir, GOOD).fingerprint == info.fingerprint


def test_changed_parameters_in_a_sealed_key_are_refused(data_dir):
    keys.create_keys(data_dir, "Alex Morgan", "5012345", passphrase=GOOD, kdf_cost=CHEAP)
    path = keys.key_paths(data_dir).signing_key
    raw = path.read_bytes()
    doc = json.loads(raw.splitlines()[1])
    for key, value in (("iterations", 2), ("salt", "AAAAAAAAAAAAAAAAAAAAAA=="), ("lanes", 99)):
        bad = dict(doc, **{key: value})
        lines = raw.splitlines()
        lines[1] = json.dumps(bad, sort_keys=True).encode()
        path.write_bytes(b"\n".join(lines) + b"\n")
        with pytest.raises(keys.SigningKeyError, match="wrong passphrase|damaged"):
            keys.load_signing_keys(data_dir, GOOD)
    path.write_bytes(raw)
    keys.load_signing_keys(data_dir, GOOD)


@pytest.mark.slow
def test_an_old_pbkdf2_key_still_unlocks_and_is_resealed(data_dir):
    keys.create_keys(data_dir, "Alex Morgan", "5012345")  # plain, then protected the old way
    paths = keys.key_paths(data_dir)
    old_pw = "pw"  # old RxLog accepted any length: such keys must still open
    for p in (paths.signing_key, paths.pdf_key):
        key = serialization.load_pem_private_key(p.read_bytes(), password=None)
        p.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(old_pw.encode()),
            )
        )
    assert paths.signing_key.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY")
    fingerprint = keys.key_info(data_dir).fingerprint
    with pytest.raises(keys.SigningKeyError, match="wrong passphrase"):
        keys.load_signing_keys(data_dir, "not it")
    assert paths.signing_key.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY")
    assert keys.load_signing_keys(data_dir, old_pw).fingerprint == fingerprint  # real cost
    for p in (paths.signing_key, paths.pdf_key):
        header = _header(p)
        assert (header["memory_kib"], header["iterations"], header["lanes"]) == (65536, 3, 4)
        assert oct(p.stat().st_mode & 0o777) in ("0o600", "0o666")  # 0o666: Windows
    assert keys.load_signing_keys(data_dir, old_pw).fingerprint == fingerprint
    with pytest.raises(keys.SigningKeyError, match="wrong passphrase"):
        keys.load_signing_keys(data_dir, "not it")
