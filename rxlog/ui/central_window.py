"""The project lead's window: import returns (drop files, folders or saved e-mails, or
"Import…"), see each verification result and the completeness matrix, produce the
combined export and the evidence report.

A thin shell over :mod:`rxlog.central` (the same functions as ``rxlog central``). Long
work (import, export, report) runs in a worker thread behind a progress dialog that can
be cancelled; each return is imported whole or not at all.

Keyboard: Ctrl+I import files, Ctrl+Shift+I import a folder, Ctrl+T trust a key,
Ctrl+E export, Ctrl+R report, F5 refresh, Alt+1/2/3 the Results / Completeness /
Returns tabs.

Signals: ``imported(int)`` with the number of results after each import run.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QThread,
    Signal,
)
from PySide6.QtGui import QAction, QBrush, QColor, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from rxlog.central.importer import ALREADY, IMPORTED, REFUSED, REPLACED, ImportResult
from rxlog.central.service import Central
from rxlog.central.status import (
    MISSING,
    NOT_EXPECTED,
    NOTHING_DONE,
    RECEIVED,
    REOPENED,
    StatusMatrix,
)
from rxlog.central.store import CentralStore
from rxlog.errors import RxlogError
from rxlog.ui.plain_words import for_gui
from rxlog.ui.screen_fit import FOCUS_STYLE, fit_size

# NHS identity colours: green / warm yellow / red, pale versions as cell backgrounds.
_OUTCOME_COLOURS = {
    IMPORTED: "#d5f0e0",
    REPLACED: "#d5e8f7",
    ALREADY: "#eef1f2",
    REFUSED: "#f9d7d9",
}
_STATE_COLOURS = {
    RECEIVED: "#d5f0e0",
    REOPENED: "#fff1c7",
    MISSING: "#f9d7d9",
    NOT_EXPECTED: "#ffffff",
    NOTHING_DONE: "#e3ecf7",  # a nil return: sent, with nothing to declare
}


def _plain_text(data: Any) -> Any:
    """A model's ``data()`` whose text is made plain: a return's names and reasons come
    from outside, and control or bidi characters in them must not reach the table."""
    import functools

    from rxlog.text import plain

    @functools.wraps(data)
    def wrapped(self: Any, index: Any, role: int = 0) -> Any:
        value = data(self, index, role)
        return plain(value) if isinstance(value, str) else value

    return wrapped


class _Table(QAbstractTableModel):
    """A flat table model: ``HEADERS`` across, ``_rows()`` down; subclasses give ``data``."""

    HEADERS: tuple[str, ...] = ()

    def _rows(self) -> int:
        raise NotImplementedError

    def _headers(self) -> tuple[str, ...]:
        return self.HEADERS

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else self._rows()

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._headers())

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self._headers()[section]
        return None


class ResultsModel(_Table):
    """This session's verification results, newest run last."""

    HEADERS = ("Result", "Return", "Technician", "Month", "Entries", "Why / what", "File")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.results: list[ImportResult] = []

    def _rows(self) -> int:
        return len(self.results)

    @_plain_text
    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        r = self.results[index.row()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return r.source if index.column() == 6 else for_gui(r.message)
        if role == Qt.ItemDataRole.DisplayRole:
            values = (
                r.outcome,
                f"{r.return_id} v{r.version}" if r.return_id else "",
                r.technician or "",
                r.month or "",
                "" if r.rows is None else f"{r.rows:,}",
                for_gui(r.message),
                Path(r.source.split(" [")[0]).name,
            )
            return values[index.column()]
        if role == Qt.ItemDataRole.BackgroundRole:
            colour = _OUTCOME_COLOURS.get(r.outcome)
            return QBrush(QColor(colour)) if colour else None
        return None

    def add(self, result: ImportResult) -> None:
        n = len(self.results)
        self.beginInsertRows(QModelIndex(), n, n)
        self.results.append(result)
        self.endInsertRows()


class StatusModel(_Table):
    """The completeness matrix: technician x month, coloured by state."""

    FIXED = ("Technician", "GPhC", "Site", "Sector")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.matrix = StatusMatrix([], [])

    def set_matrix(self, matrix: StatusMatrix) -> None:
        self.beginResetModel()
        self.matrix = matrix
        self.endResetModel()

    def _rows(self) -> int:
        return len(self.matrix.technicians)

    def _headers(self) -> tuple[str, ...]:
        return (*self.FIXED, *self.matrix.months)

    @_plain_text
    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        t = self.matrix.technicians[index.row()]
        col = index.column()
        if col < len(self.FIXED):
            if role == Qt.ItemDataRole.DisplayRole:
                return (t.name, t.gphc, t.site, t.sector)[col]
            return None
        cell = t.cells[self.matrix.months[col - len(self.FIXED)]]
        if role == Qt.ItemDataRole.DisplayRole:
            return cell.label
        if role == Qt.ItemDataRole.ToolTipRole:
            where = f" at {cell.site} ({cell.sector} care)" if cell.site else ""
            why = f"; reason: {cell.reason}" if cell.reason else ""
            # Issue 12: which installation sent what, one line each.
            sent = "".join(f"\n  {s.label}" for s in cell.sent) if cell.sent else ""
            return f"{t.name}, {cell.month}: {cell.state}{where}{why}{sent}"
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(QColor(_STATE_COLOURS.get(cell.state, "#ffffff")))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None


class ReturnsModel(_Table):
    """Every return version in the store, newest import first."""

    HEADERS = (
        "Return",
        "Version",
        "State",
        "Technician",
        "Month",
        "Main site",
        "Entries",
        "Signed by key",
        "Imported (UTC)",
    )

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[tuple[Any, ...]] = []

    def set_rows(self, rows: list[tuple[Any, ...]]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def _rows(self) -> int:
        return len(self.rows)

    @_plain_text
    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            v = self.rows[index.row()][index.column()]
            return f"{v:,}" if isinstance(v, int) and index.column() == 6 else str(v)
        if role == Qt.ItemDataRole.ForegroundRole and self.rows[index.row()][2] == "superseded":
            return QBrush(QColor("#425563"))  # NHS dark grey: 7.7:1 (NHS mid grey gave 3.75)
        return None


class _Task(QThread):
    """Runs ``work(report, cancelled)`` off the GUI thread.

    Signals: ``progressed(int done, int total, object item)``, ``succeeded(object)``,
    ``failed(str message)`` (an RxlogError's message; anything else is a bug and says so).
    """

    progressed = Signal(int, int, object)
    succeeded = Signal(object)
    failed = Signal(str)

    def __init__(self, work: Callable[..., Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._work = work
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def run(self) -> None:
        try:
            result = self._work(self.progressed.emit, self._cancel.is_set)
        except RxlogError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # a bug: say so plainly rather than crash the window
            self.failed.emit(f"internal error (a bug, not your input): {exc!r}")
        else:
            self.succeeded.emit(result)


class CentralWindow(QMainWindow):
    """The lead's window over an open :class:`CentralStore`, through the lead's façade
    (:class:`~rxlog.central.service.Central`), as ``rxlog central`` is."""

    imported = Signal(int)

    def __init__(self, store: CentralStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.central = Central(store)
        self.task: _Task | None = None
        self.progress: QProgressDialog | None = None
        self.setWindowTitle("RxLog Central: returns from the technicians")
        self.setAcceptDrops(True)
        fit_size(self, 1100, 720)
        self.setStyleSheet(FOCUS_STYLE)

        self.results = ResultsModel(self)
        self.status = StatusModel(self)
        self.returns = ReturnsModel(self)

        central = QWidget(self)
        layout = QVBoxLayout(central)
        self.hint = QLabel(
            "Drop returns here: return folders, *.manifest.json files, saved e-mails (.eml) "
            "or folders of them. Each return's signature and files are checked before "
            "anything is stored.",
            central,
        )
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet(
            "QLabel { border: 2px dashed #005EB8; border-radius: 6px; padding: 10px;"
            " color: #003087; background: #f0f4f5; }"
        )
        layout.addWidget(self.hint)

        buttons = QHBoxLayout()
        self.import_button = QPushButton("&Import returns…", central)
        self.import_folder_button = QPushButton("Import a &folder…", central)
        self.trust_button = QPushButton("&Trust a key…", central)
        self.export_button = QPushButton("&Export dataset…", central)
        self.report_button = QPushButton("&Report (PDF)…", central)
        for b in (self.import_button, self.import_folder_button, self.trust_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        for b in (self.export_button, self.report_button):
            buttons.addWidget(b)
        layout.addLayout(buttons)

        self.tabs = QTabWidget(central)
        self.results_view = self._view(self.results, "Import results", stretch=5)
        self.status_view = self._view(self.status, "Completeness: who has sent which month")
        self.returns_view = self._view(self.returns, "Returns in the store")
        self.tabs.addTab(self.results_view, "Import res&ults")
        self.tabs.addTab(self.status_view, "&Completeness")
        self.tabs.addTab(self.returns_view, "Returns in the &store")
        layout.addWidget(self.tabs, 1)
        self.legend = QLabel(central)
        layout.addWidget(self.legend)
        self.setCentralWidget(central)
        self.statusBar().showMessage(f"Central store: {store.display_url}")

        self.import_button.clicked.connect(self.choose_files)
        self.import_folder_button.clicked.connect(self.choose_folder)
        self.trust_button.clicked.connect(self.choose_key)
        self.export_button.clicked.connect(self.choose_export)
        self.report_button.clicked.connect(self.choose_report)
        self._shortcuts()
        self.refresh()

    # -- building ------------------------------------------------------------------
    def _view(
        self, model: QAbstractTableModel, name: str, stretch: int | None = None
    ) -> QTableView:
        v = QTableView(self)
        v.setTabKeyNavigation(False)  # Tab leaves the table
        v.setModel(model)
        v.setAccessibleName(name)  # what a screen reader announces on reaching it
        v.setTabKeyNavigation(False)  # Tab leaves the table (arrows move in it)
        v.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        v.setAlternatingRowColors(False)
        v.verticalHeader().setVisible(False)
        v.setWordWrap(False)
        h = v.horizontalHeader()
        h.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        if stretch is not None:
            h.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        return v

    def _shortcuts(self) -> None:
        def add(keys: str | QKeySequence, slot: Callable[[], Any]) -> None:
            act = QAction(self)
            act.setShortcut(QKeySequence(keys))
            act.triggered.connect(slot)
            self.addAction(act)

        add(QKeySequence(QKeySequence.StandardKey.Open), self.choose_files)
        add("Ctrl+I", self.choose_files)
        add("Ctrl+Shift+I", self.choose_folder)
        add("Ctrl+T", self.choose_key)
        add("Ctrl+E", self.choose_export)
        add("Ctrl+R", self.choose_report)
        add("F5", self.refresh)
        for i in range(3):
            add(f"Alt+{i + 1}", lambda i=i: self.tabs.setCurrentIndex(i))  # type: ignore[misc]

    # -- refreshing ----------------------------------------------------------------
    def refresh(self) -> None:
        try:
            matrix = self.central.status()
            self.status.set_matrix(matrix)
            self.returns.set_rows([r.as_row() for r in self.central.returns()])
        except RxlogError as exc:
            self._error(str(exc))
            return
        missing, reopened = len(matrix.cells(MISSING)), len(matrix.cells(REOPENED))
        self.legend.setText(
            f"{len(matrix.technicians)} technician(s), {len(matrix.months)} month(s): "
            f"{missing} missing, {reopened} reopened.  Colours: green received, yellow "
            "reopened (newest version counted), red missing."
        )

    def _error(self, message: str) -> None:
        QMessageBox.warning(self, "RxLog Central", for_gui(message))

    def _busy(self, busy: bool) -> None:
        for b in (
            self.import_button,
            self.import_folder_button,
            self.trust_button,
            self.export_button,
            self.report_button,
        ):
            b.setEnabled(not busy)
        self.setAcceptDrops(not busy)

    # -- drag and drop -------------------------------------------------------------
    def dragEnterEvent(self, event: Any) -> None:  # noqa: N802
        if event.mimeData().hasUrls() and self.task is None:
            event.acceptProposedAction()

    def dropEvent(self, event: Any) -> None:  # noqa: N802
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.import_paths(paths)

    # -- actions ---------------------------------------------------------------------
    def choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self,
            "Import returns",
            "",
            "Returns and e-mails (*.manifest.json *.eml *.csv *.pdf);;All files (*)",
        )
        if files:
            self.import_paths([Path(f) for f in files])

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Import every return in a folder")
        if folder:
            self.import_paths([Path(folder)])

    def choose_key(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Trust an installation's key", "", "Key files (*.pem *.txt);;All files (*)"
        )
        if not path:
            return
        name, ok = QInputDialog.getText(self, "Trust a key", "Whose installation is it?")
        if not ok:
            return
        self.trust_key_file(Path(path), name)

    def trust_key_file(self, path: Path, name: str, gphc: str | None = None) -> None:
        """Trust a key file; one from an earlier RxLog (naming no GPhC number) asks for
        the number it is bound to."""
        from rxlog.errors import ValidationError
        from rxlog.text import plain

        try:
            self.central.read_key(path, gphc)
        except ValidationError as exc:
            if exc.field != "gphc" or gphc is not None or "names no GPhC" not in exc.message:
                self._error(plain(exc.message))
                return
            number, ok = QInputDialog.getText(
                self,
                "Trust a key",
                "This key file is from an earlier RxLog and names no GPhC number.\n"
                "Which technician's GPhC number is it bound to? (Check it with them.)",
            )
            if not ok:
                return
            gphc = number.strip()
        except RxlogError as exc:
            self._error(plain(exc.message))
            return
        try:
            key, added = self.central.trust(path, name, gphc)
        except RxlogError as exc:
            self._error(plain(exc.message))
            return
        verb = "Trusted" if added else "Already trusted:"
        self.statusBar().showMessage(
            f"{verb} {plain(key.name)}, key {key.fingerprint[:16]}…, bound to GPhC {key.gphc}",
            8000,
        )

    def choose_export(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export the combined dataset into")
        if folder:
            self.export_to(Path(folder))

    def choose_report(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the evidence report", "rxlog-evidence-report.pdf", "PDF (*.pdf)"
        )
        if path:
            if not path.lower().endswith(".pdf"):
                path += ".pdf"
            self.report_to(Path(path))

    # -- long work -------------------------------------------------------------------
    def _start(self, title: str, work: Callable[..., Any], done: Callable[[Any], None]) -> None:
        if self.task is not None:
            return
        self._busy(True)
        self.progress = QProgressDialog(title, "Cancel", 0, 0, self)
        self.progress.setWindowTitle("RxLog Central")
        self.progress.setWindowModality(Qt.WindowModality.WindowModal)
        self.progress.setMinimumDuration(300)
        task = _Task(work, self)
        self.task = task
        self.progress.canceled.connect(task.cancel)
        task.progressed.connect(self._on_progress)

        def finish() -> None:
            if self.progress is not None:
                self.progress.reset()
                self.progress.deleteLater()
                self.progress = None
            task.wait()  # run() returns right after emitting; never drop a running QThread
            self.task = None
            self._busy(False)
            task.deleteLater()

        def ok(result: Any) -> None:
            finish()
            done(result)

        def bad(message: str) -> None:
            finish()
            self.refresh()
            self._error(message)

        task.succeeded.connect(ok)
        task.failed.connect(bad)
        task.start()

    def _on_progress(self, done: int, total: int, item: Any) -> None:
        if isinstance(item, ImportResult):
            self.results.add(item)
            self.results_view.scrollToBottom()
        if self.progress is not None:
            self.progress.setMaximum(total)
            self.progress.setValue(done)
            if isinstance(item, ImportResult):
                self.progress.setLabelText(f"Importing {done} of {total}…\n{item.source}")

    def import_paths(self, paths: list[Path]) -> None:
        """Import in the background; results appear as each return is done."""

        def work(report: Callable[..., None], cancelled: Callable[[], bool]) -> Any:
            return self.central.import_paths(paths, report, cancelled=cancelled)

        def done(results: list[ImportResult]) -> None:
            self.refresh()
            self.tabs.setCurrentIndex(0)
            refused = sum(1 for r in results if r.outcome == REFUSED)
            stored = sum(1 for r in results if r.outcome in (IMPORTED, REPLACED))
            self.statusBar().showMessage(
                f"{len(results)} return(s): {stored} imported, {refused} refused", 15000
            )
            if not results:
                self._error("No RxLog return was found in what was dropped or chosen.")
            self.imported.emit(len(results))

        self.tabs.setCurrentIndex(0)
        self._start("Checking and importing returns…", work, done)

    def export_to(self, folder: Path) -> None:
        def work(report: Callable[..., None], cancelled: Callable[[], bool]) -> Any:
            return self.central.export(folder, progress=lambda d, t: report(d, t, None))

        def done(result: Any) -> None:
            QMessageBox.information(
                self,
                "Export written",
                f"{result.entries:,} entries from {result.returns:,} returns written to "
                f"{folder}:\n" + "\n".join(p.name for p in result.files),
            )

        self._start("Writing the combined dataset…", work, done)

    def report_to(self, path: Path) -> None:
        def work(report: Callable[..., None], cancelled: Callable[[], bool]) -> Any:
            return self.central.report(path).pdf

        def done(result: Any) -> None:
            self.statusBar().showMessage(f"Report written to {result}", 15000)
            QMessageBox.information(self, "Report written", f"The evidence report is in\n{result}")

        self._start("Building the evidence report…", work, done)

    def closeEvent(self, event: Any) -> None:  # noqa: N802
        if self.task is not None:
            self.task.cancel()
            self.task.wait()
        super().closeEvent(event)


def main(argv: list[str] | None = None) -> int:
    import multiprocessing

    from rxlog.central.store import resolve_url

    multiprocessing.freeze_support()  # big imports use worker processes (PyInstaller)

    p = argparse.ArgumentParser(prog="rxlog-central-gui", description="RxLog Central window")
    p.add_argument("--db", metavar="URL", help="SQLAlchemy URL of the central store")
    p.add_argument("--central-dir", metavar="DIR", help="folder of central.sqlite3")
    args = p.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("RxLog Central")
    from rxlog.ui.palette import use_accessible_colours

    if isinstance(app, QApplication):
        use_accessible_colours(app)
    try:
        store = CentralStore.open(resolve_url(args.db, args.central_dir))
    except RxlogError as exc:
        QMessageBox.critical(None, "RxLog Central", str(exc))
        return 1
    win = CentralWindow(store)
    win.show()
    from rxlog.ui.app import _report_bugs

    previous = sys.excepthook
    _report_bugs()  # a bug is said plainly and logged, as in the technician's window
    try:
        return int(app.exec())
    finally:
        sys.excepthook = previous
        store.close()


if __name__ == "__main__":
    raise SystemExit(main())
