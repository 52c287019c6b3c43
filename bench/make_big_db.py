"""Build a large technician database fast, for benchmarks (not a test fixture).

The entries go in through raw ``executemany`` into the real schema with the entry
index dropped, then the index is rebuilt: about 20x faster than the ORM (see
../shared/stack-notes.md). The audit chain is written too, so ``rxlog audit --verify``
works on the result. Entries are spread over ten years ending the day before
``TODAY`` so that a benchmark can log on ``TODAY`` with its day almost empty.
"""

from __future__ import annotations

import random
import sqlite3
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rxlog import audit  # noqa: E402
from rxlog.service import RxLog  # noqa: E402
from rxlog.storage.models import Entry  # noqa: E402
from rxlog.taxonomy import current_taxonomy  # noqa: E402

TODAY = date(2026, 11, 20)
FIRST_DAY = TODAY - timedelta(days=3650)
COLUMNS = tuple(c.name for c in Entry.__table__.columns)


def make_big_db(data_dir: Path, n_entries: int, seed: int = 1) -> Path:
    app = RxLog.open(data_dir, today=lambda: TODAY)
    app.setup("Benchmark Technician", "5000001")
    app.add_placement("G82001", "Benchmark Surgery", "primary", FIRST_DAY, None)
    app.add_phase("baseline", FIRST_DAY, FIRST_DAY + timedelta(days=30))
    app.add_phase("pilot", FIRST_DAY + timedelta(days=31), None)
    path = app.db.path
    app.close()

    tax = current_taxonomy()
    codes = [c for c in tax.active() if "primary" in c.sectors]
    rng = random.Random(seed)
    days = (TODAY - FIRST_DAY).days  # entries on FIRST_DAY .. TODAY-1
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("DROP INDEX IF EXISTS ix_entry_date_code")
    con.execute("DROP INDEX IF EXISTS ix_audit_entry_id")
    prev_hash = audit.GENESIS
    placeholders = ",".join("?" * len(COLUMNS))
    batch: list[tuple] = []
    audit_batch: list[tuple] = []
    stamp = "2026-01-01T00:00:00.000000+00:00"
    for i in range(n_entries):
        code = codes[rng.randrange(len(codes))]
        d = FIRST_DAY + timedelta(days=(i * days) // n_entries)
        row = {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "date": d.isoformat(),
            "site": "G82001",
            "sector": "primary",
            "code": code.code,
            "taxonomy_version": tax.version,
            "minutes": rng.randint(1, 5),
            "count": None if code.counts == "none" else rng.randint(1, 3),
            "significance": rng.randint(2, 5) if code.intervention else None,
            "significance_scale": None,
            "harm": None,
            "harm_scale": None,
            "released_minutes": None,
            "outcome": "accepted" if code.intervention else None,
            "discharge_received": None,
            "note": None,
            "created_at": stamp,
            "updated_at": stamp,
        }
        if code.intervention:
            row["significance_scale"] = "Eadon 1992 (1-6)"
        batch.append(tuple(row.get(c) for c in COLUMNS))  # columns added later (0007): NULL
        seq = i + 1
        fields = {
            "seq": seq, "at": stamp, "os_user": "bench", "technician": "5000001",
            "action": "create", "entry_id": row["id"], "before": None,
            "after": audit._canonical(row), "reason": None,
        }  # fmt: skip
        h = audit._record_hash(prev_hash, fields)
        audit_batch.append((seq, stamp, "bench", "5000001", "create", row["id"], None,
                            fields["after"], None, prev_hash, h))  # fmt: skip
        prev_hash = h
        if len(batch) >= 50_000:
            _flush(con, placeholders, batch, audit_batch)
    _flush(con, placeholders, batch, audit_batch)
    con.execute("CREATE INDEX ix_entry_date_code ON entry (date, code, minutes, count)")
    con.execute("CREATE INDEX ix_audit_entry_id ON audit (entry_id)")
    con.execute("ANALYZE")
    con.commit()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return path


def _flush(con: sqlite3.Connection, placeholders: str, batch: list, audit_batch: list) -> None:
    con.executemany(f"INSERT INTO entry ({','.join(COLUMNS)}) VALUES ({placeholders})", batch)
    con.executemany(
        "INSERT INTO audit (seq, at, os_user, technician, action, entry_id, before, after, "
        "reason, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        audit_batch,
    )
    con.commit()
    batch.clear()
    audit_batch.clear()


if __name__ == "__main__":
    target = Path(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    t0 = time.perf_counter()
    make_big_db(target, n)
    print(f"{n} entries in {target} in {time.perf_counter() - t0:.1f} s")
