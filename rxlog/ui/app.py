"""Start the desktop app: ``python main.py`` or the installed ``rxlog-gui``.

With no display (Linux, no DISPLAY/WAYLAND_DISPLAY, QT_QPA_PLATFORM unset) it runs
offscreen on a temporary demo folder, saves a screenshot and exits 0, so the README's
run command shows something anywhere. ``--offscreen-demo`` asks for that explicitly.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import argparse

PROBE_ENV = "RXLOG_STARTUP_PROBE"  # bench/bench_startup.py: quit after the first paint
DEFAULT_SCREENSHOT = "rxlog-offscreen.png"


def _parser() -> argparse.ArgumentParser:
    import argparse

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
        default=DEFAULT_SCREENSHOT,
        help="where --offscreen-demo saves its PNG (default: %(default)s)",
    )
    return p


def no_display() -> bool:
    """No person can see a window: Linux with no X or Wayland display, or Windows in a
    window station that is not visible (a service, a scheduled task, an SSH session)."""
    if os.environ.get("QT_QPA_PLATFORM"):
        return False
    if sys.platform == "win32":
        from rxlog.winapi import interactive_desktop

        return not interactive_desktop()
    if not sys.platform.startswith("linux"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _offscreen_fonts() -> None:
    """Qt's offscreen platform reads fonts from QT_QPA_FONTDIR only (on Windows it has no
    default folder, so text would not be drawn): point it at the system's fonts."""
    if sys.platform == "win32" and not os.environ.get("QT_QPA_FONTDIR"):
        windir = os.environ.get("WINDIR") or os.environ.get("SYSTEMROOT") or r"C:\Windows"
        os.environ["QT_QPA_FONTDIR"] = os.path.join(windir, "Fonts")


def _qapp():  # noqa: ANN202
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        # High-DPI scale factors pass through unrounded (150 % stays 1.5): Qt 6's default,
        # so it is not set here; naming the policy would build all of ``Qt``'s enums
        # (~12 ms) before the first paint.
        app = QApplication(sys.argv[:1])
        app.setApplicationName("RxLog")
        app.setOrganizationName("RxLog")
        app.setApplicationDisplayName("RxLog")
        from rxlog.ui.palette import use_accessible_colours

        use_accessible_colours(app)
    return app


def offscreen_demo(screenshot: Path) -> int:
    """Fill a temporary folder with a demo month, grab the main window, save a PNG."""
    import tempfile

    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    _offscreen_fonts()
    from PySide6.QtCore import qInstallMessageHandler

    def quiet(_mode, _context, message: str) -> None:  # noqa: ANN001
        if "propagateSizeHints" not in message:  # the offscreen plugin's harmless notice
            sys.stderr.write(message + "\n")

    qInstallMessageHandler(quiet)
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


def _import_core_in_background() -> dict:
    """Import the core (SQLAlchemy: ~0.3 s) on a thread while Qt starts and the window
    paints; ``result["RxLog"]`` or ``result["error"]`` is set when it is done."""
    import threading

    result: dict = {}

    def load() -> None:
        try:
            from rxlog.service import RxLog

            result["RxLog"] = RxLog
        except BaseException as exc:  # reported on the main thread
            result["error"] = exc

    result["thread"] = threading.Thread(target=load, name="rxlog-import", daemon=True)
    result["thread"].start()
    return result


def _open_or_offer_restore(rxlog_cls, data_dir: Path, parent):  # noqa: ANN001, ANN202
    """Open the installation; if its database cannot be opened, say why and offer the
    newest good backup (``backup_dialog.offer_restore``), then try once more.
    None when it stays closed (the user has been told why)."""
    from rxlog.errors import StorageError

    try:
        return rxlog_cls.open(data_dir)
    except StorageError as exc:
        try:
            from rxlog.ui.backup_dialog import offer_restore
        except ImportError:
            _fail("RxLog cannot open its data", exc.message)
            return None
        if not offer_restore(data_dir, exc.message, parent):
            return None
    return rxlog_cls.open(data_dir)


