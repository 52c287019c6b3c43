"""Exporting a month: the signed return, its lock, versions, and refusing bad input.

Real SQLite data folder, real keys, real PDFs (their text read back), real
signatures. The month exported is October 2026 at a GP practice (today 2026-11-20).
"""

from __future__ import annotations

import csv
import email
import email.policy
import hashlib
import io
import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from conftest import TODAY
from pdftext import pdf_text

from rxlog.domain import EntryInput
from rxlog.errors import LockedMonthError, RxlogError, StorageError, ValidationError
from rxlog.export import keys
from rxlog.export.month_check import check_month
from rxlog.export.signoff import ExportOptions, export_month, reopen_month, returns_of
from rxlog.returnformat import ReturnVerificationError
from rxlog.returnformat.discovery import find_returns
from rxlog.returnformat.manifest import verify_return, verify_return_bytes
from rxlog.service import RxLog
from rxlog.storage import privacy
from rxlog.storage.models import MonthLock, ReturnRecord

FORMULA_SITE = '=HYPERLINK("http://x","Surgery")'
NHS_NUMBER = "9434765919"  # valid Modulus 11 (domain.md)
PID_FORMS = (NHS_NUMBER, "943 476 5919", "943-476-5919")


@pytest.fixture
def app(data_dir: Path):
    a = RxLog.open(data_dir, today=lambda: TODAY)
    a.setup("Alex Morgan", "5012345")
    a.add_placement("G82001", FORMULA_SITE, "primary", date(2026, 9, 1), date(2026, 10, 31))
    a.add_placement("RPA", "Medway NHS Foundation Trust", "secondary", date(2026, 11, 1), None)
    a.add_phase("pilot", date(2026, 9, 1), None)
    keys.create_keys(data_dir, "Alex Morgan", "5012345")
    a.set_setting("lead_email", "lead@nhs.net")
    a.log_many(
        [
            EntryInput(
                "REC-DIS",
                date(2026, 10, 5),
                minutes=20,
                count=1,
                discharge_received=date(2026, 10, 1),
                note=f"pt {PID_FORMS[1]} reconciled",
            ),  # fmt: skip
            EntryInput(
                "REC-DIS",
                date(2026, 10, 6),
                minutes=25,
                count=1,
                discharge_received=date(2026, 9, 20),
            ),  # fmt: skip
            EntryInput(
                "INT-PRESC",
                date(2026, 10, 7),
                minutes=10,
                count=1,
                significance=4,
                harm="C",
                released_minutes=15,
                outcome="accepted",
            ),  # fmt: skip
            *[
                EntryInput("REP-MGMT", date(2026, 10, d), minutes=30, count=12)
                for d in range(8, 28)
            ],
            EntryInput("ADM-MEET", date(2026, 10, 28), minutes=60, note=NHS_NUMBER),
        ]
    )
    yield a
    a.close()


def _export(app: RxLog, out: Path, month: str = "2026-10", **kw):
    out.mkdir(exist_ok=True)
    return export_month(app, month, ExportOptions(out, **kw))


def _locked(app: RxLog, month: str) -> bool:
    with app.db.transaction() as s:
        lock = s.get(MonthLock, month)
        return bool(lock and lock.locked)


@pytest.mark.slow
def test_export_then_verify_round_trip(app, tmp_path):
    res = _export(app, tmp_path / "out")
    inst = app.installation()
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == sorted(
        f"rxlog_G82001_GPhC5012345_{inst.short}_2026-10_v1.{ext}"
        for ext in ("csv", "pdf", "manifest.json", "eml")
    )
    (rf,) = find_returns([tmp_path / "out"])
    v = verify_return(rf, check_pdf_signature=True)
    assert (v.return_id, v.version, v.month, v.gphc) == (
        f"5012345-2026-10-{inst.short}",
        1,
        "2026-10",
        "5012345",
    )
    assert (v.installation_id, v.installation_name) == (inst.id, inst.name)
    assert v.fingerprint == keys.key_info(app.db.data_dir).fingerprint == res.fingerprint
    m = v.manifest
    assert m["rows"] == 24 and m["totals"]["minutes"] == 20 + 25 + 10 + 20 * 30 + 60
    assert m["supersedes"] is None and m["unit_cost_version"] == "2026.2"  # the default
    # In memory, as the lead's import does it.
    files = {p.name: p.read_bytes() for p in (res.csv, res.pdf)}
    assert verify_return_bytes(res.manifest.read_bytes(), files).version == 1
    assert returns_of(app, "2026-10")[0]["version"] == 1


