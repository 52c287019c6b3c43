"""Finding returns in what is handed over: return folders, return files, saved
e-mails (``.eml``, Outlook's ``.msg``) or folders of them. One discovery for
``rxlog verify`` and the lead's import.

Discovery only lists candidates; each is loaded (bytes read) when it is checked, so a
thousand returns never sit in memory at once. Verification happens on those bytes.
A listed file that is not under its own name (a mail client's ``x (1).csv``) is found
by its signed SHA-256 among the files beside it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rxlog.errors import ValidationError
from rxlog.returnformat import (
    EMAIL_SUFFIXES,
    MANIFEST_SUFFIX,
    SUFFIXES,
    ReturnVerificationError,
)
from rxlog.returnformat.eml import is_return_email, manifests_in, read_attachments

Loaded = tuple[bytes, dict[str, bytes]]  # manifest file bytes, {file name: bytes}
# What a listed file name may be (checked before it touches the disk).
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,200}")
MAX_FILE_BYTES = 512 * 1024 * 1024  # far beyond any month's return


@dataclass(frozen=True)
class Candidate:
    """One return to check (``load(candidate)`` reads it) or an input holding none.

    Plain data, so it can be handed to a worker process.
    """

    label: str
    kind: str  # "folder" (a manifest on disk), "eml" (a saved e-mail) or "problem"
    path: str = ""
    problem: str | None = None
    refuse: bool = True  # a problem that counts as a refused input (exit 1)
    manifest_name: str = "manifest.json"
    order: tuple[str, int] | None = None  # (return id, version), to check v1 before v2
    eml: str | None = None  # for "folder": the return's e-mail beside its manifest

    @property
    def base(self) -> str:
        """The return's file name without suffix (for messages)."""
        name = self.manifest_name if self.kind != "problem" else Path(self.label).name
        for suffix in SUFFIXES:
            if name.lower().endswith(suffix):
                return name[: -len(suffix)]
        return name


@dataclass
class Discovery:
    candidates: list[Candidate] = field(default_factory=list)


def _manifest_part(manifest_bytes: bytes) -> dict[str, object] | None:
    """The (unverified) manifest object, best effort, only to order and locate."""
    try:
        doc = json.loads(manifest_bytes.decode("utf-8"))
        m = doc["manifest"]
        return m if isinstance(m, dict) else None
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None


def claimed_manifest(manifest_bytes: bytes) -> dict[str, object] | None:
    """The manifest object as it claims to be (not verified: only to name it in a message)."""
    return _manifest_part(manifest_bytes)


def _identity(manifest_bytes: bytes) -> tuple[str, int] | None:
    """(return id, version) read without verifying (only to order the checks)."""
    m = _manifest_part(manifest_bytes)
    if m is None:
        return None
    rid, version = m.get("return_id"), m.get("version")
    if isinstance(rid, str) and isinstance(version, int) and not isinstance(version, bool):
        return rid[:100], version if abs(version) < 2**31 else 0
    return None


def listed_files(manifest_bytes: bytes) -> dict[str, str]:
    """File name -> SHA-256 of each file a manifest lists with a safe name (best effort:
    verification judges the manifest)."""
    m = _manifest_part(manifest_bytes)
    files = m.get("files") if m is not None else None
    if not isinstance(files, dict):
        return {}
    out: dict[str, str] = {}
    for name, info in files.items():
        if isinstance(name, str) and SAFE_NAME.fullmatch(name) and ".." not in name:
            sha = info.get("sha256") if isinstance(info, dict) else None
            out[name] = sha if isinstance(sha, str) else ""
    return out


