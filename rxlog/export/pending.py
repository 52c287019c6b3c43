"""What an export signed, and a note of an export in flight.

The export hashes the month's full entry rows as it signed them
(:func:`entries_sha256`) and locks the month only if, inside the locking transaction,
the month still hashes the same. Before it renames the return's files into place it
writes a note (``export-pending.json`` in the data folder) naming them; the note goes
once the transaction has committed. A note found when the installation opens means the
export was interrupted between the rename and the commit: :func:`recover` removes the
files it names (only those still as written), so no return the installation does not
know is left looking genuine, and says so.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import operator
from collections.abc import Iterable
from datetime import datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rxlog.service import RxLog

PENDING_FILE = "export-pending.json"
# Every column of an entry, as stored (the note included: a row is "the same" only if
# nothing in it changed).
ENTRY_FIELDS = (
    "id", "date", "site", "sector", "code", "taxonomy_version", "minutes", "count",
    "significance", "significance_scale", "harm", "harm_scale", "released_minutes",
    "outcome", "discharge_received", "note", "created_at", "updated_at",
)  # fmt: skip


# Columns added later (schema 0007): hashed only when set, so a month's hash from before
# them is unchanged.
LATER_FIELDS = ("admitted", "time")

_PLAIN = (str, int, type(None))
_FIELDS = operator.attrgetter(*ENTRY_FIELDS)


def _cell(value: Any) -> Any:
    if type(value) in _PLAIN:  # nearly every value: no hasattr (a caught AttributeError)
        return value
    # Views hold a datetime and a time, stored rows their text: both hash the text.
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return value.isoformat() if hasattr(value, "isoformat") else value


def _default(value: Any) -> Any:
    """What the JSON encoder cannot write itself: a cell's text (see :func:`_cell`)."""
    cell = _cell(value)
    if cell is value:
        raise TypeError(f"a {type(value).__name__} is not a cell of an entry")
    return cell


# json.dumps(..., ensure_ascii=True) as one C call per line (the default separators).
_ENCODE = json.JSONEncoder(ensure_ascii=True, default=_default).encode


def _line(r: Any) -> str:
    cells = list(_FIELDS(r))
    for f in LATER_FIELDS:
        v = getattr(r, f, None)
        if v is not None:
            cells.append([f, v])
    return str(_ENCODE(cells))


def entries_sha256(rows: Iterable[Any]) -> str:
    """SHA-256 of entries (stored rows or their views) with every column, by id.

    Each entry is the line ``json.dumps([...every column...], ensure_ascii=True)``
    (written by the C encoder, one call a line), sorted."""
    lines = sorted(map(_line, rows))
    lines.append("")
    return hashlib.sha256("\n".join(lines).encode("ascii")).hexdigest()


def write_note(data_dir: Path, note: dict[str, Any]) -> None:
    from rxlog.export.atomic import write_atomic

    write_atomic(Path(data_dir) / PENDING_FILE, json.dumps(note, indent=2).encode("utf-8"))


def clear_note(data_dir: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        (Path(data_dir) / PENDING_FILE).unlink()


def recover(app: RxLog) -> str | None:
    """Settle an interrupted export; the message to show the user, or ``None``."""
    from sqlalchemy import select

    from rxlog.storage.models import ReturnRecord

    data_dir = app.db.data_dir
    path = Path(data_dir) / PENDING_FILE
    try:
        note = json.loads(path.read_text("utf-8"))
        month, version = str(note["month"]), int(note["version"])
        out_dir, files = Path(note["out_dir"]), dict(note["files"])
        manifest_sha = str(note["manifest_sha256"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        clear_note(data_dir)
        return "an unreadable note of an interrupted export was found and removed"
    with app.db.transaction() as s:
        done = s.execute(
            select(ReturnRecord.manifest).where(
                ReturnRecord.month == month, ReturnRecord.version == version
            )
        ).scalar_one_or_none()
    if done is not None and hashlib.sha256(done.encode("utf-8")).hexdigest() == manifest_sha:
        clear_note(data_dir)  # it was recorded; only the note was left
        return None
    removed = []
    for name, sha in files.items():
        p = out_dir / Path(str(name)).name
        with contextlib.suppress(OSError):
            if p.is_file() and hashlib.sha256(p.read_bytes()).hexdigest() == sha:
                p.unlink()
                removed.append(p.name)
    clear_note(data_dir)
    return (
        f"the export of {month} v{version} was interrupted before it was recorded; "
        f"{len(removed)} of its files were removed from {out_dir} and the month is not "
        "signed off: export it again"
    )
