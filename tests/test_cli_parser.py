"""The parser built for one command (rxlog.cli.SOLO_COMMANDS) is that command's part of
the full parser: the same options, defaults, help and errors."""

from __future__ import annotations

import argparse
import contextlib
import io

import pytest

from rxlog.cli import SOLO_COMMANDS, build_parser, named_command


def _sub(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return action.choices[name]


def _run(parser: argparse.ArgumentParser, argv: list[str]) -> tuple[object, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            result: object = vars(parser.parse_args(argv))
        except SystemExit as exc:
            result = exc.code
    return result, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("name", sorted(SOLO_COMMANDS))
def test_a_solo_parser_is_the_full_parsers_part(name):
    full, solo = build_parser(), build_parser(only=name)
    assert _sub(solo, name).format_help() == _sub(full, name).format_help()
    for argv in (
        [name, "--help"],
        [name],
        [name, "QRY-PAT", "--minutes", "5", "--note", "x"],
        [name, "--month", "2026-11", "--format", "json"],
        [name, "--bogus"],
        ["--data-dir", "/tmp/x", name, "--code", "QRY-PAT"],
    ):
        a, b = _run(full, argv), _run(solo, argv)
        if isinstance(a[0], dict):
            assert isinstance(b[0], dict)
            assert {k: v for k, v in a[0].items() if k != "handler"} == {
                k: v for k, v in b[0].items() if k != "handler"
            }
            assert a[0]["handler"] is b[0]["handler"]
        else:
            assert a == b, argv


@pytest.mark.parametrize(
    ("argv", "want"),
    [
        (["log", "QRY-PAT"], "log"),
        (["--data-dir", "d", "list"], "list"),
        (["--data-dir=d", "log"], "log"),
        (["--data-dir", "log", "list"], "list"),  # "log" is the folder's name here
        (["export", "2026-11"], None),
        (["--data", "d", "log"], None),  # an abbreviation: left to the full parser
        (["--help"], None),
        (["-h", "log"], None),
        ([], None),
    ],
)
def test_the_named_command_is_found_only_when_unambiguous(argv, want):
    assert named_command(argv) == want
