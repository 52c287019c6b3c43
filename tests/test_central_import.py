"""The lead's import: three installations merge to the sum of their parts; resends,
new versions, old versions, tampered and untrusted returns behave as issue 5 says.

Returns are built with the real signing code (``sign_manifest``) and a CSV in the
documented format by ``bench/gen_returns.py`` (the fast generator); a real export
end to end is in test_central_export_e2e.py.
"""

from __future__ import annotations

import functools
import json
import random
import sqlite3
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import central_db
import pytest
from central_db import central_url  # noqa: F401  (fixture: SQLite and PostgreSQL)
from conftest import bench_module

from rxlog.central.importer import ALREADY, IMPORTED, REFUSED, REPLACED, SKIPPED, import_paths
from rxlog.central.store import CentralStore
from rxlog.central.trust import list_keys, revoke_key, trust_key
from rxlog.errors import ValidationError

ROOT = Path(__file__).resolve().parent.parent
gen = bench_module("gen_returns")

TABLES = ("central_key", "central_return", "central_entry", "central_summary", "central_event")


def dump(url: str) -> dict[str, list[tuple]]:
    """Every row of every central table (ids included): 'unchanged' means equal dumps."""
    return central_db.dump(url, TABLES)


def totals(url: str, where: str = "1=1") -> tuple:
    [row] = central_db.rows(
        url,
        "SELECT COUNT(*), SUM(minutes), SUM(count), SUM(released_minutes), "
        f"SUM(cost_avoided_pence) FROM central_entry WHERE {where}",
    )
    return row


