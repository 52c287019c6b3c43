"""Backups and health: ``backup [--out FILE]``, ``backup list``, ``restore FILE``, ``check``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rxlog.cli.context import CliContext
from rxlog.cli.output import print_json, print_table, warn
from rxlog.errors import ValidationError


def _size(n: int) -> str:
    return f"{n / 1024:.0f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"


def _keep(value: str, field: str) -> int:
    if not value.strip().isdigit() or not 1 <= int(value) <= 1000:
        raise ValidationError(f"{value!r} is not a number of backups from 1 to 1000", field)
    return int(value)


def cmd_backup(args: argparse.Namespace, ctx: CliContext) -> int:
    from rxlog.storage import backups

    if args.to:
        if args.out:
            raise ValidationError("give --to DIR or --out FILE, not both", "to")
        info = ctx.app().back_up_to(Path(args.to))
        print(f"Backed up to {info.path} ({_size(info.size)})")
        return 0
    keep_daily = _keep(args.keep_daily, "keep-daily") if args.keep_daily else None
    keep_monthly = _keep(args.keep_monthly, "keep-monthly") if args.keep_monthly else None
    if args.out and keep_daily is None and keep_monthly is None:
        # Read-only: works on a read-only folder or drive too (a rescue copy).
        from rxlog.storage.paths import DB_FILENAME

        source = ctx.data_dir / DB_FILENAME
        if not source.is_file():
            raise ValidationError(f"there is no database in {ctx.data_dir}", "data-dir")
        info = backups.backup_now(source, Path(args.out))
        print(f"Backed up to {info.path} ({_size(info.size)})")
        return 0
    app = ctx.app()
    if keep_daily is not None:
        app.set_setting(backups.KEEP_DAILY_KEY, str(keep_daily))
    if keep_monthly is not None:
        app.set_setting(backups.KEEP_MONTHLY_KEY, str(keep_monthly))
    if keep_daily is not None or keep_monthly is not None:
        daily, monthly = backups.keep_counts(app.db.path)
        backups.prune(app.db.data_dir, daily, monthly)
        print(f"Keeping {daily} daily and {monthly} monthly backups")
    info = backups.backup_now(app, Path(args.out) if args.out else None)
    print(f"Backed up to {info.path} ({_size(info.size)})")
    return 0


def cmd_backup_list(args: argparse.Namespace, ctx: CliContext) -> int:
    from rxlog.storage import backups, second_place
    from rxlog.storage.paths import DB_FILENAME

    infos = backups.list_backups(ctx.data_dir)
    second, copies, unreachable = second_place.list_copies(ctx.data_dir / DB_FILENAME)
    every = [(i, "backups") for i in infos] + [(i, "second") for i in copies]
    checked = {i.path: backups.backup_problem(i.path) for i, _ in every} if args.check else {}
    if args.format == "json":
        rows = []
        for i, place in every:
            d = i.to_dict()
            d["place"] = place
            if args.check:
                d["problem"] = checked[i.path]
            rows.append(d)
        print_json(rows)
        return 0
    headers = ["made", "kind", "size", "file"] + (["check"] if args.check else [])
    print_table(
        [
            [
                i.made_at_text(),
                i.kind,
                _size(i.size),
                i.path.name if place == "backups" else str(i.path),
            ]
            + ([checked[i.path] or "ok"] if args.check else [])
            for i, place in every
        ],
        headers,
    )
    if infos:
        print(f"{len(infos)} backups in {backups.backups_dir(ctx.data_dir)}")
    else:
        print(f"no backups yet in {backups.backups_dir(ctx.data_dir)} (run: rxlog backup)")
    if second is not None:
        if unreachable:
            print(f"second place: {unreachable}")
        else:
            print(f"{len(copies)} copies in the second place {second}")
    return 0


def cmd_restore(args: argparse.Namespace, ctx: CliContext) -> int:
    from rxlog.storage import backups, restore_checks
    from rxlog.storage.database import Database

    source = Path(args.file).expanduser()
    reason = None
    if args.other_technician:
        reason = (args.reason or "").strip()
        if not reason:
            raise ValidationError(
                "say why another technician's backup is restored here (--reason TEXT); "
                "it goes into the audit trail",
                "reason",
            )
    elif args.reason:
        raise ValidationError("--reason goes with --other-technician", "reason")
    # Refuse a bad, booby-trapped or foreign file before asking.
    try:
        revision = backups.check_restorable(source, ctx.data_dir, reason)
    except restore_checks.OtherTechnicianError as exc:
        raise ValidationError(
            f"{exc.message} If it is meant, say why (it is kept in the audit trail): "
            'rxlog restore FILE --other-technician --reason "why"',
            exc.field,
        ) from None
    if not args.yes:
        if not sys.stdin.isatty():
            raise ValidationError("restoring replaces the database: add --yes to confirm", "yes")
        answer = input(
            f"Replace the database in {ctx.data_dir} with {source} (schema {revision})? "
            "The current one is backed up first. [y/N] "
        )
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing restored.")
            return 1
    ctx.close()  # this process must not hold the database while it is swapped
    result = backups.restore(ctx.data_dir, source, reason)
    if result.other_technician:
        warn(
            f"restored another technician's backup ({result.other_technician}); recorded in "
            "the audit trail with your reason"
        )
    for problem in result.audit_problems:
        warn(f"the restored audit trail has a problem: {problem}")
    Database.open(ctx.data_dir).close()  # bring an older backup up to date now
    print(f"Restored {result.restored_from} (schema {result.revision})")
    if result.safety_backup is not None:
        print(f"The database as it was is kept at {result.safety_backup}")
    return 0


def cmd_check(args: argparse.Namespace, ctx: CliContext) -> int:
    from rxlog import checkup, supportlog
    from rxlog.storage import privacy

    if args.fix:
        for fixed in privacy.tighten(ctx.data_dir):
            mode = f"{fixed.mode:04o}" if fixed.mode is not None else "?"
            print(f"fixed  {fixed.path}: {mode} -> {fixed.wanted:04o}", file=sys.stderr)
    report = checkup.full_check(ctx.data_dir)
    log = supportlog.log_path(ctx.data_dir)  # what support asks for first
    if args.format == "json":
        print_json(
            {
                "ok": report.ok,
                "checks": [{"name": i.name, "ok": i.ok, "detail": i.detail} for i in report.items],
                "log": str(log),
            }
        )
    else:
        for item in report.items:
            print(f"{'ok  ' if item.ok else 'FAIL'}  {item.name:<10} {item.detail}")
        print(f"Support log: {log}" + ("" if log.exists() else " (nothing logged yet)"))
        print("All checks passed." if report.ok else "Something is wrong: see FAIL above.")
    return 0 if report.ok else 1


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "backup",
        help="back up the database now (or: backup list)",
        description="Back up the database with SQLite's online backup API. Daily and "
        "monthly backups are also made automatically in <data folder>/backups.",
    )
    p.add_argument("--out", metavar="FILE", help="write the backup here instead")
    p.add_argument(
        "--to",
        metavar="DIR",
        help="a one-off backup into a second place (another drive, a USB stick): "
        "DIR/RxLog-<GPhC>/; scheduled copies: rxlog config set backup-folder DIR",
    )
    p.add_argument("--keep-daily", metavar="N", help="daily backups to keep (default 7)")
    p.add_argument("--keep-monthly", metavar="M", help="monthly backups to keep (default 12)")
    p.set_defaults(handler=cmd_backup)
    bsub = p.add_subparsers(dest="backup_action", metavar="ACTION")
    lp = bsub.add_parser("list", help="list the backups, newest first")
    lp.add_argument("--format", choices=("table", "json"), default="table")
    lp.add_argument("--check", action="store_true", help="also check each backup is readable")
    lp.set_defaults(handler=cmd_backup_list)

    r = sub.add_parser(
        "restore",
        help="replace the database with a backup (the current one is backed up first)",
        description="Check FILE is a good RxLog database, back up the current database, "
        "then swap FILE in. Refused while another RxLog uses the data folder.",
    )
    r.add_argument("file", metavar="FILE", help="the backup to restore")
    r.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    r.add_argument(
        "--other-technician",
        action="store_true",
        help="allow a backup of another technician (different GPhC number or key)",
    )
    r.add_argument("--reason", metavar="TEXT", help="why (with --other-technician; audited)")
    r.set_defaults(handler=cmd_restore)

    c = sub.add_parser(
        "check",
        help="check integrity, audit chain, schema and backups (exit 1 if anything is wrong)",
    )
    c.add_argument("--format", choices=("table", "json"), default="table")
    c.add_argument(
        "--fix",
        action="store_true",
        help="first make the data folder and its files readable by you only",
    )
    c.set_defaults(handler=cmd_check)
