"""Short functions (issue 17, items 2 and 4) in the entry checks, both write paths, the
CLI's command modules, the sign-off and the return format's readers: none over 80 lines
(entries.validate was 186, check_rows 142, export_month 123, the register functions
135/102/86)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_function_length import LIMIT, long_functions

ROOT = Path(__file__).resolve().parent.parent / "rxlog"
CHECKED = sorted(
    [
        *(ROOT / "cli").glob("*.py"),
        ROOT / "entries.py",
        ROOT / "entry_rules.py",
        ROOT / "audit_chain.py",
        ROOT / "storage" / "direct.py",
        ROOT / "export" / "signoff.py",
        ROOT / "export" / "pending.py",
        *(ROOT / "returnformat").glob("*.py"),
    ]
)


@pytest.mark.parametrize("path", CHECKED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_function_here_is_over_80_lines(path):
    assert long_functions(path, LIMIT) == []
