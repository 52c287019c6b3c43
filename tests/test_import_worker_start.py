"""The import's worker start-up: until a worker process is ready the writer prepares the
returns itself, in order; a worker that cannot start leaves every return to the writer;
whichever process prepared a return, the store ends the same. And an import of new
returns loads no ORM into the writer (the driver does its statements)."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import central_db
import pytest
from central_db import central_url  # noqa: F401  (fixture: SQLite and PostgreSQL)
from conftest import bench_module

from rxlog.central import importer
from rxlog.central.importer import IMPORTED, PARALLEL_FROM, REFUSED, REPLACED, import_paths
from rxlog.central.store import CentralStore
from rxlog.central.trust import trust_key

ROOT = Path(__file__).resolve().parent.parent
gen = bench_module("gen_returns")


def _inbox(tmp_path: Path) -> tuple[Path, list[gen.Installation]]:
    """More returns than PARALLEL_FROM: two technicians' months, a second version of
    one, and one from a key nobody trusted."""
    insts = [gen.Installation.new(i) for i in (61, 62)]
    inbox = tmp_path / "in"
    months = gen.months_from("2026-01", PARALLEL_FROM // 2 + 1)
    for inst in insts:
        for m in months:
            rows = gen.make_rows(inst, m, 1, 12, random.Random(f"{inst.gphc}{m}"), "pilot")
            gen.write_return(inst, m, rows, inbox / inst.gphc)
    rows = gen.make_rows(insts[0], months[0], 2, 9, random.Random(7), "pilot")
    gen.write_return(insts[0], months[0], rows, inbox / "v2", 2, "a day was missing")
    stranger = gen.Installation.new(63)
    rows = gen.make_rows(stranger, months[0], 1, 5, random.Random(8), "pilot")
    gen.write_return(stranger, months[0], rows, inbox / "stranger")
    return inbox, insts


@pytest.fixture
def url(central_url: str) -> str:  # noqa: F811
    """An empty store's URL: SQLite, and PostgreSQL when RXLOG_TEST_PG_URL is set."""
    return central_url


def _store(url: str, insts: list[gen.Installation], keys: Path) -> CentralStore:
    store = CentralStore.open(url)
    for inst in insts:
        trust_key(store, inst.write_key(keys / f"{inst.gphc}.pem"), inst.name)
    return store


def _stored(url: str) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """What the store holds, without ids and times (two stores compared)."""
    return (
        central_db.rows(
            url,
            "SELECT return_id, version, state, rows, manifest_sha256 FROM central_return "
            "ORDER BY return_id, version",
        ),
        central_db.rows(
            url,
            "SELECT r.return_id, r.version, e.entry_id, e.minutes, e.cost_avoided_pence "
            "FROM central_entry e JOIN central_return r ON r.id = e.return_pk ORDER BY 1, 2, 3",
        ),
        central_db.rows(
            url,
            "SELECT r.return_id, s.code, s.site, s.entries, s.minutes, s.cost_avoided_pence "
            "FROM central_summary s JOIN central_return r ON r.id = s.return_pk "
            "ORDER BY 1, 2, 3, 4, 5, 6",
        ),
    )


def _outcomes(results: list) -> list[tuple]:
    return [(r.source, r.outcome, r.return_id, r.version, r.rows) for r in results]


def _recording(pool, handed: list[str], wait: bool = False):
    """``pool`` noting the label of each return it is handed (and, with ``wait``, its
    workers up before the writer looks at them)."""
    submit = pool.submit

    def noting(fn, *args):
        fut = submit(fn, *args)
        if fn is importer.prepare:
            handed.append(args[0].label)
        elif wait and fn is importer._warm_up:
            assert fut.result(timeout=300) is True
        return fut

    pool.submit = noting
    return pool


def _one_process(tmp_path: Path, inbox: Path, insts: list) -> tuple[list, tuple]:
    url = f"sqlite:///{tmp_path / 'one.sqlite3'}"
    store = _store(url, insts, tmp_path / "k1")
    try:
        results = import_paths(store, [inbox], workers=1)
    finally:
        store.close()
    return _outcomes(results), _stored(url)


@pytest.mark.slow
def test_a_worker_ready_from_the_start_prepares_all_but_the_first_it_is_handed(
    tmp_path: Path, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, insts = _inbox(tmp_path)
    want = _one_process(tmp_path, inbox, insts)
    real_pool = importer.worker_pool
    handed: list[str] = []
    monkeypatch.setattr(
        importer, "worker_pool", lambda n: _recording(real_pool(n), handed, wait=True)
    )
    store = _store(url, insts, tmp_path / "k2")
    try:
        results = import_paths(store, [inbox], workers=2)
    finally:
        store.close()
    assert len(results) > PARALLEL_FROM
    # The first return is prepared here while the workers take their first ones.
    assert handed == [r.source for r in results[1:]]
    assert _outcomes(results) == want[0]
    assert _stored(url) == want[1]
    outcomes = [r.outcome for r in results]
    assert outcomes.count(REFUSED) == 1 and outcomes.count(REPLACED) == 1
    assert outcomes.count(IMPORTED) == len(results) - 2


@pytest.mark.slow
def test_a_worker_that_cannot_start_leaves_every_return_to_the_writer(
    tmp_path: Path, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker process that dies before it is ready (here: it exits at once) breaks the
    pool; the import does not fail with it: the writer prepares every return itself."""
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    inbox, insts = _inbox(tmp_path)
    want = _one_process(tmp_path, inbox, insts)

    handed: list[str] = []

    def dying_pool(workers: int) -> ProcessPoolExecutor:
        ctx = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=os._exit, initargs=(3,))
        return _recording(pool, handed)

    monkeypatch.setattr(importer, "worker_pool", dying_pool)
    store = _store(url, insts, tmp_path / "k2")
    try:
        results = import_paths(store, [inbox], workers=2)
    finally:
        store.close()
    assert handed == []
    assert _outcomes(results) == want[0]
    assert _stored(url) == want[1]


def test_an_import_of_new_returns_and_resends_loads_no_orm_into_the_writer(
    tmp_path: Path, url: str
) -> None:
    """The store's usual writes (a new return, its summary and event, the duplicate
    lookup, a resend) go straight to the driver: the writer loads neither the models
    nor SQLAlchemy's ORM (about 0.1 s and 8 MB of an import's own)."""
    inst = gen.Installation.new(64)
    for m in ("2026-05", "2026-06"):
        rows = gen.make_rows(inst, m, 1, 20, random.Random(m), "pilot")
        gen.write_return(inst, m, rows, tmp_path / "in")
    _store(url, [inst], tmp_path).close()
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from rxlog.central.importer import import_paths\n"
        "from rxlog.central.store import CentralStore\n"
        "store = CentralStore.open(sys.argv[1])\n"
        "for _ in range(2):  # the returns, then the same again (resends)\n"
        "    got = [r.outcome for r in import_paths(store, [Path(sys.argv[2])], workers=1)]\n"
        "    print(*got)\n"
        "store.close()\n"
        "print(' '.join(m for m in ('sqlalchemy.orm', 'rxlog.central.models', "
        "'rxlog.central.trust') if m in sys.modules) or 'none')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, url, str(tmp_path / "in")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    assert out.stdout.split("\n")[:3] == [
        f"{IMPORTED} {IMPORTED}",
        "already present already present",
        "none",
    ], out.stdout + out.stderr
