"""No spelling of a valid NHS number, planted in any stored text, reaches an exported byte.

Two nets, each over a real installation, a real export and every byte it writes (CSV,
manifest, PDF bytes, text, metadata and signature, the certificate inside it, the .eml's
headers and decoded parts, the file names):

1. every text the return declares as outgoing (``rxlog.export.outgoing``) is planted in
   turn, straight into the database or the key files as an older RxLog might have left
   it: the export is refused naming that field, and nothing is written;
2. every text column of the database is planted in turn: the export is either refused or
   written without the number. A writer that prints a new stored text without declaring
   it as outgoing fails here; a new column must be planted or listed as structured.
"""

from __future__ import annotations

import email
import email.policy
import io
import json
import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from conftest import TODAY
from pdftext import pdf_text
from sqlalchemy import String, Text

from rxlog.domain import EntryInput
from rxlog.errors import RxlogError, ValidationError
from rxlog.export import keys as keymod
from rxlog.export.outgoing import DERIVED, outgoing_texts
from rxlog.export.signoff import ExportOptions, export_month, reopen_month
from rxlog.identifiers import _normalised
from rxlog.service import RxLog
from rxlog.storage.models import Base

NHS = "9434765919"
PLANTED = ("943.476.5919", "943\u2009476\u20095919", "9434\u200b765\u00ad919", "\uff19434765919")


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("template") / "data"
    app = RxLog.open(data, today=lambda: TODAY)
    app.setup("Alex Morgan", "5012345")
    app.add_placement("G82001", "Test Surgery", "primary", date(2026, 9, 1), date(2026, 10, 31))
    app.add_placement("RPA", "Medway NHS Foundation Trust", "secondary", date(2026, 11, 1))
    app.add_phase("pilot", date(2026, 9, 1), None)
    app.set_setting("lead_email", "lead@nhs.net")
    app.log_many(
        [
            EntryInput("REC-DIS", date(2026, 10, 5), minutes=20, count=1, note="seen"),
            EntryInput("REP-MGMT", date(2026, 10, 6), minutes=30, count=12),
            EntryInput("ADM-MEET", date(2026, 10, 7), minutes=60, note="team"),
        ]
    )
    keymod.create_keys(data, "Alex Morgan", "5012345")
    app.close()
    return data


