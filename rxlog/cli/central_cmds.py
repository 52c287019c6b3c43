"""``rxlog central``: the project lead's commands (trust keys, import returns, status,
export, report) over the central store.

The store is ``--db URL`` (any SQLAlchemy URL, e.g. PostgreSQL for a shared server),
else SQLite ``central.sqlite3`` in ``--central-dir DIR``, else in ``$RXLOG_CENTRAL_DIR``,
else in the per-user "RxLog Central" data folder. The technician's ``--data-dir`` is
not used by these commands.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rxlog.cli.context import CliContext
from rxlog.cli.output import print_csv, print_json, print_table

if TYPE_CHECKING:
    from rxlog.central.service import Central

REPORT_HELP = "the evidence report (PDF) for the project board"


def _store(args: argparse.Namespace) -> Central:
    """The lead's façade over the store ``--db``/``--central-dir`` name."""
    from rxlog.central.service import Central

    return Central.open(args.db, args.central_dir)


def cmd_trust(args: argparse.Namespace, ctx: CliContext) -> int:
    from rxlog.central.trust import read_key
    from rxlog.text import plain

    kf = read_key(Path(args.keyfile), args.gphc)  # refuses a file naming no GPhC first
    print(f"Key file {plain(Path(args.keyfile).name)} binds: {plain(kf.describe())}")
    if kf.format != "rxlog-key/2":
        print(f"  (an older key file: bound to GPhC {kf.gphc} as given with --gphc)")
    with _store(args) as central:
        key, added = central.trust(Path(args.keyfile), args.name, args.gphc)
    name = plain(key.name)
    if added:
        print(f"Trusted {name}: key {key.fingerprint}, for GPhC {key.gphc}'s returns only")
    else:
        print(f"Already trusted as {name}: key {key.fingerprint} (nothing changed)")
    return 0


def cmd_keys(args: argparse.Namespace, ctx: CliContext) -> int:
    with _store(args) as central:
        keys = central.trusted_keys()
    if args.format == "json":
        print_json([k.to_dict() for k in keys])
        return 0
    if not keys:
        print("No trusted keys yet: add one with `rxlog central trust KEYFILE --name NAME`.")
        return 0
    print_table(
        [
            (k.fingerprint[:16], k.name, k.gphc or "(none)", k.status, k.added_at[:10],
             (k.revoked_at or "")[:10])
            for k in keys
        ],
        ("fingerprint", "name", "gphc", "status", "added", "revoked"),
    )  # fmt: skip
    return 0


def cmd_revoke(args: argparse.Namespace, ctx: CliContext) -> int:
    from rxlog.text import plain

    with _store(args) as central:
        key, withdrawn = central.revoke(args.fingerprint, args.reason, args.withdraw_from)
    if args.format == "json":
        print_json({"key": key.to_dict(), "withdrawn": [w.to_dict() for w in withdrawn]})
        return 0
    kept = (
        "returns already imported stay"
        if args.withdraw_from is None
        else (f"returns it signed from {args.withdraw_from} on are withdrawn ({len(withdrawn)})")
    )
    print(
        f"Revoked key {key.fingerprint} ({plain(key.name)}) on {key.revoked_at}: returns it "
        f"signs are refused from now on; {kept}"
    )
    for w in withdrawn:
        print(f"  withdrawn: {w.return_id} v{w.version} ({plain(w.technician)}, {w.month})")
    return 0


def cmd_roster_add(args: argparse.Namespace, ctx: CliContext) -> int:
    with _store(args) as central:
        p = central.roster_add(args.gphc, args.name, args.date_from, args.date_to)
    print(f"On the roster: {p.name} ({p.gphc}) from {p.start}" + (f" to {p.end}" if p.end else ""))
    return 0


def cmd_roster_end(args: argparse.Namespace, ctx: CliContext) -> int:
    with _store(args) as central:
        p = central.roster_end(args.gphc, args.on)
    print(f"{p.name} ({p.gphc}) on the roster from {p.start} to {p.end}")
    return 0


