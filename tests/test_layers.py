"""Data flows one way (docs/architecture.md): sources parse and never reach the store; the
analysis is pure and reaches neither the sources nor the store.

Read from the code's import statements (function-local ones too), followed transitively inside
the package, so an indirect path (a source importing a helper that imports the store) fails
as well. Importing a package runs its ``__init__``, which is not counted: ``follower_kit``'s
front door imports everything by design.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "follower_kit"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The package modules ``path`` imports (``from . import x`` counts as module ``x`` when
    ``x`` is one, else as the package)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("follower_kit")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("follower_kit"):
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if _exists(sub) else target)
    return found


def _exists(module: str) -> bool:
    rel = Path(*module.split(".")[1:])
    return (PACKAGE / rel).with_suffix(".py").is_file() or (PACKAGE / rel / "__init__.py").is_file()


GRAPH = {_module_name(p): _imports(p) for p in PACKAGE.rglob("*.py")}


def _reaches(start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for nxt in GRAPH.get(todo.pop(), ()):
            if nxt not in seen and not (PACKAGE.parent / Path(*nxt.split("."))
                                        / "__init__.py").is_file():
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _path_to(start: str, goal: str) -> list[str]:
    """One import chain from ``start`` to ``goal``, for the failure message."""
    paths, seen = [[start]], {start}
    while paths:
        path = paths.pop(0)
        for nxt in sorted(GRAPH.get(path[-1], ())):
            if nxt == goal:
                return path + [nxt]
            if nxt not in seen:
                seen.add(nxt)
                paths.append(path + [nxt])
    return []


SOURCES = sorted(m for m in GRAPH if m.startswith("follower_kit.sources."))
ANALYSIS = sorted(m for m in GRAPH if m.startswith("follower_kit.analysis."))


def test_the_graph_sees_the_imports_it_checks():
    """The checks below are only as good as the graph: it must see a known edge of each kind."""
    assert "follower_kit.store" in GRAPH["follower_kit.ingest"]
    assert "follower_kit.sources.twarc" in GRAPH["follower_kit.sources.x_api"]
    assert "follower_kit.store" in _reaches("follower_kit.cli.imports")
    assert len(SOURCES) >= 5 and len(ANALYSIS) >= 5


@pytest.mark.parametrize("module", SOURCES)
def test_no_source_reaches_the_store(module):
    for upstream_only in ("follower_kit.store", "follower_kit.ingest"):
        assert upstream_only not in _reaches(module), " -> ".join(_path_to(module,
                                                                             upstream_only))


@pytest.mark.parametrize("module", ANALYSIS)
def test_the_analysis_reaches_neither_sources_nor_the_store(module):
    reached = _reaches(module)
    bad = sorted(m for m in reached if m.startswith("follower_kit.sources.")
                 or m in ("follower_kit.store", "follower_kit.ingest"))
    assert not bad, " -> ".join(_path_to(module, bad[0]))


#: The store's writing methods: only ingest (and the store itself) may call them.
WRITES = {"commit_snapshot", "write_table", "add_profiles", "add_tweets", "quarantine"}


@pytest.mark.parametrize("module", SOURCES)
def test_no_source_commits_through_a_store_it_is_handed(module):
    """Sources parse; ingest commits. A source given a store object would not import the store
    and still write into it: its calls are checked too."""
    path = PACKAGE.parent / Path(*module.split(".")).with_suffix(".py")
    calls = sorted({node.func.attr for node in ast.walk(ast.parse(path.read_text()))
                    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in WRITES})
    assert not calls, f"{module} writes to the store ({', '.join(calls)}): move it to ingest.py"


def test_ingest_is_where_the_writes_are():
    source = (PACKAGE / "ingest.py").read_text()
    assert all(f".{name}(" in source for name in WRITES - {"quarantine"})
