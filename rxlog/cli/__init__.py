"""The ``rxlog`` command line: a thin shell over ``rxlog.service``.

Exit codes (a contract scripts rely on): 0 done; 2 bad input or usage (stderr names
the field and why); 1 any other failure.

Commands live in the modules of this package: each defines ``register(subparsers)``
and is found automatically, so a new capability adds a module and touches no other.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any

from rxlog import __version__
from rxlog.cli.context import CliContext
from rxlog.errors import RxlogError

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2


def _columns() -> int:
    """The width ``shutil.get_terminal_size().columns`` gives: ``COLUMNS``, else the
    terminal's, else 80."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _Formatter(argparse.HelpFormatter):
    """argparse's own help layout, its width read without importing ``shutil``: argparse
    makes a formatter for every argument it adds, and its default one imports shutil
    (with zlib, bz2 and lzma) for the width, ~2 ms of every command."""

    def __init__(
        self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
        width: int | None = None,
    ) -> None:  # fmt: skip
        super().__init__(prog, indent_increment, max_help_position,
                         _columns() - 2 if width is None else width)  # fmt: skip


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)  # its subparsers are _Parsers too
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"rxlog: error: {message}\n")


# Commands whose parser is built on its own when the command line names them: building
# every command's parser (and importing every command module) costs more than ``log`` or
# ``list`` does. name -> (module, the function that registers just that command).
# tests/test_cli_parser.py checks each gives the same parser as the full one.
SOLO_COMMANDS = {
    "log": ("core_cmds", "register_log"),
    "list": ("core_cmds", "register_list"),
    "verify": ("export_cmds", "register_verify"),
}


def named_command(argv: Sequence[str]) -> str | None:
    """The command ``argv`` names when it is one of ``SOLO_COMMANDS`` and nothing before
    it is ambiguous (anything but ``--data-dir DIR`` before it: None, the full parser)."""
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--data-dir":
            i += 2
        elif arg.startswith("--data-dir="):
            i += 1
        elif arg.startswith("-"):
            return None
        else:
            return arg if arg in SOLO_COMMANDS else None
    return None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line, or with ``only`` (a ``SOLO_COMMANDS`` name) just that
    command's part of it."""
    parser = _Parser(
        prog="rxlog",
        description="Log a pharmacy technician's activities and produce signed monthly returns.",
    )
    parser.add_argument("--version", action="version", version=f"rxlog {__version__}")
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="data folder (default: $RXLOG_DATA_DIR, else the user data folder)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    if only is not None:
        module, register = SOLO_COMMANDS[only]
        getattr(importlib.import_module(f"{__name__}.{module}"), register)(sub)
        return parser
    import pkgutil

    package = importlib.import_module(__name__)
    # The technician's everyday commands first in --help, then the others by name.
    modules = sorted(
        pkgutil.iter_modules(package.__path__), key=lambda i: (i.name != "core_cmds", i.name)
    )
    for info in modules:
        if info.name.endswith("_cmds"):
            importlib.import_module(f"{__name__}.{info.name}").register(sub)
    return parser


def _never_unencodable() -> None:
    """Windows writes redirected output in the ANSI code page, which has no letters for
    most of Unicode: a folder named in Chinese would end the command with a traceback.
    Such a character is written as an escape (\\u6570) instead."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        errors = getattr(stream, "errors", None)
        if reconfigure is not None and errors in ("strict", "surrogateescape"):
            reconfigure(errors="backslashreplace")


def main(argv: Sequence[str] | None = None) -> int:
    _never_unencodable()
    args_in = sys.argv[1:] if argv is None else list(argv)
    if args_in == ["--version"]:
        # Answered before the parser is built: building it imports every command module.
        print(f"rxlog {__version__}")
        return EXIT_OK
    parser = build_parser(named_command(args_in))
    args = parser.parse_args(args_in)
    try:
        ctx = CliContext(args.data_dir)  # refuses a folder name Windows cannot hold
    except RxlogError as exc:
        print(f"rxlog: {exc}", file=sys.stderr)
        return exc.exit_code
    from rxlog import supportlog  # cheap: nothing is opened until a line is written

    if ctx.data_dir.is_dir():
        supportlog.use_folder(ctx.data_dir)  # opening a database or store may move it
    code = EXIT_FAILURE
    try:
        code = int(args.handler(args, ctx) or 0)
        return code
    except RxlogError as exc:
        from rxlog.text import plain

        print(f"rxlog: {plain(exc)}", file=sys.stderr)  # may quote text from outside
        code = exc.exit_code
        return code
    except KeyboardInterrupt:
        print("rxlog: interrupted; nothing half-written was kept", file=sys.stderr)
        return EXIT_FAILURE
    except BrokenPipeError:
        code = EXIT_OK
        return code
    except Exception as exc:  # a bug: say so plainly, keep the details for support
        supportlog.bug(exc, "cli")
        print(
            "rxlog: internal error (a bug, not your input); details follow for support:",
            file=sys.stderr,
        )
        import traceback

        traceback.print_exc()
        return EXIT_FAILURE
    finally:
        ctx.close()
        supportlog.info("command", name=supportlog.safe_word(_command_name(args)), exit=code)


def _command_name(args: argparse.Namespace) -> str:
    """The command as RxLog names it (``cmd_export``), never its arguments."""
    return getattr(args.handler, "__name__", "command")


if __name__ == "__main__":
    raise SystemExit(main())
