"""Private by default: everything RxLog writes is readable by its user only.

The data folder, the database and its ``-wal``/``-shm``, the lock, the keys, the backups
and the exported returns hold notes and names that another user of a shared practice PC
must not read. On POSIX folders are ``0700`` and files ``0600``, set explicitly (so the
umask does not matter) when each is created; SQLite gives a database's ``-wal`` and
``-shm`` the mode of the database file, which is created ``0600`` before SQLite opens it.

On Windows the default data folder is the user's own ``%LOCALAPPDATA%\\RxLog``, which only
that user (and administrators) can read; :func:`permission_problems` warns when the data
folder is elsewhere. Access-control lists are checked in this module too when they are
added (issue #15): every caller goes through the functions here.

``rxlog check`` reports what :func:`permission_problems` finds; ``rxlog check --fix``
calls :func:`tighten`.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600
POSIX = sys.platform != "win32"


def make_private_dir(path: Path, parents: bool = True) -> Path:
    """Create ``path`` (and missing parents) if needed and make it ``0700``.

    Only ``path`` itself is tightened; existing parents are left as the user has them.
    """
    path = Path(path)
    if not path.is_dir():
        path.mkdir(mode=DIR_MODE, parents=parents, exist_ok=True)
    if POSIX:
        os.chmod(path, DIR_MODE)  # mkdir's mode is cut by the umask; set it outright
    return path


def make_private_file(path: Path) -> None:
    """Make an existing file ``0600`` (a no-op on Windows, where the folder decides)."""
    if POSIX:
        os.chmod(path, FILE_MODE)


def create_private_file(path: Path) -> None:
    """Create ``path`` empty (if missing) as ``0600``, so what SQLite opens there next,
    and the ``-wal``/``-shm`` it makes beside it, are private from the first byte."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    try:
        if POSIX:
            os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)


@contextlib.contextmanager
def private_umask() -> Iterator[None]:
    """While inside, files and folders that libraries create get no group/other bits.

    For the few places RxLog does not create the file itself (SQLite's temporary
    journals). The umask is process-wide: use it around short, local steps only.
    """
    if not POSIX:
        yield
        return
    old = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(old)


@dataclass(frozen=True)
class PermissionProblem:
    path: Path
    mode: int | None  # the permission bits found (POSIX), None where modes do not apply
    wanted: int | None
    detail: str

    def text(self) -> str:
        return self.detail


def _walk(data_dir: Path) -> Iterator[Path]:
    """The data folder and everything RxLog keeps in it (not following links)."""
    yield data_dir
    for root, dirs, files in os.walk(data_dir, followlinks=False):
        for name in dirs + files:
            yield Path(root) / name


def _loose(mode: int, wanted: int) -> bool:
    return bool(stat.S_IMODE(mode) & ~wanted & 0o077)


def permission_problems(data_dir: Path) -> list[PermissionProblem]:
    """Every item in ``data_dir`` that another user of this computer could read or change."""
    data_dir = Path(data_dir)
    if not data_dir.exists():
        return []
    if not POSIX:  # pragma: no cover - exercised on Windows only
        return _windows_problems(data_dir)
    found = []
    for p in _walk(data_dir):
        try:
            st = p.lstat()
        except OSError:
            continue  # gone meanwhile
        if stat.S_ISLNK(st.st_mode):
            continue
        wanted = DIR_MODE if stat.S_ISDIR(st.st_mode) else FILE_MODE
        if _loose(st.st_mode, wanted):
            kind = "folder" if wanted == DIR_MODE else "file"
            found.append(
                PermissionProblem(
                    p,
                    stat.S_IMODE(st.st_mode),
                    wanted,
                    f"{p} is a {kind} other users of this computer can "
                    f"{_who_can(st.st_mode)} (mode {stat.S_IMODE(st.st_mode):04o}, "
                    f"should be {wanted:04o})",
                )
            )
    return found


def _who_can(mode: int) -> str:
    can = []
    if mode & 0o044:
        can.append("read")
    if mode & 0o022:
        can.append("change")
    if not can:
        can.append("open")
    return " and ".join(can)


def _windows_problems(data_dir: Path) -> list[PermissionProblem]:  # pragma: no cover
    """Without ACL checks yet: warn when the data folder is outside the user's own
    profile (``%LOCALAPPDATA%`` or ``%USERPROFILE%``), where others may read it."""
    homes = [os.environ.get(v) for v in ("LOCALAPPDATA", "USERPROFILE")]
    resolved = data_dir.resolve()
    for home in homes:
        if home and resolved.is_relative_to(Path(home).resolve()):
            return []
    return [
        PermissionProblem(
            data_dir,
            None,
            None,
            f"the data folder {data_dir} is outside your own user folder "
            f"({homes[0] or '%LOCALAPPDATA%'}), so other users of this computer may be able "
            "to read it; move it there (the default) unless the folder is private",
        )
    ]


def tighten(data_dir: Path) -> list[PermissionProblem]:
    """Make every item ``permission_problems`` names private; returns what was fixed."""
    fixed = []
    for problem in permission_problems(data_dir):
        if problem.wanted is None:
            continue  # a place, not a mode: moving the folder is the user's call
        with contextlib.suppress(FileNotFoundError):
            os.chmod(problem.path, problem.wanted)
            fixed.append(problem)
    return fixed
