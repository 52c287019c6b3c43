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
    # 000000006: weighted sum 6 x 2 = 12, 11 - (12 mod 11) = 10, so no check digit fits
    assert not any(nhs_number_is_valid(f"000000006{d}") for d in range(10))
    # 000000001: sum 2, check 11 - 2 = 9; and a sum of 0 gives 11, which becomes 0
    assert nhs_number_is_valid("0000000019") and nhs_number_is_valid("0000000000")
    assert find_nhs_numbers("seen 943 476 5919 and 943-476-5919 and 9434765918") == [
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
