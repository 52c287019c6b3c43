"""Short functions (issue 17, item 4): no function in ``rxlog/`` is over 80 lines (the
limit stated in CONTRIBUTING.md), so a change to one step is read in one screen. The
report and the PDFs are built one function per section; the rest of ``rxlog/`` is
walked the same way, with the few named, dated exceptions below."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "rxlog"
LIMIT = 80
# The lead's report and its figures, and the PDF style kit both PDFs share.
CHECKED = sorted(
    [
        *(ROOT / "central").glob("report_*.py"),
        *(ROOT / "central" / name for name in ("findings.py", "status.py", "suppression.py",
                                                "costs.py")),
        ROOT / "pdf_style.py",
        ROOT / "export" / "pdf_writer.py",
    ]
)  # fmt: skip


def long_functions(path: Path, limit: int = LIMIT) -> list[tuple[str, int]]:
    """(name, lines) of every function or method in ``path`` longer than ``limit``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        (n.name, n.end_lineno - n.lineno + 1)
        for n in ast.walk(tree)
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        and n.end_lineno is not None
        and n.end_lineno - n.lineno + 1 > limit
    ]


# Named, dated exceptions, as (file, function): (its lines then, owner, what splits it).
# A function still over the limit in a file its owner is splitting at the time goes
# here, with the date; none may grow, and each goes once its file is split. Empty since
# 2026-12-01, when the last of issue 17's long functions were split.
EXCEPTIONS: dict[tuple[str, str], tuple[int, str, str]] = {}


@pytest.mark.parametrize("path", CHECKED, ids=lambda p: p.name)
def test_no_function_in_the_report_modules_is_over_80_lines(path):
    assert long_functions(path) == []


def test_no_function_in_rxlog_is_over_80_lines():
    """Every module under rxlog/ (the shells too); only the exceptions above, and
    none of them longer than it was."""
    over = {}
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        for name, lines in long_functions(path):
            allowed = EXCEPTIONS.get((rel, name), (LIMIT, "", ""))[0]
            if lines > allowed:
                over[f"{rel}::{name}"] = lines
    assert over == {}


def test_the_walk_covers_every_layer():
    walked = {p.relative_to(ROOT).parts[0] for p in ROOT.rglob("*.py")}
    assert {"cli", "ui", "central", "export", "storage", "returnformat"} <= walked


def test_the_check_sees_a_long_function(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(LIMIT))
    src = tmp_path / "long.py"
    src.write_text(f"def short():\n    return 1\n\n\ndef long():\n{body}\n", encoding="utf-8")
    assert long_functions(src) == [("long", LIMIT + 1)]


@pytest.mark.slow
def test_nhs_colours_and_hours_are_defined_once():
    """One style kit: no module but rxlog/pdf_style.py defines an NHS colour or hours()."""
    found = []
    for path in ROOT.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for n in ast.walk(tree):
            if isinstance(n, ast.FunctionDef) and n.name == "hours":
                found.append((path.name, n.name))
            if isinstance(n, ast.Assign):
                for t in n.targets:
                    if isinstance(t, ast.Name) and t.id.startswith("NHS_"):
                        found.append((path.name, t.id))
    assert found and {name for name, _ in found} == {"pdf_style.py"}
