"""The lock matches the return (issue 9, item 6): the month locks only if its entry rows
still hash as the return signed them; an export killed between renaming its files and
committing is found at the next start and its files removed."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest
from conftest import TODAY

from rxlog.domain import EntryInput
from rxlog.errors import ValidationError
from rxlog.export import keys
from rxlog.export.pending import PENDING_FILE, entries_sha256
from rxlog.export.signoff import ExportOptions, export_month
from rxlog.service import RxLog
from rxlog.storage.models import MonthLock, ReturnRecord


@pytest.fixture
def app(data_dir: Path):
    a = RxLog.open(data_dir, today=lambda: TODAY)
    a.setup("Alex Morgan", "5012345")
    a.add_placement("RPA", "Medway NHS Foundation Trust", "secondary", date(2026, 9, 1), None)
    keys.create_keys(data_dir, "Alex Morgan", "5012345")
    a.log_many([EntryInput("ACU-TTO", date(2026, 10, d), minutes=30) for d in range(5, 10)])
    yield a
    a.close()


def _state(app: RxLog) -> tuple:
    with app.db.transaction() as s:
        lock = s.get(MonthLock, "2026-10")
        records = s.query(ReturnRecord).count()
        return (lock.locked if lock else None, records)


def _change_during_render(monkeypatch, change) -> None:
    """Run ``change`` while the PDF is being signed (after the month was read)."""
    import rxlog.returnformat.pdf as pdf

    real = pdf.sign_pdf

    def signing(*args, **kwargs):
        change()
        return real(*args, **kwargs)

    monkeypatch.setattr(pdf, "sign_pdf", signing)


@pytest.mark.slow
@pytest.mark.parametrize("what", ["note edited", "entry swapped", "entry logged"])
def test_a_month_changed_while_exporting_is_not_locked(app, tmp_path, monkeypatch, what):
    ids = [e.id for e in app.month("2026-10")]

    def change() -> None:
        if what == "note edited":  # neither count nor minutes change
            app.edit(ids[0], {"note": "checked"}, reason="note added")
        elif what == "entry swapped":  # same count and minutes, another entry
            app.delete(ids[1], reason="duplicate")
            app.log(EntryInput("ACU-TTO", date(2026, 10, 20), minutes=30))
        else:
            app.log(EntryInput("ACU-TTO", date(2026, 10, 21), minutes=5))

    _change_during_render(monkeypatch, change)
    out = tmp_path / "out"
    with pytest.raises(ValidationError, match="changed while the return was being written"):
        export_month(app, "2026-10", ExportOptions(out))
    assert _state(app) == (None, 0)  # nothing locked, nothing recorded
    assert not out.exists() or list(out.iterdir()) == []  # nothing kept
    assert not (app.db.data_dir / PENDING_FILE).exists()
    monkeypatch.undo()
    res = export_month(app, "2026-10", ExportOptions(out))  # exporting again works
    expected = entries_sha256(app.month("2026-10"))
    with app.db.transaction() as s:
        assert s.query(ReturnRecord).one().entries_sha256 == expected
    assert res.version == 1 and _state(app) == (1, 1)


_KILL = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from rxlog.export import atomic
    from rxlog.export.signoff import ExportOptions, export_month
    from rxlog.service import RxLog

    real = atomic.FileBatch.commit

    def commit_then_die(self):
        real(self)
        os._exit(9)  # killed after the rename, before the database commit

    atomic.FileBatch.commit = commit_then_die
    app = RxLog.open(Path(sys.argv[1]))
    export_month(app, "2026-10", ExportOptions(Path(sys.argv[2])))
    """
)


@pytest.mark.slow
def test_an_export_killed_before_its_commit_is_found_and_removed(app, tmp_path, monkeypatch):
    data_dir = app.db.data_dir
    app.close()
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setenv("RXLOG_TODAY", TODAY.isoformat())
    r = subprocess.run([sys.executable, "-c", _KILL, str(data_dir), str(out)],
                       capture_output=True, text=True)  # fmt: skip
    assert r.returncode == 9, r.stderr
    assert len(list(out.glob("rxlog_*"))) == 4  # a genuine-looking return on disk...
    note = json.loads((data_dir / PENDING_FILE).read_text())
    assert note["month"] == "2026-10" and len(note["files"]) == 4
    (out / "mine.txt").write_text("not RxLog's")
    reopened = RxLog.open(data_dir, today=lambda: TODAY)
    try:
        assert len(reopened.notices) == 1 and "interrupted" in reopened.notices[0]
        assert sorted(p.name for p in out.iterdir()) == ["mine.txt"]  # only its files went
        assert _state(reopened) == (None, 0)
        assert not (data_dir / PENDING_FILE).exists()
        res = export_month(reopened, "2026-10", ExportOptions(out))
        assert res.version == 1  # never a second, different "v1"
    finally:
        reopened.close()


@pytest.mark.slow
def test_the_app_tells_the_user_what_opening_settled(app, qtbot):
    from rxlog.ui.main_window import MainWindow

    app.notices.append("the export of 2026-10 v1 was interrupted before it was recorded")
    win = MainWindow(app)
    qtbot.addWidget(win)
    assert win.last_notice.startswith("The export of 2026-10 v1 was interrupted")
