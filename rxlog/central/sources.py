"""Finding returns in what the lead hands over: return folders, return files, saved
e-mails (``.eml``) or folders of them.

Discovery only lists candidates; each is loaded (bytes read) when it is imported, so a
thousand returns never sit in memory at once. Verification happens on those bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from rxlog.central.eml import MANIFEST_SUFFIX, attachments, manifests_in
from rxlog.errors import ValidationError

Loaded = tuple[bytes, dict[str, bytes]]  # manifest file bytes, {file name: bytes}


@dataclass(frozen=True)
class Candidate:
    """One return to import (``load(candidate)`` reads it) or an input holding none.

    Plain data, so it can be handed to a worker process.
    """

    label: str
    kind: str  # "folder" (a manifest on disk), "eml" (a saved e-mail) or "problem"
    path: str = ""
    problem: str | None = None
    refuse: bool = True  # a problem that counts as a refused input (exit 1)
    manifest_name: str = "manifest.json"
    order: tuple[str, int] | None = None  # (return id, version), to import v1 before v2


@dataclass
class Discovery:
    candidates: list[Candidate] = field(default_factory=list)


def _identity(manifest_bytes: bytes) -> tuple[str, int] | None:
    """(return id, version) read without verifying (only to order the imports)."""
    try:
        m = json.loads(manifest_bytes.decode("utf-8"))["manifest"]
        return str(m["return_id"]), int(m["version"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def _listed_files(manifest_bytes: bytes) -> list[str]:
    """File names a manifest lists (best effort: verification judges the manifest)."""
    try:
        doc = json.loads(manifest_bytes.decode("utf-8"))
        files = doc["manifest"]["files"]
        return [Path(str(n)).name for n in files] if isinstance(files, dict) else []
    except (ValueError, KeyError, TypeError, AttributeError):
        return []


def load(cand: Candidate) -> Loaded:
    """The manifest's bytes and the files it lists, read from disk or from the e-mail."""
    path = Path(cand.path)
    if cand.kind == "eml":
        attached = attachments(path)
        if cand.manifest_name not in attached:
            raise ValidationError(f"{path}: the attachment {cand.manifest_name} has gone")
        manifest = attached.pop(cand.manifest_name)
        listed = _listed_files(manifest)
        return manifest, {n: b for n, b in attached.items() if n in listed}
    try:
        manifest = path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"cannot read {path}: {exc.strerror}") from None
    files: dict[str, bytes] = {}
    for name in _listed_files(manifest):
        p = path.parent / name
        if p.is_file():
            try:
                files[name] = p.read_bytes()
            except OSError as exc:
                raise ValidationError(f"cannot read {p}: {exc.strerror}") from None
    return manifest, files


def _eml_candidates(path: Path, explicit: bool) -> list[Candidate]:
    try:
        found = attachments(path)
    except ValidationError as exc:
        return [Candidate(str(path), "problem", problem=exc.message)]
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


def _return_manifest_for(path: Path) -> Path | None:
    """The manifest beside a return's CSV or PDF (``rxlog_<ODS>_<month>_v<N>.csv``)."""
    stem = path.name.rsplit(".", 1)[0]
    m = path.with_name(stem + MANIFEST_SUFFIX)
    return m if m.is_file() else None


def discover(paths: list[Path]) -> Discovery:
    """Candidates in the given paths, in a stable order; bad usage raises before any."""
    missing = [str(p) for p in paths if not Path(p).exists()]
    if missing:
        raise ValidationError(f"no such file or folder: {', '.join(missing)}", field="path")
    result = Discovery()
    seen: set[Path] = set()

    def add_manifest(p: Path) -> None:
        rp = p.resolve()
        if rp not in seen:
            seen.add(rp)
            try:
                order = _identity(p.read_bytes())
            except OSError:
                order = None
            result.candidates.append(
                Candidate(str(p), "folder", str(p), manifest_name=p.name, order=order)
            )

    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            files = sorted(q for q in p.rglob("*") if q.is_file())
            for q in files:
                if q.name.endswith(MANIFEST_SUFFIX):
                    add_manifest(q)
            for q in files:
                if q.suffix.lower() == ".eml":
                    result.candidates.extend(_eml_candidates(q, explicit=False))
        elif p.name.endswith(MANIFEST_SUFFIX):
            add_manifest(p)
        elif p.suffix.lower() == ".eml":
            result.candidates.extend(_eml_candidates(p, explicit=True))
        elif p.suffix.lower() in (".csv", ".pdf"):
            m = _return_manifest_for(p)
            if m is None:
                result.candidates.append(
                    Candidate(
                        str(p), "problem", problem="no manifest (*.manifest.json) beside this file"
                    )
                )
            else:
                add_manifest(m)
        else:
            raise ValidationError(
                f"{p} is not a return: give a return folder, a *.manifest.json, the return's "
                ".csv or .pdf, a saved e-mail (.eml) or a folder of them",
                field="path",
            )
    # Versions of one return in ascending order, so v1 then v2 given together both count.
    indexed = list(enumerate(result.candidates))
    indexed.sort(key=lambda ic: (ic[1].order or ("", 0), ic[0]))
    result.candidates = [c for _, c in indexed]
    return result
