"""Durable writes: a file RxLog writes is either its old self or wholly the new one.

Every writer (the return, keys, profiles, backups, the lead's export and report) goes
through here, so there is one way and one error policy:

1. the new content goes to a temporary file *in the target's folder* (so the rename
   below never crosses a file system), created private from its first byte
   (``0600``; on Windows the user-only ACL, see ``rxlog.storage.privacy``);
2. it is written and ``fsync``-ed;
3. ``os.replace`` puts it in place (atomic on POSIX and on Windows, even over an
   existing file);
4. the folder is ``fsync``-ed so the rename itself survives a power cut.

Error policy: any failure in steps 1-3 removes the temporary file, leaves the old file
exactly as it was, and raises ``StorageError`` naming the file and the reason in plain
words (a full disk, a read-only folder). Step 4 is best effort: the new file is already
in place and readable, so reporting the write as failed would be wrong; some file
systems (network shares, FUSE, FAT on Linux) refuse to open or sync a folder, and
Windows cannot open one at all, so there it is skipped.

A name such as ``.<name>.<8 hex>.tmp`` is what a killed writer leaves; opening the
database clears stale ones from the data folder (``database.clean_leftovers``) and
backups clear their ``.part``/``.check`` files (``backups.prune``).
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from rxlog.errors import StorageError
from rxlog.storage import privacy

WINDOWS = sys.platform == "win32"


def plain_reason(exc: BaseException) -> str:
    """A technician's words for an OS or SQLite failure."""
    text = str(getattr(exc, "orig", None) or exc)
    low = text.lower()
    errno_ = getattr(exc, "errno", None)
    if errno_ == errno.ENOSPC or "disk is full" in low or errno_ == errno.EFBIG:
        return "the disk is full; free some space and try again"
    if errno_ in (errno.EROFS, errno.EACCES, errno.EPERM) or "readonly" in low:
        return "the folder is read-only or RxLog may not write there"
    if "database is locked" in low or "database is busy" in low:
        return "another RxLog is busy writing; try again in a moment"
    if "malformed" in low or "not a database" in low:
        return "the database file is damaged"
    if "disk i/o error" in low:
        return "the disk reported an error (full, removed, or failing)"
    return getattr(exc, "strerror", None) or text


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable; best effort (see the module's error policy)."""
    if WINDOWS:  # a folder cannot be opened on Windows; NTFS journals the rename
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def fsync_file(path: Path) -> None:
    """Flush a file another library wrote (SQLite, reportlab) to the disk."""
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def temp_path(final: Path, tag: str = "tmp") -> Path:
    """A fresh temporary name beside ``final`` (``.<name>.<8 hex>.<tag>``)."""
    return final.with_name(f".{final.name}.{os.urandom(4).hex()}.{tag}")  # secrets.token_hex


def create_temp(final: Path, mode: int = privacy.FILE_MODE, tmp: Path | None = None) -> Path:
    """Create the (empty, private) temporary file for ``final`` and return its path.

    A ``tmp`` named by the caller (one carrying its process id) that a killed run of
    the same id left behind is replaced."""
    if tmp is None:
        tmp = temp_path(final)
    else:
        tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode)
    try:
        if not WINDOWS:
            os.fchmod(fd, mode)  # the mode asked for, whatever the umask
    finally:
        os.close(fd)
    if WINDOWS and not mode & 0o077:  # private: an ACL for this user only
        privacy.make_private_file(tmp)
    return tmp


class WriteError(StorageError):
    """A durable write failed; ``reason`` is the plain-words why (for callers that word
    the message their own way)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"cannot write {path}: {reason}")
        self.path = path
        self.reason = reason


def _error(final: Path, exc: BaseException) -> WriteError:
    return WriteError(final, plain_reason(exc))


def place(tmp: Path, final: Path, *, sync: bool = True, sync_dir: bool = True) -> None:
    """Sync ``tmp`` (unless already synced), rename it over ``final``, sync the folder
    (``sync_dir=False``: a caller renaming several files syncs the folder once after).

    On failure ``tmp`` is removed, ``final`` is as it was, and ``StorageError`` is raised.
    """
    try:
        if sync:
            fsync_file(tmp)
        os.replace(tmp, final)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise _error(final, exc) from None
    if sync_dir:
        fsync_dir(final.parent)
    _logged(final)


def _logged(final: Path) -> None:
    if final.suffix in (".part", ".check"):
        return  # a step of a bigger write (a backup checked before it is named)
    from rxlog import supportlog

    with contextlib.suppress(OSError):
        supportlog.wrote_file(final, final.stat().st_size)


@contextlib.contextmanager
def replacing(
    final: Path, mode: int = privacy.FILE_MODE, tmp: Path | None = None
) -> Iterator[Path]:
    """Write ``final`` through a temporary file: the block writes the yielded path (any
    way it likes: a library that opens the path itself keeps its private mode), then it
    is synced and renamed into place. An exception in the block removes the temporary
    file and leaves ``final`` untouched (an ``OSError`` becomes ``StorageError``)."""
    final = Path(final)
    try:
        tmp = create_temp(final, mode, tmp)
    except OSError as exc:
        raise _error(final, exc) from None
    try:
        yield tmp
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise _error(final, exc) from None
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    place(tmp, final)


def write_temp(final: Path, data: bytes, mode: int = privacy.FILE_MODE) -> Path:
    """Steps 1-2 alone: ``data`` in a synced private temporary file beside ``final``,
    for a caller that renames several files together (``place`` each, ``sync=False``).
    On failure nothing is left and ``StorageError`` is raised."""
    try:
        tmp = create_temp(final, mode)
    except OSError as exc:
        raise _error(final, exc) from None
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError):
            raise _error(final, exc) from None
        raise
    return tmp


def write_bytes(path: Path, data: bytes, mode: int = privacy.FILE_MODE) -> None:
    """Write ``data`` to ``path`` all at once (readers see the old file or the new)."""
    path = Path(path)
    place(write_temp(path, data, mode), path, sync=False)
