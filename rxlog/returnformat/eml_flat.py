"""A fast, strict reader of exactly the e-mail RxLog's export writes.

Checking a return on disk reads the ``.eml`` draft beside it, to see that it attaches
the signed files; the stdlib e-mail parser took 55 % of that check (it builds a Python
object per line and per header). :func:`flat_attachments` recognises one narrow shape
of message, the one :func:`rxlog.returnformat.eml.write_eml` produces: ``\\r\\n`` line
ends, a ``multipart/mixed`` with a quoted boundary and no preamble or epilogue, parts
with only the headers the draft carries, in their plain spelling, a ``text/plain`` body
without a file name and attachments in base64 laid out in lines of one length, with a
safe file name. For such a message it returns what the stdlib parser returns (the same
names, the same bytes); for anything else, however slightly different, it returns
``None`` and the caller parses the message as before. So it never decides about an
e-mail it does not recognise exactly, and never refuses one: refusals (and their
reasons) stay the parser's (``tests/test_eml_flat.py`` holds the two side by side, on
real drafts and on damaged and hostile ones).

Everything here works on whole byte strings (``find``, ``translate``, slices with a
step), never line by line, so a 661 kB draft is read in about a millisecond.

A caller that holds the files the e-mail should carry (``rxlog verify`` has the signed
files beside it) passes them as ``known``: an attachment whose body is exactly the
draft's base64 of that file (in the draft's lines) is then given as that file, without
being decoded. Encoding the file and comparing costs about half of decoding and
checking the body; either way the result is the same bytes, and any body that is not
exactly that is decoded and checked as before.
"""

from __future__ import annotations

import binascii
import re
import struct
from collections.abc import Mapping

from rxlog.returnformat import plain_attachment_name

_PIECE = 1 << 20  # a big body is checked a megabyte at a time (no copy of it)
# A known file is compared with the body this many lines at a time (14 kB of the file,
# 20 kB of the e-mail: both stay in the CPU's cache; the whole body at once took half
# as long again, and needed two copies of its size).
_LINES = 256
_WIDTH = 76  # the draft's base64 line (57 bytes), as the stdlib writes it
# _LINES full lines of the draft, each without its line end (checked before it is
# skipped): taking them out this way is twice as fast as bytes.translate.
_FULL_LINES = struct.Struct(f"{_WIDTH}s2x" * _LINES)
_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
_HEADER = re.compile(rb"([A-Za-z][A-Za-z0-9-]{0,76}):([\x20-\x7e]*)")
_FOLDED = re.compile(rb"[ \t][\x20-\x7e]*")
_TOP_TYPE = re.compile(rb'multipart/mixed; boundary="([A-Za-z0-9=_.-]{1,70})"')
_TEXT_TYPE = re.compile(rb'text/plain(?:; charset="?[A-Za-z0-9_-]{1,40}"?)?')
_ATTACHED_TYPES = frozenset(
    {b"text/csv", b"application/pdf", b"application/json", b"application/octet-stream"}
)
_DISPOSITION = re.compile(rb'attachment; filename="([A-Za-z0-9][A-Za-z0-9._-]{0,200})"')
_TEXT_ENCODINGS = frozenset({b"7bit", b"8bit", b"quoted-printable", b"base64"})
_PART_HEADERS = frozenset(
    {b"Content-Type", b"Content-Transfer-Encoding", b"Content-Disposition", b"MIME-Version"}
)


class _NotFlat(Exception):
    """Not the shape this reader knows: the stdlib parser reads the message instead."""


def flat_attachments(
    data: bytes, known: Mapping[str, bytes] | None = None
) -> dict[str, bytes] | None:
    """File name -> bytes of each attachment of an e-mail of the draft's shape, as the
    stdlib parser (``policy.default``) gives them; ``None`` for any other e-mail.

    ``known`` (file name -> bytes): an attachment of that name whose body is exactly the
    draft's base64 of those bytes is given as that object, not decoded (the same bytes
    decoding gives); anything else is decoded and checked as without ``known``."""
    try:
        return _read(data, known or {})
    except _NotFlat:
        return None


def _headers(block: bytes, top: bool) -> dict[bytes, bytes]:
    """A header block's fields (unfolded as the parser unfolds them), each name once.

    A part may carry only the headers the draft gives it; the message itself any header
    but the ``Content-*`` ones, of which only ``Content-Type`` (the parser reads no
    other header of the message itself: those are only checked for their shape)."""
    fields: dict[bytes, bytes] = {}
    name: bytes | None = None
    for line in block.split(b"\r\n"):
        if name is not None and _FOLDED.fullmatch(line):
            fields[name] += line  # unfolded: the line break goes, its blank stays
            continue
        match = _HEADER.fullmatch(line)
        if match is None:
            raise _NotFlat
        name, value = match.groups()
        if top and not name.lower().startswith(b"content-"):
            name = b"other"
            fields[name] = b""
            continue
        allowed = name == b"Content-Type" if top else name in _PART_HEADERS
        if not allowed or name in fields or value[:1] != b" " or value[1:2] in b" \t":
            raise _NotFlat  # twice, in another spelling, one the draft lacks, or blanks
        fields[name] = value[1:]
    return fields


