"""One technician, several PCs (issue 12): installations are first-class, and the lead
merges a technician's month from all of them with nothing refused or counted twice.

Real installations (``rxlog setup``/``log``/``export``/``key export``), real returns,
a real central store (on SQLite and on PostgreSQL: ``central_url``, tests/central_db.py),
all through the CLI the technician and the lead use."""

from __future__ import annotations

import csv
import json
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from central_db import central_url  # noqa: F401  (fixture: SQLite and PostgreSQL)
from central_db import rows as sql_rows
from conftest import run_rxlog
from pdftext import pdf_text

from rxlog.returnformat.discovery import find_returns
from rxlog.returnformat.manifest import verify_return
from rxlog.service import RxLog

rxlog = run_rxlog  # rxlog ARGS... in this process


def installation_of(data: Path):
    app = RxLog.open(data)
    try:
        return app.installation()
    finally:
        app.close()


# Two PCs of one technician in November: a GP practice's and the trust's.
PCS = {
    "practice": (
        "Gillingham practice PC",
        "G82001",
        "primary",
        [
            ("REP-MGMT", "2026-11-02", "30", ("--count", "4")),
            ("REC-DIS", "2026-11-03", "25", ("--discharge-received", "2026-10-30")),
            (
                "INT-PRESC",
                "2026-11-04",
                "15",
                ("--significance", "4", "--harm", "B", "--released-minutes", "10"),
            ),
        ],
    ),
    "trust": (
        "Trust laptop",
        "RPA",
        "secondary",
        [
            ("REC-ADM", "2026-11-16", "20", ("--count", "1")),
            ("ACU-TTO", "2026-11-17", "35", ()),
        ],
    ),
}


@pytest.fixture
def pcs(tmp_path, monkeypatch):
    monkeypatch.setenv("RXLOG_TODAY", "2026-12-02")
    monkeypatch.setenv("RXLOG_CENTRAL_DIR", str(tmp_path / "lead"))
    (tmp_path / "keys").mkdir()
    for pc, (inst_name, ods, sector, entries) in PCS.items():
        d = str(tmp_path / pc)
        r = rxlog(
            "--data-dir", d, "setup", "--name", "Alex Morgan", "--gphc", "5012345",
            "--installation-name", inst_name,
        )  # fmt: skip
        assert r.code == 0, r.err
        assert f"This installation: {inst_name}" in r.out
        r = rxlog(
            "--data-dir", d, "placement", "add", ods, "--name", f"{ods} site",
            "--sector", sector, "--from", "2026-11-01", "--to", "2026-11-30",
        )  # fmt: skip
        assert r.code == 0, r.err
        for code, day, minutes, extra in entries:
            r = rxlog("--data-dir", d, "log", code, "--date", day, "--minutes", minutes, *extra)
            assert r.code == 0, r.err
        assert rxlog("--data-dir", d, "key", "export", str(tmp_path / "keys" / pc)).code == 0
    return tmp_path


def _export_both(root: Path, into: Path) -> None:
    into.mkdir(exist_ok=True)
    for pc in PCS:
        r = rxlog("--data-dir", str(root / pc), "export", "2026-11", "--out", str(into))
        assert r.code == 0, r.err


def central(url: str, *args: str):
    """``rxlog central --db URL ARGS...``: the store under test."""
    return rxlog("central", "--db", url, *args)


def _trust_both(root: Path, url: str) -> None:
    for pc in PCS:
        r = central(url, "trust", str(root / "keys" / pc), "--name", "Alex Morgan")
        assert r.code == 0, r.out + r.err


def _sql(url: str, q: str) -> list[tuple]:
    """The rows of ``q`` on the store (PostgreSQL's SUM of a bigint is a Decimal)."""
    return [tuple(int(v) if isinstance(v, Decimal) else v for v in row)
            for row in sql_rows(url, q)]  # fmt: skip


@pytest.mark.slow
def test_two_installations_returns_never_collide_and_name_their_pc(pcs):
    inbox = pcs / "inbox"
    _export_both(pcs, inbox)  # one folder, one inbox: nothing collides
    found = find_returns([inbox])
    assert len(found) == 2
    seen = {}
    for cand in found:
        v = verify_return(cand, check_pdf_signature=True)
        seen[v.installation_name] = v
    practice, trust = installation_of(pcs / "practice"), installation_of(pcs / "trust")
    assert practice.id != trust.id
    for pc, inst in (("practice", practice), ("trust", trust)):  # the key file names it
        text = (pcs / "keys" / pc).read_text(encoding="utf-8")
        assert f"# installation: {inst.name} ({inst.id})\n" in text
    assert set(seen) == {"Gillingham practice PC", "Trust laptop"}
    for inst in (practice, trust):
        v = seen[inst.name]
        assert v.installation_id == inst.id
        assert v.return_id == f"5012345-2026-11-{inst.short}"
        assert all(f"_{inst.short}_2026-11_v1." in n for n in v.manifest["files"])
    subjects = {
        line
        for p in inbox.glob("*.eml")
        for line in p.read_text(encoding="utf-8").splitlines()
        if line.startswith("Subject:")
    }
    assert len(subjects) == 2  # two drafts in one inbox are told apart
    # The PDF names the installation too.
    pdf = next(inbox.glob(f"*_{practice.short}_*.pdf"))
    text = pdf_text(str(pdf))
    assert "Gillingham practice PC" in text and practice.short in text


