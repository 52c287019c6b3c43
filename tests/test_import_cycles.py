"""No import cycle anywhere in rxlog/ (issue 17).

The graph is read from the source (``ast``), not by importing, so it sees every import
statement wherever it is:

- **top-level and function-level imports both count.** A function-level import is how
  RxLog keeps heavy libraries off the start-up path, and that is fine; but a
  function-level import of a module that imports this one back is still a cycle: the
  two modules cannot be understood, tested or changed one without the other, and which
  one loads first decides what works. Moving the import into a function only hides it.
- **``if TYPE_CHECKING:`` imports do not count.** They never run; they let a module
  name another's type in an annotation (a window's type for a menu builder) without
  loading it, which is the standard way to state "I take one of those" without
  depending on its code.
- **dynamic imports count** where their target can be read: ``importlib.import_module``
  of a constant string, and a package that finds its own submodules
  (``pkgutil.iter_modules(package.__path__)`` with ``import_module(f"{__name__}.{...}")``,
  as ``rxlog.cli`` does) depends on every submodule. An ``import_module`` whose name is
  built from data (the main window's optional dialogs) cannot be followed statically;
  those targets are leaves by construction (dialogs found by name).
- ``import a.b.c`` is an edge to ``a.b.c`` (the module named), not to the packages
  ``a`` and ``a.b`` whose ``__init__`` Python runs first: a package ``__init__`` that
  imports nothing of its submodules cannot take part in a cycle, and one that does is
  caught by its own edges.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "rxlog"


def _modules(root: Path) -> dict[str, Path]:
    found = {}
    for path in root.rglob("*.py"):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """ids of the import nodes inside ``if TYPE_CHECKING:`` blocks."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
            if name == "TYPE_CHECKING":
                for inner in node.body:
                    skip.update(id(n) for n in ast.walk(inner))
    return skip


def import_graph(root: Path = PKG) -> dict[str, set[str]]:
    """module -> the modules of ``root``'s package it imports (see the module's rules)."""
    mods = _modules(root)
    top = root.name

    def resolve(name: str) -> str | None:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for mod, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _type_checking_nodes(tree)
        package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
        out: set[str | None] = set()
        discovers = False
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.Import):
                out.update(resolve(a.name) for a in node.names if a.name.split(".")[0] == top)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(parts + ([base] if base else []))
                if base.split(".")[0] != top:
                    continue
                for a in node.names:
                    full = f"{base}.{a.name}"
                    out.add(full if full in mods else resolve(base))
            elif isinstance(node, ast.Call):
                func = node.func
                fname = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if fname == "iter_modules":
                    discovers = True
                if fname == "import_module" and node.args:
                    arg = node.args[0]
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        if arg.value.split(".")[0] == top:
                            out.add(resolve(arg.value))
                    elif isinstance(arg, ast.JoinedStr) and _starts_with_own_name(arg):
                        discovers = discovers or path.name == "__init__.py"
        if discovers and path.name == "__init__.py":
            out.update(m for m in mods if m.rpartition(".")[0] == mod)
        out.discard(mod)
        out.discard(None)
        graph[mod] = {m for m in out if m is not None}
    return graph


def _starts_with_own_name(arg: ast.JoinedStr) -> bool:
    first = arg.values[0] if arg.values else None
    return (
        isinstance(first, ast.FormattedValue)
        and isinstance(first.value, ast.Name)
        and first.value.id == "__name__"
    )


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def _explain(graph: dict[str, set[str]], group: list[str]) -> str:
    return "; ".join(f"{m} -> {', '.join(sorted(graph[m] & set(group)))}" for m in group)


@functools.cache
def _rxlog_graph() -> dict[str, set[str]]:
    return import_graph()  # read once for both tests below


def test_rxlog_has_no_import_cycle():
    graph = _rxlog_graph()
    assert "rxlog.storage.database" in graph and graph["rxlog.storage.database"]
    found = cycles(graph)
    assert found == [], "\n".join(_explain(graph, g) for g in found)


def test_storage_is_a_chain_over_one_leaf():
    """The SQLite file module needs no other storage module; backups never open a
    Database; health (the top) is imported by nothing else in storage."""
    graph = _rxlog_graph()
    storage = {m for m in graph if m.startswith("rxlog.storage.")}
    leaf = graph["rxlog.storage.sqlitefile"] & storage
    assert leaf <= {"rxlog.storage.durable", "rxlog.storage.privacy"}, leaf
    assert graph["rxlog.storage.revisions"] & storage == set()
    assert "rxlog.storage.database" not in graph["rxlog.storage.backups"]
    assert not [m for m in storage if "rxlog.storage.health" in graph[m]]
    assert "rxlog.audit" not in graph["rxlog.storage.health"]


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "pkgx"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_the_walk_sees_a_cycle_through_a_function_level_import(tmp_path):
    root = _package(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": "from pkgx import b\n",
            "b.py": "def f():\n    from pkgx.sub import c\n",
            "sub/__init__.py": "",
            "sub/c.py": "def g():\n    from .. import a\n",
        },
    )
    assert cycles(import_graph(root)) == [["pkgx.a", "pkgx.b", "pkgx.sub.c"]]


def test_the_walk_ignores_type_checking_imports_and_follows_discovery(tmp_path):
    root = _package(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkgx import b\n",
            "b.py": "import pkgx.a\n",
            "cmds/__init__.py": (
                "import importlib, pkgutil\n"
                "for i in pkgutil.iter_modules(__path__):\n"
                '    importlib.import_module(f"{__name__}.{i.name}")\n'
                "X = 1\n"
            ),
            "cmds/one.py": "from pkgx.cmds import X\n",
        },
    )
    graph = import_graph(root)
    assert graph["pkgx.a"] == set() and graph["pkgx.b"] == {"pkgx.a"}
    assert cycles(graph) == [["pkgx.cmds", "pkgx.cmds.one"]]
