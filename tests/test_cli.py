"""The CLI contract: names, options, JSON keys, exit codes, and every refusal."""

import json
import sqlite3

import pytest
from conftest import TODAY, run_cli


def db_state(data_dir):
    """Every row of every table, to show a refused command changed nothing."""
    con = sqlite3.connect(data_dir / "rxlog.sqlite3")
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: sorted(map(repr, con.execute(f"SELECT * FROM {t}"))) for t in tables}
    finally:
        con.close()


@pytest.fixture
def ready(cli):
    assert cli("setup", "--name", "Alex Morgan", "--gphc", "5012345").code == 0
    r = cli("placement", "add", "G82001", "--name", "Test Surgery", "--sector", "primary",
            "--from", "2026-09-01", "--to", "2026-10-31")  # fmt: skip
    assert r.code == 0, r.err
    r = cli("placement", "add", "RPA", "--name", "Medway NHS FT", "--sector", "secondary",
            "--from", "2026-11-01")  # fmt: skip
    assert r.code == 0, r.err
    assert cli("phase", "add", "baseline", "--from", "2026-09-01", "--to", "2026-09-30").code == 0
    assert cli("phase", "add", "pilot", "--from", "2026-10-01").code == 0
    return cli


def test_log_prints_the_id_and_list_json_has_the_contract_keys(ready, data_dir):
    r = ready("log", "REC-DIS", "--date", "2026-10-05", "--minutes", "25", "--count", "2",
              "--discharge-received", "2026-10-01", "--note", "called the ward")  # fmt: skip
    assert r.code == 0, r.err
    entry_id = r.out.strip()
    assert len(entry_id) == 36
    r2 = ready("log", "INT-PRESC", "--significance", "4", "--harm", "b",
               "--released-minutes", "15", "--outcome", "accepted")  # fmt: skip
    assert r2.code == 0, r2.err
    rows = json.loads(ready("list", "--format", "json").out)
    assert [r["id"] for r in rows] == [entry_id, r2.out.strip()]
    for key in ("id", "date", "code", "taxonomy_version", "site", "sector", "phase", "minutes",
                "count", "significance", "harm", "released_minutes", "outcome"):  # fmt: skip
        assert key in rows[0]
    first, second = rows
    assert (first["date"], first["site"], first["sector"], first["phase"]) == (
        "2026-10-05", "G82001", "primary", "pilot")  # fmt: skip
    assert (first["minutes"], first["count"], first["discharge_received"]) == (25, 2, "2026-10-01")
    assert (second["date"], second["site"], second["sector"]) == (
        TODAY.isoformat(), "RPA", "secondary")  # fmt: skip
    assert (second["significance"], second["harm"], second["outcome"]) == (4, "B", "accepted")
    assert second["minutes"] == 10 and second["count"] == 1  # the code's defaults
    # the same rows as CSV and filtered by month / date
    csv_out = ready("list", "--month", "2026-10", "--format", "csv").out.splitlines()
    assert csv_out[0].startswith("id,date,code") and len(csv_out) == 2
    assert entry_id in csv_out[1]
    assert len(json.loads(ready("list", "--date", TODAY.isoformat(), "--format", "json").out)) == 1
    table = ready("list").out
    assert "REC-DIS" in table and "2 entries, 35 minutes" in table


@pytest.mark.slow
def test_note_with_an_nhs_number_is_kept_but_warned_about(ready):
    r = ready("log", "QRY-PAT", "--note", "pt 943 476 5919 rang")
    assert r.code == 0
    assert "NHS number" in r.err
    rows = json.loads(ready("list", "--format", "json").out)
    assert rows[0]["note"] == "pt 943 476 5919 rang"


