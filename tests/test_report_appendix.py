"""The report's appendix rests on the store: every return used (technician, month,
version, manifest hash), every one not counted with why — superseded, or withdrawn
because its key was revoked as compromised (issue 9's ``revoke --withdraw-from``) — and
the returns still counted though their key was revoked since, with why."""

from __future__ import annotations

import hashlib
import importlib.util
import random
import sys
from pathlib import Path

import pytest
from central_db import central_url  # noqa: F401  (fixture: SQLite and PostgreSQL)
from pdftext import pdf_text

from rxlog.central.importer import import_paths
from rxlog.central.report_data import gather
from rxlog.central.store import CentralStore
from rxlog.central.trust import revoke_key, trust_key

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("gen_returns", ROOT / "bench" / "gen_returns.py")
gen = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("gen_returns", gen)
_spec.loader.exec_module(gen)


@pytest.fixture
def store(tmp_path, central_url):  # noqa: F811
    """Three technicians, two months each; technician 1 re-sent January as v2;
    technician 2's key revoked as compromised (its returns withdrawn), technician 3's
    revoked without withdrawing (lost laptop: what it signed before stays)."""
    st = CentralStore.open(central_url)
    inbox = tmp_path / "inbox"
    fingerprints = {}
    for t in (1, 2, 3):
        inst = gen.Installation.new(t)
        trust_key(st, inst.write_key(tmp_path / f"{t}.pem"), inst.name)
        fingerprints[t] = inst.fingerprint()
        for month in ("2026-01", "2026-02"):
            rows = gen.make_rows(inst, month, 1, 40, random.Random(f"{t}{month}"), "pilot")
            gen.write_return(inst, month, rows, inbox / inst.gphc)
    inst = gen.Installation.new(1)
    rows = gen.make_rows(inst, "2026-01", 2, 45, random.Random(9), "pilot")
    gen.write_return(inst, "2026-01", rows, inbox / "v2", 2, "a day at the wrong site")
    results = import_paths(st, [inbox], workers=1)
    assert all(r.outcome in ("imported", "replaced") for r in results)
    _, withdrawn = revoke_key(st, fingerprints[2][:16], "laptop stolen, key copied",
                              withdraw_from="2026-01-01")  # fmt: skip
    assert len(withdrawn) == 2
    revoke_key(st, fingerprints[3][:16], "laptop replaced")
    yield st, inbox
    st.close()


def _manifest_hash(path: Path) -> str:
    """The SHA-256 of the signed manifest's canonical bytes (what verify checks)."""
    from rxlog.returnformat.manifest import canonical_bytes, verify_return_bytes

    base = path.name.removesuffix(".manifest.json")
    files = {p.name: p.read_bytes() for p in path.parent.glob(f"{base}.*") if p != path}
    m = verify_return_bytes(path.read_bytes(), files, manifest_name=path.name).manifest
    return hashlib.sha256(canonical_bytes(m)).hexdigest()


def test_the_appendix_lists_used_superseded_withdrawn_and_revoked_returns(store):
    from rxlog.central.report_json import report_dict

    st, inbox = store
    data = gather(st)
    used = {(r["gphc"], r["month"], r["version"]) for r in data.returns_used}
    assert used == {("5100001", "2026-01", 2), ("5100001", "2026-02", 1),
                    ("5100003", "2026-01", 1), ("5100003", "2026-02", 1)}  # fmt: skip
    assert data.returns == 4
    why = {(r["gphc"], r["month"], r["version"]): r["why"] for r in data.returns_excluded}
    assert why[("5100001", "2026-01", 1)] == "superseded by v2"
    for month in ("2026-01", "2026-02"):
        text = why[("5100002", month, 1)]
        assert text.startswith("withdrawn on ") and "revoked as compromised" in text
        assert "laptop stolen, key copied" in text
    assert len(why) == 3
    hashes = {_manifest_hash(p) for p in inbox.rglob("*.manifest.json")}
    listed = [r["manifest_sha256"] for r in data.returns_used + data.returns_excluded]
    assert len(listed) == 7 and set(listed) <= hashes  # the files' own hashes
    assert [(rid[:7], v) for rid, v, _ in data.revoked_returns] == [("5100003", 1)] * 2
    assert all("laptop replaced" in data.revoked_why[rid] and "still counted" in
               data.revoked_why[rid] for rid, _, _ in data.revoked_returns)  # fmt: skip
    doc = report_dict(data)
    assert len(doc["returns"]["used"]) == 4 and len(doc["returns"]["excluded"]) == 3
    assert len(doc["returns"]["revoked_still_counted"]) == 2
    from rxlog.central.findings import key_findings

    _, caveats = key_findings(data)
    assert any("2 return(s) were withdrawn" in c for c in caveats)


def test_the_printed_appendix_says_why_each_return_is_not_counted(store, tmp_path):
    from rxlog.central.report_pdf import ReportOptions, write_report

    st, _ = store
    out = write_report(gather(st), ReportOptions(tmp_path / "r.pdf"))
    # Reading order (no -layout), so each cell's lines come out together.
    text = pdf_text(out)
    flat = " ".join(text.split())
    appendix = flat[flat.index("Appendix: the returns") :]
    assert "superseded by v2" in appendix
    assert appendix.count("revoked as compromised") == 2
    assert "laptop stolen, key copied" in appendix
    assert "Returns signed by a key revoked since import" in flat
    assert "laptop replaced" in flat and "still counted" in flat
