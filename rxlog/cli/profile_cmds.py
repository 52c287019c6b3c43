"""Profile commands: ``rxlog profile export FILE`` and ``rxlog profile import FILE``
(``rxlog setup --from-profile FILE`` is in :mod:`rxlog.cli.core_cmds`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from rxlog.cli.context import CliContext


def cmd_profile_export(args: argparse.Namespace, ctx: CliContext) -> int:
    from rxlog.cli.export_cmds import _unlock_passphrase
    from rxlog.profilefile import export_profile

    passphrase = _unlock_passphrase(args, ctx)
    written = export_profile(ctx.app(), Path(args.file), passphrase)
    p = written.data
    print(
        f"Wrote the profile of {written.name} (GPhC {written.gphc}) to {args.file}: "
        f"{len(p['placements'])} placements, {len(p['phases'])} phases, "
        f"{len(p['favourites'])} favourites; no entries, notes or keys"
    )
    print(f"signed by this installation's key {written.fingerprint[:16]}…")
    return 0


def cmd_profile_import(args: argparse.Namespace, ctx: CliContext) -> int:
    from rxlog.profilefile import import_profile, read_profile

    profile = read_profile(Path(args.file))
    result = import_profile(ctx.app(), profile)
    print(("Profile imported: " if result.changed else "") + result.message)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    from rxlog.cli.export_cmds import _passphrase_options

    profile = sub.add_parser(
        "profile", help="the technician's profile, to set up or update another PC"
    ).add_subparsers(dest="action", metavar="ACTION", required=True)
    p = profile.add_parser(
        "export",
        help="write name, GPhC, placements, phases, favourites, lead address and settings "
        "(never entries, notes or keys), signed by this installation's key",
    )
    p.add_argument("file", metavar="FILE")
    _passphrase_options(p)
    p.set_defaults(handler=cmd_profile_export)
    p = profile.add_parser("import", help="take a newer profile's placements and phases")
    p.add_argument("file", metavar="FILE")
    p.set_defaults(handler=cmd_profile_import)
