"""Writing files so that a failure leaves nothing half-written.

One file: a temporary name in the same folder, fsync, then ``os.replace``. Files are
``0600`` (readable by their user only; see ``rxlog.storage.privacy``). Several
files (an export): all are written and synced under temporary names first, then
renamed into place; if anything fails, every file of the batch is removed.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from rxlog.errors import StorageError


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_temp(path: Path, data: bytes, mode: int) -> Path:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        if os.name == "posix":
            os.fchmod(fd, mode)  # the mode asked for, whatever the umask
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if os.name == "nt" and not mode & 0o077:  # private: an ACL for this user only
            from rxlog.storage.privacy import make_private_file

            make_private_file(tmp)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return tmp


def _storage_error(path: Path, exc: OSError) -> StorageError:
    return StorageError(f"cannot write {path}: {exc.strerror or exc}")


def write_atomic(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write ``data`` to ``path`` all at once (readers see the old file or the new)."""
    try:
        tmp = _write_temp(path, data, mode)
        try:
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
    except OSError as exc:
        raise _storage_error(path, exc) from None
    _fsync_dir(path.parent)


class FileBatch:
    """Files that appear together or not at all.

    ``add`` writes and syncs a file under a temporary name; ``commit`` renames them
    all into place (refusing to overwrite an existing file); ``discard`` removes
    whatever the batch wrote, including files already renamed into place.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._pending: list[tuple[Path, Path]] = []
        self._placed: list[Path] = []

    def add(self, name: str, data: bytes) -> Path:
        final = self.folder / name
        try:
            tmp = _write_temp(final, data, 0o600)  # readable by their user only
        except OSError as exc:
            self.discard()
            raise _storage_error(final, exc) from None
        self._pending.append((tmp, final))
        return final

    def commit(self) -> list[Path]:
        try:
            for tmp, final in self._pending:
                if final.exists():
                    raise StorageError(f"{final} already exists; RxLog will not overwrite it")
                os.replace(tmp, final)
                self._placed.append(final)
        except OSError as exc:
            self.discard()
            raise _storage_error(self.folder, exc) from None
        except BaseException:
            self.discard()
            raise
        self._pending = []
        _fsync_dir(self.folder)
        return list(self._placed)

    def discard(self) -> None:
        for tmp, _final in self._pending:
            with contextlib.suppress(OSError):
                tmp.unlink()
        for final in self._placed:
            with contextlib.suppress(OSError):
                final.unlink()
        self._pending = []
        self._placed = []
