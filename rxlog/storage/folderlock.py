"""Who else is using the data folder: ``rxlog.lock`` and the desktop app's lock file.

``rxlog.lock`` in the data folder is an advisory lock: every open ``Database`` holds
it *shared*; migrating or restoring needs it *exclusive*, so neither happens under
another running RxLog's feet. The CLI may run while the app is open (SQLite in WAL mode
serves both). One *window* per folder is the desktop app's own ``QLockFile``
(``rxlog/ui/single_instance.py``); its process id names the window in messages.

A leaf of ``rxlog.storage`` (it needs only ``rxlog.errors``).
"""

from __future__ import annotations

import errno
import os
import sys
import time
from pathlib import Path
from typing import IO, Any

from rxlog.errors import StorageError

LOCK_NAME = "rxlog.lock"
_READ_ONLY_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM}


def read_only_message(data_dir: Path, detail: str) -> str:
    return (
        f"RxLog cannot write to the data folder {data_dir} ({detail}). It needs to write "
        "there to save entries: check the folder is not read-only, on a disconnected "
        "drive, or owned by another user. Nothing has been changed."
    )


class AlreadyRunningError(StorageError):
    """Another running RxLog holds the data folder (``pid`` when it is known)."""

    def __init__(self, message: str, pid: int | None = None) -> None:
        super().__init__(message)
        self.pid = pid


# -- advisory file locks --------------------------------------------------------------
def _lock(fh: IO[Any], exclusive: bool) -> bool:
    """Try once to lock ``fh``; True on success, False if someone else holds it."""
    if sys.platform == "win32":  # exercised by the suite under the Windows Python
        # LockFileEx: shared and exclusive as flock gives them (msvcrt.locking has
        # exclusive locks only, so a restore or a migration could not see open readers).
        from rxlog.winapi import lock_file

        return lock_file(fh.fileno(), exclusive)
    import fcntl

    try:
        fcntl.flock(fh.fileno(), (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EACCES):
            return False
        raise
    return True


def _open_lock_file(path: Path) -> IO[Any]:
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0), 0o600)
        return os.fdopen(fd, "a+b")  # held open for the lock's lifetime
    except OSError as exc:
        if exc.errno in _READ_ONLY_ERRNOS:
            msg = read_only_message(path.parent, exc.strerror or "no access")
            raise StorageError(msg) from None
        raise StorageError(f"cannot use the data folder {path.parent}: {exc.strerror}") from None


class FolderLock:
    """``<data_dir>/rxlog.lock``: shared while a database is open, exclusive to replace it."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / LOCK_NAME
        self._fh: IO[Any] | None = None
        self.exclusive = False

    def acquire(self, exclusive: bool = False, wait: float = 0.0) -> bool:
        """Take (or convert to) the lock; wait up to ``wait`` seconds. False if refused."""
        if self._fh is None:
            self._fh = _open_lock_file(self.path)
        deadline = time.monotonic() + wait
        while True:
            if _lock(self._fh, exclusive):
                self.exclusive = exclusive
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)

    def require_exclusive(self, doing: str, wait: float = 5.0) -> None:
        """Take the lock exclusively or raise ``AlreadyRunningError`` naming the holder.

        A shared hold is dropped first, so two RxLogs that both want the folder to
        themselves (both found an old schema) take turns instead of blocking each other.
        """
        if self._fh is not None and not self.exclusive:
            self.release()
        if not self.acquire(exclusive=True, wait=wait):
            pid = running_instance_pid(self.path.parent)
            who = f" (the RxLog window, process {pid})" if pid else ""
            raise AlreadyRunningError(
                f"another RxLog is using the data folder {self.path.parent}{who}; "
                f"close it first, then {doing}. Nothing has been changed.",
                pid,
            )

    def release(self) -> None:
        if self._fh is not None:
            self._fh.close()  # closing the file drops the lock
            self._fh = None
            self.exclusive = False

    def __del__(self) -> None:
        # A Database dropped without close() (e.g. after an error in a caller) still lets
        # the folder go, quietly, when it is collected.
        self.release()


GUI_LOCK_NAME = "rxlog-gui.lock"  # the desktop app's QLockFile (rxlog.ui.single_instance)


def running_instance_pid(data_dir: Path) -> int | None:
    """The process id of the RxLog window using ``data_dir``, when one is known to run.

    Read from the desktop app's QLockFile, whose first line is its process id (counted
    only while that process is alive).
    """
    try:
        first = (Path(data_dir) / GUI_LOCK_NAME).read_bytes()[:32].split(b"\n", 1)[0]
    except OSError:
        return None
    if not first.strip().isdigit():
        return None
    pid = int(first)
    if pid == os.getpid():
        return pid
    if sys.platform == "win32":
        from rxlog.winapi import pid_alive

        return pid if pid_alive(pid) else None  # a dead PID: a stale lock file
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None  # a stale lock file
    except PermissionError:
        pass  # alive, another user's
    return pid
