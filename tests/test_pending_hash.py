"""The hash of a month's entries (export/pending.entries_sha256) is written out cell by
cell for speed; it must stay the very text its definition gives, or a return's stored
hash would no longer match its month."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from types import SimpleNamespace

from rxlog.export.pending import ENTRY_FIELDS, entries_sha256

ODD = ["plain", "é ü 数据", 'quote " and \\ back', "tab\tnew\nline\x01", "", "\U0001f600"]


def _by_definition(rows) -> str:
    def cell(v):
        return v.isoformat() if hasattr(v, "isoformat") else v

    lines = sorted(
        json.dumps([cell(getattr(r, f)) for f in ENTRY_FIELDS], ensure_ascii=True) for r in rows
    )
    return hashlib.sha256("".join(line + "\n" for line in lines).encode("ascii")).hexdigest()


def test_the_fast_hash_is_the_defined_one_for_every_kind_of_cell():
    values = [*ODD, None, 0, -5, 2**40, True, False, 1.5, date(2026, 11, 3)]
    rows = [
        SimpleNamespace(**{f: values[(i + j) % len(values)] for j, f in enumerate(ENTRY_FIELDS)})
        for i in range(len(values) * 2)
    ]
    assert entries_sha256(rows) == _by_definition(rows)
    assert entries_sha256(rows[:-1]) != entries_sha256(rows)
