"""Log again what was logged before, as the app's Ctrl+R and Ctrl+Shift+C do:
``repeat-last [--date DATE]`` and ``copy-day --from DATE [--to DATE]``. Each prints the
new entries' ids, one a line, as ``rxlog log`` prints one."""

from __future__ import annotations

import argparse

from rxlog.cli.context import CliContext
from rxlog.cli.output import warn
from rxlog.dates import parse_date


def cmd_repeat_last(args: argparse.Namespace, ctx: CliContext) -> int:
    app = ctx.app()
    day = parse_date(args.date) if args.date else app.today()
    result = app.repeat_last(day)
    for w in result.warnings:
        warn(w)
    print(result.entry.id)
    return 0


def cmd_copy_day(args: argparse.Namespace, ctx: CliContext) -> int:
    source = parse_date(args.date_from, "from")
    app = ctx.app()
    target = parse_date(args.date_to, "to") if args.date_to else app.today()
    results = app.copy_day(source, target)
    for r in results:
        for w in r.warnings:
            warn(w)
        print(r.entry.id)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "repeat-last",
        help="log the most recent entry again (today, or --date), at that day's placement",
    )
    p.add_argument("--date", metavar="YYYY-MM-DD", help="the day to log it on (default today)")
    p.set_defaults(handler=cmd_repeat_last)

    p = sub.add_parser(
        "copy-day",
        help="log every entry of one day again on another (all or nothing)",
    )
    p.add_argument(
        "--from", dest="date_from", required=True, metavar="YYYY-MM-DD", help="the day to copy"
    )
    p.add_argument(
        "--to", dest="date_to", metavar="YYYY-MM-DD", help="the day to log them on (default today)"
    )
    p.set_defaults(handler=cmd_copy_day)
