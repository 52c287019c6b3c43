"""The quick-entry line: type part of a code or title and details, press Enter.

It is part of the window's first paint, so nothing here touches ``Qt``'s namespace
(building its enums costs ~12 ms the first time) or the list models before the
taxonomy is there: the match list gets its model with the first codes to match.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout, QWidget

from rxlog import quick_entry as qe
from rxlog.ui.screen_fit import font_style

if TYPE_CHECKING:
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QListView

    from rxlog.taxonomy import Code, Taxonomy
    from rxlog.ui.models import MatchModel


class QuickLine(QLineEdit):
    """A line edit that hands Up/Down to the match list and Tab to the detail panel.

    Signals:
        moved(int): Up (-1) or Down (+1) pressed.
        tab_pressed(): Tab pressed (open the detail panel with what is typed).
    """

    moved = Signal(int)
    tab_pressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        from PySide6.QtCore import Qt

        if event.key() == Qt.Key.Key_Up:
            self.moved.emit(-1)
        elif event.key() == Qt.Key.Key_Down:
            self.moved.emit(1)
        elif event.key() == Qt.Key.Key_Escape:
            self.clear()
        else:
            super().keyPressEvent(event)

    def focusNextPrevChild(self, next: bool) -> bool:  # noqa: N802, A002 (Qt's names)
        """Tab (without Shift, Ctrl or Alt: what QWidget hands here) opens the details;
        Shift+Tab moves the focus back as usual. (Overriding ``event`` instead would
        read every event's type before the first paint: ``QEvent``'s enums.)"""
        if next:
            self.tab_pressed.emit()
            return True
        return super().focusNextPrevChild(next)


def _room_for_five(widget: QWidget) -> None:
    """Room for five matches: enough to choose from, without pushing today's list down
    (until the first match can be measured: :meth:`QuickBar.refresh`)."""
    widget.setFixedHeight(widget.fontMetrics().height() * 5 + 14)


class QuickBar(QWidget):
    """The quick-entry line, a live reading of it and the ranked matches.

    Signals:
        submitted(str, object): Enter on a line: the chosen code and the ``Parsed`` line.
        detail_requested(str, object): Tab: the top code (or "") and the ``Parsed`` line.
        failed(str, str): Enter on a line that cannot be logged: field, message.
    """

    submitted = Signal(str, object)
    detail_requested = Signal(str, object)
    failed = Signal(str, str)

    def __init__(
        self,
        taxonomy: Taxonomy | None,
        today: Callable[[], date],
        favourites: Callable[[], list[str]],
        recents: Callable[[], list[str]],
        site: Callable[[dict], tuple[str | None, str | None]],
        parent: QObject | None = None,
        check: Callable[[str, qe.Parsed], tuple[str, ...]] | None = None,
    ) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self.taxonomy = taxonomy
        self._today = today
        self._favourites = favourites
        self._recents = recents
        self._site = site
        self._check = check  # the core's full validation, run live (raises RxlogError)
        self.refusal = ""  # what Enter would refuse the line with, as shown
        self.selected = 0
        self.parsed = qe.Parsed()
        self._sized = False

        lay = self._lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        self.line = QuickLine()
        self.line.setAccessibleName("Quick entry")
        self.line.setPlaceholderText(
            "Type part of a code or title, e.g.  rec 2 25m  – then Enter to log it for today"
        )
        self.line.setToolTip(
            "Quick entry (Ctrl+L)\n"
            "Enter: log the top match · Up/Down: choose another · Tab: details · Esc: clear\n"
            + qe.GRAMMAR_HINT
        )
        self.line.setStyleSheet(font_style(self.line, 1.3))  # not setFont: QFont's enums
        self.line.setMinimumHeight(34)
        self.hint = QLabel()
        self.hint.setAccessibleName("What Enter will log")
        self.hint.setWordWrap(True)
        # Properties by value (0: Qt.PlainText, Qt.NoFocus, NoEditTriggers), not by
        # ``Qt``'s enums, which cost ~12 ms to build before the first paint.
        self.hint.setProperty("textFormat", 0)
        self.matches: MatchModel | None = None  # with the taxonomy (_match_model)
        lay.addWidget(self.line)
        lay.addWidget(self.hint)
        # The match list, made with the taxonomy (it has nothing to show before): until
        # then its place is kept, the same height, so nothing moves when it comes. Made
        # before the first paint it cost 5.7 ms of RxLog's ~110 (QListView's type and
        # its 15 enums, its scroll bars).
        self._list: QListView | None = None
        self._list_place: QWidget | None = QWidget()
        _room_for_five(self._list_place)
        lay.addWidget(self._list_place)
        if taxonomy is not None:
            self._make_list()

        self.line.textChanged.connect(self.refresh)
        self.line.returnPressed.connect(self.submit)
        self.line.moved.connect(self._move)
        self.line.tab_pressed.connect(self._tab)
        self.refresh()

    @property
    def list(self) -> QListView:
        """The ranked matches (made when first needed: :meth:`_make_list`)."""
        return self._list if self._list is not None else self._make_list()

    def _make_list(self) -> QListView:
        from PySide6.QtWidgets import QListView

        view = QListView()
        view.setAccessibleName("Matching activities")
        view.setProperty("focusPolicy", 0)
        view.setProperty("reached_by", "Up/Down in the quick-entry line")
        view.setProperty("editTriggers", 0)
        _room_for_five(view)
        view.clicked.connect(self._clicked)
        place, self._list_place = self._list_place, None
        assert place is not None
        self._lay.replaceWidget(place, view)
        place.hide()
        place.deleteLater()
        view.show()  # a child added after its window showed is hidden until told
        self._list = view
        return view

    # -- reading the line ------------------------------------------------------------
    def current_code(self) -> Code | None:
        if self.taxonomy is None:
            return None
        if self.parsed.favourite is not None:
            favs = self._favourites()
            if self.parsed.favourite <= len(favs):
                return self.taxonomy.get(favs[self.parsed.favourite - 1])
            return None
        matches = self._match_model().matches
        if 0 <= self.selected < len(matches):
            return matches[self.selected].code
        return None

    def _match_model(self) -> MatchModel:
        """The match list's model, made when first needed (``rxlog.ui.models``)."""
        if self.matches is None:
            from rxlog.ui.models import MatchModel

            self.matches = MatchModel(self)
            self.list.setModel(self.matches)
        return self.matches

    def refresh(self) -> None:
        if self.taxonomy is None:  # still loading; typing is kept and read once it is
            return
        today = self._today()
        self.parsed = qe.parse(self.line.text(), today)
        ods, sector = self._site(self.parsed.values)
        ranked = qe.rank(
            self.taxonomy, self.parsed.query, self._favourites(), self._recents(), sector
        )
        self._match_model().set_matches(ranked)
        if ranked and not self._sized:  # exactly five rows, now that a row can be measured
            self._sized = True
            rows = self.list.sizeHintForRow(0) * 5 + 2 * self.list.frameWidth()
            self.list.setFixedHeight(rows)
        self.selected = 0
        self._show_selection()
        code = self.current_code()
        if not self.line.text().strip():
            self.refusal = ""
            self.hint.setStyleSheet("")
            favs = self._favourites()
            shortcut = "  ·  ".join(f"f{i} {c}" for i, c in enumerate(favs[:9], 1))
            self.hint.setText(
                (
                    "Favourites: " + shortcut
                    if shortcut
                    else "Star a code with Ctrl+D to make it a favourite (then f1 + Enter logs it)."
                )
                + "\nGrammar: "
                + qe.GRAMMAR_HINT
            )
        else:
            self._preview(code, ods)

    def _preview(self, code: Code | None, ods: str | None) -> None:
        """What Enter will do with the line: the core's whole check, not just its syntax,
        so a line Enter would refuse is shown refused as it is typed."""
        from rxlog.errors import RxlogError
        from rxlog.ui.plain_words import for_gui

        self.refusal = ""
        text = "Enter logs: " + qe.describe(self.parsed, code, self._today(), ods)
        if code is not None and not self.parsed.problems:
            try:
                warnings = self._check(code.code, self.parsed) if self._check else ()
            except RxlogError as exc:
                self.refusal = for_gui(exc.message)
                text = f"⚠ Enter will not log this: {self.refusal}"
            else:
                asks = [d.question for d in qe.doubts(self.parsed, code)]
                if code.needs_discharge_date and "discharge_received" not in self.parsed.values:
                    asks.append("when the discharge information was received")
                if asks:
                    text += "\n? Enter will first ask: " + "; ".join(asks)
                if warnings:
                    text += "\n⚠ " + "; ".join(for_gui(w) for w in warnings)
        elif self.parsed.problems:
            self.refusal = for_gui(self.parsed.problems[0][1])
        self.hint.setStyleSheet("color: #b00020;" if self.refusal else "")
        self.hint.setText(text)

    def _show_selection(self) -> None:
        if self.matches is not None and self.matches.matches:
            self.list.setCurrentIndex(self.matches.index(self.selected, 0))

    def _move(self, step: int) -> None:
        if self.matches is not None and self.matches.matches:
            self.selected = (self.selected + step) % len(self.matches.matches)
            self._show_selection()
            ods, _ = self._site(self.parsed.values)
            self._preview(self.current_code(), ods)

    def _clicked(self, index) -> None:  # noqa: ANN001
        self.selected = index.row()
        self.line.setFocus()

    # -- acting -----------------------------------------------------------------------
    def submit(self) -> None:
        if not self.line.text().strip() or self.taxonomy is None:
            return
        if self.parsed.problems:
            fld, msg = self.parsed.problems[0]
            self.failed.emit(fld, msg)
            return
        code = self.current_code()
        if code is None:
            what = (
                f"there is no favourite {self.parsed.favourite}"
                if self.parsed.favourite
                else f"no activity matches {self.parsed.query!r}"
            )
            self.failed.emit("code", what)
            return
        self.submitted.emit(code.code, self.parsed)

    def _tab(self) -> None:
        code = self.current_code()
        self.detail_requested.emit(code.code if code else "", self.parsed)

    def clear(self) -> None:
        # setText (not clear()) also empties the line's undo history, so Ctrl+Z after
        # logging undoes the entry, not the clearing of the line.
        self.line.setText("")

    def forget_typing(self) -> None:
        """Keep the text but drop its undo history (a change to entries came after it)."""
        if self.line.isUndoAvailable() or self.line.isRedoAvailable():
            pos = self.line.cursorPosition()
            self.line.setText(self.line.text())
            self.line.setCursorPosition(pos)
