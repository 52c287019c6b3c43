"""Opening a file or folder with this PC's own programs, and saying so when it cannot.

A locked-down NHS PC may have no program for ``.eml`` files, or none for folders under
a test session: ``QDesktopServices.openUrl`` then returns False and nothing appears.
Every open action goes through :func:`open_path`, which returns the sentence to show
(with the path, to open by hand) when the desktop did not open it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

Opener = Callable[[QUrl], object]


def desktop_open(url: QUrl) -> bool:
    return QDesktopServices.openUrl(url)


def open_path(path: Path, what: str, opener: Opener = desktop_open) -> str | None:
    """Open ``path`` (``what``: "the e-mail draft", "the folder"); ``None`` when it opened,
    else what to tell the user, naming the path to open by hand."""
    path = Path(path)
    if not path.exists():
        return f"Could not open {what}: {path} is no longer there (moved or deleted?)."
    try:
        opened = opener(QUrl.fromLocalFile(str(path)))
    except OSError as exc:  # a test double, or a platform plug-in that raises
        opened = False
        del exc
    if opened is False:
        return f"This PC has no program set to open {what}. Open it by hand: {path}" + (
            " (double-click it in File Explorer)" if path.is_file() else ""
        )
    return None
