"""The import's bulk paths (the driver's executemany on SQLite, COPY on PostgreSQL, the
duplicate lookup straight to the driver) store exactly what the rules say, on SQLite
and on PostgreSQL (``central_url``, tests/central_db.py)."""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path

import pytest
from central_db import central_url  # noqa: F401  (fixture: SQLite and PostgreSQL)

from rxlog.central.importer import IMPORTED, REPLACED, _keys_of, import_paths, summarise
from rxlog.central.store import CentralStore
from rxlog.central.trust import trust_key

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("gen_returns", ROOT / "bench" / "gen_returns.py")
gen = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("gen_returns", gen)
_spec.loader.exec_module(gen)


@pytest.fixture
def store(central_url):  # noqa: F811
    st = CentralStore.open(central_url)
    yield st
    st.close()


def _query(store, sql: str) -> list[tuple]:
    from sqlalchemy import text

    with store.read() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def test_an_entry_in_two_returns_is_counted_once_and_the_summary_matches_the_rows(store, tmp_path):
    inst = gen.Installation.new(41)
    trust_key(store, inst.write_key(tmp_path / "k.pem"), inst.name)
    sep = gen.make_rows(inst, "2026-09", 1, 30, random.Random(1), "pilot")
    oct_ = gen.make_rows(inst, "2026-10", 1, 30, random.Random(2), "pilot")
    # An entry moved from September to October after September's return went out: the
    # October return carries it again, and it is counted once, where it came first.
    moved = sep[-1]["entry_id"]
    oct_[0]["entry_id"] = moved
    gen.write_return(inst, "2026-09", sep, tmp_path / "in" / "a")
    gen.write_return(inst, "2026-10", oct_, tmp_path / "in" / "b")
    results = import_paths(store, [tmp_path / "in"], workers=1)
    assert [r.outcome for r in results] == [IMPORTED, IMPORTED]
    assert results[0].duplicates == () and results[0].rows == 30
    assert results[1].duplicates == (moved,) and results[1].rows == 29
    assert "already counted from 5100041-2026-09" in results[1].message
    assert _query(store, "SELECT COUNT(*) FROM central_entry") == [(59,)]
    held = _query(store, f"SELECT return_id FROM central_entry WHERE entry_id = '{moved}'")
    assert held == [("5100041-2026-09",)]
    assert _query(store, "SELECT return_id, entry_id, counted_in FROM central_duplicate "
                  "JOIN central_return ON central_return.id = return_pk") == [
        ("5100041-2026-10", moved, "5100041-2026-09")]  # fmt: skip
    # The summary rows are the entry rows summed (written by COPY on PostgreSQL).
    got = _query(
        store,
        "SELECT month, SUM(entries), SUM(minutes), SUM(released_minutes), "
        "SUM(cost_avoided_pence) FROM central_summary GROUP BY month ORDER BY month",
    )
    want = _query(
        store,
        "SELECT central_return.month, COUNT(*), SUM(minutes), SUM(COALESCE(released_minutes,"
        " 0)), SUM(COALESCE(cost_avoided_pence, 0)) FROM central_entry JOIN central_return ON "
        "central_return.id = return_pk GROUP BY central_return.month ORDER BY 1",
    )
    assert [tuple(int(v) if not isinstance(v, str) else v for v in r) for r in got] == [
        tuple(int(v) if not isinstance(v, str) else v for v in r) for r in want
    ]
    n_summary = _query(store, "SELECT COUNT(*) FROM central_summary")[0][0]
    assert n_summary == len(summarise_rows(sep)) + len(summarise_rows(oct_[1:]))


def summarise_rows(rows: list[dict]) -> list[tuple]:
    from rxlog.returnformat.csvfile import DB_COLUMNS

    tuples = [
        tuple(
            (int(r["cost_avoided"].replace(".", "")) if r["cost_avoided"] else None)
            if c == "cost_avoided_pence"
            else r[c]
            for c in DB_COLUMNS
        )
        for r in rows
    ]
    return summarise(tuples)


def test_a_new_version_replaces_the_rows_written_in_bulk(store, tmp_path):
    inst = gen.Installation.new(42)
    trust_key(store, inst.write_key(tmp_path / "k.pem"), inst.name)
    v1 = gen.make_rows(inst, "2026-10", 1, 25, random.Random(3), "pilot")
    gen.write_return(inst, "2026-10", v1, tmp_path / "v1")
    v2 = gen.make_rows(inst, "2026-10", 2, 7, random.Random(4), "pilot")
    gen.write_return(inst, "2026-10", v2, tmp_path / "v2", 2, "late entries")
    [a] = import_paths(store, [tmp_path / "v1"], workers=1)
    [b] = import_paths(store, [tmp_path / "v2"], workers=1)
    assert (a.outcome, b.outcome, b.replaced_version) == (IMPORTED, REPLACED, 1)
    assert _query(store, "SELECT version, COUNT(*) FROM central_entry GROUP BY version") == [(2, 7)]
    assert _query(store, "SELECT SUM(entries) FROM central_summary")[0][0] == 7


