"""The app says what to click, never a command: every core message that names an
``rxlog`` command has its GUI wording (the CLI keeps the command)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from rxlog.ui.plain_words import for_gui, names_a_command

ROOT = Path(__file__).resolve().parent.parent / "rxlog"
NOT_ON_SCREEN = {"pdf_writer.py", "report_pdf.py"}  # printed in PDFs, read beside the CLI
SHOWN_IN_THE_APP = [
    p
    for p in ROOT.rglob("*.py")
    if not {"cli", "ui", "migrations"} & set(p.relative_to(ROOT).parts)
    and p.name not in NOT_ON_SCREEN
]


def _messages(path: Path) -> list[str]:
    """The string constants and f-strings in a module (docstrings left out), with each
    f-string's fields filled in the way a message would be."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {
        id(n.body[0].value)
        for n in ast.walk(tree)
        if isinstance(n, ast.Module | ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef)
        and n.body
        and isinstance(n.body[0], ast.Expr)
        and isinstance(n.body[0].value, ast.Constant)
    }
    out = []
    inner = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.JoinedStr):
            parts = []
            for v in n.values:
                inner.add(id(v))
                parts.append(v.value if isinstance(v, ast.Constant) else "2026-10")
            out.append("".join(str(p) for p in parts))
    for n in ast.walk(tree):
        if (
            isinstance(n, ast.Constant)
            and isinstance(n.value, str)
            and id(n) not in docs
            and id(n) not in inner
        ):
            out.append(n.value)
    return out


def _adjacent_joined(path: Path) -> list[str]:
    """Messages split over lines ("a " "b") are one constant to ast already; f-string
    pieces next to plain ones are joined by the parser too."""
    return _messages(path)


CASES = sorted(
    {
        (str(p.relative_to(ROOT)), m)
        for p in SHOWN_IN_THE_APP
        for m in _adjacent_joined(p)
        if names_a_command(m) and " " in m.strip() and not m.startswith("rxlog ")
    }
)


def test_the_core_has_messages_that_name_commands():
    assert len(CASES) >= 8  # the check below looks at something


@pytest.mark.parametrize(("module", "message"), CASES)
def test_every_message_naming_a_command_has_gui_words(module, message):
    shown = for_gui(message)
    assert not names_a_command(shown), f"{module}: {shown!r}"


def test_gui_words_for_the_three_the_issue_names():
    assert "Setup ▸ Placements" in for_gui(
        "no placement covers 2026-08-03; add it to the rotation calendar first "
        "(rxlog placement add)"
    )
    reopen = for_gui(
        "2026-10 is signed off (return v1) and its entries are locked; to change it, "
        'reopen it: rxlog month reopen 2026-10 --reason "..."'
    )
    assert "Month ▸ Month sign-off" in reopen and "--reason" not in reopen
    lead = for_gui("no lead e-mail address is set (rxlog config set lead-email ADDRESS)")
    assert "Lead's e-mail" in lead and "rxlog" not in lead
    assert for_gui("on 2026-11-30").endswith("Mon 30 Nov 2026")  # one date style
    assert for_gui("2 interventions: 05 Oct INT-OMIT (454c4b00, no grades), 2026-10-06 INT-DISC "
                   "(12ab34cd)") == (
        "2 interventions: 5 Oct INT-OMIT (no grades), Tue 6 Oct 2026 INT-DISC"
    )  # fmt: skip


def test_days_are_written_without_a_leading_zero():
    assert (
        for_gui("2 working days: Tue 06 Oct, Fri 30 Oct") == "2 working days: Tue 6 Oct, Fri 30 Oct"
    )
    assert for_gui("started 01 Nov 09:05") == "Started 1 Nov 09:05"
