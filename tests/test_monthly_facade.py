"""The monthly return's façade (rxlog/export/monthly.py), as the CLI and windows drive it."""

from __future__ import annotations

from datetime import date

import pytest

from rxlog.domain import EntryInput
from rxlog.errors import ValidationError
from rxlog.export import keys
from rxlog.export.monthly import MonthlyReturn


def test_check_sign_off_reopen_and_returns(rx, tmp_path) -> None:
    rx.log(EntryInput("REP-MGMT", date(2026, 10, 5), minutes=20, count=1))
    m = MonthlyReturn(rx)
    assert not m.has_key() and not m.needs_passphrase()
    assert "no_key" in {f.kind for f in m.check("2026-10").findings}
    m.create_key("a long enough passphrase")
    assert m.has_key() and m.needs_passphrase() and keys.is_encrypted(rx.db.data_dir)
    assert m.check("2026-10").can_export
    out = tmp_path / "out"
    out.mkdir()
    result = m.sign_off("2026-10", out, "a long enough passphrase")
    assert result.version == 1 and all(p.exists() for p in result.files)
    assert m.check("2026-10").locked_version == 1
    assert [r["version"] for r in m.returns("2026-10")] == [1]
    lock = m.reopen("2026-10", "a missed entry")
    assert lock.version == 1 and m.check("2026-10").next_version == 2


def test_a_key_without_a_passphrase_needs_none(rx) -> None:
    m = MonthlyReturn(rx)
    info = m.create_key(None)
    assert not m.needs_passphrase() and not info.encrypted


def test_lead_email_is_checked_and_kept(rx) -> None:
    m = MonthlyReturn(rx)
    with pytest.raises(ValidationError, match="not an e-mail address") as exc:
        m.set_lead_email("lead at nhs")
    assert exc.value.field == "lead-email" and m.lead_email() is None
    assert m.set_lead_email("  lead@nhs.net ") == "lead@nhs.net"
    assert m.lead_email() == "lead@nhs.net"


def test_a_key_needs_a_technician(data_dir) -> None:
    from rxlog.service import RxLog

    app = RxLog.open(data_dir)
    try:
        with pytest.raises(ValidationError, match="set up the technician first"):
            MonthlyReturn(app).create_key(None)
        assert not keys.has_keys(data_dir)
    finally:
        app.close()


def test_only_the_facade_asks_whether_the_key_needs_a_passphrase() -> None:
    """ "Does the key need a passphrase?" is decided once (MonthlyReturn.needs_passphrase):
    no shell calls keys.is_encrypted itself."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "rxlog"
    callers = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute | ast.Name) and "is_encrypted" in (
                getattr(node, "attr", None),
                getattr(node, "id", None),
            ):
                callers.append(path.relative_to(root).as_posix())
    assert sorted(set(callers)) == ["export/keys.py", "export/monthly.py"]