AWKWARD = (
    'C:\\temp\\N "quoted", comma',  # backslashes (COPY's escape), quotes, a comma
    "\\.",  # what would end COPY's data, were it not escaped
    "\\N",  # what COPY reads as NULL, were it not escaped
    "=SUM(A1) @home",  # a cell the CSV guards against formulas
    "Ysbyty Gwynedd – Ŵ café",
)


def test_every_value_is_stored_exactly_as_the_return_gives_it(store, tmp_path):
    """Text with backslashes, quotes and markers, empty cells as NULL and numbers, the
    same whichever bulk path wrote them (COPY text built by the worker, on PostgreSQL)."""
    inst = gen.Installation.new(44)
    trust_key(store, inst.write_key(tmp_path / "k.pem"), inst.name)
    rows = gen.make_rows(inst, "2026-10", 1, 2 * len(AWKWARD), random.Random(6), "pilot")
    for i, text in enumerate(AWKWARD):
        rows[i]["site_name"] = text
        rows[-1 - i]["title"] = text
        rows[i]["phase"] = text[:40]  # a key of the summary rows (COPY too, on PostgreSQL)
    gen.write_return(inst, "2026-10", rows, tmp_path / "in")
    [r] = import_paths(store, [tmp_path / "in"], workers=1)
    assert r.outcome == IMPORTED, r.message
    phases = _query(
        store,
        "SELECT phase, SUM(entries), SUM(minutes) FROM central_summary GROUP BY phase"
        " ORDER BY phase",
    )
    want_phases: dict[str | None, list[int]] = {}
    for x in rows:
        acc = want_phases.setdefault(x["phase"] or None, [0, 0])
        acc[0] += 1
        acc[1] += x["minutes"]
    assert sorted(phases, key=repr) == sorted(((k, *v) for k, v in want_phases.items()), key=repr)
    assert set(AWKWARD) <= {p for p, *_ in phases}
    got = _query(
        store,
        "SELECT entry_id, site_name, title, count, released_minutes, cost_avoided_pence,"
        " qs120_days, minutes FROM central_entry ORDER BY id",
    )
    want = [
        (
            x["entry_id"], x["site_name"], x["title"], x["count"], x["released_minutes"],
            int(x["cost_avoided"].replace(".", "")) if x["cost_avoided"] else None,
            x["qs120_days"], x["minutes"],
        )
        for x in rows
    ]  # fmt: skip
    assert got == want
    assert any(v is None for row in got for v in row)  # NULLs are NULL, not text


def test_the_duplicate_lookup_without_sqlite_json_finds_the_same(tmp_path, monkeypatch):
    """An SQLite without JSON (before 3.38) looks duplicates up in chunks: same result."""
    from rxlog.central import importer

    found = {}
    for has_json in (True, False):
        monkeypatch.setattr(importer, "sqlite3_has_json", lambda has_json=has_json: has_json)
        st = CentralStore.open(f"sqlite:///{tmp_path / f'{has_json}.sqlite3'}")
        inst = gen.Installation.new(45)
        trust_key(st, inst.write_key(tmp_path / "k.pem"), inst.name)
        sep = gen.make_rows(inst, "2026-09", 1, 600, random.Random(7), "pilot")
        oct_ = gen.make_rows(inst, "2026-10", 1, 600, random.Random(8), "pilot")
        for i in (0, 599):  # more ids than one chunk of the lookup
            oct_[i]["entry_id"] = sep[i]["entry_id"]
        gen.write_return(inst, "2026-09", sep, tmp_path / f"in{has_json}" / "a")
        gen.write_return(inst, "2026-10", oct_, tmp_path / f"in{has_json}" / "b")
        results = import_paths(st, [tmp_path / f"in{has_json}"], workers=1)
        found[has_json] = [(x.outcome, x.rows, x.duplicates) for x in results]
        st.close()
    assert found[True] == found[False]
    assert found[True][1] == (
        IMPORTED,
        598,
        tuple(sorted((sep[0]["entry_id"], sep[599]["entry_id"]))),
    )


def test_the_worker_side_of_the_import_never_loads_the_orm(tmp_path):
    """A worker process imports the importer to read, verify and parse: it stays light
    (no SQLAlchemy, no models), which is what keeps the import's memory near its floor."""
    import subprocess

    inst = gen.Installation.new(43)
    rows = gen.make_rows(inst, "2026-10", 1, 20, random.Random(5), "pilot")
    manifest = gen.write_return(inst, "2026-10", rows, tmp_path / "in")
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from rxlog.central.importer import Prepared, prepare\n"
        "from rxlog.returnformat.discovery import discover\n"
        f"[cand] = discover([Path({str(manifest)!r})]).candidates\n"
        "p = prepare(cand)\n"
        "assert isinstance(p, Prepared) and p.problem is None and len(p.parsed.rows) == 20, p\n"
        "print(' '.join(m for m in ('sqlalchemy', 'rxlog.entries', 'rxlog.central.models') "
        "if m in sys.modules) or 'none')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.strip() == "none", out.stdout + out.stderr


