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


# Ten digits, optionally grouped 3-3-4 with spaces or hyphens, not part of a longer number.
_NHS_CANDIDATE = re.compile(r"(?<!\d)(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?!\d)")


def find_nhs_numbers(text: str) -> list[str]:
    """The valid NHS numbers written anywhere in ``text`` (as 10 plain digits)."""
    found = []
    for m in _NHS_CANDIDATE.finditer(text or ""):
        digits = "".join(m.groups())
        if nhs_number_is_valid(digits):
            found.append(digits)
    return found


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
    refuse_nhs_numbers(text, field, what)


def refuse_nhs_numbers(text: str, field: str, what: str) -> None:
    """Refuse text that goes into a return (sent off this PC) if it holds an NHS number."""
    if find_nhs_numbers(text):
        raise ValidationError(
            f"{what} holds what looks like an NHS number; it goes into the monthly return "
            "sent to the project lead, so leave patient identifiers out",
            field=field,
        )


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
