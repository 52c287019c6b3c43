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

import re
from collections.abc import Mapping
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
# A run of base64 lines (an attachment's body; 64 lines are about 5 kB): see _skeleton.
_PIECE = 1 << 20
_B64_RUN = re.compile(rb"(?:[A-Za-z0-9+/=]{1,76}\r?\n){64,}+")  # possessive: no backtrack stack


@dataclass(frozen=True)
class EmlOptions:
    to: str | None  # the lead's address (settings: lead_email); None leaves To empty
    subject: str
    body: str
    when: datetime


def write_eml(options: EmlOptions, attachments: list[tuple[str, bytes]]) -> bytes:
    """The draft's bytes, with ``attachments`` as ``(file name, bytes)``.

    The stdlib writes it (headers folded and encoded as it does), but with a short random
    stand-in for each attachment, whose one line of base64 is then replaced by the
    file's base64 in the very lines the stdlib would write (57 bytes, 76 characters a
    line, ``\r\n``): the same bytes, without its writing a 661 kB draft line by line
    (``tests/test_eml_flat.py`` holds the two equal)."""
    import binascii
    import secrets

    if not attachments or not all(data for _name, data in attachments):
        return _write_message(options, attachments)  # an empty file: as the stdlib has it
    stand_ins = [secrets.token_bytes(12) for _ in attachments]  # 16 characters, no padding
    draft = _write_message(
        options, [(name, s) for (name, _d), s in zip(attachments, stand_ins, strict=True)]
    )
    for stand_in, (_name, data) in zip(stand_ins, attachments, strict=True):
        line = binascii.b2a_base64(stand_in, newline=False) + b"\r\n"
        if draft.count(line) != 1:  # (a chance of one in 2**96): write it the long way
            return _write_message(options, attachments)
        encoded = binascii.b2a_base64(data, newline=False)
        body = b"".join([encoded[i : i + 76] + b"\r\n" for i in range(0, len(encoded), 76)])
        draft = draft.replace(line, body, 1)
    return draft


def _write_message(options: EmlOptions, attachments: list[tuple[str, bytes]]) -> bytes:
    """The draft as the stdlib's ``EmailMessage`` writes it."""
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
    """A cheap look before parsing: more multipart headers than a return ever has.

    Counted in lower case a megabyte at a time (no lower-case copy of a big e-mail; a
    case-blind regular expression took ten times as long); each piece reaches 9 bytes
    into the next, so a match starting in it is counted there and only there."""
    word = b"multipart/"
    found = 0
    for at in range(0, len(data), _PIECE):
        found += data[at : at + _PIECE + len(word) - 1].lower().count(word)
        if found > MAX_DEPTH:
            return True
    return False


_plain_name = plain_attachment_name


def attachments(
    data: bytes, name: str = "e-mail", known: Mapping[str, bytes] | None = None
) -> dict[str, bytes]:
    """File name -> content of every attachment of an e-mail's bytes.

    ``known`` (file name -> bytes), the files the e-mail is expected to carry, only makes
    reading RxLog's own draft faster (:func:`rxlog.returnformat.eml_flat.flat_attachments`):
    the result is the same with or without it.

    Raises :class:`ReturnVerificationError` (naming ``name``) for a message that is
    not readable, nested too deep, or attaches two different files under one name.

    The stdlib parser holds a message several times over (as text, as lines, joined,
    decoded): about 9x a big e-mail's size. So the long base64 bodies are first cut out
    (:func:`_skeleton`), the rest is parsed as usual, and each attachment whose whole
    body was cut out is decoded straight from the e-mail's bytes: about 2x. Whenever
    the cut does not fall exactly on attachments' bodies of strictly valid base64, the
    whole e-mail is parsed as it is instead, so the result is always the parser's.

    Before all that, the draft RxLog writes is recognised and read without the parser
    (:mod:`rxlog.returnformat.eml_flat`, the same result at a tenth of the cost); the
    depth count above guards the parser only, so it is not needed for a message that
    reader takes, which has no nesting at all.
    """
    if not isinstance(data, bytes | bytearray):
        raise ReturnVerificationError(f"{name} is not a readable e-mail")
    if len(data) > MAX_EML_BYTES:
        raise ReturnVerificationError(f"{name} is larger than any return's e-mail")
    data = bytes(data)
    from rxlog.returnformat.eml_flat import flat_attachments

    flat = flat_attachments(data, known)  # RxLog's own draft, read without the parser
    if flat is not None:
        return flat
    if _nesting_too_deep(data):
        raise ReturnVerificationError(
            f"{name} is not a return's e-mail: its parts are nested more than {MAX_DEPTH} deep"
        )
    cut = _skeleton(data)
    if cut is not None:
        skeleton, runs, token = cut
        try:
            return _attachments(skeleton, name, (data, runs, token))
        except (_Uncut, ReturnVerificationError):
            pass  # the parser's word on the e-mail as it is, below
    return _attachments(data, name, None)