def test_the_store_keeps_every_entry_and_summary_row_tied_to_its_return(store, tmp_path):
    """An entry or summary row naming no return is refused, and a return that has either
    is neither deleted nor renumbered (SQLite: its foreign keys; PostgreSQL: checked
    once a statement, c0006)."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    inst = gen.Installation.new(46)
    trust_key(store, inst.write_key(tmp_path / "k.pem"), inst.name)
    rows = gen.make_rows(inst, "2026-10", 1, 5, random.Random(9), "pilot")
    gen.write_return(inst, "2026-10", rows, tmp_path / "in")
    [r] = import_paths(store, [tmp_path / "in"], workers=1)
    assert r.outcome == IMPORTED
    [(pk,)] = _query(store, "SELECT id FROM central_return")
    copy = {
        table: f"INSERT INTO {table} ({cols}) SELECT {{pk}}, {cols[11:]} FROM {table} LIMIT 1"
        for table, cols in (
            ("central_entry", "return_pk, return_id, version, entry_id, gphc, site, sector,"
             " date, code, taxonomy_version, minutes"),
            ("central_summary", "return_pk, month, gphc, site, sector, code, taxonomy_version,"
             " entries, minutes, count, released_minutes, cost_avoided_pence"),
        )
    }  # fmt: skip

    def refused(*statements: str) -> None:
        for bad in statements:
            with pytest.raises(DBAPIError), store.engine.begin() as conn:
                conn.execute(text(bad))

    def count(table: str) -> int:
        return _query(store, f"SELECT COUNT(*) FROM {table} WHERE return_pk = {pk}")[0][0]

    before = (count("central_entry"), count("central_summary"))
    refused(
        copy["central_entry"].format(pk=pk + 1000),  # rows naming a return not there
        copy["central_summary"].format(pk=pk + 1000),
        f"DELETE FROM central_return WHERE id = {pk}",  # a return that has rows
        f"UPDATE central_return SET id = {pk + 1000} WHERE id = {pk}",
    )
    assert (count("central_entry"), count("central_summary")) == before
    with store.engine.begin() as conn:  # rows whose return is there are written as ever
        conn.execute(text(copy["central_entry"].format(pk=pk)))
        conn.execute(text(copy["central_summary"].format(pk=pk)))
        conn.execute(text(f"DELETE FROM central_entry WHERE return_pk = {pk}"))
    refused(f"DELETE FROM central_return WHERE id = {pk}")  # its summary rows hold it
    with store.engine.begin() as conn:
        conn.execute(text(f"DELETE FROM central_summary WHERE return_pk = {pk}"))
        conn.execute(text(f"DELETE FROM central_return WHERE id = {pk}"))
    assert _query(store, "SELECT COUNT(*) FROM central_return") == [(0,)]


def _keys_hold_every_stored_entry(store) -> None:
    """Every stored entry's key is among its return's ``entry_keys`` (what lets the
    lookup probe only the ids whose key another return holds), and no return's keys are
    unknown after an import."""
    from rxlog.central.importer import entry_keys

    keys = {pk: k for pk, k in _query(store, "SELECT id, entry_keys FROM central_return")}
    assert all(k is not None for k in keys.values())
    held = {pk: set(_keys_of(bytes(k))) for pk, k in keys.items()}
    for pk, entry_id in _query(store, "SELECT return_pk, entry_id FROM central_entry"):
        assert _keys_of(entry_keys([entry_id]))[0] in held[pk], (pk, entry_id)


def test_the_entry_keys_filter_the_duplicate_lookup_and_never_change_its_answer(
    store, tmp_path, monkeypatch
):
    """The lookup finds the same duplicates whether the other returns' keys are known
    (only ids whose key matches are looked up), unknown (every id is), or all alike
    (every id matches, so every id is looked up): the keys filter, the index answers."""
    from sqlalchemy import text

    from rxlog.central import importer

    inst = gen.Installation.new(47)
    trust_key(store, inst.write_key(tmp_path / "k.pem"), inst.name)
    months = {m: gen.make_rows(inst, m, 1, 300, random.Random(20 + i), "pilot")
              for i, m in enumerate(("2026-07", "2026-08", "2026-09", "2026-10"))}  # fmt: skip
    jul, aug, sep, oct_ = months.values()
    aug[5]["entry_id"] = jul[7]["entry_id"]  # keys known: found through the filter
    sep[0]["entry_id"] = jul[0]["entry_id"]  # keys unknown: found by looking every id up
    oct_[9]["entry_id"] = aug[9]["entry_id"]  # every key alike: found all the same
    for m, rows in months.items():
        gen.write_return(inst, m, rows, tmp_path / m)

    def one(month: str):
        [r] = import_paths(store, [tmp_path / month], workers=1)
        assert r.outcome == IMPORTED, r.message
        return r.rows, r.duplicates

    assert one("2026-07") == (300, ())
    assert one("2026-08") == (299, (jul[7]["entry_id"],))
    _keys_hold_every_stored_entry(store)
    with store.begin() as conn:  # as if from a store that never had them
        conn.execute(text("UPDATE central_return SET entry_keys = NULL"))
    assert one("2026-09") == (299, (jul[0]["entry_id"],))
    with store.begin() as conn:
        conn.execute(text("UPDATE central_return SET entry_keys = :k"), {"k": b"\0" * 1200})
    monkeypatch.setattr(importer, "entry_keys", lambda ids: b"\0" * (4 * len(ids)))
    assert one("2026-10") == (299, (aug[9]["entry_id"],))
    got = _query(store, "SELECT COUNT(*), COUNT(DISTINCT entry_id) FROM central_entry")
    assert got == [(4 * 300 - 3, 4 * 300 - 3)]


def test_replaced_and_superseded_returns_keep_the_keys_of_every_stored_entry(store, tmp_path):
    inst = gen.Installation.new(48)
    trust_key(store, inst.write_key(tmp_path / "k.pem"), inst.name)
    v1 = gen.make_rows(inst, "2026-10", 1, 40, random.Random(30), "pilot")
    v2 = gen.make_rows(inst, "2026-10", 2, 30, random.Random(31), "pilot")
    nov = gen.make_rows(inst, "2026-11", 1, 20, random.Random(32), "pilot")
    nov[3]["entry_id"] = v2[3]["entry_id"]
    gen.write_return(inst, "2026-10", v1, tmp_path / "v1")
    gen.write_return(inst, "2026-10", v2, tmp_path / "v2", 2, "late entries")
    gen.write_return(inst, "2026-11", nov, tmp_path / "nov")
    outcomes = [
        (r.outcome, r.duplicates)
        for folder in ("v1", "v2", "nov")
        for r in import_paths(store, [tmp_path / folder], workers=1)
    ]
    assert outcomes == [(IMPORTED, ()), (REPLACED, ()), (IMPORTED, (v2[3]["entry_id"],))]
    _keys_hold_every_stored_entry(store)


def test_a_store_from_before_c0008_gets_the_keys_of_the_entries_it_holds(store, tmp_path):
    """Taken back to c0007 (no keys) with returns in it, the store opens at the head
    with each return's keys those of its stored entries (a superseded return: none)."""
    from alembic import command
    from alembic.config import Config

    from rxlog.central.importer import entry_keys
    from rxlog.central.store import SCHEMA_HEAD

    inst = gen.Installation.new(49)
    trust_key(store, inst.write_key(tmp_path / "k.pem"), inst.name)
    v1 = gen.make_rows(inst, "2026-10", 1, 40, random.Random(40), "pilot")
    v2 = gen.make_rows(inst, "2026-10", 2, 30, random.Random(41), "pilot")
    nov = gen.make_rows(inst, "2026-11", 1, 20, random.Random(42), "pilot")
    nov[3]["entry_id"] = v2[3]["entry_id"]  # not stored with November's return
    gen.write_return(inst, "2026-10", v1, tmp_path / "v1")
    gen.write_return(inst, "2026-10", v2, tmp_path / "v2", 2, "late entries")
    gen.write_return(inst, "2026-11", nov, tmp_path / "nov")
    for folder in ("v1", "v2", "nov"):
        import_paths(store, [tmp_path / folder], workers=1)
    cfg = Config()
    cfg.set_main_option("script_location", "rxlog.central:migrations")
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "c0007")
    url = store.url
    store.close()
    again = CentralStore.open(url)
    try:
        assert again.revision() == SCHEMA_HEAD
        got = {
            (month, version): sorted(_keys_of(bytes(k)))
            for month, version, k in _query(
                again, "SELECT month, version, entry_keys FROM central_return"
            )
        }
        assert got == {  # (in any order: the keys are a set)
            ("2026-10", 1): [],
            ("2026-10", 2): sorted(_keys_of(entry_keys([r["entry_id"] for r in v2]))),
            ("2026-11", 1): sorted(
                _keys_of(entry_keys([r["entry_id"] for i, r in enumerate(nov) if i != 3]))
            ),
        }
        _keys_hold_every_stored_entry(again)
    finally:
        again.close()