def _report_bugs(data_dir: Path | None = None) -> None:
    """Anything that is not an RxlogError is a bug: say so plainly (with the details
    for a bug report) instead of only printing a traceback nobody sees. The support log
    goes in ``data_dir`` unless the installation has chosen its folder since."""

    def hook(kind, value, tb) -> None:  # noqa: ANN001
        import traceback

        from rxlog import supportlog

        if data_dir is not None and supportlog.current_path() is None:
            supportlog.use_folder(data_dir)
        text = "".join(traceback.format_exception(kind, value, tb))
        sys.stderr.write(text)
        if isinstance(value, BaseException):
            supportlog.bug(value, "app")
        from PySide6.QtWidgets import QApplication, QMessageBox

        if QApplication.instance() is None:
            return
        log = supportlog.current_path()
        box = QMessageBox(
            QMessageBox.Icon.Critical,
            "RxLog hit a bug",
            "Something went wrong inside RxLog – a bug, not something you did. Each change "
            "is saved whole or not at all, so nothing was half-saved. Please send the "
            "details below to your project lead"
            + (
                ", with the support log (Copy support log puts it on the clipboard)."
                if log
                else "."
            ),
        )
        box.setDetailedText(text + (f"\nSupport log: {log}\n" if log else ""))
        if log is not None:
            copy = box.addButton("&Copy support log", QMessageBox.ButtonRole.ActionRole)
            copy.clicked.connect(lambda: _copy_support_log(log))
            box.addButton(QMessageBox.StandardButton.Close)
        box.open()
        _open_boxes.append(box)

    sys.excepthook = hook


_open_boxes: list = []  # keeps bug reports alive while they are shown


def _copy_support_log(path: Path) -> None:
    """The support log's place and its latest lines, on the clipboard to paste into an
    e-mail (it holds no note, name or typed text: see ``rxlog.supportlog``)."""
    from PySide6.QtWidgets import QApplication

    from rxlog import supportlog

    QApplication.clipboard().setText(f"RxLog support log: {path}\n\n{supportlog.tail()}")


def run(data_dir: Path) -> int:
    """Run the app on ``data_dir`` until its window closes; the exit code."""
    previous = sys.excepthook
    # A bug before the database opens is logged in the data folder too (the support log
    # is imported by the hook, when there is a bug to write: not before the first paint).
    _report_bugs(Path(data_dir) if Path(data_dir).is_dir() else None)
    try:
        return _run(data_dir)
    finally:
        sys.excepthook = previous


def _already_running(guard: Any, data_dir: Path, probe: bool) -> int:
    """Another RxLog has this data folder: bring it forward and say so."""
    guard.ping()
    if probe:
        return 3
    from PySide6.QtWidgets import QMessageBox

    QMessageBox.information(
        None,
        "RxLog is already open",
        f"RxLog is already running on {data_dir}; that window has been brought to the "
        "front. Only one RxLog window can use a data folder at a time.",
    )
    return 0


def _set_up_if_new(rx: Any, win: Any) -> bool:
    """A new installation (no technician or no placement) goes through the first-run
    wizard; ``False`` when it is closed without finishing."""
    if rx.technician() is not None and rx.placements():
        return True
    from rxlog.ui.setup_wizard import SetupWizard

    def from_profile(path: str, installation_name: str) -> None:
        from rxlog.profilefile import read_profile, setup_from_profile

        setup_from_profile(rx, read_profile(Path(path)), installation_name)

    wiz = SetupWizard(
        rx.today(), rx.setup, rx.add_placement, win, from_profile=from_profile, app=rx
    )
    return bool(wiz.exec())


def _attach_when_loaded(
    core: dict, data_dir: Path, win: Any, qapp: Any, probe: bool, state: dict
) -> None:
    """Once the core has loaded on its thread: open the installation (offering a
    restore if it cannot), set it up if new, and attach the window to it."""
    from PySide6.QtCore import QTimer

    if core["thread"].is_alive():
        QTimer.singleShot(15, lambda: _attach_when_loaded(core, data_dir, win, qapp, probe, state))
        return
    from rxlog.errors import RxlogError

    if "error" in core:
        raise core["error"]
    try:
        rx = state["rx"] = _open_or_offer_restore(core["RxLog"], data_dir, win)
        if rx is None:
            state["code"] = 1
        if rx is None or not _set_up_if_new(rx, win):
            win.close()
            qapp.quit()
            return
        win.attach(rx)
    except RxlogError as exc:
        state["code"] = _fail("RxLog cannot open its data", exc.message)
        win.close()
        qapp.quit()
        return
    if probe:
        qapp.processEvents()
        print(f"LOADED rows={win.day_model.rowCount()}", flush=True)
        win.close()
        qapp.quit()


