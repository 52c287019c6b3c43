"""What every command handler gets: the data folder and the installation, opened lazily."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rxlog.errors import ValidationError
from rxlog.storage.paths import DB_FILENAME, resolve_data_dir

if TYPE_CHECKING:  # the service (and the SQLAlchemy ORM) loads only for commands that use it
    from rxlog.service import RxLog
    from rxlog.storage.direct import DirectLog


class CliContext:
    def __init__(self, data_dir: str | None) -> None:
        self.data_dir: Path = resolve_data_dir(data_dir)
        self._app: RxLog | None = None
        self._direct: DirectLog | None = None

    def _require_data(self) -> None:
        if not (self.data_dir / DB_FILENAME).exists():
            raise ValidationError(
                f"there is no RxLog data in {self.data_dir}; set up the technician first "
                "(rxlog setup), or check --data-dir / RXLOG_DATA_DIR",
                field="data-dir",
            )

    def entries(self) -> RxLog | DirectLog:
        """For ``log`` and ``list``: the folder through plain sqlite3 when opening it has
        nothing to do (``rxlog.storage.direct``), else through the service."""
        if self._app is not None:
            return self._app
        if self._direct is None:
            self._require_data()
            from rxlog.storage.direct import open_direct

            self._direct = open_direct(self.data_dir)
        return self._direct if self._direct is not None else self.app()

    def app(self, create: bool = False) -> RxLog:
        """The installation in the data folder.

        Only commands that set one up (``setup``, ``demo``) pass ``create=True``: any other
        command run on a folder with no RxLog database (a mistyped ``--data-dir``) is
        refused, instead of quietly starting an empty installation there.
        """
        if self._app is None:
            if not create:
                self._require_data()
            from rxlog.service import RxLog

            self._app = RxLog.open(self.data_dir)
            if self._app.notices:
                from rxlog.cli.output import warn

                for notice in self._app.notices:
                    warn(notice)
        return self._app

    def close(self) -> None:
        if self._direct is not None:
            self._direct.close()
            self._direct = None
        if self._app is not None:
            self._app.close()
            self._app = None
