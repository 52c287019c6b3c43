"""The lead's import reads a return's CSV by splitting its lines when the CSV is plain
(``read_rows``); it must read every CSV, odd ones included, exactly as csv.reader does
(kept here as the definition)."""

from __future__ import annotations

import csv
import io
import random

import pytest

from rxlog.returnformat.csvfile import read_rows

PLAIN = (
    "return_id,version,entry_id, minutes ,title\r\n"
    "5012345-2026-10,1,a,10,Medicines reconciliation\r\n"
    "5012345-2026-10,1,b,20,'=SUM(1)\r\n"
    "\r\n"
    "5012345-2026-10,1,c,,\r\n"
)


def _by_definition(text: str):
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        header = [h.strip() for h in next(reader, [])]
        return header, [r for r in reader if r]
    except csv.Error as exc:
        return type(exc)


def _read(text: str):
    try:
        return read_rows(text)
    except csv.Error as exc:
        return type(exc)


ODD = [
    "",
    "\r\n" + PLAIN,  # a blank first line: no header
    PLAIN.rstrip("\r\n"),  # no line end at the end
    PLAIN.replace("Medicines reconciliation", '"Medicines, reconciliation"'),
    PLAIN.replace("Medicines reconciliation", 'Medicines "reconciliation"'),
    PLAIN.replace("\r\n", "\n"),  # LF only
    PLAIN.replace("\r\n", "\r"),  # CR only
    PLAIN.replace("b,20", "b\n,20"),  # a lone LF inside a row
    PLAIN.replace("b,20", "b\r,20"),  # a lone CR inside a row
    PLAIN.replace("b,20", "b\0,20"),  # NUL
    PLAIN + "x" * (csv.field_size_limit() + 1) + "\r\n",  # a cell over the limit
    PLAIN + "\r\n\r\n",
    "a,b\r\n" + ",\r\n" * 3,
]


@pytest.mark.parametrize("text", [PLAIN, *ODD])
def test_every_csv_is_read_as_csv_reader_reads_it(text):
    assert _read(text) == _by_definition(text)


def test_a_plain_csv_is_read_by_splitting_and_still_agrees():
    header, rows = read_rows(PLAIN)
    assert header == ["return_id", "version", "entry_id", "minutes", "title"]
    assert [r[2] for r in rows] == ["a", "b", "c"] and rows[1][4] == "'=SUM(1)"


def test_random_damage_is_read_as_csv_reader_reads_it():
    rng = random.Random(14)
    alphabet = ['"', ",", "\r", "\n", "\r\n", "\0", "'", " ", "a", "1"]
    for _ in range(2000):
        text = list(PLAIN)
        for _ in range(rng.randint(1, 4)):
            text.insert(rng.randrange(len(text) + 1), rng.choice(alphabet))
        damaged = "".join(text)
        assert _read(damaged) == _by_definition(damaged), repr(damaged)
