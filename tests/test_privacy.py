"""Private by default: another user of the PC cannot read the log, its backups or returns.

POSIX modes (0700 folders, 0600 files) whatever the umask, checked on a real data folder
made through the CLI, and read (or not) by a real second OS user (``nobody``, through
``runuser``) when the tests run as root.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="POSIX modes; Windows relies on the per-user folder"
)


@pytest.fixture
def open_umask() -> Iterator[None]:
    old = os.umask(0)  # the loosest umask: nothing may depend on it
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def shared_place() -> Iterator[Path]:
    """A folder every user of the PC can pass through, as a home or shared drive is."""
    place = Path(tempfile.mkdtemp(prefix="rxlog-privacy-", dir="/tmp"))
    os.chmod(place, 0o755)
    try:
        yield place
    finally:
        shutil.rmtree(place, ignore_errors=True)


def _make_installation(cli_in, data: Path, out: Path) -> None:
    steps = [
        ("setup", "--name", "Alex Morgan", "--gphc", "5012345"),
        ("placement", "add", "G82001", "--name", "Test Surgery", "--sector", "primary",
         "--from", "2026-09-01"),
        ("log", "REC-DIS", "--date", "2026-10-05", "--minutes", "20", "--count", "1",
         "--note", "pt 943 476 5919 reconciled"),
        ("backup",),
        ("export", "2026-10", "--out", str(out)),
    ]  # fmt: skip
    for args in steps:
        res = cli_in(data, *args)
        assert res.code == 0, (args, res)


@pytest.fixture
def cli_in(monkeypatch):
    from conftest import TODAY, run_cli

    monkeypatch.setenv("RXLOG_TODAY", TODAY.isoformat())
    return run_cli


def _modes(root: Path) -> dict[str, int]:
    found = {".": stat.S_IMODE(root.stat().st_mode)}
    for p in root.rglob("*"):
        found[str(p.relative_to(root))] = stat.S_IMODE(p.lstat().st_mode)
    return found


@pytest.mark.slow
def test_everything_is_created_private_whatever_the_umask(open_umask, cli_in, tmp_path):
    data, out = tmp_path / "data", tmp_path / "returns"
    _make_installation(cli_in, data, out)
    # A WAL database keeps its -wal/-shm while a connection is open: look then too.
    from rxlog.service import RxLog

    app = RxLog.open(data)
    try:
        modes = _modes(data)
    finally:
        app.close()
    names = set(modes)
    assert {"rxlog.sqlite3", "rxlog.sqlite3-wal", "rxlog.sqlite3-shm", "rxlog.lock",
            "keys", "keys/signing_key.pem", "keys/certificate.pem", "backups"} <= names  # fmt: skip
    assert any(n.startswith("backups/manual-") for n in names)
    assert any(n.startswith("backups/daily-") or n.startswith("backups/pre-") for n in names)
    for name, mode in modes.items():
        is_dir = name == "." or (data / name).is_dir()
        assert mode == (0o700 if is_dir else 0o600), f"{name}: {mode:04o}"
    for name, mode in _modes(out).items():
        assert mode == (0o700 if name == "." else 0o600), f"export {name}: {mode:04o}"


def _as_nobody(*cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(["runuser", "-u", "nobody", "--", *cmd], capture_output=True)


@pytest.mark.slow
@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("runuser") is None,
    reason="needs root and runuser to act as a second user (nobody)",
)
def test_a_second_user_cannot_read_the_log_backups_or_returns(cli_in, shared_place):
    data, out = shared_place / "data", shared_place / "returns"
    _make_installation(cli_in, data, out)
    # The test can fail: a file left 0644 here is readable by nobody.
    control = shared_place / "control.txt"
    control.write_text("readable")
    os.chmod(control, 0o644)
    assert _as_nobody("cat", str(control)).returncode == 0
    backup = next((data / "backups").glob("manual-*.sqlite3"))
    csv = next(out.glob("*.csv"))
    for target in (data / "rxlog.sqlite3", backup, data / "keys" / "signing_key.pem", csv):
        res = _as_nobody("cat", str(target))
        assert res.returncode != 0 and b"Permission denied" in res.stderr, target
    assert _as_nobody("ls", str(data)).returncode != 0
    assert _as_nobody("ls", str(out)).returncode != 0


@pytest.mark.slow
def test_check_reports_loose_permissions_and_fix_tightens_them(cli_in, tmp_path, capsys):
    data, out = tmp_path / "data", tmp_path / "returns"
    _make_installation(cli_in, data, out)
    assert cli_in(data, "check").code == 0
    os.chmod(data, 0o755)
    os.chmod(data / "rxlog.sqlite3", 0o644)
    backup = next((data / "backups").glob("manual-*.sqlite3"))
    os.chmod(backup, 0o640)
    res = cli_in(data, "check", "--format", "json")
    assert res.code == 1
    (item,) = [c for c in json.loads(res.out)["checks"] if c["name"] == "privacy"]
    assert not item["ok"]
    assert (
        f"{data / 'rxlog.sqlite3'} is a file other users of this computer can read"
        in item["detail"]
    )
    assert "mode 0644, should be 0600" in item["detail"] and "rxlog check --fix" in item["detail"]
    assert "0755" in item["detail"] and "(and 1 more)" in item["detail"]  # the backup
    res = cli_in(data, "check", "--fix")
    assert res.code == 0, res
    assert "fixed" in res.err and "0644 -> 0600" in res.err
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "rxlog.sqlite3").stat().st_mode) == 0o600
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert cli_in(data, "check").code == 0
