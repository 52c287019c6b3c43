"""Moving a month between PCs (issue 12): ``rxlog handover`` on the old PC, ``rxlog
handover import`` on the new one, on real installations, keys, files and audit trails."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from conftest import run_cli


def _rows(data: Path, q: str) -> list[tuple]:
    con = sqlite3.connect(data / "rxlog.sqlite3")
    try:
        return con.execute(q).fetchall()
    finally:
        con.close()


def _state(data: Path) -> dict:
    return {
        t: _rows(data, f"SELECT * FROM {t} ORDER BY 1") for t in ("entry", "audit", "month_lock")
    }


@pytest.fixture
def two(tmp_path, monkeypatch):
    """The old PC with November's entries (one edited, one with a note) and a new PC set
    up from its profile."""
    monkeypatch.setenv("RXLOG_TODAY", "2026-11-20")
    monkeypatch.delenv("RXLOG_KEY_PASSPHRASE", raising=False)
    old, new = tmp_path / "old", tmp_path / "new"
    steps = [
        ("setup", "--name", "Alex Morgan", "--gphc", "5012345", "--installation-name", "Old PC"),
        ("placement", "add", "G82001", "--name", "Test Surgery", "--sector", "primary",
         "--from", "2026-09-01"),
        ("log", "REP-MGMT", "--date", "2026-11-02", "--minutes", "30", "--count", "4"),
        ("log", "REC-DIS", "--date", "2026-11-03", "--minutes", "25", "--note", "bed 4 query"),
    ]  # fmt: skip
    for args in steps:
        r = run_cli(old, *args)
        assert r.code == 0, (args, r.err)
    first = json.loads(run_cli(old, "list", "--format", "json").out)[0]["id"]
    assert run_cli(old, "edit", first, "--minutes", "35", "--reason", "typo").code == 0
    prof = tmp_path / "profile.json"
    assert run_cli(old, "profile", "export", str(prof)).code == 0
    r = run_cli(new, "setup", "--from-profile", str(prof), "--installation-name", "New PC")
    assert r.code == 0, r.err
    return old, new


@pytest.mark.slow
def test_a_month_moves_with_its_ids_and_history_and_a_second_import_changes_nothing(two, tmp_path):
    old, new = two
    f = tmp_path / "nov.handover.json"
    r = run_cli(old, "handover", "2026-11", "--out", str(f))
    assert r.code == 0, r.err
    assert "2 entries of 2026-11" in r.out and "closed here" in r.out
    text = f.read_text(encoding="utf-8")
    assert "bed 4 query" not in text  # notes stay on the old PC
    # The old PC: the month is closed (no new entries), and the audit trail says so.
    r = run_cli(old, "log", "REP-MGMT", "--date", "2026-11-05", "--minutes", "5")
    assert r.code == 2
    assert _rows(old, "SELECT action, entry_id FROM audit WHERE action = 'handover'") == [
        ("handover", "month:2026-11")
    ]
    assert run_cli(old, "audit", "--verify").code == 0
    r = run_cli(old, "export", "2026-11", "--out", str(tmp_path / "ret"))
    assert r.code == 2 and "handed over" in r.err
    # The new PC: the entries, with their original ids; the audit summarises the history.
    r = run_cli(new, "handover", "import", str(f))
    assert r.code == 0, r.err
    assert "2 entries of 2026-11 added from Old PC" in r.out
    assert _rows(new, "SELECT id, code, minutes, note FROM entry ORDER BY date") == [
        (i, c, m, None)
        for i, c, m, _ in _rows(old, "SELECT id, code, minutes, note FROM entry ORDER BY date")
    ]
    reasons = [r for (r,) in _rows(new, "SELECT reason FROM audit WHERE action = 'create'")]
    assert any(
        "handed over from Old PC" in x and "2 audit records (create, update)" in x for x in reasons
    )
    assert run_cli(new, "audit", "--verify").code == 0
    before = _state(new)
    r = run_cli(new, "handover", "import", str(f))
    assert r.code == 0 and "nothing changed" in r.out
    assert _state(new) == before
    # and the new PC signs the month off.
    assert run_cli(new, "export", "2026-11", "--out", str(tmp_path / "ret")).code == 0


@pytest.mark.slow
def test_notes_travel_only_with_notes_encrypted_to_the_passphrase(two, tmp_path):
    old, new = two
    f = tmp_path / "nov.handover"
    r = run_cli(old, "handover", "2026-11", "--out", str(f), "--with-notes")
    assert r.code == 2 and "passphrase" in r.err and not f.exists()
    pw = tmp_path / "pw.txt"
    pw.write_text("correct horse\n")
    r = run_cli(
        old, "handover", "2026-11", "--out", str(f), "--with-notes", "--passphrase-file", str(pw)
    )
    assert r.code == 0, r.err
    raw = f.read_bytes()
    assert b"bed 4 query" not in raw and b"REP-MGMT" not in raw
    header = json.loads(raw)
    assert header["kdf"] == "argon2id" and header["cipher"] == "aes-256-gcm"
    before = _state(new)
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("battery staple\n")
    r = run_cli(new, "handover", "import", str(f), "--passphrase-file", str(wrong))
    assert r.code == 2 and "wrong passphrase" in r.err
    r = run_cli(new, "handover", "import", str(f))
    assert r.code == 2 and "encrypted" in r.err
    assert _state(new) == before
    r = run_cli(new, "handover", "import", str(f), "--passphrase-file", str(pw))
    assert r.code == 0, r.err
    assert ("bed 4 query",) in _rows(new, "SELECT note FROM entry")


@pytest.mark.slow
def test_bad_handovers_are_refused_with_a_reason_and_nothing_changes(two, tmp_path):
    old, new = two
    f = tmp_path / "nov.json"
    assert run_cli(old, "handover", "2026-11", "--out", str(f)).code == 0
    raw = f.read_bytes()
    changed = tmp_path / "changed.json"
    changed.write_bytes(raw.replace(b'"minutes": 35', b'"minutes": 36'))
    # another technician's handover
    sam = tmp_path / "sam"
    for args in (
        ("setup", "--name", "Sam Patel", "--gphc", "5023456"),
        ("placement", "add", "G82001", "--name", "Test Surgery", "--sector", "primary",
         "--from", "2026-09-01"),
        ("log", "REP-MGMT", "--date", "2026-11-02", "--minutes", "30"),
    ):  # fmt: skip
        assert run_cli(sam, *args).code == 0
    other = tmp_path / "sam.json"
    assert run_cli(sam, "handover", "2026-11", "--out", str(other)).code == 0
    before = _state(new)
    for path, why in (
        (changed, "was changed after it was signed"),
        (other, "is GPhC 5023456's, not Alex Morgan's"),
    ):
        r = run_cli(new, "handover", "import", str(path))
        assert r.code == 2 and why in r.err, r.err
        assert _state(new) == before
    # A clash: an entry here with the same id and other fields.
    assert run_cli(new, "handover", "import", str(f)).code == 0
    eid = _rows(new, "SELECT id FROM entry WHERE code = 'REC-DIS'")[0][0]
    assert run_cli(new, "edit", eid, "--minutes", "50", "--reason", "longer").code == 0
    before = _state(new)
    r = run_cli(new, "handover", "import", str(f))
    assert r.code == 2 and "1 entries that clash" in r.err and eid[:8] in r.err
    assert _state(new) == before


@pytest.mark.slow
def test_a_handover_into_a_signed_off_month_is_refused(two, tmp_path):
    old, new = two
    assert run_cli(new, "log", "REP-MGMT", "--date", "2026-11-10", "--minutes", "5").code == 0
    assert run_cli(new, "export", "2026-11", "--out", str(tmp_path / "ret")).code == 0
    f = tmp_path / "nov.json"
    assert run_cli(old, "handover", "2026-11", "--out", str(f)).code == 0
    before = _state(new)
    r = run_cli(new, "handover", "import", str(f))
    assert r.code == 2 and "already signed off on this PC" in r.err
    assert _state(new) == before
