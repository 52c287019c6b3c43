"""The return commands as a user types them: setup, key, config, month, export, verify."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest

from rxlog.export import keys
from rxlog.storage import privacy


@pytest.fixture
def setup_cli(cli, data_dir):
    """An installation made through the CLI, with October entries at a GP practice."""
    r = cli("setup", "--name", "Alex Morgan", "--gphc", "5012345", "--lead-email", "lead@nhs.net")
    assert r.code == 0, r.err
    assert "Signing key created" in r.out
    for args in (
        ("placement", "add", "G82001", "--name", "Test Surgery", "--sector", "primary",
         "--from", "2026-10-01", "--to", "2026-10-31"),
        ("log", "REP-MGMT", "--date", "2026-10-05", "--minutes", "30", "--count", "4"),
        ("log", "REC-DIS", "--date", "2026-10-06", "--discharge-received", "2026-10-02"),
    ):  # fmt: skip
        r = cli(*args)
        assert r.code == 0, r.err
    return cli


@pytest.mark.slow
def test_setup_creates_a_private_key_and_key_show_export(setup_cli, data_dir, tmp_path):
    cli = setup_cli
    paths = keys.key_paths(data_dir)
    if sys.platform == "win32":  # mode bits mean nothing on Windows: the ACL does
        assert privacy.who_else(paths.signing_key) == [] and privacy.who_else(paths.folder) == []
    else:
        assert paths.signing_key.stat().st_mode & 0o777 == 0o600
    r = cli("key", "show")
    fingerprint = r.out.strip()
    assert r.code == 0 and len(fingerprint) == 64
    r = cli("key", "export", str(tmp_path / "alex.pem"))
    text = (tmp_path / "alex.pem").read_text()
    assert r.code == 0 and fingerprint in r.out
    assert "BEGIN PUBLIC KEY" in text and "BEGIN CERTIFICATE" in text and "PRIVATE" not in text
    r = cli("key", "create")
    assert r.code == 2 and "already has a signing key" in r.err


@pytest.mark.slow
def test_export_verify_and_locked_month_through_the_cli(setup_cli, tmp_path):
    cli = setup_cli
    out = tmp_path / "out"
    out.mkdir()
    r = cli("month", "check", "2026-10")
    assert r.code == 0 and "next export: version 1" in r.out
    r = cli("export", "2026-10", "--out", str(out))
    assert r.code == 0, r.err
    assert re.search(r"rxlog_G82001_GPhC5012345_[a-p]{8}_2026-10_v1\.pdf", r.out)
    r = cli("verify", str(out))
    assert r.code == 0, r.err
    assert "Alex Morgan" in r.out and "2026-10" in r.out and "version 1" in r.out
    r = cli("log", "REP-MGMT", "--date", "2026-10-20")
    assert r.code == 2 and "signed off" in r.err and "month reopen" in r.err
    r = cli("month", "reopen", "2026-10", "--reason", "missed a day")
    assert r.code == 0 and "version 2" in r.out
    assert cli("log", "REP-MGMT", "--date", "2026-10-20").code == 0
    r = cli("export", "2026-10", "--out", str(out), "--format", "json")
    assert r.code == 0, r.err
    assert json.loads(r.out)["version"] == 2
    r = cli("verify", "--format", "json", str(out))
    assert r.code == 0 and [x["version"] for x in json.loads(r.out)] == [1, 2]
    r = cli("month", "returns")
    assert r.code == 0 and "2026-10 v2 (replaces v1: missed a day)" in r.out


@pytest.mark.slow
def test_verify_names_what_is_wrong_and_exits_1(setup_cli, tmp_path):
    cli = setup_cli
    out = tmp_path / "out"
    out.mkdir()
    assert cli("export", "2026-10", "--out", str(out)).code == 0
    (csv_path,) = out.glob("rxlog_G82001_GPhC5012345_*_2026-10_v1.csv")
    data = bytearray(csv_path.read_bytes())
    data[-5] ^= 1
    csv_path.write_bytes(bytes(data))
    r = cli("verify", str(csv_path))
    assert r.code == 1 and f"file changed: {csv_path.name}" in r.err
    csv_path.unlink()
    r = cli("verify", str(out))
    assert r.code == 1 and "file missing" in r.err
    r = cli("verify", str(tmp_path / "empty-nothing"))
    assert r.code == 1 and "no such file" in r.err


@pytest.mark.slow
def test_bad_inputs_exit_non_zero_and_change_nothing(setup_cli, data_dir, tmp_path):
    cli = setup_cli
    out = tmp_path / "out"
    out.mkdir()
    for args, code, message in (
        (("export", "2026-08", "--out", str(out)), 2, "no entries"),
        (("export", "2026-12", "--out", str(out)), 2, "in the future"),
        (("export", "2026-10", "--out", str(tmp_path / "no" / "such")), 1, "does not exist"),
        (
            ("export", "2026-10", "--out", str(tmp_path / "new"), "--passphrase-file", "/nope"),
            2,
            "cannot read",
        ),
        (("export", "2026-10", "--out", str(out), "--passphrase-file", "/nope"), 2, "cannot read"),
        (("config", "set", "lead-email", "not an address"), 2, "not an e-mail address"),
        (("config", "set", "unit-cost-version", "1999.9"), 1, "no unit-cost table"),
        (("month", "reopen", "2026-10", "--reason", "x"), 2, "has not been signed off"),
    ):
        r = cli(*args)
        assert r.code == code, (args, r.err)
        assert message in r.err, (args, r.err)
    assert list(out.iterdir()) == []
    assert not (tmp_path / "new").exists() and not (tmp_path / "no").exists()
    assert "next export: version 1" in cli("month", "check", "2026-10").out
    r = cli("config", "get")
    assert "lead-email = lead@nhs.net" in r.out


@pytest.mark.slow
def test_passphrase_protected_key(cli, data_dir, tmp_path, monkeypatch):
    pw = tmp_path / "pw.txt"
    pw.write_text("tea and biscuits\n")
    r = cli("setup", "--name", "Alex Morgan", "--gphc", "5012345", "--passphrase-file", str(pw))
    assert r.code == 0 and "protected by a passphrase" in r.out
    assert keys.is_encrypted(data_dir)
    cli("placement", "add", "G82001", "--name", "S", "--sector", "primary", "--from", "2026-10-01")
    assert cli("log", "REP-MGMT", "--date", "2026-10-05").code == 0
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.delenv("RXLOG_KEY_PASSPHRASE", raising=False)
    r = cli("export", "2026-10", "--out", str(out))
    assert r.code == 1 and "protected by a passphrase" in r.err
    monkeypatch.setenv("RXLOG_KEY_PASSPHRASE", "wrong")
    r = cli("export", "2026-10", "--out", str(out))
    assert r.code == 1 and "wrong passphrase" in r.err
    assert list(out.iterdir()) == []
    monkeypatch.delenv("RXLOG_KEY_PASSPHRASE")
    r = cli("export", "2026-10", "--out", str(out), "--passphrase-file", str(pw))
    assert r.code == 0, r.err
    assert "no lead e-mail address" in r.err  # a warning; the draft has no recipient
    assert cli("verify", str(out)).code == 0


def test_setup_refuses_bad_lead_email_before_writing(cli, data_dir):
    r = cli("setup", "--name", "A", "--gphc", "5012345", "--lead-email", "nope")
    assert r.code == 2
    assert not keys.has_keys(data_dir)
    assert not Path(data_dir, "keys").exists() or not os.listdir(Path(data_dir, "keys"))
