"""Every test module that opens the lead's store runs on both databases it runs on.

A module that opens a central store (``CentralStore.open``, ``Central.open``, the lead's
window, ``import_paths``, or ``rxlog central ...`` / ``export --central`` through the
CLI) takes its store from tests/central_db.py (``central_url``, or ``BACKENDS`` and
``store_url`` for a module-scoped store), so it runs on SQLite and on PostgreSQL; CI
sets ``RXLOG_REQUIRE_PG=1``, so none of those runs is skipped for want of a server.
The few that do not are listed below with the reason.
"""

from __future__ import annotations

import re
from pathlib import Path

from central_db import BACKENDS

TESTS = Path(__file__).resolve().parent

OPENS_STORE = re.compile(
    r"CentralStore\.open\(|Central\.open\(|CentralWindow\(|\bimport_paths\("
    r"""|[(\[]\s*["']central["']\s*,|["']--central["']"""
)
BOTH_BACKENDS = re.compile(r"^from central_db import .*\b(central_url|store_url)\b", re.M)

# module (relative to tests/) -> why it opens a store on SQLite only
EXEMPT = {
    "a11y/driver.py": "the helper test_accessibility_atspi and test_gui_contrast run: the "
    "lead's window as a screen reader and the contrast check see it, over an empty store "
    "whose database changes nothing they look at (the window on PostgreSQL: "
    "test_central_gui, test_gui_walk)",
    "test_gui_parts.py": "the technician's set-up wizard; the lead's store only trusts "
    "the key it sent (trusting keys on both databases: test_return_trust)",
    "test_supportlog.py": "what the support log keeps of a store's folder with planted "
    "text in its name: only a SQLite store has a folder",
}


def opens_store(source: str) -> bool:
    return bool(OPENS_STORE.search(source))


def on_both(source: str) -> bool:
    return bool(BOTH_BACKENDS.search(source))


def test_the_store_fixture_covers_both_databases():
    assert BACKENDS == ("sqlite", "postgresql")


def test_every_module_that_opens_the_store_runs_on_both_databases():
    found = {}
    for path in sorted(TESTS.rglob("*.py")):
        name = path.relative_to(TESTS).as_posix()
        if name in ("central_db.py", "test_store_backends.py"):
            continue
        source = path.read_text(encoding="utf-8")
        if opens_store(source):
            found[name] = on_both(source)
    assert len(found) > 15  # the check sees the store's tests at all
    missing = [n for n, both in found.items() if not both and n not in EXEMPT]
    assert missing == [], (
        f"{missing} open a central store on SQLite only: take it from tests/central_db.py "
        "(central_url), or list the module in EXEMPT with the reason"
    )
    stale = [n for n in EXEMPT if n not in found or found[n]]
    assert stale == [], f"{stale} are exempt but open no store or already run on both"


def test_the_check_tells_a_sqlite_only_module_from_one_on_both():
    sqlite_only = "store = CentralStore.open(f\"sqlite:///{tmp_path / 'c.sqlite3'}\")\n"
    cli = 'r = rxlog("central", "--central-dir", str(lead), "import", str(inbox))\n'
    both = "from central_db import central_url  # noqa: F401\n" + sqlite_only
    assert opens_store(sqlite_only) and not on_both(sqlite_only)
    assert opens_store(cli) and not on_both(cli)
    assert opens_store(both) and on_both(both)
    assert not opens_store('walked = {"cli", "ui", "central", "export"}\n')
