"""The support log (rxlog.supportlog): what RxLog did, for support, and never what a
user typed."""

from __future__ import annotations

import json
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import TODAY, run_rxlog

from rxlog import supportlog
from rxlog.storage import privacy

NHS = "943 476 5919"  # a valid NHS number (Modulus 11)
NAME = "Florence Nightingale"
NOTE = "Mrs Jones fell on the ward"
# Every form the planted text could take in a line of the log.
PLANTED = (NHS, NHS.replace(" ", ""), "Nightingale", "Florence", "Jones", "fell on the ward")


def _log_text(*folders: Path) -> str:
    return "".join(
        p.read_text(encoding="utf-8", errors="replace")
        for folder in folders
        for p in sorted(folder.glob("rxlog.log*"))
    )


def _planted_in(text: str) -> list[str]:
    return [p for p in PLANTED if p.lower() in text.lower()]


@pytest.fixture(autouse=True)
def _fresh_log():
    supportlog.reset_for_tests()
    yield
    supportlog.reset_for_tests()


@pytest.mark.slow
def test_planted_text_in_every_field_of_every_command_never_reaches_the_log(tmp_path, monkeypatch):
    """An NHS number, a name and a note typed into every field (and folder and file
    name) of every command that takes one, accepted or refused: the log holds lines for
    what was done and none of it."""
    monkeypatch.setenv("RXLOG_TODAY", TODAY.isoformat())
    planted_dir = tmp_path / f"{NAME} {NHS}"
    data = planted_dir / "data"
    central = planted_dir / "central"
    out = planted_dir / f"out {NHS}"
    out.mkdir(parents=True)
    pw = tmp_path / "pass.txt"
    pw.write_text("correct horse battery staple\n", encoding="utf-8")

    def cli(*args: str) -> tuple[int, str]:
        r = run_rxlog("--data-dir", str(data), *args)
        return r.code, r.out + r.err

    def lead(*args: str) -> tuple[int, str]:
        r = run_rxlog("central", "--central-dir", str(central), *args)
        return r.code, r.out + r.err

    results = [
        cli("setup", "--name", f"{NAME} {NHS}", "--gphc", "5012345"),  # refused or kept
        cli(
            "setup", "--name", NAME, "--gphc", "5012345",
            "--lead-email", "florence.nightingale@nhs.net", "--installation-name", NAME,
        ),
        cli("placement", "add", "G82001", "--name", f"{NAME} surgery {NHS}",
            "--sector", "primary", "--from", "2026-10-01", "--to", "2026-10-31"),
        cli("placement", "add", NHS, "--name", NAME, "--sector", "primary"),
        cli("placement", "add", "G82001", "--name", f"{NAME} surgery",
            "--sector", "primary", "--from", "2026-10-01", "--to", "2026-10-31"),
        cli("placement", "add", "RPA", "--name", NAME, "--sector", "secondary",
            "--from", "2026-11-01"),
        cli("phase", "add", f"{NAME} {NHS}", "--from", "2026-10-01"),
        cli("log", "REP-MGMT", "--date", "2026-10-05", "--note", f"{NOTE} {NHS} {NAME}"),
        cli("log", "REP-MGMT", "--date", "2026-10-06", "--note", NOTE),
        cli("log", NHS, "--note", NOTE),
        cli("log", "REP-MGMT", "--site", NHS, "--note", NAME),
        cli("absence", "add", "2026-10-12", "--kind", "other", "--note", f"{NOTE} {NHS}"),
        cli("config", "set", "lead-email", f"{NHS}@nhs.net"),
        cli("list", "--format", "json"),
    ]  # fmt: skip
    ids = [e["id"] for e in json.loads(results[-1][1])] if results[-1][0] == 0 else []
    assert len(ids) >= 2, results
    results += [
        cli("edit", ids[0], "--note", f"{NAME} {NHS}", "--reason", f"{NOTE} {NHS}"),
        cli("edit", NHS, "--note", NOTE, "--reason", NAME),
        cli("note", "redact", ids[0], "--reason", f"{NAME} {NHS} {NOTE}"),
        cli("delete", ids[1], "--reason", f"{NAME} {NHS} {NOTE}"),
        cli("delete", NHS, "--reason", NOTE),
        cli("export", "2026-10", "--out", str(out)),
        cli("month", "reopen", "2026-10", "--reason", f"{NAME} {NHS}"),
        cli("key", "export", str(out / f"{NAME} {NHS}.pem")),
        cli("profile", "export", str(out / f"{NAME} {NHS}.rxprofile")),
        cli("backup", "--out", str(out / f"{NAME} {NHS}.sqlite3")),
        cli("handover", "2026-11", "--out", str(out / f"{NAME} {NHS}.rxhandover"),
            "--with-notes", "--passphrase-file", str(pw)),
        cli("check", "--format", "json"),
        lead("trust", str(out / f"{NAME} {NHS}.pem"), "--name", f"{NAME} {NHS}"),
        lead("roster", "add", "5012345", "--name", f"{NAME} {NHS}", "--from", "2026-10-01"),
        lead("import", str(out)),
        lead("export", "--out", str(out / f"export {NHS}")),
        lead("report", "--out", str(out / f"{NAME} {NHS}.pdf"), "--organisation", NAME),
    ]  # fmt: skip
    done = [code for code, _ in results]
    assert done.count(0) >= 15, results  # most of them did their work
    assert any(code == 2 for code in done)  # and some were refused

    text = _log_text(data, central)
    assert _planted_in(text) == [], text
    # ... and what was done is there, for support
    for expected in (
        r"INFO pid=\d+ database made_or_updated_from=new",
        r"changed action=create id=[0-9a-f-]{36}",
        r"changed action=delete id=[0-9a-f-]{36}",
        r"wrote \.pdf \(elsewhere\)",
        r"wrote \.sqlite3 \(backups/daily-2026-11-20\.sqlite3\)|wrote \.sqlite3 \(backups/",
        r"command name=cmd_log exit=0",
        r"command name=cmd_log exit=2",
        r"central store changed",
        r"saved tables=[a-z_,]*placement",  # a change the audit trail does not hold
    ):
        assert re.search(expected, text), (expected, text)