def cmd_roster_list(args: argparse.Namespace, ctx: CliContext) -> int:
    with _store(args) as central:
        roster = central.roster()
    if args.format == "json":
        print_json([p.to_dict() for p in roster])
        return 0
    if not roster:
        print("Nobody on the roster yet: `rxlog central roster add GPHC --name NAME --from DATE`.")
        return 0
    print_table(
        [(p.gphc, p.name, p.start, p.end or "") for p in roster], ("gphc", "name", "from", "to")
    )
    return 0


def cmd_calendar_set(args: argparse.Namespace, ctx: CliContext) -> int:
    with _store(args) as central:
        cal = central.set_calendar(tuple(args.baseline), tuple(args.pilot))
    for phase, (a, b) in cal.items():
        print(f"{phase}: {a} to {b}")
    return 0


def cmd_import(args: argparse.Namespace, ctx: CliContext) -> int:
    from rxlog.central.importer import ALREADY, IMPORTED, REFUSED, REPLACED, SKIPPED
    from rxlog.text import plain

    tty = sys.stderr.isatty()
    results = []

    def progress(done: int, total: int, result: Any) -> None:
        results.append(result)
        if args.format == "text":
            line = f"{result.outcome:<15} {plain(result.source)}: {plain(result.message)}"
            print(line, flush=True)
        if tty and total > 1:
            print(f"\rimporting {done}/{total}…", end="" if done < total else "\n",
                  file=sys.stderr, flush=True)  # fmt: skip

    with _store(args) as central:
        central.import_paths([Path(p) for p in args.paths], progress)
    counts = {o: sum(1 for r in results if r.outcome == o)
              for o in (IMPORTED, REPLACED, ALREADY, REFUSED, SKIPPED)}  # fmt: skip
    if args.format == "json":
        print_json({"results": [r.to_dict() for r in results], "counts": counts})
    else:
        summary = ", ".join(f"{n} {o}" for o, n in counts.items() if n or o == IMPORTED)
        print(f"{len(results)} input(s): {summary}")
    if not results:
        print("rxlog: no return found in the given paths", file=sys.stderr)
        return 1
    return 1 if counts[REFUSED] else 0


def cmd_status(args: argparse.Namespace, ctx: CliContext) -> int:
    _check_months(args)
    with _store(args) as central:
        matrix = central.status(args.date_from, args.date_to)
    if args.format == "json":
        print_json(matrix.to_rows())
        return 0
    if args.format == "csv":
        print_csv(
            matrix.to_rows(),
            ("gphc", "technician", "month", "state", "version", "site", "sector", "reason"),
        )
        return 0
    if not matrix.technicians:
        print("No returns imported yet: `rxlog central import PATH...`.")
        return 0
    print_table(
        [(f"{t.name} ({t.gphc})", t.site, t.sector, *[t.cells[m].label for m in matrix.months])
         for t in matrix.technicians],
        ("technician (GPhC)", "site", "sector", *matrix.months),
    )  # fmt: skip
    several = [
        (t, c)
        for t in matrix.technicians
        for c in t.cells.values()
        if len(c.sent) > 1 or any(s.nil for s in c.sent)
    ]
    if several:
        print("\nWhich installation sent what:")
        for t, c in several:
            print(f"  {t.name} ({t.gphc}) {c.month}: " + "; ".join(s.label for s in c.sent))
    missing = len(matrix.cells("missing"))
    reopened = len(matrix.cells("reopened"))
    print(f"\n{missing} missing, {reopened} reopened (site and sector: latest month received)")
    return 0


def _check_months(args: argparse.Namespace) -> None:
    """Refuse bad --from/--to before the store is opened."""
    from rxlog.central.service import check_months

    check_months(args.date_from, args.date_to)


