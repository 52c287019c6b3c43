"""NICE QS120 in both sectors, end to end (issue 11, item 2): a technician logs admission
reconciliations with the admission date-time (``rxlog log REC-ADM --admitted``), the
real export writes ``qs120_minutes``, the lead imports it and the report (PDF, --json,
BI feed) times acute care against 24 hours and primary care against 7 days, per
patient, with "not recorded" shown. Older returns (no column) and older stores (no
column) read as "not recorded"; a malformed value refuses its return, with its reason.
The lead's store is on SQLite and on PostgreSQL (``central_url``, tests/central_db.py)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from central_db import central_url, rows  # noqa: F401  (fixture: SQLite and PostgreSQL)
from conftest import CliResult, run_rxlog

from rxlog.returnformat.manifest import manifest_file_bytes, sign_manifest

# (code, date, extra options); what QS120 makes of each is in the comment.
SECONDARY = [
    # 10 h 35: in time (1 patient)
    ("REC-ADM", "2026-10-05", ("--admitted", "2026-10-04 22:40", "--time", "09:15")),
    # exactly 24 h: in time (2 patients)
    (
        "REC-ADM",
        "2026-10-06",
        ("--admitted", "2026-10-05 09:00", "--time", "09:00", "--count", "2"),
    ),  # fmt: skip
    # 49 h: late (1 patient)
    ("REC-ADM", "2026-10-07", ("--admitted", "2026-10-05 08:00", "--time", "09:00")),
    # no admission time: not recorded (3 patients)
    ("REC-ADM", "2026-10-08", ("--count", "3")),
    # not an admission reconciliation: not counted at all
    ("ACU-TTO", "2026-10-08", ()),
]
PRIMARY = [
    ("REC-DIS", "2026-10-20", ("--discharge-received", "2026-10-17", "--count", "2")),  # in time
    ("REC-DIS", "2026-10-21", ("--discharge-received", "2026-10-01")),  # 20 days: late
    ("REC-DIS", "2026-10-22", ()),  # not recorded
]


rxlog = run_rxlog  # rxlog ARGS... in this process


def technician(tmp: Path, name: str, gphc: str) -> Path:
    """A real installation with an October split between the trust and a practice,
    its entries logged with the CLI, October exported, its key exported."""
    d = tmp / f"tech-{gphc}"  # made once a module (``made``), copied into each test
    assert rxlog("--data-dir", str(d), "setup", "--name", name, "--gphc", gphc).code == 0
    for ods, sector, a, b in (("RPA", "secondary", "2026-10-01", "2026-10-15"),
                              ("G82001", "primary", "2026-10-16", "2026-10-31")):  # fmt: skip
        r = rxlog("--data-dir", str(d), "placement", "add", ods, "--name", f"{ods} site",
                  "--sector", sector, "--from", a, "--to", b)  # fmt: skip
        assert r.code == 0, r.err
    for code, day, extra in SECONDARY + PRIMARY:
        r = rxlog("--data-dir", str(d), "log", code, "--date", day, *extra)
        assert r.code == 0, r.err
    out = tmp / "inbox" / gphc
    out.mkdir(parents=True)
    r = rxlog("--data-dir", str(d), "export", "2026-10", "--out", str(out))
    assert r.code == 0, r.err
    assert rxlog("--data-dir", str(d), "key", "export", str(tmp / f"{gphc}.pem")).code == 0
    return d


Lead = Callable[..., CliResult]
JO = ("Jo Okafor", "5034567")


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Jo's installation, export and key, made once (the CLI's setup, logging and export
    are most of this module's time) and copied into each test's own folder."""
    folder = tmp_path_factory.mktemp("made")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RXLOG_TODAY", "2026-11-20")
        technician(folder, *JO)
    return folder


@pytest.fixture
def tmp(tmp_path, monkeypatch, made):
    monkeypatch.setenv("RXLOG_TODAY", "2026-11-20")
    shutil.copytree(made, tmp_path, dirs_exist_ok=True)
    return tmp_path


@pytest.fixture
def lead(tmp, central_url) -> Lead:  # noqa: F811
    """``rxlog central --db URL ARGS...`` on the test's own store, Jo's key trusted."""

    def run(*args: str) -> CliResult:
        return rxlog("central", "--db", central_url, *args)

    run.url = central_url  # type: ignore[attr-defined]
    r = run("trust", str(tmp / f"{JO[1]}.pem"), "--name", JO[0])
    assert r.code == 0, r.err
    return run