def test_a_bug_is_logged_with_its_whole_traceback_and_without_what_was_typed(
    cli, data_dir, monkeypatch
):
    assert cli("setup", "--name", "Alex Morgan", "--gphc", "5012345").code == 0
    from rxlog.service import RxLog

    def broken(self, item):  # noqa: ANN001, ANN202 - a bug deep in the core
        return int(f"{NHS} {NAME}")

    monkeypatch.setattr(RxLog, "log", broken)
    r = cli("log", "REP-MGMT", "--note", NOTE)
    assert r.code == 1 and "internal error" in r.err
    text = _log_text(data_dir)
    assert "ERROR" in text and "bug in cli" in text and "Traceback (most recent call last)" in text
    assert re.search(r'File "rxlog/cli/__init__\.py", line \d+, in main', text), text
    assert "in broken" in text and "ValueError: invalid literal for int() with base 10" in text
    assert _planted_in(text) == [], text
    assert "command name=cmd_log exit=1" in text


def test_the_log_is_private_as_the_database(cli, data_dir):
    assert cli("setup", "--name", "Alex Morgan", "--gphc", "5012345").code == 0
    log = supportlog.log_path(data_dir)
    assert log.exists() and log.stat().st_size > 0
    assert privacy.who_else(log) == []  # POSIX: no group/other bits; Windows: the ACL
    if privacy.POSIX:
        assert stat.S_IMODE(log.stat().st_mode) == privacy.FILE_MODE
    assert log in privacy.windows_private_paths(data_dir)  # Windows opening secures it
    assert privacy.permission_problems(data_dir) == []


def test_the_log_rotates_and_keeps_its_old_files_private(tmp_path, monkeypatch):
    monkeypatch.setattr(supportlog, "MAX_BYTES", 2000)
    supportlog.use_folder(tmp_path)
    for i in range(400):
        supportlog.info("changed", action="append", id=i)
    logs = sorted(p.name for p in tmp_path.glob("rxlog.log*"))
    assert logs == ["rxlog.log", "rxlog.log.1", "rxlog.log.2", "rxlog.log.3"]
    for name in logs:
        path = tmp_path / name
        assert path.stat().st_size <= 2000 and privacy.who_else(path) == []
    assert "id=399" in (tmp_path / "rxlog.log").read_text()


def test_check_says_where_the_log_is(cli, data_dir):
    assert cli("setup", "--name", "Alex Morgan", "--gphc", "5012345").code == 0
    r = cli("check")
    assert f"Support log: {data_dir / 'rxlog.log'}" in r.out
    r = cli("check", "--format", "json")
    doc = json.loads(r.out)
    assert doc["log"] == str(data_dir / "rxlog.log")
    assert set(doc) == {"ok", "checks", "log"}  # the keys scripts rely on are unchanged


def test_nothing_is_logged_into_a_folder_that_is_not_chosen_or_not_there(tmp_path):
    supportlog.info("changed", action="append", id=1)  # no folder chosen: nothing, no error
    supportlog.use_folder(tmp_path / "missing")
    supportlog.info("changed", action="append", id=1)
    assert not (tmp_path / "missing").exists()


def test_ids_and_words_that_rxlog_did_not_make_are_masked(tmp_path):
    supportlog.use_folder(tmp_path)
    supportlog.info("changed", action=f"add {NAME}", id=f"placement:{NHS}")
    supportlog.wrote_file(tmp_path / f"{NAME}.pdf", 10)
    supportlog.wrote_file(tmp_path / "backups" / "daily-2026-11-20.sqlite3", 10)
    text = _log_text(tmp_path)
    assert _planted_in(text) == [] and "<text>" in text
    assert "wrote .pdf (elsewhere)" in text  # a name RxLog did not choose
    assert "wrote .sqlite3 (backups/daily-2026-11-20.sqlite3) size=10" in text


def test_the_cli_starts_without_logging():
    code = (
        "import sys, rxlog.cli, rxlog.supportlog; from rxlog.cli import build_parser; "
        "build_parser(); print('logging' in sys.modules and 'logging.handlers' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.gui
def test_the_bug_dialog_copies_the_support_log(qtbot, tmp_path):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

    from rxlog.ui import app as gui

    supportlog.use_folder(tmp_path)
    supportlog.info("changed", action="append", id=7)
    previous = sys.excepthook
    try:
        gui._report_bugs()
        try:
            raise KeyError("boom")
        except KeyError:
            sys.excepthook(*sys.exc_info())
        box = gui._open_boxes[-1]
        assert isinstance(box, QMessageBox) and "support log" in box.text()
        assert f"Support log: {tmp_path / 'rxlog.log'}" in box.detailedText()
        copy = next(b for b in box.findChildren(QPushButton) if "Copy support log" in b.text())
        copy.setFocus()
        qtbot.keyClick(copy, Qt.Key.Key_Space)  # the keyboard reaches it
        clip = QApplication.clipboard().text()
        assert str(tmp_path / "rxlog.log") in clip
        assert "changed action=append id=7" in clip and "bug in app" in clip
        assert "KeyError" in clip
    finally:
        sys.excepthook = previous
        for b in gui._open_boxes:
            b.close()
        gui._open_boxes.clear()
