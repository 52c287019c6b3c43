"""A second PC starts where the first one is (issue 12): ``rxlog profile export``,
``rxlog setup --from-profile`` and ``rxlog profile import``, on real installations,
real keys and real files; bad profiles refused with exit 2 and nothing changed."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from conftest import run_cli

from rxlog.service import RxLog


def _dump(data: Path) -> dict:
    """Everything the profile may change, as stored."""
    con = sqlite3.connect(data / "rxlog.sqlite3")
    try:
        return {
            t: con.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
            for t in ("technician", "placement", "phase", "setting", "installation", "entry")
        }
    finally:
        con.close()


@pytest.fixture
def first(tmp_path, monkeypatch):
    """The practice PC, in use: technician, calendar, phases, favourites, lead, entries."""
    monkeypatch.setenv("RXLOG_TODAY", "2026-11-20")
    d = tmp_path / "first"
    steps = [
        ("setup", "--name", "Alex Morgan", "--gphc", "5012345", "--lead-email", "lead@nhs.net",
         "--installation-name", "Gillingham practice PC"),
        ("placement", "add", "G82001", "--name", "Test Surgery", "--sector", "primary",
         "--from", "2026-09-01", "--to", "2026-11-30"),
        ("phase", "add", "pilot", "--from", "2026-09-01"),
        ("log", "REP-MGMT", "--date", "2026-11-02", "--minutes", "30", "--note", "private"),
    ]  # fmt: skip
    for args in steps:
        r = run_cli(d, *args)
        assert r.code == 0, (args, r.err)
    app = RxLog.open(d)
    try:
        app.set_setting("favourites", '["REC-DIS", "REP-MGMT"]')
        app.set_setting("backup.keep_daily", "9")
    finally:
        app.close()
    return d


def test_a_new_pc_is_set_up_from_a_profile_in_one_step(first, tmp_path):
    prof = tmp_path / "alex.rxlog-profile.json"
    r = run_cli(first, "profile", "export", str(prof))
    assert r.code == 0, r.err
    assert "1 placements, 1 phases, 2 favourites" in r.out
    text = prof.read_text(encoding="utf-8")
    doc = json.loads(text)
    p = doc["profile"]
    assert p["technician"] == {"name": "Alex Morgan", "gphc": "5012345"}
    assert [x["ods"] for x in p["placements"]] == ["G82001"]
    assert [x["name"] for x in p["phases"]] == ["pilot"]
    assert p["favourites"] == ["REC-DIS", "REP-MGMT"] and p["lead_email"] == "lead@nhs.net"
    assert p["settings"] == {"backup.keep_daily": "9"}
    # never entries, notes or keys
    for secret in ("private", 'REP-MGMT", "date', "PRIVATE KEY", "BEGIN"):
        assert secret not in text
    second = tmp_path / "second"
    r = run_cli(second, "setup", "--from-profile", str(prof), "--installation-name", "Trust laptop")
    assert r.code == 0, r.err
    assert "RxLog is set up for Alex Morgan (GPhC 5012345)" in r.out
    assert "Signing key created" in r.out  # the new PC makes its own key
    a, b = RxLog.open(first), RxLog.open(second)
    try:
        assert b.technician() == a.technician()
        assert [(x.ods, x.name, x.sector, x.date_from, x.date_to) for x in b.placements()] == [
            (x.ods, x.name, x.sector, x.date_from, x.date_to) for x in a.placements()
        ]
        assert [(x.name, x.date_from) for x in b.phases()] == [
            (x.name, x.date_from) for x in a.phases()
        ]
        assert b.setting("favourites") == '["REC-DIS", "REP-MGMT"]'
        assert b.setting("lead_email") == "lead@nhs.net" and b.setting("backup.keep_daily") == "9"
        assert b.list_entries() == []
        assert (
            b.installation().name == "Trust laptop" and b.installation().id != a.installation().id
        )
    finally:
        a.close()
        b.close()
    from rxlog.export.keys import key_info

    assert key_info(second).fingerprint != key_info(first).fingerprint


@pytest.mark.slow
def test_a_newer_profile_updates_placements_and_phases_an_older_one_is_refused(first, tmp_path):
    v1 = tmp_path / "v1.json"
    assert run_cli(first, "profile", "export", str(v1)).code == 0
    second = tmp_path / "second"
    assert run_cli(second, "setup", "--from-profile", str(v1)).code == 0
    # On the practice PC the rotation moves on; its new profile reaches the trust laptop.
    r = run_cli(first, "placement", "add", "RPA", "--name", "Medway NHS Foundation Trust",
                "--sector", "secondary", "--from", "2026-12-01")  # fmt: skip
    assert r.code == 0, r.err
    v2 = tmp_path / "v2.json"
    assert run_cli(first, "profile", "export", str(v2)).code == 0
    r = run_cli(second, "profile", "import", str(v2))
    assert r.code == 0, r.err
    assert "took 2 placements and 1 phases" in r.out
    app = RxLog.open(second)
    try:
        assert [p.ods for p in app.placements()] == ["G82001", "RPA"]
    finally:
        app.close()
    # The same file again changes nothing; the older one is refused, nothing changed.
    before = _dump(second)
    r = run_cli(second, "profile", "import", str(v2))
    assert r.code == 0 and "nothing changed" in r.out
    r = run_cli(second, "profile", "import", str(v1))
    assert r.code == 2 and "older profile never replaces a newer one" in r.err
    assert _dump(second) == before


def _other_technician_profile(tmp_path: Path) -> Path:
    d = tmp_path / "sam"
    assert run_cli(d, "setup", "--name", "Sam Patel", "--gphc", "5023456").code == 0
    f = tmp_path / "sam.json"
    assert run_cli(d, "profile", "export", str(f)).code == 0
    return f


@pytest.mark.slow
def test_bad_profiles_are_refused_with_a_reason_and_nothing_changes(first, tmp_path):
    good = tmp_path / "good.json"
    assert run_cli(first, "profile", "export", str(good)).code == 0
    second = tmp_path / "second"
    assert run_cli(second, "setup", "--from-profile", str(good)).code == 0
    before = _dump(second)
    raw = good.read_bytes()
    changed = tmp_path / "changed.json"
    changed.write_bytes(raw.replace(b"Test Surgery", b"Test Surgerz"))
    spaced = tmp_path / "spaced.json"
    spaced.write_bytes(raw.replace(b'"profile": {', b'"profile":  {'))
    junk = tmp_path / "junk.json"
    junk.write_bytes(b"\xff\xfe not json")
    cases = {
        _other_technician_profile(tmp_path): "is Sam Patel's (GPhC 5023456), not Alex Morgan's",
        changed: "was changed after it was signed",
        spaced: "was changed",
        junk: "not UTF-8 JSON",
        tmp_path / "missing.json": "cannot read the profile file",
    }
    for path, why in cases.items():
        r = run_cli(second, "profile", "import", str(path))
        assert r.code == (1 if "cannot read" in why else 2), (path.name, r.err)
        assert why in r.err, (path.name, r.err)
        assert "Traceback" not in r.err
        assert _dump(second) == before, path.name
    # Setting up from a changed profile makes nothing, not even the data folder.
    fresh = tmp_path / "fresh"
    r = run_cli(fresh, "setup", "--from-profile", str(changed))
    assert r.code == 2 and "was changed after it was signed" in r.err
    assert not (fresh / "rxlog.sqlite3").exists()
    # --from-profile and --name together: refused before anything is made.
    r = run_cli(fresh, "setup", "--from-profile", str(good), "--name", "X")
    assert r.code == 2 and "leave out --name" in r.err
    r = run_cli(fresh, "setup")
    assert r.code == 2 and "--from-profile" in r.err
    assert not (fresh / "rxlog.sqlite3").exists()


@pytest.mark.slow
def test_a_profile_calendar_that_orphans_this_pcs_entries_is_refused(first, tmp_path):
    good = tmp_path / "good.json"
    assert run_cli(first, "profile", "export", str(good)).code == 0
    second = tmp_path / "second"
    assert run_cli(second, "setup", "--from-profile", str(good)).code == 0
    assert run_cli(second, "log", "REP-MGMT", "--date", "2026-11-10", "--minutes", "5").code == 0
    # The practice PC's calendar now ends on 5 November: the laptop's entry would be orphaned.
    r = run_cli(first, "placement", "list", "--format", "json")
    assert r.code == 0, r.err
    pid = json.loads(r.out)[0]["id"]
    r = run_cli(first, "placement", "end", str(pid), "--on", "2026-11-05", "--reason", "moved")
    assert r.code == 0, r.err
    newer = tmp_path / "newer.json"
    assert run_cli(first, "profile", "export", str(newer)).code == 0
    before = _dump(second)
    r = run_cli(second, "profile", "import", str(newer))
    assert r.code == 2 and "outside every placement" in r.err and "2026-11-10" in r.err
    assert _dump(second) == before


@pytest.mark.slow
def test_the_month_dialog_names_the_other_installations(first, tmp_path, qtbot):
    from rxlog.ui.month_dialog import MonthDialog

    prof = tmp_path / "p.json"
    assert run_cli(first, "profile", "export", str(prof)).code == 0
    second = tmp_path / "second"
    assert (
        run_cli(
            second, "setup", "--from-profile", str(prof), "--installation-name", "Trust laptop"
        ).code
        == 0
    )
    app = RxLog.open(second)
    try:
        d = MonthDialog(app, month="2026-10", open_url=lambda _u: None)
        qtbot.addWidget(d)
        d.resize(1366, 768)
        d.show()
        qtbot.waitExposed(d)
        text = d.installations.text()
        short = app.installation().short
        assert f"This PC: Trust laptop ({short})" in text
        assert "Your other installations: Gillingham practice PC (" in text
        assert "Each must send its own return for this month" in text
    finally:
        app.close()
    # The practice PC learns of the laptop from the laptop's profile.
    back = tmp_path / "back.json"
    assert run_cli(second, "profile", "export", str(back)).code == 0
    assert run_cli(first, "profile", "import", str(back)).code == 0
    app = RxLog.open(first)
    try:
        from rxlog.ui.month_dialog import installations_text

        assert "Your other installations: Trust laptop (" in installations_text(app)
    finally:
        app.close()
