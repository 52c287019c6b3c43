"""Start the desktop app: ``python main.py`` or the installed ``rxlog-gui``.

With no display (Linux, no DISPLAY/WAYLAND_DISPLAY, QT_QPA_PLATFORM unset) it runs
offscreen on a temporary demo folder, saves a screenshot and exits 0, so the README's
run command shows something anywhere. ``--offscreen-demo`` asks for that explicitly.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

PROBE_ENV = "RXLOG_STARTUP_PROBE"  # bench/bench_startup.py: quit after the first paint


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="rxlog-gui", description="RxLog desktop app")
    p.add_argument(
        "--data-dir",
        help="data folder (default: RXLOG_DATA_DIR or the per-user "
        "data folder, as the rxlog command uses)",
    )
    p.add_argument(
        "--offscreen-demo",
        action="store_true",
        help="run without a display on a temporary demo month, save a screenshot "
        "of the main window and exit",
    )
    p.add_argument(
        "--screenshot",
        default="rxlog-offscreen.png",
        help="where --offscreen-demo saves its PNG (default: %(default)s)",
    )
    return p


def no_display() -> bool:
    if os.environ.get("QT_QPA_PLATFORM"):
        return False
    if not sys.platform.startswith("linux"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _qapp():  # noqa: ANN202
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
        )
        app = QApplication(sys.argv[:1])
        app.setApplicationName("RxLog")
        app.setOrganizationName("RxLog")
        app.setApplicationDisplayName("RxLog")
    return app


def offscreen_demo(screenshot: Path) -> int:
    """Fill a temporary folder with a demo month, grab the main window, save a PNG."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    qapp = _qapp()
    from rxlog.demo import fill_demo
    from rxlog.service import RxLog
    from rxlog.ui.main_window import MainWindow

    with tempfile.TemporaryDirectory(prefix="rxlog-demo-") as tmp:
        rx = RxLog.open(Path(tmp) / "data")
        try:
            fill_demo(rx, months=1)
            win = MainWindow(rx)
            win.resize(1180, 760)
            win.show()
            qapp.processEvents()
            screenshot = screenshot.resolve()
            win.grab().save(str(screenshot))
            win.close()
        finally:
            rx.close()
    print(
        f"No display found, so RxLog ran offscreen on a demo month and saved a "
        f"screenshot of its main window: {screenshot}"
    )
    return 0


def _fail(title: str, message: str) -> int:
    from PySide6.QtWidgets import QMessageBox

    _qapp()
    QMessageBox.critical(None, title, message)
    return 1


def run(data_dir: Path) -> int:
    qapp = _qapp()
    from rxlog.ui.single_instance import SingleInstance

    guard = SingleInstance(data_dir)
    if not guard.acquire():
        if os.environ.get(PROBE_ENV):
            return 3
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.information(
            None,
            "RxLog is already open",
            f"RxLog is already running on {data_dir}; that window has been brought to the "
            "front. Only one RxLog window can use a data folder at a time.",
        )
        return 0
    from rxlog.errors import RxlogError

    try:
        from rxlog.service import RxLog

        rx = RxLog.open(data_dir)
    except RxlogError as exc:
        guard.release()
        return _fail("RxLog cannot open its data", exc.message)
    try:
        if rx.technician() is None or not rx.placements():
            from rxlog.ui.setup_wizard import SetupWizard

            wiz = SetupWizard(rx.today(), rx.setup, rx.add_placement)
            if not wiz.exec():
                return 0
        from rxlog.ui.main_window import MainWindow

        win = MainWindow(rx)
        guard.raise_requested.connect(
            lambda: (win.showNormal(), win.raise_(), win.activateWindow())
        )
        win.show()
        if os.environ.get(PROBE_ENV):
            from PySide6.QtCore import QTimer

            def _ready() -> None:
                focus = qapp.focusWidget()
                print(f"READY focus={focus.accessibleName() if focus else None}", flush=True)
                win.close()

            QTimer.singleShot(0, _ready)
        return qapp.exec()
    except RxlogError as exc:
        return _fail("RxLog", exc.message)
    finally:
        rx.close()
        guard.release()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.offscreen_demo or no_display():
        return offscreen_demo(Path(args.screenshot))
    from rxlog.storage.paths import resolve_data_dir

    return run(resolve_data_dir(args.data_dir))


if __name__ == "__main__":
    sys.exit(main())
