"""Shared fixtures. Qt runs offscreen; every test gets its own real SQLite data folder."""

from __future__ import annotations

import contextlib
import io
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("RXLOG_DATA_DIR", None)
os.environ.pop("RXLOG_TODAY", None)

from rxlog.cli import main as cli_main  # noqa: E402
from rxlog.service import RxLog  # noqa: E402

TODAY = date(2026, 11, 20)  # a Friday; tests that need "today" pin it here


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def rx(data_dir: Path):
    """An installation set up with a primary then a secondary placement, today = TODAY."""
    app = RxLog.open(data_dir, today=lambda: TODAY)
    app.setup("Alex Morgan", "5012345")
    app.add_placement("G82001", "Test Surgery", "primary", date(2026, 9, 1), date(2026, 10, 31))
    app.add_placement("RPA", "Medway NHS Foundation Trust", "secondary", date(2026, 11, 1), None)
    app.add_phase("baseline", date(2026, 9, 1), date(2026, 9, 30))
    app.add_phase("pilot", date(2026, 10, 1), None)
    yield app
    app.close()


@contextlib.contextmanager
def shown_main_window(qtbot, rx, *, active: bool = False):
    """The real main window over ``rx``, shown (and made active when asked); closed after."""
    from rxlog.ui.main_window import MainWindow

    w = MainWindow(rx)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    if active:
        w.activateWindow()
        qtbot.waitUntil(w.isActiveWindow)
    try:
        yield w
    finally:
        w._tick.stop()
        if w.dialog is not None:
            w.dialog.close()


@pytest.fixture
def win(qtbot, rx):
    """The main window over ``rx``, shown; a module may override it."""
    with shown_main_window(qtbot, rx) as w:
        yield w


def run_rxlog(*args: str) -> CliResult:
    """Run ``rxlog ARGS...`` in this process, capturing its output."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli_main(list(args))
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
    return CliResult(code, out.getvalue(), err.getvalue())


def run_cli(data_dir: Path, *args: str) -> CliResult:
    """Run ``rxlog --data-dir DATA_DIR ARGS...`` in this process, capturing its output."""
    return run_rxlog("--data-dir", str(data_dir), *args)


@pytest.fixture
def cli(data_dir: Path, monkeypatch: pytest.MonkeyPatch):
    """Run ``rxlog --data-dir <data_dir> ...`` in-process, with today pinned to TODAY."""
    monkeypatch.setenv("RXLOG_TODAY", TODAY.isoformat())

    def run(*args: str) -> CliResult:
        return run_cli(data_dir, *args)

    return run


_BENCH = Path(__file__).resolve().parent.parent / "bench"


def bench_module(name: str):
    """A script of ``bench/`` (e.g. ``gen_returns``, the fast return generator) loaded
    once by path and shared by every test file that uses it."""
    import importlib.util
    import sys

    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, _BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None, name
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look their module up by name
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


@pytest.fixture(scope="session")
def gen_returns():
    """``bench/gen_returns.py``: signed returns in the documented format, made fast."""
    return bench_module("gen_returns")