class _Uncut(Exception):
    """The cut-out bodies did not map one to one onto attachments: parse it whole."""


def _skeleton(data: bytes) -> tuple[bytes, list[tuple[int, int]], str] | None:
    """The e-mail with each long run of base64 lines replaced by one line naming it
    (a random token, so no e-mail can forge one), the runs' offsets, and the token."""
    runs = [(m.start(), m.end()) for m in _B64_RUN.finditer(data)]
    if not runs:
        return None
    import secrets

    token = "RXLOGCUT" + secrets.token_hex(8)
    pieces, last = [], 0
    for i, (start, end) in enumerate(runs):
        ending = b"\r\n" if data[end - 2 : end] == b"\r\n" else b"\n"
        pieces += [data[last:start], f"{token}{i:06d}".encode() + ending]
        last = end
    pieces.append(data[last:])
    return b"".join(pieces), runs, token


def _decode_run(data: bytes, start: int, end: int) -> bytes:
    """A run's base64, decoded as the parser would; :class:`_Uncut` unless it is strictly
    valid (whole quanta, padding only at its end), where the parser would be lenient."""
    import binascii

    chars = (end - start) - data.count(b"\n", start, end) - data.count(b"\r", start, end)
    pad = data.find(b"=", start, end)
    if chars % 4 or (pad >= 0 and data[pad:end].strip(b"\r\n") not in (b"=", b"==")):
        raise _Uncut
    try:
        return binascii.a2b_base64(memoryview(data)[start:end])
    except binascii.Error:
        raise _Uncut from None


def _attachments(
    data: bytes, name: str, cut: tuple[bytes, list[tuple[int, int]], str] | None
) -> dict[str, bytes]:
    import email
    from email import policy

    found: dict[str, bytes] = {}
    used: set[int] = set()
    try:
        message = email.message_from_bytes(data, policy=policy.default)
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
            content = _cut_content(part, cut, used)
            if content is None:
                content = part.get_payload(decode=True)
            if not isinstance(content, bytes):
                continue
            plain = _plain_name(str(filename))
            if plain in found and found[plain] != content:
                raise ReturnVerificationError(
                    f"{name} attaches two different files named {plain!r}"
                )
            found[plain] = content
    except (ReturnVerificationError, _Uncut):
        raise
    except Exception:  # the e-mail parser raises many kinds (RecursionError too)
        raise ReturnVerificationError(f"{name} is not a readable e-mail") from None
    if cut is not None and len(used) != len(cut[1]):
        raise _Uncut  # a run was cut out of something that is not an attachment
    return found


def _cut_content(
    part: Any, cut: tuple[bytes, list[tuple[int, int]], str] | None, used: set[int]
) -> bytes | None:
    """An attachment whose whole body was cut out: its bytes, decoded from the e-mail's."""
    if cut is None:
        return None
    original, runs, token = cut
    body = part.get_payload()
    if not isinstance(body, str) or token not in body:
        return None
    text = body.strip()
    index = text[len(token) :]
    cte = str(part.get("content-transfer-encoding", "")).lower()
    if not text.startswith(token) or not index.isdigit() or len(index) != 6 or cte != "base64":
        raise _Uncut
    i = int(index)
    if i >= len(runs) or i in used:
        raise _Uncut
    used.add(i)
    return _decode_run(original, *runs[i])


def read_attachments(path: Path, known: Mapping[str, bytes] | None = None) -> dict[str, bytes]:
    """:func:`attachments` of a saved ``.eml`` file (an Outlook ``.msg`` is read by
    :mod:`rxlog.returnformat.msg`); ``known`` as there."""
    if Path(path).suffix.lower() == ".msg":
        from rxlog.returnformat import msg

        return msg.read_attachments(path)
    try:
        # An e-mail too big to be a return's is refused without being read.
        if Path(path).stat().st_size > MAX_EML_BYTES:
            raise ReturnVerificationError(f"{Path(path).name} is larger than any return's e-mail")
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ReturnVerificationError(f"cannot read {path}: {exc.strerror or exc}") from None
    return attachments(data, Path(path).name, known)


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