REFUSALS = [
    (("log", "NOPE-1"), "code", "not a code"),
    (("log", "QRY-PAT", "--date", "2026-11-21"), "date", "in the future"),
    (("log", "QRY-PAT", "--date", "2026-08-31"), "date", "no placement covers"),
    (("log", "QRY-PAT", "--date", "2026-13-01"), "date", "not a date"),
    (("log", "QRY-PAT", "--minutes", "0"), "minutes", "1 to 720"),
    (("log", "QRY-PAT", "--minutes", "721"), "minutes", "1 to 720"),
    (("log", "QRY-PAT", "--minutes", "ten"), "minutes", "not a whole number"),
    (("log", "QRY-PAT", "--count", "-1"), "count", "negative"),
    (("log", "ADM-MEET", "--count", "3"), "count", "counts nothing"),
    (("log", "INT-PRESC", "--significance", "7"), "significance", "Eadon"),
    (("log", "INT-PRESC", "--significance", "0"), "significance", "Eadon"),
    (("log", "INT-PRESC", "--harm", "J"), "harm", "NCC MERP"),
    (("log", "INT-PRESC", "--outcome", "maybe"), "outcome", "accepted, declined, pending"),
    (("log", "QRY-PAT", "--significance", "3"), "significance", "not an intervention"),
    (("log", "QRY-PAT", "--harm", "A"), "harm", "not an intervention"),
    (("log", "QRY-PAT", "--released-minutes", "5"), "released_minutes", "not an intervention"),
    (("log", "REC-DIS", "--date", "2026-10-05", "--discharge-received", "2026-10-06"),
     "discharge_received", "after the entry's date"),
    (("log", "QRY-PAT", "--discharge-received", "2026-11-01"), "discharge_received",
     "does not take"),
    (("log", "REC-ADM", "--date", "2026-10-05"), "code", "secondary-care activity"),
    (("log", "QRY-PAT", "--site", "G8200"), "site", "not an ODS site code"),
    (("log", "QRY-PAT", "--site", "Y01234"), "site", "not one of your placements"),
    (("placement", "add", "G8200", "--name", "x", "--sector", "primary"), "ods", "ODS"),
    (("placement", "add", "U12345", "--name", "PCN", "--sector", "primary", "--from",
      "2026-10-15", "--to", "2026-11-15"), "from", "overlaps the placement at G82001"),
    (("placement", "add", "U12345", "--name", "PCN", "--sector", "primary", "--from",
      "2026-08-01", "--to", "2026-07-01"), "to", "ends"),
    (("setup", "--name", "Someone Else", "--gphc", "5999999"), "gphc", "belongs to Alex Morgan"),
    (("setup", "--name", "Alex", "--gphc", "512345"), "gphc", "7 digits"),
    (("edit", "00000000-0000-4000-8000-000000000000", "--reason", "x", "--minutes", "5"), "id",
     "no entry"),
    (("delete", "00000000-0000-4000-8000-000000000000", "--reason", "x"), "id", "no entry"),
    (("phase", "add", "pilot", "--from", "2026-09-15"), "from", "overlaps the baseline phase"),
    (("list", "--month", "2026-13"), "month", "not a month"),
]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize(("args", "field", "words"), REFUSALS, ids=lambda v: str(v)[:40])
def test_bad_input_exits_2_names_the_field_and_writes_nothing(ready, data_dir, args, field, words):
    ready("log", "QRY-PAT", "--date", "2026-10-01")
    before = db_state(data_dir)
    r = ready(*args)
    assert r.code == 2, (r.out, r.err)
    assert f"rxlog: {field}: " in r.err and words in r.err, r.err
    assert r.out == ""
    assert db_state(data_dir) == before


@pytest.mark.slow
def test_a_day_cannot_pass_24_hours(ready, data_dir):
    for _ in range(2):
        assert ready("log", "ADM-ADMIN", "--minutes", "700", "--date", "2026-10-01").code == 0
    before = db_state(data_dir)
    r = ready("log", "ADM-ADMIN", "--minutes", "41", "--date", "2026-10-01")
    assert r.code == 2 and "1400 minutes logged; 41 more would pass 24 hours" in r.err
    assert db_state(data_dir) == before
    assert ready("log", "ADM-ADMIN", "--minutes", "40", "--date", "2026-10-01").code == 0


@pytest.mark.slow
def test_edit_and_delete_need_a_reason(ready, data_dir):
    entry_id = ready("log", "QRY-PAT").out.strip()
    before = db_state(data_dir)
    for args in (("edit", entry_id, "--minutes", "5"), ("delete", entry_id)):
        r = ready(*args)
        assert r.code == 2 and "--reason" in r.err
    for args in (("edit", entry_id, "--reason", " ", "--minutes", "5"),
                 ("delete", entry_id, "--reason", "")):  # fmt: skip
        r = ready(*args)
        assert r.code == 2 and "reason: a reason is required" in r.err
    assert db_state(data_dir) == before


