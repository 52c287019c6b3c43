"""Monthly return commands: month check/reopen, export, verify, key, config.

Handlers import the export modules when they run, so ``rxlog --help`` and the other
commands do not pay for reportlab, pyHanko or cryptography.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rxlog.cli.context import CliContext
from rxlog.cli.output import print_json, warn
from rxlog.errors import RxlogError, ValidationError
from rxlog.settings import BACKUP_SECOND_PLACE, LEAD_EMAIL, UNIT_COST_VERSION
from rxlog.text import plain

if TYPE_CHECKING:
    from rxlog.central.service import Central
    from rxlog.export.monthly import MonthlyReturn


def read_passphrase(args: argparse.Namespace, *, confirm: bool = False) -> str | None:
    """From ``--passphrase-file``, else ``RXLOG_KEY_PASSPHRASE``, else a prompt on a tty.

    ``confirm``: a new key's passphrase, so asked twice and refused if too short."""
    from rxlog.export.keys import check_new_passphrase

    value = _read_passphrase(args, confirm)
    return check_new_passphrase(value) if confirm else value


def _read_passphrase(args: argparse.Namespace, confirm: bool) -> str | None:
    from rxlog.export.keys import passphrase_from

    value = passphrase_from(getattr(args, "passphrase_file", None))
    if value is not None:
        return value
    if getattr(args, "ask_passphrase", False) or (not confirm and sys.stdin.isatty()):
        first = getpass.getpass("Signing key passphrase: ")
        if confirm:
            again = getpass.getpass("Same passphrase again: ")
            if first != again:
                raise ValidationError(
                    "the two passphrases differ; nothing was created", "passphrase"
                )
        return first or None
    return None


def monthly(ctx: CliContext) -> MonthlyReturn:
    """The monthly return's façade over this installation."""
    from rxlog.export.monthly import MonthlyReturn

    return MonthlyReturn(ctx.app())


def _unlock_passphrase(args: argparse.Namespace, ctx: CliContext) -> str | None:
    from rxlog.export.keys import passphrase_from

    value = passphrase_from(args.passphrase_file)
    if value is None and monthly(ctx).needs_passphrase() and sys.stdin.isatty():
        value = getpass.getpass("Signing key passphrase: ") or None
    return value


# -- month -------------------------------------------------------------------------------
def cmd_month_check(args: argparse.Namespace, ctx: CliContext) -> int:
    result = monthly(ctx).check(args.month)
    if args.format == "json":
        print_json(result.to_dict())
        return 0 if result.can_export else 1
    print(
        f"{result.month}: {result.entries} entr{'y' if result.entries == 1 else 'ies'}, "
        f"{result.minutes} minutes"
        + (f", main site {result.main_site}" if result.main_site else "")
    )
    if result.locked_version:
        print(f"signed off: version {result.locked_version}")
    else:
        print(f"next export: version {result.next_version}")
    if not result.findings:
        print("nothing to fix: ready to sign off (rxlog export)")
    for f in result.findings:
        print(f"  {f.severity.upper():8} {f.message}" + (f" ({f.command})" if f.command else ""))
    return 0 if result.can_export else 1


def cmd_month_reopen(args: argparse.Namespace, ctx: CliContext) -> int:
    lock = monthly(ctx).reopen(args.month, args.reason)
    print(
        f"{lock.month} is open again (it was signed off as version {lock.version}); "
        f"its next export will be version {lock.version + 1}, replacing version {lock.version}"
    )
    return 0


def cmd_month_returns(args: argparse.Namespace, ctx: CliContext) -> int:
    rows = monthly(ctx).returns(args.month)
    if args.format == "json":
        print_json(rows)
        return 0
    if not rows:
        print("no returns written yet" + (f" for {args.month}" if args.month else ""))
    for r in rows:
        why = f" (replaces v{r['supersedes']}: {r['reason']})" if r["supersedes"] else ""
        print(f"{r['month']} v{r['version']}{why}, {r['exported_at']}, in {r['out_dir']}")
    return 0