def csv_totals(manifests: list[Path]) -> tuple:
    """The same figures read straight from the returns' CSV files (not via the store)."""
    import csv

    n = minutes = count = released = pence = 0
    for m in manifests:
        csv_path = m.with_name(m.name.replace(".manifest.json", ".csv"))
        with open(csv_path, encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                n += 1
                minutes += int(row["minutes"])
                count += int(row["count"] or 0)
                released += int(row["released_minutes"] or 0)
                if row["cost_avoided"]:
                    pounds, pence_part = row["cost_avoided"].split(".")
                    pence += int(pounds) * 100 + int(pence_part)
    return n, minutes, count, released, pence


class Lead:
    """A central store: a SQLite file in tmp_path, or a PostgreSQL database (its URL)."""

    def __init__(self, url: str | Path) -> None:
        self.db = url if isinstance(url, str) else f"sqlite:///{url}"
        self.store = CentralStore.open(self.db)

    def trust(self, inst: gen.Installation, tmp: Path) -> None:
        trust_key(self.store, inst.write_key(tmp / f"{inst.gphc}.pem"), inst.name)

    def load(self, *paths: Path) -> list:
        return import_paths(self.store, list(paths))


@pytest.fixture
def lead(central_url: str):  # noqa: F811
    """The store on SQLite and on PostgreSQL (tests/central_db.py)."""
    lead = Lead(central_url)
    yield lead
    lead.store.close()


@pytest.fixture
def sqlite_lead(tmp_path: Path):
    """For what only SQLite has (its triggers, its file locks)."""
    lead = Lead(tmp_path / "central.sqlite3")
    yield lead
    lead.store.close()


def make(inst, month: str, out: Path, n: int = 40, version: int = 1, seed: int = 0,
         reason: str | None = None) -> Path:  # fmt: skip
    rows = gen.make_rows(inst, month, version, n, random.Random(f"{seed}{month}{version}"), "pilot")
    return gen.write_return(inst, month, rows, out, version, reason)


def test_three_installations_merge_to_exactly_the_sum_of_their_parts(tmp_path: Path) -> None:
    insts = [gen.Installation.new(i) for i in (1, 2, 3)]
    manifests: dict[str, list[Path]] = {}
    for k, inst in enumerate(insts):
        manifests[inst.gphc] = [
            make(inst, m, tmp_path / "in" / inst.gphc, n=30 + 10 * k + j, seed=k)
            for j, m in enumerate(("2026-09", "2026-10", "2026-11"))
        ]
    combined = Lead(tmp_path / "all.sqlite3")
    for inst in insts:
        combined.trust(inst, tmp_path / "keys")
    results = combined.load(tmp_path / "in")
    assert [r.outcome for r in results] == [IMPORTED] * 9
    parts = []
    for inst in insts:
        alone = Lead(tmp_path / f"{inst.gphc}.sqlite3")
        alone.trust(inst, tmp_path / "keys")
        alone.load(tmp_path / "in" / inst.gphc)
        part = totals(alone.db)
        assert part == csv_totals(manifests[inst.gphc])
        assert totals(combined.db, f"gphc = '{inst.gphc}'") == part
        parts.append(part)
        alone.store.close()
    whole = totals(combined.db)
    assert whole == tuple(sum(p[i] for p in parts) for i in range(5))
    # The report's rollup agrees with the entries it summarises.
    sql = ("SELECT SUM(entries), SUM(minutes), SUM(count), SUM(released_minutes), "
           "SUM(cost_avoided_pence) FROM central_summary")  # fmt: skip
    assert central_db.rows(combined.db, sql) == [whole]
    ids = central_db.rows(combined.db, "SELECT COUNT(DISTINCT entry_id) FROM central_entry")
    assert ids[0][0] == whole[0]
    combined.store.close()


def test_a_resend_and_a_second_import_of_the_same_inputs_change_nothing(lead, tmp_path):
    inst = gen.Installation.new(7)
    lead.trust(inst, tmp_path)
    make(inst, "2026-10", tmp_path / "in")
    make(inst, "2026-11", tmp_path / "in")
    assert [r.outcome for r in lead.load(tmp_path / "in")] == [IMPORTED, IMPORTED]
    before = dump(lead.db)
    again = lead.load(tmp_path / "in")
    assert [r.outcome for r in again] == [ALREADY, ALREADY]
    assert "resend" in again[0].message
    assert dump(lead.db) == before


def test_v2_replaces_v1_without_double_counting_and_is_logged(lead, tmp_path):
    inst = gen.Installation.new(8)
    lead.trust(inst, tmp_path)
    v1 = make(inst, "2026-11", tmp_path / "v1", n=50, version=1)
    v2 = make(inst, "2026-11", tmp_path / "v2", n=35, version=2, reason="wrong site on 3 Nov")
    lead.load(v1)
    [r] = lead.load(v2)
    assert r.outcome == REPLACED and r.replaced_version == 1
    assert "wrong site on 3 Nov" in r.message
    assert totals(lead.db) == csv_totals([v2])
    q = functools.partial(central_db.rows, lead.db)
    assert q("SELECT version, state FROM central_return ORDER BY version") == [
        (1, "superseded"),
        (2, "current"),
    ]
    assert q("SELECT DISTINCT version FROM central_entry") == [(2,)]
    assert q("SELECT SUM(entries) FROM central_summary")[0][0] == 35
    assert q("SELECT action, version, replaced_version, detail FROM central_event ORDER BY id") == [
        ("imported", 1, None, None),
        ("replaced", 2, 1, "wrong site on 3 Nov"),
    ]


def test_an_old_version_after_a_new_one_is_refused_and_changes_nothing(lead, tmp_path):
    inst = gen.Installation.new(9)
    lead.trust(inst, tmp_path)
    v1 = make(inst, "2026-11", tmp_path / "v1", n=50, version=1)
    v2 = make(inst, "2026-11", tmp_path / "v2", n=35, version=2)
    lead.load(v2)
    before = dump(lead.db)
    [r] = lead.load(v1)
    assert r.outcome == REFUSED and "older than v2" in r.message
    assert dump(lead.db) == before


def test_v1_and_v2_given_together_in_any_order_end_with_v2(lead, tmp_path):
    inst = gen.Installation.new(10)
    lead.trust(inst, tmp_path)
    v2 = make(inst, "2026-11", tmp_path / "a", n=20, version=2)
    v1 = make(inst, "2026-11", tmp_path / "b", n=30, version=1)
    results = lead.load(v2, v1)
    assert [(r.outcome, r.version) for r in results] == [(IMPORTED, 1), (REPLACED, 2)]
    assert totals(lead.db) == csv_totals([v2])


def test_a_tampered_return_is_refused_saying_which_file_and_leaves_the_store_as_it_was(
    lead, tmp_path
):
    inst = gen.Installation.new(11)
    lead.trust(inst, tmp_path)
    lead.load(make(inst, "2026-10", tmp_path / "ok"))
    bad = make(inst, "2026-11", tmp_path / "bad")
    csv_path = bad.with_name(bad.name.replace(".manifest.json", ".csv"))
    data = csv_path.read_bytes()
    csv_path.write_bytes(data.replace(b",pilot,", b",baseline,", 1))  # same size, new content
    before = dump(lead.db)
    [r] = lead.load(bad)
    assert r.outcome == REFUSED
    assert "file changed" in r.message and csv_path.name in r.message
    assert dump(lead.db) == before
    # A manifest edited after signing (more minutes claimed) is refused too.
    doc = json.loads(bad.read_text())
    doc["manifest"]["totals"]["minutes"] += 60
    bad.write_bytes(gen.manifest_file_bytes(doc))
    [r] = lead.load(bad)
    assert r.outcome == REFUSED and "signature invalid" in r.message
    assert dump(lead.db) == before


def test_untrusted_and_revoked_keys_are_refused_and_leave_the_store_as_it_was(lead, tmp_path):
    known, stranger = gen.Installation.new(12), gen.Installation.new(13)
    lead.trust(known, tmp_path)
    lead.load(make(known, "2026-09", tmp_path / "k"))
    before = dump(lead.db)
    [r] = lead.load(make(stranger, "2026-11", tmp_path / "s"))
    assert r.outcome == REFUSED and "unknown key" in r.message
    assert r.fingerprint is not None and r.fingerprint[:16] in r.message
    assert dump(lead.db) == before
    revoke_key(lead.store, list_keys(lead.store)[0].fingerprint[:10], "laptop stolen")
    before = dump(lead.db)
    [r] = lead.load(make(known, "2026-10", tmp_path / "k2"))
    assert r.outcome == REFUSED and "revoked" in r.message and "laptop stolen" in r.message
    assert dump(lead.db) == before
    # A revoked key is never trusted again.
    with pytest.raises(ValidationError, match="revoked"):
        lead.trust(known, tmp_path / "again")


def test_a_key_bound_to_a_gphc_refuses_other_technicians_returns(lead, tmp_path):
    a = gen.Installation.new(14)
    trust_key(lead.store, a.write_key(tmp_path / "a.pem"), a.name, gphc=a.gphc)
    impostor = gen.Installation(a.name, "5999999", a.practice, a.private_key)
    [r] = lead.load(make(impostor, "2026-11", tmp_path / "i"))
    assert r.outcome == REFUSED and "5999999" in r.message


def test_same_id_and_version_with_other_content_is_refused(lead, tmp_path):
    inst = gen.Installation.new(15)
    lead.trust(inst, tmp_path)
    lead.load(make(inst, "2026-11", tmp_path / "a", n=20))
    before = dump(lead.db)
    [r] = lead.load(make(inst, "2026-11", tmp_path / "b", n=21))
    assert r.outcome == REFUSED and "same id and version" in r.message
    assert dump(lead.db) == before


def _eml(path: Path, manifest: Path | None) -> Path:
    msg = EmailMessage()
    msg["Subject"] = "RxLog monthly return"
    msg["From"] = "tech@nhs.net"
    msg["To"] = "lead@nhs.net"
    msg.set_content("Please find my return attached.")
    if manifest is not None:
        base = manifest.name[: -len(".manifest.json")]
        for suffix, (maintype, subtype) in {
            ".csv": ("text", "csv"),
            ".pdf": ("application", "pdf"),
            ".manifest.json": ("application", "json"),
        }.items():
            data = (manifest.parent / f"{base}{suffix}").read_bytes()
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=base + suffix)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(msg))
    return path