def csv_of(folder: Path) -> tuple[Path, bytes]:
    (path,) = folder.glob("*.csv")
    return path, path.read_bytes()


def manifest_of(folder: Path) -> Path:
    (path,) = folder.glob("*.manifest.json")
    return path


def resign(folder: Path, data_dir: Path, csv_bytes: bytes) -> None:
    """Write new CSV bytes and a manifest listing them, signed with the installation's
    own key (as an RxLog that wrote those bytes would have)."""
    from rxlog.export.keys import load_signing_keys

    path, _ = csv_of(folder)
    path.write_bytes(csv_bytes)
    mpath = manifest_of(folder)
    m = json.loads(mpath.read_text("utf-8"))["manifest"]
    m["files"][path.name] = {"sha256": hashlib.sha256(csv_bytes).hexdigest(),
                             "bytes": len(csv_bytes)}  # fmt: skip
    key = load_signing_keys(data_dir).ed25519
    mpath.write_bytes(manifest_file_bytes(sign_manifest(m, key)))
    for eml in folder.glob("*.eml"):  # the draft would carry the old bytes
        eml.unlink()


def report_json(tmp: Path, lead: Lead) -> dict:
    out = tmp / "report.json"
    r = lead("report", "--out", str(tmp / "report.pdf"), "--json", str(out))
    assert r.code == 0, r.err
    return json.loads(out.read_text("utf-8"))