def _copy(template: Path, tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(template, data)
    return data


def _sql(data: Path, statement: str, *args: object) -> None:
    con = sqlite3.connect(data / "rxlog.sqlite3")
    try:
        with con:
            con.execute(statement, args)
    finally:
        con.close()


def _export(data: Path, out: Path):
    app = RxLog.open(data, today=lambda: TODAY)
    try:
        return export_month(app, "2026-10", ExportOptions(out))
    finally:
        app.close()


def _digits(text: str) -> str:
    """Every digit of ``text`` in any script, all else (separators, letters) dropped."""
    norm, _ = _normalised(text)
    return "".join(c for c in norm if c.isascii() and c.isdigit())


def _exported_texts(folder: Path) -> dict[str, str]:
    """Everything a reader of the return's files can see, by where it was seen."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    seen: dict[str, str] = {}
    for p in folder.iterdir():
        raw = p.read_bytes()
        seen[f"name {p.name}"] = p.name
        seen[f"bytes {p.name}"] = raw.decode("latin-1")
        seen[f"utf-8 {p.name}"] = raw.decode("utf-8", "replace")
        seen[f"utf-16 {p.name}"] = raw.decode("utf-16-be", "replace")
        if p.suffix == ".pdf":
            seen["pdf text"] = pdf_text(str(p))
            reader = PdfFileReader(io.BytesIO(raw))
            info = reader.trailer_view["/Info"]
            seen["pdf /Info"] = repr({k: str(v) for k, v in info.get_object().items()})
            (sig,) = reader.embedded_signatures
            seen["pdf signature dictionary"] = repr(
                {k: str(v) for k, v in sig.sig_object.items() if k != "/Contents"}
            )
            seen["pdf certificate"] = sig.signer_cert.subject.human_friendly
            seen["pdf signature hex"] = bytes(sig.sig_object["/Contents"]).decode("latin-1")
        if p.suffix == ".eml":
            msg = email.message_from_bytes(raw, policy=email.policy.default)
            seen["eml headers"] = repr([(k, str(v)) for k, v in msg.items()])
            for n, part in enumerate(msg.walk()):
                payload = part.get_payload(decode=True)
                if payload:
                    seen[f"eml part {n}"] = payload.decode("utf-8", "replace")
                seen[f"eml part {n} name"] = str(part.get_filename())
        if p.name.endswith(".json"):
            seen["manifest"] = json.dumps(json.loads(raw), ensure_ascii=False)
    return seen


def _assert_nothing_leaked(folder: Path) -> None:
    for where, text in _exported_texts(folder).items():
        assert NHS not in _digits(text), f"the planted NHS number reached {where}"


# --- 1. every declared outgoing text ---------------------------------------------------


def _plant_reopen_reason(data: Path, value: str, tmp_path: Path) -> None:
    app = RxLog.open(data, today=lambda: TODAY)
    try:
        export_month(app, "2026-10", ExportOptions(tmp_path / "v1"))
        reopen_month(app, "2026-10", "codes corrected")
    finally:
        app.close()
    _sql(data, "UPDATE month_lock SET reopen_reason = ?", value)


def _plant_certificate(data: Path, value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # As a key made before names were checked: the filter is stepped round here only.
    with monkeypatch.context() as m:
        m.setattr("rxlog.identifiers.check_outgoing", lambda text, field, what: text)
        keymod.create_keys(data, value, "5012345", replace=True)


PLANTERS = {
    "technician.name": lambda d, v, **_: _sql(d, "UPDATE technician SET name = ?", v),
    "placement.name": lambda d, v, **_: _sql(d, "UPDATE placement SET name = ?", v),
    "phase.name": lambda d, v, **_: _sql(d, "UPDATE phase SET name = ?", v),
    "installation.name": lambda d, v, **_: _sql(d, "UPDATE installation SET name = ?", v),
    "setting:lead_email": lambda d, v, **_: _sql(
        d, "UPDATE setting SET value = ? WHERE key = 'lead_email'", f"{v}@nhs.net"
    ),
    "month_lock.reopen_reason": lambda d, v, tmp_path, **_: _plant_reopen_reason(d, v, tmp_path),
    "certificate:CN": lambda d, v, monkeypatch, **_: _plant_certificate(d, v, monkeypatch),
}


def _declared_sources(template: Path, tmp_path: Path) -> dict[str, str]:
    """source -> field of every outgoing text, read from the one declaration."""
    from rxlog.export.month_data import collect
    from rxlog.export.unit_costs import load_unit_costs

    app = RxLog.open(_copy(template, tmp_path / "declared"), today=lambda: TODAY)
    try:
        data = collect(app, "2026-10", load_unit_costs(None), 2, 1, "a reason")
    finally:
        app.close()
    texts = outgoing_texts(data, lead_email="lead@nhs.net", certificate_cn="Alex Morgan")
    return {t.source: t.field for t in texts if t.source != DERIVED}


def test_every_declared_outgoing_text_has_a_planter(template, tmp_path):
    missing = set(_declared_sources(template, tmp_path)) - set(PLANTERS)
    assert not missing, f"add a planter for {sorted(missing)} to this test"


@pytest.mark.parametrize("source", sorted(PLANTERS))
def test_a_planted_outgoing_text_stops_the_export(source, template, tmp_path, monkeypatch):
    field = _declared_sources(template, tmp_path)[source]
    data = _copy(template, tmp_path)
    spelling = PLANTED[sorted(PLANTERS).index(source) % len(PLANTED)]
    PLANTERS[source](data, f"Alex {spelling}", tmp_path=tmp_path, monkeypatch=monkeypatch)
    out = tmp_path / "out"
    with pytest.raises(ValidationError) as exc:
        _export(data, out)
    assert exc.value.field == field and "NHS number" in exc.value.message
    assert NHS not in _digits(exc.value.message)  # shown masked
    assert not out.exists() or not any(out.iterdir())
    app = RxLog.open(data, today=lambda: TODAY)
    try:
        assert [r["version"] for r in app_returns(app)] == ([1] if "reopen" in source else [])
    finally:
        app.close()


def app_returns(app: RxLog) -> list[dict]:
    from rxlog.export.signoff import returns_of

    return returns_of(app, "2026-10")


# --- 2. every text column of the database ---------------------------------------------

# Columns whose values are checked to a format that cannot hold free text (codes, dates,
# ids, hashes, numbers as text). Any other text column is planted below.
STRUCTURED = {
    "technician.gphc": "validate_gphc: 5 + 6 digits",
    "technician.created_at": "a timestamp RxLog writes",
    "placement.ods": "normalise_ods",
    "placement.site_kind": "from ods_kind",
    "placement.sector": "primary | secondary",
    "placement.date_from": "ISO date",
    "placement.date_to": "ISO date",
    "phase.date_from": "ISO date",
    "phase.date_to": "ISO date",
    "entry.id": "a UUID RxLog makes",
    "entry.date": "ISO date",
    "entry.site": "normalise_ods",
    "entry.sector": "primary | secondary",
    "entry.code": "a taxonomy code",
    "entry.taxonomy_version": "the taxonomy's version",
    "entry.significance_scale": "a scale name from the taxonomy",
    "entry.harm": "A-I",
    "entry.harm_scale": "a scale name from the taxonomy",
    "entry.outcome": "accepted | declined | pending",
    "entry.discharge_received": "ISO date",
    # Checked to shape by rxlog.dates (parse_date_time / parse_clock); only the minutes
    # between them leave the PC (qs120_minutes), never the date-time itself.
    "entry.admitted": "YYYY-MM-DD HH:MM",
    "entry.time": "HH:MM",
    "entry.created_at": "a timestamp RxLog writes",
    "entry.updated_at": "a timestamp RxLog writes",
    "audit.at": "a timestamp RxLog writes",
    "audit.technician": "the GPhC number",
    "audit.action": "create | edit | delete",
    "audit.entry_id": "a UUID",
    "audit.prev_hash": "a SHA-256",
    "audit.hash": "a SHA-256",
    "month_lock.month": "YYYY-MM",
    "month_lock.locked_at": "a timestamp RxLog writes",
    "month_lock.reopened_at": "a timestamp RxLog writes",
    "return_record.return_id": "GPhC-YYYY-MM",
    "return_record.month": "YYYY-MM",
    "return_record.supersedes": "a version number",
    "return_record.exported_at": "a timestamp RxLog writes",
    "setting.key": "a setting name RxLog chooses",
    "installation.id": "a UUID RxLog makes (refused as damaged when it is not one)",
    "installation.created_at": "a timestamp RxLog writes",
}


def _text_columns() -> list[str]:
    return sorted(
        f"{t.name}.{c.name}"
        for t in Base.metadata.sorted_tables
        for c in t.columns
        if isinstance(c.type, (String, Text))
    )


FREE_TEXT = [c for c in _text_columns() if c not in STRUCTURED]


def test_every_text_column_is_planted_or_known_to_be_structured():
    assert set(STRUCTURED) <= set(_text_columns()), "a structured column is gone: update"
    assert "entry.note" in FREE_TEXT and "technician.name" in FREE_TEXT


@pytest.mark.slow
@pytest.mark.parametrize("column", FREE_TEXT)
def test_a_planted_stored_text_never_reaches_an_exported_byte(column, template, tmp_path):
    data = _copy(template, tmp_path)
    table, col = column.split(".")
    if table in ("month_lock", "return_record"):
        _plant_reopen_reason(data, "codes corrected", tmp_path)  # so the rows exist
    spelling = PLANTED[FREE_TEXT.index(column) % len(PLANTED)]
    _sql(data, f"UPDATE {table} SET {col} = ?", f"text {spelling} text")  # every row
    out = tmp_path / "out"
    try:
        _export(data, out)
    except RxlogError:
        assert not out.exists() or not any(out.iterdir()), "a refused export left files"
        return
    _assert_nothing_leaked(out)


@pytest.mark.slow
def test_notes_with_an_nhs_number_are_kept_but_never_exported(template, tmp_path):
    data = _copy(template, tmp_path)
    _sql(data, "UPDATE entry SET note = ?", "pt 943 476 5919 and \u0669\u0664\u0663 476 5919")
    res = _export(data, tmp_path / "out")
    assert res.rows == 3  # exported, without the notes
    _assert_nothing_leaked(tmp_path / "out")
    # The scan itself can see a number where one is written:
    (tmp_path / "out" / "extra.txt").write_text("see 943\u2009476\u20095919", "utf-8")
    with pytest.raises(AssertionError, match="reached"):
        _assert_nothing_leaked(tmp_path / "out")


# --- 3. the key file the lead receives --------------------------------------------------


@pytest.mark.parametrize("source", ["certificate:CN", "installation.name"])
def test_a_planted_text_stops_the_key_file(source, template, tmp_path, monkeypatch):
    from conftest import run_cli

    data = _copy(template, tmp_path)
    assert run_cli(data, "key", "export", str(tmp_path / "clean.pem")).code == 0
    PLANTERS[source](
        data, "Alex 943\u2009476\u20095919", tmp_path=tmp_path, monkeypatch=monkeypatch
    )
    out = tmp_path / "key.pem"
    r = run_cli(data, "key", "export", str(out))
    assert r.code == 2 and "NHS number" in r.err and NHS not in _digits(r.err), r.err
    assert not out.exists()
