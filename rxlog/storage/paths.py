"""Where an installation keeps its data."""

from __future__ import annotations

import os
from pathlib import Path

DB_FILENAME = "rxlog.sqlite3"


def default_data_dir() -> Path:
    """``RXLOG_DATA_DIR`` if set, else the platform's per-user data folder."""
    env = os.environ.get("RXLOG_DATA_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("RxLog", "RxLog", roaming=False))


def resolve_data_dir(option: str | os.PathLike[str] | None) -> Path:
    return Path(option).expanduser() if option else default_data_dir()
