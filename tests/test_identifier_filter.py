"""The identifier filter: every spelling of a valid NHS number is refused, ordinary data is not.

The spellings are those that stepped round the old tripwire (issue #10), then a generated
set (hypothesis) of numbers, groupings, separators, digit scripts and invisible characters.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rxlog.errors import ValidationError
from rxlog.identifiers import (
    check_outgoing,
    find_nhs_numbers,
    nhs_number_is_valid,
    scan_nhs_numbers,
)

NHS = "9434765919"  # valid Modulus 11 (domain.md)

SPELLINGS = {
    "plain": "9434765919",
    "spaces 3-3-4": "943 476 5919",
    "hyphens": "943-476-5919",
    "dots": "943.476.5919",
    "slashes": "943/476/5919",
    "underscores": "943_476_5919",
    "no-break spaces": "943\u00a0476\u00a05919",
    "thin spaces": "943\u2009476\u20095919",
    "narrow no-break spaces": "943\u202f476\u202f5919",
    "zero-width spaces": "943\u200b476\u200b5919",
    "zero-width joiners": "9\u200d4\u200d3\u200d4\u200d7\u200d6\u200d5\u200d9\u200d1\u200d9",
    "soft hyphens": "943\u00ad476\u00ad5919",
    "en dashes": "943\u2013476\u20135919",
    "em dash and minus sign": "943\u2014476\u22125919",
    "double spaces": "943  476  5919",
    "spaced dash": "943 - 476 - 5919",
    "4-3-3": "9434 765 919",
    "every digit spaced": "9 4 3 4 7 6 5 9 1 9",
    "superscript digits": "\u2079\u2074\u00b3\u2074\u2077\u2076\u2075\u2079\u00b9\u2079",
    "full-width digits": "\uff19\uff14\uff13\uff14\uff17\uff16\uff15\uff19\uff11\uff19",
    "Arabic-Indic digits": "\u0669\u0664\u0663\u0664\u0667\u0666\u0665\u0669\u0661\u0669",
    "Devanagari digits": "\u096f\u096a\u0969\u096a\u096d\u096c\u096b\u096f\u0967\u096f",
    "circled digits": "\u2468\u2463\u2462\u2463\u2466\u2465\u2464\u2468\u2460\u2468",
    "combining marks": "9\u03014\u03013\u0301 476 5919",
    "word joiner and BOM": "943\u2060476\ufeff5919",
    "in an e-mail address": "9434765919@nhs.net",
    "after a stray digit": "ref 1 943 476 5919",
    "glued to letters": "NHS9434765919x",
    "after a date": "01.11.2026 9434765919",
    "mixed scripts": "\uff19\uff14\uff13 \u0664\u0667\u0666 5919",
}


@pytest.mark.parametrize("spelling", SPELLINGS.values(), ids=SPELLINGS.keys())
def test_every_spelling_is_refused_naming_the_field_masked(spelling):
    assert find_nhs_numbers(f"Site {spelling} Surgery") == [NHS]
    with pytest.raises(ValidationError) as exc:
        check_outgoing(f"Site {spelling} Surgery", "name", "the site name")
    assert exc.value.field == "name"
    msg = exc.value.message
    assert msg.startswith("the site name holds what looks like an NHS number (")
    m = re.search(r"NHS number \((.+), characters (\d+) to (\d+)\);", msg)
    assert m, msg
    shown, start, end = m.group(1), int(m.group(2)), int(m.group(3))
    assert re.sub("[^0-9]", "", shown) == "19"  # only the last two digits are shown
    assert shown.isascii() and shown.isprintable()
    assert 6 <= start < end <= 5 + len(spelling)  # "Site " is 5 characters


def test_the_mask_keeps_the_spelling_but_hides_the_digits():
    (f,) = scan_nhs_numbers("pt 943.476.5919 seen")
    assert (f.masked(), f.start, f.end) == ("***.***.**19", 3, 15)
    (f,) = scan_nhs_numbers("943\u2013476\u20135919")
    assert f.masked() == "***~***~**19"  # the en dash is shown as ~, never raw


ORDINARY = {
    "GP practice codes": "G82001 Y01234",
    "PCN and practice": "U12345, G82001",
    "trust site": "RPA01 Medway Maritime",
    "GPhC number": "GPhC 5012345",
    "ISO date": "2026-11-20",
    "UK date": "20/11/2026",
    "date range": "03/11/2026 - 05/11/2026",
    "ISO date range": "2026-11-03 - 2026-11-05",
    "date and time": "2026-11-20 14:30",
    "times": "09:00-12:30, 14:00-17:30",
    "phone number": "01634 830000",
    "phone number undivided": "01634830000",
    "SNOMED id": "526421000000109",
    "an 11-digit number": "order 19434765919",
    "counts": "12 items, 30 minutes, 4 patients",
    "UUID": "bf0f95a1-3c2d-4e5f-a6b7-c8d9e0f1a2b3",
    "SHA-256": hashlib.sha256(b"rxlog").hexdigest(),
    "a wrong check digit": "943 476 5918",
    "check digit 10": "000 000 0060",
    "three groups by letters": "943a476b5919",
    "digits far apart": "943    476    5919",
}


@pytest.mark.parametrize("text", ORDINARY.values(), ids=ORDINARY.keys())
def test_ordinary_data_is_not_flagged(text):
    assert find_nhs_numbers(text) == []
    assert check_outgoing(text, "name", "x") == text


# --- generated ------------------------------------------------------------------------

_DIGIT_SCRIPTS = {
    "ascii": "0123456789",
    "full-width": "".join(chr(0xFF10 + i) for i in range(10)),
    "arabic-indic": "".join(chr(0x0660 + i) for i in range(10)),
    "extended arabic-indic": "".join(chr(0x06F0 + i) for i in range(10)),
    "devanagari": "".join(chr(0x0966 + i) for i in range(10)),
    "bengali": "".join(chr(0x09E6 + i) for i in range(10)),
    "mathematical bold": "".join(chr(0x1D7CE + i) for i in range(10)),
    "superscript": "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079",
}
_GROUPINGS = ((10,), (3, 3, 4), (4, 3, 3), (3, 4, 3), (2, 4, 4), (5, 5), (2,) * 5, (1,) * 10)
_SEPARATORS = " \u00a0\u2009\u202f\u3000.-_/\u2010\u2011\u2012\u2013\u2014\u2212,+*~|·"
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u034f\u180e"


@st.composite
def valid_nhs_numbers(draw):
    first9 = draw(st.lists(st.integers(0, 9), min_size=9, max_size=9))
    total = sum(d * w for d, w in zip(first9, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 10:
        first9[8] = (first9[8] + 1) % 10  # moves the sum by 2 (mod 11): never 10 again
        total = sum(d * w for d, w in zip(first9, range(10, 1, -1), strict=True))
        check = 11 - total % 11
    digits = "".join(map(str, first9)) + str(0 if check == 11 else check)
    assert nhs_number_is_valid(digits)
    return digits


@st.composite
def spellings(draw):
    digits = draw(valid_nhs_numbers())
    script = _DIGIT_SCRIPTS[draw(st.sampled_from(sorted(_DIGIT_SCRIPTS)))]
    grouping = draw(st.sampled_from(_GROUPINGS))
    out, i = [], 0
    for n, size in enumerate(grouping):
        for d in digits[i : i + size]:
            out.append(script[int(d)])
            out.append(draw(st.text(st.sampled_from(_INVISIBLE), max_size=2)))
        i += size
        if n < len(grouping) - 1:
            out.append(draw(st.text(st.sampled_from(_SEPARATORS), min_size=1, max_size=3)))
    before = draw(st.sampled_from(["", "pt ", "NHS no: ", "(", "ref 7 ", "x"]))
    after = draw(st.sampled_from(["", " seen", ")", ".", "@nhs.net", " 12 items"]))
    return digits, before + "".join(out) + after


@pytest.mark.slow
@settings(max_examples=400, deadline=None)
@given(spellings())
def test_generated_spellings_are_all_found(case):
    digits, text = case
    assert digits in find_nhs_numbers(text), repr(text)
    with pytest.raises(ValidationError):
        check_outgoing(text, "reason", "the reason")


_days = st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31))


@st.composite
def ordinary_texts(draw):
    kind = draw(st.integers(0, 7))
    if kind == 0:
        letter = draw(st.sampled_from("ABCDGHJKLMNPY"))
        return f"{letter}{draw(st.integers(0, 99999)):05d}"  # GP practice
    if kind == 1:
        pcn, gp = draw(st.integers(0, 99999)), draw(st.integers(0, 99999))
        return f"U{pcn:05d} {draw(st.sampled_from('GY'))}{gp:05d}"
    if kind == 2:
        return f"5{draw(st.integers(0, 999999)):06d}"  # GPhC
    if kind == 3:
        fmt = draw(st.sampled_from(["%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%y", "%m/%d/%Y"]))
        a, b = draw(_days), draw(_days)
        sep = draw(st.sampled_from([" - ", " to ", ", ", " / ", "  ", " \u2013 "]))
        return f"{a.strftime(fmt)}{sep}{b.strftime(fmt)}"  # a date range
    if kind == 4:
        d = draw(_days)
        return f"{d.isoformat()} {draw(st.integers(0, 23)):02d}:{draw(st.integers(0, 59)):02d}"
    if kind == 5:
        return str(draw(st.uuids()))
    if kind == 6:
        return hashlib.sha256(draw(st.binary(max_size=16))).hexdigest()
    return f"{draw(st.integers(0, 9999))} items in {draw(st.integers(0, 600))} minutes"


@settings(max_examples=400, deadline=None)
@given(ordinary_texts())
def test_generated_ordinary_data_is_never_flagged(text):
    assert find_nhs_numbers(text) == [], repr(text)


def test_entry_ids_and_hashes_are_left_alone():
    for i in range(2000):
        u = str(uuid.uuid5(uuid.NAMESPACE_URL, f"rxlog/{i}"))
        assert find_nhs_numbers(u) == [] and find_nhs_numbers(u.upper()) == []
        h = hashlib.sha256(u.encode()).hexdigest()
        assert find_nhs_numbers(h) == [], h


@pytest.mark.slow
def test_every_input_that_leaves_the_pc_refuses_one_cli(cli):
    assert cli("setup", "--name", "Alex Morgan", "--gphc", "5012345").code == 0
    attempts = {
        "name": ("setup", "--name", "Alex 943.476.5919", "--gphc", "5012345"),
        "lead-email": ("config", "set", "lead-email", "943_476_5919@nhs.net"),
        "phase": ("phase", "add", "9434765919", "--from", "2026-09-01"),
        "site": ("placement", "add", "G82001", "--name", "Surgery 9434\u2009765 919",
                 "--sector", "primary", "--from", "2026-09-01"),
    }  # fmt: skip
    for what, args in attempts.items():
        res = cli(*args)
        assert res.code == 2, (what, res)
        assert "NHS number" in res.err and "*19," in res.err and "943" not in res.err, res.err
    listed = cli("phase", "list").out + cli("placement", "list").out + cli("config", "get").out
    assert "765" not in listed and "lead-email = (not set)" in listed