# -- export / verify ---------------------------------------------------------------------
def cmd_export(args: argparse.Namespace, ctx: CliContext) -> int:
    from rxlog.storage.paths import checked_path

    out = checked_path(args.out, "out")  # before anything is asked or opened
    passphrase = _unlock_passphrase(args, ctx)
    result = monthly(ctx).sign_off(args.month, out, passphrase, nil=args.nil)
    for w in result.warnings:
        warn(w)
    if args.format == "json":
        print_json(
            {
                "month": result.month,
                "version": result.version,
                "return_id": result.return_id,
                "rows": result.rows,
                "nil": args.nil,
                "fingerprint": result.fingerprint,
                "files": [str(p) for p in result.files],
            }
        )
        return 0
    what = " (a nil return: nothing this month)" if args.nil else ""
    print(f"{result.month} signed off: return {result.return_id} version {result.version}{what}")
    for p in result.files:
        print(f"  {p}")
    print(f"The month is now locked. E-mail draft: {result.eml}")
    return 0


class _Signers:
    """Who may have signed a return, by what ``rxlog verify`` was given: key files
    (``--key``), the lead's trusted keys (``--central``) or, by default, this
    installation's own key. ``check`` says whether the signer is the return's technician.
    """

    def __init__(self, args: argparse.Namespace, ctx: CliContext) -> None:
        self.args = args
        self.keys: dict[str, tuple[str | None, str | None, str]] = {}  # fp -> gphc, cert, from
        self.store: Central | None = None
        self.what = "this installation's own key"
        if args.key:
            from rxlog.returnformat.keyfile import read_key_file

            for k in args.key:
                kf = read_key_file(Path(k))
                self.keys[kf.fingerprint] = (
                    kf.gphc or kf.certificate_gphc,
                    kf.certificate_sha256,
                    Path(k).name,
                )
            self.what = "the key file(s) given"
        elif args.central:
            from rxlog.central.service import Central

            self.store = Central.open(args.db, args.central_dir)
            self.what = "the lead's trusted keys"
        else:
            self._own(ctx)

    def _own(self, ctx: CliContext) -> None:
        from rxlog.export import keys

        try:
            if not keys.has_keys(ctx.data_dir):
                return
            info = keys.key_info(ctx.data_dir)
            gphc = keys.certificate_gphc(ctx.data_dir)
        except RxlogError:
            return
        self.keys[info.fingerprint] = (gphc, info.certificate_sha256, "this installation")

    @property
    def any(self) -> bool:
        return bool(self.keys) or self.store is not None

    def check(self, v: Any) -> str | None:
        """Why the signer is not the return's technician (None: it is)."""
        m = v.manifest
        if self.store is not None:
            return self.store.signer_problem(v.fingerprint, m)
        if v.fingerprint not in self.keys:
            return f"signed by key {v.fingerprint}, which is not {self.what}"
        gphc, cert, source = self.keys[v.fingerprint]
        if gphc is None:
            return f"the key file {source} names no GPhC number, so the signer is not known"
        if gphc != v.gphc:
            return (
                f"signed by the key of GPhC {gphc} ({source}), but the return is for "
                f"GPhC {plain(v.gphc)[:20]}"
            )
        pdf_cert = m.get("pdf_certificate_sha256")
        if cert is not None and v.files.pdf is not None and pdf_cert != cert:
            return f"its PDF names a certificate that is not the one of {source}"
        return None

    def close(self) -> None:
        if self.store is not None:
            self.store.close()


def cmd_verify(args: argparse.Namespace, ctx: CliContext) -> int:
    from rxlog.returnformat import ReturnVerificationError
    from rxlog.returnformat.discovery import find_returns
    from rxlog.returnformat.manifest import verify_return

    if args.key and args.central:
        raise ValidationError("give --key KEYFILE or --central, not both", "key")
    if (args.db or args.central_dir) and not args.central:
        raise ValidationError("--db and --central-dir go with --central", "central")
    returns = find_returns([Path(p) for p in args.paths])
    signers = _Signers(args, ctx)
    bad = 0
    results = []
    try:
        for rf in returns:
            name = plain(rf.base)
            try:
                v = verify_return(rf, check_pdf_signature=not args.skip_pdf_signature)
            except ReturnVerificationError as exc:
                bad += 1
                results.append({"return": rf.base, "ok": False, "intact": False,
                                "signer_checked": False, "status": "not genuine",
                                "problem": exc.message})  # fmt: skip
                if args.format != "json":
                    print(f"NOT GENUINE {name}: {plain(exc.message)}", file=sys.stderr)
                continue
            row: dict[str, Any] = {
                "return": rf.base,
                "ok": False,
                "intact": True,
                "signer_checked": signers.any,
                "return_id": v.return_id,
                "version": v.version,
                "month": v.month,
                "technician": v.technician_name,
                "gphc": v.gphc,
                "fingerprint": v.fingerprint,
            }
            problem = signers.check(v) if signers.any else None
            if not signers.any:
                bad += 1
                row["status"] = "signer not checked"
                line = (
                    f"{name}: intact and signed by key {v.fingerprint} — signer not checked "
                    "(give --key KEYFILE, or --central on the lead's PC)"
                )
                if args.format != "json":
                    print(line)
            elif problem is not None:
                bad += 1
                row["status"] = "not genuine"
                row["problem"] = problem
                if args.format != "json":
                    print(f"NOT GENUINE {name}: {plain(problem)}", file=sys.stderr)
            else:
                row["ok"] = True
                row["status"] = "genuine"
                if args.format != "json":
                    print(f"{name}: {plain(v.summary())} (signer checked against {signers.what})")
            results.append(row)
    finally:
        signers.close()
    if args.format == "json":
        print_json(results)
    return 1 if bad else 0


