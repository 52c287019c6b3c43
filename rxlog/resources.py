"""Where RxLog's data files (taxonomy, unit costs, fonts) live."""

from __future__ import annotations

import os
from pathlib import Path


def resources_dir() -> Path:
    """The ``resources/`` folder; ``RXLOG_RESOURCES`` overrides it (tests, packaging)."""
    override = os.environ.get("RXLOG_RESOURCES")
    if override:
        return Path(override)
    return Path(__file__).resolve().parent.parent / "resources"
