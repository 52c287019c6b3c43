"""What every command handler gets: the data folder and the installation, opened lazily."""

from __future__ import annotations

from pathlib import Path

from rxlog.service import RxLog
from rxlog.storage.paths import resolve_data_dir


class CliContext:
    def __init__(self, data_dir: str | None) -> None:
        self.data_dir: Path = resolve_data_dir(data_dir)
        self._app: RxLog | None = None

    def app(self) -> RxLog:
        if self._app is None:
            self._app = RxLog.open(self.data_dir)
        return self._app

    def close(self) -> None:
        if self._app is not None:
            self._app.close()
            self._app = None
