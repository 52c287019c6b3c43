"""The coded taxonomy of activities: loading, checking and looking up codes.

A taxonomy is a versioned TOML file under ``resources/`` (``taxonomy-<version>.toml``).
Codes are never removed: a later version retires a code with ``retired_in`` and
``replaced_by``, so entries logged under the old code stay readable and roll up to
the new one.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from rxlog.errors import TaxonomyError
from rxlog.identifiers import snomed_concept_id_problem
from rxlog.resources import resources_dir

SECTORS = ("primary", "secondary")
COUNTS = ("patients", "items", "none")

_TOP_KEYS = {"version", "published", "categories", "code"}
_REQUIRED = {"code", "title", "category", "description", "sectors", "counts", "default_minutes"}
_OPTIONAL = {
    "intervention",
    "needs_discharge_date",
    "needs_admission_time",
    "snomed",
    "snomed_source",
    "retired_in",
    "replaced_by",
}
_CODE_RE = re.compile(r"[A-Z][A-Z0-9]*(-[A-Z0-9]+)*")


@dataclass(frozen=True)
class Code:
    """One activity a technician can log."""

    code: str
    title: str
    category: str
    category_title: str
    description: str
    sectors: tuple[str, ...]
    counts: str  # patients | items | none
    default_minutes: int
    intervention: bool = False
    needs_discharge_date: bool = False
    # NICE QS120 in acute care: timed in hours from the patient's admission date-time.
    needs_admission_time: bool = False
    snomed: str | None = None
    snomed_source: str | None = None
    retired_in: str | None = None
    replaced_by: str | None = None

    @property
    def retired(self) -> bool:
        return self.retired_in is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "title": self.title,
            "category": self.category,
            "category_title": self.category_title,
            "description": self.description,
            "sectors": list(self.sectors),
            "counts": self.counts,
            "default_minutes": self.default_minutes,
            "intervention": self.intervention,
            "needs_discharge_date": self.needs_discharge_date,
            "needs_admission_time": self.needs_admission_time,
            "retired": self.retired,
            "retired_in": self.retired_in,
            "replaced_by": self.replaced_by,
            "snomed": self.snomed,
            "snomed_source": self.snomed_source,
        }


@dataclass(frozen=True)
class Taxonomy:
    version: str
    published: str | None
    categories: dict[str, str]
    codes: dict[str, Code] = field(default_factory=dict)
    path: Path | None = None

    def __iter__(self) -> Iterator[Code]:
        return iter(self.codes.values())

    def __len__(self) -> int:
        return len(self.codes)

    def get(self, code: str) -> Code | None:
        return self.codes.get(code.strip().upper())

    def active(self) -> list[Code]:
        return [c for c in self.codes.values() if not c.retired]

    def current_code(self, code: str) -> str:
        """Follow ``replaced_by`` from ``code`` to the code in use today."""
        seen = set()
        c = self.codes.get(code)
        while c is not None and c.replaced_by and c.code not in seen:
            seen.add(c.code)
            c = self.codes.get(c.replaced_by)
        return c.code if c is not None else code

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "published": self.published,
            "categories": dict(self.categories),
            "codes": [c.to_dict() for c in self.codes.values()],
        }


def _line_of(text: str, code: str | None, index: int) -> int:
    """The line where a code is defined (by its ``code =`` line, else its Nth table)."""
    lines = text.splitlines()
    if code is not None:
        pat = re.compile(r'^\s*code\s*=\s*["\']' + re.escape(code) + r'["\']')
        for i, line in enumerate(lines, 1):
            if pat.match(line):
                return i
    seen = -1
    for i, line in enumerate(lines, 1):
        if line.strip() == "[[code]]":
            seen += 1
            if seen == index:
                return i
    return 0


@dataclass(frozen=True)
class _Failer:
    """Makes an error naming the file, the line of the code (or of its [[code]]) and the code."""

    text: str
    source: str

    def __call__(
        self, msg: str, code: str | None = None, index: int = -1, shown: str | None = None
    ) -> TaxonomyError:
        where = self.source
        if code is not None or index >= 0:
            line = _line_of(self.text, code, index)
            where = f"{self.source}, line {line}" if line else self.source
        if (shown or code) is not None:
            where += f", code {shown or code}"
        return TaxonomyError(f"{where}: {msg}")


def _parse_top(doc: dict[str, Any], fail: _Failer) -> tuple[str, str | None]:
    """The top level: known fields only, ``version`` and ``published``."""
    unknown = set(doc) - _TOP_KEYS
    if unknown:
        raise fail(f"unknown top-level field(s): {', '.join(sorted(unknown))}")
    version = doc.get("version")
    if not isinstance(version, str) or not re.fullmatch(r"\d{4}\.\d+", version):
        raise fail("'version' must be a string like \"2026.1\"")
    published = doc.get("published")
    if published is not None and not isinstance(published, str):
        published = str(published)
    return version, published


def _parse_categories(doc: dict[str, Any], fail: _Failer) -> dict[str, str]:
    """The ``[categories]`` table: each key with a title."""
    categories = doc.get("categories")
    if not isinstance(categories, dict) or not categories:
        raise fail("a [categories] table naming each category is required")
    for key, title in categories.items():
        if not isinstance(title, str) or not title.strip():
            raise fail(f"category {key!r} needs a title")
    return dict(categories)


def _code_name(raw: Any, index: int, codes: dict[str, Code], fail: _Failer) -> str:
    """A ``[[code]]`` table's shape (known fields, none missing) and its unique code."""
    if not isinstance(raw, dict):
        raise fail("each [[code]] must be a table", index=index)
    name = raw.get("code")
    label = name if isinstance(name, str) else None
    unknown = set(raw) - _REQUIRED - _OPTIONAL
    if unknown:
        raise fail(f"unknown field(s): {', '.join(sorted(unknown))}", label, index)
    missing = _REQUIRED - set(raw)
    if missing:
        raise fail(f"missing field(s): {', '.join(sorted(missing))}", label, index)
    if not isinstance(name, str) or not _CODE_RE.fullmatch(name) or len(name) > 20:
        raise fail(
            f"code {name!r} must be upper-case letters/digits joined by '-', at most 20 characters",
            None,
            index,
        )
    if name in codes:
        first = _line_of(fail.text, name, -1)
        raise fail(f"duplicate code (first defined at line {first})", None, index, name)
    return name


