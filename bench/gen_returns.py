"""Synthetic signed monthly returns for the central-import benchmark and tests.

Writes what ``rxlog export`` would (CSV in the documented format, signed manifest) for
many technicians and months, plus each installation's public key file, FAST: it skips
PDF rendering and PAdES signing, and writes a small placeholder PDF instead (its hash is
still listed in, and covered by, the signed manifest, which is all the import checks).

Usage:
  .venv/bin/python bench/gen_returns.py OUT [--technicians 50] [--months 20] [--rows 2000]
Gives OUT/keys/<gphc>.pem (trust each with `rxlog central trust`) and
OUT/returns/<gphc>/rxlog_<ODS>_<YYYY-MM>_v1.{csv,pdf,manifest.json}.
"""

from __future__ import annotations

import argparse
import calendar
import csv
import hashlib
import io
import random
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rxlog.export.unit_costs import load_unit_costs  # noqa: E402
from rxlog.returnformat.csvfile import COLUMNS, neutralise  # noqa: E402
from rxlog.returnformat.keyfile import key_file_bytes  # noqa: E402
from rxlog.returnformat.manifest import manifest_file_bytes, sign_manifest  # noqa: E402
from rxlog.scales import HARM_SCALE, SIGNIFICANCE_SCALE  # noqa: E402
from rxlog.taxonomy import current_taxonomy  # noqa: E402

PLACEHOLDER_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
TRUST = ("RPA", "Medway NHS Foundation Trust", "trust", "secondary")


@dataclass
class Installation:
    """One synthetic technician's installation: a name, GPhC number and Ed25519 key."""

    name: str
    gphc: str
    practice: str
    private_key: Any

    @classmethod
    def new(cls, index: int, seed: int = 0) -> Installation:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        rng = random.Random(seed * 1000 + index)
        key = Ed25519PrivateKey.from_private_bytes(rng.randbytes(32))
        return cls(
            f"Technician {index:03d}", f"5{100000 + index:06d}", f"G8{2000 + index:04d}", key
        )

    def public_pem(self) -> bytes:
        from cryptography.hazmat.primitives import serialization

        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def fingerprint(self) -> str:
        from cryptography.hazmat.primitives import serialization

        raw = self.private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return hashlib.sha256(raw).hexdigest()

    def write_key(self, path: Path, old: bool = False) -> Path:
        """The key file (no certificate: these returns carry a placeholder PDF); ``old``
        writes it as RxLog did before keys named their GPhC number."""
        path.parent.mkdir(parents=True, exist_ok=True)
        if old:
            header = f"# RxLog installation key: {self.name}\n".encode()
            path.write_bytes(header + self.public_pem())
            return path
        path.write_bytes(
            key_file_bytes(
                public_pem=self.public_pem(),
                certificate_pem=None,
                name=self.name,
                gphc=self.gphc,
                fingerprint=self.fingerprint(),
            )
        )
        return path


def _weekdays(month: str) -> list[date]:
    y, m = int(month[:4]), int(month[5:])
    days = [date(y, m, d) for d in range(1, calendar.monthrange(y, m)[1] + 1)]
    return [d for d in days if d.weekday() < 5]


