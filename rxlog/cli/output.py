"""Printing tables, CSV and JSON for the CLI."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO


def print_json(value: Any, out: TextIO | None = None) -> None:
    # One write of the whole text: json.dump writes each small piece on its own.
    text = json.dumps(value, indent=2, ensure_ascii=False, default=str)
    (out or sys.stdout).write(text + "\n")


def print_csv(
    rows: Sequence[dict[str, Any]], columns: Sequence[str], out: TextIO | None = None
) -> None:
    writer = csv.DictWriter(
        out or sys.stdout, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n"
    )
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row.get(k) is None else row.get(k) for k in columns})


def print_table(
    rows: Sequence[Sequence[Any]], headers: Sequence[str], out: TextIO | None = None
) -> None:
    """A plain-text table; every cell is made plain (no escape codes, bidi overrides or
    line breaks from stored text reach the terminal)."""
    from rxlog.text import plain

    out = out or sys.stdout
    cells = [[plain(v) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, v in enumerate(row):
            widths[i] = min(max(widths[i], len(v)), 60)
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    out.write(line.rstrip() + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for row in cells:
        parts = [
            (v if len(v) <= w else v[: w - 1] + "…").ljust(w)
            for v, w in zip(row, widths, strict=True)
        ]
        out.write("  ".join(parts).rstrip() + "\n")


def warn(message: str) -> None:
    from rxlog.text import plain

    print(f"rxlog: warning: {plain(message)}", file=sys.stderr)
