"""Importing returns into the central store: verify, check trust and version, then
write each return in one transaction.

Rules (issue 5): a tampered return, or one signed by an unknown or revoked key, is
refused with the reason; an exact resend (same return id and version) is ignored; a
newer version replaces the older one (its rows are deleted and the new rows inserted in
the same transaction, and the replacement is logged in ``central_event``); an older
version arriving after a newer one is refused. Nothing is written for a refused return.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import operator
import os
import re
import sys
import zlib
from array import array
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rxlog.clock import utc_now_iso
from rxlog.errors import RxlogError
from rxlog.returnformat import READABLE_FORMATS, ReturnVerificationError, short_installation_id
from rxlog.returnformat.csvfile import DB_COLUMNS, ParsedCsv, parse_return_csv
from rxlog.returnformat.discovery import Candidate, discover, load
from rxlog.text import plain

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from rxlog.central.keyview import KeyView
    from rxlog.central.store import CentralStore

# SQLAlchemy, the models and the trust store are imported in the functions that write:
# the worker processes import this module to read, verify and parse, and stay light
# (about 40 MB and 0.1 s each instead of 70 MB and 0.5 s with the ORM). The writer's
# usual path (a new return, or a resend) goes through the driver and loads no ORM
# either: only a replacement, a stranger database or a single ``commit`` without the
# keys at hand import the models.

IMPORTED, REPLACED, ALREADY, REFUSED, SKIPPED = (
    "imported",
    "replaced",
    "already present",
    "refused",
    "skipped",
)

_ENTRY_INSERT_COLUMNS = ("return_pk", *DB_COLUMNS)
_SUMMARY_KEYS = (
    "gphc",
    "site",
    "site_kind",
    "sector",
    "phase",
    "code",
    "category",
    "taxonomy_version",
    "significance",
    "harm",
    "outcome",
    "unit_cost_version",
    "qs120_days",
)
_SUMMARY_VALUES = ("entries", "minutes", "count", "released_minutes", "cost_avoided_pence")


@dataclass(frozen=True)
class ImportResult:
    """What happened to one input; ``message`` says it in words for the lead."""

    source: str
    outcome: str
    message: str
    return_id: str | None = None
    version: int | None = None
    technician: str | None = None
    gphc: str | None = None
    month: str | None = None
    rows: int | None = None
    fingerprint: str | None = None
    key_name: str | None = None
    replaced_version: int | None = None
    # Entries another installation's return already counts (counted once, there).
    duplicates: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # A message quotes what a return or an e-mail says (names, file names): one
        # plain line, whoever shows it (terminal, JSON, the lead's window).
        object.__setattr__(self, "message", plain(self.message))

    @property
    def failed(self) -> bool:
        return self.outcome == REFUSED

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


Progress = Callable[[int, int, ImportResult], None]


class _Refused(RxlogError):
    pass


def _who(m: dict[str, Any]) -> str:
    """The return a message is about: id, version, technician and month (made plain)."""
    raw = m.get("technician")
    tech: dict[str, Any] = raw if isinstance(raw, dict) else {}
    text = f"{m.get('return_id')} v{m.get('version')} ({tech.get('name')}, {m.get('month')})"
    return plain(text)[:160]


def _check_manifest(m: dict[str, Any]) -> None:
    """The manifest fields the store relies on (the signature already vouches for them)."""
    try:
        gphc, month = str(m["technician"]["gphc"]), str(m["month"])
        version = m["version"]
        if not isinstance(version, int) or version < 1:
            raise _Refused(f"version {version!r} is not a whole number from 1")
        inst = m.get("installation")
        allowed = {f"{gphc}-{month}"}  # a return from before installations (or its versions)
        if isinstance(inst, dict):
            allowed.add(f"{gphc}-{month}-{short_installation_id(str(inst.get('id')))}")
        if m["return_id"] not in allowed:
            raise _Refused(
                f"return id {m['return_id']!r} does not match GPhC {gphc}, {month}"
                + (" and its installation" if isinstance(inst, dict) else "")
            )
        if m.get("format") not in READABLE_FORMATS:
            raise _Refused(f"format {m.get('format')!r} is not one this RxLog reads")
        _validate_gphc(gphc)
        _check_types(m)
    except (KeyError, TypeError):
        raise _Refused("the manifest lacks a field every return has") from None


def _validate_gphc(gphc: str) -> None:
    from rxlog.identifiers import validate_gphc

    try:
        validate_gphc(gphc)
    except RxlogError:
        raise _Refused(f"{plain(gphc)[:20]!r} is not a GPhC number") from None


_OPTIONAL_TEXT = ("supersedes_reason", "unit_cost_version", "exported_at", "main_site",
                  "pdf_certificate_sha256")  # fmt: skip


def _check_types(m: dict[str, Any]) -> None:
    """The manifest values the store writes have the types RxLog writes (a trusted key
    may still sign anything): refused here rather than failing in the write."""
    sites = m.get("sites", [])
    if not isinstance(sites, list) or not all(
        isinstance(x, dict) and all(isinstance(v, str) for v in x.values()) for x in sites
    ):
        raise _Refused("'sites' is not a list of sites")
    tv = m.get("taxonomy_versions", [])
    if not isinstance(tv, list) or not all(isinstance(v, str) for v in tv):
        raise _Refused("'taxonomy_versions' is not a list of versions")
    for key in _OPTIONAL_TEXT:
        if m.get(key) is not None and not isinstance(m.get(key), str):
            raise _Refused(f"'{key}' is not text")
    if len(str(m.get("supersedes_reason") or "")) > 500:
        raise _Refused("the reason given for the new version is longer than 500 characters")
    sup = m.get("supersedes")
    if sup is not None and (not isinstance(sup, int) or isinstance(sup, bool)):
        raise _Refused("'supersedes' is not a version number")
    if not isinstance(m.get("totals"), dict) or not isinstance(m["technician"].get("name"), str):
        raise _Refused("'totals' or the technician's name is not what RxLog writes")
    if len(m["technician"]["name"]) > 200:
        raise _Refused("the technician's name is longer than 200 characters")


def _claimed(manifest_bytes: bytes) -> str:
    """ "<id> v<N> (<name>, <month>), as it claims: " from a manifest that did not verify,
    so even a refusal for damage names the technician, month and version."""
    from rxlog.returnformat.discovery import claimed_manifest

    m = claimed_manifest(manifest_bytes)
    return f"{_who(m)} as it claims: " if m else ""


@dataclass
class Prepared:
    """A return read, verified and parsed (in a worker process when there are many),
    waiting for the trust and version checks and the write, done in the main process."""

    label: str
    manifest_bytes: bytes
    manifest: dict[str, Any]
    fingerprint: str
    sha: str
    parsed: ParsedCsv | None
    problem: str | None  # why the return's content is unusable (reported after trust)
    entry_ids: str = ""  # the rows' entry ids, comma-separated (checked: RxLog's ids)
    copy_text: str | None = None  # the rows as COPY text, without return_pk (PostgreSQL)
    summary_copy: str | None = None  # the summary rows as COPY text, likewise
    entry_keys: bytes = b""  # :func:`entry_keys` of the rows' ids (central_return.entry_keys)


def prepare(
    cand: Candidate, known_sha: str | None = None, copy: bool = False
) -> Prepared | ImportResult:
    """Read, verify and parse one candidate (no database): safe in a worker process.

    ``known_sha`` is the manifest hash already stored for this return id and version:
    a verified resend with that hash is not parsed again (it will change nothing).
    ``copy``: also write the rows as PostgreSQL COPY text (the writer then sends them
    as they are). Never raises: whatever goes wrong with one input is that input's refusal.
    """
    try:
        return _prepare(cand, known_sha, copy)
    except Exception as exc:  # a case no check foresaw: refuse this one, go on
        return ImportResult(cand.label, REFUSED, _unforeseen(exc))


def _unforeseen(exc: BaseException) -> str:
    return (
        f"could not be checked ({type(exc).__name__}): nothing of it was stored; "
        "please report this input to RxLog's maintainers"
    )


def _prepare(
    cand: Candidate, known_sha: str | None = None, copy: bool = False
) -> Prepared | ImportResult:
    """Read, verify and parse one candidate (no database): safe in a worker process.

    ``known_sha`` is the manifest hash already stored for this return id and version:
    a verified resend with that hash is not parsed again (it will change nothing).
    """
    if cand.problem is not None:
        return ImportResult(cand.label, REFUSED if cand.refuse else SKIPPED, cand.problem)
    try:
        manifest_bytes, files = load(cand)
    except RxlogError as exc:
        return ImportResult(cand.label, REFUSED, exc.message)
    from rxlog.returnformat.manifest import canonical_bytes, verify_return_bytes

    try:
        # The PDF's bytes are covered by the signed manifest's SHA-256; its PAdES
        # signature is for people reading the PDF, and checking it would cost ~20 ms
        # a return (20 s for a thousand), so the import leaves it to `rxlog verify`.
        # The CSV's rows are read and checked below (every row, the totals, which return
        # each belongs to), so verification does not read them a second time.
        verified = verify_return_bytes(
            manifest_bytes, files, manifest_name=cand.manifest_name, check_csv=False
        )
    except ReturnVerificationError as exc:
        return ImportResult(
            cand.label, REFUSED, f"{_claimed(manifest_bytes)}failed verification: {exc.message}"
        )
    m = verified.manifest
    sha = hashlib.sha256(canonical_bytes(m)).hexdigest()
    if known_sha is not None and known_sha == sha:
        return Prepared(cand.label, manifest_bytes, m, verified.fingerprint, sha, None, None)
    try:
        _check_manifest(m)
        csv_name = next((n for n in m["files"] if n.endswith(".csv")), None)
        if csv_name is None or csv_name not in files:
            raise _Refused("the return has no CSV")
        parsed = parse_return_csv(files[csv_name], m, csv_name)
        parsed.summary = summarise(parsed.rows)
        minutes = (m.get("totals") or {}).get("minutes")
        if len(parsed.rows) != m.get("rows") or parsed.minutes != minutes:
            raise _Refused(
                f"{csv_name} has {len(parsed.rows)} rows and {parsed.minutes} minutes; "
                f"the manifest says {m.get('rows')} and {minutes}"
            )
    except RxlogError as exc:
        return Prepared(cand.label, manifest_bytes, m, verified.fingerprint, sha, None, exc.message)
    id_list = list(map(operator.itemgetter(_ENTRY_ID_AT), parsed.rows))
    ids = ",".join(id_list)
    text = copy_text(parsed.rows) if copy else None
    sums = copy_text(parsed.summary) if copy else None
    fp = verified.fingerprint
    keys = entry_keys(id_list)
    return Prepared(cand.label, manifest_bytes, m, fp, sha, parsed, None, ids, text, sums, keys)


def entry_keys(ids: Sequence[str]) -> bytes:
    """The CRC-32 of each entry id (its UTF-8), 4 bytes each, little-endian, in order:
    what ``central_return.entry_keys`` holds (c0008). Never change it: stores keep it."""
    keys = array("I", map(zlib.crc32, map(str.encode, ids)))
    assert keys.itemsize == 4
    if sys.byteorder == "big":
        keys.byteswap()
    return keys.tobytes()


def _keys_of(blob: bytes) -> array[int]:
    keys = array("I")
    keys.frombytes(blob)
    if sys.byteorder == "big":
        keys.byteswap()
    return keys


def commit(
    store: CentralStore, prep: Prepared | ImportResult, keys: dict[str, KeyView] | None = None
) -> ImportResult:
    """:func:`_commit`; an unforeseen failure refuses that one return (its transaction is
    rolled back) and the import goes on."""
    try:
        return _commit(store, prep, keys)
    except RxlogError as exc:  # e.g. the store could not be written
        label = prep.source if isinstance(prep, ImportResult) else prep.label
        return ImportResult(label, REFUSED, exc.message)
    except Exception as exc:
        label = prep.source if isinstance(prep, ImportResult) else prep.label
        return ImportResult(label, REFUSED, _unforeseen(exc))


def _commit(
    store: CentralStore, prep: Prepared | ImportResult, keys: dict[str, KeyView] | None = None
) -> ImportResult:
    """Check trust and version rules, then write the return in one transaction.

    ``keys`` (fingerprint -> key) saves a query per return in a long run.
    """
    if isinstance(prep, ImportResult):
        return prep
    m, fp, label = prep.manifest, prep.fingerprint, prep.label
    base: dict[str, Any] = {
        "return_id": m.get("return_id"),
        "version": m.get("version"),
        "technician": (m.get("technician") or {}).get("name"),
        "gphc": (m.get("technician") or {}).get("gphc"),
        "month": m.get("month"),
        "fingerprint": fp,
    }
    if keys is not None:
        key = keys.get(fp)
    else:
        from rxlog.central.trust import key_for

        with store.read() as conn:
            key = key_for(conn, fp)
    who = _who(m)
    refusal = trust_problem(key, m, fp)
    if refusal is not None:
        if key is not None:
            base["key_name"] = key.name
        return ImportResult(label, REFUSED, f"{who}: {refusal}", **base)
    assert key is not None
    base["key_name"] = key.name
    try:
        with store.begin() as conn:
            held = _held(conn, m["return_id"])
            decision = _version_decision(conn, m, prep.sha, key, keys, held)
            if decision is not None:
                outcome, why = decision
                return ImportResult(label, outcome, f"{who}: {why}", **base)
            if prep.problem is not None or prep.parsed is None:
                raise _Refused(prep.problem or "the return could not be read")
            parsed = prep.parsed
            replaced, dups = _write(store, conn, prep, held)
    except RxlogError as exc:
        return ImportResult(label, REFUSED, f"{who}: {exc.message}", **base)
    base["duplicates"] = tuple(e for e, _ in dups)
    counted = len(parsed.rows) - len(dups)
    if replaced is None:
        msg = f"{_who(m)}: {len(parsed.rows)} entries, signed by {plain(key.name)}"
        return ImportResult(label, IMPORTED, msg + _dup_note(dups), rows=counted, **base)
    reason = m.get("supersedes_reason")
    msg = plain(
        f"v{m['version']} replaced v{replaced} of {m['return_id']} ({base['technician']}, "
        f"{m['month']}): {len(parsed.rows)} entries"
        + (f"; reason given: {reason}" if reason else "")
    )
    return ImportResult(
        label, REPLACED, msg + _dup_note(dups), rows=counted, replaced_version=replaced, **base
    )


def _dup_note(dups: list[tuple[str, str]]) -> str:
    if not dups:
        return ""
    where = ", ".join(sorted({c for _, c in dups}))
    ids = ", ".join(e[:8] for e, _ in dups[:10]) + (", …" if len(dups) > 10 else "")
    return (
        f"; {len(dups)} of them already counted from {where} (another installation's "
        f"return), so counted once: {ids}"
    )


def import_candidate(store: CentralStore, cand: Candidate) -> ImportResult:
    """Import one candidate; never raises for a problem with the return itself."""
    return commit(store, prepare(cand))


def trust_problem(key: KeyView | None, m: dict[str, Any], fp: str) -> str | None:
    """Why a return signed by ``key`` is not accepted from it (None: it is)."""
    gphc = str((m.get("technician") or {}).get("gphc"))
    if key is None:
        return (
            f"signed by an unknown key {fp[:16]}…: it is not in the trusted keys. Ask the "
            "technician for `rxlog key export` and run `rxlog central trust`"
        )
    if key.revoked_at:
        return f"signed by key {fp[:16]}… ({plain(key.name)}), revoked on {key.revoked_at[:10]}" + (
            f" ({plain(key.revoke_reason)})" if key.revoke_reason else ""
        )
    if key.gphc is None:
        return (
            f"key {fp[:16]}… ({plain(key.name)}) is bound to no GPhC number (trusted before "
            "keys were bound): trust its file again with `rxlog central trust KEYFILE "
            "--name NAME --gphc NUMBER`"
        )
    if key.gphc != gphc:
        return (
            f"key {fp[:16]}… ({plain(key.name)}) is bound to GPhC {key.gphc}, but this return "
            f"is for GPhC {plain(gphc)[:20]}: a key signs its own technician's returns only"
        )
    cert = m.get("pdf_certificate_sha256")
    has_pdf = any(str(n).endswith(".pdf") for n in (m.get("files") or {}))
    if has_pdf and key.certificate_sha256 is not None and cert != key.certificate_sha256:
        return (
            f"its PDF is signed with a certificate that is not key {fp[:16]}…'s "
            "(the manifest names another): the PDF belongs to another return"
        )
    return None


def _run(conn: Connection, sql: str, params: Sequence[Any] = ()) -> Any:
    """``sql``, written with ``?`` placeholders, straight to the driver: the import's
    per-return statements skip Core's compilation (errors still come as SQLAlchemy's)."""
    style = conn.dialect.paramstyle
    if style == "qmark":
        return conn.exec_driver_sql(sql, tuple(params))
    if style in ("format", "pyformat"):
        return conn.exec_driver_sql(sql.replace("?", "%s"), tuple(params))
    from sqlalchemy import text  # any other driver: named binds through Core

    head, *parts = sql.split("?")
    named = head + "".join(f":p{i}{part}" for i, part in enumerate(parts))
    return conn.execute(text(named), {f"p{i}": v for i, v in enumerate(params)})


def _held(conn: Connection, return_id: str) -> list[Any]:
    """Every version of ``return_id`` the store holds (read once a return: the version
    rules and the retiring of the previous version both work from it)."""
    return list(
        _run(
            conn,
            "SELECT id, version, manifest_sha256, state, key_fingerprint FROM central_return"
            " WHERE return_id = ?",
            (return_id,),
        ).all()
    )


def _version_decision(
    conn: Connection,
    m: dict[str, Any],
    sha: str,
    key: KeyView,
    keys: dict[str, KeyView] | None,
    rows: list[Any],
) -> tuple[str, str] | None:
    """ALREADY/REFUSED with a reason when the version rules say so, else None (go on).

    A version is accepted only as the next number after the newest version the store
    holds (``rows``: :func:`_held`), superseding exactly that one, and from a key bound
    to the same technician as the key that signed it. A version whose rows were
    withdrawn with its key, or superseded and then left with no current version, may be
    imported again.
    """
    version = m["version"]
    has_current = any(r.state == "current" for r in rows)
    for r in rows:
        if r.version == version:
            if r.manifest_sha256 == sha:
                if r.state == "superseded" and not has_current:
                    return None  # its rows went with a withdrawn successor: restore them
                return ALREADY, "already in the store (a resend): nothing changed"
            return REFUSED, (
                "a different return with the same id and version is already imported; "
                "the technician must export a new version"
            )
    if not rows:
        if m.get("supersedes") not in (None, version - 1):
            return REFUSED, f"it says it replaces v{m.get('supersedes')}, not v{version - 1}"
        return None
    held = max(rows, key=lambda r: r.version)
    if held.version > version:
        return REFUSED, (
            f"older than v{held.version}, which is already imported: an older version "
            "never replaces a newer one"
        )
    if version != held.version + 1:
        return REFUSED, (
            f"the store holds v{held.version}, so the next version is v{held.version + 1}, "
            f"not v{version}"
        )
    if m.get("supersedes") != held.version:
        return REFUSED, (
            f"it replaces v{m.get('supersedes')}, but the store holds v{held.version}: a new "
            "version must replace the version the store holds"
        )
    if held.key_fingerprint != key.fingerprint:
        from rxlog.central.trust import key_for

        before = (keys or {}).get(held.key_fingerprint) or key_for(conn, held.key_fingerprint)
        if before is None or before.gphc != key.gphc:
            return REFUSED, (
                f"v{held.version} was signed by a key bound to another technician; a new "
                "version comes only from a key bound to the same technician"
            )
    return None


def _retire_previous(conn: Connection, m: dict[str, Any], now: str, held: list[Any]) -> Any:
    """Make room for ``m``'s version: the current version (returned, if any) becomes
    superseded, and its entries and summary go. ``held``: :func:`_held`."""
    previous = next((r for r in held if r.state == "current"), None)
    again = any(r.version == m["version"] and r.state == "superseded" for r in held)
    if previous is None and not again:
        return None  # a new return: nothing to retire (and no ORM to load)
    from sqlalchemy import update

    from rxlog.central.models import DUPLICATES, ENTRIES, RETURNS, SUMMARY

    if again:
        # A superseded version imported again (its successor was withdrawn): the old
        # record goes, the return is written afresh below.
        conn.execute(
            RETURNS.delete().where(
                RETURNS.c.return_id == m["return_id"],
                RETURNS.c.version == m["version"],
                RETURNS.c.state == "superseded",
            )
        )
    if previous is not None:
        # Retire the old version first: at most one version of a return is "current"
        # (a unique index says so), so its rows are never counted twice.
        conn.execute(ENTRIES.delete().where(ENTRIES.c.return_pk == previous.id))
        conn.execute(DUPLICATES.delete().where(DUPLICATES.c.return_pk == previous.id))
        conn.execute(SUMMARY.delete().where(SUMMARY.c.return_pk == previous.id))
        conn.execute(
            update(RETURNS)
            .where(RETURNS.c.id == previous.id)
            .values(state="superseded", superseded_at=now)
        )
    return previous


_RETURN_COLUMNS = (
    "return_id", "version", "state", "gphc", "technician", "month", "main_site", "sector",
    "sites", "taxonomy_versions", "unit_cost_version", "supersedes", "supersedes_reason",
    "exported_at", "imported_at", "key_fingerprint", "rows", "totals", "manifest_sha256",
    "manifest", "source", "installation_id", "installation_name", "nil", "entry_keys",
)  # fmt: skip
_EVENT_COLUMNS = ("at", "action", "return_id", "version", "replaced_version",
                  "key_fingerprint", "source", "detail")  # fmt: skip


def _insert(table: str, columns: Sequence[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


_INSERT_RETURN = _insert("central_return", _RETURN_COLUMNS) + " RETURNING id"
_INSERT_EVENT = _insert("central_event", _EVENT_COLUMNS)
# PostgreSQL: the event goes in the same round trip as the return row; the summary rows
# follow by COPY (a JSON value cast row by row in the same statement cost ~5 ms a return
# of 250 summary rows, COPY ~2 ms).
_INSERT_RETURN_EVENT = f"WITH r AS ({_INSERT_RETURN}), e AS ({_INSERT_EVENT}) SELECT id FROM r"


def _write(
    store: CentralStore, conn: Connection, prep: Prepared, held: list[Any]
) -> tuple[int | None, list[tuple[str, str]]]:
    """Insert the return, its entries and summary; retire the previous version.
    Returns the version replaced, and the entries another return already counts."""
    m, parsed, fp, source = prep.manifest, prep.parsed, prep.fingerprint, prep.label
    assert parsed is not None
    now = utc_now_iso()
    sites = m.get("sites") or []
    main_site = parsed.main_site or str(m.get("main_site") or "")[:6]
    sector = next((s.get("sector") for s in sites if s.get("ods") == parsed.main_site), None)
    sector = sector or (parsed.sectors.most_common(1)[0][0] if parsed.sectors else "")
    previous = _retire_previous(conn, m, now, held)
    inst = m.get("installation") if isinstance(m.get("installation"), dict) else None
    rows, duplicates = _drop_counted(conn, m, parsed.rows, prep.entry_ids, prep.entry_keys)
    summary = parsed.summary if not duplicates else summarise(rows)
    tech = m["technician"]
    return_row = (
        m["return_id"], m["version"], "current", tech["gphc"], tech.get("name") or "",
        m["month"], main_site, sector, json.dumps(sites, ensure_ascii=False),
        json.dumps(m.get("taxonomy_versions") or []), m.get("unit_cost_version"),
        m.get("supersedes"), m.get("supersedes_reason"), str(m.get("exported_at") or ""),
        now, fp, len(rows), json.dumps(m.get("totals") or {}), prep.sha,
        prep.manifest_bytes.decode("utf-8"), source, inst["id"] if inst else None,
        inst["name"] if inst else None, 1 if m.get("nil") is True else 0, prep.entry_keys,
    )  # fmt: skip
    event_row = (
        now, REPLACED if previous is not None else IMPORTED, m["return_id"], m["version"],
        previous.version if previous is not None else None, fp, source,
        m.get("supersedes_reason"),
    )  # fmt: skip
    if conn.dialect.name == "postgresql":
        pk = _run(conn, _INSERT_RETURN_EVENT, (*return_row, *event_row)).scalar_one()
    else:
        pk = _run(conn, _INSERT_RETURN, return_row).scalar_one()
        _run(conn, _INSERT_EVENT, event_row)
    summary_copy = prep.summary_copy if not duplicates else None
    _insert_summary(store, conn, pk, m["month"], summary, summary_copy)
    _insert_entries(store, conn, pk, rows, prep.copy_text if not duplicates else None)
    if duplicates:
        from sqlalchemy import insert

        from rxlog.central.models import DUPLICATES

        conn.execute(
            insert(DUPLICATES),
            [{"return_pk": pk, "entry_id": e, "counted_in": c} for e, c in duplicates],
        )
    return (previous.version if previous is not None else None), duplicates


_ENTRY_ID_AT = DB_COLUMNS.index("entry_id")


def _drop_counted(
    conn: Connection,
    m: dict[str, Any],
    rows: list[tuple[Any, ...]],
    id_list: str,
    keys: bytes = b"",
) -> tuple[list[tuple[Any, ...]], list[tuple[str, str]]]:
    """The rows to store, and (entry id, return id) of those another current return of
    the same technician (another installation's, say after a handover) already holds:
    an entry is counted once, in the return that brought it first.

    ``id_list``: the rows' entry ids joined by commas (ids the row checks found to be
    RxLog's, so no comma or quote in them), sent as one value, on the (gphc, entry_id)
    index: one statement a return. ``keys``: their :func:`entry_keys` (PostgreSQL: only
    ids whose key another return of the technician holds are looked up).
    """
    gphc, rid = m["technician"]["gphc"], m["return_id"]
    held: dict[str, str] = {}
    if not rows:
        return rows, []
    sql = (
        "SELECT entry_id, return_id FROM central_entry WHERE gphc = ? AND return_id <> ? AND"
        " entry_id IN (SELECT value FROM json_each(?))"
    )
    if conn.dialect.name == "sqlite" and sqlite3_has_json():
        found = _run(conn, sql, (gphc, rid, '["' + id_list.replace(",", '","') + '"]')).all()
    elif conn.dialect.driver == "psycopg":
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cur:
            id_list = _candidates(cur, gphc, rid, id_list, keys)
            if not id_list:
                return rows, []
            # One text parameter, planned for its values each time (prepare=False): a plan
            # psycopg prepared while the table was small scanned the whole table ever after.
            cur.execute(
                "SELECT entry_id, return_id FROM central_entry WHERE gphc = %s AND "
                "return_id <> %s AND entry_id = ANY(string_to_array(%s, ','))",
                (gphc, rid, id_list),
                prepare=False,
            )
            found = cur.fetchall()
    else:
        found = _counted_by_chunks(conn, gphc, rid, id_list.split(","))
    for entry_id, return_id in found:
        held.setdefault(entry_id, return_id)
    if not held:
        return rows, []
    kept = [r for r in rows if r[_ENTRY_ID_AT] not in held]
    return kept, sorted(held.items())


def _candidates(cur: Any, gphc: str, rid: str, id_list: str, keys: bytes) -> str:
    """The ids of ``id_list`` the duplicate lookup must look up: those whose entry key
    another return of the technician holds (its stored rows' keys are among its
    ``entry_keys``, so no other id can be among them); every id when a return's keys
    are not known, or ``keys`` does not fit ``id_list``."""
    ids = id_list.split(",")
    if len(keys) != 4 * len(ids):
        return id_list
    cur.execute(
        "SELECT entry_keys FROM central_return WHERE gphc = %s AND return_id <> %s",
        (gphc, rid),
    )
    held = [k for (k,) in cur.fetchall()]
    if any(k is None for k in held):
        return id_list
    mine = _keys_of(keys)
    shared = set(mine).intersection(_keys_of(b"".join(held)))
    if not shared:
        return ""
    return ",".join(i for i, k in zip(ids, mine, strict=True) if k in shared)


def sqlite3_has_json() -> bool:
    import sqlite3

    return sqlite3.sqlite_version_info >= (3, 38)  # JSON built in from 3.38


def _counted_by_chunks(conn: Connection, gphc: str, rid: str, ids: list[str]) -> list[Any]:
    """The duplicate lookup for any other database (or an SQLite without JSON)."""
    from sqlalchemy import select

    from rxlog.central.models import ENTRIES

    found: list[Any] = []
    for i in range(0, len(ids), 500):
        found += conn.execute(
            select(ENTRIES.c.entry_id, ENTRIES.c.return_id).where(
                ENTRIES.c.gphc == gphc,
                ENTRIES.c.entry_id.in_(ids[i : i + 500]),
                ENTRIES.c.return_id != rid,
            )
        ).all()
    return found


def _insert_entries(
    store: CentralStore,
    conn: Connection,
    pk: int,
    rows: list[tuple[Any, ...]],
    copy_text: str | None = None,
) -> None:
    if not rows:
        return
    if store.is_sqlite:
        # The driver's executemany straight from the parsed tuples (return_pk is our own
        # integer, written into the statement): 2M rows in seconds, not minutes.
        cols = ", ".join(f'"{c}"' for c in _ENTRY_INSERT_COLUMNS)
        marks = ", ".join("?" for _ in DB_COLUMNS)
        conn.exec_driver_sql(
            f"INSERT INTO central_entry ({cols}) VALUES ({int(pk)}, {marks})", rows
        )
    elif conn.dialect.driver == "psycopg":
        # PostgreSQL through psycopg 3: COPY FROM STDIN on the same connection, so inside
        # the same transaction (one INSERT per row through Core was ~6x slower than COPY).
        # The worker wrote the rows as COPY text; return_pk goes at the end of each line.
        cols = ", ".join(f'"{c}"' for c in (*DB_COLUMNS, "return_pk"))
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cur, cur.copy(f"COPY central_entry ({cols}) FROM STDIN") as copy:
            if copy_text is not None:
                copy.write(copy_text.replace("\n", f"\t{int(pk)}\n"))
            else:
                for r in rows:
                    copy.write_row((*r, pk))
    else:
        from sqlalchemy import insert

        from rxlog.central.models import ENTRIES

        conn.execute(
            insert(ENTRIES),
            [dict(zip(_ENTRY_INSERT_COLUMNS, (pk, *r), strict=True)) for r in rows],
        )


_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r]")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(rows: list[tuple[Any, ...]]) -> str:
    """Rows as PostgreSQL's COPY text: tab-separated, ``\\N`` for NULL, backslash, tab,
    newline and carriage return escaped; each line ends in a newline. Each distinct
    value is written once (most columns repeat a few values); a column of text with
    nothing to escape (the entry ids, say) is taken as it is."""
    if not rows:
        return ""
    out: list[Any] = []
    for col in zip(*rows, strict=True):
        distinct = set(col)
        if set(map(type, distinct)) == {str} and not _NEEDS_ESCAPE.search("".join(distinct)):
            out.append(col)
            continue
        text: dict[Any, str] = {}
        for v in distinct:
            if v is None:
                text[v] = "\\N"
            elif isinstance(v, str):
                text[v] = v.translate(_COPY_ESCAPES)
            else:
                text[v] = str(int(v))
        out.append(map(text.__getitem__, col))
    return "\n".join(map("\t".join, zip(*out, strict=True))) + "\n"


_KEY_AT = [DB_COLUMNS.index(k) for k in _SUMMARY_KEYS]
_SUM_AT = [
    DB_COLUMNS.index(k) for k in ("minutes", "count", "released_minutes", "cost_avoided_pence")
]


def summarise(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Rows summed by the summary keys: (keys..., entries, minutes, count, released, pence).

    Done where the return is parsed (a worker process in a big import), so the write
    in the main process only inserts a few hundred summary rows.
    """
    groups: dict[tuple[Any, ...], list[int]] = {}
    key_of = operator.itemgetter(*_KEY_AT)  # one C call a row instead of a comprehension
    m, c, r, p = _SUM_AT
    for row in rows:
        key = key_of(row)
        acc = groups.get(key)
        if acc is None:
            acc = groups[key] = [0, 0, 0, 0, 0]
        acc[0] += 1
        acc[1] += row[m]
        acc[2] += row[c] or 0
        acc[3] += row[r] or 0
        acc[4] += row[p] or 0
    return [(*k, *v) for k, v in groups.items()]


def _insert_summary(
    store: CentralStore,
    conn: Connection,
    pk: int,
    month: str,
    sums: list[tuple[Any, ...]],
    summary_copy: str | None = None,
) -> None:
    if not sums:
        return
    cols = ("return_pk", "month", *_SUMMARY_KEYS, *_SUMMARY_VALUES)
    if store.is_sqlite:  # as for the entries: the driver's executemany from tuples
        names = ", ".join(f'"{c}"' for c in cols)
        marks = ", ".join("?" for _ in cols)
        rows = [(pk, month, *s) for s in sums]
        conn.exec_driver_sql(f"INSERT INTO central_summary ({names}) VALUES ({marks})", rows)
    elif conn.dialect.driver == "psycopg":
        # COPY, as for the entries: the worker wrote the rows as COPY text (the writer
        # does when duplicates were dropped); month and return_pk end each line.
        order = (*_SUMMARY_KEYS, *_SUMMARY_VALUES, "month", "return_pk")
        names = ", ".join(f'"{c}"' for c in order)
        text = summary_copy if summary_copy is not None else copy_text(sums)
        tail = f"\t{month.translate(_COPY_ESCAPES)}\t{int(pk)}\n"
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cur, cur.copy(f"COPY central_summary ({names}) FROM STDIN") as copy:
            copy.write(text.replace("\n", tail))
    else:
        from sqlalchemy import insert

        from rxlog.central.models import SUMMARY

        conn.execute(insert(SUMMARY), [dict(zip(cols, (pk, month, *s), strict=True)) for s in sums])


# Below this many returns, starting worker processes costs more than it saves.
PARALLEL_FROM = 12


def _end_with_parent() -> None:
    """In a worker: end this process as soon as the process that started it is gone.

    A worker holds both ends of the pool's queues, so a parent killed outright (Task
    Manager, SIGKILL) would otherwise leave it waiting for work forever.
    """
    import multiprocessing
    import threading
    from multiprocessing.connection import wait

    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="rxlog-parent-watch", daemon=True).start()


