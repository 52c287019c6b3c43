"""Hostile input reaches the lead's import (issue 9, item 5): each bad item is refused
with a one-line reason naming it, the run goes on, nothing invalid is stored. Returns
are signed with the trusted key itself (a trusted key may still carry nonsense)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import random
from email.message import EmailMessage
from pathlib import Path

import pytest
from central_db import central_url  # noqa: F401  (fixture: SQLite and PostgreSQL)
from conftest import bench_module
from pdftext import pdf_text

from rxlog.central.importer import IMPORTED, REFUSED, import_paths
from rxlog.central.store import CentralStore
from rxlog.central.trust import trust_key
from rxlog.cli import main as cli_main
from rxlog.returnformat.manifest import manifest_file_bytes, sign_manifest

gen = bench_module("gen_returns")

TABLES = ("central_return", "central_entry", "central_summary", "central_event")


def dump(store: CentralStore) -> dict[str, list[tuple]]:
    from sqlalchemy import text

    with store.read() as conn:
        return {t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY 1"))]
                for t in TABLES}  # fmt: skip


@pytest.fixture
def lead(tmp_path: Path, central_url: str):  # noqa: F811
    """A store (on SQLite and on PostgreSQL) trusting technician 1's key."""
    inst = gen.Installation.new(1)
    store = CentralStore.open(central_url)
    trust_key(store, inst.write_key(tmp_path / "k.pem"), inst.name)
    yield store, inst, tmp_path
    store.close()


def rows_for(inst, n: int = 12) -> list[dict]:
    return gen.make_rows(inst, "2026-10", 1, n, random.Random(7), "pilot")


def first_intervention(rows: list[dict]) -> dict:
    return next(r for r in rows if r["significance"] is not None)


def first_counted(rows: list[dict]) -> dict:
    return next(r for r in rows if r["count_unit"])


def _dup(rows):
    rows[1]["entry_id"] = rows[0]["entry_id"]


def _retotal(path: Path, inst, **totals) -> None:
    doc = json.loads(path.read_text("utf-8"))
    doc["manifest"]["totals"].update(totals)
    path.write_bytes(manifest_file_bytes(sign_manifest(doc["manifest"], inst.private_key)))


ROW_DAMAGE = {
    "duplicate entry id": (_dup, "appears twice"),
    "unknown code": (lambda r: r[0].update(code="NOPE-CODE"), "not in taxonomy"),
    "unknown taxonomy": (
        lambda r: [x.update(taxonomy_version="1999.9") for x in r],
        "taxonomy version",
    ),
    "harm Z": (lambda r: first_intervention(r).update(harm="Z"), "harm 'Z'"),
    "significance 99": (lambda r: first_intervention(r).update(significance=99), "significance"),
    "minutes -100000": (lambda r: r[0].update(minutes=-100000), "minutes -100000"),
    "minutes 2^63": (lambda r: r[0].update(minutes=2**63), "out of range"),
    "count 10^9": (lambda r: first_counted(r).update(count=10**9), "count"),
    "date 2026-10-32": (lambda r: r[0].update(date="2026-10-32"), "not a real date"),
    "date outside month": (lambda r: r[0].update(date="2026-11-02"), "not in 2026-10"),
    "sector": (lambda r: r[0].update(sector="tertiary"), "sector"),
    "site": (lambda r: r[0].update(site="'; DROP"), "not an ODS"),
    "outcome": (lambda r: first_intervention(r).update(outcome="maybe"), "outcome"),
    "entry id": (lambda r: r[0].update(entry_id="x" * 36), "not an RxLog entry id"),
    "escape in site name": (lambda r: r[0].update(site_name="\x1b[2Kok"), "one line"),
}


