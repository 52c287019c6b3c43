"""verify_return reads the CSV with csv.reader for speed; it must judge every CSV, odd
ones included, exactly as the csv.DictReader reading it replaced (kept here as the
definition)."""

from __future__ import annotations

import csv
import io

import pytest

from rxlog.returnformat import ReturnVerificationError
from rxlog.returnformat.csvfile import unescape
from rxlog.returnformat.manifest import _check_csv, _fail

MANIFEST = {"return_id": "5012345-2026-10-abcd", "version": 2, "rows": 2,
            "totals": {"minutes": 30}}  # fmt: skip


def _by_definition(manifest, name, data):
    try:
        reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
        rows = minutes = 0
        for row in reader:
            rows += 1
            minutes += int(row["minutes"])
            if unescape(row["return_id"]) != manifest["return_id"] or int(row["version"]) != int(
                manifest["version"]
            ):
                raise _fail(
                    f"manifest mismatch: {name} row {rows} belongs to "
                    f"{row['return_id'][:40]!r} v{row['version'][:10]}, not this return"
                )
    except ReturnVerificationError:
        raise
    except (UnicodeDecodeError, csv.Error, KeyError, TypeError, ValueError, AttributeError):
        raise _fail(f"manifest mismatch: {name} is not a readable RxLog CSV") from None
    if rows != manifest["rows"]:
        raise _fail(
            f"manifest mismatch: {name} has {rows} rows, the manifest says {manifest['rows']}"
        )
    if minutes != manifest["totals"]["minutes"]:
        raise _fail(
            f"manifest mismatch: {name} minutes add up to {minutes}, "
            f"the manifest says {manifest['totals']['minutes']}"
        )


def _outcome(fn, manifest, data):
    try:
        fn(manifest, "r.csv", data)
    except ReturnVerificationError as exc:
        return exc.message
    return "ok"


H = "return_id,version,minutes,code\r\n"
R = "5012345-2026-10-abcd,2,{m},QRY-PAT\r\n"
CASES = [
    H + R.format(m=10) + R.format(m=20),  # fine
    "\ufeff" + H + R.format(m=10) + "\r\n\r\n" + R.format(m=20),  # BOM, blank lines
    H + R.format(m=10),  # too few rows
    H + R.format(m=10) + R.format(m=21),  # minutes off
    H + R.format(m=10) + "5012345-2026-10-abcd,2\r\n",  # a short row
    H + R.format(m=10) + "5012345-2026-10-abcd,2,20,QRY-PAT,extra,fields\r\n",
    H + R.format(m=10) + "other-id,2,20,QRY-PAT\r\n",  # another return's row
    H + R.format(m=10) + "'=5012345-2026-10-abcd,2,20,X\r\n",
    H + R.format(m=10) + "5012345-2026-10-abcd,3,20,X\r\n",  # another version
    H + R.format(m="ten") + R.format(m=20),
    "return_id,version,code\r\n" + "5012345-2026-10-abcd,2,X\r\n",  # no minutes column
    "return_id,version,code\r\n",  # no minutes column and no rows
    "",  # empty
    "\r\n" + H + R.format(m=10) + R.format(m=20),  # blank first line
    "minutes,return_id,version,minutes\r\n"
    + "1,5012345-2026-10-abcd,2,10\r\n"
    + "2,5012345-2026-10-abcd,2,20\r\n",  # a name twice: the last one counts
    H + '"unterminated,2,10,X\r\n',
    # What the plain (column at a time) reading must leave to the row by row one:
    (H + R.format(m=10) + R.format(m=20)).replace("\r\n", "\n"),  # LF line ends
    H + R.format(m=10) + "5012345-2026-10-abcd,2,20,QRY\rPAT\r\n",  # a lone CR
    H + R.format(m=10) + "5012345-2026-10-abcd,2,20,QRY\nPAT\r\n",  # a lone LF
    H + R.format(m=10) + "5012345-2026-10-abcd,2,20," + "X" * 140_000 + "\r\n",  # a huge cell
    H + R.format(m=10) + "5012345-2026-10-abcd,2,20,QRY\0PAT\r\n",  # a NUL
    H + R.format(m=10) + '5012345-2026-10-abcd,2,20,"QRY,PAT"\r\n',  # quoted, a comma
    H + R.format(m=10) + '"5012345-2026-10-abcd",2,20,X\r\n',  # a quoted id
    H + R.format(m=10) + "5012345-2026-10-abcd,02,20,X\r\n",  # version 02 (int() takes it)
    H + R.format(m=10) + "5012345-2026-10-abcd,2, 20,X\r\n",  # minutes " 20"
    H + R.format(m=10) + "5012345-2026-10-abcd,2,20,X",  # no line end at the end
    H + R.format(m=10) + "5012345-2026-10-abcd,2,20\r\n",  # minutes the last cell
    H + R.format(m=10) + "5012345-2026-10-abcd,2\r\n" + R.format(m=20),  # short, then fine
    "version,return_id,minutes,code\r\n"
    + "2,5012345-2026-10-abcd,10,X\r\n"
    + "2,5012345-2026-10-abcd,20,X\r\n",  # id and version in another order
    H + R.format(m=10) + "5012345-2026-10-abcd,2,20,X\r\n5012345-2026-10-abcd,2,-0,X\r\n",
]


@pytest.mark.parametrize("text", CASES, ids=range(len(CASES)))
def test_the_fast_reader_judges_as_the_dict_reader_did(text):
    data = text.encode("utf-8")
    assert _outcome(_check_csv, MANIFEST, data) == _outcome(_by_definition, MANIFEST, data)


def test_undecodable_bytes_are_unreadable_either_way():
    data = H.encode() + b"\xff\xfe,2,10,X\r\n"
    assert _outcome(_check_csv, MANIFEST, data) == _outcome(_by_definition, MANIFEST, data)
    assert "not a readable" in _outcome(_check_csv, MANIFEST, data)


def test_a_plain_csv_is_read_a_column_at_a_time_and_an_odd_one_row_by_row():
    from rxlog.returnformat.manifest import _agrees_plainly

    good = H + R.format(m=10) + R.format(m=20)
    assert _agrees_plainly(MANIFEST, good)
    assert not _agrees_plainly(MANIFEST, H + R.format(m=10) + R.format(m=21))
    assert not _agrees_plainly(MANIFEST, good.replace("QRY-PAT", '"QRY-PAT"'))
    assert _outcome(_check_csv, MANIFEST, good.encode()) == "ok"


@pytest.mark.parametrize("rid", ["5012345,2026", "'=5012345", "=5012345", "501\r\n2345"])
def test_an_odd_return_id_in_the_manifest_is_judged_row_by_row(rid):
    manifest = dict(MANIFEST, return_id=rid)
    from csv import writer

    buf = io.StringIO(newline="")
    w = writer(buf)
    w.writerow(["return_id", "version", "minutes", "code"])
    for cell in (rid, "'" + rid, rid.split(",")[0]):
        w.writerow([cell, 2, 10, "X"])
        w.writerow([cell, 2, 20, "X"])
        data = buf.getvalue().encode()
        assert _outcome(_check_csv, manifest, data) == _outcome(_by_definition, manifest, data)
        # and again with the rows written without quotes (as a hostile writer might)
        plain = data.replace(b'"', b"")
        assert _outcome(_check_csv, manifest, plain) == _outcome(_by_definition, manifest, plain)
