"""Reading a return's e-mail saved from Outlook: the ``.msg`` (Outlook Item) file.

Outlook saves a message dragged out of it as ``.msg`` (an OLE compound file of MAPI
properties), not ``.eml``. As with ``.eml`` only the attachments are read, through
extract-msg; a received message is hostile input: a file that is not a readable
message, is too large, or attaches two different files under one name is refused with
a reason, never with a traceback. Attachments of a message attached to the message (a
forward "as attachment") are read too, down to ``MAX_DEPTH`` levels.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from rxlog.returnformat import (
    MAIL_MAX_BYTES,
    MAIL_MAX_DEPTH,
    SUBJECT_PREFIX,
    ReturnVerificationError,
    plain_attachment_name,
)

# Shared with ``eml`` (which reads a .msg through this module, so this one must not
# import it back).
MAX_DEPTH, MAX_EML_BYTES, _plain_name = MAIL_MAX_DEPTH, MAIL_MAX_BYTES, plain_attachment_name

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_MSG_BYTES = MAX_EML_BYTES


def _open(data: bytes) -> Any:
    import extract_msg

    # extract-msg logs what it finds odd in a file at WARNING/ERROR; our message is the one.
    logging.getLogger("extract_msg").setLevel(logging.CRITICAL)
    return extract_msg.openMsg(bytes(data), strict=False, delayAttachments=True)


def attachments(data: bytes, name: str = "message") -> dict[str, bytes]:
    """File name -> content of every attachment of an Outlook ``.msg`` file's bytes.

    Raises :class:`ReturnVerificationError` (naming ``name``) when it is not one.
    """
    if not isinstance(data, bytes | bytearray) or not bytes(data[:8]) == OLE_MAGIC:
        raise ReturnVerificationError(f"{name} is not a readable Outlook message (.msg)")
    if len(data) > MAX_MSG_BYTES:
        raise ReturnVerificationError(f"{name} is larger than any return's e-mail")
    found: dict[str, bytes] = {}
    try:
        msg = _open(data)
        try:
            stack: list[tuple[Any, int]] = [(msg, 0)]
            while stack:
                current, depth = stack.pop()
                for att in current.attachments:
                    content = getattr(att, "data", None)
                    if content is not None and hasattr(content, "attachments"):
                        if depth + 1 >= MAX_DEPTH:
                            raise ReturnVerificationError(
                                f"{name} is not a return's e-mail: its messages are nested "
                                f"more than {MAX_DEPTH} deep"
                            )
                        stack.append((content, depth + 1))  # an attached message
                        continue
                    filename = getattr(att, "longFilename", None) or getattr(
                        att, "shortFilename", None
                    )
                    if not filename or not isinstance(content, bytes):
                        continue
                    plain = _plain_name(str(filename).rstrip("\0"))
                    if plain in found and found[plain] != content:
                        raise ReturnVerificationError(
                            f"{name} attaches two different files named {plain!r}"
                        )
                    found[plain] = content
        finally:
            msg.close()
    except ReturnVerificationError:
        raise
    except Exception:  # olefile and extract-msg raise many kinds on a damaged file
        raise ReturnVerificationError(f"{name} is not a readable Outlook message (.msg)") from None
    return found


def read_attachments(path: Path) -> dict[str, bytes]:
    """:func:`attachments` of a saved ``.msg`` file."""
    try:
        if Path(path).stat().st_size > MAX_MSG_BYTES:  # refused without being read
            raise ReturnVerificationError(f"{Path(path).name} is larger than any return's e-mail")
        with Path(path).open("rb") as fh:
            data = fh.read(MAX_MSG_BYTES + 1)
    except OSError as exc:
        raise ReturnVerificationError(f"cannot read {path}: {exc.strerror or exc}") from None
    return attachments(data, Path(path).name)


def subject(path: Path) -> str:
    """The message's subject, or "" for a file that is not a readable message."""
    try:
        with Path(path).open("rb") as fh:
            data = fh.read(MAX_MSG_BYTES + 1)
        if data[:8] != OLE_MAGIC or len(data) > MAX_MSG_BYTES:
            return ""
        msg = _open(data)
        try:
            return str(msg.subject or "")
        finally:
            msg.close()
    except Exception:  # unreadable or damaged: not one of ours
        return ""


def is_return_msg(path: Path) -> bool:
    return subject(path).strip().startswith(SUBJECT_PREFIX)
