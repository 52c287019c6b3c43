"""How long revision 0005 (audit note digests, re-chaining) takes on a big trail.

Builds a database of N entries with ``make_big_db`` (a tenth of them with a note), puts
it back to revision 0004 (note texts inside the hashed snapshots, chained the old way),
then times ``Database.open``, which backs up and migrates. Prints the figures.

    .venv/bin/python bench/bench_migrate_notes.py 200000
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from make_big_db import make_big_db  # noqa: E402

from rxlog import audit  # noqa: E402
from rxlog.storage.database import Database  # noqa: E402


def to_0004(path: Path) -> int:
    """Give every tenth entry a note and rewrite the trail as 0004 wrote it."""
    con = sqlite3.connect(path)
    con.execute("UPDATE entry SET note = 'called the ward back' WHERE rowid % 10 = 0")
    prev = audit.GENESIS
    rows = con.execute(
        'SELECT seq, at, os_user, technician, action, entry_id, "before", "after", reason '
        "FROM audit ORDER BY seq"
    ).fetchall()
    noted = {r[0] for r in con.execute("SELECT id FROM entry WHERE note IS NOT NULL")}
    updates = []
    for seq, at, user, tech, action, eid, before, after, reason in rows:
        if eid in noted and after:
            snap = json.loads(after)
            snap["note"] = "called the ward back"
            after = audit._canonical(snap)
        fields = {"seq": seq, "at": at, "os_user": user, "technician": tech, "action": action,
                  "entry_id": eid, "before": before, "after": after, "reason": reason}  # fmt: skip
        h = audit._record_hash(prev, fields)
        updates.append((after, prev, h, seq))
        prev = h
    con.executemany('UPDATE audit SET "after" = ?, prev_hash = ?, hash = ? WHERE seq = ?', updates)
    con.execute("ALTER TABLE audit DROP COLUMN notes")
    con.execute("UPDATE alembic_version SET version_num = '0004'")
    con.commit()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return len(noted)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    tmp = Path(tempfile.mkdtemp(prefix="rxlog-bench-migrate-"))
    try:
        path = make_big_db(tmp / "data", n)
        noted = to_0004(path)
        t0 = time.perf_counter()
        db = Database.open(tmp / "data")
        took = time.perf_counter() - t0
        with db.transaction() as s:
            ok = audit.verify(s).ok
        db.close()
        print(f"{n:,} entries ({noted:,} with a note): backup + migration 0005 in {took:.1f} s "
              f"({took / n * 1e6:.1f} us a record); chain verifies: {ok}")  # fmt: skip
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
