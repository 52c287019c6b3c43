"""Monthly return benchmark: export and verify a 2,000-entry month.

(a) ``export_month``: CSV + PDF + PAdES signature + signed manifest + e-mail draft,
    written atomically and the month locked; target <= 1.5 s.
    The first run of a process includes importing reportlab, pyHanko and cryptography.
(b) ``verify_return`` of that return; target <= 0.3 s; with and without validating the
    PDF's own PAdES signature (the hashes in the signed manifest cover the PDF either way).
(c) ``rxlog export`` and ``rxlog verify`` end to end (a new process each time).

Usage: .venv/bin/python bench/bench_export.py [N_ENTRIES] [--runs R]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rxlog.domain import EntryInput  # noqa: E402
from rxlog.service import RxLog  # noqa: E402

TODAY = date(2026, 12, 2)
MONTH = "2026-11"
CODES = [
    ("REP-MGMT", {}), ("REC-DIS", {"discharge_received": True}), ("QRY-PAT", {}),
    ("SAF-HRD", {}), ("LTR-OPD", {}), ("INT-PRESC", {"graded": True}),
    ("ADM-MEET", {"nocount": True}),
    ("INT-OMIT", {"graded": True}), ("PAT-ADH", {}), ("TRV-SITE", {"nocount": True}),
]  # fmt: skip


def make_month(folder: Path, n: int) -> RxLog:
    app = RxLog.open(folder, today=lambda: TODAY)
    app.setup("Alex Morgan", "5012345")
    app.add_placement("G82001", "Bench Surgery", "primary", date(2026, 11, 1), None)
    rnd = random.Random(7)
    days = [date(2026, 11, d) for d in range(1, 31)]  # 2,000 entries need every day
    items = []
    for i in range(n):
        code, extra = CODES[i % len(CODES)]
        d = days[i % len(days)]
        kw: dict = {"minutes": rnd.randint(3, 18), "count": rnd.randint(1, 5)}
        if extra.get("nocount"):
            kw["count"] = None
        if extra.get("graded"):
            kw |= {"significance": rnd.randint(2, 5), "harm": rnd.choice("ABCD"),
                   "released_minutes": rnd.randint(5, 20), "outcome": "accepted"}  # fmt: skip
        if extra.get("discharge_received"):
            kw["discharge_received"] = date.fromordinal(d.toordinal() - rnd.randint(1, 12))
        items.append(EntryInput(code, d, note=f"bench note {i}", **kw))
    app.log_many(items)
    return app


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", nargs="?", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rxlog-bench-export-"))
    data = work / "data"
    t0 = time.perf_counter()
    app = make_month(data, args.n)
    print(f"built {args.n:,} entries in {time.perf_counter() - t0:.1f} s ({work})")

    from rxlog.export.keys import create_keys

    create_keys(data, "Alex Morgan", "5012345")
    app.set_setting("lead_email", "lead@nhs.net")

    t_import = time.perf_counter()
    from rxlog.export.signoff import ExportOptions, export_month, reopen_month
    from rxlog.returnformat.discovery import find_returns
    from rxlog.returnformat.manifest import verify_return

    import_s = time.perf_counter() - t_import

    exports: list[float] = []
    outs: list[Path] = []
    for run in range(args.runs):
        out = work / f"out{run}"
        out.mkdir()
        t = time.perf_counter()
        res = export_month(app, MONTH, ExportOptions(out))
        exports.append(time.perf_counter() - t)
        outs.append(out)
        reopen_month(app, MONTH, "benchmark run")
    sizes = {p.suffix: p.stat().st_size for p in res.files}
    print(f"files of the last run: {sizes}")
    print(f"(a) export, first run of the process (incl. imports): {exports[0] * 1000:.0f} ms")
    print(
        f"(a) export, runs 2..{args.runs}: median {statistics.median(exports[1:]) * 1000:.0f} ms,"
        f" max {max(exports[1:]) * 1000:.0f} ms   (target <= 1500 ms)"
    )
    print(f"    (importing signoff/manifest modules: {import_s * 1000:.0f} ms)")

    for check_pdf in (False, True):
        times = []
        for out in outs:
            (rf,) = find_returns([out])
            t = time.perf_counter()
            verify_return(rf, check_pdf_signature=check_pdf)
            times.append(time.perf_counter() - t)
        label = "with PDF signature" if check_pdf else "manifest + hashes + CSV"
        print(
            f"(b) verify ({label}): first {times[0] * 1000:.0f} ms, "
            f"median of the rest {statistics.median(times[1:]) * 1000:.0f} ms (target <= 300 ms)"
        )

    app.close()
    env = dict(os.environ, RXLOG_TODAY=TODAY.isoformat())
    cmd = [sys.executable, "-m", "rxlog", "--data-dir", str(data)]
    cli_out = work / "cli"
    cli_out.mkdir()
    t = time.perf_counter()
    subprocess.run([*cmd, "export", MONTH, "--out", str(cli_out)], env=env, check=True,
                   capture_output=True)  # fmt: skip
    print(f"(c) rxlog export (new process): {(time.perf_counter() - t) * 1000:.0f} ms")
    for extra in ([], ["--skip-pdf-signature"]):
        t = time.perf_counter()
        subprocess.run([*cmd, "verify", *extra, str(cli_out)], env=env, check=True,
                       capture_output=True)  # fmt: skip
        label = " ".join(extra) or "(default: with PDF signature)"
        print(f"(c) rxlog verify {label} (new process): {(time.perf_counter() - t) * 1000:.0f} ms")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