def _rewrite_csv(path: Path, inst, old: bytes, new: bytes) -> None:
    """Change the return's CSV bytes and sign a manifest that lists the new hash."""
    doc = json.loads(path.read_text("utf-8"))
    m = doc["manifest"]
    name = next(n for n in m["files"] if n.endswith(".csv"))
    data = (path.parent / name).read_bytes()
    assert old in data
    data = data.replace(old, new, 1)
    (path.parent / name).write_bytes(data)
    m["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    path.write_bytes(manifest_file_bytes(sign_manifest(m, inst.private_key)))


@pytest.mark.parametrize("bad", [b"Infinity", b"NaN", b"1e400", b"99999999999999999.99"])
def test_a_cost_that_is_no_number_is_refused(lead, bad):
    store, inst, tmp = lead
    rows = rows_for(inst)
    path = gen.write_return(inst, "2026-10", rows, tmp / "in")
    cost = first_intervention(rows)["cost_avoided"].encode()
    _rewrite_csv(path, inst, b"," + cost + b",", b"," + bad + b",")
    (result,) = import_paths(store, [path])
    assert result.outcome == REFUSED and "cost_avoided" in result.message, result.message


@pytest.mark.parametrize("case", sorted(ROW_DAMAGE))
def test_a_trusted_key_cannot_store_nonsense(lead, case):
    store, inst, tmp = lead
    damage, why = ROW_DAMAGE[case]
    rows = rows_for(inst)
    damage(rows)
    before = dump(store)
    path = gen.write_return(inst, "2026-10", rows, tmp / "in")
    (result,) = import_paths(store, [path])
    assert result.outcome == REFUSED, result.message
    assert why in result.message and "5100001-2026-10 v1 (Technician 001, 2026-10)" in (
        result.message
    )
    assert "\n" not in result.message and "\x1b" not in result.message
    assert dump(store) == before


@pytest.mark.parametrize("total", ["entries", "minutes", "count", "interventions",
                                   "released_minutes", "cost_avoided"])  # fmt: skip
def test_every_manifest_total_must_equal_the_csvs(lead, total):
    store, inst, tmp = lead
    path = gen.write_return(inst, "2026-10", rows_for(inst), tmp / "in")
    doc = json.loads(path.read_text("utf-8"))
    value = doc["manifest"]["totals"][total]
    _retotal(path, inst, **{total: "999.99" if total == "cost_avoided" else value + 1})
    (result,) = import_paths(store, [path])
    assert result.outcome == REFUSED and total in result.message, result.message


def _mail(subject: str, attachments: list[tuple[str, bytes]]) -> bytes:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg.set_content("x")
    for n, b in attachments:
        msg.add_attachment(b, maintype="application", subtype="octet-stream", filename=n)
    return msg.as_bytes()


def test_hostile_e_mails_are_refused_one_by_one_and_the_run_goes_on(lead, monkeypatch):
    store, inst, tmp = lead
    inbox = tmp / "inbox"
    genuine = gen.write_return(inst, "2026-10", rows_for(inst), inbox / "good")
    manifest = genuine.read_bytes()
    # Deeply nested MIME (the stdlib parser recursed until RecursionError).
    deep = b"Subject: RxLog return\r\nMIME-Version: 1.0\r\n" + b"".join(
        f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n'.encode()
        for i in range(3000)
    )
    (inbox / "deep.eml").write_bytes(deep)
    # A manifest with a lone surrogate, Infinity, 2^63, wrong types, a long name.
    doc = json.loads(manifest)
    bad = {
        "surrogate": manifest.replace(b'"Technician 001"', b'"Tech\\ud800nician"'),
        "infinity": manifest.replace(b'"rows": 12', b'"rows": Infinity'),
        "huge": manifest.replace(b'"rows": 12', b'"rows": 9223372036854775808'),
    }
    m = doc["manifest"]
    for key, value in (("version", "1"), ("technician", ["x"]), ("files", {"a" * 5000: 1})):
        changed = {**m, key: value}
        bad[f"type-{key}"] = manifest_file_bytes(sign_manifest(changed, inst.private_key))
    for n, data in bad.items():
        (inbox / f"{n}.eml").write_bytes(_mail("RxLog return", [(f"{n}.manifest.json", data)]))
    # A name with terminal escape codes that would rewrite the line.
    evil = {**m, "technician": {"name": "\x1b[2K\rimported all good", "gphc": inst.gphc}}
    (inbox / "evil.eml").write_bytes(
        _mail("RxLog return", [("e.manifest.json",
                                manifest_file_bytes(sign_manifest(evil, inst.private_key)))])
    )  # fmt: skip
    results = import_paths(store, [inbox])
    outcomes = {Path(r.source.split(" [")[0]).name.split(".")[0]: r.outcome for r in results}
    assert outcomes.pop(genuine.name.split(".")[0]) == IMPORTED
    assert set(outcomes.values()) == {REFUSED}, results
    assert len(outcomes) == 1 + len(bad) + 1
    for r in results:
        assert "\x1b" not in r.message and "\n" not in r.message and "Traceback" not in r.message
    # Through the CLI: exit 1, one line per item, no escape code printed.
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setenv("RXLOG_CENTRAL_DIR", str(tmp / "cli-lead"))
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        trusted = cli_main(["central", "trust", str(tmp / "k.pem"), "--name", "T"])
        code = cli_main(["central", "import", str(inbox)])
    assert trusted == 0 and code == 1
    assert "\x1b" not in out.getvalue() and "\r" not in out.getvalue().replace("\r\n", "\n")
    assert "1 imported" in out.getvalue()


def test_a_renamed_attachment_is_matched_by_its_hash(lead):
    store, inst, tmp = lead
    path = gen.write_return(inst, "2026-10", rows_for(inst), tmp / "ret")
    files = [(p.name.replace(".csv", " (1).csv"), p.read_bytes())
             for p in sorted(path.parent.iterdir())]  # fmt: skip
    (tmp / "mail.eml").write_bytes(_mail("RxLog return", files))
    (result,) = import_paths(store, [tmp / "mail.eml"])
    assert result.outcome == IMPORTED, result.message
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert len(digest) == 64


def test_markup_in_a_reopen_reason_renders_as_text_in_the_leads_report(lead, tmp_path):

    from rxlog.central.report_data import gather
    from rxlog.central.report_pdf import ReportOptions, write_report

    store, inst, tmp = lead
    reason = (
        '<font size="40" color="red">BIG</font> <a href="file:///etc/passwd">click</a> '
        '<img src="/etc/hosts" width="100" height="100"/> & <b>bold'
    )
    rows = rows_for(inst)
    gen.write_return(inst, "2026-10", rows, tmp / "v1")
    rows2 = gen.make_rows(inst, "2026-10", 2, 12, random.Random(7), "pilot")
    gen.write_return(inst, "2026-10", rows2, tmp / "v2", 2, reason)
    results = import_paths(store, [tmp / "v1", tmp / "v2"])
    assert [r.outcome for r in results] == [IMPORTED, "replaced"], [r.message for r in results]
    out = tmp_path / "report.pdf"
    write_report(gather(store), ReportOptions(out))
    pdf = out.read_bytes()
    assert b"/URI" not in pdf and b"/Subtype /Image" not in pdf  # no link, no embedded file
    flat = " ".join(pdf_text(out, layout=True).split())
    assert "<font" in flat and "<a" in flat and "<img" in flat and "</font>" in flat
    assert "file:///etc/passwd" in flat and "&amp;" not in flat


@pytest.mark.parametrize(
    ("key", "value", "why"),
    [
        ("sites", ["RPA"], "'sites'"),
        ("taxonomy_versions", "2026.1", "taxonomy_versions"),
        ("supersedes_reason", ["x"], "not text"),
        ("exported_at", 5, "not text"),
        ("totals", [], "totals"),
        ("technician", {"name": "A" * 300, "gphc": "5100001"}, "longer than 200"),
        ("technician", {"name": "A", "gphc": "12"}, "GPhC 12"),
    ],
)
def test_wrong_json_types_signed_by_the_trusted_key_are_refused(lead, key, value, why):
    store, inst, tmp = lead
    path = gen.write_return(inst, "2026-10", rows_for(inst), tmp / "in")
    doc = json.loads(path.read_text("utf-8"))
    doc["manifest"][key] = value
    path.write_bytes(manifest_file_bytes(sign_manifest(doc["manifest"], inst.private_key)))
    before = dump(store)
    (result,) = import_paths(store, [path])
    assert result.outcome == REFUSED and why in result.message, result.message
    assert dump(store) == before
