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
    # as many CRs and LFs as line ends, but one of each alone (the counts alone agree)
    H + R.format(m=10) + "5012345-2026-10-abcd,2,20,A\rB\nC\r\n",
    H.replace(",code", ",co\rde") + R.format(m=10) + "5012345-2026-10-abcd,2,20,A\nB\r\n",
    # a cell longer than half the cell limit but within it: read row by row, and fine
    H + R.format(m=10) + "5012345-2026-10-abcd,2,20," + "X" * 70_000 + "\r\n",
    H + "5012345-2026-10-abcd,2,20," + "X" * 131_071 + "\r\n" + R.format(m=10),  # at the limit
    H + R.format(m=10) + "5012345-2026-10-abcd,2,20,X\r",  # no LF at the very end
    H.replace("\r\n", "\r\n\r\n5012345-2026-10-abcd,2,"),  # the id where a row starts
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
    # Longer than the csv module's cell limit in all, each line short: still plain.
    many = H + R.format(m=10) * 5000
    assert len(many) > 131_072
    assert _agrees_plainly({**MANIFEST, "rows": 5000, "totals": {"minutes": 50_000}}, many)


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


# What the split at each row's start and the one expression for the minutes cells must
# leave to the row by row reading (or judge as it does).
SPLIT_CASES = [
    H + R.format(m=10) + R.format(m=20) + "\r\n",  # a blank line at the end
    H + "\r\n" + R.format(m=10) + R.format(m=20),  # a blank line after the header
    H + R.format(m=10) + "5012345-2026-10-abcd,2\r\n" + R.format(m=20),  # short, then fine
    H + "5012345-2026-10-abcd,2\r\n" + R.format(m=10) + R.format(m=20),  # short first
    H + R.format(m=10) + R.format(m=20) + "5012345-2026-10-abcd,2",  # short, no line end
    H + R.format(m=10) + "5012345-2026-10-abcd,2,,X\r\n",  # minutes empty
    H + R.format(m=10) + "5012345-2026-10-abcd,2,2\r0,X\r\n",  # a CR in the minutes
    H + R.format(m=10) + "5012345-2026-10-abcd,2,20\r\n",  # minutes the last cell here
    "return_id,version,code,minutes\r\n"
    + "5012345-2026-10-abcd,2,X,10\r\n"
    + "5012345-2026-10-abcd,2,X,20\r\n",  # minutes the last column
    "return_id,version,code,minutes\r\n"
    + "5012345-2026-10-abcd,2,X,10\r\n"
    + "5012345-2026-10-abcd,2,X\r\n",  # minutes the last column, a short row
    H + R.format(m=10) + "5012345-2026-10-abcd,2,5012345-2026-10-abcd,2,20,X\r\n",
    H + R.format(m=10) + "5012345-2026-10-abcd,20,20,X\r\n",  # version 20, not 2
    H + R.format(m=10) + "5012345-2026-10-abcd-x,2,20,X\r\n",  # an id that starts the same
    H.replace("\r\n", "\n") + R.format(m=10) + R.format(m=20),  # the header ends in LF
    "return_id,version,minutes\rcode\r\n" + R.format(m=10) + R.format(m=20),  # CR in header
    H + R.format(m=10) + R.format(m="+20"),  # int() takes +20
    H + R.format(m=10) + R.format(m="2_0"),  # and 2_0
    H + R.format(m=10) + R.format(m="\u0662\u0660"),  # and Arabic-Indic digits
    H + R.format(m=10) + R.format(m="20 "),
    "return_id,version,minutes,code," + "X" * 140_000 + "\r\n" + R.format(m=10) + R.format(m=20),
    H + R.format(m=10) + R.format(m=20) + "\r\n" + R.format(m=0),  # blank, then a row
    "x,version,return_id,minutes\r\n"
    + "5012345-2026-10-abcd,2,other,10\r\n"
    + "5012345-2026-10-abcd,2,other,20\r\n",  # the id in the third column
    H + R.format(m=10) + "5012345-2026-10-abcd,2,20,Q\rX",  # a lone CR near the end
    H + R.format(m=10) + "5012345-2026-10-abcd,2,20,Q\nX",  # a lone LF near the end
]


@pytest.mark.parametrize("text", SPLIT_CASES, ids=range(len(SPLIT_CASES)))
def test_the_split_reading_judges_as_the_dict_reader(text):
    data = text.encode("utf-8")
    assert _outcome(_check_csv, MANIFEST, data) == _outcome(_by_definition, MANIFEST, data)


