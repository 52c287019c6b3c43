import pytest

from rxlog.errors import ValidationError
from rxlog.identifiers import (
    SiteKind,
    find_nhs_numbers,
    nhs_number_is_valid,
    ods_kind,
    snomed_concept_id_problem,
    validate_gphc,
)


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("G82001", SiteKind.GP_PRACTICE),
        ("y01234", SiteKind.GP_PRACTICE),
        ("U12345", SiteKind.PCN),
        ("RPA", SiteKind.TRUST),
        ("RPA01", SiteKind.TRUST_SITE),
    ],
)
def test_ods_kinds(code, kind):
    assert ods_kind(code) is kind


@pytest.mark.parametrize("code", ["", "G8200", "G820011", "12345A", "XPA", "RP", "RPA0", "U1234"])
def test_malformed_ods_is_refused_naming_the_formats(code):
    with pytest.raises(ValidationError) as exc:
        ods_kind(code)
    assert exc.value.field == "ods"
    assert "GP practice" in exc.value.message


def test_gphc_number():
    assert validate_gphc(" 5012345 ") == "5012345"
    for bad in ("4012345", "501234", "50123456", "5O12345"):
        with pytest.raises(ValidationError):
            validate_gphc(bad)


def test_nhs_number_modulus_11():
    assert nhs_number_is_valid("9434765919")  # the example in domain.md
    assert not nhs_number_is_valid("9434765918")  # wrong check digit
    # digits whose check would be 10 are never valid NHS numbers
    assert (
        not nhs_number_is_valid("0000000060")
        or sum(int(d) * w for d, w in zip("000000006", range(10, 1, -1), strict=True)) % 11 != 1
    )
    assert find_nhs_numbers("seen 943 476 5919, 943-476-5919 and 9434765918") == [
        "9434765919",
        "9434765919",
    ]
    assert find_nhs_numbers("order 19434765919 is not one") == []


def test_snomed_format():
    assert snomed_concept_id_problem("526421000000109") is None
    assert snomed_concept_id_problem("415693003") is None
    assert "leading zero" in snomed_concept_id_problem("0415693003")
    assert "6 to 18 digits" in snomed_concept_id_problem("12345")
    assert "partition" in snomed_concept_id_problem("415693023")
