"""Formats of the identifiers RxLog stores or must keep out of a return.

Sources (see ../shared/domain.md): GP practice codes are one letter and five digits
(ppa.org.uk), PCN codes ``U`` and five digits (NHS Digital ODS), NHS trust codes three
characters starting ``R`` and trust sites the trust code plus two characters; a
pharmacy technician's GPhC number is seven digits starting with 5 (NHS Data
Dictionary); an NHS number is ten digits with a Modulus 11 check digit.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from rxlog.errors import ValidationError


class SiteKind(StrEnum):
    GP_PRACTICE = "gp_practice"
    PCN = "pcn"
    TRUST = "trust"
    TRUST_SITE = "trust_site"


SITE_KIND_LABELS = {
    SiteKind.GP_PRACTICE: "GP practice",
    SiteKind.PCN: "Primary Care Network",
    SiteKind.TRUST: "NHS trust",
    SiteKind.TRUST_SITE: "NHS trust site",
}

# [0-9], not \d: \d also matches other scripts' digits (e.g. "G８２００２"), which would
# then be stored and printed as a different site or GPhC number.
_PCN = re.compile(r"U[0-9]{5}")
_GP = re.compile(r"[A-Z][0-9]{5}")
_TRUST = re.compile(r"R[A-Z0-9]{2}")
_TRUST_SITE = re.compile(r"R[A-Z0-9]{4}")
_GPHC = re.compile(r"5[0-9]{6}")


def ods_kind(code: str) -> SiteKind:
    """Return the kind of site an ODS code names, or raise ``ValidationError``."""
    c = code.strip().upper()
    if _PCN.fullmatch(c):
        return SiteKind.PCN
    if _GP.fullmatch(c):
        return SiteKind.GP_PRACTICE
    if _TRUST.fullmatch(c):
        return SiteKind.TRUST
    if _TRUST_SITE.fullmatch(c):
        return SiteKind.TRUST_SITE
    raise ValidationError(
        f"{code!r} is not an ODS site code: expected a GP practice (letter + 5 digits, "
        "e.g. G82001), a PCN (U + 5 digits), an NHS trust (3 characters starting R, "
        "e.g. RPA) or a trust site (trust code + 2 characters, e.g. RPA01)",
        field="ods",
    )


def normalise_ods(code: str) -> str:
    ods_kind(code)
    return code.strip().upper()


def validate_gphc(number: str) -> str:
    n = number.strip()
    if not _GPHC.fullmatch(n):
        raise ValidationError(
            f"{number!r} is not a pharmacy technician's GPhC number: it has 7 digits "
            "and starts with 5 (e.g. 5012345)",
            field="gphc",
        )
    return n


def nhs_number_is_valid(digits: str) -> bool:
    """Modulus 11 check of a 10-digit NHS number (weights 10..2; 11 -> 0; 10 invalid)."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - (total % 11)
    if check == 11:
        check = 0
    if check == 10:
        return False
    return check == int(digits[9])


# --- The identifier filter ---------------------------------------------------------
#
# Every text that leaves the PC (return files, file names, PDF metadata, the signing
# certificate, the e-mail draft) goes through :func:`check_outgoing`. It looks for an NHS
# number however it is spelled:
#
# 1. each character is normalised (NFKC, so full-width, superscript and circled digits,
#    no-break and thin spaces become plain ones); every Unicode decimal digit (Arabic-Indic,
#    Devanagari, ...) becomes 0-9; format characters and combining marks (zero-width space
#    and joiner, soft hyphen, bidi marks, variation selectors) are dropped;
# 2. digits are grouped; groups separated by at most MAX_GAP characters that are neither
#    letters nor digits (spaces, dots, slashes, underscores, dashes of any kind) form one
#    number. A letter ends a number: ODS codes (G82001 U12345), UUIDs and hashes are letters
#    and digits, an NHS number is written with digits and separators;
# 3. a number made of nothing but dates (2026-11-20, 20/11/2026, 20.11.26) and times
#    (14:30) is left alone, so a date range ("03/11/2026 - 05/11/2026") is not read as
#    one long number; a date joined to other digits ("01.11.2026 12") is read as digits;
# 4. UUIDs and hex digests of 32+ characters are ids and are left alone;
# 5. any run of whole consecutive groups holding exactly 10 digits that passes Modulus 11
#    is refused ("943 476 5919", "1 943 476 5919", "9434 765 919"). A single group of more
#    than 10 digits (a phone number 01634830000, a SNOMED id 526421000000109) is a longer
#    number, not an NHS number, and is left alone.