def make_rows(
    inst: Installation, month: str, version: int, n: int, rng: random.Random, phase: str
) -> list[dict[str, Any]]:
    """``n`` plausible entries for one month: practice early in the month, then hospital."""
    tax = current_taxonomy()
    costs = load_unit_costs()
    practice = (inst.practice, f"{inst.practice} Surgery", "gp_practice", "primary")
    by_sector = {s: [c for c in tax.active() if s in c.sectors] for s in ("primary", "secondary")}
    days = _weekdays(month)
    cap = max(1, 24 * 60 // -(-n // len(days)))  # minutes per entry that keep a day <= 24 h
    rows = []
    for i in range(n):
        d = days[min(len(days) - 1, i * len(days) // max(n, 1))]
        ods, site_name, kind, sector = practice if d.day <= 14 else TRUST
        code = rng.choice(by_sector[sector])
        minutes = max(1, round(code.default_minutes * rng.uniform(0.5, 1.5)))
        minutes = min(minutes, cap)  # at most 24 hours a day, as RxLog allows
        row: dict[str, Any] = {
            "return_id": f"{inst.gphc}-{month}", "version": version,
            "entry_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "gphc": inst.gphc, "site": ods, "site_name": site_name, "site_kind": kind,
            "sector": sector, "phase": phase, "date": d.isoformat(), "code": code.code,
            "title": code.title, "category": code.category,
            "taxonomy_version": tax.version, "minutes": minutes,
            "count": rng.choice((1, 1, 1, 2, 3)) if code.counts != "none" else None,
            "count_unit": code.counts if code.counts != "none" else None,
            "significance": None, "significance_scale": None,
            "harm": None, "harm_scale": None, "released_minutes": None, "outcome": None,
            "cost_avoided": None, "unit_cost_version": costs.version, "qs120_days": None,
            "qs120_minutes": None,
        }  # fmt: skip
        if code.intervention:
            released = rng.choice((0, 5, 10, 15, 20))
            cost = costs.cost_of_minutes(released, sector)
            row.update(
                significance=rng.choices(range(1, 7), weights=(1, 6, 20, 45, 22, 6))[0],
                significance_scale=SIGNIFICANCE_SCALE,
                harm=rng.choices("ABCDE", weights=(30, 40, 15, 12, 3))[0],
                harm_scale=HARM_SCALE,
                released_minutes=released,
                outcome=rng.choices(("accepted", "declined", "pending"), (80, 8, 12))[0],
                cost_avoided=f"{cost:.2f}",
                count=1,
            )
        if code.needs_discharge_date:
            row["qs120_days"] = rng.choice((0, 1, 2, 3, 5, 7, 9, 12))
        if code.needs_admission_time:
            row["qs120_minutes"] = admission_minutes(row["entry_id"])
        rows.append(row)
    return rows


def admission_minutes(entry_id: str) -> int | None:
    """Minutes from the patient's admission to an admission reconciliation (NICE QS120 in
    hospital: within 24 hours), as the return carries them: about two in three within 24
    hours, some later (a weekend, a busy ward), about one in eight not recorded. Drawn
    from the entry's id (itself from the seed), so the other columns are the same as
    before admission times were written."""
    rng = random.Random(f"admitted:{entry_id}")
    roll = rng.random()
    if roll < 0.12:
        return None
    return rng.randint(45, 1440) if roll < 0.78 else rng.randint(1441, 4 * 1440)


def csv_bytes(rows: list[dict[str, Any]]) -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(COLUMNS)
    for r in rows:
        w.writerow([neutralise(r.get(c)) for c in COLUMNS])
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")


def write_return(
    inst: Installation,
    month: str,
    rows: list[dict[str, Any]],
    out: Path,
    version: int = 1,
    reason: str | None = None,
) -> Path:
    """Write CSV, placeholder PDF and signed manifest; returns the manifest's path."""
    from collections import Counter

    sites = Counter(r["site"] for r in rows)
    main = min(sites, key=lambda s: (-sites[s], s)) if sites else inst.practice
    base = f"rxlog_{main}_{month}_v{version}"
    files = {f"{base}.csv": csv_bytes(rows), f"{base}.pdf": PLACEHOLDER_PDF}
    seen: dict[str, dict[str, str]] = {}
    for r in rows:
        seen.setdefault(
            r["site"],
            {"ods": r["site"], "name": r["site_name"], "site_kind": r["site_kind"],
             "sector": r["sector"]},
        )  # fmt: skip
    # Totals over every row, as the export's manifest gives them ("interventions" are
    # the rows graded for significance).
    interventions = [r for r in rows if r["significance"] is not None]
    cost = sum((int(r["cost_avoided"].replace(".", "")) for r in rows if r["cost_avoided"]), 0)
    manifest = {
        "format": "rxlog-return/1",
        "return_id": f"{inst.gphc}-{month}",
        "version": version,
        "supersedes": version - 1 if version > 1 else None,
        "supersedes_reason": reason,
        "technician": {"name": inst.name, "gphc": inst.gphc},
        "month": month,
        "sites": sorted(seen.values(), key=lambda s: s["ods"]),
        "taxonomy_versions": sorted({r["taxonomy_version"] for r in rows}),
        "unit_cost_version": rows[0]["unit_cost_version"] if rows else None,
        "exported_at": f"{month}-28T17:00:00+00:00",
        "files": {
            n: {"sha256": hashlib.sha256(b).hexdigest(), "bytes": len(b)} for n, b in files.items()
        },
        "rows": len(rows),
        "totals": {
            "entries": len(rows),
            "minutes": sum(r["minutes"] for r in rows),
            "count": sum(r["count"] or 0 for r in rows),
            "interventions": len(interventions),
            "released_minutes": sum(r["released_minutes"] or 0 for r in rows),
            "cost_avoided": f"{cost // 100}.{cost % 100:02d}",
        },
    }
    out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (out / name).write_bytes(data)
    path = out / f"{base}.manifest.json"
    path.write_bytes(manifest_file_bytes(sign_manifest(manifest, inst.private_key)))
    return path


def months_from(first: str, n: int) -> list[str]:
    y, m = int(first[:4]), int(first[5:])
    out = []
    for _ in range(n):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def generate(
    out: Path, technicians: int, months: int, rows: int, seed: int = 1, first: str = "2025-01"
) -> tuple[list[Path], list[Path]]:
    """Key files and return manifests for ``technicians`` x ``months`` returns."""
    keys, manifests = [], []
    for t in range(1, technicians + 1):
        inst = Installation.new(t, seed)
        keys.append(inst.write_key(out / "keys" / f"{inst.gphc}.pem"))
        for i, month in enumerate(months_from(first, months)):
            rng = random.Random(f"{seed}-{t}-{month}")
            phase = "baseline" if i == 0 else "pilot"
            data = make_rows(inst, month, 1, rows, rng, phase)
            manifests.append(write_return(inst, month, data, out / "returns" / inst.gphc))
    return keys, manifests


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--technicians", type=int, default=50)
    ap.add_argument("--months", type=int, default=20)
    ap.add_argument("--rows", type=int, default=2000, help="entries per return")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    t0 = time.perf_counter()
    keys, manifests = generate(args.out, args.technicians, args.months, args.rows, args.seed)
    print(
        f"{len(manifests)} returns x {args.rows} entries ({len(manifests) * args.rows:,} rows), "
        f"{len(keys)} keys in {args.out} ({time.perf_counter() - t0:.1f} s)"
    )


if __name__ == "__main__":
    main()
