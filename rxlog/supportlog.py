"""The support log: what RxLog did and where it broke, for whoever helps a technician.

``rxlog.log`` in the data folder (the lead's folder for ``rxlog central``), rotated at
``MAX_BYTES`` with ``BACKUPS`` older files (``rxlog.log.1`` ...), private like the
database (``0600``; on Windows the user-only ACL). ``rxlog check`` says where it is;
the app's bug dialog copies it.

What goes in: one INFO line for each operation that changes data (each audited change,
by its action and id; each change to the lead's store) or writes a file (by its kind
and size, and its name when RxLog chose it inside the log's folder), each command run
and how it ended, and the full traceback of every bug the CLI's or the app's
unexpected-error handler catches.

What never goes in: a note, a name, a reason or any other free text a user typed, or a
path they chose. Lines are built from fixed words, counts and ids RxLog made; an id
that does not look like one RxLog made is written as ``<id>``. A bug's traceback keeps
its frames (file, line, function, the source line) with paths cut to the package, but
its message has quoted text and long numbers masked (``int("...")`` quotes what it was
given). ``tests/test_supportlog.py`` plants an NHS number, a name and a note in every
field of every command it can and greps the log.

Start-up stays fast: nothing is opened until a line is written, and the lines are
written without the ``logging`` module (in the format its handler wrote them).
Writing never fails an operation: a folder that cannot take the log simply gets none.
"""

from __future__ import annotations

import os
import re
import threading
import time
from pathlib import Path
from typing import Any

LOG_NAME = "rxlog.log"
MAX_BYTES = 512 * 1024
BACKUPS = 3

_state: dict[str, Any] = {"folder": None}
_lock = threading.Lock()


def log_path(folder: Path) -> Path:
    return Path(folder) / LOG_NAME


def use_folder(folder: Path | None) -> None:
    """Write the log into ``folder`` from now on (cheap: nothing is opened yet). The
    folder is not created for the log; one that does not exist gets no log."""
    _state["folder"] = Path(folder) if folder is not None else None


def current_path() -> Path | None:
    """Where lines go now (None before a folder is chosen)."""
    folder = _state["folder"]
    return log_path(folder) if folder is not None else None


def _write(level: str, message: str) -> None:
    """One line, as ``logging`` would format it (``%(asctime)s %(levelname)s
    pid=%(process)d %(message)s``, UTC), appended under the lock. Written here rather
    than through ``logging``, whose import (with ``traceback`` and ``string``) was ~3 ms
    of every command that logs a line, ``rxlog log`` included. It opens, appends and
    closes for each line (on Windows a file held open keeps the data folder from being
    moved, restored or deleted), creates the file private, rotates it when full, and
    never raises into the caller."""
    path = current_path()
    # A read-only data folder stays exactly as it is (RxLog promises so).
    if path is None or not os.access(path.parent, os.W_OK):
        return
    try:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        line = f"{stamp} {level} pid={os.getpid()} {message}\n"
        with _lock:
            _append(path, line.encode("utf-8", "backslashreplace"))
    except Exception:  # a support log never breaks what it records
        return


def _append(path: Path, data: bytes) -> None:
    from rxlog.storage import privacy  # a leaf: the log needs nothing else of storage

    try:
        if path.stat().st_size + len(data) > MAX_BYTES:
            _rotate(path)
    except OSError:
        pass  # no file yet, or another RxLog is rotating it: append to what is there
    if not path.exists():
        privacy.create_private_file(path)  # private from the first byte, as the database
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | getattr(os, "O_BINARY", 0))
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def _rotate(path: Path) -> None:
    """``rxlog.log`` -> ``.1`` -> ... -> ``.BACKUPS`` (the oldest dropped). A rename, not
    a write (so not ``rxlog.storage.durable``'s); a log line lost to a crash here is
    only a log line."""
    for i in range(BACKUPS - 1, 0, -1):
        older = path.with_name(f"{path.name}.{i}")
        if older.exists():
            os.replace(older, path.with_name(f"{path.name}.{i + 1}"))
    os.replace(path, path.with_name(f"{path.name}.1"))


# -- what may be written --------------------------------------------------------------
_SAFE_ID = re.compile(
    r"^(?:[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}"  # an entry's UUID
    r"|(?:placement|absence|month|installation|entry)(?::[0-9]{1,9}|:[0-9]{4}-[0-9]{2})?"
    r"|[0-9]{1,9})$"
)
_SAFE_WORD = re.compile(r"^[a-z][a-z0-9_.-]{0,40}$")


def safe_id(value: object) -> str:
    """``value`` when it looks like an id RxLog made, else ``<id>``."""
    text = str(value)
    return text if _SAFE_ID.match(text) else "<id>"


def safe_word(value: object) -> str:
    """An action or command name RxLog defines (lowercase word), else ``<word>``."""
    text = str(value)
    return text if _SAFE_WORD.match(text) else "<word>"


