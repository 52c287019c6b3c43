"""Start-up: process start to an interactive main window, RxLog vs a bare PySide6 window.

    .venv/bin/python bench/bench_startup.py [--rounds 9]

Both run offscreen with the same Python, alternately, in one run. "Interactive" means
the window is shown, its first paint is done and the event loop is running with the
keyboard focus in the quick-entry line (the bare window: in a QLineEdit). The child
prints READY from the first event-loop turn after show(); the time is measured in this
process from just before starting the child to reading that line. RxLog opens a data
folder holding one demo month (made once, before timing).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BARE = """
from PySide6.QtWidgets import QApplication, QLineEdit, QMainWindow
app = QApplication([])
w = QMainWindow()
w.setWindowTitle("bare")
e = QLineEdit()
w.setCentralWidget(e)
w.resize(1180, 760)
e.setFocus()
w.show()
app.processEvents()
print("READY", flush=True)
w.close()
"""
HEAVY = ("pandas", "reportlab", "pyhanko", "alembic", "openpyxl")


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, str, float]:
    """Seconds to the READY line, that line, and seconds to LOADED (data shown) if any."""
    t = time.perf_counter()
    p = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True, cwd=ROOT
    )
    assert p.stdout is not None
    ready, text, loaded = None, "", float("nan")
    for line in p.stdout:
        if line.startswith("READY"):
            ready, text = time.perf_counter() - t, line.strip()
        elif line.startswith("LOADED"):
            loaded = time.perf_counter() - t
            text += " " + line.strip()
    p.wait()
    if ready is None:
        raise SystemExit(f"{cmd} never became ready (rc {p.returncode})")
    return ready, text, loaded


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=9)
    args = ap.parse_args()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "RXLOG_STARTUP_PROBE": "1"}
    env.pop("RXLOG_DATA_DIR", None)
    with tempfile.TemporaryDirectory(prefix="rxlog-startup-") as tmp:
        data = Path(tmp) / "data"
        subprocess.run(
            [sys.executable, "-m", "rxlog", "--data-dir", str(data), "demo", "--months", "1"],
            check=True,
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        rx_cmd = [sys.executable, str(ROOT / "main.py"), "--data-dir", str(data)]
        bare_cmd = [sys.executable, "-c", BARE]
        timed(bare_cmd, env)  # warm the file cache for both
        _, line, _ = timed(rx_cmd, env)
        print(f"RxLog child said: {line}")
        bare, rx, loaded = [], [], []
        for _ in range(args.rounds):
            bare.append(timed(bare_cmd, env)[0])
            r = timed(rx_cmd, env)
            rx.append(r[0])
            loaded.append(r[2])
        probe = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys, rxlog.ui.app, rxlog.ui.main_window, "
                "rxlog.service; print(' '.join(m for m in "
                + repr(HEAVY)
                + " if m in sys.modules))",
            ],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
        )
    b, r = statistics.median(bare), statistics.median(rx)
    print(f"bare PySide6 window: median {b * 1000:.0f} ms (min {min(bare) * 1000:.0f})")
    print(f"RxLog main window:   median {r * 1000:.0f} ms (min {min(rx) * 1000:.0f})")
    print(f"RxLog today's entries shown: median {statistics.median(loaded) * 1000:.0f} ms")
    print(f"ratio RxLog / bare:  {r / b:.2f} (target <= 1.5), {args.rounds} rounds each")
    print(f"heavy modules imported at start-up: {probe.stdout.strip() or 'none'}")


if __name__ == "__main__":
    main()