@pytest.mark.slow
def test_edit_delete_by_id_prefix_and_the_audit_trail_keeps_reasons(ready):
    entry_id = ready("log", "INT-OMIT", "--significance", "3").out.strip()
    r = ready("edit", entry_id[:8], "--reason", "was worse", "--significance", "5",
              "--harm", "D", "--code", "INT-PRESC")  # fmt: skip
    assert r.code == 0, r.err
    row = json.loads(ready("list", "--format", "json").out)[0]
    assert (row["code"], row["significance"], row["harm"]) == ("INT-PRESC", 5, "D")
    r = ready("edit", entry_id, "--reason", "not graded yet", "--clear", "harm")
    assert r.code == 0 and json.loads(ready("list", "--format", "json").out)[0]["harm"] is None
    assert ready("delete", entry_id, "--reason", "duplicate").code == 0
    assert json.loads(ready("list", "--format", "json").out) == []
    records = json.loads(ready("audit", "--format", "json").out)
    assert [(r["action"], r["reason"]) for r in records] == [
        ("create", None), ("update", "was worse"), ("update", "not graded yet"),
        ("delete", "duplicate")]  # fmt: skip
    assert all(r["technician"] == "5012345" and r["os_user"] for r in records)
    r = ready("audit", "--verify")
    assert r.code == 0 and "4 records" in r.out


def test_taxonomy_json_contract(cli):
    doc = json.loads(cli("taxonomy", "--format", "json").out)
    assert doc["version"] == "2026.1"
    assert len(doc["codes"]) >= 35
    for c in doc["codes"]:
        assert {"code", "title", "category", "sectors", "intervention", "needs_discharge_date",
                "retired", "snomed"} <= set(c)  # fmt: skip
        assert set(c["sectors"]) <= {"primary", "secondary"} and c["sectors"]
        assert isinstance(c["intervention"], bool) and isinstance(c["retired"], bool)
        assert c["snomed"] is None or c["snomed"].isdigit()
    assert "REC-DIS" in cli("taxonomy").out


@pytest.mark.slow
def test_demo_fills_an_empty_folder_reproducibly_and_refuses_a_used_one(cli, tmp_path):
    r = cli("demo", "--months", "2")
    assert r.code == 0, r.err
    rows = json.loads(cli("list", "--format", "json").out)
    assert len(rows) > 100
    assert {r["sector"] for r in rows} == {"primary", "secondary"}
    assert {r["phase"] for r in rows} == {"baseline", "pilot"}
    assert any(r["significance"] for r in rows)
    assert cli("audit", "--verify").code == 0
    assert cli("key", "show").code == 0  # a demo installation can export at once
    places = json.loads(cli("placement", "list", "--format", "json").out)
    assert {p["sector"] for p in places} == {"primary", "secondary"}
    # same seed and month: the same data in another folder
    other = tmp_path / "other"
    assert run_cli(other, "demo", "--months", "2").code == 0
    again = json.loads(run_cli(other, "list", "--format", "json").out)

    def stable(rs):
        return [{k: v for k, v in r.items() if k not in ("created_at", "updated_at")} for r in rs]

    assert stable(again) == stable(rows)
    r = cli("demo")
    assert r.code == 2 and "already holds data" in r.err


def test_a_folder_with_no_installation_is_refused_not_created(cli, data_dir):
    for args in (("list",), ("log", "QRY-PAT"), ("audit", "--verify"), ("placement", "list")):
        r = cli(*args)
        assert r.code == 2 and "no RxLog data in" in r.err, (args, r.err)
    assert not data_dir.exists()


def test_usage_errors_exit_2(cli):
    assert cli().code == 2
    assert cli("log").code == 2
    assert cli("list", "--month", "2026-10", "--date", "2026-10-01").code == 2
    assert cli("log", "QRY-PAT").code == 2  # not set up yet
    r = cli("placement", "add", "G82001", "--name", "x", "--sector", "primary")
    assert r.code == 2 and "set up the technician first" in r.err


def test_data_dir_from_environment(monkeypatch, tmp_path):
    import contextlib
    import io

    from rxlog.cli import main

    monkeypatch.setenv("RXLOG_DATA_DIR", str(tmp_path / "env-dir"))
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["setup", "--name", "Env User", "--gphc", "5111111"]) == 0
    assert (tmp_path / "env-dir" / "rxlog.sqlite3").exists()


@pytest.mark.slow
def test_entry_point_runs_as_a_real_process(tmp_path):
    import os
    import subprocess
    import sys

    env = dict(os.environ, RXLOG_DATA_DIR=str(tmp_path / "d"))
    r = subprocess.run([sys.executable, "-m", "rxlog", "setup", "--name", "P", "--gphc", "512"],
                       capture_output=True, text=True, env=env)  # fmt: skip
    assert r.returncode == 2 and "gphc" in r.stderr
    assert "Traceback" not in r.stderr
