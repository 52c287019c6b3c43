"""The one return-format package: hostile e-mails and manifests are refused with a
reason (never an exception of another kind), and renamed files are found by hash."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from rxlog.errors import RxlogError
from rxlog.returnformat import ReturnVerificationError
from rxlog.returnformat.discovery import discover, find_returns
from rxlog.returnformat.eml import EmlOptions, attachments, write_eml
from rxlog.returnformat.manifest import (
    manifest_file_bytes,
    sign_manifest,
    verify_return,
    verify_return_bytes,
)

BASE = "rxlog_RPA_2026-11_v1"
CSV = "\ufeffreturn_id,version,entry_id,minutes\r\n5012345-2026-11,1,a,30\r\n".encode()


def _manifest(**over):
    m = {
        "format": "rxlog-return/1",
        "return_id": "5012345-2026-11",
        "version": 1,
        "technician": {"name": "Alex Morgan", "gphc": "5012345"},
        "month": "2026-11",
        "files": {f"{BASE}.csv": {"sha256": hashlib.sha256(CSV).hexdigest(), "bytes": len(CSV)}},
        "rows": 1,
        "totals": {"minutes": 30},
    }
    m.update(over)
    return m


def _nested_mime(depth: int) -> bytes:
    head = b"Subject: RxLog return RPA 2026-11 v1\r\nMIME-Version: 1.0\r\n"
    body = b""
    for i in range(depth):
        body += f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n'.encode()
    return head + body + b"Content-Type: text/plain\r\n\r\nx\r\n"


def test_deeply_nested_mime_is_refused_not_a_recursion_error():
    with pytest.raises(ReturnVerificationError, match="nested"):
        attachments(_nested_mime(5000), "deep.eml")


def test_an_e_mail_with_two_different_files_of_one_name_is_refused():
    when = datetime(2026, 12, 1)
    data = write_eml(
        EmlOptions(None, "RxLog return", "x", when), [("a.csv", b"one"), ("a.csv", b"two")]
    )
    with pytest.raises(ReturnVerificationError, match="two different files named 'a.csv'"):
        attachments(data)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ('{"manifest": {"rows": Infinity}, "signature": {}}', "corrupt"),
        ('{"manifest": {"rows": NaN}, "signature": {}}', "corrupt"),
        ('{"manifest": {"name": "\\ud800"}, "signature": {}}', "lone surrogate"),
        ('{"manifest": {"rows": 9223372036854775808}, "signature": {}}', "out of range"),
        ('{"manifest": {"rows": 1.5}, "signature": {}}', "whole"),
        ("[" * 100000 + "]" * 100000, "corrupt"),
    ],
)
def test_hostile_json_is_refused_with_a_reason(text, why):
    with pytest.raises(ReturnVerificationError, match=why):
        verify_return_bytes(text.encode(), {})


def test_a_signed_manifest_with_a_huge_number_is_refused(tmp_path):
    key = Ed25519PrivateKey.generate()
    doc = sign_manifest(_manifest(rows=2**63), key)
    with pytest.raises(ReturnVerificationError, match="out of range"):
        verify_return_bytes(manifest_file_bytes(doc), {f"{BASE}.csv": CSV})


def test_a_very_long_listed_name_is_refused_and_never_touches_the_disk(tmp_path):
    key = Ed25519PrivateKey.generate()
    long_name = "a" * 5000 + ".csv"
    m = _manifest(files={long_name: {"sha256": "0" * 64, "bytes": 1}})
    (tmp_path / f"{BASE}.manifest.json").write_bytes(manifest_file_bytes(sign_manifest(m, key)))
    (cand,) = find_returns([tmp_path])
    with pytest.raises(ReturnVerificationError, match="too long|bad file name"):
        verify_return(cand)


def test_a_renamed_copy_is_found_by_its_hash(tmp_path):
    key = Ed25519PrivateKey.generate()
    doc = sign_manifest(_manifest(), key)
    (tmp_path / f"{BASE}.manifest.json").write_bytes(manifest_file_bytes(doc))
    (tmp_path / f"{BASE} (1).csv").write_bytes(CSV)  # a mail client's rename
    (tmp_path / f"{BASE} (2).csv").write_bytes(CSV.replace(b"30", b"31"))
    (cand,) = find_returns([tmp_path])
    v = verify_return(cand)
    assert v.version == 1 and v.contents[f"{BASE}.csv"] == CSV
    # A renamed attachment of an e-mail as well.
    when = datetime(2026, 12, 1)
    eml = write_eml(
        EmlOptions(None, "RxLog return RPA 2026-11 v1", "x", when),
        [(f"{BASE} (1).csv", CSV), (f"{BASE}.manifest.json", manifest_file_bytes(doc))],
    )
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "Re return.eml").write_bytes(eml)
    (cand,) = discover([inbox]).candidates
    assert verify_return(cand).return_id == "5012345-2026-11"


def test_an_e_mail_beside_its_manifest_must_attach_the_signed_files(tmp_path):
    key = Ed25519PrivateKey.generate()
    doc = sign_manifest(_manifest(), key)
    (tmp_path / f"{BASE}.manifest.json").write_bytes(manifest_file_bytes(doc))
    (tmp_path / f"{BASE}.csv").write_bytes(CSV)
    when = datetime(2026, 12, 1)
    eml = write_eml(
        EmlOptions(None, "RxLog return RPA 2026-11 v1", "x", when),
        [(f"{BASE}.csv", CSV.replace(b"30", b"99"))],
    )
    (tmp_path / f"{BASE}.eml").write_bytes(eml)
    (cand,) = discover([tmp_path]).candidates  # one return, not two
    with pytest.raises(ReturnVerificationError, match="attaches a changed copy"):
        verify_return(cand)
    assert json.loads((tmp_path / f"{BASE}.manifest.json").read_text())["manifest"]["rows"] == 1


def test_an_e_mail_beside_its_manifest_must_attach_every_file_and_the_manifest(tmp_path):
    """What reaches the lead is the e-mail: a draft that lacks a file, or carries another
    manifest, is refused here, where it can still be exported again."""
    key = Ed25519PrivateKey.generate()
    man = manifest_file_bytes(sign_manifest(_manifest(), key))
    other = manifest_file_bytes(sign_manifest(_manifest(rows=2), key))
    (tmp_path / f"{BASE}.manifest.json").write_bytes(man)
    (tmp_path / f"{BASE}.csv").write_bytes(CSV)
    when = datetime(2026, 12, 1)

    def draft(*files: tuple[str, bytes]) -> None:
        opts = EmlOptions(None, "RxLog return RPA 2026-11 v1", "x", when)
        (tmp_path / f"{BASE}.eml").write_bytes(write_eml(opts, list(files)))

    csv_file, man_file = (f"{BASE}.csv", CSV), (f"{BASE}.manifest.json", man)
    draft(csv_file, man_file)  # as the export writes it
    (cand,) = discover([tmp_path]).candidates
    assert verify_return(cand).return_id == "5012345-2026-11"
    for files, message in [
        ((csv_file,), f"{BASE}.eml does not attach {BASE}.manifest.json"),
        ((man_file,), f"{BASE}.eml does not attach {BASE}.csv"),
        ((csv_file, (man_file[0], other)), f"attaches a changed copy of {BASE}.manifest.json"),
        (((f"{BASE}.pdf", b"%PDF-1.7"),), f"does not attach {BASE}.csv, {BASE}.manifest.json"),
        ((), "attaches none of this return's files"),
    ]:
        draft(*files)
        with pytest.raises(ReturnVerificationError, match=message):
            verify_return(cand)
    assert (tmp_path / f"{BASE}.manifest.json").read_bytes() == man  # nothing rewritten


def test_names_carry_the_gphc_number_without_running_into_a_site_codes_digits():
    from rxlog.identifiers import check_outgoing
    from rxlog.returnformat import base_name, subject_for

    # Trust site RN101 and GPhC 5012345: "101" + "5012345" is a valid NHS number.
    assert base_name("RN101", "5012345", "2026-10", 1) == "rxlog_RN101_GPhC5012345_2026-10_v1"
    check_outgoing(base_name("RN101", "5012345", "2026-10", 1) + ".csv", "name", "a file name")
    check_outgoing(subject_for("RN101", "5012345", "2026-10", 1), "name", "the subject")
    with pytest.raises(RxlogError, match="NHS number"):
        check_outgoing("rxlog_RN101_5012345_2026-10_v1.csv", "name", "a file name")


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | _TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(_JSON)
def test_the_manifest_layout_check_writes_what_the_manifest_writer_writes(value):
    """The reader checks a manifest's layout with its own walk (json.dumps with indent
    runs in Python): it must give, byte for byte, what the writer gives."""
    from rxlog.returnformat.manifest import _checked_layout

    document = {"manifest": value, "signature": {"alg": "Ed25519"}}
    assert _checked_layout(document, "m") == manifest_file_bytes(document)
    assert _checked_layout(value, "m") == manifest_file_bytes(value)


def test_the_layout_check_refuses_what_it_refused_before():
    from rxlog.returnformat.manifest import MAX_DEPTH, MAX_TEXT, _checked_layout

    deep: object = "x"
    for _ in range(MAX_DEPTH + 1):
        deep = [deep]
    for value, why in [
        ({"a": "\ud800"}, "lone surrogate"),
        ({"\udfff": 1}, "lone surrogate"),
        ({"a": 1.0}, "numbers are whole"),
        ({"a": 2**53 + 1}, "out of range"),
        ({"a": "x" * (MAX_TEXT + 1)}, "too long"),
        (deep, "nested too deep"),
    ]:
        with pytest.raises(ReturnVerificationError, match=why):
            _checked_layout(value, "m")
    shallow: object = "x"
    for _ in range(MAX_DEPTH):
        shallow = [shallow]
    assert _checked_layout(shallow, "m") == manifest_file_bytes(shallow)