def test_logged_exported_imported_and_reported_in_both_sectors(tmp, lead):
    _path, data = csv_of(tmp / "inbox" / "5034567")
    lines = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    adm = [r["qs120_minutes"] for r in lines if r["code"] == "REC-ADM"]
    assert sorted(adm) == sorted(["635", "1440", "2940", ""])
    assert all(r["qs120_minutes"] == "" for r in lines if r["code"] != "REC-ADM")
    assert b"2026-10-04 22:40" not in data and b"22:40" not in data  # the date-time stays

    r = lead("import", str(tmp / "inbox"))
    assert r.code == 0, r.out + r.err
    got = rows(lead.url, "SELECT qs120_minutes FROM central_entry WHERE code = 'REC-ADM'")
    stored = sorted((m for (m,) in got), key=lambda v: -1 if v is None else v)
    assert stored == [None, 635, 1440, 2940]

    qs = report_json(tmp, lead)["qs120"]
    # per patient: 1 + 2 in time, 1 late, 3 not recorded; 2 in time, 1 late, 1 not recorded
    assert qs["secondary"] == {"timed": 4, "in_time": 3, "not_recorded": 3}
    assert qs["primary"] == {"timed": 3, "in_time": 2, "not_recorded": 1}

    # The BI feed's QS120 measure for October, all sites: 5 of 7 timed patients in time.
    r = lead("export", "--out", str(tmp / "bi"), "--no-xlsx")
    assert r.code == 0, r.err
    with (tmp / "bi" / "rxlog-central-measures.csv").open(encoding="utf-8-sig") as f:
        feed = [x for x in csv.DictReader(f) if x["measure_code"] == "QS120_M"]
    by_org = {x["organisation_code"]: float(x["value"]) for x in feed}
    assert by_org["ALL"] == pytest.approx(100 * 5 / 7, abs=1e-4)
    assert by_org["RPA"] == pytest.approx(75.0)  # 3 of 4 admissions' patients
    assert by_org["G82001"] == pytest.approx(100 * 2 / 3, abs=1e-4)

    # The PDF's QS120 section says how it is counted (where poppler is installed).
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        return
    text = subprocess.run(["pdftotext", "-layout", str(tmp / "report.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    words = " ".join(text.split())
    assert "Counted per patient." in words and "per entry" not in words
    # and the technician's own PDF counts the admission reconciliations' patients (exact)
    (own,) = (tmp / "inbox" / "5034567").glob("*.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(own), "-"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    words = " ".join(text.split())
    for line in ("Within 24 hours of admission 3", "Later than 24 hours 1",
                 "Admission time not recorded 3", "All admission reconciliations 7"):  # fmt: skip
        assert line in words, line


def test_a_return_in_the_previous_format_imports_and_reads_not_recorded(tmp, lead):
    """A CSV without the column (as every RxLog before it wrote), signed by its key."""
    d = tmp / f"tech-{JO[1]}"
    folder = tmp / "inbox" / "5034567"
    _path, data = csv_of(folder)
    text = data.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text, newline="")))
    assert table[0][-1] == "qs120_minutes"
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows([r[:-1] for r in table])
    resign(folder, d, ("\ufeff" + buf.getvalue()).encode("utf-8"))

    r = lead("import", str(tmp / "inbox"))
    assert r.code == 0, r.out + r.err
    qs = report_json(tmp, lead)["qs120"]
    assert qs["secondary"] == {"timed": 0, "in_time": 0, "not_recorded": 7}
    assert qs["primary"] == {"timed": 3, "in_time": 2, "not_recorded": 1}
    # and the technician's own verify still calls it genuine
    r = rxlog("--data-dir", str(d), "verify", str(folder), "--skip-pdf-signature")
    assert r.code == 0, r.out + r.err


@pytest.mark.parametrize(
    ("cell", "why"),
    [
        ("1e3", "not a whole number of minutes"),
        ("+635", "not a whole number of minutes"),
        (" 635", "not a whole number of minutes"),
        ("0635", "not a whole number of minutes"),
        ("63.5", "not a whole number of minutes"),
        ("١٢", "not a whole number of minutes"),
        ("-5", "not a whole number of minutes"),
        ("'-5", "not a whole number of minutes"),
        ("2026-10-04 22:40", "not a whole number of minutes"),
        ("40321", "out of range"),
        ("99999999999999999999", "not a whole number of minutes"),
    ],
)
def test_a_malformed_qs120_minutes_refuses_that_return_with_its_reason(tmp, lead, cell, why):
    d = tmp / f"tech-{JO[1]}"
    folder = tmp / "inbox" / "5034567"
    _path, data = csv_of(folder)
    assert data.count(b",635\r\n") == 1
    resign(folder, d, data.replace(b",635\r\n", f",{cell}\r\n".encode(), 1))
    r = lead("import", str(folder), "--format", "json")
    assert r.code == 1, r.out + r.err
    (result,) = json.loads(r.out)["results"]
    assert result["outcome"] == "refused"
    assert "qs120_minutes" in result["message"] and why in result["message"], result["message"]
    assert "Traceback" not in r.out + r.err
    assert rows(lead.url, "SELECT COUNT(*) FROM central_entry") == [(0,)]


def test_qs120_minutes_on_a_code_that_is_no_admission_reconciliation_is_refused(tmp, lead):
    d = tmp / f"tech-{JO[1]}"
    folder = tmp / "inbox" / "5034567"
    _path, data = csv_of(folder)
    lines = data.split(b"\r\n")
    i = next(i for i, line in enumerate(lines) if b",REC-DIS," in line and line.endswith(b",3,"))
    lines[i] += b"60"
    resign(folder, d, b"\r\n".join(lines))
    r = lead("import", str(folder), "--format", "json")
    (result,) = json.loads(r.out)["results"]
    assert result["outcome"] == "refused"
    assert "not an admission reconciliation" in result["message"], result["message"]


def test_a_store_from_before_c0005_upgrades_and_reads_not_recorded(tmp, lead):
    """The lead's real store, taken back to c0004 (no column) with its returns in it,
    opens at the head: the column added, its rows NULL, the report still whole."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine, inspect

    from rxlog.central.store import SCHEMA_HEAD, CentralStore

    assert lead("import", str(tmp / "inbox")).code == 0
    url = lead.url
    cfg = Config()
    cfg.set_main_option("script_location", "rxlog.central:migrations")
    engine = create_engine(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "c0004")
    with engine.connect() as conn:
        cols = [c["name"] for c in inspect(conn).get_columns("central_entry")]
    engine.dispose()
    assert "qs120_minutes" not in cols

    store = CentralStore.open(url)
    assert store.revision() == SCHEMA_HEAD
    store.close()
    assert rows(
        url, "SELECT COUNT(*), COUNT(qs120_minutes) FROM central_entry WHERE code = 'REC-ADM'"
    ) == [(4, 0)]
    qs = report_json(tmp, lead)["qs120"]
    assert qs["secondary"] == {"timed": 0, "in_time": 0, "not_recorded": 7}
    assert qs["primary"] == {"timed": 3, "in_time": 2, "not_recorded": 1}
