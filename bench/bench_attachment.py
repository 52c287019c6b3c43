"""A big attachment: what importing a return with a 50 MB file costs in memory, beside its floor.

    .venv/bin/python bench/bench_attachment.py [--mb 50] [--quick]

Cases, each imported into a new SQLite store in a new process; memory is the peak of
what Python allocates during the import (tracemalloc: every bytes, str and row object,
not the libraries loaded before):
  - a return whose PDF is ``--mb`` MB (the signed manifest lists its hash);
  - the same return as a saved e-mail (.eml) of about ``--mb`` MB;
  - a hostile oversized file: a PDF larger than any return's file (sparse, so it costs no
    disk), and an oversized .eml: refused with the reason, without reading them whole.
The floor reads the return's files and hashes them (SHA-256): the least an import can do
with a file it must check, so its memory is about the file's size. Prints RxLog's extra
memory, the floor's and the ratio, and each refusal's reason.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from floor import PY  # noqa: E402


def make_cases(folder: Path, mb: int) -> dict[str, Path]:
    import gen_returns as gen

    from rxlog.returnformat.eml import EmlOptions, write_eml
    from rxlog.returnformat.manifest import manifest_file_bytes, sign_manifest

    inst = gen.Installation.new(7)
    inst.write_key(folder / "keys" / f"{inst.gphc}.pem")
    rows = gen.make_rows(inst, "2026-10", 1, 2000, random.Random(3), "pilot")
    big = folder / "big"
    manifest = gen.write_return(inst, "2026-10", rows, big)
    doc = json.loads(manifest.read_text("utf-8"))
    m = doc["manifest"]
    pdf_name = next(n for n in m["files"] if n.endswith(".pdf"))
    pdf = big / pdf_name
    # A PDF padded to the size asked for (random bytes: an e-mail's base64 cannot shrink it).
    with pdf.open("ab") as f:
        f.write(b"%" + os.urandom(mb * 1024 * 1024))
    import hashlib

    data = pdf.read_bytes()
    m["files"][pdf_name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    manifest.write_bytes(manifest_file_bytes(sign_manifest(m, inst.private_key)))
    del data
    mail = folder / "mail"
    mail.mkdir()
    from datetime import UTC, datetime

    attached = [(p.name, p.read_bytes()) for p in sorted(big.iterdir())]
    eml = mail / f"{manifest.name[: -len('.manifest.json')]}.eml"
    eml.write_bytes(
        write_eml(EmlOptions(None, "RxLog return 2026-10", "attached", datetime.now(UTC)), attached)
    )
    del attached
    hostile = folder / "hostile"
    hostile.mkdir()
    from rxlog.returnformat.discovery import MAX_FILE_BYTES
    from rxlog.returnformat.eml import MAX_EML_BYTES

    for p in big.iterdir():
        if p.suffix != ".pdf":
            (hostile / p.name).write_bytes(p.read_bytes())
    with (hostile / pdf_name).open("wb") as f:  # sparse: no disk used
        f.truncate(MAX_FILE_BYTES + 1)
    huge_mail = folder / "huge-mail"
    huge_mail.mkdir()
    with (huge_mail / "rxlog_return.eml").open("wb") as f:
        f.write(b"Subject: RxLog return 2026-10\r\n\r\n")
        f.truncate(MAX_EML_BYTES + 1)
    return {"return with a big PDF": big, "the same as one .eml": mail,
            "hostile: a PDF over the limit": hostile,
            "hostile: an .eml over the limit": huge_mail}  # fmt: skip


def child(kind: str, path: Path, keys: Path, work: Path) -> None:
    import tracemalloc

    out: dict = {}
    if kind == "floor":
        tracemalloc.start()
        import hashlib

        for p in sorted(path.iterdir()):
            hashlib.sha256(p.read_bytes()).hexdigest()
    else:
        from rxlog.central.importer import import_paths
        from rxlog.central.store import CentralStore
        from rxlog.central.trust import trust_key

        store = CentralStore.open(f"sqlite:///{work / 'c.sqlite3'}")
        for k in keys.glob("*.pem"):
            trust_key(store, k, k.stem)
        tracemalloc.start()
        results = import_paths(store, [path], workers=1)
        out["results"] = [(r.outcome, r.message[:200]) for r in results]
        store.close()
    peak = tracemalloc.get_traced_memory()[1]
    print(json.dumps({"extra_kb": peak / 1024, **out}))


def run(kind: str, path: Path, keys: Path, work: Path) -> dict:
    (work / "c.sqlite3").unlink(missing_ok=True)
    res = subprocess.run(
        [PY, __file__, "--child", kind, str(path), str(keys), str(work)],
        capture_output=True,
        text=True,
    )
    if res.returncode:
        raise SystemExit(res.stderr[-2000:])
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=int, default=50)
    ap.add_argument("--quick", action="store_true", help="a 10 MB attachment")
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, path, keys, work = args.child
        child(kind, Path(path), Path(keys), Path(work))
        return
    mb = 10 if args.quick else args.mb
    with tempfile.TemporaryDirectory(prefix="rxlog-attach-") as tmp:
        folder = Path(tmp)
        cases = make_cases(folder, mb)
        keys = folder / "keys"
        print(f"a return with a {mb} MB attachment; memory is the peak Python allocates "
              "during the import (tracemalloc)")  # fmt: skip
        worst = 0.0
        for name, path in cases.items():
            size = sum(p.stat().st_blocks * 512 for p in path.iterdir())  # on disk
            rx = run("rxlog", path, keys, folder)
            outcome = "; ".join(f"{o}: {m}" for o, m in rx["results"])
            if name.startswith("hostile"):
                print(f"  {name}: RxLog +{rx['extra_kb'] / 1024:.0f} MB; {outcome}")
                continue
            fl = run("floor", path, keys, folder)
            ratio = rx["extra_kb"] / max(fl["extra_kb"], 1)
            worst = max(worst, ratio)
            print(
                f"  {name} ({size / 2**20:.0f} MB on disk): RxLog +{rx['extra_kb'] / 1024:.0f} "
                f"MB, floor (read + SHA-256) +{fl['extra_kb'] / 1024:.0f} MB, ratio "
                f"{ratio:.2f}x; {outcome[:120]}"
            )
        one, five, _ = os.getloadavg()
        print(f"  worst ratio {worst:.2f}x; load average {one:.1f} (5 min {five:.1f})")


if __name__ == "__main__":
    main()
