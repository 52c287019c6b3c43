"""Handover commands: ``rxlog handover YYYY-MM --out FILE [--with-notes]`` (old PC) and
``rxlog handover import FILE`` (new PC)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rxlog.cli.context import CliContext


def _passphrase(args: argparse.Namespace) -> str | None:
    import getpass

    from rxlog.export.keys import passphrase_from

    value = passphrase_from(getattr(args, "passphrase_file", None))
    if value is None and sys.stdin.isatty():
        value = getpass.getpass("Passphrase: ") or None
    return value


def cmd_handover(args: argparse.Namespace, ctx: CliContext) -> int:
    from rxlog.errors import ValidationError
    from rxlog.handover import import_handover, write_handover

    if args.month == "import":
        if args.out or args.with_notes or not args.file:
            raise ValidationError("usage: rxlog handover import FILE", "file")
        result = import_handover(ctx.app(), Path(args.file), _passphrase(args))
        print(result.message if result.added else f"nothing changed: {result.message}")
        return 0
    if args.file or not args.out:
        raise ValidationError("usage: rxlog handover YYYY-MM --out FILE [--with-notes]", "out")
    result = write_handover(
        ctx.app(),
        args.month,
        Path(args.out),
        with_notes=args.with_notes,
        passphrase=_passphrase(args),
    )
    print(result.message)
    if result.with_notes:
        print("The file carries the notes and is encrypted to your passphrase.")
    else:
        print("Notes stay on this PC (--with-notes takes them, encrypted).")
    print(f"On the new PC: rxlog handover import {Path(args.out).name}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "handover",
        help="move a month's entries to another PC: `handover YYYY-MM --out FILE` here, "
        "`handover import FILE` there",
    )
    p.add_argument("month", metavar="YYYY-MM|import")
    p.add_argument("file", metavar="FILE", nargs="?", help="(import) the handover file")
    p.add_argument("--out", metavar="FILE", help="the handover file to write")
    p.add_argument(
        "--with-notes",
        action="store_true",
        help="carry the entries' notes too; the file is then encrypted to your passphrase",
    )
    p.add_argument(
        "--passphrase-file",
        metavar="FILE",
        help="the passphrase (signing key and --with-notes encryption) from FILE's first "
        "line, or RXLOG_KEY_PASSPHRASE",
    )
    p.set_defaults(handler=cmd_handover)
