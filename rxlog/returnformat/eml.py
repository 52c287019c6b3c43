"""The e-mail that carries a return: the draft the export writes, and reading the
attachments of one as the lead receives it (saved from NHSmail as ``.eml``).

An ``.eml`` with ``X-Unsent: 1``: Outlook (and Thunderbird) open it as a new message
ready to send, with the return's files attached. Subject, body and attachment names
carry no patient data: only the site code, GPhC number, month and version.

Only attachments are read; the body and headers are not signed, so nothing else is
trusted. A received e-mail is hostile input: a damaged or deeply nested message is
refused with a reason (never a ``RecursionError``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from rxlog.returnformat import (
    MAIL_MAX_BYTES,
    MAIL_MAX_DEPTH,
    MANIFEST_SUFFIX,
    SUBJECT_PREFIX,
    ReturnVerificationError,
    plain_attachment_name,
)

_TYPES = {
    ".csv": ("text", "csv"),
    ".pdf": ("application", "pdf"),
    ".json": ("application", "json"),
}
# A return's e-mail has its files one level down; a message nested deeper than this
# is not one (and the stdlib parser recurses once per level).
MAX_DEPTH = MAIL_MAX_DEPTH
MAX_EML_BYTES = MAIL_MAX_BYTES


@dataclass(frozen=True)
class EmlOptions:
    to: str | None  # the lead's address (settings: lead_email); None leaves To empty
    subject: str
    body: str
    when: datetime


def write_eml(options: EmlOptions, attachments: list[tuple[str, bytes]]) -> bytes:
    """The draft's bytes, with ``attachments`` as ``(file name, bytes)``."""
    from email.message import EmailMessage
    from email.utils import format_datetime

    msg = EmailMessage()
    if options.to:
        msg["To"] = options.to
    msg["Subject"] = options.subject
    msg["Date"] = format_datetime(options.when)
    msg["X-Unsent"] = "1"
    msg.set_content(options.body)
    for name, data in attachments:
        ext = "." + name.rsplit(".", 1)[-1].lower()
        maintype, subtype = _TYPES.get(ext, ("application", "octet-stream"))
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))


def _nesting_too_deep(data: bytes) -> bool:
    """A cheap look before parsing: more multipart headers than a return ever has."""
    return data.lower().count(b"multipart/") > MAX_DEPTH


_plain_name = plain_attachment_name


def attachments(data: bytes, name: str = "e-mail") -> dict[str, bytes]:
    """File name -> content of every attachment of an e-mail's bytes.

    Raises :class:`ReturnVerificationError` (naming ``name``) for a message that is
    not readable, nested too deep, or attaches two different files under one name.
    """
    import email
    from email import policy

    if not isinstance(data, bytes | bytearray):
        raise ReturnVerificationError(f"{name} is not a readable e-mail")
    if len(data) > MAX_EML_BYTES:
        raise ReturnVerificationError(f"{name} is larger than any return's e-mail")
    if _nesting_too_deep(bytes(data)):
        raise ReturnVerificationError(
            f"{name} is not a return's e-mail: its parts are nested more than {MAX_DEPTH} deep"
        )
    found: dict[str, bytes] = {}
    try:
        message = email.message_from_bytes(bytes(data), policy=policy.default)
        stack: list[tuple[Any, int]] = [(message, 0)]
        while stack:
            part, depth = stack.pop()
            if part.is_multipart():
                if depth >= MAX_DEPTH:
                    raise ReturnVerificationError(
                        f"{name} is not a return's e-mail: nested more than {MAX_DEPTH} deep"
                    )
                payload = part.get_payload()
                if isinstance(payload, list):
                    stack.extend((p, depth + 1) for p in reversed(payload))
                continue
            filename = part.get_filename()
            if not filename:
                continue
            content = part.get_payload(decode=True)
            if not isinstance(content, bytes):
                continue
            plain = _plain_name(str(filename))
            if plain in found and found[plain] != content:
                raise ReturnVerificationError(
                    f"{name} attaches two different files named {plain!r}"
                )
            found[plain] = content
    except ReturnVerificationError:
        raise
    except Exception:  # the e-mail parser raises many kinds (RecursionError too)
        raise ReturnVerificationError(f"{name} is not a readable e-mail") from None
    return found


def read_attachments(path: Path) -> dict[str, bytes]:
    """:func:`attachments` of a saved ``.eml`` file (an Outlook ``.msg`` is read by
    :mod:`rxlog.returnformat.msg`)."""
    if Path(path).suffix.lower() == ".msg":
        from rxlog.returnformat import msg

        return msg.read_attachments(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ReturnVerificationError(f"cannot read {path}: {exc.strerror or exc}") from None
    return attachments(data, Path(path).name)


def manifests_in(files: dict[str, bytes]) -> list[str]:
    return sorted(n for n in files if n.endswith(MANIFEST_SUFFIX))


def is_return_email(path: Path) -> bool:
    """Whether an ``.eml`` is an RxLog return's e-mail, by its subject (``RxLog return
    ...``); other e-mails in a folder are left alone. Reads Outlook's ``.msg`` too."""
    from email.parser import BytesHeaderParser

    if Path(path).suffix.lower() == ".msg":
        from rxlog.returnformat import msg

        return msg.is_return_msg(path)

    try:
        with Path(path).open("rb") as fh:
            subject = BytesHeaderParser().parse(fh).get("Subject", "")
    except Exception:  # unreadable or damaged headers: not one of ours
        return False
    return str(subject).strip().startswith(SUBJECT_PREFIX)