def _read(data: bytes, known: Mapping[str, bytes]) -> dict[str, bytes]:
    end = data.find(b"\r\n\r\n")
    if end <= 0:
        raise _NotFlat
    match = _TOP_TYPE.fullmatch(_headers(data[:end], top=True).get(b"Content-Type", b""))
    if match is None:
        raise _NotFlat
    sep = b"\r\n--" + match.group(1)
    # Every line that starts with the boundary must be a boundary line, as the parser
    # takes it: the first right after the headers (no preamble), the last closing the
    # message (no epilogue), each other one followed by its line end.
    cuts = []
    at = end
    while (at := data.find(sep, at)) >= 0:
        cuts.append(at)
        at += len(sep)
    if len(cuts) < 2 or cuts[0] != end + 2 or data[cuts[-1] + len(sep) :] != b"--\r\n":
        raise _NotFlat
    found: dict[str, bytes] = {}
    for start, stop in zip(cuts, cuts[1:], strict=False):
        head = start + len(sep)
        if data[head : head + 2] != b"\r\n":
            raise _NotFlat
        named = _part(data, head + 2, stop, known)
        if named is not None:
            if named[0] in found:
                raise _NotFlat  # two files of one name: the parser's word on it
            found[named[0]] = named[1]
    return found


def _part(
    data: bytes, start: int, stop: int, known: Mapping[str, bytes]
) -> tuple[str, bytes] | None:
    """One part between its boundary lines: (file name, bytes) of an attachment, or
    ``None`` for the text part."""
    split = data.find(b"\r\n\r\n", start, stop)
    if split < 0 or split + 4 >= stop:
        raise _NotFlat  # no blank line after its headers, or nothing after it
    fields = _headers(data[start:split], top=False)
    kind = fields.get(b"Content-Type")
    encoding = fields.get(b"Content-Transfer-Encoding")
    disposition = fields.get(b"Content-Disposition")
    if kind is not None and _TEXT_TYPE.fullmatch(kind) and disposition is None:
        crlf = data.count(b"\r\n", split + 4, stop)  # no lone CR or LF in the text
        lone = (
            data.count(b"\r", split + 4, stop) != crlf or data.count(b"\n", split + 4, stop) != crlf
        )
        if encoding not in _TEXT_ENCODINGS or lone:
            raise _NotFlat
        return None
    if kind not in _ATTACHED_TYPES or encoding != b"base64" or disposition is None:
        raise _NotFlat
    named = _DISPOSITION.fullmatch(disposition)
    if named is None:
        raise _NotFlat
    name = named.group(1).decode("ascii")
    if plain_attachment_name(name) != name:
        raise _NotFlat
    expected = known.get(name)
    if type(expected) is bytes and _is_draft_of(data, split + 4, stop, expected):
        return name, expected
    return name, _base64(data, split + 4, stop)


def _is_draft_of(data: bytes, start: int, stop: int, content: bytes) -> bool:
    """Whether ``data[start:stop]`` is exactly ``content``'s base64 in the draft's lines
    (76 characters, each line ending ``\\r\\n``, the last one shorter or full).

    Such a body passes every check of :func:`_base64` and decodes to ``content``; so
    the answer "yes" gives what decoding gives. The body without its line ends is
    compared with ``content`` encoded, a piece at a time; its length and the place of
    every line end are checked first, so no other CR or LF can hide in it (a piece of
    full lines is then read without its line ends, the last piece with any CR or LF
    taken out)."""
    size = len(content)
    encoded = 4 * ((size + 2) // 3)
    lines = -(-encoded // _WIDTH)
    step = _WIDTH + 2
    full = encoded // _WIDTH
    ends = start + full * step
    if (
        not size
        or stop - start != encoded + 2 * lines
        or data[stop - 2 : stop] != b"\r\n"
        or data[start + _WIDTH : ends : step] != b"\r" * full
        or data[start + _WIDTH + 1 : ends : step] != b"\n" * full
    ):
        return False
    view = memoryview(content)
    chunk = _LINES * (_WIDTH // 4 * 3)
    span = _LINES * step
    at = start
    for i in range(0, size, chunk):
        if at + span <= ends:  # full lines only: every line end among them checked above
            piece = b"".join(_FULL_LINES.unpack_from(data, at))
        else:
            piece = data[at : min(at + span, stop)].translate(None, b"\r\n")
        if piece != binascii.b2a_base64(view[i : i + chunk], newline=False):
            return False
        at += span
    return True


def _base64(data: bytes, start: int, stop: int) -> bytes:
    """The base64 body ``data[start:stop]``, laid out in lines of one length, each ending
    ``\r\n``, strictly valid (whole quanta, padding only at the end), decoded. Read in
    place (never copied: a big attachment costs its decoded size, as with the cut)."""
    width = data.find(b"\r\n", start, stop) - start
    if width < 4 or data[stop - 2 : stop] != b"\r\n":
        raise _NotFlat
    step = width + 2
    full, rest = divmod(stop - start, step)  # lines of the full width, what is left after
    if rest in (1, 2):
        raise _NotFlat  # an empty last line (or a broken one)
    lines = full + (rest > 0)  # the last line may be shorter, its end checked above
    ends = start + full * step
    if (
        data[start + width : ends : step] != b"\r" * full
        or data[start + width + 1 : ends : step] != b"\n" * full
    ):
        raise _NotFlat
    # Nothing but the alphabet and exactly those line ends: the CR and LF left after
    # the alphabet is taken out are one pair per line, so all sit where checked.
    left = b"".join(
        data[at : min(at + _PIECE, stop)].translate(None, _ALPHABET)
        for at in range(start, stop, _PIECE)
    )
    if left != b"\r\n" * lines:
        raise _NotFlat
    pad = data.find(b"=", start, stop)  # padding: one or two, at the very end
    if (stop - start - 2 * lines) % 4 or (pad >= 0 and data[pad:stop] not in (b"=\r\n", b"==\r\n")):
        raise _NotFlat
    try:
        return binascii.a2b_base64(memoryview(data)[start:stop])
    except binascii.Error:
        raise _NotFlat from None