def _check_code_fields(
    raw: dict[str, Any], name: str, categories: dict[str, str], fail: _Failer
) -> None:
    """The text, category, sectors, counts, minutes and flags of one ``[[code]]``."""
    for key in ("title", "description"):
        if not isinstance(raw[key], str) or not raw[key].strip():
            raise fail(f"'{key}' must be non-empty text", name)
    if not isinstance(raw["category"], str) or raw["category"] not in categories:
        raise fail(f"category {raw['category']!r} is not in [categories]", name)
    sectors = raw["sectors"]
    if (
        not isinstance(sectors, list)
        or not sectors
        or any(s not in SECTORS for s in sectors)
        or len(set(sectors)) != len(sectors)
    ):
        raise fail("'sectors' must list 'primary', 'secondary' or both", name)
    if not isinstance(raw["counts"], str) or raw["counts"] not in COUNTS:
        raise fail("'counts' must be one of patients, items, none", name)
    dm = raw["default_minutes"]
    if not isinstance(dm, int) or isinstance(dm, bool) or not 1 <= dm <= 720:
        raise fail("'default_minutes' must be a whole number from 1 to 720", name)
    for key in ("intervention", "needs_discharge_date", "needs_admission_time"):
        if key in raw and not isinstance(raw[key], bool):
            raise fail(f"'{key}' must be true or false", name)


def _check_code_links(raw: dict[str, Any], name: str, fail: _Failer) -> None:
    """A code's SNOMED CT id (with its source) and its retirement fields."""
    snomed = raw.get("snomed")
    if snomed is not None:
        if not isinstance(snomed, str):
            raise fail("'snomed' must be a quoted string of digits", name)
        problem = snomed_concept_id_problem(snomed)
        if problem:
            raise fail(f"bad SNOMED CT id {snomed!r}: {problem}", name)
        if not raw.get("snomed_source"):
            raise fail("a SNOMED CT id needs its 'snomed_source'", name)
    for key in ("snomed_source", "retired_in", "replaced_by"):
        if key in raw and not isinstance(raw[key], str):
            raise fail(f"'{key}' must be text", name)
    if "replaced_by" in raw and "retired_in" not in raw:
        raise fail("'replaced_by' needs 'retired_in' (the version that retired it)", name)


