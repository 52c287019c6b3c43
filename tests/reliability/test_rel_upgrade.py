"""Upgrade proof: a database at every earlier schema revision, filled, opens on the latest.

Every record survives the migration byte for byte (the audit trail as it reads: 0005
moved note texts beside the hashed records and re-chained them), the chain verifies, a
pre-migration backup is taken, and a migration that fails (a stray table in the way,
or a broken revision injected into a copy of the migration scripts) leaves the file
byte-identical. A process killed while migrating leaves the old or the new schema,
never a mix, and nothing lost.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from rxlog import audit
from rxlog.demo import fill_demo
from rxlog.domain import EntryInput
from rxlog.errors import StorageError
from rxlog.service import RxLog
from rxlog.storage import database, health
from rxlog.storage.database import KNOWN_REVISIONS, SCHEMA_HEAD, Database, read_revision
from rxlog.storage.paths import DB_FILENAME

EARLIER = KNOWN_REVISIONS[:-1]
HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def source_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real installation at the latest schema: demo months plus edits, deletes, Unicode;
    without admission date-times, which no revision before 0007 can hold (every revision
    here is earlier)."""
    assert all(r < "0007" for r in EARLIER), "a revision with admission times: fill them too"
    data_dir = tmp_path_factory.mktemp("source")
    app = RxLog.open(data_dir, today=lambda: date(2026, 11, 20))
    fill_demo(app, months=2, end_month="2026-11", admission_times=False)
    ids = app.list_ids()
    app.edit(ids[0], {"minutes": 33, "note": "edited — naïve café ✓"}, "typo")
    app.delete(ids[1], "logged twice")
    app.log(EntryInput(code="QRY-CLIN", date=date(2026, 11, 20), note="Zoë's 'quote' \"x\""))
    app.close()
    return data_dir / DB_FILENAME


def _columns(con: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in con.execute(f'PRAGMA table_info("{table}")')]


def _tables(con: sqlite3.Connection) -> list[str]:
    rows = con.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
        "AND name != 'alembic_version'"
    )
    return sorted(r[0] for r in rows)


def _build_at(revision: str, source: Path, target_dir: Path) -> dict[str, list[tuple]]:
    """A database at ``revision`` filled by raw SQL from ``source``; returns its rows."""
    from alembic import command
    from alembic.config import Config

    target_dir.mkdir(parents=True, exist_ok=True)
    path = target_dir / DB_FILENAME
    engine = database._make_engine(path)
    cfg = Config()
    cfg.set_main_option("script_location", "rxlog.storage:migrations")
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    engine.dispose()
    con = sqlite3.connect(path)
    # A plain path: Windows' bundled sqlite3 is built without SQLITE_USE_URI, so ATTACH
    # does not read a file: URI there.
    con.execute("ATTACH DATABASE ? AS src", (str(source),))
    for table in _tables(con):
        cols = ", ".join(f'"{c}"' for c in _columns(con, table))
        con.execute(f'INSERT INTO main."{table}" ({cols}) SELECT {cols} FROM src."{table}"')
    if "notes" not in _columns(con, "audit"):
        _unseal(con)
    con.commit()
    rows = {}
    for table in _tables(con):
        cols = ", ".join(f'"{c}"' for c in _columns(con, table))
        rows[table] = con.execute(f'SELECT {cols} FROM main."{table}" ORDER BY 1').fetchall()
    con.execute("DETACH DATABASE src")
    con.close()
    rows["audit"] = _audit_as_text(path)
    assert read_revision(path) == revision
    return rows


_AUDIT_COLS = 'seq, at, os_user, technician, action, entry_id, reason, "before", "after"'


def _unseal(con: sqlite3.Connection) -> None:
    """Before 0005 a note's text was inside the hashed snapshot: put the source's note
    texts back there and re-chain with the same formula, as an older RxLog wrote it."""
    prev = audit.GENESIS
    for r in con.execute(f"SELECT {_AUDIT_COLS}, notes FROM src.audit ORDER BY seq").fetchall():
        rec = SimpleNamespace(seq=r[0], before=r[7], after=r[8], notes=r[9])
        sides = [audit.state(rec, side) for side in ("before", "after")]  # type: ignore[arg-type]
        before, after = (audit._canonical(v) if v is not None else None for v in sides)
        names = ("seq", "at", "os_user", "technician", "action", "entry_id")
        fields = dict(zip(names, r[:6], strict=True))
        fields.update(before=before, after=after, reason=r[6])
        h = audit._record_hash(prev, fields)
        con.execute(
            'UPDATE main.audit SET "before" = ?, "after" = ?, prev_hash = ?, hash = ? '
            "WHERE seq = ?",
            (before, after, prev, h, r[0]),
        )
        prev = h