def _read(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ReturnVerificationError(f"{path.name} is larger than any return's file")
        return path.read_bytes()
    except OSError as exc:
        raise ReturnVerificationError(f"cannot read {path}: {exc.strerror or exc}") from None


def _by_hash(pool: dict[str, bytes], listed: dict[str, str]) -> dict[str, bytes]:
    """The listed files out of ``pool``: by name, else (a renamed copy) by SHA-256."""
    out: dict[str, bytes] = {}
    hashes: dict[str, str] | None = None
    for name, sha in listed.items():
        if name in pool:
            out[name] = pool[name]
            continue
        if hashes is None:
            hashes = {hashlib.sha256(b).hexdigest(): n for n, b in pool.items()}
        if sha and sha in hashes:
            out[name] = pool[hashes[sha]]
    return out


def _siblings(folder: Path, listed: dict[str, str]) -> dict[str, bytes]:
    """The listed files in ``folder``; a missing one is looked for, by hash, among the
    files of the same suffix and size whose name starts the same (``x (1).csv``)."""
    out: dict[str, bytes] = {}
    for name, sha in listed.items():
        p = folder / name
        try:
            exists = p.is_file()
        except OSError:
            exists = False
        if exists:
            out[name] = _read(p)
            continue
        stem, _, suffix = name.rpartition(".")
        try:
            others = [
                q
                for q in folder.iterdir()
                if q.name != name
                and q.name.lower().endswith("." + suffix.lower())
                and q.name.startswith(stem[:20])
                and q.is_file()
            ]
        except OSError:
            others = []
        for q in sorted(others):
            data = _read(q)
            if sha and hashlib.sha256(data).hexdigest() == sha:
                out[name] = data
                break
    return out


def load(cand: Candidate) -> Loaded:
    """The manifest's bytes and the files it lists, read from disk or from the e-mail.

    For a return on disk with its e-mail beside it, the e-mail's attachments are
    returned too under ``"<eml>/<name>"``, so verification can check they are the
    signed files. Raises :class:`ReturnVerificationError` for what cannot be read.
    """
    path = Path(cand.path)
    if cand.kind == "eml":
        attached = read_attachments(path)
        if cand.manifest_name not in attached:
            raise ReturnVerificationError(f"{path}: the attachment {cand.manifest_name} has gone")
        manifest = attached.pop(cand.manifest_name)
        return manifest, _by_hash(attached, listed_files(manifest))
    manifest = _read(path)
    files = _siblings(path.parent, listed_files(manifest))
    if cand.eml:
        # The files beside it, as the attachments they should be: the draft's bodies are
        # compared with them, not decoded (the same result; eml_flat).
        eml = Path(cand.eml)
        attached = read_attachments(eml, known=files)
        if not attached:
            raise ReturnVerificationError(
                f"file missing: {eml.name} attaches none of this return's files (it is not "
                "the return's e-mail as exported: export the month again for a new draft)"
            )
        for name, data in attached.items():
            files[f"{eml.name}/{name}"] = data
    return manifest, files


def _eml_candidates(path: Path, explicit: bool) -> list[Candidate]:
    try:
        found = read_attachments(path)
    except ReturnVerificationError as exc:
        return [Candidate(str(path), "problem", problem=exc.message, refuse=True)]
    names = manifests_in(found)
    if not names:
        return [
            Candidate(
                str(path),
                "problem",
                problem="no RxLog return attached to this e-mail (no *.manifest.json)",
                refuse=explicit,
            )
        ]
    out = []
    for name in names:
        label = f"{path} [{name}]" if len(names) > 1 else str(path)
        out.append(
            Candidate(label, "eml", str(path), manifest_name=name, order=_identity(found[name]))
        )
    return out


def _base_of(name: str) -> str | None:
    for suffix in SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return None


class _Finder:
    """Collects the candidates of ``discover``, each file once."""

    def __init__(self) -> None:
        self.result = Discovery()
        self.seen: set[Path] = set()

    def add(self, p: Path) -> None:
        if p.is_dir():
            files = sorted(q for q in p.rglob("*") if q.is_file())
            for q in files:
                if q.name.endswith(MANIFEST_SUFFIX):
                    self.add_manifest(q)
            for q in files:
                if q.suffix.lower() in EMAIL_SUFFIXES:
                    self.add_eml(q, explicit=False)
        elif p.name.endswith(MANIFEST_SUFFIX):
            self.add_manifest(p)
        elif p.suffix.lower() in EMAIL_SUFFIXES:
            self.add_eml(p, explicit=True)
        elif p.suffix.lower() in (".csv", ".pdf"):
            self.add_beside(p)
        else:
            raise ValidationError(
                f"{p} is not a return: it is not a file of an RxLog return (give a return "
                "folder, a *.manifest.json, the return's .csv or .pdf, a saved e-mail (.eml, .msg) "
                "or a folder of them)",
                field="path",
            )

    def add_manifest(self, p: Path) -> None:
        rp = p.resolve()
        if rp in self.seen:
            return
        self.seen.add(rp)
        try:
            order = _identity(p.read_bytes()[: 16 * 1024 * 1024])
        except OSError:
            order = None
        base = p.name[: -len(MANIFEST_SUFFIX)]
        mails = [p.with_name(base + s) for s in EMAIL_SUFFIXES]
        beside = next((m for m in mails if m.is_file()), None)
        eml = str(beside) if beside is not None else None
        if beside is not None:
            self.seen.add(beside.resolve())
        self.result.candidates.append(
            Candidate(str(p), "folder", str(p), manifest_name=p.name, order=order, eml=eml)
        )

    def add_eml(self, p: Path, explicit: bool) -> None:
        rp = p.resolve()
        if rp in self.seen:
            return
        beside = p.with_name(p.name[: -len(p.suffix)] + MANIFEST_SUFFIX)
        if beside.is_file():
            self.add_manifest(beside)  # the e-mail is checked with its return
            return
        self.seen.add(rp)
        self.result.candidates.extend(_eml_candidates(p, explicit))

    def add_beside(self, p: Path) -> None:
        """A return's .csv or .pdf: the manifest (else the e-mail) beside it."""
        base = _base_of(p.name) or p.stem
        m = p.with_name(base + MANIFEST_SUFFIX)
        e = next((q for q in (p.with_name(base + s) for s in EMAIL_SUFFIXES) if q.is_file()), None)
        if m.is_file():
            self.add_manifest(m)
        elif e is not None:
            self.add_eml(e, explicit=True)
        else:
            self.result.candidates.append(
                Candidate(
                    str(p),
                    "problem",
                    problem=f"file missing: {base}{MANIFEST_SUFFIX} (no manifest beside this file)",
                )
            )


def discover(paths: Iterable[Path]) -> Discovery:
    """Candidates in the given paths, in a stable order; bad usage raises before any.

    A folder is searched (with its sub-folders) for ``*.manifest.json`` and ``*.eml``;
    an e-mail named like a manifest beside it is that return's e-mail (checked with it),
    not a second return. A ``.csv`` or ``.pdf`` names the return beside it.
    """
    paths = [Path(p) for p in paths]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise ValidationError(f"no such file or folder: {', '.join(missing)}", field="path")
    finder = _Finder()
    for p in paths:
        finder.add(p)
    result = finder.result
    # Versions of one return in ascending order, so v1 then v2 given together both count.
    indexed = list(enumerate(result.candidates))
    indexed.sort(key=lambda ic: (ic[1].order or ("", 0), ic[0]))
    result.candidates = [c for _, c in indexed]
    return result


def find_returns(paths: Iterable[Path]) -> list[Candidate]:
    """The returns to verify in some folders and/or files (``rxlog verify``).

    E-mails in a folder that carry no return are left alone; nothing found at all is
    an error.
    """
    paths = list(paths)
    try:
        candidates = discover(paths).candidates
    except ValidationError as exc:
        raise ReturnVerificationError(exc.message) from None
    found = [
        c
        for c in candidates
        if c.kind != "problem" or c.refuse
        if not (c.kind == "eml" and not _explicit_or_ours(c, paths))
    ]
    if not found:
        names = ", ".join(str(p) for p in paths) or "(nothing given)"
        raise ReturnVerificationError(f"no RxLog return (*.manifest.json) found in {names}")
    return found


def _explicit_or_ours(c: Candidate, paths: list[Path]) -> bool:
    p = Path(c.path)
    return any(p == Path(g) for g in paths) or is_return_email(p)
