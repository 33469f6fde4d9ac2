"""The package as a whole: every module imports, no import cycles, a light public API."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import minimoe

PACKAGE = Path(minimoe.__file__).resolve().parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _imports(name: str, path: Path) -> set[str]:
    """The minimoe modules that ``name`` imports anywhere in its source (lazy imports inside
    functions included: they are still a dependency)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from . import x, from ..y import z
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            # `from a import b` imports a.b when b is a module, else a
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                for alias in node.names
            ]
        else:
            continue
        found.update(t for t in targets if t in MODULES and t != name)
    return found


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules (first == last), or None."""
    state: dict[str, str] = {}  # "open" while on the current path, "done" after
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_module_import_graph_has_no_cycle():
    graph = {name: _imports(name, path) for name, path in MODULES.items()}
    assert graph["minimoe.bench"] >= {"minimoe.experiments.scaling"}  # the parser sees imports
    assert _find_cycle(graph) is None, " -> ".join(_find_cycle(graph))


def test_the_cycle_finder_finds_a_cycle():
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": set()}) is None


def test_only_lessons_widgets_and_entry_points_import_an_experiment():
    allowed = (
        "minimoe.experiments",
        "minimoe.widgets",
        "minimoe.bench",
        "minimoe.cli",
        "minimoe.distributed.__main__",  # `torchrun -m minimoe.distributed sft`
    )
    for name, path in MODULES.items():
        if not name.startswith(allowed):
            used = {m for m in _imports(name, path) if m.startswith("minimoe.experiments")}
            assert not used, f"{name} imports {used}: experiments sit on top of the library"


@pytest.mark.slow
def test_every_module_imports_in_a_fresh_interpreter():
    code = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)"
    result = subprocess.run(
        [sys.executable, "-c", code, *MODULES], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
def test_the_public_api_imports_and_importing_minimoe_stays_light():
    code = (
        "import sys, minimoe\n"
        "assert 'torch' not in sys.modules, 'import minimoe must not import torch'\n"
        "from minimoe import *\n"
        "missing = [n for n in minimoe.__all__ if globals().get(n) is None]\n"
        "assert not missing, missing\n"
        "assert callable(minimoe.generate) and minimoe.MiniMoE.__name__ == 'MiniMoE'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_every_public_name_is_the_object_its_module_defines():
    import importlib

    for name, module in minimoe._EXPORTS.items():
        assert getattr(minimoe, name) is getattr(importlib.import_module(module), name)
    assert set(minimoe.__all__) == {"__version__", *minimoe._EXPORTS}
    assert set(minimoe.__all__) <= set(dir(minimoe))
