import csv
import re
from pathlib import Path

import pytest

from rxlog.errors import TaxonomyError
from rxlog.taxonomy import current_taxonomy, parse_taxonomy, taxonomy_files

CODE_LIST = (
    Path(__file__).resolve().parents[1]
    / "resources"
    / "sources"
    / "opensafely-medication-reviews.csv"
)

MINIMAL = """
version = "2026.1"
[categories]
a = "Category A"
[[code]]
code = "AAA"
title = "First"
category = "a"
description = "d"
sectors = ["primary"]
counts = "none"
default_minutes = 5
"""


def test_shipped_taxonomy_is_rich_enough():
    tax = current_taxonomy()
    assert len(tax.active()) >= 35
    assert len({c.category for c in tax}) >= 8
    for sector in ("primary", "secondary"):
        assert sum(sector in c.sectors for c in tax) >= 10
    titles = " | ".join(c.title.lower() for c in tax)
    for needed in ("travel", "training given", "training received", "meeting",
                   "administration", "baseline data collection", "smr preparation/support",
                   "admission medicines reconciliation", "discharge"):  # fmt: skip
        assert needed in titles, needed
    assert any(c.intervention for c in tax)
    assert any(c.needs_discharge_date for c in tax)


def test_no_code_claims_technicians_do_smrs():
    for c in current_taxonomy():
        assert not re.fullmatch(r"(?i)(structured medication review|smr)", c.title)
        assert c.snomed != "1239511000000100"  # "Structured medication review"


def test_every_snomed_id_is_one_the_cited_code_list_holds():
    with CODE_LIST.open(newline="", encoding="utf-8") as f:
        cited = {row["code"]: row["term"] for row in csv.DictReader(f)}
    assert len(cited) >= 5, "the carried code list has its rows"
    for c in current_taxonomy():
        if c.snomed:
            assert c.snomed in cited, c.code
            assert c.snomed_source == f"opensafely-medrev: {cited[c.snomed]}", c.code


def test_every_shipped_version_keeps_the_codes_of_the_one_before():
    files = taxonomy_files()
    assert files
    from rxlog.taxonomy import load_taxonomy

    versions = [load_taxonomy(f) for f in files]
    for older, newer in zip(versions, versions[1:], strict=False):
        assert set(older.codes) <= set(newer.codes)


def test_minimal_file_loads():
    tax = parse_taxonomy(MINIMAL, "t.toml")
    assert tax.get("aaa").title == "First"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("[[code]]" + MINIMAL.split("[[code]]", 1)[1],
         r"line 13, code AAA: duplicate code \(first defined at line 6\)"),
        ('[[code]]\ncode = "BBB"\ntitle = "t"\ncategory = "a"\ndescription = "d"\n'
         'sectors = ["primary"]\ncounts = "none"\ndefault_minutes = 5\ncolour = "red"\n',
         r"line 14, code BBB: unknown field\(s\): colour"),
        ('[[code]]\ncode = "BBB"\ntitle = "t"\ncategory = "a"\ndescription = "d"\n'
         'sectors = ["primary"]\ncounts = "none"\ndefault_minutes = 5\nsnomed = "12AB56"\n'
         'snomed_source = "x"\n', r"code BBB: bad SNOMED CT id"),
        ('[[code]]\ncode = "BBB"\ntitle = "t"\ncategory = "a"\ndescription = "d"\n'
         'sectors = ["primary"]\ncounts = "none"\ndefault_minutes = 5\nretired_in = "2026.2"\n'
         'replaced_by = "ZZZ"\n', r"code BBB: replaced_by 'ZZZ' names no code"),
        ('[[code]]\ncode = "BBB"\ntitle = "t"\ncategory = "b"\ndescription = "d"\n'
         'sectors = ["primary"]\ncounts = "none"\ndefault_minutes = 5\n',
         r"code BBB: category 'b' is not in \[categories\]"),
        ('[[code]]\ncode = "BBB"\ntitle = "t"\ncategory = "a"\ndescription = "d"\n'
         'sectors = ["tertiary"]\ncounts = "none"\ndefault_minutes = 5\n', r"code BBB: 'sectors'"),
    ],
)  # fmt: skip
def test_broken_file_is_refused_naming_line_and_code(extra, message):
    with pytest.raises(TaxonomyError, match=message):
        parse_taxonomy(
            MINIMAL + "[[code]]" + extra if not extra.startswith("[[") else MINIMAL + extra,
            "t.toml",
        )


def test_broken_toml_names_the_line():
    with pytest.raises(TaxonomyError, match=r"t.toml: not valid TOML: .*line 3"):
        parse_taxonomy('version = "2026.1"\n\ncode = = 1\n', "t.toml")


def test_retired_code_is_readable_but_not_loggable(rx, tmp_path, monkeypatch):
    """Entries logged under 2026.1 stay readable once 2026.2 retires their code."""
    from datetime import date

    from rxlog.domain import EntryInput
    from rxlog.errors import ValidationError
    from rxlog.service import RxLog

    old = rx.log(EntryInput("QRY-CLIN", date=date(2026, 11, 2))).entry
    shipped = taxonomy_files()[-1].read_text()
    newer = shipped.replace('version = "2026.1"', 'version = "2026.2"').replace(
        'code = "QRY-CLIN"\n', 'code = "QRY-CLIN"\nretired_in = "2026.2"\nreplaced_by = "QRY-PAT"\n'
    )
    (tmp_path / "taxonomy-2026.1.toml").write_text(shipped)
    (tmp_path / "taxonomy-2026.2.toml").write_text(newer)
    monkeypatch.setenv("RXLOG_RESOURCES", str(tmp_path))
    tax = current_taxonomy()
    assert tax.version == "2026.2" and tax.get("QRY-CLIN").retired
    assert tax.current_code("QRY-CLIN") == "QRY-PAT"
    app = RxLog(rx.db, tax, today=rx.today)
    kept = app.get(old.id)
    assert (kept.code, kept.taxonomy_version, kept.title) == (
        "QRY-CLIN", "2026.1", "Medicines query from a clinician")  # fmt: skip
    with pytest.raises(ValidationError, match="retired in taxonomy 2026.2; use QRY-PAT"):
        app.log(EntryInput("QRY-CLIN"))
    # the old entry can still be corrected without changing its code
    assert app.edit(old.id, {"minutes": 12}, "time was 12").entry.minutes == 12
