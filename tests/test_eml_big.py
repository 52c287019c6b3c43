"""A big e-mail's attachments are read from its bytes without the parser holding it
several times over, and always come out exactly as the stdlib parser gives them."""

from __future__ import annotations

import base64
import os
from email.message import EmailMessage
from pathlib import Path

import pytest

from rxlog.returnformat import ReturnVerificationError, eml


def _mail(parts: list[tuple[str | None, bytes]], text: str = "see attached") -> bytes:
    msg = EmailMessage()
    msg["Subject"] = "RxLog return 2026-10"
    msg.set_content(text)
    for name, data in parts:
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))


_REAL = eml._attachments


@pytest.fixture(autouse=True)
def _as_received(monkeypatch):
    """These are e-mails as a mail client saves them, read by the parser with the cut:
    RxLog's own draft is read by the fast reader first (tests/test_eml_flat.py), so it
    is set aside here."""
    from rxlog.returnformat import eml_flat

    monkeypatch.setattr(eml_flat, "flat_attachments", lambda data, known=None: None)


def _parsed(data: bytes) -> dict[str, bytes]:
    return _REAL(data, "x", None)  # the stdlib parser on the e-mail as it is


def test_big_attachments_come_out_as_the_parser_gives_them():
    files = [("a.pdf", os.urandom(300_000)), ("b.csv", b"x,y\r\n" * 20_000), ("c.json", b"{}")]
    data = _mail(files)
    assert eml._skeleton(data) is not None  # the cut is taken
    got = eml.attachments(data)
    assert got == _parsed(data) == dict(files)


def test_a_cut_that_is_not_an_attachments_body_falls_back_to_the_parser(monkeypatch):
    # A long base64 body in the text part (no file name): not an attachment.
    blob = base64.encodebytes(os.urandom(60_000)).decode().replace("\n", "\r\n")
    data = _mail([("a.pdf", os.urandom(100_000))], text=blob)
    assert eml.attachments(data) == _parsed(data)
    # An attachment whose padding is wrong: the parser is lenient, so its word counts.
    good = _mail([("a.pdf", os.urandom(100_000))])  # 100,000 bytes: base64 ends "=="
    end = good.rindex(b"\r\n\r\n--")  # the attachment's body ends before the last boundary
    assert good[end - 2 : end] == b"=="
    broken = good[: end - 1] + good[end:]
    calls: list[bool] = []
    real = eml._attachments

    def spy(data: bytes, name: str, cut: object) -> dict[str, bytes]:
        calls.append(cut is not None)
        return real(data, name, cut)  # type: ignore[arg-type]

    monkeypatch.setattr(eml, "_attachments", spy)
    assert eml.attachments(broken) == _parsed(broken)
    assert calls == [True, False]  # the cut was refused, so it was parsed whole
    calls.clear()
    assert eml.attachments(good) == real(good, "x", None) and calls == [True]


def test_two_different_files_under_one_name_are_still_refused():
    data = _mail([("a.csv", os.urandom(50_000)), ("a.csv", os.urandom(50_000))])
    with pytest.raises(ReturnVerificationError, match="two different files named 'a.csv'"):
        eml.attachments(data)


def test_an_e_mail_too_big_to_be_a_returns_is_refused_without_being_read(tmp_path, monkeypatch):
    path = tmp_path / "big.eml"
    path.write_bytes(_mail([("a.pdf", b"x" * 5000)]))
    monkeypatch.setattr(eml, "MAX_EML_BYTES", 1000)

    def no_read(self: Path) -> bytes:
        raise AssertionError("the oversized e-mail was read")

    monkeypatch.setattr(Path, "read_bytes", no_read)
    with pytest.raises(ReturnVerificationError, match="larger than any return's e-mail"):
        eml.read_attachments(path)