def test_a_folder_of_saved_emails_imports_the_attached_returns(lead, tmp_path):
    inst = gen.Installation.new(16)
    lead.trust(inst, tmp_path)
    m1 = make(inst, "2026-10", tmp_path / "r")
    m2 = make(inst, "2026-11", tmp_path / "r")
    _eml(tmp_path / "mail" / "october.eml", m1)
    _eml(tmp_path / "mail" / "november.eml", m2)
    _eml(tmp_path / "mail" / "hello.eml", None)
    results = lead.load(tmp_path / "mail")
    assert sorted(r.outcome for r in results) == sorted([IMPORTED, IMPORTED, SKIPPED])
    assert totals(lead.db) == csv_totals([m1, m2])
    # Named explicitly, an e-mail without a return is a refusal.
    [r] = lead.load(tmp_path / "mail" / "hello.eml")
    assert r.outcome == REFUSED and "no RxLog return attached" in r.message


def test_a_tampered_email_attachment_is_refused(lead, tmp_path):
    inst = gen.Installation.new(17)
    lead.trust(inst, tmp_path)
    m = make(inst, "2026-11", tmp_path / "r")
    csv_path = m.with_name(m.name.replace(".manifest.json", ".csv"))
    csv_path.write_bytes(csv_path.read_bytes().replace(b",pilot,", b",baseline,", 1))
    [r] = lead.load(_eml(tmp_path / "mail" / "x.eml", m))
    assert r.outcome == REFUSED and "file changed" in r.message
    assert totals(lead.db)[0] == 0


