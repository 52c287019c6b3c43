"""Crash test: real RxLog processes SIGKILLed at random moments, hundreds of times.

After every kill the next process opens the same data folder (so a kill during
open, migration check, daily backup or a write is recovered from by RxLog itself).
At the end: every entry a process reported saved is there with exactly the values
it was given, nothing is half there, ``PRAGMA integrity_check`` is ok, the audit chain
verifies, and every file in ``backups/`` is a whole, readable database.

``RXLOG_CRASH_KILLS`` (default 250 forked + 8 cold-started processes) and
``RXLOG_CRASH_SEED`` set the size and the randomness; the figures are printed (run
with ``-s``) and recorded in docs/reliability.md.
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from crash_driver import planned  # noqa: E402

from rxlog.storage import backups, health  # noqa: E402
from rxlog.storage.paths import DB_FILENAME  # noqa: E402

KILLS = int(os.environ.get("RXLOG_CRASH_KILLS", "250"))
COLD = max(2, KILLS // 30)
SEED = int(os.environ.get("RXLOG_CRASH_SEED", "20261126"))


def _parse(logfile: Path) -> list[tuple[str, int, str]]:
    ops = []
    if not logfile.exists():
        return ops
    for line in logfile.read_text().splitlines():
        assert not line.startswith("ERROR"), f"{logfile.name}: {line}"
        if line == "open":
            continue
        kind, i, entry_id = line.split()
        ops.append((kind, int(i), entry_id))
    return ops


def _check(data_dir: Path, runs: dict[int, Path]) -> dict[str, int]:
    """Compare the database with what each process said; return the figures."""
    expected: dict[str, dict[str, object] | None] = {}  # id -> values, None if deleted
    maybe_minutes: dict[str, set[int]] = {}
    in_flight_logs: dict[str, tuple[int, int]] = {}  # note -> (run, i)
    maybe_deleted: set[str] = set()
    reported = 0
    for run, logfile in runs.items():
        ops = _parse(logfile)
        last_logged = None
        for kind, i, entry_id in ops:
            p_kind, values = planned(run, i)
            assert p_kind[0].upper() == kind, (run, i, kind)
            if kind == "L":
                reported += 1
                expected[entry_id] = {
                    "note": values["note"],
                    "date": values["date"].isoformat(),  # type: ignore[attr-defined]
                    "code": values["code"],
                    "minutes": 1,
                }
                last_logged = entry_id
            elif kind == "E":
                expected[entry_id]["minutes"] = 2  # type: ignore[index]
            else:
                expected[entry_id] = None
        nxt = ops[-1][1] + 1 if ops else 0
        kind, values = planned(run, nxt)
        if kind == "log":
            in_flight_logs[str(values["note"])] = (run, nxt)
        elif kind == "edit" and last_logged and expected.get(last_logged):
            maybe_minutes[last_logged] = {1, 2}
        elif kind == "delete" and last_logged:
            maybe_deleted.add(last_logged)

    con = sqlite3.connect(health.sqlite_uri(data_dir / DB_FILENAME), uri=True)
    rows = con.execute("SELECT id, note, date, code, minutes FROM entry").fetchall()
    con.close()
    found = {r[0]: r for r in rows}
    lost, extra, in_flight_kept = [], [], 0
    for entry_id, want in expected.items():
        row = found.get(entry_id)
        if want is None:
            assert row is None, f"entry {entry_id} was reported deleted but is there"
            continue
        if row is None:
            if entry_id not in maybe_deleted:
                lost.append(entry_id)
            continue
        minutes_ok = maybe_minutes.get(entry_id, {want["minutes"]})
        assert (row[1], row[2], row[3]) == (want["note"], want["date"], want["code"]), row
        assert row[4] in minutes_ok, (row, minutes_ok)
    for entry_id, row in found.items():
        if entry_id in expected:
            continue
        if row[1] in in_flight_logs:  # the log in flight at the kill: whole, or absent
            run, i = in_flight_logs[row[1]]
            _, values = planned(run, i)
            assert (row[2], row[3], row[4]) == (values["date"].isoformat(), values["code"], 1)  # type: ignore[attr-defined]
            in_flight_kept += 1
        else:
            extra.append(row)
    assert not lost, f"{len(lost)} entries reported saved are missing: {lost[:5]}"
    assert not extra, f"entries nobody reported or was writing: {extra[:5]}"
    return {"reported_saved": reported, "stored": len(found), "in_flight_kept": in_flight_kept}


def _verify_folder(data_dir: Path) -> dict[str, int]:
    assert health.integrity_problems(data_dir / DB_FILENAME) == []
    from rxlog.service import RxLog

    app = RxLog.open(data_dir)
    try:
        report = app.verify_audit()
        assert report.ok, report.problems
    finally:
        app.close()
    made = backups.list_backups(data_dir)
    for b in made:
        assert backups.backup_problem(b.path) is None, b.path
    # temp files of backups cut short are never taken for backups, and are cleared
    # once they are old (ten minutes; aged here by hand)
    folder = backups.backups_dir(data_dir)
    leftovers = [p for p in folder.iterdir() if p.suffix != ".sqlite3"]
    for p in leftovers:
        os.utime(p, (time.time() - 3600, time.time() - 3600))
    backups.prune(data_dir, 1000, 1000)
    assert [p.name for p in folder.iterdir() if p.suffix != ".sqlite3"] == []
    assert backups.list_backups(data_dir) == made
    return {"audit_records": report.records, "backups": len(made), "leftovers": len(leftovers)}


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "fork"), reason="the crash driver forks (POSIX)")
def test_sigkill_at_random_moments_loses_nothing(tmp_path: Path) -> None:
    rnd = random.Random(SEED)
    data_dir = tmp_path / "crash data é"
    logs = tmp_path / "logs"
    logs.mkdir()
    runs: dict[int, Path] = {}
    outcomes = {"killed": 0, "other": 0}
    started = time.monotonic()

    zygote = subprocess.Popen(
        [sys.executable, str(HERE / "crash_driver.py"), "zygote"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    try:
        assert zygote.stdout is not None and zygote.stdin is not None
        assert zygote.stdout.readline().strip() == "ready"
        saved = 0
        run = 0
        # KILLS kills at random moments; then, on a loaded machine where a process logs
        # less before its kill, more kills each after its process has reported 1-5 logs,
        # until the processes have reported more logs than there were kills (so the kills
        # really landed mid-work on any machine), at most KILLS more.
        while run < KILLS or (saved <= KILLS and run < 2 * KILLS):
            today = date(2026, 11, 1) + timedelta(days=rnd.randrange(30))  # and backwards
            delay = rnd.choice((rnd.uniform(0, 0.05), rnd.uniform(0, 0.3)))
            mode: tuple[str, ...] = ()
            if run >= KILLS:
                delay, mode = rnd.uniform(0, 0.05), (f"after:{rnd.randint(1, 5)}",)
            runs[run] = logs / f"run-{run}.txt"
            fields = ("RUN", str(data_dir), str(run), today.isoformat(), f"{delay:.4f}")
            zygote.stdin.write("\t".join((*fields, str(runs[run]), *mode)) + "\n")
            zygote.stdin.flush()
            reply = zygote.stdout.readline().split()
            assert reply[:2] == ["done", str(run)], reply
            outcomes["killed" if reply[2] == "killed" else "other"] += 1
            saved += sum(k == "L" for k, _, _ in _parse(runs[run]))  # fails fast on ERROR
            run += 1
    finally:
        zygote.stdin.close()  # type: ignore[union-attr]
        zygote.wait(timeout=30)
        zygote.stdout.close()  # type: ignore[union-attr]

    env = {**os.environ, "RXLOG_TODAY": "2026-11-30"}
    forked = run
    for run in range(forked, forked + COLD):  # cold starts: imports, then work, then SIGKILL
        runs[run] = logs / f"run-{run}.txt"
        proc = subprocess.Popen(
            [sys.executable, str(HERE / "crash_driver.py"), "once", str(data_dir), str(run)]
            + [str(runs[run])],
            env=env,
        )
        time.sleep(rnd.uniform(0.2, 1.5))
        proc.kill()
        proc.wait()
        outcomes["killed" if proc.returncode == -9 else "other"] += 1
        _parse(runs[run])

    figures = _check(data_dir, runs)
    figures.update(_verify_folder(data_dir))
    figures.update(kills=outcomes["killed"], not_killed=outcomes["other"], lost=0)
    figures["seconds"] = round(time.monotonic() - started)
    print(f"\ncrash test figures (seed {SEED}): {figures}")
    assert outcomes["killed"] >= (forked + COLD) * 0.95, outcomes
    assert figures["reported_saved"] > KILLS  # the kills really landed mid-work


@pytest.mark.parametrize("broken", ["header", "page"])
def test_a_damaged_database_is_named_and_left_alone(tmp_path: Path, broken: str) -> None:
    """After damage (not from a kill: by hand), RxLog refuses, names the backup, keeps the file."""
    from rxlog.errors import StorageError
    from rxlog.service import RxLog

    data_dir = tmp_path / "data"
    app = RxLog.open(data_dir)
    app.setup("Alex Morgan", "5012345")
    good = backups.backup_now(app)
    app.close()
    path = data_dir / DB_FILENAME
    raw = bytearray(path.read_bytes())
    if broken == "header":
        raw[0:16] = b"garbage garbage!"
    else:  # the schema page: sqlite_master is unreadable
        raw[100:4096] = bytes(len(raw[100:4096]))
    path.write_bytes(bytes(raw))
    before = path.read_bytes()
    with pytest.raises(StorageError) as err:
        RxLog.open(data_dir)
    assert str(good.path) in str(err.value) and "rxlog restore" in str(err.value)
    assert path.read_bytes() == before
