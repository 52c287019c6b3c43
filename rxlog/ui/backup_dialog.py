"""The Backups dialog: when the last backup was made, "Back up now", and "Restore…".

A thin shell over :mod:`rxlog.storage.backups` through the ``RxLog`` façade
(``back_up``, ``restore_backup``); it never opens a database session itself. Restoring
asks first and says that the current database is backed up before it is replaced.
Keyboard: the list has focus, Enter restores the selected backup, Alt+U backs up,
Alt+D backs up to a folder or drive you choose, Alt+P turns the daily copy to that
second place on or off, Alt+R restores, Alt+F restores from a file, Esc closes.

Signals: ``backed_up(str path)`` and ``restored(str path)`` so the main window can
refresh its views after a restore.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from rxlog.errors import RxlogError
from rxlog.storage import backups
from rxlog.ui.plain_words import for_gui
from rxlog.ui.screen_fit import fit_size

if TYPE_CHECKING:
    from rxlog.service import RxLog

_ERROR_STYLE = "color: #b00020;"
_OK_STYLE = "color: #006747;"  # NHS dark green: 6:1 on the window grey (#007f3b gave 4.46)
_KIND_TEXT = {
    "daily": "Daily",
    "monthly": "Monthly",
    "manual": "Made by you",
    "pre-migration": "Before an update",
    "pre-export": "Before an export",
    "pre-restore": "Before a restore",
}


def _size(n: int) -> str:
    return f"{n / 1024:.0f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"


class BackupDialog(QDialog):
    """Lists the backups (newest first) with the last backup time; backs up and restores."""

    backed_up = Signal(str)
    restored = Signal(str)

    def __init__(
        self,
        app: RxLog,
        parent: QWidget | None = None,
        *,
        confirm: Callable[[str], bool] | None = None,
        choose_file: Callable[[], str | None] | None = None,
        choose_folder: Callable[[], str | None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.app = app
        self._confirm = confirm or self._ask
        self._choose_file = choose_file or self._file_dialog
        self._choose_folder = choose_folder or self._folder_dialog
        self._last_folder: Path | None = None
        self.infos: list[backups.BackupInfo] = []
        self.places: list[str] = []
        self.setWindowTitle("Backups - RxLog")
        fit_size(self, 640, 420)

        lay = QVBoxLayout(self)
        self._build_policy(lay)
        self._build_table(lay)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setAccessibleName("Result")
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.setMinimumHeight(self.status.fontMetrics().lineSpacing() * 3)
        lay.addWidget(self.status)
        lay.addLayout(self._buttons())
        self.refresh()
        self.table.setFocus()

    def _build_policy(self, lay: QVBoxLayout) -> None:
        """The last backup, what is kept where, and the second place's choice."""
        app = self.app
        self.last = QLabel()
        self.last.setTextFormat(Qt.TextFormat.PlainText)
        self.last.setAccessibleName("Last backup")
        font = self.last.font()
        font.setBold(True)
        self.last.setFont(font)
        lay.addWidget(self.last)
        daily, monthly = backups.keep_counts(app.db.path)
        self.policy = QLabel(
            f"RxLog backs up your entries the first time it opens each day, and before "
            f"every update, export and restore. It keeps the last {daily} daily and "
            f"{monthly} monthly backups in {backups.backups_dir(app.db.data_dir)}."
        )
        self.policy.setWordWrap(True)
        self.policy.setTextFormat(Qt.TextFormat.PlainText)
        lay.addWidget(self.policy)
        second = QHBoxLayout()
        self.daily_copy = QCheckBox("Also copy each day's backup to a second &place")
        self.daily_copy.setToolTip(
            "Another drive or a USB stick, so a failed disk does not take the backups too"
        )
        self.daily_copy.toggled.connect(self._daily_copy_toggled)
        self.second_label = QLabel()
        self.second_label.setTextFormat(Qt.TextFormat.PlainText)
        self.second_label.setWordWrap(True)
        second.addWidget(self.daily_copy)
        second.addWidget(self.second_label, 1)
        lay.addLayout(second)

    def _build_table(self, lay: QVBoxLayout) -> None:
        list_label = QLabel("&Backups, newest first:")
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Made", "Kind", "Size"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in (1, 2):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setWordWrap(False)
        self.table.setAccessibleName("Backups")
        self.table.setTabKeyNavigation(False)
        self.table.itemActivated.connect(lambda _item: self.restore_selected())
        self.table.itemSelectionChanged.connect(self._update_buttons)
        list_label.setBuddy(self.table)
        lay.addWidget(list_label)
        lay.addWidget(self.table, 1)

    def _buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.backup_button = QPushButton("Back &up now")
        self.backup_button.clicked.connect(self.back_up_now)
        self.folder_button = QPushButton("Back up to a folder or &drive…")
        self.folder_button.clicked.connect(self.back_up_to_folder)
        self.restore_button = QPushButton("&Restore…")
        self.restore_button.clicked.connect(self.restore_selected)
        self.file_button = QPushButton("Restore from &file…")
        self.file_button.clicked.connect(self.restore_from_file)
        self.close_button = QPushButton("&Close")
        self.close_button.clicked.connect(self.reject)
        for b in (self.backup_button, self.folder_button, self.restore_button, self.file_button):
            b.setAutoDefault(False)
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(self.close_button)
        return row

    # -- state -----------------------------------------------------------------------
    def refresh(self) -> None:
        from rxlog.storage import second_place

        here = backups.list_backups(self.app.db.data_dir)
        folder, copies, unreachable = second_place.list_copies(self.app.db.path)
        self.infos = here + copies
        self.places = ["here"] * len(here) + ["second"] * len(copies)
        chosen = self.app.second_place()
        self.daily_copy.blockSignals(True)
        self.daily_copy.setChecked(chosen is not None)
        self.daily_copy.blockSignals(False)
        if chosen is None:
            self.second_label.setText("(none chosen)")
        elif unreachable:
            self.second_label.setText(f"{chosen}: not there now (is the drive plugged in?)")
        else:
            self.second_label.setText(f"{folder} ({len(copies)} copies)")
        self.table.setRowCount(len(self.infos))
        for r, info in enumerate(self.infos):
            kind = _KIND_TEXT.get(info.kind, info.kind)
            if self.places[r] == "second":
                kind += " (second place)"
            cells = (info.made_at_text(), kind, _size(info.size))
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(str(info.path))
                self.table.setItem(r, c, item)
        if self.infos:
            newest = self.infos[0]
            self.last.setText(
                f"Last backup: {newest.made_at_text()} "
                f"({_KIND_TEXT.get(newest.kind, newest.kind).lower()})"
            )
            self.table.selectRow(0)
        else:
            self.last.setText("No backup yet: choose Back up now.")
        problem = getattr(self.app.db, "backup_problem", None)
        if problem:
            self._show(f"Today's automatic backup could not be made: {problem}", error=True)
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.restore_button.setEnabled(self.selected() is not None)

    def selected(self) -> backups.BackupInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.infos[rows[0].row()] if rows else None

    def _show(self, text: str, error: bool = False) -> None:
        self.status.setStyleSheet(_ERROR_STYLE if error else _OK_STYLE)
        self.status.setText(for_gui(text))

    # -- actions ---------------------------------------------------------------------
    def back_up_now(self) -> None:
        try:
            info = self.app.back_up()
        except RxlogError as exc:
            self._show(exc.message, error=True)
            return
        self.refresh()
        self._show(f"Backed up to {info.path.name} ({_size(info.size)}).")
        self.backed_up.emit(str(info.path))

    def back_up_to_folder(self) -> None:
        chosen = self._choose_folder()
        if not chosen:
            self._show("Nothing was backed up.")
            return
        try:
            info = self.app.back_up_to(Path(chosen))
        except RxlogError as exc:
            self._show(exc.message[:1].upper() + exc.message[1:] + ".", error=True)
            return
        self._last_folder = Path(chosen)
        self.refresh()
        text = f"Backed up to {info.path} ({_size(info.size)})."
        if self.app.second_place() is None:
            text += " To copy each day's backup there too, tick Also copy (Alt+P)."
        self._show(text)
        self.backed_up.emit(str(info.path))

    def _daily_copy_toggled(self, on: bool) -> None:
        try:
            if not on:
                self.app.set_second_place(None)
                self.refresh()
                self._show("Each day's backup stays beside the database only.")
                return
            folder = self._last_folder or (
                Path(chosen) if (chosen := self._choose_folder()) else None
            )
            if folder is None:
                self.refresh()
                self._show("No folder chosen: nothing changed.")
                return
            checked = self.app.set_second_place(folder)
        except RxlogError as exc:
            self.refresh()
            self._show(exc.message[:1].upper() + exc.message[1:] + ".", error=True)
            return
        self.refresh()
        problem = getattr(self.app.db, "second_place_problem", None)
        if problem:
            self._show(f"Chosen, but today's copy could not be made: {problem}", error=True)
        else:
            self._show(f"Each day's backup is now also copied to {checked}.")

    def restore_selected(self) -> None:
        info = self.selected()
        if info is not None:
            self._restore(info.path, f"the backup made {info.made_at_text()}")

    def restore_from_file(self) -> None:
        chosen = self._choose_file()
        if chosen:
            self._restore(Path(chosen), Path(chosen).name)

    def _restore(self, path: Path, what: str) -> None:
        try:
            # A bad, booby-trapped or another technician's file is refused before asking.
            backups.check_restorable(path, self.app.db.data_dir)
        except RxlogError as exc:
            self._show(exc.message.replace(str(path), f"“{path.name}”"), error=True)
            return
        question = (
            f"Replace your entries with {what}?\n\n"
            "Everything logged since that backup will no longer be shown. Your current "
            "database is backed up first, so this can be undone by restoring that copy."
        )
        if not self._confirm(question):
            self._show("Nothing was restored.")
            return
        try:
            result = self.app.restore_backup(path)
        except RxlogError as exc:
            self._show(exc.message, error=True)
            return
        self.refresh()
        text = f"Restored {what}."
        if result.safety_backup is not None:
            text += f" The database as it was is kept as {Path(result.safety_backup).name}."
        if result.audit_problems:
            text += " Warning: the restored audit trail has problems; run a check."
        self._show(text, error=bool(result.audit_problems))
        self.restored.emit(str(path))

    # -- default prompts (tests pass their own) --------------------------------------
    def _ask(self, question: str) -> bool:
        answer = QMessageBox.question(
            self,
            "Restore a backup - RxLog",
            question,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _folder_dialog(self) -> str | None:
        path = QFileDialog.getExistingDirectory(
            self, "Back up to a folder or drive", str(Path.home())
        )
        return path or None

    def _file_dialog(self) -> str | None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Restore from a backup file",
            str(backups.backups_dir(self.app.db.data_dir)),
            "RxLog backups (*.sqlite3);;All files (*)",
        )
        return path or None


