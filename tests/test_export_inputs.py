"""Malformed input never crashes the readers; unit-cost tables must cite their sources."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rxlog.errors import TaxonomyError
from rxlog.export.unit_costs import load_unit_costs
from rxlog.returnformat import ReturnVerificationError
from rxlog.returnformat.csvfile import neutralise
from rxlog.returnformat.manifest import verify_return_bytes

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=20,
)
manifest_like = st.fixed_dictionaries(
    {},
    optional={
        "manifest": st.dictionaries(
            st.sampled_from(["format", "return_id", "version", "month", "technician", "files",
                             "rows", "totals", "sites"]),
            json_values,
        ),
        "signature": st.dictionaries(
            st.sampled_from(["alg", "public_key", "key_fingerprint", "value"]),
            json_values | st.just("Ed25519") | st.just("A" * 43 + "="),
        ),
    },
)  # fmt: skip


@pytest.mark.slow
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(doc=manifest_like, files=st.dictionaries(st.text(max_size=10), st.binary(max_size=20)))
def test_any_json_manifest_is_refused_with_a_message(doc, files):
    data = json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False).encode() + b"\n"
    with pytest.raises(ReturnVerificationError) as err:
        verify_return_bytes(data, files)
    assert err.value.message


@settings(max_examples=200)
@given(data=st.binary(max_size=200))
def test_any_bytes_are_refused_with_a_message(data):
    with pytest.raises(ReturnVerificationError):
        verify_return_bytes(data, {})


@pytest.mark.parametrize(
    ("text", "expected"),
    [("=1+1", "'=1+1"), ("+44", "'+44"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
     ("\tx", "'\tx"), ("\rx", "'\rx"), ("\nx", "'\nx"), ("Surgery", "Surgery"), (None, ""),
     (-5, "-5")],
)  # fmt: skip
def test_neutralise(text, expected):
    assert neutralise(text) == expected


def test_shipped_unit_costs_cite_their_sources():
    """Table 2026.1, the PSSRU 2015 figure (2026.2, the default: tests/test_unit_costs.py)."""
    uc = load_unit_costs("2026.1")
    assert uc.basis is not None
    assert uc.basis.cost_gbp == Decimal("33") and uc.basis.minutes == Decimal("11.7")
    assert all("PSSRU" in f.source and f.year in (2013, 2015) for f in uc.figures)
    assert uc.cost_of_minutes(117, "primary") == Decimal("330.00")
    assert uc.cost_of_minutes(None, "primary") is None
    assert all(f.source and (f.year or f.price_year) for f in load_unit_costs().figures)


def test_a_figure_without_a_source_is_refused(tmp_path):
    (tmp_path / "unit-costs-9.toml").write_text(
        'version = "9"\n[basis]\nreleased_minutes = "x"\n'
        '[[figure]]\nkey = "x"\ntitle = "t"\ncost_gbp = "10"\nminutes = "5"\nyear = 2020\n'
    )
    with pytest.raises(TaxonomyError, match="no source"):
        load_unit_costs("9", tmp_path)
    with pytest.raises(TaxonomyError, match="no unit-cost table version"):
        load_unit_costs("8", tmp_path)
