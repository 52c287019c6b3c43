"""Private files on Windows: the data folder, database, backups and keys for the user only.

On Windows a file's mode bits mean nothing (``chmod 0o600`` leaves it readable by every
user of the PC); privacy is an access-control list. RxLog gives the data folder, the
database, each backup and the keys an ACL that grants full control to the user alone,
protected from the parent folder's entries (``D:P(A;OICI;FA;;;<user SID>)``); what Windows
creates in the folder later (SQLite's ``-wal``/``-shm`` files) inherits it. ``rxlog check``
reports any of them that lets someone else in (``privacy``).

POSIX permissions stay where they are (``rxlog.export.keys``: 0700 / 0600).
"""

from __future__ import annotations

import sys
from pathlib import Path

from rxlog.storage.paths import DB_FILENAME

CHECK_NAME = "privacy"


def applies() -> bool:
    return sys.platform == "win32"


def make_private(path: Path) -> None:
    """The user-only ACL on ``path`` (Windows; nothing elsewhere). Raises OSError."""
    if applies():
        from rxlog import winapi

        winapi.make_private(str(path))


def make_private_quietly(path: Path) -> str | None:
    """``make_private`` that never stops the caller (a FAT32 stick or a network share may
    keep no ACLs); returns why it could not, for ``rxlog check`` to tell later."""
    try:
        make_private(path)
    except OSError as exc:
        return f"could not make {path} private: {exc.strerror or exc}"
    return None


def private_paths(data_dir: Path) -> list[Path]:
    """What must be private, as it exists now: the folder, the database, backups, keys."""
    data_dir = Path(data_dir)
    found = [data_dir, data_dir / DB_FILENAME]
    for sub in ("backups", "keys"):
        folder = data_dir / sub
        if folder.is_dir():
            found.append(folder)
            found.extend(sorted(p for p in folder.iterdir() if p.is_file()))
    return [p for p in found if p.exists()]


def secure_data_dir(data_dir: Path) -> None:
    """Make everything of ``private_paths`` private (opening an installation does this)."""
    if applies():
        for p in private_paths(data_dir):
            make_private_quietly(p)


def who_else(path: Path) -> list[str]:
    """Who besides this user may open ``path``: the ACL's other grantees (Windows), or the
    group / others permission bits (POSIX)."""
    if applies():
        from rxlog import winapi

        return winapi.loose_grants(winapi.acl_sddl(str(path)), winapi.current_user_sid())
    mode = Path(path).stat().st_mode
    return [who for who, bits in (("group", 0o070), ("others", 0o007)) if mode & bits]


def loose_paths(data_dir: Path) -> list[tuple[Path, list[str]]]:
    """Each private path whose ACL lets someone else in, with who (Windows only)."""
    if not applies():
        return []
    loose: list[tuple[Path, list[str]]] = []
    for p in private_paths(data_dir):
        try:
            who = who_else(p)
        except OSError as exc:
            who = [f"unreadable ACL ({exc.strerror or exc})"]
        if who:
            loose.append((p, who))
    return loose


def check_item(data_dir: Path) -> tuple[bool, str] | None:
    """``rxlog check``'s privacy line on Windows (None elsewhere)."""
    if not applies():
        return None
    loose = loose_paths(data_dir)
    if not loose:
        return True, "the data folder, database, backups and keys are for this user only"
    first, who = loose[0]
    more = f" (and {len(loose) - 1} more)" if len(loose) > 1 else ""
    return False, (
        f"{first} can also be opened by {', '.join(who)}{more}: "
        "open RxLog once to make them private again"
    )