# -- keys --------------------------------------------------------------------------------
def cmd_key_show(args: argparse.Namespace, ctx: CliContext) -> int:
    info = monthly(ctx).key_info()
    if args.format == "json":
        print_json(info.__dict__)
        return 0
    print(info.fingerprint)
    if args.verbose:
        print(f"certificate: {info.subject} (valid until {info.not_after})")
        print(f"certificate SHA-256: {info.certificate_sha256}")
        print(f"passphrase: {'yes' if info.encrypted else 'no'}")
    return 0


def cmd_key_export(args: argparse.Namespace, ctx: CliContext) -> int:
    tech = ctx.app().technician()
    info = monthly(ctx).export_key(Path(args.file))
    print(f"Wrote the public key and certificate to {args.file}")
    if tech is not None:
        print(f"bound to: {tech.name}, GPhC {tech.gphc}")
    print(f"fingerprint: {info.fingerprint}")
    return 0


def create_key(ctx: CliContext, passphrase: str | None) -> str:
    """Create the installation's keys for its technician; returns the fingerprint."""
    return monthly(ctx).create_key(passphrase).fingerprint


def cmd_key_create(args: argparse.Namespace, ctx: CliContext) -> int:
    fingerprint = create_key(ctx, read_passphrase(args, confirm=True))
    print(f"Signing key created; fingerprint {fingerprint}")
    print("Send the lead the file written by: rxlog key export FILE")
    return 0


# -- config ------------------------------------------------------------------------------
def _check_email(value: str) -> str:
    from rxlog.export.signoff import check_email

    return check_email(value)


def _check_unit_cost_version(value: str) -> str:
    from rxlog.export.unit_costs import load_unit_costs

    return load_unit_costs(value.strip()).version


def _check_backup_folder(value: str) -> str:
    from rxlog.storage.second_place import check_folder

    if not value.strip():
        return ""  # no scheduled copies
    return str(check_folder(value, "backup-folder"))


CONFIG_KEYS = {
    "backup-folder": (
        BACKUP_SECOND_PLACE.name,
        _check_backup_folder,
        "a second place each day's backup is copied to (a folder or drive; '' for none)",
    ),
    "lead-email": (LEAD_EMAIL.name, _check_email, LEAD_EMAIL.doc),
    "unit-cost-version": (
        UNIT_COST_VERSION.name,
        _check_unit_cost_version,
        "the unit-cost table used to cost released time",
    ),
}


def cmd_config_set(args: argparse.Namespace, ctx: CliContext) -> int:
    setting, check, _help = CONFIG_KEYS[args.key]
    value = check(args.value)
    ctx.app().set_setting(setting, value)
    print(f"{args.key} = {value}")
    return 0


def cmd_config_get(args: argparse.Namespace, ctx: CliContext) -> int:
    app = ctx.app()
    keys = [args.key] if args.key else sorted(CONFIG_KEYS)
    values = {k: app.setting(CONFIG_KEYS[k][0]) for k in keys}
    if args.format == "json":
        print(json.dumps(values))
    else:
        for k, v in values.items():
            print(f"{k} = {v if v is not None else '(not set)'}")
    return 0