def info(event: str, **fields: object) -> None:
    """One INFO line: ``event`` is fixed text written by RxLog; ``fields`` are counts,
    ids and words that pass :func:`safe_id` / :func:`safe_word` (others are masked)."""
    if _state["folder"] is None:
        return
    parts = [event] + [f"{k}={_field(v)}" for k, v in fields.items()]
    _write("INFO", " ".join(parts))


LOG_EACH_UP_TO = 10  # a bulk change (an import, a demo month) is one line of counts


def changed(records: list[tuple[str, str]]) -> None:
    """The audited changes one transaction committed, as (action, id): a line each, or
    one line of counts per action for a bulk change. Both write paths (the ORM's, via
    ``rxlog.audit``, and the CLI's direct one) log through here."""
    if len(records) <= LOG_EACH_UP_TO:
        for action, entry_id in records:
            info("changed", action=safe_word(action), id=safe_id(entry_id))
        return
    counts: dict[str, int] = {}
    for action, _entry_id in records:
        word = safe_word(action)
        counts[word] = counts.get(word, 0) + 1
    info(f"changed {len(records)} records in one transaction", **counts)


def _field(value: object) -> str:
    if isinstance(value, bool | int | float):
        return str(value)
    text = str(value)
    if _SAFE_ID.match(text) or all(_SAFE_WORD.match(part) for part in text.split(",")):
        return text  # an id, a word, or a list of words ("entry,audit")
    return "<text>"


def wrote_file(path: Path, size: int | None = None) -> None:
    """A file RxLog wrote: its name when it is inside the log's folder (RxLog chose it
    there: backups, keys, the outbox), else only its kind; never a path a user typed."""
    folder = _state["folder"]
    if folder is None:
        return
    path = Path(path)
    where = "elsewhere"
    try:
        rel = path.resolve().relative_to(Path(folder).resolve())
        if all(_SAFE_FILE_PART.match(p) for p in rel.parts):
            where = rel.as_posix()
    except (ValueError, OSError):
        pass
    kind = path.suffix.lower() if _SAFE_SUFFIX.match(path.suffix.lower()) else "file"
    extra = {"size": size} if size is not None else {}
    info(f"wrote {kind or 'file'} ({where})", **extra)


_SAFE_FILE_PART = re.compile(r"^[A-Za-z0-9_.-]{1,120}$")
_SAFE_SUFFIX = re.compile(r"^\.[a-z0-9]{1,8}$")

_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_NUMBER = re.compile(r"[0-9][0-9 \-]{4,}[0-9]")


def _mask(message: str) -> str:
    """A bug's message without what it may quote from the user (see the module)."""
    return _NUMBER.sub("<number>", _QUOTED.sub("'<text>'", message))


def _short(filename: str) -> str:
    """A frame's file cut to the package (``rxlog/service.py``, ``sqlalchemy/...``), so
    no home folder (which can be the user's name) is written."""
    norm = filename.replace("\\", "/")
    for marker in ("/site-packages/", "/dist-packages/"):
        if marker in norm:
            return norm.rsplit(marker, 1)[1]
    if "/rxlog/" in norm:
        return "rxlog/" + norm.rsplit("/rxlog/", 1)[1]
    if "/lib/python" in norm:
        return "python/" + norm.rsplit("/", 1)[-1]
    return norm.rsplit("/", 1)[-1]


def format_bug(exc: BaseException) -> str:
    """The traceback of ``exc`` (and of what caused it) as the log keeps it."""
    import traceback

    lines: list[str] = []
    seen: set[int] = set()
    chain: list[traceback.TracebackException] = []
    te: traceback.TracebackException | None = traceback.TracebackException.from_exception(exc)
    while te is not None and id(te) not in seen:
        seen.add(id(te))
        chain.append(te)
        te = te.__cause__ or (None if te.__suppress_context__ else te.__context__)
    for i, part in enumerate(reversed(chain)):
        if i:
            lines.append("The above exception led to this one:")
        lines.append("Traceback (most recent call last):")
        for fs in part.stack:
            lines.append(f'  File "{_short(fs.filename)}", line {fs.lineno}, in {fs.name}')
            if fs.line:
                lines.append(f"    {fs.line.strip()}")
        head = "".join(part.format_exception_only()).strip().splitlines()
        first = head[0] if head else "Exception"
        kind, sep, message = first.partition(": ")
        lines.append(kind + (sep + _mask(message) if sep else ""))
    return "\n".join(lines)


def bug(exc: BaseException, where: str) -> None:
    """A bug caught by an unexpected-error handler (``where``: ``cli``, ``app``...)."""
    if _state["folder"] is None:
        return
    _write("ERROR", f"bug in {safe_word(where)}\n{format_bug(exc)}")


def tail(max_bytes: int = 64 * 1024) -> str:
    """The end of the current log (for the bug dialog's copy); empty when there is none."""
    path = current_path()
    if path is None:
        return ""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - max_bytes))
            return fh.read().decode("utf-8", "replace")
    except OSError:
        return ""


def reset_for_tests() -> None:
    """Forget the folder (tests that check what is logged start clean)."""
    _state["folder"] = None
