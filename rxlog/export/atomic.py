"""Writing files so that a failure leaves nothing half-written.

One file: ``write_atomic`` (``rxlog.storage.durable.write_bytes``: a private temporary
file in the same folder, fsync, ``os.replace``, fsync of the folder). Files are
``0600`` (readable by their user only; see ``rxlog.storage.privacy``). Several files
(an export): all are written and synced under temporary names first, then renamed into
place; if anything fails, every file of the batch is removed.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from rxlog.errors import StorageError
from rxlog.storage import durable


def write_atomic(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write ``data`` to ``path`` all at once (readers see the old file or the new)."""
    durable.write_bytes(Path(path), data, mode)


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
            tmp = durable.write_temp(final, data, 0o600)  # readable by their user only
        except StorageError:
            self.discard()
            raise
        self._pending.append((tmp, final))
        return final

    def commit(self) -> list[Path]:
        try:
            for tmp, final in self._pending:
                if final.exists():
                    raise StorageError(f"{final} already exists; RxLog will not overwrite it")
                durable.place(tmp, final, sync=False, sync_dir=False)  # synced by add()
                self._placed.append(final)
            durable.fsync_dir(self.folder)  # every rename at once (was one sync each)
        except BaseException:
            self.discard()
            raise
        self._pending = []
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