def _audit_as_text(path: Path) -> list[tuple]:
    """Every audit record as it reads, whatever the revision: its fields and its
    snapshots with the note's text (0005 moved the text beside the hashed record)."""
    con = sqlite3.connect(health.sqlite_uri(path), uri=True)
    try:
        has_notes = "notes" in _columns(con, "audit")
        q = f"SELECT {_AUDIT_COLS}{', notes' if has_notes else ''} FROM audit ORDER BY seq"
        out = []
        for r in con.execute(q).fetchall():
            rec = SimpleNamespace(
                seq=r[0], before=r[7], after=r[8], notes=r[9] if has_notes else None
            )
            sides = [
                audit.state(rec, side) if has_notes else (json.loads(raw) if raw else None)  # type: ignore[arg-type]
                for side, raw in (("before", r[7]), ("after", r[8]))
            ]
            out.append((*r[:7], *(json.dumps(v, sort_keys=True) for v in sides)))
        return out
    finally:
        con.close()


def _rows_now(path: Path, tables: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    con = sqlite3.connect(health.sqlite_uri(path), uri=True)
    out = {"audit": _audit_as_text(path)}
    for table, old in tables.items():
        if table == "audit":
            continue
        cols = _columns(con, table)[: len(old[0])] if old else _columns(con, table)
        sel = ", ".join(f'"{c}"' for c in cols)
        out[table] = con.execute(f'SELECT {sel} FROM "{table}" ORDER BY 1').fetchall()
    con.close()
    return out


@pytest.mark.slow
@pytest.mark.parametrize("revision", EARLIER)
def test_every_earlier_revision_migrates_with_every_record(
    revision: str, source_db: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "old"
    before = _build_at(revision, source_db, data_dir)
    assert sum(len(v) for v in before.values()) > 500  # really filled
    original = (data_dir / DB_FILENAME).read_bytes()

    app = RxLog.open(data_dir)
    assert read_revision(data_dir / DB_FILENAME) == SCHEMA_HEAD
    assert _rows_now(data_dir / DB_FILENAME, before) == before
    report = app.verify_audit()
    assert report.ok and report.entries == len(before["entry"]), report.problems
    assert app.log(EntryInput(code="QRY-CLIN", date=date(2026, 11, 2))).entry.id
    app.close()
    copies = list((data_dir / "backups").glob(f"pre-migration-{revision}-*.sqlite3"))
    assert len(copies) == 1
    assert read_revision(copies[0]) == revision
    assert _rows_now(copies[0], before) == before
    assert (data_dir / DB_FILENAME).read_bytes() != original


def test_a_migration_that_fails_midway_leaves_the_file_byte_identical(
    source_db: Path, tmp_path: Path
) -> None:
    """0002 creates month_lock and return_record, then fails on a stray 'setting' table."""
    data_dir = tmp_path / "old"
    _build_at("0001", source_db, data_dir)
    path = data_dir / DB_FILENAME
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE setting (something TEXT)")
    con.commit()
    con.close()
    original = path.read_bytes()
    with pytest.raises(StorageError, match="unchanged"):
        Database.open(data_dir)
    assert path.read_bytes() == original
    assert not path.with_name(DB_FILENAME + "-wal").exists()
    con = sqlite3.connect(health.sqlite_uri(path), uri=True)
    assert "month_lock" not in _tables(con)  # the first half was rolled back too
    con.close()


@pytest.mark.slow
def test_an_injected_broken_revision_leaves_the_file_byte_identical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "data"
    app = RxLog.open(data_dir, today=lambda: date(2026, 11, 20))
    fill_demo(app, months=1, end_month="2026-11")
    app.close()
    path = data_dir / DB_FILENAME
    original = path.read_bytes()

    scripts = tmp_path / "migrations"
    shutil.copytree(Path(database.__file__).parent / "migrations", scripts)
    (scripts / "versions" / "9000_broken.py").write_text(
        '"""Broken on purpose."""\n'
        "import sqlalchemy as sa\nfrom alembic import op\n\n"
        'revision = "9000"\ndown_revision = "' + SCHEMA_HEAD + '"\n'
        "branch_labels = None\ndepends_on = None\n\n\n"
        "def upgrade():\n"
        '    op.add_column("entry", sa.Column("extra", sa.Integer, nullable=True))\n'
        '    op.execute("UPDATE entry SET minutes = minutes + 1")\n'
        '    op.execute("DELETE FROM audit")\n'
        '    raise RuntimeError("this migration is broken")\n',
        encoding="utf-8",
    )
    from alembic.config import Config

    real_set = Config.set_main_option

    def to_copy(self: Config, name: str, value: str) -> None:
        real_set(self, name, str(scripts) if name == "script_location" else value)

    monkeypatch.setattr(Config, "set_main_option", to_copy)
    monkeypatch.setattr(database, "SCHEMA_HEAD", "9000")
    with pytest.raises(StorageError, match="could not bring the database up to date"):
        Database.open(data_dir)
    assert path.read_bytes() == original
    monkeypatch.undo()
    app = RxLog.open(data_dir)
    assert app.verify_audit().ok
    app.close()


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "fork"), reason="the crash driver forks (POSIX)")
def test_a_kill_during_migration_leaves_old_or_new_and_loses_nothing(
    source_db: Path, tmp_path: Path
) -> None:
    template = tmp_path / "template"
    before = _build_at("0001", source_db, template)
    rnd = random.Random(7)
    zygote = subprocess.Popen(
        [sys.executable, str(HERE / "crash_driver.py"), "zygote"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    seen = set()
    try:
        assert zygote.stdout is not None and zygote.stdin is not None
        assert zygote.stdout.readline().strip() == "ready"
        run = 0
        # 24 kills at random moments; on a loaded machine, where the migration may not
        # finish within the delays, more kills each after its process said "open" (the
        # migration committed), until a kill after the commit was seen, at most 24 more.
        while run < 24 or (SCHEMA_HEAD not in seen and run < 48):
            data_dir = tmp_path / f"run{run}"
            shutil.copytree(template, data_dir)
            delay = rnd.uniform(0, 0.3)
            mode = "idle" if run < 24 else "idle\tafter:open"
            line = (
                f"RUN\t{data_dir}\t{run}\t2026-11-20\t{delay:.4f}\t{tmp_path}/log{run}.txt\t{mode}"
            )
            zygote.stdin.write(line + "\n")
            zygote.stdin.flush()
            assert zygote.stdout.readline().split()[:3] == ["done", str(run), "killed"]
            path = data_dir / DB_FILENAME
            assert health.integrity_problems(path) == []
            seen.add(read_revision(path))
            app = RxLog.open(data_dir)  # finishes or redoes the migration
            now = _rows_now(path, before)
            for table, rows in before.items():
                assert now[table] == rows, table
            assert app.verify_audit().ok
            app.close()
            run += 1
    finally:
        zygote.stdin.close()  # type: ignore[union-attr]
        zygote.wait(timeout=30)
        zygote.stdout.close()  # type: ignore[union-attr]
    assert seen == {"0001", SCHEMA_HEAD}  # kills landed before and after the commit
    print(f"\nkilled during or after migration: revisions seen after the kill: {sorted(seen)}")


@pytest.mark.slow
def test_several_rxlogs_opening_an_old_database_at_once_take_turns(
    source_db: Path, tmp_path: Path
) -> None:
    """Three processes start together on a 0001 database: one migrates, all succeed."""
    data_dir = tmp_path / "old"
    before = _build_at("0001", source_db, data_dir)
    env = {**os.environ, "RXLOG_TODAY": "2026-11-20"}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "rxlog",
                "--data-dir",
                str(data_dir),
                "list",
                "--month",
                "2026-11",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(3)
    ]
    # a bound for a hang, not a timing claim (three Windows Pythons starting at once under
    # wine on a loaded 2-core machine are slow to start)
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
        assert "entries" in out
    assert read_revision(data_dir / DB_FILENAME) == SCHEMA_HEAD
    assert len(list((data_dir / "backups").glob("pre-migration-0001-*.sqlite3"))) == 1
    assert _rows_now(data_dir / DB_FILENAME, before) == before
