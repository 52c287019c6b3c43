"""Layering: Qt only in rxlog/ui; start-up of the core stays light."""

import ast
import subprocess
import sys
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "rxlog"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_nothing_outside_rxlog_ui_imports_qt():
    offenders = []
    for path in PKG.rglob("*.py"):
        if "ui" in path.relative_to(PKG).parts[:1]:
            continue
        if any(m.split(".")[0] in ("PySide6", "shiboken6") for m in imported_modules(path)):
            offenders.append(str(path.relative_to(PKG.parent)))
    assert offenders == []


def test_the_check_itself_sees_a_qt_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from PySide6.QtCore import QTimer\n")
    assert "PySide6.QtCore" in imported_modules(bad)


def test_cli_start_up_imports_no_heavy_module():
    code = (
        "import sys, rxlog.cli, rxlog.service, rxlog.cli.context;"
        "from rxlog.cli import build_parser; build_parser();"
        "heavy = [m for m in ('PySide6', 'pandas', 'reportlab', 'pyhanko', 'alembic', 'openpyxl')"
        " if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