def cmd_export(args: argparse.Namespace, ctx: CliContext) -> int:
    _check_months(args)
    tty = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        if tty:
            print(f"\rexporting {done:,}/{total:,} rows…", end="", file=sys.stderr, flush=True)

    with _store(args) as central:
        result = central.export(
            Path(args.out),
            xlsx=not args.no_xlsx,
            date_from=args.date_from,
            date_to=args.date_to,
            progress=progress,
        )
    if tty:
        print(file=sys.stderr)
    print(f"Exported {result.entries:,} entries from {result.returns:,} returns:")
    for f in result.files:
        print(f"  {f}")
    return 0


def cmd_report(args: argparse.Namespace, ctx: CliContext) -> int:
    from rxlog.central.service import check_report_files

    _check_months(args)
    out = Path(args.out)
    json_out = Path(args.json) if args.json else None
    check_report_files(out, json_out)  # before the store is opened
    with _store(args) as central:
        done = central.report(
            out,
            date_from=args.date_from,
            date_to=args.date_to,
            organisation=args.organisation,
            json_out=json_out,
        )
    print(f"Report of {done.returns:,} returns written to {out}")
    if json_out is not None:
        print(f"Figures written to {json_out}")
    if done.not_valued:
        from rxlog.central.costs import TABLE_FILE
        from rxlog.resources import resources_dir
        from rxlog.text import plain

        table = plain(resources_dir() / TABLE_FILE)
        for sector in done.not_valued:
            print(
                f"warning: clinician time released in {sector} care is not valued: the "
                f"unit-cost table {table} has no [setting.{sector}]; add it with its cited "
                "[[figure]] rows (docs/lead-guide.md, 'Cost avoided')",
                file=sys.stderr,
            )
    return 0


def _months(p: argparse.ArgumentParser) -> None:
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM", help="first month")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM", help="last month")


def _register_trust(cs: Any, parser_class: Any) -> None:
    q = cs.add_parser("trust", help="trust an installation's key (from `rxlog key export`)")
    q.add_argument("keyfile", metavar="KEYFILE")
    q.add_argument("--name", required=True, help="who the installation belongs to")
    q.add_argument(
        "--gphc",
        metavar="NUMBER",
        help="the GPhC number the key is bound to, for a key file from an earlier RxLog "
        "that names none (a newer file names it; a different number is refused)",
    )
    q.set_defaults(handler=cmd_trust)


def _register_roster(cs: Any, parser_class: Any) -> None:
    q = cs.add_parser("roster", help="the technicians the lead expects returns from")
    rs = q.add_subparsers(dest="roster_command", metavar="COMMAND", parser_class=parser_class)
    rs.required = True
    r = rs.add_parser("add", help="put a technician on the roster from a date")
    r.add_argument("gphc", metavar="GPHC")
    r.add_argument("--name", required=True)
    r.add_argument("--from", dest="date_from", required=True, metavar="DATE")
    r.add_argument("--to", dest="date_to", metavar="DATE")
    r.set_defaults(handler=cmd_roster_add)
    r = rs.add_parser("end", help="end a technician's open period on the roster")
    r.add_argument("gphc", metavar="GPHC")
    r.add_argument("--on", required=True, metavar="DATE")
    r.set_defaults(handler=cmd_roster_end)
    r = rs.add_parser("list", help="everyone on the roster, with their dates")
    r.add_argument("--format", choices=("table", "json"), default="table")
    r.set_defaults(handler=cmd_roster_list)


def _register_calendar(cs: Any, parser_class: Any) -> None:
    q = cs.add_parser("calendar", help="the pilot's own baseline and pilot phases")
    ks = q.add_subparsers(dest="calendar_command", metavar="COMMAND", parser_class=parser_class)
    ks.required = True
    r = ks.add_parser("set", help="set the baseline and pilot phases for the whole pilot")
    r.add_argument("--baseline", nargs=2, required=True, metavar=("FROM", "TO"))
    r.add_argument("--pilot", nargs=2, required=True, metavar=("FROM", "TO"))
    r.set_defaults(handler=cmd_calendar_set)


