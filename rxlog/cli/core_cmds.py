"""Core commands: setup, placements, phases, log/list/edit/delete, audit, taxonomy, demo."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Any

from rxlog.cli.context import CliContext
from rxlog.cli.output import print_csv, print_json, print_table, warn
from rxlog.dates import parse_date, parse_month
from rxlog.domain import EntryInput
from rxlog.errors import NotFoundError, ValidationError
from rxlog.settings import LEAD_EMAIL

LIST_COLUMNS = (
    "id", "date", "code", "title", "category", "taxonomy_version", "site", "sector", "phase",
    "minutes", "count", "significance", "significance_scale", "harm", "harm_scale",
    "released_minutes", "outcome", "discharge_received", "note", "created_at", "updated_at",
    "admitted", "time",
)  # fmt: skip

# Fields of an entry and their command-line options (shared by log and edit).
_ENTRY_OPTIONS = (
    ("--date", "date", "YYYY-MM-DD", "day of the activity (default: today)"),
    ("--minutes", "minutes", "N", "minutes spent (default: the code's default)"),
    ("--count", "count", "N", "patients or items (default: 1 where the code counts)"),
    ("--site", "site", "ODS", "site (default: the placement covering the date)"),
    ("--significance", "significance", "1-6", "Eadon significance (interventions)"),
    ("--harm", "harm", "A-I", "NCC MERP harm category (interventions)"),
    ("--released-minutes", "released_minutes", "N", "clinician minutes released"),
    ("--outcome", "outcome", "OUTCOME", "accepted, declined or pending"),
    ("--discharge-received", "discharge_received", "DATE", "discharge information received"),
    (
        "--admitted",
        "admitted",
        "'YYYY-MM-DD HH:MM'",
        "when the patient was admitted (admission reconciliation; NICE QS120)",
    ),
    ("--time", "time", "HH:MM", "time the reconciliation was done (default: now, if today)"),
    ("--note", "note", "TEXT", "free-text note (never leaves this PC)"),
)
_DATE_FIELDS = {"date", "discharge_received"}


def _opt_date(value: str | None, field: str) -> date | None:
    return parse_date(value, field) if value else None


def _entry_values(args: argparse.Namespace) -> dict[str, Any]:
    from rxlog.dates import parse_clock, parse_date_time

    values: dict[str, Any] = {}
    for _flag, dest, _mv, _help in _ENTRY_OPTIONS:
        v = getattr(args, dest)
        if v is not None:
            if dest in _DATE_FIELDS:
                v = parse_date(v, dest)
            elif dest == "admitted":
                v = parse_date_time(v, dest)
            elif dest == "time":
                v = parse_clock(v, dest)
            values[dest] = v
    return values


def _add_entry_options(p: argparse.ArgumentParser) -> None:
    for flag, dest, metavar, help_text in _ENTRY_OPTIONS:
        p.add_argument(flag, dest=dest, metavar=metavar, help=help_text)


# -- handlers ----------------------------------------------------------------------------
def cmd_setup(args: argparse.Namespace, ctx: CliContext) -> int:
    from rxlog.cli import export_cmds
    from rxlog.errors import ValidationError
    from rxlog.export.keys import has_keys
    from rxlog.profile import check_installation_name, check_technician

    profile = None
    if args.from_profile:
        from rxlog.profilefile import check_setup, read_profile

        if args.name or args.gphc or args.lead_email:
            raise ValidationError(
                "--from-profile takes the name, GPhC number and lead address from the "
                "profile: leave out --name, --gphc and --lead-email",
                "from-profile",
            )
        from pathlib import Path

        profile = read_profile(Path(args.from_profile))
        check_setup(profile)
    elif not args.name or not args.gphc:
        raise ValidationError(
            "give --name and --gphc (or --from-profile FILE from your other PC)", "name"
        )
    else:
        check_technician(args.name, args.gphc)
    # Check every input before anything is written (even the data folder).
    if args.installation_name is not None:
        check_installation_name(args.installation_name)
    lead = export_cmds._check_email(args.lead_email) if args.lead_email else None
    need_key = not has_keys(ctx.data_dir)
    passphrase = export_cmds.read_passphrase(args, confirm=True) if need_key else None
    if profile is not None:
        from rxlog.profilefile import setup_from_profile

        done = setup_from_profile(ctx.app(create=True), profile, args.installation_name)
        tech = ctx.app().technician()
        assert tech is not None
        print(
            f"{done.message}: {done.placements} placements, {done.phases} phases, "
            "favourites, lead address and settings"
        )
    else:
        tech = ctx.app(create=True).setup(args.name, args.gphc, args.installation_name)
    inst = ctx.app().installation()
    print(f"RxLog is set up for {tech.name} (GPhC {tech.gphc}) in {ctx.data_dir}")
    print(f"This installation: {inst.name} (id {inst.id})")
    if lead:
        ctx.app().settings[LEAD_EMAIL] = lead
        print(f"Returns will be addressed to {lead}")
    if need_key:
        fingerprint = export_cmds.create_key(ctx, passphrase)
        protected = "protected by a passphrase" if passphrase else "no passphrase"
        print(f"Signing key created ({protected}); fingerprint {fingerprint}")
    return 0


def _print_placement(p: Any, verb: str = "Placement") -> None:
    until = p.date_to or "open-ended"
    print(f"{verb} {p.id}: {p.ods} {p.name} ({p.sector} care) from {p.date_from} to {until}")


def _print_change(change: Any) -> None:
    if change.moved:
        print(f"{len(change.moved)} entries now belong to the placement that covers their date")
    if change.deleted:
        print(f"{len(change.deleted)} entries outside every placement were deleted (audited)")


def cmd_placement_add(args: argparse.Namespace, ctx: CliContext) -> int:
    values = (
        args.ods,
        args.name,
        args.sector,
        _opt_date(args.date_from, "from"),
        _opt_date(args.date_to, "to"),
    )
    if args.end_previous:
        if values[3] is None:
            raise ValidationError(
                "--end-previous needs --from (the new placement's first day)", "from"
            )
        change = ctx.app().next_rotation(*values[:3], values[3], values[4])
        if change.previous is not None:
            _print_placement(change.previous, "Ended placement")
        _print_placement(change.placement)
        _print_change(change)
        return 0
    _print_placement(ctx.app().add_placement(*values))
    return 0


def cmd_placement_end(args: argparse.Namespace, ctx: CliContext) -> int:
    change = ctx.app().end_placement(
        args.id,
        parse_date(args.on, "on"),
        reason=args.reason,
        delete_entries=args.delete_entries,
    )
    _print_placement(change.placement)
    _print_change(change)
    return 0


def cmd_placement_edit(args: argparse.Namespace, ctx: CliContext) -> int:
    change = ctx.app().edit_placement(
        args.id,
        reason=args.reason,
        name=args.name,
        date_from=_opt_date(args.date_from, "from"),
        date_to=_opt_date(args.date_to, "to"),
        open_ended=args.open_ended,
        sector=args.sector,
        delete_entries=args.delete_entries,
    )
    _print_placement(change.placement)
    _print_change(change)
    return 0


def cmd_placement_delete(args: argparse.Namespace, ctx: CliContext) -> int:
    from rxlog.placements import placement_id

    pid = placement_id(args.id)
    ctx.app().delete_placement(pid, reason=args.reason)
    print(f"Deleted placement {pid}; the audit trail keeps it")
    return 0


def cmd_placement_list(args: argparse.Namespace, ctx: CliContext) -> int:
    rows = ctx.app().placements()
    if args.format == "json":
        print_json([p.to_dict() for p in rows])
    else:
        print_table(
            [
                (p.id, p.ods, p.site_kind, p.name, p.sector, p.date_from, p.date_to or "")
                for p in rows
            ],
            ("id", "ods", "kind", "name", "sector", "from", "to"),
        )
    return 0


def cmd_phase_add(args: argparse.Namespace, ctx: CliContext) -> int:
    ph = ctx.app().add_phase(
        args.name, parse_date(args.date_from, "from"), _opt_date(args.date_to, "to")
    )
    print(f"Phase {ph.name} from {ph.date_from} to {ph.date_to or 'open-ended'}")
    return 0


def cmd_phase_list(args: argparse.Namespace, ctx: CliContext) -> int:
    print_table(
        [(p.name, p.date_from, p.date_to or "") for p in ctx.app().phases()],
        ("phase", "from", "to"),
    )
    return 0


def cmd_log(args: argparse.Namespace, ctx: CliContext) -> int:
    values = _entry_values(args)
    result = ctx.entries().log(EntryInput(code=args.code, **values))
    for w in result.warnings:
        warn(w)
    print(result.entry.id)
    return 0


def cmd_list(args: argparse.Namespace, ctx: CliContext) -> int:
    app = ctx.entries()
    start = end = None
    if args.month:
        start, end = parse_month(args.month)
    elif args.date:
        start = end = parse_date(args.date)
    if args.code and app.taxonomy.get(args.code.strip().upper()) is None:
        raise NotFoundError(
            f"{args.code!r} is not a code in taxonomy {app.taxonomy.version}; "
            "`rxlog taxonomy` lists them",
            field="code",
        )
    rows = app.list_entries(start, end, code=args.code)
    if args.format == "json":
        print_json([e.to_dict() for e in rows])
    elif args.format == "csv":
        print_csv([e.to_dict() for e in rows], LIST_COLUMNS)
    else:
        print_table(
            [
                (
                    e.id[:8],
                    e.date,
                    e.code,
                    e.title,
                    e.site,
                    e.minutes,
                    e.count,
                    e.significance,
                    e.harm,
                    e.outcome,
                )
                for e in rows
            ],
            ("id", "date", "code", "title", "site", "min", "count", "sig", "harm", "outcome"),
        )
        total = sum(e.minutes for e in rows)
        print(f"{len(rows)} entries, {total} minutes ({total / 60:.1f} h)")
    return 0


def cmd_edit(args: argparse.Namespace, ctx: CliContext) -> int:
    changes = _entry_values(args)
    if args.code:
        changes["code"] = args.code
    for field in args.clear or []:
        if field in changes:
            raise ValidationError(f"{field} is both set and cleared", field=field)
        changes[field] = None
    result = ctx.app().edit(args.id, changes, args.reason)
    for w in result.warnings:
        warn(w)
    print(f"Edited {result.entry.id}")
    return 0


def cmd_delete(args: argparse.Namespace, ctx: CliContext) -> int:
    entry = ctx.app().delete(args.id, args.reason)
    print(f"Deleted {entry.id} ({entry.date} {entry.code}); the audit trail keeps it")
    return 0


def cmd_audit(args: argparse.Namespace, ctx: CliContext) -> int:
    app = ctx.app()
    if args.verify:
        report = app.verify_audit()
        if args.format == "json":
            print_json(
                {
                    "ok": report.ok,
                    "records": report.records,
                    "entries": report.entries,
                    "problems": report.problems,
                }
            )
        elif report.ok:
            print(
                f"Audit trail verified: {report.records} records explain all "
                f"{report.entries} entries"
            )
        else:
            print(f"Audit trail check FAILED ({len(report.problems)} problem(s)):", file=sys.stderr)
            for p in report.problems:
                print(f"  - {p}", file=sys.stderr)
        return 0 if report.ok else 1
    records = app.audit_records(limit=args.limit)
    if args.format == "json":
        print_json(
            [
                {
                    "seq": r.seq,
                    "at": r.at,
                    "os_user": r.os_user,
                    "technician": r.technician,
                    "action": r.action,
                    "entry_id": r.entry_id,
                    "before": _audited_state(r, "before"),
                    "after": _audited_state(r, "after"),
                    "reason": r.reason,
                    "hash": r.hash,
                }
                for r in records
            ]
        )
    else:
        print_table(
            [
                (
                    r.seq,
                    r.at[:19],
                    r.os_user,
                    r.action,
                    r.entry_id if ":" in r.entry_id else r.entry_id[:8],  # placement:3
                    r.reason or "",
                )
                for r in records
            ],
            ("seq", "at (UTC)", "user", "action", "entry", "reason"),
        )
    return 0


def _audited_state(rec: Any, side: str) -> str | None:
    """A record's snapshot as JSON text, its note's text put back (None once redacted)."""
    import json

    from rxlog import audit

    try:
        value = audit.state(rec, side)
    except ValueError:  # damaged JSON: shown as it is stored
        return rec.before if side == "before" else rec.after
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def cmd_taxonomy(args: argparse.Namespace, ctx: CliContext) -> int:
    from rxlog.taxonomy import current_taxonomy

    tax = current_taxonomy()
    if args.format == "json":
        print_json(tax.to_dict())
    else:
        print(f"Taxonomy {tax.version}: {len(tax)} codes in {len(tax.categories)} categories")
        print_table(
            [
                (
                    c.code,
                    c.title,
                    tax.categories[c.category],
                    "+".join(c.sectors),
                    c.counts,
                    c.default_minutes,
                    "yes" if c.intervention else "",
                    f"retired ({c.replaced_by})" if c.retired else "",
                )
                for c in tax
            ],
            ("code", "title", "category", "sectors", "counts", "min", "interv.", "status"),
        )
    return 0


def cmd_demo(args: argparse.Namespace, ctx: CliContext) -> int:
    from rxlog.demo import fill_demo

    try:
        months = int(args.months)
    except ValueError:
        raise ValidationError(f"{args.months!r} is not a whole number", "months") from None
    summary = fill_demo(ctx.app(create=True), months=months, end_month=args.end, seed=args.seed)
    print(summary)
    return 0


def _positive(text: str) -> int:
    """argparse type: a whole number of 1 or more (argparse reports the option)."""
    if not text.strip().isascii() or not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return int(text)


# -- registration: one function a command (``rxlog.cli`` may build just one) ------------
def register_setup(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("setup", help="set up this installation for a technician")
    p.add_argument("--name", help="the technician's name (required unless --from-profile)")
    p.add_argument(
        "--gphc", metavar="NUMBER", help="GPhC registration number (unless --from-profile)"
    )
    p.add_argument(
        "--from-profile",
        metavar="FILE",
        help="set up from the profile file written on your other PC (rxlog profile export)",
    )
    p.add_argument("--lead-email", metavar="ADDRESS", help="the project lead's e-mail address")
    p.add_argument(
        "--installation-name",
        metavar="NAME",
        help="a name for this PC's RxLog, shown on its returns (default: the host name)",
    )
    p.add_argument(
        "--passphrase-file",
        metavar="FILE",
        help="protect the new signing key with the passphrase in FILE (or RXLOG_KEY_PASSPHRASE)",
    )
    p.add_argument(
        "--ask-passphrase", action="store_true", help="type a passphrase for the signing key"
    )
    p.set_defaults(handler=cmd_setup)


def register_placement(sub: argparse._SubParsersAction) -> None:
    pl = sub.add_parser("placement", help="the rotation calendar").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    p = pl.add_parser("add", help="add a placement")
    p.add_argument("ods", metavar="ODS", help="ODS code of the site")
    p.add_argument("--name", required=True, help="site name")
    p.add_argument("--sector", required=True, choices=("primary", "secondary"))
    p.add_argument("--from", dest="date_from", metavar="DATE", help="first day (default today)")
    p.add_argument("--to", dest="date_to", metavar="DATE", help="last day (default open-ended)")
    p.add_argument(
        "--end-previous",
        action="store_true",
        help="the next rotation: end the placement covering --from the day before; its "
        "entries from --from on move to this placement",
    )
    p.set_defaults(handler=cmd_placement_add)
    p = pl.add_parser("list", help="list placements")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(handler=cmd_placement_list)
    delete_help = "delete the entries the change leaves outside every placement (audited)"
    p = pl.add_parser("end", help="set a placement's last day")
    p.add_argument("id", metavar="ID", help="placement id (rxlog placement list)")
    p.add_argument("--on", required=True, metavar="DATE", help="last day of the placement")
    p.add_argument("--reason", metavar="TEXT", help="kept in the audit trail")
    p.add_argument("--delete-entries", action="store_true", help=delete_help)
    p.set_defaults(handler=cmd_placement_end)
    p = pl.add_parser("edit", help="change a placement (the reason is audited)")
    p.add_argument("id", metavar="ID", help="placement id (rxlog placement list)")
    p.add_argument("--name", metavar="N", help="site name")
    p.add_argument("--from", dest="date_from", metavar="D", help="first day")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--to", dest="date_to", metavar="D", help="last day")
    g.add_argument("--open-ended", action="store_true", help="no end date yet")
    p.add_argument("--sector", choices=("primary", "secondary"))
    p.add_argument("--reason", required=True, metavar="TEXT")
    p.add_argument("--delete-entries", action="store_true", help=delete_help)
    p.set_defaults(handler=cmd_placement_edit)
    p = pl.add_parser("delete", help="delete a placement no entry depends on")
    p.add_argument("id", metavar="ID", help="placement id (rxlog placement list)")
    p.add_argument("--reason", required=True, metavar="TEXT")
    p.set_defaults(handler=cmd_placement_delete)


def register_phase(sub: argparse._SubParsersAction) -> None:
    ph = sub.add_parser("phase", help="project phases").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    p = ph.add_parser("add", help="add a phase (baseline, pilot, ...)")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--from", dest="date_from", metavar="DATE", required=True)
    p.add_argument("--to", dest="date_to", metavar="DATE")
    p.set_defaults(handler=cmd_phase_add)
    p = ph.add_parser("list", help="list phases")
    p.set_defaults(handler=cmd_phase_list)


def register_log(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("log", help="log an activity (prints the new entry's id)")
    p.add_argument("code", metavar="CODE", help="activity code (rxlog taxonomy)")
    _add_entry_options(p)
    p.set_defaults(handler=cmd_log)


def register_list(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("list", help="list entries")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--month", metavar="YYYY-MM")
    g.add_argument("--date", metavar="YYYY-MM-DD")
    p.add_argument("--code", metavar="CODE", help="only this code")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p.set_defaults(handler=cmd_list)


def register_edit(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("edit", help="change an entry (the reason is audited)")
    p.add_argument("id", metavar="ID", help="entry id (or its first characters)")
    p.add_argument("--reason", required=True, metavar="TEXT")
    p.add_argument("--code", metavar="CODE")
    _add_entry_options(p)
    p.add_argument(
        "--clear",
        action="append",
        metavar="FIELD",
        choices=(
            "count",
            "significance",
            "harm",
            "released_minutes",
            "outcome",
            "discharge_received",
            "admitted",
            "time",
            "note",
        ),
        help="unset an optional field (repeatable)",
    )
    p.set_defaults(handler=cmd_edit)


def register_delete(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("delete", help="delete an entry (the reason is audited)")
    p.add_argument("id", metavar="ID")
    p.add_argument("--reason", required=True, metavar="TEXT")
    p.set_defaults(handler=cmd_delete)


def register_audit(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("audit", help="show or verify the audit trail")
    p.add_argument("--verify", action="store_true", help="check the hash chain and entries")
    p.add_argument("--limit", type=_positive, default=None, help="only the last N records")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(handler=cmd_audit)


def register_taxonomy(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("taxonomy", help="list the activity codes")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(handler=cmd_taxonomy)


def register_demo(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="fill an empty data folder with a sample technician")
    p.add_argument("--months", default="3", metavar="N", help="months of entries (default 3)")
    p.add_argument("--end", metavar="YYYY-MM", help="last month (default: this month)")
    p.add_argument("--seed", type=int, default=2026, help="random seed (same seed, same data)")
    p.set_defaults(handler=cmd_demo)


def register(sub: argparse._SubParsersAction) -> None:
    register_setup(sub)
    register_placement(sub)
    register_phase(sub)
    register_log(sub)
    register_list(sub)
    register_edit(sub)
    register_delete(sub)
    register_audit(sub)
    register_taxonomy(sub)
    register_demo(sub)