def _lock_in_background(guard: Any) -> Any:
    """Take the folder's lock file on a thread while Qt starts and the window is built:
    QLockFile syncs the file to disk (``fdatasync``), which waits on a busy disk (1.6 ms
    at the median on the shared machine, 24 ms at worst). The function returned waits
    for it and says whether the lock is this window's."""
    import threading

    result: dict = {}

    def take() -> None:
        try:
            result["locked"] = guard.try_lock()
        except BaseException as exc:  # raised on the main thread, below
            result["error"] = exc

    thread = threading.Thread(target=take, name="rxlog-lock", daemon=True)
    thread.start()

    def locked() -> bool:
        thread.join()
        if "error" in result:
            raise result["error"]
        return bool(result["locked"])

    return locked


def _run(data_dir: Path) -> int:
    probe = bool(os.environ.get(PROBE_ENV))
    from rxlog.ui.single_instance import SingleInstance

    guard = SingleInstance(data_dir)  # on this thread: its signals and server live here
    locked = _lock_in_background(guard)
    qapp = _qapp()
    from rxlog.ui.main_window import MainWindow

    win = MainWindow(data_dir=data_dir)
    if not locked():
        win.deleteLater()  # never shown (and its size is not saved: it is not closed)
        return _already_running(guard, data_dir, probe)
    win.show()
    qapp.processEvents()
    if probe:
        focus = win.focusWidget()
        print(f"READY focus={focus.accessibleName() if focus else None}", flush=True)
    # After the first paint (``Qt``'s enums cost ~12 ms to build, the first time):
    from PySide6.QtCore import Qt, QTimer

    # Closing the window destroys it while Qt is still up (not later, in Python's GC).
    win.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    from rxlog.ui.screen_fit import bring_forward

    # A second start brings this window forward as it is (maximised stays maximised);
    # the guard only hears of one once it listens, below.
    guard.raise_requested.connect(lambda: bring_forward(win))
    # The window takes typing now; the core (SQLAlchemy) loads on a thread meanwhile.
    core = _import_core_in_background()
    QTimer.singleShot(0, win._ensure_built)  # the rest of the window, while the core loads
    guard.listen()
    state: dict = {"rx": None, "code": 0}
    QTimer.singleShot(0, lambda: _attach_when_loaded(core, data_dir, win, qapp, probe, state))
    try:
        code = qapp.exec()
    finally:
        if state["rx"] is not None:
            state["rx"].close()
        guard.release()
    return state["code"] or code


def _plain_start(argv: list[str]) -> SimpleNamespace | None:
    """The everyday starts (no options, or only ``--data-dir``) read without argparse,
    whose gettext/locale imports cost a few ms before the first paint."""
    data_dir = None
    if len(argv) == 1 and argv[0].startswith("--data-dir="):
        data_dir = argv[0].split("=", 1)[1]
    elif len(argv) == 2 and argv[0] == "--data-dir" and not argv[1].startswith("-"):
        data_dir = argv[1]
    elif argv:
        return None
    return SimpleNamespace(
        data_dir=data_dir or None, offscreen_demo=False, screenshot=DEFAULT_SCREENSHOT
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _plain_start(argv) or _parser().parse_args(argv)
    if args.offscreen_demo or no_display():
        return offscreen_demo(Path(args.screenshot))
    from rxlog.errors import RxlogError
    from rxlog.storage.paths import resolve_data_dir

    try:
        data_dir = resolve_data_dir(args.data_dir)
    except RxlogError as exc:  # --data-dir naming what Windows cannot hold
        print(f"rxlog-gui: {exc}", file=sys.stderr)
        return exc.exit_code
    return run(data_dir)


if __name__ == "__main__":
    sys.exit(main())
