"""NHSmail rules at export: a draft over the 35 MB attachment limit is warned about,
and a lead outside NHSmail gets the [secure] advice. Real exports, real e-mail drafts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import run_cli

from rxlog.domain import EntryInput
from rxlog.export import keys
from rxlog.export.nhsmail import NHSMAIL_LIMIT_BYTES
from rxlog.export.signoff import ExportOptions, export_month, reopen_month


@pytest.fixture
def month(rx, data_dir: Path):
    keys.create_keys(data_dir, "Alex Morgan", "5012345")
    rx.set_setting("lead_email", "lead@nhs.net")
    rx.log_many(
        [EntryInput("REP-MGMT", date(2026, 10, d), minutes=30, count=12) for d in range(1, 29)]
    )
    return rx


def test_the_limit_is_nhsmails_35_mb():
    assert NHSMAIL_LIMIT_BYTES == 35_000_000


@pytest.mark.slow
def test_a_draft_over_the_limit_is_warned_about_and_still_written(month, tmp_path):
    first = export_month(month, "2026-10", ExportOptions(tmp_path / "v1"))
    size = first.eml.stat().st_size
    assert 0 < size < NHSMAIL_LIMIT_BYTES
    assert not [w for w in first.warnings if "MB" in w]

    reopen_month(month, "2026-10", "one more repeat batch")
    second = export_month(month, "2026-10", ExportOptions(tmp_path / "v2", mail_limit=size - 1))
    over = [w for w in second.warnings if "over NHSmail's" in w]
    assert len(over) == 1
    assert "separate e-mails" in over[0]
    assert second.eml.stat().st_size > size - 1  # the draft is written all the same
    assert all(p.is_file() for p in second.files)


@pytest.mark.slow
def test_a_lead_outside_nhsmail_is_told_to_use_secure(month, data_dir, tmp_path):
    month.set_setting("lead_email", "lead@medway.example.org")
    r = run_cli(data_dir, "export", "2026-10", "--out", str(tmp_path / "out"))
    assert r.code == 0, r.err
    assert "lead@medway.example.org is not an NHSmail (nhs.net) address" in r.err
    assert "[secure]" in r.err
    # the draft itself is left as the format fixes it (no [secure] added by RxLog)
    eml = next((tmp_path / "out").glob("*.eml")).read_bytes()
    short = month.installation().short.encode()
    assert b"Subject: RxLog return G82001 GPhC 5012345 " + short + b" 2026-10 v1" in eml


@pytest.mark.slow
def test_an_nhs_net_lead_gets_no_secure_advice(month, tmp_path):
    result = export_month(month, "2026-10", ExportOptions(tmp_path / "out"))
    assert not [w for w in result.warnings if "[secure]" in w]