def test_csv_injection_guard_is_undone_on_import(lead, tmp_path):
    inst = gen.Installation.new(18)
    lead.trust(inst, tmp_path)
    rows = gen.make_rows(inst, "2026-11", 1, 5, random.Random(1), "pilot")
    rows[0]["site_name"] = "=HYPERLINK(evil)"
    m = gen.write_return(inst, "2026-11", rows, tmp_path / "r")
    assert (
        b"'=HYPERLINK(evil)" in m.with_name(m.name.replace(".manifest.json", ".csv")).read_bytes()
    )
    lead.load(m)
    names = {r[0] for r in central_db.rows(lead.db, "SELECT site_name FROM central_entry")}
    assert "=HYPERLINK(evil)" in names


def test_a_failure_while_writing_rolls_the_whole_return_back(sqlite_lead, tmp_path):
    lead = sqlite_lead
    inst = gen.Installation.new(19)
    lead.trust(inst, tmp_path)
    rows = gen.make_rows(inst, "2026-11", 1, 30, random.Random(2), "pilot")
    m = gen.write_return(inst, "2026-11", rows, tmp_path / "r")
    con = sqlite3.connect(lead.db.removeprefix("sqlite:///"))
    victim = rows[19]["entry_id"]
    con.execute(  # the database refuses the 20th row mid-insert
        "CREATE TRIGGER boom BEFORE INSERT ON central_entry "
        f"WHEN NEW.entry_id = '{victim}' BEGIN SELECT RAISE(ABORT, 'disk trouble'); END"
    )
    con.commit()
    before = dump(lead.db)
    [r] = lead.load(m)
    assert r.outcome == REFUSED and "could not be written" in r.message
    assert dump(lead.db) == before
    con.execute("DROP TRIGGER boom")
    con.commit()
    [r] = lead.load(m)
    assert r.outcome == IMPORTED and totals(lead.db)[0] == 30


def test_bad_usage_changes_nothing(lead, tmp_path):
    with pytest.raises(ValidationError, match="no such file"):
        lead.load(tmp_path / "nope")
    (tmp_path / "notes.txt").write_text("hi")
    with pytest.raises(ValidationError, match="not a return"):
        lead.load(tmp_path / "notes.txt")


def test_migrations_build_exactly_the_models(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine

    from rxlog.central.models import CentralBase

    CentralStore.open(f"sqlite:///{tmp_path / 'c.sqlite3'}").close()
    engine = create_engine(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"version_table": "central_alembic_version"})
        assert compare_metadata(ctx, CentralBase.metadata) == []
    engine.dispose()


def test_a_technician_database_is_not_taken_for_a_central_store(rx, tmp_path):
    from rxlog.errors import StorageError

    with pytest.raises(StorageError, match="not an RxLog central store"):
        CentralStore.open(f"sqlite:///{rx.db.path}")


