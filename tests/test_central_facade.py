"""The lead's façade (rxlog/central/service.py): what the CLI and the Central window drive,
over a store on SQLite and on PostgreSQL (``central_url``, tests/central_db.py)."""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path

import pytest
from central_db import central_url  # noqa: F401  (fixture: SQLite and PostgreSQL)

from rxlog.central.importer import IMPORTED, REFUSED
from rxlog.central.service import Central, check_months, check_report_files
from rxlog.errors import ValidationError

ROOT = Path(__file__).resolve().parent.parent
if "gen_returns" not in sys.modules:
    _spec = importlib.util.spec_from_file_location("gen_returns", ROOT / "bench" / "gen_returns.py")
    sys.modules["gen_returns"] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules["gen_returns"])
gen = sys.modules["gen_returns"]


@pytest.fixture
def central(central_url):  # noqa: F811
    c = Central.open(db=central_url)
    yield c
    c.close()


def test_trust_import_status_returns_and_report(central, tmp_path) -> None:
    inst = gen.Installation.new(1)
    key, added = central.trust(inst.write_key(tmp_path / "k1.pem"), "Alex's laptop")
    assert added and [k.fingerprint for k in central.trusted_keys()] == [key.fingerprint]
    inbox = tmp_path / "inbox"
    for month in ("2026-09", "2026-10"):
        rows = gen.make_rows(inst, month, 1, 12, random.Random(month), "pilot")
        gen.write_return(inst, month, rows, inbox / month)
    stranger = gen.Installation.new(99)
    gen.write_return(
        stranger, "2026-10", gen.make_rows(stranger, "2026-10", 1, 5, random.Random(1), "pilot"),
        inbox / "stranger",
    )  # fmt: skip
    seen = []
    results = central.import_paths([inbox], lambda d, t, r: seen.append(r.outcome))
    assert sorted(r.outcome for r in results) == [IMPORTED, IMPORTED, REFUSED] == sorted(seen)

    listed = central.returns()
    assert sorted((r.return_id, r.version, r.state, r.key_name) for r in listed) == [
        ("5100001-2026-09", 1, "current", "Alex's laptop"),
        ("5100001-2026-10", 1, "current", "Alex's laptop"),
    ]
    assert [r.imported_at for r in listed] == sorted((r.imported_at for r in listed), reverse=True)
    assert all(r.rows == 12 and r.imported_at[10] == " " for r in listed)
    assert listed[0].as_row() == (
        listed[0].return_id, 1, "current", "Technician 001", listed[0].month, "G82001", 12,
        "Alex's laptop", listed[0].imported_at,
    )  # fmt: skip

    matrix = central.status()
    assert list(matrix.months) == ["2026-09", "2026-10"]
    with pytest.raises(ValidationError) as exc:
        central.status("2026-13")
    assert exc.value.field == "from"

    written = central.report(tmp_path / "r.pdf", json_out=tmp_path / "r.json")
    assert written.returns == 2
    assert (tmp_path / "r.pdf").read_bytes()[:5] == b"%PDF-" and (tmp_path / "r.json").exists()


def test_report_and_month_inputs_are_refused_before_anything_is_written(central, tmp_path):
    with pytest.raises(ValidationError, match=r"r\.txt: the report file name must end in \.pdf"):
        central.report(tmp_path / "r.txt")
    with pytest.raises(ValidationError, match=r"the --json file name must end in \.json"):
        check_report_files(tmp_path / "r.pdf", tmp_path / "r.csv")
    with pytest.raises(ValidationError) as exc:
        check_months("2026-01", "Jan 2026")
    assert exc.value.field == "to"
    assert list(tmp_path.glob("r.*")) == []


def test_the_shells_run_no_sql_of_their_own() -> None:
    """The CLI and the windows reach the central tables only through the façades."""
    import ast

    shells = [*(ROOT / "rxlog" / "cli").glob("*.py"), *(ROOT / "rxlog" / "ui").glob("*.py")]
    found = []
    for path in shells:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if name.startswith("sqlalchemy") or name == "rxlog.central.models":
                    found.append(f"{path.name}: {name}")
    assert len(shells) > 20 and found == []
