"""Absence: ``absence add FROM [--to TO] --kind ...``, ``absence list``, ``absence delete``."""

from __future__ import annotations

import argparse

from rxlog.cli.context import CliContext
from rxlog.cli.output import print_json, print_table, warn
from rxlog.dates import parse_date, parse_month

KIND_CHOICES = ("annual-leave", "sickness", "training", "other")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def cmd_absence_add(args: argparse.Namespace, ctx: CliContext) -> int:
    first = parse_date(args.date_from, "from")
    last = parse_date(args.date_to, "to") if args.date_to else None
    result = ctx.app().add_absence(first, last, args.kind, args.note)
    for w in result.warnings:
        warn(w)
    a = result.absence
    span = f"on {a.date_from}" if a.date_from == a.date_to else f"{a.date_from} to {a.date_to}"
    print(f"Absence {a.id}: {a.label} {span} ({_plural(a.working_days(), 'working day')})")
    return 0


def cmd_absence_list(args: argparse.Namespace, ctx: CliContext) -> int:
    app = ctx.app()
    first = last = None
    if args.month:
        first, last = parse_month(args.month)
    rows = app.absences(first, last)
    if args.format == "json":
        print_json([a.to_dict() for a in rows])
        return 0
    print_table(
        [(a.id, a.kind, a.date_from, a.date_to, a.working_days(), a.note or "") for a in rows],
        ("id", "kind", "from", "to", "working days", "note"),
    )
    if first is not None and last is not None:
        from rxlog.absence import bank_holidays_in

        for d, name in bank_holidays_in(first, last).items():
            print(f"Bank holiday {d} ({d:%a}): {name}")
    return 0


def cmd_absence_delete(args: argparse.Namespace, ctx: CliContext) -> int:
    a = ctx.app().delete_absence(args.id, args.reason)
    print(
        f"Deleted absence {a.id} ({a.label} {a.date_from} to {a.date_to}); the audit trail keeps it"
    )
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    ab = sub.add_parser(
        "absence", help="leave, sickness, training: days not counted as without entries"
    ).add_subparsers(dest="action", metavar="ACTION", required=True)
    p = ab.add_parser("add", help="record days away (one day, or FROM to TO inclusive)")
    p.add_argument("date_from", metavar="FROM", help="first day away (YYYY-MM-DD)")
    p.add_argument("--to", dest="date_to", metavar="TO", help="last day away (default FROM)")
    p.add_argument("--kind", required=True, choices=KIND_CHOICES)
    p.add_argument("--note", metavar="TEXT", help="a note (never leaves this PC)")
    p.set_defaults(handler=cmd_absence_add)
    p = ab.add_parser("list", help="recorded absence (and a month's bank holidays)")
    p.add_argument("--month", metavar="YYYY-MM")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(handler=cmd_absence_list)
    p = ab.add_parser("delete", help="delete recorded absence (the reason is audited)")
    p.add_argument("id", metavar="ID", help="absence id (rxlog absence list)")
    p.add_argument("--reason", required=True, metavar="TEXT")
    p.set_defaults(handler=cmd_absence_delete)