MAX_GAP = 3
_DROPPED_CATEGORIES = frozenset({"Cf", "Mn", "Me"})
_DATE_SEPARATORS = "-/."


# UUIDs and hex digests (entry ids, fingerprints, hashes) are ids, not numbers anyone
# writes an NHS number as; their digits would otherwise join across the hyphens.
_HEX_ID = re.compile(
    r"(?<![0-9A-Za-z])(?:[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}"
    r"|(?=[0-9]*[a-fA-F])[0-9a-fA-F]{32,})(?![0-9A-Za-z])"
)


def _is_date(parts: list[str], seps: list[str]) -> bool:
    """Three digit groups joined by one repeated - / or . that read as a date."""
    if len(seps) != 2 or seps[0] != seps[1] or seps[0] not in _DATE_SEPARATORS:
        return False
    a, b, c = parts
    if len(a) == 4:  # 2026-11-20
        y, m, d = a, b, c
    elif len(a) <= 2 and len(c) in (2, 4):  # 20/11/2026, 20.11.26, 11/20/2026
        d, m, y = a, b, c
        if len(m) <= 2 and len(d) <= 2 and int(m) > 12 >= int(d):
            d, m = m, d
    else:
        return False
    if len(y) == 4 and not 1900 <= int(y) <= 2099:
        return False
    return len(m) <= 2 and len(d) <= 2 and 1 <= int(m) <= 12 and 1 <= int(d) <= 31


def _is_time(parts: list[str], seps: list[str]) -> bool:
    """Two or three digit groups joined by ``:`` that read as a time (14:30, 09:15:00)."""
    if not seps or any(s != ":" for s in seps) or len(parts) > 3:
        return False
    if not (1 <= len(parts[0]) <= 2 and int(parts[0]) <= 23):
        return False
    return all(len(p) == 2 and int(p) <= 59 for p in parts[1:])


def _normalised(text: str) -> tuple[str, list[int]]:
    """``text`` normalised for the scan, and for each character its index in ``text``."""
    chars: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKC", ch):
            if unicodedata.category(c) in _DROPPED_CATEGORIES:
                continue
            d = unicodedata.decimal(c, None)
            chars.append(str(d) if d is not None else c)
            where.append(i)
    return "".join(chars), where


@dataclass(frozen=True)
class NhsNumberFound:
    """A valid NHS number found in a text: its digits and where (indices into the text)."""

    digits: str
    start: int
    end: int  # exclusive
    shown: str  # the normalised span, digits masked but the last two

    def masked(self) -> str:
        return self.shown


def _mask(span: str) -> str:
    positions = [i for i, c in enumerate(span) if c.isdigit()]
    keep = set(positions[-2:])
    out = []
    for i, c in enumerate(span):
        if c.isdigit():
            out.append(c if i in keep else "*")
        elif c.isascii() and c.isprintable():
            out.append(c)
        else:
            out.append("~")  # a dash or space of another kind, shown plainly
    return "".join(out)


def _runs(norm: str) -> list[list[tuple[int, int]]]:
    """Digit groups ``(start, end)`` of ``norm``, in runs joined by small gaps."""
    runs: list[list[tuple[int, int]]] = []
    for m in re.finditer("[0-9]+", norm):
        if runs:
            gap = norm[runs[-1][-1][1] : m.start()]
            if len(gap) <= MAX_GAP and not any(c.isalnum() for c in gap):
                runs[-1].append(m.span())
                continue
        runs.append([m.span()])
    return runs


def _only_dates_and_times(norm: str, run: list[tuple[int, int]]) -> bool:
    """Whether a run is nothing but dates and times ("03/11/2026 - 05/11/2026 14:30").
    A date joined to any other digits is read as digits: "01.11.2026 12" is a number."""
    i = 0
    while i < len(run):
        for size, test in ((3, _is_date), (3, _is_time), (2, _is_time)):
            part = run[i : i + size]
            if len(part) == size:
                digits = [norm[a:b] for a, b in part]
                seps = [norm[part[k][1] : part[k + 1][0]] for k in range(size - 1)]
                if test(digits, seps):
                    i += size
                    break
        else:
            return False
    return True


