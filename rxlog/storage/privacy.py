"""Private by default: everything RxLog writes is readable by its user only.

The data folder, the database and its ``-wal``/``-shm``, the lock, the keys, the backups
and the exported returns hold notes and names that another user of a shared practice PC
must not read. On POSIX folders are ``0700`` and files ``0600``, set explicitly (so the
umask does not matter) when each is created; SQLite gives a database's ``-wal`` and
``-shm`` the mode of the database file, which is created ``0600`` before SQLite opens it.

On Windows mode bits mean nothing (``chmod 0o600`` leaves a file readable by every user
of the PC): the same functions give the folder or file an access-control list granting
full control to the user alone, not inherited from the parent
(``D:P(A;OICI;FA;;;<user SID>)``; what Windows creates in such a folder later, e.g.
SQLite's ``-wal``, inherits it). :func:`permission_problems` reads the ACLs of the data
folder, the database, the backups and the keys and names whoever else they let in;
opening RxLog on Windows puts them right (:func:`secure_windows`). A drive that keeps no
ACLs (FAT32, some network shares) is left as it is.

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
    else:
        _acl_user_only(path)
    return path


def make_private_file(path: Path) -> None:
    """Make an existing file ``0600`` (Windows: an ACL for the user only)."""
    if POSIX:
        os.chmod(path, FILE_MODE)
    else:
        _acl_user_only(path)


def _acl_user_only(path: Path) -> bool:
    """Windows: the user-only ACL on ``path``; False where the drive keeps no ACLs."""
    from rxlog import winapi

    try:
        winapi.make_private(str(path))
    except OSError:
        return False
    return True


def create_private_file(path: Path) -> None:
    """Create ``path`` empty (if missing) as ``0600``, so what SQLite opens there next,
    and the ``-wal``/``-shm`` it makes beside it, are private from the first byte."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    try:
        if POSIX:
            os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    if not POSIX:
        _acl_user_only(path)


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
    acl: bool = False  # Windows: the ACL lets others in (tighten() sets the user-only one)

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
    if not POSIX:  # exercised by the suite under the Windows Python
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


def windows_private_paths(data_dir: Path) -> list[Path]:
    """What must be for the user only on Windows: the data folder, the database, the
    support log, the backups and the keys (folders and files), as they exist now."""
    data_dir = Path(data_dir)
    found = [data_dir, data_dir / "rxlog.sqlite3"]
    # The support log (rxlog.supportlog) and its rotated files: private as the database.
    found.extend(sorted(data_dir.glob("rxlog.log*")))
    for sub in ("backups", "keys"):
        folder = data_dir / sub
        if folder.is_dir():
            found.append(folder)
            found.extend(sorted(p for p in folder.iterdir() if p.is_file()))
    return [p for p in found if p.exists()]


def who_else(path: Path) -> list[str]:
    """Who besides this user may open ``path``: the ACL's other grantees (Windows), or
    the group / others permission bits (POSIX)."""
    if not POSIX:
        from rxlog import winapi

        return winapi.loose_grants(winapi.acl_sddl(str(path)), winapi.current_user_sid())
    mode = Path(path).stat().st_mode
    return [who for who, bits in (("group", 0o070), ("others", 0o007)) if mode & bits]


def _windows_problems(data_dir: Path) -> list[PermissionProblem]:
    """Each private item whose ACL lets someone else in, naming who."""
    found = []
    for p in windows_private_paths(data_dir):
        try:
            who = who_else(p)
        except OSError as exc:
            who = [f"unknown users (its ACL cannot be read: {exc.strerror or exc})"]
        if who:
            found.append(
                PermissionProblem(
                    p, None, None, f"{p} can also be opened by {', '.join(who)}", acl=True
                )
            )
    return found


def secure_windows(data_dir: Path) -> None:
    """Windows: give every private item the user-only ACL (opening RxLog does this)."""
    if not POSIX:
        for p in windows_private_paths(data_dir):
            _acl_user_only(p)


def tighten(data_dir: Path) -> list[PermissionProblem]:
    """Make every item ``permission_problems`` names private; returns what was fixed."""
    fixed = []
    for problem in permission_problems(data_dir):
        if problem.acl:
            if _acl_user_only(problem.path):
                fixed.append(problem)
            continue
        if problem.wanted is None:
            continue  # a place, not a mode: moving the folder is the user's call
        with contextlib.suppress(FileNotFoundError):
            os.chmod(problem.path, problem.wanted)
            fixed.append(problem)
    return fixed
