"""Defects found by using RxLog through the CLI as a technician would (QA walk-through).

Each test drives the real CLI on a real data folder and checks what a technician sees
(exit code, the field named on stderr, no traceback) and that nothing was written.
"""

from __future__ import annotations

import email
import email.policy
import json
import shutil

import pytest
from pdftext import pdf_text

NHS_NUMBER_3_3_4 = "943 476 5919"  # valid Modulus 11 (domain.md)


@pytest.fixture
def tech(cli):
    """A technician at a GP practice in October 2026 (today is 2026-11-20)."""
    for args in (
        ("setup", "--name", "Alex Morgan", "--gphc", "5012345"),
        ("placement", "add", "G82001", "--name", "Test Surgery", "--sector", "primary",
         "--from", "2026-10-01", "--to", "2026-10-31"),
        ("log", "REP-MGMT", "--date", "2026-10-05", "--minutes", "30", "--count", "4"),
    ):  # fmt: skip
        r = cli(*args)
        assert r.code == 0, r.err
    return cli


def _snapshot(cli) -> tuple[str, str, str]:
    return (
        cli("list", "--format", "json").out,
        cli("audit", "--format", "json").out,
        cli("placement", "list", "--format", "json").out,
    )


def _bad_input(cli, args: tuple[str, ...], field: str) -> str:
    before = _snapshot(cli)
    r = cli(*args)
    assert r.code == 2, (args, r.code, r.out, r.err)
    assert "Traceback" not in r.err
    assert f"rxlog: {field}:" in r.err, (args, r.err)
    assert _snapshot(cli) == before
    return r.err


