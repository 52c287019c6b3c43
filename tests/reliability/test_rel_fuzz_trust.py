"""Fuzzing the lead's import and ``verify`` as an attacker would (issue 9, item 7).

Four kinds of case, each against a central store that trusts technician A's key:

1. **unsigned mutations** of a real format-2 return (real export): bytes of the
   manifest, CSV, PDF or e-mail changed and nothing re-signed;
2. **re-signed with an untrusted key**: CSV cells and manifest values changed, the
   manifest's hashes and totals brought back in line, signed with a key the lead never
   trusted;
3. **re-signed with the trusted key**: the same, signed with A's own key (a stolen or
   misused key): the import may store it only if every row is one A's RxLog would
   have accepted;
4. **hand-made hostile e-mails**: deep MIME nesting, broken boundaries and encodings,
   duplicate and hostile attachment names, random bytes.

Counted: cases run, crashes (any exception other than ``RxlogError`` out of
``import_paths`` or ``verify_return_bytes``, or a result message that is not one plain
line), invalid content stored (a stored row that fails the technician's validation, a
stored return whose rows disagree with its totals, anything stored from cases 1-2).
Targets 0 and 0. ``RXLOG_FUZZ_EXAMPLES`` scales the cases; ``RXLOG_FUZZ_REPORT=FILE``
writes the counts as JSON (the figures in docs/reliability.md).

The lead's store is on SQLite and on PostgreSQL (``BACKENDS``, tests/central_db.py): every
test runs on both, the same number of cases on each.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import os
import random
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from central_db import BACKENDS, store_url
from conftest import bench_module
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rxlog.domain import EntryInput
from rxlog.errors import RxlogError
from rxlog.service import RxLog

if TYPE_CHECKING:
    from rxlog.central.store import CentralStore

gen = bench_module("gen_returns")

N = int(os.environ.get("RXLOG_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=N,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
COUNTS: Counter[str] = Counter()
_n = itertools.count()


@pytest.fixture(scope="module", autouse=True)
def _report():
    yield
    path = os.environ.get("RXLOG_FUZZ_REPORT")
    if path:
        Path(path).write_text(json.dumps(dict(sorted(COUNTS.items())), indent=2))


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A real format-2 return of technician A and A's key file (made once for both stores)."""
    from rxlog.export import keys
    from rxlog.export.signoff import ExportOptions, export_month

    data_dir = tmp_path_factory.mktemp("tech")
    app = RxLog.open(data_dir, today=lambda: date(2026, 11, 20))
    app.setup("Alex Morgan", "5012345")
    app.add_placement("G82001", "Test Surgery", "primary", date(2026, 9, 1), None)
    keys.create_keys(data_dir, "Alex Morgan", "5012345")
    app.log_many(
        [EntryInput("REP-MGMT", date(2026, 10, d), minutes=30, count=3) for d in range(1, 12)]
        + [
            EntryInput(
                "INT-PRESC",
                date(2026, 10, 7),
                minutes=10,
                count=1,
                significance=4,
                harm="C",
                released_minutes=15,
                outcome="accepted",
            )
        ]  # fmt: skip
    )
    out = tmp_path_factory.mktemp("out")
    res = export_month(app, "2026-10", ExportOptions(out))
    signing = keys.load_signing_keys(data_dir)
    pub = tmp_path_factory.mktemp("pub") / "alex.pem"
    keys.export_public(data_dir, pub, "Alex Morgan", "5012345")
    app.close()
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return {
        "trusted": signing.ed25519,
        "untrusted": Ed25519PrivateKey.generate(),
        "files": {p.name: p.read_bytes() for p in out.iterdir()},
        "manifest_name": res.manifest.name,
        "csv_name": res.csv.name,
        "pub": pub,
    }


@contextmanager
def lead_store(backend: str, made: dict[str, Any], folder: Path) -> Iterator[CentralStore]:
    """A new, empty lead's store on ``backend`` that trusts A's key."""
    from rxlog.central.store import CentralStore
    from rxlog.central.trust import trust_key

    with store_url(backend, folder) as url:
        store = CentralStore.open(url)
        try:
            trust_key(store, made["pub"], "Alex Morgan")
            yield store
        finally:
            store.close()


