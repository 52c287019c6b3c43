"""Outlook .msg files as the lead saves them: read like .eml, hostile until checked."""

from __future__ import annotations

import contextlib
import random
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from msgfile import compound_file, write_msg

from rxlog.errors import RxlogError
from rxlog.returnformat import ReturnVerificationError
from rxlog.returnformat.discovery import find_returns
from rxlog.returnformat.manifest import verify_return
from rxlog.returnformat.msg import MAX_DEPTH, attachments, is_return_msg, read_attachments

SUBJECT = "RxLog return G82001 2026-10 v1"


def test_attachments_are_read_by_their_plain_names():
    data = write_msg(SUBJECT, [("a.csv", b"x,y\n"), ("..\\..\\Windows\\b.pdf", b"%PDF" * 2000)])
    assert attachments(data, "t.msg") == {"a.csv": b"x,y\n", "b.pdf": b"%PDF" * 2000}


def test_two_different_files_of_one_name_are_refused():
    data = write_msg(SUBJECT, [("a.csv", b"one"), ("a.csv", b"two")])
    with pytest.raises(ReturnVerificationError, match="two different files named 'a.csv'"):
        attachments(data, "t.msg")


def test_a_forwarded_as_attachment_message_is_read_and_deep_nesting_refused():
    assert attachments(write_msg(SUBJECT, [("a.csv", b"x")], nest=2)) == {"a.csv": b"x"}
    with pytest.raises(ReturnVerificationError, match="nested"):
        attachments(write_msg(SUBJECT, [("a.csv", b"x")], nest=MAX_DEPTH + 1), "deep.msg")


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"From: a\r\nSubject: RxLog return\r\n\r\nan .eml renamed",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",  # the signature alone
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\xff" * 4000,
        compound_file({"just a stream": b"hello"}),  # a compound file, not a message
    ],
)
def test_what_is_not_a_message_is_refused_with_a_reason(data):
    with pytest.raises(ReturnVerificationError, match="not a readable Outlook message"):
        attachments(data, "x.msg")


def test_a_file_larger_than_any_return_is_refused_unread(monkeypatch, tmp_path):
    from rxlog.returnformat import msg

    monkeypatch.setattr(msg, "MAX_MSG_BYTES", 1000)
    big = tmp_path / "big.msg"
    big.write_bytes(write_msg(SUBJECT, [("a.csv", b"x" * 5000)]))
    with pytest.raises(ReturnVerificationError, match="larger than any return"):
        read_attachments(big)


def test_the_subject_tells_a_return_from_other_mail(tmp_path):
    (tmp_path / "r.msg").write_bytes(write_msg(SUBJECT, []))
    (tmp_path / "o.msg").write_bytes(write_msg("Rota for December", []))
    (tmp_path / "x.msg").write_bytes(b"\xd0\xcf\x11\xe0 damaged")
    assert is_return_msg(tmp_path / "r.msg")
    assert not is_return_msg(tmp_path / "o.msg") and not is_return_msg(tmp_path / "x.msg")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32))
def test_damaged_msg_files_give_a_reason_never_a_traceback(seed):
    rnd = random.Random(seed)
    data = bytearray(write_msg(SUBJECT, [("a.csv", b"x,y\n" * 50), ("a.pdf", b"%PDF" * 1200)]))
    for _ in range(rnd.randint(1, 40)):  # flipped bytes, anywhere, header included
        data[rnd.randrange(len(data))] = rnd.randrange(256)
    if rnd.random() < 0.3:
        del data[rnd.randrange(len(data)) :]  # cut short
    with contextlib.suppress(RxlogError):  # a reason is fine; any other exception fails
        attachments(bytes(data), "damaged.msg")


@pytest.mark.slow
def test_verify_reads_a_return_saved_from_outlook(tmp_path):
    """A real export, its files attached to a .msg: verify finds and checks it; a changed
    attachment is refused."""
    from datetime import date

    from conftest import run_cli

    data_dir = tmp_path / "data"
    for args in (
        ("setup", "--name", "Alex Morgan", "--gphc", "5012345"),
        ("placement", "add", "G82001", "--name", "Test Surgery", "--sector", "primary",
         "--from", "2026-09-01"),
        ("log", "QRY-CLIN", "--date", str(date(2026, 10, 5))),
    ):  # fmt: skip
        assert run_cli(data_dir, *args).code == 0
    out = tmp_path / "out"
    out.mkdir()
    assert run_cli(data_dir, "export", "2026-10", "--out", str(out)).code == 0
    files = [(p.name, p.read_bytes()) for p in sorted(out.iterdir()) if p.suffix != ".eml"]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    saved = inbox / "RxLog return G82001 2026-10 v1.msg"
    saved.write_bytes(write_msg(SUBJECT, files))
    (rf,) = find_returns([inbox])
    assert rf.kind == "eml" and Path(rf.path) == saved
    v = verify_return(rf, check_pdf_signature=True)
    assert (v.month, v.version) == ("2026-10", 1)
    r = run_cli(data_dir, "verify", str(saved))
    assert r.code == 0, r.err
    forged = [(n, b"%PDF-1.7 forged" if n.endswith(".pdf") else d) for n, d in files]
    saved.write_bytes(write_msg(SUBJECT, forged))
    r = run_cli(data_dir, "verify", str(saved))
    assert r.code == 1 and "file changed" in (r.out + r.err), r.out + r.err
    shutil.rmtree(inbox)