def _register_keys(cs: Any, parser_class: Any) -> None:
    q = cs.add_parser("keys", help="list trusted and revoked keys")
    q.add_argument("--format", choices=("table", "json"), default="table")
    q.set_defaults(handler=cmd_keys)


def _register_revoke(cs: Any, parser_class: Any) -> None:
    q = cs.add_parser("revoke", help="refuse returns signed by a key from now on")
    q.add_argument("fingerprint", metavar="FINGERPRINT", help="the fingerprint or its start")
    q.add_argument("--reason", metavar="TEXT", help="why (kept with the key)")
    q.add_argument(
        "--withdraw-from",
        metavar="DATE",
        help="the key was compromised from DATE (YYYY-MM-DD): withdraw the returns it "
        "signed that were exported or imported on or after it (needs --reason)",
    )
    q.add_argument("--format", choices=("text", "json"), default="text")
    q.set_defaults(handler=cmd_revoke)


def _register_import(cs: Any, parser_class: Any) -> None:
    q = cs.add_parser(
        "import",
        help="import returns: folders, return files, saved e-mails (.eml, Outlook .msg) or "
        "folders of them",
        epilog="Exit status: 0 every return imported or already present; 1 at least one "
        "refused (the others were imported); 2 bad usage (nothing imported).",
    )
    q.add_argument("paths", nargs="+", metavar="PATH")
    q.add_argument("--format", choices=("text", "json"), default="text")
    q.set_defaults(handler=cmd_import)


def _register_status(cs: Any, parser_class: Any) -> None:
    q = cs.add_parser("status", help="which technician has sent which month")
    _months(q)
    q.add_argument("--format", choices=("table", "csv", "json"), default="table")
    q.set_defaults(handler=cmd_status)


def _register_export(cs: Any, parser_class: Any) -> None:
    q = cs.add_parser("export", help="the combined dataset as CSV and XLSX, with dictionary")
    q.add_argument("--out", required=True, metavar="DIR")
    q.add_argument("--no-xlsx", action="store_true", help="CSV only (faster for big stores)")
    _months(q)
    q.set_defaults(handler=cmd_export)


def _register_report(cs: Any, parser_class: Any) -> None:
    q = cs.add_parser("report", help=REPORT_HELP)
    q.add_argument("--out", required=True, metavar="FILE.pdf")
    q.add_argument("--organisation", help="the programme named under the title")
    q.add_argument(
        "--json", metavar="FILE.json", help="also write every figure the report prints as JSON"
    )
    _months(q)
    q.set_defaults(handler=cmd_report)


def register(sub: Any) -> None:
    p = sub.add_parser(
        "central",
        help="the project lead's central store: trust keys, import returns, status, reports",
        description=(
            "The project lead's commands over the central store. The store is --db URL "
            "(any SQLAlchemy URL, e.g. PostgreSQL for a shared server), else SQLite "
            "central.sqlite3 in --central-dir DIR, else in $RXLOG_CENTRAL_DIR, else in the "
            'per-user "RxLog Central" folder. See docs/lead-guide.md.'
        ),
    )
    p.add_argument("--db", metavar="URL", help="SQLAlchemy URL of the central store")
    p.add_argument(
        "--central-dir",
        metavar="DIR",
        help="folder of central.sqlite3 (default: $RXLOG_CENTRAL_DIR, else the user data folder)",
    )
    cs = p.add_subparsers(dest="central_command", metavar="COMMAND", parser_class=type(p))
    cs.required = True
    _register_trust(cs, type(p))
    _register_roster(cs, type(p))
    _register_calendar(cs, type(p))
    _register_keys(cs, type(p))
    _register_revoke(cs, type(p))
    _register_import(cs, type(p))
    _register_status(cs, type(p))
    _register_export(cs, type(p))
    _register_report(cs, type(p))