@pytest.mark.slow
def test_locked_month_refuses_log_edit_delete_with_how_to_reopen(app, tmp_path):
    some = app.month("2026-10")[0]
    _export(app, tmp_path / "out")
    with pytest.raises(LockedMonthError, match="month reopen 2026-10"):
        app.log(EntryInput("REP-MGMT", date(2026, 10, 29), minutes=5, count=1))
    with pytest.raises(LockedMonthError):
        app.edit(some.id, {"minutes": 99}, "typo")
    with pytest.raises(LockedMonthError):
        app.delete(some.id, "wrong")
    with pytest.raises(ValidationError, match="already signed off"):
        _export(app, tmp_path / "again")
    assert not any((tmp_path / "again").iterdir())


@pytest.mark.slow
def test_signing_off_the_current_month_warns_that_its_remaining_days_lock(app, tmp_path):
    app.log(EntryInput("QRY-PAT", date=app.today()))
    month = f"{app.today():%Y-%m}"
    res = export_month(app, month, ExportOptions(tmp_path / "now"))
    assert any("not over yet" in w for w in res.warnings)
    assert not any("not over yet" in w for w in _export(app, tmp_path / "out").warnings)


@pytest.mark.slow
def test_a_note_can_be_corrected_in_a_locked_month_without_touching_the_return(app, tmp_path):
    """Notes never leave the PC, so scrubbing one needs no reopen and no new version."""
    some = app.month("2026-10")[0]
    res = _export(app, tmp_path / "out")
    app.edit(some.id, {"note": "pt 943 476 5919"}, "typo")
    assert app.edit(some.id, {"note": None}, "patient identifier removed").entry.note is None
    with pytest.raises(LockedMonthError):
        app.edit(some.id, {"note": "x", "minutes": 99}, "both")
    assert app.verify_audit().ok
    assert verify_return(find_returns([res.folder])[0]).version == 1
    assert _locked(app, "2026-10")


@pytest.mark.slow
def test_reopen_then_v2_supersedes_v1(app, tmp_path):
    _export(app, tmp_path / "v1")
    with pytest.raises(ValidationError, match="why"):
        reopen_month(app, "2026-10", "  ")
    reopen_month(app, "2026-10", "forgot the Friday clinic")
    with pytest.raises(ValidationError, match="already reopened"):
        reopen_month(app, "2026-10", "again")
    app.log(EntryInput("REP-MGMT", date(2026, 10, 30), minutes=45, count=3))
    res = _export(app, tmp_path / "v2")
    short = app.installation().short
    assert res.version == 2 and res.csv.name == f"rxlog_G82001_GPhC5012345_{short}_2026-10_v2.csv"
    v = verify_return(find_returns([tmp_path / "v2"])[0])
    assert v.version == 2 and v.manifest["supersedes"] == 1
    assert v.manifest["supersedes_reason"] == "forgot the Friday clinic"
    assert v.manifest["rows"] == 25
    assert [r["version"] for r in returns_of(app, "2026-10")] == [1, 2]
    assert _locked(app, "2026-10")
    rows = list(csv.DictReader(io.StringIO(res.csv.read_text("utf-8-sig"))))
    assert {r["version"] for r in rows} == {"2"}


