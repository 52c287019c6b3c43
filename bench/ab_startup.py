"""Start-up of two or more copies of RxLog in turn, beside the bare PySide6 window.

    .venv/bin/python bench/ab_startup.py OLD_CHECKOUT NEW_CHECKOUT [...] [--rounds 21] [--xvfb]

Each checkout's ``main.py`` starts from its own folder (its ``rxlog`` is the one it
loads), the bare window and every copy alternate round by round (the order reversed
every other round), each to the READY line after its first paint, as in
bench_startup.py, on one data folder holding one demo month. Prints each median and its
ratio to the bare window's. Put the copies side by side in one parent folder (e.g.
``git archive REV | tar -x -C /tmp/old``): a copy's folder moved its time by more than
a small change does here.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_startup as B  # noqa: E402
from floor import PY  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("checkouts", nargs="+", type=Path)
    ap.add_argument("--rounds", type=int, default=21)
    ap.add_argument("--xvfb", action="store_true", help="on a private Xvfb display, not offscreen")
    args = ap.parse_args(argv)
    env = {**os.environ, "RXLOG_STARTUP_PROBE": "1", "QT_QPA_PLATFORM": "offscreen"}
    env.pop("RXLOG_DATA_DIR", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    xvfb = B.Xvfb() if args.xvfb else None
    if xvfb is not None:
        env.update(DISPLAY=xvfb.display, QT_QPA_PLATFORM="xcb")
    try:
        return _run(args, env, "Xvfb" if xvfb else "offscreen")
    finally:
        if xvfb is not None:
            xvfb.close()


def _run(args: argparse.Namespace, env: dict[str, str], where: str) -> int:
    with tempfile.TemporaryDirectory(prefix="rxlog-ab-startup-") as tmp:
        data = Path(tmp) / "data"
        made = subprocess.run(  # with the last checkout's rxlog (the new one)
            [PY, "-m", "rxlog", "--data-dir", str(data), "demo", "--months", "1"],
            cwd=args.checkouts[-1],
            env=env,
            stdout=subprocess.DEVNULL,
        )
        if made.returncode != 0:
            print(f"could not make the demo month with {args.checkouts[-1]}", file=sys.stderr)
            return 1
        cmds = {"bare": [PY, "-c", B.BARE]}
        for c in args.checkouts:
            if not (c / "main.py").is_file():
                print(f"{c}: no main.py there", file=sys.stderr)
                return 2
            subprocess.run([PY, "-m", "compileall", "-q", str(c / "rxlog")], check=True, env=env)
            cmds[str(c)] = [PY, str(c / "main.py"), "--data-dir", str(data)]
        for cmd in cmds.values():  # warm the file cache
            B.until_ready(cmd, env)
        times: dict[str, list[float]] = {k: [] for k in cmds}
        for i in range(args.rounds):
            order = list(cmds) if i % 2 else list(cmds)[::-1]
            for k in order:
                times[k].append(B.until_ready(cmds[k], env)[0])
    bare = statistics.median(times["bare"])
    print(f"start-up in turn ({where}), {args.rounds} rounds, load {os.getloadavg()[0]:.1f}:")
    for k, v in times.items():
        m = statistics.median(v)
        print(f"  {k}: {m * 1000:.1f} ms, {m / bare:.3f}x the bare window")
    return 0


if __name__ == "__main__":
    sys.exit(main())
