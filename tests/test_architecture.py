"""The shape of the codebase: one namespace, no import cycles, short functions.

These tests read the source (AST and the grimp import graph); they import nothing from the library itself.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import grimp
import pytest

REPO = Path(__file__).resolve().parents[1]
STAGE_FOLDERS = ("schema", "db", "miner", "models", "lab")
MAX_FUNCTION_LINES = 60
_GENERIC_IMPORT = re.compile(r"^\s*(from|import)\s+(schema|db|miner|models|lab)(\.|\s|$)", re.M)


def library_files() -> list[Path]:
    """Every Python file of the library (the stage folders and nanosynth/ itself, links not followed twice)."""
    files = [p for folder in STAGE_FOLDERS for p in (REPO / folder).rglob("*.py")]
    files += [p for p in (REPO / "nanosynth").rglob("*.py") if p.relative_to(REPO / "nanosynth").parts[0]
              not in STAGE_FOLDERS]
    return sorted(files)


def test_stage_folders_are_linked_into_the_namespace():
    for folder in STAGE_FOLDERS:
        link = REPO / "nanosynth" / folder
        assert link.is_symlink() and link.resolve() == (REPO / folder).resolve(), link


def _source(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ipynb":
        return "\n".join("".join(cell["source"]) for cell in json.loads(text)["cells"])
    return text


@pytest.mark.parametrize("root", ["benchmarks", "notebooks", "tests", "samples", *STAGE_FOLDERS, "nanosynth"])
def test_nothing_imports_a_generic_top_level_name(root):
    offenders = []
    for path in (REPO / root).rglob("*"):
        if path.suffix not in (".py", ".ipynb") or (root == "nanosynth" and path.parent.is_symlink()):
            continue
        if _GENERIC_IMPORT.search(_source(path)):
            offenders.append(str(path.relative_to(REPO)))
    assert not offenders, f"import these as nanosynth.<package>: {offenders}"


def _long_functions(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [f"{path.relative_to(REPO)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
            for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES]


def test_library_functions_are_short():
    long = [item for path in library_files() if "migrations" not in path.parts for item in _long_functions(path)]
    assert not long, "split these functions:\n" + "\n".join(long)


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def test_cycle_finder_finds_a_cycle():
    graph = grimp.ImportGraph()
    for a, b in (("p.a", "p.b"), ("p.b", "p.c"), ("p.c", "p.a"), ("p.c", "p.d")):
        graph.add_import(importer=a, imported=b)
    assert _cycles(graph) == [["p.a", "p.b", "p.c"]]


def test_no_module_imports_one_that_imports_it_back():
    """Function-level imports count too: grimp records every import statement."""
    graph = grimp.build_graph("nanosynth", include_external_packages=False)
    assert not _cycles(graph)
