"""Returns the lead can trust (issue 9): a key is bound to one technician; a return,
or a new version, is accepted only from a key bound to its technician; a revoked
compromised key's returns can be withdrawn; the PDF is bound to its manifest; verify
says "genuine" only when it checked the signer; two technicians at one site never
collide. Real installations, real exports, real signatures throughout."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import central_db
import pytest
from central_db import central_url  # noqa: F401  (fixture: SQLite and PostgreSQL)
from conftest import CliResult, run_rxlog

from rxlog.export import keys
from rxlog.returnformat import base_name
from rxlog.returnformat.manifest import manifest_file_bytes, sign_manifest

rxlog = run_rxlog  # rxlog ARGS... in this process


A = ("Alex Morgan", "5012345")
B = ("Sam Patel", "5023456")
TABLES = ("central_key", "central_return", "central_entry", "central_summary", "central_event")


@dataclass
class World:
    root: Path
    inbox: Path  # both technicians' returns, saved into one folder
    url: str  # the lead's store: SQLite or PostgreSQL (tests/central_db.py)

    def data(self, who: tuple[str, str]) -> Path:
        return self.root / f"tech-{who[1]}"

    def keyfile(self, who: tuple[str, str]) -> Path:
        return self.root / "keys" / f"{who[1]}.pem"

    def manifest(self, who: tuple[str, str]) -> Path:
        (m,) = self.inbox.glob(f"*_GPhC{who[1]}_*2026-10_v1.manifest.json")
        return m

    def central(self, *args: str) -> CliResult:
        return rxlog("central", "--db", self.url, *args)

    def dump(self) -> dict[str, list[tuple]]:
        return central_db.dump(self.url, TABLES)

    def entries_of(self, gphc: str) -> int:
        sql = "SELECT COUNT(*) FROM central_entry WHERE gphc = :gphc"
        return int(central_db.rows(self.url, sql, gphc=gphc)[0][0])


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, central_url: str) -> World:  # noqa: F811
    """Two technicians at the same site (RPA), each exporting October into one inbox."""
    monkeypatch.setenv("RXLOG_TODAY", "2026-11-20")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (tmp_path / "keys").mkdir()
    w = World(tmp_path, inbox, central_url)
    for who, n in ((A, 3), (B, 2)):
        d = str(w.data(who))
        assert rxlog("--data-dir", d, "setup", "--name", who[0], "--gphc", who[1]).code == 0
        r = rxlog("--data-dir", d, "placement", "add", "RPA", "--name", "Medway", "--sector",
                  "secondary", "--from", "2026-10-01", "--to", "2026-10-31")  # fmt: skip
        assert r.code == 0, r.err
        for day in range(n):
            r = rxlog("--data-dir", d, "log", "ACU-TTO", "--date", f"2026-10-0{day + 5}",
                      "--minutes", "30")  # fmt: skip
            assert r.code == 0, r.err
        r = rxlog("--data-dir", d, "export", "2026-10", "--out", str(inbox))
        assert r.code == 0, r.err
        assert rxlog("--data-dir", d, "key", "export", str(w.keyfile(who))).code == 0
    return w


def _csv_with(data: bytes, **cells: Any) -> bytes:
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    header = next(reader)
    buf = io.StringIO(newline="")
    out = csv.writer(buf, lineterminator="\r\n")
    out.writerow(header)
    for row in reader:
        for k, v in cells.items():
            row[header.index(k)] = str(v)
        out.writerow(row)
    return ("\ufeff" + buf.getvalue()).encode()


def forge(
    src: Path, out: Path, signer_dir: Path, *, pdf_from: Path | None = None, **changes: Any
) -> Path:
    """A copy of the return ``src`` with ``changes`` to its manifest, its files renamed
    and its CSV rewritten to match, signed with the installation key in ``signer_dir``."""
    doc = json.loads(src.read_text("utf-8"))
    m = doc["manifest"]
    m.update(changes)
    gphc, version = m["technician"]["gphc"], m["version"]
    short = m["return_id"].split("-", 3)[3] if m["return_id"].count("-") == 3 else None
    m["return_id"] = f"{gphc}-{m['month']}" + (f"-{short}" if short else "")
    base = base_name(m["main_site"], gphc, m["month"], version, short)
    old_csv = next(n for n in m["files"] if n.endswith(".csv"))
    old_pdf = next(n for n in m["files"] if n.endswith(".pdf"))
    csv_bytes = _csv_with(
        (src.parent / old_csv).read_bytes(), return_id=m["return_id"], version=version, gphc=gphc
    )
    pdf_bytes = pdf_from.read_bytes() if pdf_from else (src.parent / old_pdf).read_bytes()
    files = {f"{base}.csv": csv_bytes, f"{base}.pdf": pdf_bytes}
    m["files"] = {n: {"sha256": hashlib.sha256(b).hexdigest(), "bytes": len(b)}
                  for n, b in files.items()}  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    for n, b in files.items():
        (out / n).write_bytes(b)
    signing = keys.load_signing_keys(signer_dir)
    path = out / f"{base}.manifest.json"
    path.write_bytes(manifest_file_bytes(sign_manifest(m, signing.ed25519)))
    return path


@pytest.mark.slow
def test_two_technicians_at_one_site_never_collide(world: World) -> None:
    names = sorted(p.name for p in world.inbox.iterdir())
    assert len(names) == 8  # 4 files each, none overwritten
    assert all(("_GPhC5012345_" in n) != ("_GPhC5023456_" in n) for n in names)
    eml = next(world.inbox.glob("*_GPhC5023456_*.eml")).read_bytes()
    assert re.search(rb"Subject: RxLog return RPA GPhC 5023456 [a-p]{8} 2026-10 v1", eml)
    for who in (A, B):
        assert world.central("trust", str(world.keyfile(who)), "--name", who[0]).code == 0
    r = world.central("import", str(world.inbox))
    assert r.code == 0 and "2 input(s): 2 imported" in r.out, r.out + r.err
    assert world.entries_of(A[1]) == 3 and world.entries_of(B[1]) == 2


@pytest.mark.slow
def test_trust_shows_the_binding_and_refuses_a_file_naming_no_gphc(world: World) -> None:
    r = world.central("trust", str(world.keyfile(A)), "--name", "Alex (laptop)")
    assert r.code == 0, r.err
    assert "binds: Alex Morgan, GPhC 5012345" in r.out and "for GPhC 5012345's returns" in r.out
    # A key file from an earlier RxLog (no header): refused unless --gphc is given.
    text = world.keyfile(B).read_text()
    old = world.root / "old.pem"
    old.write_text("# RxLog installation key: CN=Sam Patel\n" + text[text.index("-----BEGIN") :])
    r = world.central("trust", str(old), "--name", "Sam")
    assert r.code == 2 and "names no GPhC number" in r.err
    r = world.central("trust", str(old), "--name", "Sam", "--gphc", "5012345")
    assert r.code == 2 and "certificate names GPhC 5023456" in r.err
    r = world.central("trust", str(old), "--name", "Sam", "--gphc", "5023456")
    assert r.code == 0 and "GPhC 5023456" in r.out
    # A header edited to another technician disagrees with the certificate.
    edited = world.root / "edited.pem"
    edited.write_text(world.keyfile(A).read_text().replace("# gphc: 5012345", "# gphc: 5099999"))
    r = world.central("trust", str(edited), "--name", "x")
    assert r.code == 2 and "its certificate says GPhC 5012345" in r.err
    keys_json = json.loads(world.central("keys", "--format", "json").out)
    assert sorted(k["gphc"] for k in keys_json) == ["5012345", "5023456"]


@pytest.mark.slow
def test_a_key_signs_only_its_own_technicians_returns_and_versions(world: World) -> None:
    for who in (A, B):
        assert world.central("trust", str(world.keyfile(who)), "--name", who[0]).code == 0
    assert world.central("import", str(world.manifest(A))).code == 0
    before = world.dump()
    # B's trusted key signs a "v2" of A's return (1 entry, "corrected totals").
    forged = forge(world.manifest(A), world.root / "f1", world.data(B), version=2, supersedes=1,
                   supersedes_reason="corrected totals")  # fmt: skip
    r = world.central("import", str(forged))
    assert r.code == 1 and "bound to GPhC 5023456" in r.out
    assert re.search(r"5012345-2026-10-[a-p]{8} v2 \(Alex Morgan, 2026-10\)", r.out)
    # A's own key, but not the next number, or not superseding what the store holds.
    v99 = forge(world.manifest(A), world.root / "f2", world.data(A), version=99, supersedes=98)
    r = world.central("import", str(v99))
    assert r.code == 1 and "next version is v2, not v99" in r.out
    skip = forge(world.manifest(A), world.root / "f3", world.data(A), version=2, supersedes=None)
    r = world.central("import", str(skip))
    assert r.code == 1 and "must replace the version the store holds" in r.out
    assert world.dump() == before  # nothing written for any of them
    # The genuine next version from A's key is accepted.
    v2 = forge(world.manifest(A), world.root / "f4", world.data(A), version=2, supersedes=1)
    r = world.central("import", str(v2))
    assert r.code == 0 and "replaced v1" in r.out, r.out


@pytest.mark.slow
def test_the_pdf_is_bound_to_its_manifest(world: World) -> None:
    for who in (A, B):
        assert world.central("trust", str(world.keyfile(who)), "--name", who[0]).code == 0
    a_pdf = next(world.inbox.glob("*_GPhC5012345_*.pdf"))
    a_cert = json.loads(world.manifest(A).read_text())["manifest"]["pdf_certificate_sha256"]
    # B's return carrying A's validly signed PDF, naming A's certificate.
    forged = forge(world.manifest(B), world.root / "f", world.data(B), pdf_from=a_pdf,
                   pdf_certificate_sha256=a_cert)  # fmt: skip
    r = world.central("import", str(forged))
    assert r.code == 1 and "PDF belongs to another return" in r.out
    r = rxlog("--data-dir", str(world.data(B)), "verify", str(forged.parent))
    assert r.code == 1 and "PDF belongs to another return" in r.err


@pytest.mark.slow
def test_verify_says_genuine_only_when_it_checked_the_signer(world: World) -> None:
    lead_dir = str(world.root / "nobody")  # a folder with no installation key
    r = rxlog("--data-dir", lead_dir, "verify", str(world.manifest(A)))
    fp = json.loads(world.manifest(A).read_text())["signature"]["key_fingerprint"]
    assert r.code == 1 and f"intact and signed by key {fp} — signer not checked" in r.out
    assert "genuine:" not in r.out
    r = rxlog("--data-dir", lead_dir, "verify", "--key", str(world.keyfile(A)),
              str(world.manifest(A)))  # fmt: skip
    assert r.code == 0 and "genuine: Alex Morgan (GPhC 5012345)" in r.out, r.err
    r = rxlog("--data-dir", lead_dir, "verify", "--key", str(world.keyfile(B)),
              str(world.manifest(A)))  # fmt: skip
    assert r.code == 1 and "NOT GENUINE" in r.err
    # The technician's own installation knows its own key, and only its own.
    assert rxlog("--data-dir", str(world.data(A)), "verify", str(world.manifest(A))).code == 0
    r = rxlog("--data-dir", str(world.data(A)), "verify", str(world.manifest(B)))
    assert r.code == 1 and "NOT GENUINE" in r.err
    # A brand-new key claiming to be A: intact, but never "genuine" for A.
    (world.root / "thief").mkdir()
    keys.create_keys(world.root / "thief", "Alex Morgan", "5012345")
    forged = forge(world.manifest(A), world.root / "f", world.root / "thief")
    r = rxlog("--data-dir", lead_dir, "verify", "--skip-pdf-signature", "--key",
              str(world.keyfile(A)), str(forged))  # fmt: skip
    assert r.code == 1 and "is not the key file(s) given" in r.err
    # Against the lead's trusted keys.
    central = ("--central", "--db", world.url)
    r = rxlog("--data-dir", lead_dir, "verify", *central, str(world.manifest(A)))
    assert r.code == 1 and "unknown key" in r.err
    assert world.central("trust", str(world.keyfile(A)), "--name", "Alex").code == 0
    r = rxlog("--data-dir", lead_dir, "verify", *central, "--format", "json",
              str(world.manifest(A)))  # fmt: skip
    (row,) = json.loads(r.out)
    assert r.code == 0 and row["status"] == "genuine" and row["signer_checked"] is True
    r = rxlog("--data-dir", lead_dir, "verify", "--key", "x.pem", *central, str(world.inbox))
    assert r.code == 2


@pytest.mark.slow
def test_revoking_a_compromised_key_withdraws_what_it_signed(world: World) -> None:
    for who in (A, B):
        assert world.central("trust", str(world.keyfile(who)), "--name", who[0]).code == 0
    assert world.central("import", str(world.inbox)).code == 0
    # A thief with A's key sends a "v2" of A's month: it replaces v1 (the key is trusted).
    stolen = forge(world.manifest(A), world.root / "f", world.data(A), version=2, supersedes=1)
    assert world.central("import", str(stolen)).code == 0
    fp = json.loads(stolen.read_text())["signature"]["key_fingerprint"]
    r = world.central("revoke", fp[:12], "--withdraw-from", "2026-13-01", "--reason", "x")
    assert r.code == 2  # a bad date changes nothing
    r = world.central("revoke", fp[:12], "--withdraw-from", "2026-11-01")
    assert r.code == 2 and "--reason" in r.err
    r = world.central("revoke", fp[:12], "--reason", "laptop stolen",
                      "--withdraw-from", "2026-11-01")  # fmt: skip
    assert r.code == 0, r.err
    assert re.search(r"withdrawn: 5012345-2026-10-\w+ v1", r.out), r.out
    assert re.search(r"withdrawn: 5012345-2026-10-\w+ v2", r.out), r.out
    assert world.entries_of(A[1]) == 0 and world.entries_of(B[1]) == 2
    sql = "SELECT return_id, version, reason FROM central_withdrawal ORDER BY version"
    rows = central_db.rows(world.url, sql)
    events = central_db.rows(world.url, "SELECT action FROM central_event WHERE action='withdrawn'")
    assert [(rid[:15], v, why) for rid, v, why in rows] == [
        ("5012345-2026-10", 1, "laptop stolen"),
        ("5012345-2026-10", 2, "laptop stolen"),
    ]
    assert len(events) == 2
    # Nothing the revoked key signs is accepted again.
    r = world.central("import", str(world.manifest(A)))
    assert r.code == 1 and "revoked" in r.out
    # A's new key, bound to A, sends the genuine month as the next version.
    shutil.rmtree(world.data(A) / "keys")
    keys.create_keys(world.data(A), *A)
    assert rxlog("--data-dir", str(world.data(A)), "key", "export",
                 str(world.root / "new.pem")).code == 0  # fmt: skip
    assert world.central("trust", str(world.root / "new.pem"), "--name", "Alex new").code == 0
    d = str(world.data(A))
    assert rxlog("--data-dir", d, "month", "reopen", "2026-10", "--reason", "new key").code == 0
    assert rxlog("--data-dir", d, "export", "2026-10", "--out", str(world.root / "g")).code == 0
    r = world.central("import", str(world.root / "g"))
    assert r.code == 0 and world.entries_of(A[1]) == 3, r.out
    # The old PDF re-signed into a manifest by the new key is refused: not its certificate.
    mixed = forge(world.manifest(A), world.root / "h", world.data(A), version=3, supersedes=2)
    r = world.central("import", str(mixed))
    assert r.code == 1 and "PDF belongs to another return" in r.out


def test_the_migration_binds_an_old_key_to_the_one_technician_it_signed_for(tmp_path: Path):
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    from rxlog.central.store import CentralStore

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    engine = create_engine(url)
    cfg = Config()
    cfg.set_main_option("script_location", "rxlog.central:migrations")
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "c0001")
    engine.dispose()
    con = sqlite3.connect(tmp_path / "old.sqlite3")
    with con:
        for fp in ("a" * 64, "b" * 64):
            con.execute(
                "INSERT INTO central_key (fingerprint, name, gphc, public_key, added_at) "
                "VALUES (?, 'old', NULL, 'x', '2026-11-01')",
                (fp,),
            )
        con.execute(
            "INSERT INTO central_return (return_id, version, state, gphc, technician, month, "
            "main_site, sector, sites, taxonomy_versions, exported_at, imported_at, "
            "key_fingerprint, rows, totals, manifest_sha256, manifest, source) VALUES "
            "('5012345-2026-10', 1, 'current', '5012345', 'A', '2026-10', 'RPA', 'secondary', "
            "'[]', '[]', '', '', ?, 0, '{}', '', '', '')",
            ("a" * 64,),
        )
    con.close()
    CentralStore.open(url).close()  # upgrades to the head (c0003)
    con = sqlite3.connect(tmp_path / "old.sqlite3")
    try:
        rows = con.execute("SELECT fingerprint, gphc FROM central_key ORDER BY 1").fetchall()
        assert con.execute("SELECT COUNT(*) FROM central_withdrawal").fetchone() == (0,)
    finally:
        con.close()
    assert rows == [("a" * 64, "5012345"), ("b" * 64, None)]  # b signed nothing: unbound
