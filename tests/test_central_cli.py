"""``rxlog central`` end to end, on returns made by the real export of three real
installations (``rxlog setup``/``log``/``export``/``key export``), as the lead gets them,
into a store on SQLite and on PostgreSQL (``central_url``, tests/central_db.py)."""

from __future__ import annotations

import csv
import json
import shutil

import pytest
from central_db import central_url  # noqa: F401  (fixture: SQLite and PostgreSQL)
from central_db import rows as sql_rows
from conftest import CliResult, run_rxlog
from pdftext import pdf_text

from rxlog.returnformat.csvfile import COLUMNS as EXPORT_COLUMNS

rxlog = run_rxlog  # rxlog ARGS... in this process


TECHS = (
    ("Alex Morgan", "5012345", "G82001", "primary"),
    ("Sam Patel", "5023456", "G82002", "primary"),
    ("Jo Okafor", "5034567", "RPA", "secondary"),
)
ENTRIES = {  # code, date, minutes, extra options
    "primary": [
        ("REP-MGMT", "2026-10-05", "30", ("--count", "4")),
        ("REC-DIS", "2026-10-06", "25", ("--discharge-received", "2026-10-02")),
        (
            "INT-PRESC",
            "2026-10-07",
            "15",
            (
                "--significance",
                "4",
                "--harm",
                "B",
                "--released-minutes",
                "10",
                "--outcome",
                "accepted",
            ),
        ),
    ],
    "secondary": [
        ("REC-ADM", "2026-10-05", "20", ("--count", "1")),
        ("ACU-TTO", "2026-10-06", "35", ()),
        (
            "INT-OMIT",
            "2026-10-08",
            "10",
            (
                "--significance",
                "5",
                "--harm",
                "C",
                "--released-minutes",
                "15",
                "--outcome",
                "accepted",
            ),
        ),
    ],
}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Three installations, each exporting October (made once: the real exports are the
    slow part); each test works on its own copy (``lead``)."""
    root = tmp_path_factory.mktemp("exported")
    with pytest.MonkeyPatch.context() as m:
        m.setenv("RXLOG_TODAY", "2026-11-20")
        _make_installations(root)
    return root


@pytest.fixture
def lead(exported, tmp_path, monkeypatch, central_url):  # noqa: F811
    """The three installations and their returns (a copy), the lead's folder, and the
    store on the backend under test: ``(folder, url)``."""
    monkeypatch.setenv("RXLOG_TODAY", "2026-11-20")
    monkeypatch.setenv("RXLOG_CENTRAL_DIR", str(tmp_path / "lead"))
    shutil.copytree(exported, tmp_path, dirs_exist_ok=True)
    return tmp_path, central_url


def _make_installations(tmp_path):
    inbox = tmp_path / "inbox"
    keys = tmp_path / "keys"
    keys.mkdir()
    for name, gphc, ods, sector in TECHS:
        d = str(tmp_path / f"tech-{gphc}")
        assert rxlog("--data-dir", d, "setup", "--name", name, "--gphc", gphc).code == 0
        r = rxlog(
            "--data-dir",
            d,
            "placement",
            "add",
            ods,
            "--name",
            f"{ods} site",
            "--sector",
            sector,
            "--from",
            "2026-10-01",
            "--to",
            "2026-10-31",
        )
        assert r.code == 0, r.err
        for code, day, minutes, extra in ENTRIES[sector]:
            r = rxlog("--data-dir", d, "log", code, "--date", day, "--minutes", minutes, *extra)
            assert r.code == 0, r.err
        out = inbox / gphc
        out.mkdir(parents=True)
        r = rxlog("--data-dir", d, "export", "2026-10", "--out", str(out))
        assert r.code == 0, r.err
        assert rxlog("--data-dir", d, "key", "export", str(keys / f"{gphc}.pem")).code == 0


def central(url: str, *args: str) -> CliResult:
    """``rxlog central --db URL ARGS...``: the store under test."""
    return rxlog("central", "--db", url, *args)


def entry_totals(url: str) -> tuple:
    (row,) = sql_rows(
        url, "SELECT COUNT(*), SUM(minutes), SUM(released_minutes) FROM central_entry"
    )
    return tuple(int(v) if v is not None else None for v in row)


@pytest.mark.slow
def test_real_returns_from_three_installations_merge_and_report(lead):
    lead, db = lead
    for name, gphc, *_ in TECHS:
        r = central(db, "trust", str(lead / "keys" / f"{gphc}.pem"), "--name", name)
        assert r.code == 0 and "Trusted" in r.out
    r = central(db, "keys")
    assert r.code == 0 and all(t[0] in r.out for t in TECHS)
    # The inbox holds each return's files and its e-mail draft: the draft beside the
    # manifest is checked with its return (its attachments must be the signed files).
    r = central(db, "import", str(lead / "inbox"))
    assert r.code == 0, r.out + r.err
    assert "3 input(s): 3 imported" in r.out and "already present" not in r.out
    manifests = [
        json.loads(p.read_text())["manifest"] for p in (lead / "inbox").rglob("*.manifest.json")
    ]
    assert entry_totals(db) == (
        sum(m["rows"] for m in manifests),
        sum(m["totals"]["minutes"] for m in manifests),
        sum(m["totals"]["released_minutes"] for m in manifests),
    )
    assert entry_totals(db)[0] == 9
    r = central(db, "status")
    assert r.code == 0 and "Alex Morgan (5012345)" in r.out and "v1" in r.out
    r = central(db, "status", "--format", "json")
    assert {row["state"] for row in json.loads(r.out)} == {"received"}

    r = central(db, "export", "--out", str(lead / "export"))
    assert r.code == 0, r.err
    with open(lead / "export" / "rxlog-central-entries.csv", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == list(EXPORT_COLUMNS)  # the return CSV's columns, minutes included
    assert sum(int(r["minutes"]) for r in rows) == entry_totals(db)[1]
    from openpyxl import load_workbook

    wb = load_workbook(lead / "export" / "rxlog-central.xlsx", read_only=True)
    assert wb.sheetnames == [
        "Entries",
        "Returns",
        "Measures",
        "Measure definitions",
        "Data dictionary",
    ]
    assert len(list(wb["Entries"].iter_rows(values_only=True))) == 10
    wb.close()

    r = central(
        db, "report", "--out", str(lead / "report.pdf"), "--from", "2026-10", "--to", "2026-10"
    )
    assert r.code == 0, r.err
    text = pdf_text(str(lead / "report.pdf"))
    assert "3 signed monthly returns" in text.replace("\n", " ")
    assert "<5" in text  # 3 interventions, 9 activities: small numbers suppressed


@pytest.mark.slow
def test_v2_replaces_v1_resend_ignored_tamper_refused_exit_codes(lead):
    lead, db = lead
    for name, gphc, *_ in TECHS:
        central(db, "trust", str(lead / "keys" / f"{gphc}.pem"), "--name", name)
    assert central(db, "import", str(lead / "inbox")).code == 0
    before = entry_totals(db)
    # Alex reopens October, adds a forgotten entry, sends v2.
    d = str(lead / "tech-5012345")
    assert (
        rxlog("--data-dir", d, "month", "reopen", "2026-10", "--reason", "forgot a day").code == 0
    )
    r = rxlog("--data-dir", d, "log", "REP-SYNC", "--date", "2026-10-09", "--minutes", "40")
    assert r.code == 0, r.err
    v2 = lead / "v2"
    v2.mkdir()
    assert rxlog("--data-dir", d, "export", "2026-10", "--out", str(v2)).code == 0
    r = central(db, "import", str(v2))
    assert r.code == 0 and "replaced" in r.out and "forgot a day" in r.out
    assert entry_totals(db) == (before[0] + 1, before[1] + 40, before[2])
    r = central(db, "status")
    assert "v2 reopened" in r.out
    # v1 again (a resend of what was imported first): nothing changes.
    after = entry_totals(db)
    r = central(db, "import", str(lead / "inbox" / "5012345"))
    assert r.code == 0 and "already present" in r.out
    assert entry_totals(db) == after
    # A tampered CSV: refused (exit 1), the rest of the inputs still imported.
    csv_path = next((v2).glob("*.csv"))
    data = bytearray(csv_path.read_bytes())
    data[-5] = ord("9") if data[-5] != ord("9") else ord("8")
    csv_path.write_bytes(bytes(data))
    r = central(db, "import", str(v2))
    assert r.code == 1 and "file changed" in r.out
    assert entry_totals(db) == after
    # Bad usage: exit 2, nothing changed.
    assert central(db, "import", str(lead / "nope")).code == 2
    assert central(db, "report", "--out", str(lead / "r.txt")).code == 2
    assert central(db, "status", "--from", "2026-13").code == 2
    assert central(db, "revoke", "zz").code == 2
    assert rxlog("central", "--db", "not a url", "keys").code == 2
    assert entry_totals(db) == after


@pytest.mark.slow
def test_an_untrusted_and_a_revoked_installation_are_refused(lead):
    lead, db = lead
    r = central(db, "import", str(lead / "inbox" / "5012345"))
    assert r.code == 1 and "unknown key" in r.out
    central(db, "trust", str(lead / "keys" / "5012345.pem"), "--name", "Alex")
    fp = json.loads(central(db, "keys", "--format", "json").out)[0]["fingerprint"]
    r = central(db, "revoke", fp[:12], "--reason", "PC replaced")
    assert r.code == 0 and "Revoked" in r.out
    r = central(db, "import", str(lead / "inbox" / "5012345"))
    assert r.code == 1 and "revoked" in r.out and "PC replaced" in r.out
    assert entry_totals(db)[0] == 0
    r = central(db, "trust", str(lead / "keys" / "5012345.pem"), "--name", "Alex")
    assert r.code == 2 and "revoked" in r.err


@pytest.mark.slow
def test_the_store_can_be_any_sqlalchemy_url(lead):
    """--db names the store (a SQLite file elsewhere, or a server): the lead's default
    folder (RXLOG_CENTRAL_DIR here) is neither used nor created."""
    lead, url = lead
    r = rxlog("central", "--db", url, "trust", str(lead / "keys" / "5023456.pem"), "--name", "Sam")
    assert r.code == 0, r.err
    r = rxlog("central", "--db", url, "import", str(lead / "inbox" / "5023456"))
    assert r.code == 0, r.out
    assert entry_totals(url)[0] == 3
    assert not (lead / "lead" / "central.sqlite3").exists()
    # Without --db: the default folder's store, another store altogether.
    r = rxlog("central", "keys", "--format", "json")
    assert r.code == 0 and json.loads(r.out) == []
    assert (lead / "lead" / "central.sqlite3").exists() and entry_totals(url)[0] == 3
