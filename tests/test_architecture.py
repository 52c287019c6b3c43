"""Layering: Qt only in rxlog/ui; start-up of the core stays light."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

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


@pytest.mark.slow
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


@pytest.mark.slow
def test_cli_start_up_imports_no_heavy_module():
    code = (
        "import sys, rxlog.cli, rxlog.service, rxlog.cli.context;"
        "from rxlog.cli import build_parser; build_parser();"
        "heavy = [m for m in ('PySide6', 'pandas', 'reportlab', 'pyhanko', 'alembic', 'openpyxl',"
        " 'holidays')"
        " if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_the_return_format_is_one_package_that_needs_neither_side():
    """Writer and readers share rxlog.returnformat; it imports neither the technician's
    export nor the lead's code, and the technician's side imports none of rxlog.central."""
    for path in (PKG / "returnformat").rglob("*.py"):
        mods = imported_modules(path)
        assert not [m for m in mods if m.startswith(("rxlog.central", "rxlog.export"))], path
    for folder in ("export", "storage"):
        for path in (PKG / folder).rglob("*.py"):
            assert not [m for m in imported_modules(path) if m.startswith("rxlog.central")], path
    # No second copy of the format on either side.
    for gone in ("export/manifest.py", "export/eml.py", "export/pdf_sign.py",
                 "central/eml.py", "central/sources.py", "central/returns_csv.py"):  # fmt: skip
        assert not (PKG / gone).exists(), gone
    for path in [*(PKG / "export").rglob("*.py"), *(PKG / "central").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        assert '"return_id", "version", "entry_id"' not in text, path
        assert "message_from_bytes" not in text, path


# What each CLI command may load: a command imports only what it uses (issue: close to the
# floor). "never" lists modules that must stay out of the process for that command.
NEVER_ALWAYS = ("PySide6", "pandas", "openpyxl")
LEAN = ("rxlog.storage.backups", "shutil", "secrets")
CLI_IMPORTS = [
    (["--version"], ("sqlalchemy", "rxlog.service", "rxlog.cli.core_cmds")),
    (["--help"], ("sqlalchemy", "rxlog.service", "reportlab", "pyhanko", "alembic")),
    (["taxonomy"], ("sqlalchemy", "rxlog.service", "reportlab", "pyhanko", "alembic")),
    # The support log writes its lines itself: ``logging`` (~3 ms) stays out of these;
    # and log and list open the database without the backup code, argparse's help width
    # without shutil, temporary names without secrets (and random).
    (
        ["verify", "--skip-pdf-signature", "{ret}"],
        ("sqlalchemy", "pyhanko", "reportlab", "logging"),
    ),
    (
        ["log", "QRY-PAT"],
        ("sqlalchemy", "rxlog.service", "reportlab", "pyhanko", "alembic", "logging", *LEAN),
    ),
    (
        ["list", "--month", "2026-11"],
        ("sqlalchemy", "rxlog.service", "reportlab", "pyhanko", "logging", *LEAN),
    ),
    (
        ["list", "--format", "json"],
        ("sqlalchemy", "rxlog.service", "rxlog.cli.export_cmds", "logging", *LEAN),
    ),
    (["month", "check", "2026-11"], ("reportlab", "pyhanko", "alembic")),
]
_PROBE = (
    "import sys\n"
    "from rxlog.cli import main\n"
    "try:\n    main(sys.argv[2:])\nexcept SystemExit:\n    pass\n"
    "print('LOADED=' + ','.join(m for m in sys.argv[1].split(',') if m in sys.modules))\n"
)


@pytest.fixture(scope="module")
def cli_folder(tmp_path_factory):
    import os

    root = tmp_path_factory.mktemp("cli-imports")
    env = {**os.environ, "RXLOG_DATA_DIR": str(root / "data"), "RXLOG_TODAY": "2026-12-02"}
    run = [sys.executable, "-m", "rxlog"]
    subprocess.run([*run, "demo", "--months", "2"], env=env, check=True, capture_output=True)
    subprocess.run([*run, "export", "2026-11", "--out", str(root / "ret")], env=env,
                   check=True, capture_output=True)  # fmt: skip
    return env, root / "ret"


@pytest.mark.slow
@pytest.mark.parametrize(("argv", "never"), CLI_IMPORTS, ids=lambda v: " ".join(v)[:40])
def test_each_cli_command_imports_only_what_it_uses(cli_folder, argv, never):
    env, ret = cli_folder
    watched = (*NEVER_ALWAYS, *never)
    argv = [a.format(ret=ret) for a in argv]
    out = subprocess.run([sys.executable, "-c", _PROBE, ",".join(watched), *argv], env=env,
                         capture_output=True, text=True, check=True)  # fmt: skip
    loaded = out.stdout.rsplit("LOADED=", 1)[1].strip()
    assert loaded == "", f"rxlog {' '.join(argv)} imported {loaded}"


def test_the_import_probe_sees_a_module_a_command_loads(cli_folder):
    env, _ = cli_folder
    # `placement list` opens the folder through the service, so the ORM is loaded.
    out = subprocess.run([sys.executable, "-c", _PROBE, "sqlalchemy", "placement", "list"], env=env,
                         capture_output=True, text=True, check=True)  # fmt: skip
    assert out.stdout.rsplit("LOADED=", 1)[1].strip() == "sqlalchemy"


@pytest.mark.slow
def test_no_module_keeps_its_own_copy_of_an_entry_limit():
    """The limits live in rxlog.limits (no imports at all, so the timers and the window
    read them without SQLAlchemy); a module that needs one imports it."""
    import ast

    from rxlog import limits

    values = {getattr(limits, n) for n in dir(limits) if n.isupper()}
    users = {"timers.py", "entry_rules.py", "ui/detail_panel.py"}
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(PKG).as_posix()
        if rel == "limits.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
                for name in names:
                    if name.startswith("MAX_") and name in dir(limits):
                        raise AssertionError(f"{rel} defines its own {name}")
        if rel in users:
            assert "rxlog.limits" in imported_modules(path), rel
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "setRange":
                    for arg in node.args:
                        assert not (isinstance(arg, ast.Constant) and arg.value in values), rel
