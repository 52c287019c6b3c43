"""The fast reader of RxLog's own e-mail draft gives exactly what the stdlib parser gives,
and steps aside (None) for every message it does not recognise exactly: damaged,
hostile, or merely written by something else. Refusals stay the parser's."""

from __future__ import annotations

import os
import random
import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from rxlog.returnformat import ReturnVerificationError, eml, eml_flat
from rxlog.returnformat.eml import EmlOptions, attachments, write_eml
from rxlog.returnformat.eml_flat import flat_attachments

WHEN = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
DEPTH = eml.MAX_DEPTH
NAME = "rxlog_G82001_GPhC5012345_lnhjgfjm_2026-11_v1"


def _draft(files: list[tuple[str, bytes]], body: str = "Please find attached.\n") -> bytes:
    options = EmlOptions("lead@nhs.net", f"RxLog return G82001 GPhC 5012345 {NAME}", body, WHEN)
    return write_eml(options, files)


def _files(csv_size: int = 3000, pdf_size: int = 2000) -> list[tuple[str, bytes]]:
    rnd = random.Random(csv_size * 7 + pdf_size)
    csv = b"".join(b"r%d,1,%d\r\n" % (i, rnd.randint(1, 30)) for i in range(csv_size // 9))
    return [
        (NAME + ".csv", b"\xef\xbb\xbf" + csv[:csv_size]),
        (NAME + ".pdf", rnd.randbytes(pdf_size)),
        (NAME + ".manifest.json", b'{"manifest": {}, "signature": {}}\n'),
    ]


def _parser(data: bytes) -> dict[str, bytes] | str:
    """The stdlib parser's word on the e-mail as it is (its refusal as text)."""
    try:
        return eml._attachments(data, "x", None)
    except ReturnVerificationError as exc:
        return exc.message


def _whole(data: bytes) -> dict[str, bytes] | str:
    try:
        return attachments(data, "x")
    except ReturnVerificationError as exc:
        return exc.message


# Sizes whose base64 ends on a full line, one short of it, one character in, and with
# each kind of padding.
@pytest.mark.parametrize("size", [0, 1, 2, 3, 56, 57, 58, 114, 4000, 60_000, 300_001])
def test_the_draft_is_read_without_the_parser_and_as_the_parser_reads_it(size):
    files = _files(csv_size=size, pdf_size=size + 1)
    if size == 0:
        files[1] = (files[1][0], b"")
    data = _draft(files)
    got = flat_attachments(data)
    if size == 0:  # an empty attachment is no line of base64: the parser reads it
        assert got is None
        assert attachments(data) == _parser(data)
        return
    assert got is not None
    assert got == _parser(data) == dict(files)
    assert attachments(data) == got


def test_a_text_with_lines_like_boundaries_is_still_read_as_the_parser_reads_it():
    body = "--\n-- not a boundary\n---===============x==\nEntries: 2000\n"
    data = _draft(_files(), body=body)
    assert flat_attachments(data) == _parser(data) == dict(_files())


def _boundary(data: bytes) -> bytes:
    match = re.search(rb'boundary="([^"]+)"', data)
    assert match is not None
    return match.group(1)


def _b64_body(data: bytes, which: str) -> tuple[int, int]:
    """Where the base64 body of the attachment named ``...which`` lies."""
    at = data.index(f'{NAME}{which}"'.encode())
    start = data.index(b"\r\n\r\n", at) + 4
    return start, data.index(b"\r\n--", start)


def _in_text(data: bytes, new: bytes) -> bytes:
    at = data.index(b"Please find attached.")
    return data[:at] + new + data[at:]


def _in_b64(data: bytes, new: bytes, offset: int = 100) -> bytes:
    start, _ = _b64_body(data, ".csv")
    return data[: start + offset] + new + data[start + offset :]


def _padding(data: bytes, to: bytes) -> bytes:
    start, end = _b64_body(data, ".pdf")
    body = data[start:end].rstrip(b"\r\n").rstrip(b"=")
    return data[:start] + body + to + b"\r\n" + data[end:]


def _nested(data: bytes, depth: int) -> bytes:
    """The draft wrapped in ``depth`` levels of multipart."""
    for level in range(depth):
        b = f"nest{level}".encode()
        head, _, rest = data.partition(b"\r\n\r\n")
        data = (
            b"Content-Type: multipart/mixed; boundary=\"" + b + b"\"\r\n\r\n--" + b + b"\r\n"
            + head.replace(b"MIME-Version: 1.0\r\n", b"") + b"\r\n\r\n" + rest
            + b"\r\n--" + b + b"--\r\n"
        )  # fmt: skip
    return data


def _swap_header(old: bytes, new: bytes) -> Callable[[bytes], bytes]:
    return lambda d: d.replace(old, new, 1)


# Each a message the fast reader must not take (the parser decides, as before).
NOT_FLAT: dict[str, Callable[[bytes], bytes]] = {
    "LF line ends": lambda d: d.replace(b"\r\n", b"\n"),
    "a lone CR in the text": lambda d: _in_text(d, b"a\rb"),
    "a lone LF in the text": lambda d: _in_text(d, b"a\nb"),
    "a lone LF in base64": lambda d: _in_b64(d, b"\n"),
    "a stray character in base64": lambda d: _in_b64(d, b"*"),
    "a line of another width in base64": lambda d: _in_b64(d, b"AAAA"),
    "padding in the middle": lambda d: _in_b64(d, b"A==="),
    "three padding characters": lambda d: _padding(d, b"==="),
    "padding cut short": lambda d: _padding(d, b""),
    "a preamble": lambda d: d.replace(b"\r\n\r\n--", b"\r\n\r\nThis is MIME.\r\n--", 1),
    "an epilogue": lambda d: d + b"after the end\r\n",
    "no closing boundary": lambda d: d[: d.rindex(b"--\r\n")] + b"\r\n",
    "a boundary with blanks after it": lambda d: d.replace(
        b"\r\n--" + _boundary(d) + b"\r\nContent-Type: text/csv",
        b"\r\n--" + _boundary(d) + b"  \r\nContent-Type: text/csv",
    ),
    "a boundary line inside the text": lambda d: _in_text(d, b"\r\n--" + _boundary(d) + b"\r\n"),
    "a longer boundary-like line in the text": lambda d: _in_text(
        d, b"\r\n--" + _boundary(d) + b"x\r\n"
    ),
    "two Content-Types in a part": _swap_header(
        b"Content-Type: text/csv\r\n", b"Content-Type: text/csv\r\nContent-Type: text/plain\r\n"
    ),
    "a header in lower case": _swap_header(b"Content-Type: text/csv", b"content-type: text/csv"),
    "an encoding in capitals": _swap_header(
        b"Content-Transfer-Encoding: base64", b"Content-Transfer-Encoding: BASE64"
    ),
    "quoted-printable attachment": _swap_header(
        b"Content-Transfer-Encoding: base64", b"Content-Transfer-Encoding: quoted-printable"
    ),
    "a name parameter": _swap_header(
        b"Content-Type: text/csv", b'Content-Type: text/csv; name="x"'
    ),
    "a path in the file name": _swap_header(b'filename="rxlog', b'filename="../rxlog'),
    "an RFC 2231 file name": _swap_header(b'filename="rxlog', b"filename*=utf-8''rxlog"),
    "an unquoted boundary": lambda d: d.replace(
        b'boundary="' + _boundary(d) + b'"', b"boundary=" + _boundary(d), 1
    ),  # fmt: skip
    "a second Content-Type on the message": _swap_header(
        b"X-Unsent: 1\r\n", b"X-Unsent: 1\r\nContent-Type: text/plain\r\n"
    ),
    "a Content-Disposition on the message": _swap_header(
        b"X-Unsent: 1\r\n", b'X-Unsent: 1\r\nContent-Disposition: attachment; filename="a.csv"\r\n'
    ),
    "a folded message Content-Type": _swap_header(b"mixed; boundary", b"mixed;\r\n\tboundary"),
    "a From line first": lambda d: b"From lead@nhs.net Tue Dec  1 09:30:00 2026\r\n" + d,
    "8-bit bytes in a header": _swap_header(b"To: lead", b"To: \xe9lead"),
    "an extra header in a part": _swap_header(
        b"Content-Type: text/csv\r\n", b"Content-Type: text/csv\r\nContent-ID: <a@b>\r\n"
    ),
    "a part with no blank line after its headers": _swap_header(
        b"MIME-Version: 1.0\r\n\r\n77u/", b"MIME-Version: 1.0\r\n77u/"
    ),
    "nested once": lambda d: _nested(d, 1),
    "nested too deep": lambda d: _nested(d, 14),
    "an attached e-mail": _swap_header(b"Content-Type: text/csv", b"Content-Type: message/rfc822"),
    "empty": lambda d: b"",
    "headers only": lambda d: d[: d.index(b"\r\n\r\n")],
}


@pytest.mark.parametrize("change", list(NOT_FLAT), ids=list(NOT_FLAT))
def test_a_message_not_exactly_the_drafts_is_left_to_the_parser(change):
    data = NOT_FLAT[change](_draft(_files()))
    assert flat_attachments(data) is None
    whole = _whole(data)
    if change == "nested too deep":
        assert whole == f"x is not a return's e-mail: its parts are nested more than {DEPTH} deep"
    else:
        assert whole == _parser(data)


def test_two_files_under_one_name_are_left_to_the_parser_which_refuses_them():
    files = [("a.csv", os.urandom(3000)), ("a.csv", os.urandom(3000))]
    data = _draft(files)
    assert flat_attachments(data) is None
    assert _whole(data) == "x attaches two different files named 'a.csv'"
    same = _draft([("a.csv", b"one,two\r\n"), ("a.csv", b"one,two\r\n")])
    assert flat_attachments(same) is None and attachments(same) == {"a.csv": b"one,two\r\n"}


_BYTES = [b"\r", b"\n", b"\r\n", b"=", b"-", b"--", b"A", b" ", b"\t", b":", b'"', b";",
          b"\x00", b"\xff", b"/", b"+"]  # fmt: skip


def _mutate(data: bytes, rnd: random.Random) -> bytes:
    """One random damage, half of them in the headers and boundaries (the structure)."""
    structure = [m.start() for m in re.finditer(rb"\r\n|[:;=\"-]", data)]
    at = rnd.choice(structure) if rnd.random() < 0.5 else rnd.randrange(len(data))
    kind = rnd.randrange(5)
    if kind == 0:  # replace a byte
        return data[:at] + rnd.choice(_BYTES) + data[at + 1 :]
    if kind == 1:  # insert some
        return data[:at] + rnd.choice(_BYTES) + data[at:]
    if kind == 2:  # delete some
        return data[:at] + data[at + rnd.randint(1, 4) :]
    lines = data.split(b"\r\n")
    i = rnd.randrange(len(lines))
    if kind == 3:  # repeat a line
        return b"\r\n".join(lines[: i + 1] + lines[i:])
    return b"\r\n".join(lines[:i] + [lines[i].swapcase()] + lines[i + 1 :])


def test_damaged_drafts_are_read_as_the_parser_reads_them_or_left_to_it():
    rnd = random.Random(20261201)
    draft = _draft(_files(csv_size=1500, pdf_size=700))
    taken = 0
    for _ in range(700):
        data = _mutate(draft, rnd)
        got = flat_attachments(data)
        if got is not None:
            taken += 1
            assert got == _parser(data), data
        assert _whole(data) == (got if got is not None else _whole_by_parser(data))
    assert 0 < taken < 700  # some damage leaves the shape (the subject, a base64 letter)


def _whole_by_parser(data: bytes) -> dict[str, bytes] | str:
    """attachments() as before the fast reader: depth check, then the parser."""
    if eml._nesting_too_deep(data):
        return f"x is not a return's e-mail: its parts are nested more than {DEPTH} deep"
    return _parser(data)


def test_the_depth_count_counts_each_mention_once_across_its_pieces(monkeypatch):
    monkeypatch.setattr(eml, "_PIECE", 16)
    word = b"MultiPart/"
    for pad in range(20):  # every place a mention can fall against a piece's edge
        data = b"x" * pad + (word + b"y" * 7) * DEPTH
        assert not eml._nesting_too_deep(data)
        assert eml._nesting_too_deep(data + word)


@pytest.mark.parametrize("sizes", [(1, 2, 3), (57, 114, 171), (58, 4000, 60_000), (0, 5, 9)])
@pytest.mark.parametrize("subject", ["RxLog return G82001 2026-11 v1", "RxLog return Łukasz " * 6])
def test_the_draft_is_the_bytes_the_stdlib_writes(monkeypatch, sizes, subject):
    """write_eml puts each file's base64 in place of a stand-in's; the bytes are those of
    the stdlib writing the whole message (the same boundary given to both)."""
    from email import generator

    monkeypatch.setattr(
        generator.Generator, "_make_boundary", staticmethod(lambda text=None: "==B==")
    )
    rnd = random.Random(sum(sizes))
    files = [
        (f"{NAME}.{ext}", rnd.randbytes(n))
        for ext, n in zip(("csv", "pdf", "json"), sizes, strict=True)
    ]
    options = EmlOptions("lead@nhs.net", subject, "Please find attached.\nŁukasz\n", WHEN)
    fast = write_eml(options, files)
    assert fast == eml._write_message(options, files)
    assert _parser(fast) == dict(files)
    assert flat_attachments(fast) in (None, dict(files))


# -- the files the e-mail should carry, given as known: compared, not decoded ----------
def _near(content: bytes, rnd: random.Random) -> bytes:
    """Bytes close to ``content``: one byte changed, one more or one fewer, or another."""
    kind = rnd.randrange(4)
    if kind == 0 and content:
        at = rnd.randrange(len(content))
        return content[:at] + bytes([content[at] ^ 1 << rnd.randrange(8)]) + content[at + 1 :]
    if kind == 1:
        return content + b"\n"
    if kind == 2:
        return content[:-1]
    return rnd.randbytes(len(content))


# The CSV is 3 bytes longer (its BOM): sizes about one and two pieces of the comparison.
_PIECE_BYTES = 57 * eml_flat._LINES


@pytest.mark.parametrize(
    "size",
    [1, 2, 3, 56, 57, 58, 114, 4000, 300_001]
    + [_PIECE_BYTES - 4, _PIECE_BYTES - 3, _PIECE_BYTES - 2, 2 * _PIECE_BYTES - 3],
)
def test_a_known_file_is_given_as_it_is_where_the_body_is_its_base64(size):
    files = _files(csv_size=size, pdf_size=size + 1)
    data = _draft(files)
    known = {name: content for name, content in files[:2]}
    got = flat_attachments(data, known)
    assert got == flat_attachments(data) == _parser(data) == dict(files)
    assert got is not None and all(got[name] is content for name, content in known.items())
    assert attachments(data, "x", known) == attachments(data, "x")
    rnd = random.Random(size)
    for _ in range(6):  # a file beside the e-mail that is not what it attaches
        other = {name: _near(content, rnd) for name, content in known.items()}
        got = flat_attachments(data, other)
        assert got == dict(files)
        assert got is not None and not any(got[n] is c for n, c in other.items())


def test_a_body_in_other_lines_is_decoded_as_before_even_with_the_file_known():
    files = _files(csv_size=5000)
    data = _draft(files)
    start, end = _b64_body(data, ".csv")
    joined = data[start:end].replace(b"\r\n", b"")
    for width in (64, 72, 4, 75, 77):  # the parser reads any width; the file is the same
        body = b"".join(joined[i : i + width] + b"\r\n" for i in range(0, len(joined), width))
        other = data[:start] + body + data[end:]
        known = dict(files[:2])
        got = flat_attachments(other, known)
        assert got == flat_attachments(other) == _parser(other) == dict(files)
        assert got is not None and got[NAME + ".csv"] is not known[NAME + ".csv"]


@pytest.mark.parametrize("change", list(NOT_FLAT), ids=list(NOT_FLAT))
def test_a_known_file_does_not_make_a_message_of_another_shape_flat(change):
    files = _files()
    data = NOT_FLAT[change](_draft(files))
    assert flat_attachments(data, dict(files)) is None
    assert _whole(data) == _whole_with(data, dict(files))


def _whole_with(data: bytes, known: dict[str, bytes]) -> dict[str, bytes] | str:
    try:
        return attachments(data, "x", known)
    except ReturnVerificationError as exc:
        return exc.message


def test_damaged_drafts_read_the_same_with_the_files_known():
    """Seeded damage to the draft, in its structure and in its base64: with the files
    known, the result is the one without them (and the parser's where it is taken)."""
    rnd = random.Random(20261214)
    files = _files(csv_size=1500, pdf_size=700)
    draft = _draft(files)
    known = dict(files)
    same_object = 0
    for _ in range(700):
        data = _mutate(draft, rnd)
        got = flat_attachments(data, known)
        assert got == flat_attachments(data)
        if got is not None:
            assert got == _parser(data), data
            same_object += sum(got.get(n) is c for n, c in known.items())
        assert _whole_with(data, known) == _whole(data)
    assert same_object > 0


def _moved_line_ends(data: bytes, how: str) -> bytes:
    start, end = _b64_body(data, ".csv")
    body = data[start:end]
    if how == "a line end one character later":
        at = body.index(b"\r\n", 500)
        body = body[:at] + body[at + 2 : at + 3] + b"\r\n" + body[at + 3 :]
    elif how in ("an LF moved into its line", "a CR moved into its line"):
        at = body.index(b"\r\n", 500) - 76  # a full line: 76 characters, CR, LF
        chars = body[at : at + 76]
        if how == "an LF moved into its line":  # the CR where it was, the LF before it
            line = chars[:38] + b"\n" + chars[38:75] + b"\r" + chars[75:]
        else:  # the LF where it was, the CR before it
            line = chars[:38] + b"\r" + chars[38:76] + b"\n"
        body = body[:at] + line + body[at + 78 :]
    elif how == "the last line end turned round":
        body = body[:-2] + b"\n\r"
    else:  # every line end turned round
        body = body.replace(b"\r\n", b"\n\r")
    return data[:start] + body + data[end:]


@pytest.mark.parametrize(
    "how",
    [
        "a line end one character later",
        "an LF moved into its line",
        "a CR moved into its line",
        "the last line end turned round",
        "all turned round",
    ],
)
def test_a_body_with_the_files_characters_but_other_line_ends_is_not_taken_as_known(how):
    """The same characters as the file's base64, with the line ends elsewhere: not the
    draft's lines, so the known file is not given for it (the result is as without it)."""
    files = _files(csv_size=5000)
    data = _moved_line_ends(_draft(files), how)
    known = dict(files)
    got = flat_attachments(data, known)
    assert got == flat_attachments(data)
    assert got is None or got[NAME + ".csv"] is not known[NAME + ".csv"]
    assert _whole_with(data, known) == _whole(data)