def test_the_central_package_never_imports_qt():
    code = (
        "import sys, rxlog.central.importer, rxlog.central.report_pdf, rxlog.central.export, "
        "rxlog.central.status, rxlog.cli.central_cmds; "
        "assert 'PySide6' not in sys.modules; "
        "assert 'reportlab' not in sys.modules and 'openpyxl' not in sys.modules; print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "ok", out.stderr


@pytest.mark.slow
def test_worker_processes_give_exactly_what_one_process_gives(tmp_path):
    from rxlog.central.importer import PARALLEL_FROM

    insts = [gen.Installation.new(i) for i in (21, 22)]
    months = gen.months_from("2026-01", (PARALLEL_FROM + 1) // 2 + 1)
    for inst in insts:
        for m in months:
            make(inst, m, tmp_path / "in" / inst.gphc, n=15)
    stranger = gen.Installation.new(23)
    make(stranger, "2026-02", tmp_path / "in" / "x")
    got = {}
    for workers in (1, 2):
        lead = Lead(tmp_path / f"w{workers}.sqlite3")
        for inst in insts:
            lead.trust(inst, tmp_path / f"k{workers}")
        results = import_paths(lead.store, [tmp_path / "in"], workers=workers)
        assert len(results) == 2 * len(months) + 1 > PARALLEL_FROM
        got[workers] = (
            [(r.source, r.outcome, r.return_id, r.version, r.rows) for r in results],
            central_db.rows(
                lead.db,
                "SELECT return_id, entry_id, minutes, cost_avoided_pence FROM central_entry "
                "ORDER BY entry_id",
            ),
            central_db.rows(
                lead.db,
                "SELECT r.return_id, s.code, s.entries, s.minutes FROM central_summary s "
                "JOIN central_return r ON r.id = s.return_pk ORDER BY 1, 2, 3, 4",
            ),
        )
        lead.store.close()
    assert got[1] == got[2]
    assert [o for _, o, *_ in got[2][0]].count(REFUSED) == 1


def test_the_store_itself_refuses_two_current_versions_of_a_return(lead, tmp_path):
    from sqlalchemy import create_engine, insert, select
    from sqlalchemy.exc import IntegrityError

    from rxlog.central.models import RETURNS

    inst = gen.Installation.new(24)
    lead.trust(inst, tmp_path)
    lead.load(make(inst, "2026-11", tmp_path / "a"))
    engine = create_engine(lead.db)
    try:
        with engine.connect() as conn:
            row = conn.execute(select(RETURNS)).mappings().one()
            copy = {k: v for k, v in row.items() if k != "id"} | {"version": 9}
            with pytest.raises(IntegrityError, match="return_id"):
                conn.execute(insert(RETURNS).values(**copy))
    finally:
        engine.dispose()


def test_reading_never_waits_for_an_import_in_another_process(sqlite_lead, tmp_path):
    lead = sqlite_lead
    from rxlog.central.status import status_matrix

    inst = gen.Installation.new(25)
    lead.trust(inst, tmp_path)
    lead.load(make(inst, "2026-11", tmp_path / "a"))
    other = sqlite3.connect(lead.db.removeprefix("sqlite:///"), isolation_level=None, timeout=0)
    other.execute("BEGIN IMMEDIATE")  # another importer holds the write lock
    try:
        matrix = status_matrix(lead.store)  # would wait 10 s and fail if reads locked
        assert [t.gphc for t in matrix.technicians] == [inst.gphc]
    finally:
        other.execute("ROLLBACK")
        other.close()


# -- Outlook's .msg: the same as .eml --------------------------------------------------------
def _msg(path: Path, manifest: Path | None, subject: str = "RxLog return G82001 2026-11 v1"):
    from msgfile import write_msg

    files = []
    if manifest is not None:
        base = manifest.name[: -len(".manifest.json")]
        for suffix in (".csv", ".pdf", ".manifest.json"):
            files.append((base + suffix, (manifest.parent / f"{base}{suffix}").read_bytes()))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(write_msg(subject, files))
    return path


def test_a_folder_of_outlook_msg_files_imports_the_attached_returns(lead, tmp_path):
    inst = gen.Installation.new(26)
    lead.trust(inst, tmp_path)
    m1 = make(inst, "2026-10", tmp_path / "r")
    m2 = make(inst, "2026-11", tmp_path / "r")
    _msg(tmp_path / "outlook" / "October return.msg", m1)
    _msg(tmp_path / "outlook" / "November return.MSG", m2)
    _msg(tmp_path / "outlook" / "Team lunch.msg", None, subject="Team lunch on Friday")
    (tmp_path / "outlook" / "not really.msg").write_bytes(b"From: x\r\n\r\nplain text")
    results = {Path(r.source).name: r.outcome for r in lead.load(tmp_path / "outlook")}
    assert results == {
        "October return.msg": IMPORTED,
        "November return.MSG": IMPORTED,
        "Team lunch.msg": SKIPPED,  # not a return: left alone
        "not really.msg": REFUSED,  # damaged: refused with its reason, the rest imported
    }, results
    assert totals(lead.db) == csv_totals([m1, m2])
    [r] = lead.load(tmp_path / "outlook" / "Team lunch.msg")  # named: a refusal, with why
    assert r.outcome == REFUSED and "no RxLog return attached" in r.message
    [r] = lead.load(tmp_path / "outlook" / "not really.msg")
    assert r.outcome == REFUSED and "not a readable Outlook message" in r.message


def test_a_tampered_msg_attachment_is_refused(lead, tmp_path):
    inst = gen.Installation.new(27)
    lead.trust(inst, tmp_path)
    m = make(inst, "2026-11", tmp_path / "r")
    csv_path = m.with_name(m.name.replace(".manifest.json", ".csv"))
    csv_path.write_bytes(csv_path.read_bytes().replace(b",pilot,", b",baseline,", 1))
    [r] = lead.load(_msg(tmp_path / "mail" / "x.msg", m))
    assert r.outcome == REFUSED and "file changed" in r.message
    assert totals(lead.db)[0] == 0