def _parse_code(
    raw: Any, index: int, categories: dict[str, str], codes: dict[str, Code], fail: _Failer
) -> Code:
    """One ``[[code]]`` table, checked completely."""
    name = _code_name(raw, index, codes, fail)
    _check_code_fields(raw, name, categories, fail)
    _check_code_links(raw, name, fail)
    return Code(
        code=name,
        title=raw["title"].strip(),
        category=raw["category"],
        category_title=categories[raw["category"]],
        description=raw["description"].strip(),
        sectors=tuple(s for s in SECTORS if s in raw["sectors"]),
        counts=raw["counts"],
        default_minutes=raw["default_minutes"],
        intervention=raw.get("intervention", False),
        needs_discharge_date=raw.get("needs_discharge_date", False),
        needs_admission_time=raw.get("needs_admission_time", False),
        snomed=raw.get("snomed"),
        snomed_source=raw.get("snomed_source"),
        retired_in=raw.get("retired_in"),
        replaced_by=raw.get("replaced_by"),
    )


def _check_replacements(codes: dict[str, Code], fail: _Failer) -> None:
    """Every ``replaced_by`` names a code, never in a circle, ending at one in use."""
    for c in codes.values():
        if c.replaced_by is None:
            continue
        if c.replaced_by not in codes:
            raise fail(f"replaced_by {c.replaced_by!r} names no code in this file", c.code)
        seen = {c.code}
        target = codes[c.replaced_by]
        while target.replaced_by is not None:
            if target.code in seen:
                raise fail("replaced_by goes round in a circle", c.code)
            seen.add(target.code)
            target = codes[target.replaced_by]
        if target.retired:
            raise fail(f"replaced_by leads to {target.code!r}, which is retired", c.code)


def parse_taxonomy(text: str, source: str = "<taxonomy>", path: Path | None = None) -> Taxonomy:
    """Parse and check a taxonomy; raise ``TaxonomyError`` naming the line and code."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TaxonomyError(f"{source}: not valid TOML: {exc}") from None
    fail = _Failer(text, source)
    version, published = _parse_top(doc, fail)
    categories = _parse_categories(doc, fail)
    raw_codes = doc.get("code")
    if not isinstance(raw_codes, list) or not raw_codes:
        raise fail("no [[code]] entries")
    codes: dict[str, Code] = {}
    for index, raw in enumerate(raw_codes):
        code = _parse_code(raw, index, categories, codes, fail)
        codes[code.code] = code
    _check_replacements(codes, fail)
    return Taxonomy(version, published, categories, codes, path)


def load_taxonomy(path: Path) -> Taxonomy:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TaxonomyError(f"cannot read the taxonomy {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise TaxonomyError(f"{path.name}: not UTF-8 text") from None
    return parse_taxonomy(text, path.name, path)


def _version_key(path: Path) -> tuple[int, ...]:
    m = re.fullmatch(r"taxonomy-(\d{4})\.(\d+)\.toml", path.name)
    return (int(m.group(1)), int(m.group(2))) if m else (0,)


def taxonomy_files(folder: Path | None = None) -> list[Path]:
    """Shipped taxonomy files, oldest version first."""
    folder = folder or resources_dir()
    files = [p for p in folder.glob("taxonomy-*.toml") if _version_key(p) != (0,)]
    return sorted(files, key=_version_key)


@lru_cache(maxsize=4)
def _load_cached(path: str, mtime: float) -> Taxonomy:
    return load_taxonomy(Path(path))


def current_taxonomy(folder: Path | None = None) -> Taxonomy:
    """The newest shipped taxonomy (the one new entries are logged under)."""
    files = taxonomy_files(folder)
    if not files:
        raise TaxonomyError(f"no taxonomy-<version>.toml in {folder or resources_dir()}")
    newest = files[-1]
    return _load_cached(str(newest), newest.stat().st_mtime)


def taxonomy_of_version(version: str, folder: Path | None = None) -> Taxonomy | None:
    """The shipped taxonomy of ``version`` (what a return's rows name), or ``None``.

    Asked once per return by the lead's import: the folder's files are listed once."""
    by_version = _versions_in(str(folder or resources_dir()))
    path = by_version.get(version)
    return _load_cached(path, Path(path).stat().st_mtime) if path else None


@lru_cache(maxsize=8)
def _versions_in(folder: str) -> dict[str, str]:
    out = {}
    for path in taxonomy_files(Path(folder)):
        out[_load_cached(str(path), path.stat().st_mtime).version] = str(path)
    return out
