"""The monthly return's format, in one place (``docs/return-format.md``).

Everything that writes or reads a return uses this package and nothing else: the
technician's export (``rxlog.export``), ``rxlog verify`` and the project lead's import
(``rxlog.central``). It imports nothing from either side, so a technician's
installation needs none of the lead's code.

- :mod:`rxlog.returnformat.manifest`: canonical bytes, signing and verification;
- :mod:`rxlog.returnformat.csvfile`: the CSV's columns, escaping and checked parsing;
- :mod:`rxlog.returnformat.eml`: the e-mail draft, and reading attachments safely;
- :mod:`rxlog.returnformat.msg`: reading the attachments of Outlook's ``.msg`` files;
- :mod:`rxlog.returnformat.discovery`: finding returns in folders, files and e-mails;
- :mod:`rxlog.returnformat.pdf`: the PDF's PAdES signature.

This module stays light (no cryptography, no e-mail parser): the CLI imports it.
"""

from __future__ import annotations

from pathlib import PurePosixPath, PureWindowsPath

from rxlog.errors import RxlogError

FORMAT_V1 = "rxlog-return/1"
FORMAT_V2 = "rxlog-return/2"
FORMAT = FORMAT_V2  # what the export writes
READABLE_FORMATS = (FORMAT_V1, FORMAT_V2)  # what the readers accept
MANIFEST_SUFFIX = ".manifest.json"
SUFFIXES = (MANIFEST_SUFFIX, ".csv", ".pdf", ".eml", ".msg")
EMAIL_SUFFIXES = (".eml", ".msg")  # saved e-mails: NHSmail / Thunderbird, Outlook
SUBJECT_PREFIX = "RxLog return "
# Reading saved e-mails (``eml`` and ``msg`` both): how deep parts and attached
# messages may nest, and the largest file read.
MAIL_MAX_DEPTH = 8
MAIL_MAX_BYTES = 256 * 1024 * 1024


def plain_attachment_name(name: str) -> str:
    """The file name alone (an attachment may be named ``..\\x.csv`` or ``/etc/x``)."""
    return PureWindowsPath(PurePosixPath(name).name).name


class ReturnVerificationError(RxlogError):
    """A return is not genuine or not whole; the message says which file and why."""


def short_installation_id(installation_id: str) -> str:
    """The UUID's first 8 hex digits written as letters, a-p for 0-f ("0f1e..." ->
    "apbo..."): random digits beside the month's in a file name could make 10 digits
    that pass the NHS number check, and the identifier filter would then refuse it."""
    hexits = installation_id.replace("-", "")[:8].lower()
    return "".join(chr(ord("a") + int(h, 16)) for h in hexits if h in "0123456789abcdef")


def base_name(
    main_site: str, gphc: str, month: str, version: int, installation: str | None = None
) -> str:
    """A return's file name without its suffix. Format 2 carries the GPhC number, so
    two technicians at one site never write the same name (the GPhC register is public:
    the number is not patient data). It is written ``GPhC5012345``: the letters keep a
    site code's digits (``RN707``) from running into it, which the identifier filter
    could read as one 10-digit number. ``installation`` is the installation's short id
    (issue 12): two PCs' returns of one month differ too."""
    inst = f"_{installation}" if installation else ""
    return f"rxlog_{main_site}_GPhC{gphc}{inst}_{month}_v{version}"


def subject_for(
    main_site: str, gphc: str, month: str, version: int, installation: str | None = None
) -> str:
    """The e-mail draft's subject; a folder's e-mails are told apart by its prefix.
    ``installation`` is the short installation id."""
    inst = f" {installation}" if installation else ""
    return f"{SUBJECT_PREFIX}{main_site} GPhC {gphc}{inst} {month} v{version}"