# -- reopen reason: it goes into the signed manifest and the PDF, so no PID ------------
@pytest.mark.slow
def test_reopen_reason_with_an_nhs_number_is_refused(tech, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    assert tech("export", "2026-10", "--out", str(out)).code == 0
    before = tech("month", "returns", "--format", "json").out
    err = _bad_input(
        tech,
        ("month", "reopen", "2026-10", "--reason", f"added patient {NHS_NUMBER_3_3_4}"),
        "reason",
    )
    assert "NHS number" in err
    # still signed off: logging into it is refused, and no new return was recorded
    assert tech("log", "REP-MGMT", "--date", "2026-10-06").code == 2
    assert tech("month", "returns", "--format", "json").out == before


@pytest.mark.slow
def test_reopen_reason_has_a_length_limit(tech, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    assert tech("export", "2026-10", "--out", str(out)).code == 0
    _bad_input(tech, ("month", "reopen", "2026-10", "--reason", "x" * 2001), "reason")


@pytest.mark.slow
def test_site_name_with_an_nhs_number_or_too_long_is_refused(tech):
    for name in (f"Surgery {NHS_NUMBER_3_3_4}", "S" * 201):
        _bad_input(
            tech,
            ("placement", "add", "G82002", "--name", name, "--sector", "primary",
             "--from", "2026-12-01"),
            "name",
        )  # fmt: skip


def test_export_refuses_text_with_an_nhs_number_that_would_leave_the_pc(tech, data_dir, tmp_path):
    # A reopen reason stored before the check existed (or written by another tool).
    from rxlog.service import RxLog
    from rxlog.storage.models import MonthLock

    out = tmp_path / "out"
    out.mkdir()
    assert tech("export", "2026-10", "--out", str(out)).code == 0
    app = RxLog.open(data_dir)
    with app.db.transaction() as s:
        lock = s.get(MonthLock, "2026-10")
        lock.locked = 0
        lock.reopen_reason = f"for {NHS_NUMBER_3_3_4}"
    app.close()
    files = sorted(p.name for p in out.iterdir())
    r = tech("export", "2026-10", "--out", str(out))
    assert r.code == 2 and "NHS number" in r.err and "Traceback" not in r.err
    assert sorted(p.name for p in out.iterdir()) == files


# -- what a technician types ------------------------------------------------------------
@pytest.mark.parametrize("value", ["20261005", "2026-W41-1", "2026-10-05T10:00", " 2026-10-5"])
def test_dates_must_be_written_yyyy_mm_dd(tech, value):
    _bad_input(tech, ("log", "REP-MGMT", "--date", value), "date")


@pytest.mark.slow
@pytest.mark.parametrize("value", ["1_0", "３０", "٣٠", "+-3"])
def test_whole_numbers_are_plain_digits(tech, value):
    _bad_input(tech, ("log", "REP-MGMT", "--date", "2026-10-06", "--minutes", value), "minutes")


def test_whole_numbers_may_have_spaces_around_them(tech):
    r = tech("log", "REP-MGMT", "--date", "2026-10-06", "--minutes", " 25 ")
    assert r.code == 0, r.err
    entry = json.loads(tech("list", "--date", "2026-10-06", "--format", "json").out)[0]
    assert entry["minutes"] == 25


def test_a_bad_site_is_reported_against_the_site_option(tech):
    err = _bad_input(
        tech, ("log", "REP-MGMT", "--date", "2026-10-06", "--site", "=HYPERLINK(1)"), "site"
    )
    assert "ODS" in err


@pytest.mark.parametrize("dest", ["", "."])
def test_key_export_to_no_file_name_is_bad_input(tech, dest, tmp_path, monkeypatch):
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    r = tech("key", "export", dest)
    assert r.code == 2, r.err
    assert "Traceback" not in r.err and "rxlog: file:" in r.err
    assert list(here.iterdir()) == []


def test_key_export_to_a_folder_is_bad_input(tech, tmp_path):
    folder = tmp_path / "keys-for-lead"
    folder.mkdir()
    r = tech("key", "export", str(folder))
    assert r.code == 2 and "Traceback" not in r.err and "rxlog: file:" in r.err
    assert list(folder.iterdir()) == []


# -- the PDF: the technician's own exact counts ---------------------------------------------
def test_the_technicians_pdf_shows_their_own_exact_counts(tech, tmp_path):
    for day, received in (("2026-10-06", "2026-10-02"), ("2026-10-07", "2026-10-01"),
                          ("2026-10-08", "2026-09-20")):  # fmt: skip
        r = tech("log", "REC-DIS", "--date", day, "--discharge-received", received)
        assert r.code == 0, r.err
    out = tmp_path / "out"
    out.mkdir()
    assert tech("export", "2026-10", "--out", str(out)).code == 0
    pdf = next(out.glob("*.pdf"))
    text = pdf_text(str(pdf), layout=True)
    section = text[text.index("Reconciliations after discharge") :]
    section = section[: section.index("Days without entries")]
    total_line = next(ln for ln in section.splitlines() if "All reconciliations" in ln)
    assert total_line.split()[-1] == "3", total_line  # suppression is for what the lead publishes
    assert "67% within 7 days" in section  # 2 of 3
    assert "<5" not in text and "These are your exact counts" in text
    assert "NICE quality standard 120" in section and "QS120" not in text
    # the CSV keeps the exact figures
    csv_text = next(out.glob("*.csv")).read_text("utf-8-sig")
    assert csv_text.count("REC-DIS") == 3


def test_key_figure_for_a_large_cost_avoided_stays_on_one_line(tech, tmp_path):
    for day in ("2026-10-06", "2026-10-07", "2026-10-08"):
        r = tech("log", "INT-PRESC", "--date", day, "--significance", "4", "--harm", "B",
                 "--released-minutes", "720", "--outcome", "accepted")  # fmt: skip
        assert r.code == 0, r.err
    out = tmp_path / "out"
    out.mkdir()
    assert tech("export", "2026-10", "--out", str(out)).code == 0
    manifest = json.loads(next(out.glob("*.manifest.json")).read_text("utf-8"))
    total = float(manifest["manifest"]["totals"]["cost_avoided"])
    assert total > 1000  # four digits of pounds: the case that wrapped
    cost = f"£{total:,.2f}"
    text = pdf_text(str(next(out.glob("*.pdf"))), layout=True, last_page=1)
    key_figures = text[: text.index("Activity by category")]
    assert cost in key_figures, key_figures


def test_month_returns_refuses_a_month_that_is_not_one(tech):
    _bad_input(tech, ("month", "returns", "2026-13"), "month")
    r = tech("month", "returns", "2026-10")
    assert r.code == 0 and "no returns written yet for 2026-10" in r.out


def test_no_empty_significance_table_when_interventions_carry_only_a_harm_grade(tech, tmp_path):
    r = tech("log", "INT-PRESC", "--date", "2026-10-06", "--harm", "B")
    assert r.code == 0, r.err
    out = tmp_path / "out"
    out.mkdir()
    assert tech("export", "2026-10", "--out", str(out)).code == 0
    text = pdf_text(str(next(out.glob("*.pdf"))), layout=True)
    section = text[text.index("Interventions") : text.index("Clinician time released")]
    assert "Potential harm" in section and "B: Error occurred" in section
    assert "Significance (" not in section, section


@pytest.mark.slow
@pytest.mark.parametrize("text", ["Bart\tSmith", "why\x1b]0;title\x07", "Line1\nLine2", "a\u202eb"])
def test_control_characters_are_refused_in_text_printed_in_the_return(tech, tmp_path, text):
    _bad_input(tech, ("setup", "--name", text, "--gphc", "5012345"), "name")
    _bad_input(
        tech,
        ("placement", "add", "G82002", "--name", text, "--sector", "primary",
         "--from", "2026-12-01"),
        "name",
    )  # fmt: skip
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    if not list(out.iterdir()):
        assert tech("export", "2026-10", "--out", str(out)).code == 0
    _bad_input(tech, ("month", "reopen", "2026-10", "--reason", text), "reason")


def test_month_check_says_which_grade_an_intervention_lacks(tech):
    for args in (("--significance", "3"), ("--harm", "B"), ()):
        assert tech("log", "INT-PRESC", "--date", "2026-10-06", *args).code == 0
    r = tech("month", "check", "2026-10")
    line = next(ln for ln in r.out.splitlines() if "harm grade" in ln)
    assert "3 interventions" in line
    assert "no harm" in line and "no significance" in line and "no grades" in line, line


def test_pdf_counts_the_outcome_of_interventions_that_have_no_grade(tech, tmp_path):
    for _ in range(6):
        r = tech("log", "INT-PRESC", "--date", "2026-10-06", "--outcome", "accepted")
        assert r.code == 0, r.err
    out = tmp_path / "out"
    out.mkdir()
    assert tech("export", "2026-10", "--out", str(out)).code == 0
    text = pdf_text(str(next(out.glob("*.pdf"))), layout=True)
    section = text[text.index("Interventions") : text.index("Clinician time released")]
    assert "No graded interventions were recorded" not in section, section
    accepted = next(ln for ln in section.splitlines() if ln.strip().startswith("Accepted"))
    assert accepted.split()[-1] == "6", section


@pytest.mark.parametrize(
    ("args", "field"),
    [(("--name", "A", "--gphc", "123"), "gphc"), (("--name", " ", "--gphc", "5012345"), "name")],
)
def test_setup_with_bad_input_creates_no_data_folder(cli, data_dir, args, field):
    r = cli("setup", *args)
    assert r.code == 2 and f"rxlog: {field}:" in r.err
    assert not data_dir.exists()


@pytest.mark.parametrize("received", ["2025-10-05", "0001-01-01"])
def test_a_discharge_date_over_a_year_before_the_reconciliation_is_refused(tech, received):
    err = _bad_input(
        tech, ("log", "REC-DIS", "--date", "2026-10-06", "--discharge-received", received),
        "discharge_received",
    )  # fmt: skip
    assert "year" in err
    r = tech("log", "REC-DIS", "--date", "2026-10-06", "--discharge-received", "2025-10-06")
    assert r.code == 0, r.err  # exactly 365 days: unusual, but possible


def test_moving_an_entry_to_another_placement_moves_its_default_site(cli):
    for args in (
        ("setup", "--name", "Alex Morgan", "--gphc", "5012345"),
        ("placement", "add", "G82001", "--name", "GP", "--sector", "primary",
         "--from", "2026-11-02", "--to", "2026-11-13"),
        ("placement", "add", "RPA", "--name", "Trust", "--sector", "secondary",
         "--from", "2026-11-16"),
    ):  # fmt: skip
        assert cli(*args).code == 0
    default = cli("log", "QRY-PAT", "--date", "2026-11-10").out.strip()
    chosen = cli("log", "QRY-PAT", "--date", "2026-11-17", "--site", "G82001").out.strip()
    assert cli("edit", default, "--reason", "wrong day", "--date", "2026-11-18").code == 0
    assert cli("edit", chosen, "--reason", "wrong day", "--date", "2026-11-19").code == 0
    got = {e["id"]: e for e in json.loads(cli("list", "--format", "json").out)}
    # logged with the placement's site: follows the date to the trust
    assert (got[default]["site"], got[default]["sector"]) == ("RPA", "secondary")
    # logged for a site the technician chose: stays that site
    assert (got[chosen]["site"], got[chosen]["sector"]) == ("G82001", "primary")


def test_verify_finds_returns_saved_as_e_mails_in_a_folder(tech, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    assert tech("export", "2026-10", "--out", str(out)).code == 0
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    eml = next(out.glob("*.eml"))
    # as the lead saves them: under the draft's name, or under its subject (Outlook)
    shutil.copy(eml, inbox / eml.name)
    shutil.copy(eml, inbox / "RxLog return G82001 2026-10 v1.eml")
    r = tech("verify", str(inbox))
    assert r.code == 0, r.err
    assert r.out.count("genuine") == 2 and "version 1" in r.out
    # an e-mail that is not a return is left alone; a changed return is caught
    (inbox / "notes.eml").write_bytes(b"Subject: hello\r\n\r\nnot a return\r\n")
    assert tech("verify", str(inbox)).code == 0
    msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    for part in msg.iter_attachments():
        name = part.get_filename()
        if name.endswith(".csv"):
            data = part.get_payload(decode=True).replace(b",4,items,", b",5,items,")
            assert b",5,items," in data
            part.set_content(data, maintype="text", subtype="csv", filename=name)
    (inbox / "changed.eml").write_bytes(msg.as_bytes())
    r = tech("verify", str(inbox))
    assert r.code == 1 and "NOT GENUINE" in r.err and "file changed" in r.err, r.err


def test_list_with_a_code_that_does_not_exist_says_so(tech):
    err = _bad_input(tech, ("list", "--code", "REP-MGNT"), "code")
    assert "rxlog taxonomy" in err
    r = tech("list", "--code", "rep-mgmt", "--format", "json")
    assert r.code == 0 and len(json.loads(r.out)) == 1


@pytest.mark.parametrize("limit", ["0", "-1"])
def test_audit_limit_must_be_positive(tech, limit):
    r = tech("audit", "--limit", limit)
    assert r.code == 2 and "limit" in r.err and "Traceback" not in r.err


@pytest.mark.parametrize("ods", ["G８２００２", "U١٢٣٤٥"])
def test_ods_codes_take_only_ascii_digits(tech, ods):
    _bad_input(
        tech,
        ("placement", "add", ods, "--name", "X", "--sector", "primary", "--from", "2026-12-01"),
        "ods",
    )


def test_gphc_number_takes_only_ascii_digits(cli, data_dir):
    r = cli("setup", "--name", "A", "--gphc", "5١٢٣٤٥٦")
    assert r.code == 2 and "rxlog: gphc:" in r.err
    assert not data_dir.exists()


def test_lead_email_must_be_plain_ascii(tech):
    # a non-ASCII local part was written as an encoded word (=?utf-8?q?...?=@nhs.net),
    # which is not an address an e-mail program can send to
    _bad_input(tech, ("config", "set", "lead-email", "léad@nhs.net"), "lead-email")
    assert tech("config", "set", "lead-email", "lead@nhs.net").code == 0
