"""Accessibility checked by a real assistive-technology client.

Every window and dialog of rxlog-gui and rxlog-central-gui is opened on a real X server
(Xvfb) with Qt's AT-SPI bridge on, and an AT-SPI client (tests/a11y/atspi_walker.py,
Debian's python3-pyatspi: the interface Orca uses) walks each one's accessible tree and
presses Tab through it. The test fails on a focusable control with no accessible name, a
field not labelled, a focusable control with no role, or a control Tab never reaches.

Linux only (AT-SPI is the Linux accessibility interface); skipped with the reason when
Xvfb, dbus-daemon, the AT-SPI bus launcher or pyatspi for /usr/bin/python3 is missing.
scripts/bootstrap.sh installs them on Debian, so CI runs it.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent / "a11y"
LAUNCHER = "/usr/libexec/at-spi-bus-launcher"
SYSTEM_PYTHON = "/usr/bin/python3"

SCENES = [
    "main window: Today",
    "main window: History",
    "main window: Summary",
    "edit entry",
    "delete entry",
    "timer review",
    "placements",
    "end a placement",
    "absence",
    "month sign-off",
    "backups",
    "quick-entry help",
    "profile for other PCs",
    "first-run wizard: you",
    "first-run wizard: placement",
    "first-run wizard: from another PC",
    "lead's window: Import results",
    "lead's window: Completeness",
    "lead's window: Returns in the store",
]
PLANTED = "planted faults"  # a dialog built with known faults: the client must find each


def _missing_tools() -> str | None:
    if not sys.platform.startswith("linux"):
        return f"AT-SPI is the Linux accessibility interface (this is {sys.platform})"
    for tool in ("Xvfb", "dbus-daemon"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (Debian: bash scripts/bootstrap.sh)"
    if not os.access(LAUNCHER, os.X_OK):
        return f"{LAUNCHER} is missing (Debian package at-spi2-core)"
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        return f"{SYSTEM_PYTHON} is missing"
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import pyatspi"], capture_output=True)
    if probe.returncode != 0:
        return "pyatspi is not importable by /usr/bin/python3 (Debian package python3-pyatspi)"
    return None


pytestmark = [
    pytest.mark.gui,
    pytest.mark.skipif(_missing_tools() is not None, reason=str(_missing_tools())),
]


class Session:
    """Xvfb + a session bus + the AT-SPI bus: started here, stopped here, by their ids."""

    def __init__(self, tmp: Path) -> None:
        self.procs: list[subprocess.Popen] = []
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(tmp / "home"),
            "XDG_CONFIG_HOME": str(tmp / "home" / ".config"),
            "XDG_DATA_HOME": str(tmp / "home" / ".local" / "share"),
            "XDG_RUNTIME_DIR": str(tmp / "run"),
            "LANG": "C.UTF-8",
        }
        for key in ("HOME", "XDG_RUNTIME_DIR"):
            Path(self.env[key]).mkdir(parents=True, exist_ok=True)
        os.chmod(self.env["XDG_RUNTIME_DIR"], 0o700)
        r, w = os.pipe()
        self._start(["Xvfb", "-displayfd", str(w), "-screen", "0", "1366x768x24", "-nolisten",
                     "tcp"], pass_fds=(w,))  # fmt: skip
        os.close(w)
        display = _read_line(r, 20).strip()
        os.close(r)
        self.env["DISPLAY"] = f":{display}"
        bus = self._start(
            ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
            stdout=subprocess.PIPE,
        )
        assert bus.stdout is not None
        self.env["DBUS_SESSION_BUS_ADDRESS"] = _read_line(bus.stdout.fileno(), 20).strip()
        self._start([LAUNCHER, "--launch-immediately"])
        time.sleep(0.5)

    def _start(self, cmd: list[str], **kw) -> subprocess.Popen:
        p = subprocess.Popen(
            cmd, env=kw.pop("env", self.env), start_new_session=True,
            stderr=subprocess.DEVNULL, **kw,
        )  # fmt: skip
        self.procs.append(p)
        return p

    def start(self, cmd: list[str], env: dict[str, str]) -> subprocess.Popen:
        return self._start(
            cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
        )

    def stop(self) -> None:
        for p in reversed(self.procs):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)  # its own session: only what it started
        for p in self.procs:
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(5)
            for f in (p.stdin, p.stdout):
                if f is not None:
                    f.close()


def _read_line(fd: int, timeout: float) -> str:
    data = b""
    end = time.monotonic() + timeout
    while not data.endswith(b"\n"):
        left = end - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise TimeoutError(f"no answer within {timeout} s (got {data!r})")
        chunk = os.read(fd, 1)
        if not chunk:
            raise EOFError(f"closed (got {data!r})")
        data += chunk
    return data.decode()


def _expect(proc: subprocess.Popen, prefix: str, timeout: float = 30) -> dict:
    assert proc.stdout is not None
    end = time.monotonic() + timeout
    while True:
        line = _read_line(proc.stdout.fileno(), max(0.1, end - time.monotonic()))
        if line.startswith(prefix):
            return json.loads(line[len(prefix) :]) if line[len(prefix) :].strip() else {}


@pytest.fixture
def session(tmp_path):
    s = Session(tmp_path)
    yield s
    s.stop()


def _demo_folder(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    env = {**os.environ, "RXLOG_TODAY": "2026-11-20"}
    r = subprocess.run(
        [sys.executable, "-m", "rxlog", "--data-dir", str(data), "demo", "--months", "2"],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    return data


@pytest.mark.slow
def test_every_window_and_dialog_through_at_spi(session, tmp_path):
    data = _demo_folder(tmp_path)
    central = tmp_path / "central"
    central.mkdir()
    app_env = {
        **session.env,
        "QT_QPA_PLATFORM": "xcb",
        "QT_ACCESSIBILITY": "1",
        "QT_LINUX_ACCESSIBILITY_ALWAYS_ON": "1",
        "RXLOG_TODAY": "2026-11-20",
        "PYTHONPATH": str(ROOT),
    }
    driver = session.start([sys.executable, str(HERE / "driver.py"), str(data), str(central)],
                           app_env)  # fmt: skip
    walker = session.start([SYSTEM_PYTHON, str(HERE / "atspi_walker.py")], dict(session.env))
    assert driver.stdin is not None and walker.stdin is not None
    results: dict[str, dict] = {}
    for _ in [*SCENES, PLANTED]:
        scene = _expect(driver, "READY ", 60)
        walker.stdin.write("WALK " + json.dumps(scene) + "\n")
        results[scene["name"]] = _expect(walker, "RESULT ", 90)
        driver.stdin.write("NEXT\n")
    _expect(driver, "DONE", 30)

    if os.environ.get("RXLOG_A11Y_REPORT"):  # what the client saw, for a person to read
        Path(os.environ["RXLOG_A11Y_REPORT"]).write_text(
            json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8"
        )
    planted = results.pop(PLANTED)
    assert list(results) == SCENES
    found = planted["problems"]
    assert [p.split(":")[0] for p in found] == [
        "field not labelled",
        "role missing",
        "focus order skips",
    ], found
    assert "push button 'After the trap'" in found[-1]
    problems = {
        name: r.get("problems") or [r["error"]]
        for name, r in results.items()
        if r.get("error") or r.get("problems")
    }
    assert problems == {}, json.dumps(problems, indent=1, ensure_ascii=False)
    for name, r in results.items():
        # the client really saw the window and Tab really moved the focus in it
        assert r["nodes"] > 3 and r["stops"] >= 1, (name, r)
        assert len(r["order"]) >= min(2, r["stops"]), (name, r["order"])
