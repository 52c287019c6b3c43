"""Notes: ``note redact ID --reason TEXT`` takes a note's text out of the entry, the audit
trail and every backup (the audit chain still verifies)."""

from __future__ import annotations

import argparse
import sys

from rxlog.cli.context import CliContext


def cmd_note_redact(args: argparse.Namespace, ctx: CliContext) -> int:
    result = ctx.app().redact_note(args.id, args.reason)
    where = ["the entry"] if result.entry_had_note else []
    if result.records:
        where.append(f"{result.records} audit record{'s' if result.records != 1 else ''}")
    if result.backups:
        where.append(f"{len(result.backups)} backup{'s' if len(result.backups) != 1 else ''}")
    print(f"Redacted the note of entry {result.entry_id}: removed from {', '.join(where)}")
    if result.skipped:
        print(
            f"rxlog: {len(result.skipped)} backup(s) could not be rewritten and may still "
            "hold the note; delete them if they are not needed:",
            file=sys.stderr,
        )
        for path, why in result.skipped:
            print(f"  - {path}: {why}", file=sys.stderr)
        return 1
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    nt = sub.add_parser("note", help="entry notes").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    p = nt.add_parser(
        "redact",
        help="remove a note's text from the entry, the audit trail and every backup",
    )
    p.add_argument("id", metavar="ID", help="entry id (or its first 4+ characters)")
    p.add_argument("--reason", required=True, metavar="TEXT", help="kept in the audit trail")
    p.set_defaults(handler=cmd_note_redact)