def offer_restore(
    data_dir: Path,
    message: str,
    parent: QWidget | None = None,
    *,
    ask: Callable[[str, backups.BackupInfo], bool] | None = None,
) -> bool:
    """Say why the database cannot be opened and offer its newest good backup.

    For the app's start-up when ``RxLog.open`` raises ``StorageError``. Returns True
    when a backup was restored (open the database again); the damaged file is kept
    in ``backups/damaged-<time>/`` and never changed.
    """
    good = backups.newest_good_backup(data_dir)
    title = "RxLog cannot open its data"
    if good is None:
        if ask is None:
            QMessageBox.critical(parent, title, message)
        return False
    if ask is None:
        box = QMessageBox(QMessageBox.Icon.Critical, title, message, parent=parent)
        restore = box.addButton(
            f"&Restore the backup of {good.made_at_text()}", QMessageBox.ButtonRole.AcceptRole
        )
        close = box.addButton(QMessageBox.StandardButton.Close)
        box.setDefaultButton(close)
        box.exec()
        wanted = box.clickedButton() is restore
    else:
        wanted = ask(message, good)
    if not wanted:
        return False
    try:
        backups.restore(data_dir, good.path)
    except RxlogError as exc:
        if ask is None:
            QMessageBox.critical(parent, title, for_gui(exc.message))
        return False
    return True