def scan_nhs_numbers(text: str) -> list[NhsNumberFound]:
    """Every valid NHS number in ``text``, however spelled (see the rules above)."""
    if not text:
        return []
    norm, where = _normalised(text)
    norm = _HEX_ID.sub(lambda m: "x" * len(m.group(0)), norm)  # same length: `where` holds
    found: list[NhsNumberFound] = []
    for run in _runs(norm):
        if _only_dates_and_times(norm, run):
            continue
        for i in range(len(run)):
            digits = ""
            for j in range(i, len(run)):
                digits += norm[run[j][0] : run[j][1]]
                if len(digits) >= 10:
                    break
            if len(digits) == 10 and nhs_number_is_valid(digits):
                a, b = run[i][0], run[j][1]
                found.append(NhsNumberFound(digits, where[a], where[b - 1] + 1, _mask(norm[a:b])))
    return found


def find_nhs_numbers(text: str) -> list[str]:
    """The valid NHS numbers written anywhere in ``text`` (as 10 plain digits)."""
    return [f.digits for f in scan_nhs_numbers(text)]


# Bidirectional overrides and isolates reorder what a reader sees ("Trojan Source").
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def check_return_text(text: str, field: str, what: str) -> None:
    """Refuse one-line text printed in a return (a name, a reopen reason) that holds
    control characters (tabs, line breaks, escape codes, bidi overrides) or an NHS number."""
    for ch in text:
        if unicodedata.category(ch) == "Cc" or ch in _BIDI_CONTROLS:
            raise ValidationError(
                f"{what} holds a control character ({ch!r}, U+{ord(ch):04X}); "
                "type it on one line, with letters, digits and punctuation only",
                field=field,
            )
    check_outgoing(text, field, what)


def refuse_nhs_numbers(text: str, field: str, what: str) -> None:
    """Refuse text that goes into a return (sent off this PC) if it holds an NHS number."""
    check_outgoing(text, field, what)


def check_outgoing(text: str | None, field: str, what: str) -> str:
    """THE identifier filter: ``text`` as it is if it may leave the PC, else a
    ``ValidationError`` naming ``field`` and showing the NHS number masked."""
    found = scan_nhs_numbers(text or "")
    if found:
        f = found[0]
        raise ValidationError(
            f"{what} holds what looks like an NHS number ({f.masked()}, characters "
            f"{f.start + 1} to {f.end}); it goes into the monthly return sent to the project "
            "lead, so leave patient identifiers out",
            field=field,
        )
    return text or ""


@dataclass(frozen=True)
class OutgoingText:
    """One text a return carries off the PC, as declared by the return's builder.

    ``source`` says where it comes from (``"table.column"``, ``"setting:key"``,
    ``"certificate:CN"``), so a test can plant an NHS number there.
    """

    field: str
    what: str
    text: str | None
    source: str


def check_outgoing_texts(texts: Iterable[OutgoingText]) -> None:
    """Run every declared outgoing text through :func:`check_outgoing`."""
    for t in texts:
        check_outgoing(t.text, t.field, t.what)


# SNOMED CT identifiers: 6-18 digits, no leading zero, and a partition identifier in the
# 2nd and 3rd digits from the right that marks a concept ("00" short form, "10" long form,
# i.e. an extension's namespace). The Verhoeff check digit is deliberately not checked:
# 7 of the 21 ids we tried from the public NHS code list that domain.md cites
# (opensafely/medication-reviews), 526421000000109 among them, fail it, and refusing
# ids published in NHS code lists would be worse than accepting a mistyped one.
def snomed_concept_id_problem(sctid: str) -> str | None:
    """Why ``sctid`` is not a well-formed SNOMED CT concept id, or ``None`` if it is."""
    if not re.fullmatch(r"[1-9]\d{5,17}", sctid):
        return "a SNOMED CT id has 6 to 18 digits and no leading zero"
    if sctid[-3:-1] not in ("00", "10"):
        return "its partition digits (2nd and 3rd from the right) do not mark a concept"
    return None