@pytest.mark.slow
def test_changed_bytes_anywhere_in_any_signed_file_are_caught(app, tmp_path):
    res = _export(app, tmp_path / "out")
    (rf,) = find_returns([tmp_path / "out"])
    for path in (res.csv, res.pdf, res.manifest):
        original = path.read_bytes()
        step = max(1, len(original) // 97)
        for i in [*range(0, len(original), step), len(original) - 1]:
            changed = bytearray(original)
            changed[i] ^= 0x20
            path.write_bytes(bytes(changed))
            with pytest.raises(ReturnVerificationError) as err:
                verify_return(rf)
            assert path.name in str(err.value) or "signature invalid" in str(err.value)
        path.write_bytes(original)
    # The e-mail draft is not signed, but a changed attachment in it is caught.
    eml = res.eml.read_bytes()
    msg = email.message_from_bytes(eml, policy=email.policy.default)
    csv_part = next(p for p in msg.iter_attachments() if p.get_filename().endswith(".csv"))
    csv_part.set_content(b"x", maintype="text", subtype="csv", filename=res.csv.name)
    res.eml.write_bytes(msg.as_bytes())
    with pytest.raises(ReturnVerificationError, match="attaches a changed copy"):
        verify_return(rf)


@pytest.mark.slow
def test_pdf_signature_itself_catches_a_change(app, tmp_path):
    from rxlog.returnformat.pdf import check_pdf_signature

    res = _export(app, tmp_path / "out")
    pdf = res.pdf.read_bytes()
    check_pdf_signature(pdf)
    changed = bytearray(pdf)
    changed[len(pdf) // 3] ^= 0x01
    with pytest.raises(ReturnVerificationError, match="signature invalid"):
        check_pdf_signature(bytes(changed))
    with pytest.raises(ReturnVerificationError, match="signature invalid"):
        check_pdf_signature(b"%PDF-1.4 nothing")


@pytest.mark.slow
def test_formula_like_site_name_is_neutralised_but_readable(app, tmp_path):
    res = _export(app, tmp_path / "out")
    text = res.csv.read_bytes().decode("utf-8")
    assert text.startswith("\ufeffreturn_id,version,")
    assert "\r\n" in text
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert {r["site_name"] for r in rows} == {"'" + FORMULA_SITE}
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r.values())
    assert "note" not in rows[0]


@pytest.mark.slow
def test_an_nhs_number_in_a_note_is_in_no_exported_byte(app, tmp_path):
    res = _export(app, tmp_path / "out")
    blobs = {p.name: p.read_bytes() for p in res.files}
    msg = email.message_from_bytes(blobs[res.eml.name], policy=email.policy.default)
    blobs["eml subject+body"] = (str(msg["Subject"]) + msg.get_body().get_content()).encode()
    for part in msg.iter_attachments():
        blobs[f"attachment {part.get_filename()}"] = part.get_payload(decode=True)
    blobs["pdf text"] = pdf_text(res.pdf).encode("utf-8")
    for name, data in blobs.items():
        for form in PID_FORMS:
            assert form.encode() not in data, f"{form} found in {name}"
    assert all(form not in n for n in blobs for form in PID_FORMS)


@pytest.mark.slow
def test_pdf_report_content_and_small_numbers(app, tmp_path):
    res = _export(app, tmp_path / "out")
    text = pdf_text(res.pdf, layout=True)
    for expected in ("Alex Morgan", "5012345", "October 2026", "Version 1", "G82001",
                     "Repeat prescribing", "Primary care", "Daily activity",
                     "NCC MERP", "Eadon", "Cost avoided", "2026.2", "PSSRU",
                     "quality standard 120", "Days without entries", "Sign-off"):  # fmt: skip
        assert expected in text, expected
    fingerprint = keys.key_info(app.db.data_dir).fingerprint
    assert fingerprint[:4] + " " + fingerprint[4:8] in text
    # The technician's own counts are exact (suppression is for what the lead publishes)
    assert "<5" not in text and "These are your exact counts" in text
    flat = " ".join(text.split())
    assert "Accepted 1" in flat  # the one accepted intervention, counted exactly
    # plain words: no rate to four decimal places, no unexplained jargon, one date format
    assert "a minute" not in flat and "in primary care, £33 for 10 minutes" in flat
    assert "QS120" not in flat and "Eadon scale" in flat and "NCC MERP categories" in flat
    assert "(Thu 1 Oct 2026 to Sat 31 Oct 2026)" in flat
    assert "Signed on: Fri 20 Nov 2026" in flat
    rows = list(csv.DictReader(io.StringIO(res.csv.read_text("utf-8-sig"))))
    assert sum(1 for r in rows if r["significance"]) == 1
    # 15 released minutes at a GP practice at GBP 33 / 10 min (table 2026.2: PSSRU/CHE
    # Unit Costs 2024 Manual, Table 9.4.2) = 49.50 (on table 2026.1: 42.31, in
    # tests/test_export_unit_costs.py)
    assert [r["cost_avoided"] for r in rows if r["cost_avoided"]] == ["49.50"]
    assert sorted(r["qs120_days"] for r in rows if r["qs120_days"]) == ["16", "4"]


def test_small_number_suppression_stays_an_option_of_the_writer(app):
    from rxlog.export.month_data import collect
    from rxlog.export.pdf_writer import PdfOptions, write_pdf
    from rxlog.export.unit_costs import load_unit_costs

    data = collect(app, "2026-10", load_unit_costs())
    opts = {"signed_on": TODAY, "fingerprint": "ab" * 32, "base_name": "x"}
    exact = write_pdf(data, PdfOptions(**opts))
    hidden = write_pdf(data, PdfOptions(**opts, suppress_small_counts=True))
    texts = []
    for pdf in (exact, hidden):
        texts.append(pdf_text(pdf))
    assert "<5" not in texts[0] and "<5" in texts[1]


@pytest.mark.slow
def test_eml_draft_is_an_unsent_message_to_the_lead(app, tmp_path):
    res = _export(app, tmp_path / "out")
    msg = email.message_from_bytes(res.eml.read_bytes(), policy=email.policy.default)
    assert msg["X-Unsent"] == "1"
    assert msg["To"] == "lead@nhs.net"
    assert (
        msg["Subject"] == f"RxLog return G82001 GPhC 5012345 {app.installation().short} 2026-10 v1"
    )
    attached = {p.get_filename(): p.get_payload(decode=True) for p in msg.iter_attachments()}
    assert attached == {p.name: p.read_bytes() for p in (res.csv, res.pdf, res.manifest)}


@pytest.mark.parametrize(
    ("month", "message"),
    [("2026-08", "no entries"), ("2027-01", "in the future"), ("2026-13", "not a month")],
)
def test_bad_month_writes_and_locks_nothing(app, tmp_path, month, message):
    with pytest.raises(ValidationError, match=message):
        _export(app, tmp_path / "out", month=month)
    assert not any((tmp_path / "out").iterdir())


def test_unwritable_or_missing_folder(app, tmp_path):
    with pytest.raises(StorageError, match="does not exist"):
        export_month(app, "2026-10", ExportOptions(tmp_path / "nope" / "deeper"))
    assert not (tmp_path / "nope").exists()
    (tmp_path / "file").write_text("x")
    with pytest.raises(StorageError):
        export_month(app, "2026-10", ExportOptions(tmp_path / "file"))
    assert not _locked(app, "2026-10")


@pytest.mark.slow
def test_a_missing_output_folder_is_created_when_its_parent_exists(app, tmp_path):
    result = export_month(app, "2026-10", ExportOptions(tmp_path / "returns"))
    assert result.csv.parent == tmp_path / "returns" and result.csv.is_file()
    assert _locked(app, "2026-10")


@pytest.mark.slow
def test_missing_corrupt_or_locked_key(app, data_dir, tmp_path):
    paths = keys.key_paths(data_dir)
    good = paths.signing_key.read_bytes()
    paths.signing_key.write_bytes(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    with pytest.raises(RxlogError, match="damaged"):
        _export(app, tmp_path / "out")
    paths.signing_key.unlink()
    with pytest.raises(RxlogError, match="no signing key"):
        _export(app, tmp_path / "out")
    paths.signing_key.write_bytes(good)
    shutil.rmtree(paths.folder)
    keys.create_keys(data_dir, "Alex Morgan", "5012345", passphrase="correct horse")
    if sys.platform == "win32":  # mode bits mean nothing on Windows: the ACL does
        assert privacy.who_else(paths.signing_key) == privacy.who_else(paths.pdf_key) == []
    else:
        assert oct(paths.signing_key.stat().st_mode & 0o777) == "0o600"
        assert oct(paths.pdf_key.stat().st_mode & 0o777) == "0o600"
    with pytest.raises(RxlogError, match="protected by a passphrase"):
        _export(app, tmp_path / "out")
    with pytest.raises(RxlogError, match="wrong passphrase"):
        _export(app, tmp_path / "out", passphrase="wrong")
    assert not any((tmp_path / "out").iterdir())
    assert not _locked(app, "2026-10")
    res = _export(app, tmp_path / "out", passphrase="correct horse")
    assert verify_return(find_returns([res.folder])[0]).version == 1


@pytest.mark.slow
def test_failed_database_step_removes_the_files(app, tmp_path):
    # A real constraint failure in the sign-off transaction: a stale record of v1.
    with app.db.transaction() as s:
        s.add(MonthLock(month="2026-10", version=0, locked=0))
        s.add(ReturnRecord(return_id="5012345-2026-10", month="2026-10", version=1,
                           exported_at="x", out_dir="x", manifest="{}"))  # fmt: skip
    with pytest.raises(Exception):  # noqa: B017 - an IntegrityError: a bug, not user input
        _export(app, tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []
    assert not _locked(app, "2026-10")


def test_existing_files_are_never_overwritten(app, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    mine = out / f"rxlog_G82001_GPhC5012345_{app.installation().short}_2026-10_v1.pdf"
    mine.write_bytes(b"mine")
    with pytest.raises(StorageError, match="already exists"):
        _export(app, out)
    assert mine.read_bytes() == b"mine"
    assert len(list(out.iterdir())) == 1 and not _locked(app, "2026-10")


def test_month_check_lists_what_would_weaken_the_return(app):
    from datetime import UTC, datetime

    from rxlog.timers import TimerStore

    app.log(EntryInput("INT-OMIT", date(2026, 10, 29), minutes=5, count=1))
    app.log(EntryInput("REC-DIS", date(2026, 10, 29), minutes=5, count=1))
    TimerStore(app.setting, app.set_setting).start(
        "REP-MGMT", datetime(2026, 10, 30, 9, 0, tzinfo=UTC)
    )
    result = check_month(app, "2026-10")
    kinds = {f.kind: f for f in result.findings}
    assert {"gaps", "ungraded", "qs120_undated", "timer"} <= set(kinds)
    # Mon-Fri in the placement with nothing logged: 1-2 Oct, 30-31 Oct (5-7 and 28-29 logged).
    assert kinds["gaps"].dates == ("2026-10-01", "2026-10-02", "2026-10-30")
    assert len(kinds["ungraded"].entry_ids) == 1 and "INT-OMIT" in kinds["ungraded"].message
    assert result.can_export and result.next_version == 1
    assert json.loads(json.dumps(result.to_dict()))["month"] == "2026-10"
    future = check_month(app, "2027-02")
    assert not future.can_export and {"future", "empty"} <= {f.kind for f in future.findings}


@pytest.mark.slow
def test_manifest_lists_hashes_of_the_files_it_signs(app, tmp_path):
    res = _export(app, tmp_path / "out")
    doc = json.loads(res.manifest.read_text("utf-8"))
    for p in (res.csv, res.pdf):
        assert (
            doc["manifest"]["files"][p.name]["sha256"] == hashlib.sha256(p.read_bytes()).hexdigest()
        )
    assert doc["signature"]["alg"] == "Ed25519"
    assert doc["manifest"]["sites"][0]["ods"] == "G82001"


def test_an_email_alone_is_verified_from_its_attachments(app, tmp_path):
    res = _export(app, tmp_path / "out")
    alone = tmp_path / "inbox"
    alone.mkdir()
    shutil.copy2(res.eml, alone / res.eml.name)
    (rf,) = find_returns([alone / res.eml.name])
    v = verify_return(rf, check_pdf_signature=True)
    assert (v.version, v.month, v.files.eml) == (1, "2026-10", alone / res.eml.name)
    msg = email.message_from_bytes(res.eml.read_bytes(), policy=email.policy.default)
    pdf_part = next(p for p in msg.iter_attachments() if p.get_filename().endswith(".pdf"))
    pdf_part.set_content(b"%PDF-1.7 forged", maintype="application", subtype="pdf",
                         filename=res.pdf.name)  # fmt: skip
    (alone / res.eml.name).write_bytes(msg.as_bytes())
    with pytest.raises(ReturnVerificationError, match=f"file changed: {res.pdf.name}"):
        verify_return(rf)


@pytest.mark.slow
def test_names_beyond_western_european_print_in_the_pdf(tmp_path):
    data = tmp_path / "d"
    a = RxLog.open(data, today=lambda: TODAY)
    try:
        a.setup("Łukasz Nguyễn", "5012345")
        a.add_placement("G82001", "Łódź Road Surgery", "primary", date(2026, 10, 1), None)
        keys.create_keys(data, "Łukasz Nguyễn", "5012345")
        a.log(EntryInput("REP-MGMT", date(2026, 10, 5), minutes=30, count=2))
        res = _export(a, tmp_path / "out")
    finally:
        a.close()
    text = pdf_text(res.pdf)
    assert "Łukasz Nguyễn" in text and "Łódź Road Surgery" in text


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("pdfsig") is None,
    reason="an independent PDF reader's view: poppler's pdfsig (Linux); RxLog's own check of "
    "the signature runs everywhere (verify_return with check_pdf_signature)",
)
def test_a_pdf_reader_sees_the_signature(app, tmp_path):
    res = _export(app, tmp_path / "out")
    report = subprocess.run(["pdfsig", str(res.pdf)], capture_output=True, text=True).stdout
    assert "Signature is Valid" in report and "Total document signed" in report
    assert "Alex Morgan" in report and "ETSI.CAdES.detached" in report
    changed = bytearray(res.pdf.read_bytes())
    changed[len(changed) // 4] ^= 0x01
    (tmp_path / "changed.pdf").write_bytes(bytes(changed))
    report = subprocess.run(
        ["pdfsig", str(tmp_path / "changed.pdf")], capture_output=True, text=True
    ).stdout
    assert "Signature is Valid" not in report