# -- parsers -----------------------------------------------------------------------------
def _passphrase_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--passphrase-file",
        metavar="FILE",
        help="read the signing key's passphrase from FILE's first line "
        "(or set RXLOG_KEY_PASSPHRASE; otherwise asked for on a terminal)",
    )


def _format(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("text", "json"), default="text")


def register_month(sub: argparse._SubParsersAction) -> None:
    month = sub.add_parser("month", help="check, sign off and reopen months").add_subparsers(
        dest="month_command", metavar="ACTION", required=True
    )
    p = month.add_parser("check", help="what would make a month's return wrong or weak")
    p.add_argument("month", metavar="YYYY-MM")
    _format(p)
    p.set_defaults(handler=cmd_month_check)
    p = month.add_parser("returns", help="the returns written, with their versions")
    p.add_argument("month", metavar="YYYY-MM", nargs="?")
    _format(p)
    p.set_defaults(handler=cmd_month_returns)
    p = month.add_parser("reopen", help="unlock a signed-off month (its next return is v+1)")
    p.add_argument("month", metavar="YYYY-MM")
    p.add_argument("--reason", required=True, help="why it is reopened (sent with the new version)")
    p.set_defaults(handler=cmd_month_reopen)


def register_export(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="sign a month off and write its signed return")
    p.add_argument("month", metavar="YYYY-MM")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write the return into")
    p.add_argument(
        "--nil",
        action="store_true",
        help='a signed "nothing this month" return (refused if the month has entries)',
    )
    _passphrase_options(p)
    _format(p)
    p.set_defaults(handler=cmd_export)


def register_verify(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "verify",
        help="check that returns are genuine and whole",
        description="Checks each return's signature, files and figures, and whose key signed "
        "it: against the key files given with --key, the lead's trusted keys with --central, "
        "or else this installation's own key. A return signed by a key none of these know "
        "is reported as intact but with its signer not checked (exit 1).",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="a return's folder or its files")
    p.add_argument(
        "--key",
        action="append",
        metavar="KEYFILE",
        help="a key file (from `rxlog key export`) the signer must be; may be repeated",
    )
    p.add_argument(
        "--central", action="store_true", help="check the signer against the lead's trusted keys"
    )
    p.add_argument("--db", metavar="URL", help="with --central: the central store's URL")
    p.add_argument(
        "--central-dir", metavar="DIR", help="with --central: the folder of central.sqlite3"
    )
    p.add_argument(
        "--skip-pdf-signature",
        action="store_true",
        help="do not validate the PDF's own signature (its hash is still checked)",
    )
    _format(p)
    p.set_defaults(handler=cmd_verify)


def register_key(sub: argparse._SubParsersAction) -> None:
    key = sub.add_parser("key", help="this installation's signing key").add_subparsers(
        dest="key_command", metavar="ACTION", required=True
    )
    p = key.add_parser("show", help="print the key's fingerprint")
    p.add_argument("-v", "--verbose", action="store_true", help="also the certificate")
    _format(p)
    p.set_defaults(handler=cmd_key_show)
    p = key.add_parser("export", help="write the public key and certificate for the lead")
    p.add_argument("file", metavar="FILE")
    p.set_defaults(handler=cmd_key_export)
    p = key.add_parser("create", help="create the signing key (if setup did not)")
    _passphrase_options(p)
    p.add_argument("--ask-passphrase", action="store_true", help="type a passphrase (twice)")
    p.set_defaults(handler=cmd_key_create)


def register_config(sub: argparse._SubParsersAction) -> None:
    config = sub.add_parser("config", help="installation settings").add_subparsers(
        dest="config_command", metavar="ACTION", required=True
    )
    keys_help = "; ".join(f"{k}: {v[2]}" for k, v in CONFIG_KEYS.items())
    p = config.add_parser("set", help=f"set a setting ({keys_help})")
    p.add_argument("key", choices=sorted(CONFIG_KEYS))
    p.add_argument("value")
    p.set_defaults(handler=cmd_config_set)
    p = config.add_parser("get", help="show settings")
    p.add_argument("key", nargs="?", choices=sorted(CONFIG_KEYS))
    _format(p)
    p.set_defaults(handler=cmd_config_get)


def register(sub: argparse._SubParsersAction) -> None:
    register_month(sub)
    register_export(sub)
    register_verify(sub)
    register_key(sub)
    register_config(sub)
