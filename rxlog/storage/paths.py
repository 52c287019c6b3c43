"""Where an installation keeps its data."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import date

DB_FILENAME = "rxlog.sqlite3"
BACKUP_DIRNAME = "backups"


def backups_dir(data_dir: Path) -> Path:
    return Path(data_dir) / BACKUP_DIRNAME


def daily_backup_path(data_dir: Path, today: date) -> Path:
    """Where ``today``'s daily backup is (``rxlog.storage.backups`` makes it)."""
    return backups_dir(data_dir) / f"daily-{today.isoformat()}.sqlite3"


def daily_backup_due(data_dir: Path, today: date) -> bool:
    """Cheap (one ``stat``): is there no daily backup for ``today`` yet? Here, not in
    ``backups``, so the CLI's direct path asks without importing the backup code."""
    return not daily_backup_path(data_dir, today).exists()


def default_data_dir() -> Path:
    """``RXLOG_DATA_DIR`` if set, else the platform's per-user data folder."""
    env = os.environ.get("RXLOG_DATA_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("RxLog", "RxLog", roaming=False))


def resolve_data_dir(option: str | os.PathLike[str] | None) -> Path:
    return checked_path(option, "data-dir").expanduser() if option else default_data_dir()


def checked_path(text: str | os.PathLike[str], field: str) -> Path:
    """``Path(text)``, refusing first (on Windows) what Windows cannot name. The text as
    typed is checked: pathlib reads ``C:\\x\\a:b`` as the drive-relative ``a:b``."""
    if sys.platform == "win32":
        from rxlog.errors import ValidationError

        problem = windows_name_problem(os.fspath(text))
        if problem:
            raise ValidationError(problem, field=field)
    return Path(text)


# -- names Windows refuses -----------------------------------------------------------------
# https://learn.microsoft.com/windows/win32/fileio/naming-a-file
WINDOWS_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL"]
    + [f"{p}{n}" for p in ("COM", "LPT") for n in (*"123456789", "¹", "²", "³")]
)
WINDOWS_BAD_CHARS = '<>:"|?*'
# The longest name RxLog writes inside its data folder (a backup's -journal / -wal file)
# plus a margin: the data folder's own path may take MAX_PATH less this.
LONGEST_INNER_NAME = 64
MAX_PATH = 260


def windows_name_problem(path: str | os.PathLike[str]) -> str | None:
    """Why Windows would refuse this path (reserved name, forbidden character, a trailing
    dot or space), or None. Pure text: checked on any platform."""
    text = os.fspath(path).replace("/", "\\")
    drive, rest = "", text
    if len(text) >= 2 and text[1] == ":" and text[0].isalpha():
        drive, rest = text[:2], text[2:]
    elif text.startswith("\\\\"):  # \\server\share\...: the share part is the drive
        parts = text[2:].split("\\", 2)
        drive, rest = "\\\\" + "\\".join(parts[:2]), "\\" + (parts[2] if len(parts) > 2 else "")
    del drive
    for part in rest.split("\\"):
        if part in ("", ".", ".."):
            continue
        bad = sorted({c for c in part if c in WINDOWS_BAD_CHARS or ord(c) < 32})
        if bad:
            shown = " ".join(repr(c) if ord(c) >= 32 else f"U+{ord(c):04X}" for c in bad)
            return f"the name {part!r} contains {shown}, which Windows does not allow in names"
        stem = part.split(".", 1)[0].rstrip(" ").upper()
        if stem in WINDOWS_RESERVED:
            return f"{part!r} is a name Windows reserves for a device ({stem}); choose another"
        if part[-1] in ". ":
            return f"the name {part!r} ends with a dot or a space, which Windows drops"
    return None


def long_paths_enabled() -> bool:
    """Windows 10+ with LongPathsEnabled set: paths beyond MAX_PATH work."""
    if sys.platform != "win32":
        return True
    import winreg

    try:
        key = winreg.OpenKey(
            winreg.HKEY_LOCAL_MACHINE, r"SYSTEM\CurrentControlSet\Control\FileSystem"
        )
        with key:
            return bool(winreg.QueryValueEx(key, "LongPathsEnabled")[0])
    except OSError:
        return False


def check_folder(path: Path, field: str, *, windows: bool | None = None) -> None:
    """Refuse, with a message naming ``field``, a folder Windows cannot hold RxLog's files
    in: a forbidden name, or a path so long that the files inside would pass MAX_PATH."""
    from rxlog.errors import ValidationError

    if windows is None:
        windows = sys.platform == "win32"
    if not windows:
        return
    problem = windows_name_problem(path)
    if problem:
        raise ValidationError(problem, field=field)
    length = len(os.path.abspath(path)) if sys.platform == "win32" else len(os.fspath(path))
    if length + LONGEST_INNER_NAME > MAX_PATH and not long_paths_enabled():
        raise ValidationError(
            f"the folder's path is {length} characters long; Windows allows "
            f"{MAX_PATH - LONGEST_INNER_NAME} here unless long paths are turned on "
            "(LongPathsEnabled): choose a folder with a shorter path",
            field=field,
        )
