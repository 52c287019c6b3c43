"""What RxLog does differently on Windows, tested under the Windows Python (wine in CI,
scripts/build-windows.sh) and, where it is plain logic, on every platform."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import TODAY

from rxlog import winapi
from rxlog.errors import StorageError, ValidationError
from rxlog.service import RxLog
from rxlog.storage import health, paths, privacy
from rxlog.storage.paths import DB_FILENAME, check_folder, windows_name_problem

WIN = sys.platform == "win32"
only_windows = pytest.mark.skipif(
    not WIN, reason="Windows-only behaviour (names, ACLs, the Win32 API)"
)


# -- names Windows refuses --------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "says"),
    [
        (r"C:\Users\Alex\CON", "reserves"),
        (r"C:\Users\Alex\nul.txt", "reserves"),
        (r"C:\Users\Alex\Com1.sqlite3", "reserves"),
        (r"C:\Users\Alex\LPT9", "reserves"),
        (r"C:\Users\Alex\aux .log", "reserves"),
        (r"C:\Users\Alex\Returns?", "'?'"),
        (r"C:\Users\Alex\10:30", "':'"),
        (r"C:\Users\Alex\a*b", "'*'"),
        (r"C:\Users\Alex\x|y", "'|'"),
        ("C:\\Users\\Alex\\tab\there", "U+0009"),
        (r"C:\Users\Alex\Returns.", "ends with a dot"),
        (r"C:\Users\Alex\Returns ", "ends with a dot or a space"),
    ],
)
def test_a_name_windows_refuses_is_named_with_why(path: str, says: str) -> None:
    problem = windows_name_problem(path)
    assert problem is not None and says in problem, problem


@pytest.mark.parametrize(
    "path",
    [
        r"C:\Users\Zoë Ní Bhriain\AppData\Local\RxLog",
        r"C:\Users\Alex\OneDrive - NHS Kent and Medway\Documents\RxLog returns",
        r"\\fileserver\pharmacy$\RxLog",
        r"D:\CONSOLE\console.log",  # only the bare device names are reserved
        "relative/sub folder/Dossier d'été #1 %20 & 数据",
        r"C:\Users\Alex\COM10",
    ],
)
def test_ordinary_windows_names_pass(path: str) -> None:
    assert windows_name_problem(path) is None


def test_a_path_too_long_for_max_path_is_refused_with_its_length(monkeypatch) -> None:
    monkeypatch.setattr(paths, "long_paths_enabled", lambda: False)
    deep = "C:\\" + "\\".join(["a folder with a long name"] * 8)
    with pytest.raises(ValidationError, match=r"is \d+ characters long") as err:
        check_folder(Path(deep), "data-dir", windows=True)
    assert err.value.field == "data-dir"
    check_folder(Path(r"C:\Users\Alex\AppData\Local\RxLog\RxLog"), "data-dir", windows=True)
    monkeypatch.setattr(paths, "long_paths_enabled", lambda: True)
    check_folder(Path(deep), "data-dir", windows=True)  # LongPathsEnabled: allowed


@only_windows
@pytest.mark.parametrize("name", ["CON", "nul", "Returns?", "a:b"])
def test_cli_refuses_a_data_folder_windows_cannot_hold(name: str, tmp_path: Path) -> None:
    from conftest import run_cli

    # As typed (a path object would read "a:b" as drive A: and drop tmp_path)
    r = run_cli(f"{tmp_path}\\{name}", "setup", "--name", "Alex Morgan", "--gphc", "5012345")
    assert r.code == 2 and r.err.startswith("rxlog: data-dir: "), r.err
    assert "Traceback" not in r.err


@only_windows
def test_export_refuses_an_out_folder_windows_cannot_hold(tmp_path: Path) -> None:
    from conftest import run_cli

    data_dir = tmp_path / "data"
    for args in (
        ("setup", "--name", "Alex Morgan", "--gphc", "5012345"),
        ("placement", "add", "G82001", "--name", "Test Surgery", "--sector", "primary",
         "--from", "2026-09-01"),
        ("log", "QRY-CLIN", "--date", "2026-10-05"),
    ):  # fmt: skip
        assert run_cli(data_dir, *args).code == 0
    r = run_cli(data_dir, "export", "2026-10", "--out", str(tmp_path / "PRN"))
    assert r.code == 2 and "out: " in r.err and "reserves" in r.err, r.err


def test_user_name_with_spaces_and_accents_and_onedrive_documents(tmp_path: Path) -> None:
    """A profile like C:\\Users\\Zoë Ní Bhriain-O'Brien, returns saved in OneDrive's
    Documents: set up, log, export, verify."""
    from conftest import run_cli

    profile = tmp_path / "Users" / "Zoë Ní Bhriain-O'Brien"
    data_dir = profile / "AppData" / "Local" / "RxLog" / "RxLog"
    out = profile / "OneDrive - NHS Kent & Medway" / "Documents" / "RxLog returns"
    out.parent.mkdir(parents=True)
    for args in (
        ("setup", "--name", "Zoë Ní Bhriain-O'Brien", "--gphc", "5012345"),
        ("placement", "add", "G82001", "--name", "Test Surgery", "--sector", "primary",
         "--from", "2026-09-01"),
        ("log", "QRY-CLIN", "--date", "2026-10-05"),
    ):  # fmt: skip
        r = run_cli(data_dir, *args)
        assert r.code == 0, (args, r.err)
    r = run_cli(data_dir, "export", "2026-10", "--out", str(out))
    assert r.code == 0, r.err
    r = run_cli(data_dir, "verify", str(out))
    assert r.code == 0, r.err + r.out


# -- a stale lock ---------------------------------------------------------------------
def test_a_lock_naming_a_dead_process_is_stale_and_a_live_one_counts(tmp_path: Path) -> None:
    lock = tmp_path / health.GUI_LOCK_NAME
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    lock.write_text(f"{gone.pid}\nrxlog-gui\nhost\n")
    assert health.running_instance_pid(tmp_path) is None
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        lock.write_text(f"{alive.pid}\nrxlog-gui\nhost\n")
        assert health.running_instance_pid(tmp_path) == alive.pid
    finally:
        alive.kill()
        alive.wait()
    assert health.running_instance_pid(tmp_path) is None


@only_windows
def test_pid_alive_through_the_windows_api() -> None:
    assert winapi.pid_alive(os.getpid())
    assert not winapi.pid_alive(0) and not winapi.pid_alive(2**33)


# -- a failed open lets go of the folder -----------------------------------------------
def test_a_failed_open_releases_the_folder(tmp_path: Path) -> None:
    import sqlite3

    data_dir = tmp_path / "data"
    RxLog.open(data_dir, today=lambda: TODAY).close()
    con = sqlite3.connect(data_dir / DB_FILENAME)
    con.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    con.commit()
    con.close()
    with pytest.raises(StorageError):
        RxLog.open(data_dir, today=lambda: TODAY)
    other = health.FolderLock(data_dir)
    assert other.acquire(exclusive=True, wait=0.5)  # nobody holds it any more
    other.release()
    shutil.rmtree(data_dir)  # Windows refuses (WinError 32) while a handle is open
    assert not data_dir.exists()


# -- private files --------------------------------------------------------------------
def test_loose_grants_reads_an_acl() -> None:
    me = "S-1-5-21-1-2-3-1001"
    assert winapi.loose_grants(f"O:{me}D:P(A;OICI;FA;;;{me})", me) == []
    assert winapi.loose_grants(f"D:P(A;;FA;;;SY)(A;;FA;;;BA)(A;;FA;;;{me})", me) == []
    assert winapi.loose_grants(f"D:(A;;FA;;;{me})(A;;0x1200a9;;;WD)", me) == ["Everyone"]
    assert winapi.loose_grants(f"D:AI(A;ID;FR;;;BU)(A;ID;FA;;;{me})", me) == ["Users"]
    other = "S-1-5-21-1-2-3-1002"
    assert winapi.loose_grants(f"D:(A;;FA;;;{me})(A;;FR;;;{other})", me) == [other]
    assert winapi.loose_grants(f"D:(D;;FA;;;WD)(A;;FA;;;{me})", me) == []  # deny: nobody in
    assert winapi.loose_grants("D:NO_ACCESS_CONTROL", me) == ["Everyone (no access control list)"]
    assert winapi.loose_grants(f"O:{me}", me) == ["Everyone (no access control list)"]


@only_windows
def test_data_folder_database_backups_and_keys_are_for_the_user_only(rx, data_dir, cli):
    from rxlog.storage import backups

    backups.backup_now(rx)
    from rxlog.export import keys

    keys.create_keys(data_dir, "Alex Morgan", "5012345")
    rx.close()
    RxLog.open(data_dir, today=lambda: TODAY).close()
    made = privacy.windows_private_paths(data_dir)
    assert data_dir / DB_FILENAME in made and keys.key_paths(data_dir).signing_key in made
    assert any(p.parent.name == "backups" for p in made)
    assert privacy.permission_problems(data_dir) == []
    sid = winapi.current_user_sid()
    assert f"(A;OICI;FA;;;{sid})" in winapi.acl_sddl(str(data_dir))
    r = cli("check")
    assert "ok    privacy" in r.out, r.out


@only_windows
def test_check_reports_a_key_that_everyone_can_read_and_open_fixes_it(rx, data_dir, cli):
    from rxlog.export import keys
    from rxlog.storage import backups

    keys.create_keys(data_dir, "Alex Morgan", "5012345")
    backups.backup_now(rx)
    rx.close()
    assert cli("check").code == 0
    key = keys.key_paths(data_dir).signing_key
    winapi.set_dacl(str(key), f"D:(A;;FA;;;{winapi.current_user_sid()})(A;;FR;;;WD)")
    assert privacy.who_else(key) == ["Everyone"]
    r = cli("check")
    assert r.code == 1 and "FAIL  privacy" in r.out and "Everyone" in r.out, r.out
    assert str(key) in r.out
    RxLog.open(data_dir, today=lambda: TODAY).close()  # opening makes it private again
    assert privacy.who_else(key) == []
    assert cli("check").code == 0


@pytest.mark.skipif(WIN, reason="POSIX permission bits (Windows: the ACL tests above)")
def test_who_else_reads_posix_permission_bits(tmp_path: Path) -> None:
    f = tmp_path / "f"
    f.write_text("x")
    os.chmod(f, 0o600)
    assert privacy.who_else(f) == []
    os.chmod(f, 0o644)
    assert privacy.who_else(f) == ["group", "others"]


# -- the desktop app with no one to see it ----------------------------------------------
def test_no_display_on_windows_follows_the_window_station(monkeypatch) -> None:
    from rxlog.ui import app

    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.setattr(app.sys, "platform", "win32")
    monkeypatch.setattr(winapi, "interactive_desktop", lambda: False)  # a service, SSH
    assert app.no_display()
    monkeypatch.setattr(winapi, "interactive_desktop", lambda: True)  # a logged-on desktop
    assert not app.no_display()
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert not app.no_display()


@only_windows
def test_this_session_has_a_visible_window_station() -> None:
    assert winapi.interactive_desktop() is True


def test_offscreen_fonts_default_to_the_windows_fonts_folder(monkeypatch) -> None:
    from rxlog.ui import app

    monkeypatch.setattr(app.sys, "platform", "win32")
    monkeypatch.delenv("QT_QPA_FONTDIR", raising=False)
    monkeypatch.setenv("WINDIR", "C:\\Windows")
    app._offscreen_fonts()
    assert os.environ["QT_QPA_FONTDIR"] == os.path.join("C:\\Windows", "Fonts")
    monkeypatch.setenv("QT_QPA_FONTDIR", "D:\\fonts")
    app._offscreen_fonts()
    assert os.environ["QT_QPA_FONTDIR"] == "D:\\fonts"
