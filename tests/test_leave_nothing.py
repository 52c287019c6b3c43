"""Leave nothing behind: exact id prefixes, no stale copies, no orphaned workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path

import pytest

from rxlog.domain import EntryInput
from rxlog.errors import NotFoundError
from rxlog.storage.database import STALE_TMP_SECONDS, Database


@pytest.mark.slow
def test_an_id_prefix_is_matched_exactly_never_as_a_pattern(rx, cli):
    (res,) = rx.log_many([EntryInput("ADM-MEET", date(2026, 10, 6), minutes=30)])
    entry_id = res.entry.id
    for pattern in (entry_id[0] + "___", entry_id[:2] + "%%", "____", "%%%%", entry_id[:3] + "_"):
        with pytest.raises(NotFoundError):
            rx.edit(pattern, {"minutes": 10}, reason="typo")
        r = cli("edit", pattern, "--reason", "typo", "--minutes", "10")
        assert r.code == 2 and "no entry with id" in r.err, (pattern, r)
    assert rx.get(entry_id).minutes == 30
    assert cli("edit", entry_id[:6], "--reason", "typo", "--minutes", "10").code == 0
    assert rx.get(entry_id).minutes == 10


def test_stale_restore_copies_and_temp_files_are_cleaned_at_the_next_open(rx, data_dir):
    rx.close()
    old = time.time() - STALE_TMP_SECONDS - 60
    leftovers = [
        data_dir / ".restore-4242.sqlite3",
        data_dir / ".restore-4242.sqlite3-journal",
        data_dir / ".rxlog.sqlite3.0a1b2c3d.tmp",
        data_dir / "keys" / ".signing_key.pem.deadbeef.tmp",
    ]
    fresh = data_dir / "keys" / ".pdf_key.pem.12345678.tmp"  # a write in progress elsewhere
    mine = data_dir / "notes.restore-1.sqlite3"  # not a name RxLog makes
    (data_dir / "keys").mkdir(exist_ok=True)
    for p in (*leftovers, fresh, mine):
        p.write_bytes(b"SQLite format 3\x00" + b"x" * 1000)
    for p in leftovers[2:]:
        os.utime(p, (old, old))
    Database.open(data_dir).close()
    assert [p.name for p in leftovers if p.exists()] == []
    assert fresh.exists() and mine.exists()


_WORKERS_SCRIPT = textwrap.dedent(
    """
    import os, sys, time
    from rxlog.central.importer import worker_pool

    def pid_then_wait(_):
        time.sleep(0.2)
        return os.getpid()

    if __name__ == "__main__":
        with worker_pool(2) as pool:
            pids = sorted(set(pool.map(pid_then_wait, range(8))))
            print(" ".join(map(str, pids)), flush=True)
            time.sleep(600)  # killed here, workers idle and waiting for work
    """
)


def _alive(pid: int) -> bool:
    if sys.platform == "win32":
        from rxlog.winapi import pid_alive

        return pid_alive(pid)
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "win32" and not Path("/proc").is_dir(), reason="needs /proc")
def test_import_workers_end_when_their_parent_is_killed(tmp_path):
    script = tmp_path / "workers.py"
    script.write_text(_WORKERS_SCRIPT)
    parent = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, text=True, cwd=tmp_path
    )
    try:
        line = parent.stdout.readline()
        workers = [int(p) for p in line.split()]
        assert workers and all(_alive(p) for p in workers), line
    finally:
        parent.kill()  # SIGKILL; on Windows TerminateProcess (Task Manager's "End task")
        parent.wait()
        parent.stdout.close()
    deadline = time.monotonic() + 30  # a bound, not a timing claim: they end at once
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = [p for p in workers if _alive(p)]
    for p in left:
        os.kill(p, signal.SIGTERM if sys.platform == "win32" else signal.SIGKILL)
    assert not left, f"workers {left} outlived their killed parent"
