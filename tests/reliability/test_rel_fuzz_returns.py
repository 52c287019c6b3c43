"""Fuzzing the parsers of returns from outside: ``verify``, the lead's import, ``.eml``.

Starting from a real signed return (a real export), each case damages the manifest
(its JSON structure or its bytes), the CSV, the PDF or the e-mail, and feeds it to
``verify_return_bytes``, ``eml_attachments``, the central ``.eml`` reader and the
lead's ``import_paths`` (into a store on SQLite and on PostgreSQL). Only ``RxlogError``
may come out; a changed signed file must never be accepted. ``RXLOG_FUZZ_EXAMPLES``
scales the number of cases.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import json
import os
import random
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from central_db import central_url  # noqa: F401  (fixture: SQLite and PostgreSQL)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rxlog.domain import EntryInput
from rxlog.errors import RxlogError
from rxlog.service import RxLog

N = int(os.environ.get("RXLOG_FUZZ_EXAMPLES", "200"))
FUZZ = settings(
    max_examples=N,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_counter = itertools.count()


@pytest.fixture(scope="module")
def real_return(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from rxlog.export import keys
    from rxlog.export.signoff import ExportOptions, export_month

    data_dir = tmp_path_factory.mktemp("tech")
    app = RxLog.open(data_dir, today=lambda: date(2026, 11, 20))
    app.setup("Alex Morgan", "5012345")
    app.add_placement("G82001", "Test Surgery", "primary", date(2026, 9, 1), None)
    keys.create_keys(data_dir, "Alex Morgan", "5012345")
    app.set_setting("lead_email", "lead@nhs.net")
    app.log_many(
        [EntryInput("REP-MGMT", date(2026, 10, d), minutes=30, count=3) for d in range(1, 20)]
        + [
            EntryInput(
                "INT-PRESC", date(2026, 10, 7), minutes=10, count=1, significance=4, harm="C"
            )
        ]
    )
    out = tmp_path_factory.mktemp("out")
    result = export_month(app, "2026-10", ExportOptions(out))
    pub = tmp_path_factory.mktemp("pub") / "alex.pem"
    keys.export_public(data_dir, pub)
    app.close()
    return {
        "manifest_name": result.manifest.name,
        "manifest": result.manifest.read_bytes(),
        "csv_name": result.csv.name,
        "csv": result.csv.read_bytes(),
        "pdf_name": result.pdf.name,
        "pdf": result.pdf.read_bytes(),
        "eml_name": result.eml.name,
        "eml": result.eml.read_bytes(),
        "key": pub,
    }


def damage_bytes(data: bytes, seed: int) -> bytes:
    """1-5 random edits: flip, insert, delete, truncate, duplicate a span."""
    raw = bytearray(data)
    rnd = random.Random(seed)
    for _ in range(rnd.randint(1, 5)):
        at = rnd.randrange(len(raw) + 1)
        how = rnd.choice(["flip", "insert", "delete", "cut", "dup"])
        if how == "flip" and at < len(raw):
            raw[at] ^= 1 << rnd.randrange(8)
        elif how == "insert":
            raw[at:at] = rnd.randbytes(rnd.randint(1, 20))
        elif how == "delete":
            del raw[at : at + rnd.randint(1, 50)]
        elif how == "cut":
            del raw[at:]
        else:
            raw[at:at] = raw[max(0, at - 40) : at]
    return bytes(raw)


json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=False),
        st.text(max_size=12),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(doc: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _paths(v, (*prefix, i))
    return out


@st.composite
def mutated_manifest(draw: Any, original: bytes) -> bytes:
    doc = json.loads(original)
    new = copy.deepcopy(doc)
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(new) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = new
        for key in path[:-1]:
            parent = parent[key]
        how = draw(st.sampled_from(["replace", "delete", "add"]))
        if how == "delete":
            del parent[path[-1]]
        elif how == "add" and isinstance(parent, dict):
            parent[draw(st.text(max_size=8))] = draw(json_values)
        else:
            parent[path[-1]] = draw(json_values)
    layout = draw(st.sampled_from(["as written", "compact"]))
    if layout == "compact":
        return json.dumps(new, separators=(",", ":")).encode()
    return (json.dumps(new, indent=2, ensure_ascii=False) + "\n").encode()


def _files(r: dict[str, Any], **changes: bytes) -> dict[str, bytes]:
    files = {r["csv_name"]: r["csv"], r["pdf_name"]: r["pdf"]}
    for kind, data in changes.items():
        files[r[f"{kind}_name"]] = data
    return files


@pytest.mark.slow
def test_the_genuine_return_verifies(real_return: dict[str, Any]) -> None:
    from rxlog.returnformat.manifest import verify_return_bytes

    r = real_return
    verify_return_bytes(r["manifest"], _files(r), manifest_name=r["manifest_name"])


@pytest.mark.slow
def test_verify_a_manifest_changed_in_its_structure(real_return: dict[str, Any]) -> None:
    from rxlog.returnformat.manifest import verify_return_bytes

    r = real_return
    accepted = []

    @FUZZ
    @given(manifest=mutated_manifest(r["manifest"]))
    def run(manifest: bytes) -> None:
        try:
            verify_return_bytes(manifest, _files(r), manifest_name=r["manifest_name"])
        except RxlogError:
            return
        # accepted only if what is signed is unchanged (e.g. only the layout differs)
        assert json.loads(manifest) == json.loads(r["manifest"]), manifest
        accepted.append(manifest)

    run()


def test_verify_damaged_bytes_of_every_file(real_return: dict[str, Any]) -> None:
    from rxlog.returnformat.manifest import verify_return_bytes

    r = real_return

    @FUZZ
    @given(seed=st.integers(0, 2**32), which=st.sampled_from(["manifest", "csv", "pdf"]))
    def run(seed: int, which: str) -> None:
        damaged = damage_bytes(r[which], seed)
        manifest = damaged if which == "manifest" else r["manifest"]
        files = _files(r) if which == "manifest" else _files(r, **{which: damaged})
        try:
            verify_return_bytes(manifest, files, manifest_name=r["manifest_name"])
        except RxlogError:
            return
        assert damaged == r[which] or (
            which == "manifest" and json.loads(damaged) == json.loads(r["manifest"])
        ), "a changed signed file was accepted"

    run()


@pytest.mark.slow
def test_eml_readers_on_damaged_e_mails(real_return: dict[str, Any], tmp_path: Path) -> None:
    from rxlog.returnformat.eml import attachments, read_attachments

    r = real_return

    @FUZZ
    @given(seed=st.integers(0, 2**32), noise=st.booleans())
    def run(seed: int, noise: bool) -> None:
        rnd = random.Random(seed)
        data = rnd.randbytes(seed % 3000) if noise else damage_bytes(r["eml"], seed)
        with contextlib.suppress(RxlogError):
            attachments(data, "x.eml")
        path = tmp_path / f"m{next(_counter)}.eml"
        path.write_bytes(data)
        with contextlib.suppress(RxlogError):
            read_attachments(path)

    run()


def test_the_leads_import_on_damaged_returns(
    real_return: dict[str, Any],
    tmp_path: Path,
    central_url: str,  # noqa: F811
) -> None:
    from rxlog.central.importer import IMPORTED, import_paths
    from rxlog.central.store import CentralStore
    from rxlog.central.trust import trust_key

    r = real_return
    store = CentralStore.open(central_url)
    trust_key(store, r["key"], "Alex Morgan", gphc="5012345")
    imported = []

    @settings(FUZZ, max_examples=max(20, N // 4))
    @given(seed=st.integers(0, 2**32), which=st.sampled_from(["manifest", "csv", "eml"]))
    def run(seed: int, which: str) -> None:
        folder = tmp_path / f"r{next(_counter)}"
        folder.mkdir()
        damaged = damage_bytes(r[which], seed)
        if which == "eml":
            (folder / r["eml_name"]).write_bytes(damaged)
        else:
            for kind in ("manifest", "csv", "pdf"):
                data = damaged if kind == which else r[kind]
                (folder / r[f"{kind}_name"]).write_bytes(data)
        try:
            results = import_paths(store, [folder], workers=1)
        except RxlogError:
            return
        for res in results:
            if res.outcome == IMPORTED:
                imported.append((which, damaged == r[which]))

    try:
        run()
    finally:
        store.close()
    # the genuine return may be imported once (a damaged copy whose signed parts are
    # intact, e.g. an e-mail with a changed header); never a changed signed file
    assert all(which == "eml" or same for which, same in imported), imported
