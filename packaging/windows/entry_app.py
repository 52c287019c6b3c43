"""The frozen Windows programs: RxLog.exe, rxlog.com and RxLog-Central.exe (one analysis).

``RxLog-Central.exe`` (windowed) is the lead's window.

Windows file names ignore case, so the GUI ``RxLog.exe`` and a console ``rxlog.exe`` cannot
both live in one folder: the second would overwrite the first. Instead (Visual Studio's
devenv.exe / devenv.com pattern):

- ``RxLog.exe`` (GUI subsystem) opens the technician's window; given a command or
  ``--version`` (``rxlog.exe --version`` is the same file) it runs the command line, with
  its output on the handles it was given (a script's pipe or file).
- ``rxlog.com`` (console subsystem) always runs the command line: ``rxlog`` typed in a
  console finds it first (PATHEXT lists .COM before .EXE), and the console waits for it.
"""

import sys

GUI_FLAGS = {"--offscreen-demo"}
GUI_OPTIONS = {"--data-dir", "--screenshot"}


def wants_gui(argv):
    """Only the desktop app's own options (or none): the window; anything else: the CLI."""
    i = 0
    while i < len(argv):
        arg = argv[i]
        name = arg.split("=", 1)[0]
        if arg in GUI_FLAGS:
            i += 1
        elif name in GUI_OPTIONS:
            i += 1 if "=" in arg else 2
        else:
            return False
    return True


def _attach_parent_console():
    """A GUI program started from a console, with no redirected output: print there."""
    if sys.stdout is not None and sys.stderr is not None:
        return
    import ctypes

    if ctypes.windll.kernel32.AttachConsole(-1):  # ATTACH_PARENT_PROCESS
        sys.stdout = open("CONOUT$", "w", encoding="utf-8", errors="replace")  # noqa: SIM115
        sys.stderr = sys.stdout
    else:
        import io

        sys.stdout = sys.stdout or io.StringIO()
        sys.stderr = sys.stderr or io.StringIO()


def main():
    import multiprocessing
    import os

    multiprocessing.freeze_support()  # central import's worker processes
    argv = sys.argv[1:]
    if os.path.basename(sys.executable).lower().startswith("rxlog-central"):
        from rxlog.ui.central_window import main as central_main

        return central_main(argv)
    console = sys.executable.lower().endswith(".com")
    if not console and wants_gui(argv):
        from rxlog.ui.app import main as gui_main

        return gui_main(argv)
    if not console:
        _attach_parent_console()
    from rxlog.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