@pytest.fixture(scope="module", params=BACKENDS)
def world(
    request: pytest.FixtureRequest, made: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """A's return and key, and a lead's store that trusts A (on SQLite, on PostgreSQL)."""
    with lead_store(request.param, made, tmp_path_factory.mktemp("lead")) as store:
        yield {
            **made,
            "backend": request.param,
            "store": store,
            "tmp": tmp_path_factory.mktemp("cases"),
        }


# -- what "invalid content stored" means ------------------------------------------------
def stored_problems(store: CentralStore) -> list[str]:
    """Rows in the store the technician's own validation would refuse, and returns whose
    rows disagree with the totals their signed manifest states."""
    from sqlalchemy import text

    from rxlog.returnformat.csvfile import check_rows

    problems = []
    with store.read() as conn:
        current = conn.execute(text("SELECT * FROM central_return WHERE state = 'current'"))
        for ret in current.mappings().all():
            manifest = json.loads(ret["manifest"])["manifest"]
            got = conn.execute(
                text("SELECT * FROM central_entry WHERE return_pk = :pk ORDER BY id"),
                {"pk": ret["id"]},
            )
            rows = got.mappings().all()
            if not rows:
                continue
            by = {k: [r[k] for r in rows] for k in rows[0]}
            by["cost_avoided"] = by.pop("cost_avoided_pence")
            try:
                check_rows(by, len(rows), manifest, f"stored {ret['return_id']}")
            except RxlogError as exc:
                problems.append(exc.message)
    return problems


def _state(store: CentralStore) -> tuple:
    from sqlalchemy import text

    with store.read() as conn:
        return tuple(
            conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one()
            for t in ("central_return", "central_entry", "central_event")
        )


def _import(w: dict[str, Any], folder: Path, kind: str) -> list[Any]:
    """Import ``folder``; count the case and any crash."""
    from rxlog.central.importer import import_paths

    COUNTS[f"cases: {kind}"] += 1
    COUNTS["cases"] += 1
    try:
        results = import_paths(w["store"], [folder], workers=1)
    except RxlogError:
        return []
    except Exception as exc:  # a crash: counted, then the test fails
        COUNTS["crashes"] += 1
        raise AssertionError(f"{kind}: import crashed with {exc!r}") from exc
    for r in results:
        if "\n" in r.message or "\x1b" in r.message or "Traceback" in r.message:
            COUNTS["crashes"] += 1
            raise AssertionError(f"{kind}: not a one-line reason: {r.message!r}")
    return results


def _write(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True)
    for n, b in files.items():
        (folder / n).write_bytes(b)
    return folder


# -- 1. unsigned mutations -------------------------------------------------------------
def flip(data: bytes, rnd: random.Random) -> bytes:
    raw = bytearray(data)
    for _ in range(rnd.randint(1, 4)):
        at = rnd.randrange(len(raw) + 1)
        how = rnd.choice(["flip", "insert", "delete", "cut"])
        if how == "flip" and at < len(raw):
            raw[at] ^= 1 << rnd.randrange(8)
        elif how == "insert":
            raw[at:at] = rnd.choice([rnd.randbytes(rnd.randint(1, 9)), b"\\ud800", b"Infinity",
                                     b"9223372036854775808", b"\x1b[2K", b"'=cmd"])  # fmt: skip
        elif how == "delete":
            del raw[at : at + rnd.randint(1, 30)]
        else:
            del raw[at:]
    return bytes(raw)


@pytest.mark.slow
def test_unsigned_mutations_are_never_imported(world: dict[str, Any]) -> None:
    from rxlog.central.importer import IMPORTED
    from rxlog.returnformat.manifest import verify_return_bytes

    w = world
    names = sorted(w["files"])

    @FUZZ
    @given(seed=st.integers(0, 2**32), which=st.sampled_from(names))
    def run(seed: int, which: str) -> None:
        files = dict(w["files"])
        files[which] = flip(files[which], random.Random(seed))
        if files[which] == w["files"][which]:
            return
        before = _state(w["store"])
        results = _import(w, _write(w["tmp"] / f"u{next(_n)}", files), "unsigned mutation")
        if any(r.outcome == IMPORTED for r in results) and not which.endswith(".eml"):
            COUNTS["invalid content stored"] += 1
            raise AssertionError(f"a changed {which} was imported")
        if not which.endswith(".eml"):
            assert _state(w["store"]) in (before, (0, 0, 0)) or _state(w["store"]) == before
        try:
            verify_return_bytes(files[w["manifest_name"]], files, check_pdf_signature=False,
                                manifest_name=w["manifest_name"])  # fmt: skip
        except RxlogError:
            pass
        except Exception as exc:
            COUNTS["crashes"] += 1
            raise AssertionError(f"verify crashed with {exc!r}") from exc

    run()


# -- 2 and 3: re-signed mutations ------------------------------------------------------
CELL_VALUES = st.one_of(
    st.sampled_from(["", "Z", "99", "-100000", "0", "1e400", "Infinity", "NaN", "2026-10-31",
                     "2026-10-32", "2026-11-01", "9223372036854775808", "NOPE", "REP-MGMT",
                     "INT-PRESC", "ADM-MEET", "secondary", "tertiary", "trust", "RPA", "G82001",
                     "'=1+1", "\x1b[2K", "\u202e", "<font>", "1999.9", "2026.1", "accepted",
                     "12.345", "-5.00", "721", "720", "10001"]),
    st.text(max_size=8),
)  # fmt: skip


@st.composite
def re_signed(draw: Any, w: dict[str, Any]) -> dict[str, bytes]:
    """A return whose CSV cells and manifest values were changed, with its manifest
    made consistent again (file hashes, and totals when ``fix_totals``)."""
    files = dict(w["files"])
    name = w["csv_name"]
    text = files[name].decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header, body = rows[0], rows[1:]
    for _ in range(draw(st.integers(1, 3))):
        how = draw(st.sampled_from(["cell", "cell", "dup row", "drop row"]))
        if how == "cell" or not body:
            i = draw(st.integers(0, max(0, len(body) - 1)))
            col = draw(st.sampled_from(header))
            if body:
                body[i][header.index(col)] = draw(CELL_VALUES)
        elif how == "dup row":
            body.append(list(body[draw(st.integers(0, len(body) - 1))]))
        else:
            body.pop(draw(st.integers(0, len(body) - 1)))
    as_v2 = draw(st.booleans())  # as the next version, so a valid one can be accepted
    if as_v2:
        vi = header.index("version")
        for r in body:
            if len(r) > vi:
                r[vi] = "2"
    buf = io.StringIO(newline="")
    out = csv.writer(buf, lineterminator="\r\n")
    out.writerow(header)
    out.writerows(body)
    files[name] = ("\ufeff" + buf.getvalue()).encode()
    doc = json.loads(files[w["manifest_name"]])
    m = doc["manifest"]
    if as_v2:
        renamed = {n.replace("_v1.", "_v2."): b for n, b in files.items()}
        files = renamed
        name = name.replace("_v1.", "_v2.")
        m["files"] = {n.replace("_v1.", "_v2."): v for n, v in m["files"].items()}
        m.update(version=2, supersedes=1, supersedes_reason="fuzz")
        files["_manifest_name"] = w["manifest_name"].replace("_v1.", "_v2.").encode()
    m["files"][name] = {"sha256": hashlib.sha256(files[name]).hexdigest(),
                        "bytes": len(files[name])}  # fmt: skip
    if draw(st.booleans()):  # totals in line with the (claimed) rows, as an attacker would
        try:
            mi = header.index("minutes")
            m["rows"] = len(body)
            m["totals"]["entries"] = len(body)
            m["totals"]["minutes"] = sum(int(r[mi]) for r in body)
        except (ValueError, IndexError):
            pass
    if draw(st.booleans()):
        key = draw(st.sampled_from(["version", "supersedes", "month", "rows", "taxonomy_versions",
                                    "main_site", "pdf_certificate_sha256"]))  # fmt: skip
        m[key] = draw(st.one_of(st.integers(-(2**64), 2**64), st.text(max_size=8), st.none()))
    files.pop(w["manifest_name"].replace("_v1.", "_v2."), None)
    files[w["manifest_name"]] = json.dumps(doc).encode()
    files["_key"] = draw(st.sampled_from(["trusted", "untrusted"])).encode()
    return files


@pytest.mark.slow
def test_re_signed_returns_store_only_valid_rows(world: dict[str, Any]) -> None:
    from rxlog.central.importer import IMPORTED, REPLACED
    from rxlog.returnformat.manifest import manifest_file_bytes, sign_manifest

    w = world

    @FUZZ
    @given(case=re_signed(world))
    def run(case: dict[str, bytes]) -> None:
        which = case.pop("_key").decode()
        target = case.pop("_manifest_name", w["manifest_name"].encode()).decode()
        doc = json.loads(case.pop(w["manifest_name"]))
        signed = sign_manifest(doc["manifest"], w[which])
        try:
            case[target] = manifest_file_bytes(signed)
        except (UnicodeEncodeError, ValueError):
            return  # not even writable as a manifest
        eml = next(n for n in case if n.endswith(".eml"))
        case.pop(eml)  # the draft attaches the original files; leave it out
        before = _state(w["store"])
        kind = f"re-signed, {which} key"
        results = _import(w, _write(w["tmp"] / f"s{next(_n)}", case), kind)
        stored = any(r.outcome in (IMPORTED, REPLACED) for r in results)
        if stored:
            COUNTS[f"accepted: {kind}"] += 1
        if which == "untrusted" and (stored or _state(w["store"]) != before):
            COUNTS["invalid content stored"] += 1
            raise AssertionError("a return signed by an untrusted key changed the store")
        problems = stored_problems(w["store"])
        if problems:
            COUNTS["invalid content stored"] += 1
            raise AssertionError(f"invalid rows stored: {problems[:3]}")

    run()


# -- 4. hand-made hostile e-mails -------------------------------------------------------
@st.composite
def hostile_email(draw: Any, w: dict[str, Any]) -> bytes:
    parts = []
    depth = draw(st.sampled_from([0, 1, 3, 9, 50, 3000]))
    head = b"Subject: " + draw(st.sampled_from([b"RxLog return", b"=?utf-8?b?\xff?=", b""]))
    head += b"\r\nMIME-Version: 1.0\r\n"
    for i in range(depth):
        parts.append(f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n'.encode())
    name = draw(st.sampled_from([w["manifest_name"], "../../etc/passwd", "a" * 5000,
                                 "x\x1b[2K.manifest.json", "\u202ecsv.manifest.json",
                                 "=?utf-8?q?=FF?=", w["csv_name"]]))  # fmt: skip
    payload = draw(st.sampled_from([w["files"][w["manifest_name"]], b"\xff\xfe\x00",
                                    b"not base64 !!!", w["files"][w["csv_name"]]]))  # fmt: skip
    enc = draw(st.sampled_from(["base64", "quoted-printable", "7bit", "x-uuencode", "bogus"]))
    import base64

    body = base64.b64encode(payload) if enc == "base64" else payload
    attach = (
        (
            f'Content-Type: application/octet-stream; name="{name}"\r\n'
            f'Content-Disposition: attachment; filename="{name}"\r\n'
            f"Content-Transfer-Encoding: {enc}\r\n\r\n"
        ).encode("utf-8", "surrogateescape")
        + body
        + b"\r\n"
    )
    copies = draw(st.integers(1, 3))
    tail = b"".join(f"--b{i}--\r\n".encode() for i in reversed(range(min(depth, 20))))
    noise = draw(st.binary(max_size=64))
    return head + b"".join(parts) + attach * copies + tail + noise


@pytest.mark.slow
def test_hostile_e_mails_never_crash_the_import(world: dict[str, Any]) -> None:
    w = world

    @FUZZ
    @given(mail=hostile_email(world))
    def run(mail: bytes) -> None:
        folder = w["tmp"] / f"e{next(_n)}"
        folder.mkdir()
        (folder / "mail.eml").write_bytes(mail)
        _import(w, folder, "hostile e-mail")
        if stored_problems(w["store"]):
            COUNTS["invalid content stored"] += 1
            raise AssertionError("an e-mail stored invalid rows")

    run()


def test_a_few_cases_of_each_kind_run_by_default(world: dict[str, Any]) -> None:
    """The default run's share: one fixed case of each kind (the slow tests do many)."""
    fresh = world["tmp"] / "default"  # a store of its own: the slow tests may fill the other
    fresh.mkdir()
    with lead_store(world["backend"], world, fresh) as store:
        _a_few_cases({**world, "store": store})


def _a_few_cases(w: dict[str, Any]) -> None:
    from rxlog.central.importer import REFUSED
    from rxlog.returnformat.manifest import manifest_file_bytes, sign_manifest

    files = dict(w["files"])
    files[w["csv_name"]] = files[w["csv_name"]].replace(b",REP-MGMT,", b",NOPE,", 1)
    (r,) = _import(w, _write(w["tmp"] / "d1", files), "unsigned mutation")
    assert r.outcome == REFUSED and "file changed" in r.message
    doc = json.loads(files[w["manifest_name"]])
    csv_bytes = files[w["csv_name"]]
    doc["manifest"]["files"][w["csv_name"]] = {
        "sha256": hashlib.sha256(csv_bytes).hexdigest(), "bytes": len(csv_bytes)}  # fmt: skip
    for which in ("untrusted", "trusted"):
        files[w["manifest_name"]] = manifest_file_bytes(sign_manifest(doc["manifest"], w[which]))
        files.pop(next((n for n in files if n.endswith(".eml")), ""), None)
        (r,) = _import(w, _write(w["tmp"] / f"d-{which}", files), f"re-signed, {which} key")
        assert r.outcome == REFUSED
        assert ("unknown key" if which == "untrusted" else "NOPE") in r.message, r.message
    assert stored_problems(w["store"]) == [] and _state(w["store"]) == (0, 0, 0)