def test_a_short_row_is_not_read_as_part_of_the_next():
    """The minutes expression, run past a short row's end, takes a cell of the next row:
    the count of cells found gives it away even when the figures would add up."""
    row = "5012345-2026-10-abcd,2,X,{m}\r\n"
    text = "return_id,version,code,minutes\r\n" + row.format(m=10)
    text += "5012345-2026-10-abcd,2,X\r\n" + row.format(m=20)  # the middle row is short
    manifest = dict(MANIFEST, rows=3, totals={"minutes": 12})  # 10 + the next row's "2"
    data = text.encode()
    assert _outcome(_by_definition, manifest, data) == (
        "manifest mismatch: r.csv is not a readable RxLog CSV"
    )
    assert _outcome(_check_csv, manifest, data) == _outcome(_by_definition, manifest, data)


def test_minutes_far_along_a_wide_header_is_read_row_by_row_with_the_same_verdict():
    from rxlog.returnformat import manifest

    pad = ",".join(f"c{i}" for i in range(manifest._MINUTES_AT_MOST + 5))
    text = f"return_id,version,{pad},minutes\r\n"
    for m in (10, 20):
        text += "5012345-2026-10-abcd,2," + "," * (manifest._MINUTES_AT_MOST + 4) + f",{m}\r\n"
    assert not manifest._agrees_plainly(MANIFEST, text)
    assert max(manifest._MINUTES_AT, default=0) <= manifest._MINUTES_AT_MOST
    data = text.encode()
    assert _outcome(_check_csv, MANIFEST, data) == _outcome(_by_definition, MANIFEST, data) == "ok"


def _return_csv(rows: int) -> str:
    """A CSV of RxLog's own columns (minutes the 15th), as the export writes it."""
    from rxlog.returnformat.csvfile import CSV_COLUMNS

    lines = [",".join(CSV_COLUMNS)]
    for i in range(rows):
        cells = dict.fromkeys(CSV_COLUMNS, "")
        cells |= {"return_id": MANIFEST["return_id"], "version": "2", "minutes": str(i % 17 + 1),
                  "entry_id": f"{i:08x}-0a71-4016-837d-a312dce6fb6c", "site": "G82001",
                  "site_name": "Bench Surgery", "date": "2026-10-01", "code": "QRY-PAT",
                  "title": "Patient query", "taxonomy_version": "2026.1"}  # fmt: skip
        lines.append(",".join(cells[c] for c in CSV_COLUMNS))
    return "\ufeff" + "\r\n".join(lines) + "\r\n"


_DAMAGE = [",", "\r", "\n", "\r\n", '"', "\0", "'", "-", "1", "x", " ", "\u0662", ""]


def test_damaged_return_csvs_are_judged_as_the_dict_reader_judges_them():
    """Seeded damage to a CSV of RxLog's columns: the verdict is the definition's, and
    the plain reading says yes only where the definition does."""
    import random

    from rxlog.returnformat.manifest import _agrees_plainly

    text = _return_csv(40)
    manifest = dict(MANIFEST, rows=40, totals={"minutes": sum(i % 17 + 1 for i in range(40))})
    assert _agrees_plainly(manifest, text.lstrip("\ufeff"))
    rnd = random.Random(141201)
    plain_yes = 0
    for _ in range(600):
        damaged = text
        for _ in range(rnd.randint(1, 3)):
            at = rnd.randrange(1, len(damaged))
            cut = rnd.choice((0, 1, 1, 2))
            damaged = damaged[:at] + rnd.choice(_DAMAGE) + damaged[at + cut :]
        if rnd.random() < 0.3:  # and a manifest whose figures moved with it
            minutes = manifest["totals"]["minutes"] + rnd.choice((-1, 0, 1))
            manifest2 = dict(manifest, rows=rnd.choice((39, 40, 41)), totals={"minutes": minutes})
        else:
            manifest2 = manifest
        data = damaged.encode("utf-8", "surrogatepass")
        want = _outcome(_by_definition, manifest2, data)
        assert _outcome(_check_csv, manifest2, data) == want, damaged
        if _agrees_plainly(manifest2, damaged.lstrip("\ufeff")):
            plain_yes += 1
            assert want == "ok", damaged
    assert plain_yes > 0  # some damage leaves it plain (a letter in a title)
