"""The frozen Windows programs: RxLog.exe and RxLog-Central.exe (one analysis).

``RxLog-Central.exe`` (windowed) is the lead's window.

``RxLog.exe`` is both names the install folder promises, ``RxLog.exe`` (the technician's
window) and ``rxlog.exe`` (the command line for support): Windows file names ignore case,
so they are one file, and it is built to be both (docs/windows.md, "One program, two
names"):

- it is a *console* program, so ``rxlog.exe check`` typed in Command Prompt or PowerShell
  behaves as a command line does there: the prompt waits for it, its output lands in that
  console and ``%ERRORLEVEL%`` / ``$LASTEXITCODE`` is its exit code;
- its manifest asks Windows for no console of its own (``consoleAllocationPolicy
  detached``, Windows 11 24H2 and later), so started from the Start menu it opens only the
  window; an older Windows gives it a console anyway, which it lets go of at once (a
  console window flashes for a moment).
Given a command or ``--version`` it runs the command line; given none (or only the
window's own options) it opens the window.
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


def _release_own_console():
    """The window needs no console. If Windows gave this process one of its own (a Windows
    older than 11 24H2, which ignores the manifest's ``detached``; started from the Start
    menu or Explorer), let it go so it closes. A console shared with the program that
    started this one (a Command Prompt) is left alone: that one's user wants the output."""
    import ctypes
    import os

    kernel32 = ctypes.windll.kernel32
    if not kernel32.GetConsoleWindow():
        return
    pids = (ctypes.c_uint32 * 4)()
    if kernel32.GetConsoleProcessList(pids, 4) != 1:
        return
    console_streams = [s for s in (sys.stdout, sys.stderr) if s is not None and s.isatty()]
    kernel32.FreeConsole()
    if console_streams:
        sink = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 (lives as long as the process)
        if sys.stdout in console_streams:
            sys.stdout = sink
        if sys.stderr in console_streams:
            sys.stderr = sink


def main():
    import multiprocessing
    import os

    multiprocessing.freeze_support()  # central import's worker processes
    argv = sys.argv[1:]
    if os.path.basename(sys.executable).lower().startswith("rxlog-central"):
        from rxlog.ui.central_window import main as central_main

        return central_main(argv)
    if wants_gui(argv):
        from rxlog.ui.app import main as gui_main

        _release_own_console()
        return gui_main(argv)
    from rxlog.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