@pytest.mark.slow
def test_the_lead_merges_both_installations_and_every_figure_is_the_sum(
    pcs,
    central_url,  # noqa: F811
):
    """Done when: two installations of one technician log in the same month, each
    exports, the lead imports both, and every figure equals the sum of the two."""
    inbox = pcs / "inbox"
    _export_both(pcs, inbox)
    _trust_both(pcs, central_url)
    manifests = [json.loads(p.read_text())["manifest"] for p in inbox.glob("*.manifest.json")]
    r = central(central_url, "import", str(inbox))
    assert r.code == 0, r.out + r.err
    assert "2 input(s): 2 imported" in r.out and "refused" not in r.out
    assert "counted once" not in r.out
    db = central_url
    want = (
        sum(m["rows"] for m in manifests),
        sum(m["totals"]["minutes"] for m in manifests),
        sum(m["totals"]["released_minutes"] for m in manifests),
        sum(m["totals"]["count"] for m in manifests),
    )
    assert want == (5, 125, 10, 8)
    got = _sql(
        db,
        "SELECT COUNT(*), SUM(minutes), SUM(released_minutes), SUM(COALESCE(count, 0)) "
        "FROM central_entry",
    )[0]
    assert got == want
    summary = _sql(
        db, "SELECT SUM(entries), SUM(minutes), SUM(released_minutes), SUM(count) "
        "FROM central_summary WHERE month = '2026-11' AND gphc = '5012345'",
    )[0]  # fmt: skip
    assert summary == want

    # Status: one technician-month, both installations listed with what each sent.
    r = central(central_url, "status", "--format", "json")
    assert r.code == 0, r.err
    (row,) = json.loads(r.out)
    assert row["state"] == "received" and row["label"] == "v1+v1 (2 PCs)"
    sent = {s["installation"]: s for s in row["installations"]}
    assert {k: (v["version"], v["rows"], v["nil"]) for k, v in sent.items()} == {
        "Gillingham practice PC": (1, 3, False),
        "Trust laptop": (1, 2, False),
    }
    r = central(central_url, "status")
    assert "Gillingham practice PC" in r.out and "Trust laptop" in r.out

    # The lead's export holds every entry of both, once.
    r = central(central_url, "export", "--out", str(pcs / "export"), "--no-xlsx")
    assert r.code == 0, r.err
    with open(pcs / "export" / "rxlog-central-entries.csv", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 5 and len({x["entry_id"] for x in rows}) == 5
    assert sum(int(x["minutes"]) for x in rows) == 125

    # The report counts both returns and the sum of their activity.
    r = central(central_url, "report", "--out", str(pcs / "report.pdf"), "--from", "2026-11")
    assert r.code == 0, r.err

    # A second import of both changes nothing.
    r = central(central_url, "import", str(inbox))
    assert r.code == 0 and "2 already present" in r.out
    assert _sql(db, "SELECT COUNT(*), SUM(minutes) FROM central_entry")[0] == (5, 125)


@pytest.mark.slow
def test_an_entry_id_in_two_installations_returns_is_counted_once_and_reported(
    pcs,
    central_url,  # noqa: F811
):
    # The trust laptop holds an entry with the practice PC's id (as after a handover
    # that both PCs then exported): it is counted once and the import says so.
    practice = RxLog.open(pcs / "practice")
    try:
        first = practice.month("2026-11")[0]
    finally:
        practice.close()
    from datetime import date

    from rxlog.domain import EntryInput

    app = RxLog.open(pcs / "trust", today=lambda: date(2026, 12, 2))
    try:
        app.log(EntryInput("REC-ADM", date(2026, 11, 18), minutes=40, id=first.id))
    finally:
        app.close()
    inbox = pcs / "inbox"
    _export_both(pcs, inbox)
    _trust_both(pcs, central_url)
    r = central(central_url, "import", str(inbox))
    assert r.code == 0, r.out + r.err
    assert "2 imported" in r.out and "1 of them already counted" in r.out
    assert first.id[:8] in r.out
    db = central_url
    assert _sql(db, "SELECT COUNT(*), COUNT(DISTINCT entry_id) FROM central_entry")[0] == (5, 5)
    assert _sql(db, "SELECT entry_id FROM central_duplicate") == [(first.id,)]
    (row,) = json.loads(central(central_url, "status", "--format", "json").out)
    assert sum(s["rows"] for s in row["installations"]) == 5


@pytest.mark.slow
def test_setup_names_the_installation_and_refuses_a_bad_name(tmp_path, monkeypatch):
    monkeypatch.setenv("RXLOG_TODAY", "2026-12-02")
    d = tmp_path / "pc"
    r = rxlog("--data-dir", str(d), "setup", "--name", "Alex Morgan", "--gphc", "5012345")
    assert r.code == 0, r.err
    inst = installation_of(d)
    assert inst.name  # a default: the host name, or "RxLog PC"
    assert f"This installation: {inst.name} (id {inst.id})" in r.out
    # Renamed by running setup again; the id stays.
    r = rxlog(
        "--data-dir", str(d), "setup", "--name", "Alex Morgan", "--gphc", "5012345",
        "--installation-name", "  Trust   laptop ",
    )  # fmt: skip
    assert r.code == 0, r.err
    again = installation_of(d)
    assert (again.id, again.name) == (inst.id, "Trust laptop")
    # A name that leaves the PC passes the identifier filter: refused, nothing changed.
    for bad, why in (("Bed 943 476 5919", "NHS number"), ("", "needs a name")):
        r = rxlog(
            "--data-dir", str(d), "setup", "--name", "Alex Morgan", "--gphc", "5012345",
            "--installation-name", bad,
        )  # fmt: skip
        assert r.code == 2 and why in r.err and "installation" in r.err
        assert installation_of(d) == again
    fresh = tmp_path / "fresh"
    r = rxlog(
        "--data-dir", str(fresh), "setup", "--name", "Alex Morgan", "--gphc", "5012345",
        "--installation-name", "x" * 201,
    )  # fmt: skip
    assert r.code == 2 and "installation name is longer" in r.err
    assert not (fresh / "rxlog.sqlite3").exists()


@pytest.mark.slow
def test_a_return_from_before_installations_reads_and_its_v2_supersedes_it(
    pcs,
    monkeypatch,
    central_url,  # noqa: F811
):
    """An older RxLog's return has no installation: it verifies, imports as the one
    legacy installation, and the same month's next version keeps its id (so it
    replaces it at the lead's rather than being counted beside it)."""
    d = pcs / "practice"
    old = pcs / "old"
    with monkeypatch.context() as m:
        m.setattr(RxLog, "installation", lambda self: None)
        r = rxlog("--data-dir", str(d), "export", "2026-11", "--out", str(old))
        assert r.code == 0, r.err
    (cand,) = find_returns([old])
    v = verify_return(cand)
    assert v.installation_id is None and v.return_id == "5012345-2026-11"
    assert "installation" not in v.manifest
    _trust_both(pcs, central_url)
    assert central(central_url, "import", str(old)).code == 0
    (row,) = json.loads(central(central_url, "status", "--format", "json").out)
    assert [s["installation"] for s in row["installations"]] == ["legacy"]
    # v2 from the same PC, now with installations: same return id, supersedes v1.
    assert (
        rxlog("--data-dir", str(d), "month", "reopen", "2026-11", "--reason", "one more").code == 0
    )
    r = rxlog("--data-dir", str(d), "log", "REP-SYNC", "--date", "2026-11-09", "--minutes", "40")
    assert r.code == 0, r.err
    new = pcs / "new"
    assert rxlog("--data-dir", str(d), "export", "2026-11", "--out", str(new)).code == 0
    (cand,) = find_returns([new])
    v2 = verify_return(cand)
    assert v2.return_id == "5012345-2026-11" and v2.installation_name == "Gillingham practice PC"
    r = central(central_url, "import", str(new))
    assert r.code == 0 and "replaced v1" in r.out, r.out
    (row,) = json.loads(central(central_url, "status", "--format", "json").out)
    assert [(s["installation"], s["version"], s["rows"]) for s in row["installations"]] == [
        ("Gillingham practice PC", 2, 4)
    ]


@pytest.mark.slow
def test_a_nil_return_is_signed_read_and_told_apart_from_not_sent(pcs, central_url):  # noqa: F811
    inbox = pcs / "inbox"
    inbox.mkdir()
    practice, trust = str(pcs / "practice"), str(pcs / "trust")
    # Refused while the month has entries: exit 2, nothing written, month still open.
    r = rxlog("--data-dir", trust, "export", "2026-11", "--out", str(inbox), "--nil")
    assert r.code == 2 and "2026-11 has 2 entries" in r.err and "without --nil" in r.err
    assert list(inbox.iterdir()) == []
    assert "next export: version 1" in rxlog("--data-dir", trust, "month", "check", "2026-11").out
    # October: nothing done on the trust laptop, so it sends a nil return.
    r = rxlog("--data-dir", trust, "export", "2026-10", "--out", str(inbox))
    assert r.code == 2 and "--nil" in r.err  # an empty month points at the nil return
    r = rxlog(
        "--data-dir", trust, "export", "2026-10", "--out", str(inbox), "--nil", "--format", "json"
    )
    assert r.code == 0, r.err
    out = json.loads(r.out)
    assert out["nil"] is True and out["rows"] == 0
    r = rxlog("--data-dir", trust, "verify", str(inbox))
    assert r.code == 0 and "a nil return: nothing done this month" in r.out
    (cand,) = find_returns([inbox])
    v = verify_return(cand, check_pdf_signature=True)
    assert v.nil and v.manifest["rows"] == 0 and v.installation_name == "Trust laptop"
    # The lead: October from the trust laptop is "nothing done"; November's two PCs
    # merge; a month nobody sent is "missing".
    _export_both(pcs, inbox)
    _trust_both(pcs, central_url)
    r = central(central_url, "import", str(inbox))
    assert r.code == 0 and "3 imported" in r.out, r.out
    r = central(central_url, "status", "--from", "2026-09", "--to", "2026-11", "--format", "json")
    cells = {row["month"]: row for row in json.loads(r.out)}
    assert cells["2026-10"]["state"] == "nothing done"
    assert cells["2026-10"]["installations"][0]["nil"] is True
    assert cells["2026-11"]["state"] == "received"
    assert cells["2026-09"]["state"] == "not expected"
    r = central(central_url, "status")
    assert "nothing done" in r.out and "Trust laptop" in r.out and "nothing this month" in r.out
    # Nothing of the nil return reaches the figures.
    db = central_url
    assert _sql(db, "SELECT COUNT(*) FROM central_entry WHERE date < '2026-11-01'") == [(0,)]
    assert _sql(db, "SELECT nil, rows FROM central_return WHERE month = '2026-10'") == [(1, 0)]
    # A changed byte in a nil return is refused like any other.
    man = next(inbox.glob("*_2026-10_v1.manifest.json"))
    # (bytes: Windows' text mode would also turn the newlines into CRLF, refused earlier)
    man.write_bytes(man.read_bytes().replace(b'"rows": 0', b'"rows": 1'))
    r = rxlog("--data-dir", practice, "verify", str(man))
    assert r.code == 1 and "signature invalid" in r.out + r.err


@pytest.mark.slow
def test_the_short_id_has_no_digits_so_no_file_name_trips_the_identifier_filter(pcs):
    """A short id of hex digits could, beside the month's digits, make 10 digits that
    pass the NHS number check (9434765919 is one): the export would then be refused at
    random. The short id is written in letters, so it never adds a digit."""
    from rxlog.identifiers import check_outgoing
    from rxlog.returnformat import short_installation_id

    uuid = "94347659-1900-4000-8000-000000000000"
    assert short_installation_id(uuid) == "jedehgfj"
    assert short_installation_id("0f1e2d3c-0000-4000-8000-000000000000") == "apbocndm"
    con = sqlite3.connect(pcs / "trust" / "rxlog.sqlite3")
    with con:
        con.execute("UPDATE installation SET id = ?", (uuid,))
    con.close()
    out = pcs / "out"
    r = rxlog("--data-dir", str(pcs / "trust"), "export", "2026-11", "--out", str(out))
    assert r.code == 0, r.err
    for p in out.iterdir():
        assert check_outgoing(p.name, "name", "a file name") == p.name
        assert "_jedehgfj_2026-11_v1." in p.name


@pytest.mark.slow
def test_the_leads_window_shows_which_installation_sent_what(pcs, qtbot, central_url):  # noqa: F811
    from PySide6.QtCore import Qt

    from rxlog.central.store import CentralStore
    from rxlog.ui.central_window import CentralWindow

    inbox = pcs / "inbox"
    _export_both(pcs, inbox)
    _trust_both(pcs, central_url)
    assert central(central_url, "import", str(inbox)).code == 0
    store = CentralStore.open(central_url)
    try:
        win = CentralWindow(store)
        qtbot.addWidget(win)
        win.show()
        win.refresh()
        model = win.status
        col = model.columnCount() - 1  # the one month, 2026-11
        cell = model.index(0, col)
        assert model.data(cell, Qt.ItemDataRole.DisplayRole) == "v1+v1 (2 PCs)"
        tip = model.data(cell, Qt.ItemDataRole.ToolTipRole)
        assert "Gillingham practice PC (" in tip and "): v1, 3 entries" in tip
        assert "Trust laptop (" in tip and "): v1, 2 entries" in tip
        if win.task is not None:
            win.task.wait()
    finally:
        store.close()