def worker_pool(workers: int) -> Any:
    """The import's worker processes ("spawn": safe beside the GUI's threads and the
    same on Windows and Linux); each ends when its parent does."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    ctx = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_end_with_parent)


def default_workers(cpus: int | None = None) -> int:
    """Worker processes that pay: one per CPU beyond the one this process writes on, at
    most 2 (on 2 CPUs one worker parses while this process writes: as fast as two, which
    would only compete with the writer, at half their memory); 0 on one CPU."""
    cpus = cpus if cpus is not None else (os.cpu_count() or 1)
    return max(0, min(2, cpus - 1))


def _warm_up() -> bool:
    """In a worker, before its first return: load what :func:`prepare` loads on first use
    (verification's cryptography, the row checks, every shipped taxonomy), so the writer
    hands returns over only to a worker that is ready for them."""
    from cryptography.hazmat.primitives.asymmetric import ed25519  # noqa: F401

    from rxlog import identifiers, limits, scales  # noqa: F401
    from rxlog.returnformat import manifest  # noqa: F401
    from rxlog.taxonomy import taxonomy_of_version

    taxonomy_of_version("")  # lists and loads the shipped taxonomies (cached)
    return True


def _prepared(
    cands: list[Candidate], workers: int, known: dict[tuple[str, int], str], copy: bool = False
) -> Iterator[Prepared | ImportResult]:
    """``prepare`` over the candidates, in order; in ``workers`` worker processes when
    there are enough candidates (0: all in this process)."""

    def hint(c: Candidate) -> str | None:
        return known.get(c.order) if c.order is not None else None

    if workers < 1 or len(cands) < PARALLEL_FROM:
        for cand in cands:
            yield prepare(cand, hint(cand), copy)
        return
    from concurrent.futures import Future

    with worker_pool(workers) as pool:
        # A worker takes a while to start (a new interpreter and its imports: 0.1-0.2 s
        # on a quiet machine, a second or more on a busy one, more on Windows). Until one
        # is ready this process prepares the returns itself, in order, rather than wait;
        # a worker that cannot start leaves them all to this process.
        ready = pool.submit(_warm_up)
        todo = iter(cands)
        for cand in todo:
            if ready.done() and ready.exception() is None:
                break
            yield prepare(cand, hint(cand), copy)
        else:
            return
        ahead: deque[Future[Prepared | ImportResult]] = deque()
        try:
            # Bounded look-ahead: each worker has one return in hand and one waiting, so
            # memory stays flat and the writer never waits for a worker to start one.
            for first in itertools.islice(todo, 2 * workers):
                ahead.append(pool.submit(prepare, first, hint(first), copy))
            # (this one here, while the workers prepare their first)
            yield prepare(cand, hint(cand), copy)
            while ahead:
                done = ahead.popleft().result()
                nxt = next(todo, None)
                if nxt is not None:
                    ahead.append(pool.submit(prepare, nxt, hint(nxt), copy))
                yield done
        finally:
            for fut in ahead:
                fut.cancel()


def import_paths(
    store: CentralStore,
    paths: Sequence[Path],
    progress: Progress | None = None,
    workers: int | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> list[ImportResult]:
    """Import every return found in ``paths``; bad usage raises before anything changes.

    Reading, verifying and parsing run in ``workers`` processes when there are many
    returns (1: all in this process; default :func:`default_workers`, beside this
    process); every write stays in this process, one transaction per return, in order
    (v1 before v2). ``cancelled`` is polled between returns: those already imported
    stay, each whole.
    """
    from rxlog.central.keyview import trusted_keys

    found = discover([Path(p) for p in paths])
    cands = found.candidates
    pool = default_workers() if workers is None else (0 if workers <= 1 else workers)
    total = len(cands)
    with store.read() as conn:  # straight to the driver: no ORM loaded for an import
        known = {
            (r.return_id, r.version): r.manifest_sha256
            for r in _run(conn, "SELECT return_id, version, manifest_sha256 FROM central_return")
        }
        keys = trusted_keys(conn)
    results: list[ImportResult] = []
    copy = store.engine.dialect.driver == "psycopg"  # the rows go as COPY text
    for i, prep in enumerate(_prepared(cands, pool, known, copy), 1):
        if cancelled is not None and cancelled():
            break
        result = commit(store, prep, keys)
        results.append(result)
        if progress is not None:
            progress(i, total, result)
    return results
