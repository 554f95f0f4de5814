"""The core/Qt wall: core and i18n must import without loading Qt or ui."""

from __future__ import annotations

import ast
import itertools
import pkgutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _modules(package: str) -> list[str]:
    names = [package]
    for info in pkgutil.walk_packages([str(ROOT / package)], prefix=f"{package}."):
        if ".migrations." in info.name:  # run by Alembic only, not importable alone
            continue
        names.append(info.name)
    return names


def test_core_and_i18n_never_load_qt_or_ui() -> None:
    modules = _modules("core") + _modules("i18n")
    assert "core.case" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "roots = ('PySide6', 'shiboken6', 'ui')\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in roots)\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "", f"core/i18n loaded Qt or ui: {result.stdout}"


# ---- the import graph ---------------------------------------------------------------------
#
# Built statically with ``ast`` from every ``import`` in the project's own packages — at module
# level, inside functions and inside ``if TYPE_CHECKING:`` blocks alike.  A type-only import
# counts: it is still a dependency a reader has to follow, and the circle it closes is one
# refactoring away from a run-time ImportError.  ``from a import b`` is an edge to the module
# ``a.b`` when there is one, else to ``a``.  Importing ``a.b`` also runs ``a/__init__.py``; that
# implicit edge to the parent package is not counted (every package that re-exports its parts
# would otherwise be a circle with them).

GRAPH_PACKAGES = ("core", "ui", "i18n")


def _module_files() -> dict[str, Path]:
    files: dict[str, Path] = {}
    for package in GRAPH_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            files[".".join(parts)] = path
    return files


def _import_graph() -> dict[str, dict[str, int]]:
    """module → {imported project module: line of the first such import}."""
    files = _module_files()

    def known(name: str) -> str | None:
        while name and name not in files:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, dict[str, int]] = {}
    for module, path in files.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        edges: dict[str, int] = {}
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                    source = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    source = node.module or ""
                targets = [f"{source}.{alias.name}" if f"{source}.{alias.name}" in files
                           else source for alias in node.names]
            else:
                continue
            for target in targets:
                found = known(target)
                if found is not None and found != module:
                    edges.setdefault(found, node.lineno)
        graph[module] = edges
    return graph


def _cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """One circle (``[a, b, …, a]``) per strongly connected component (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
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
                    components.append(component)
    circles = []
    for component in components:
        start = min(component)
        members = set(component)
        paths = {start: [start]}
        queue = [start]
        circle: list[str] | None = None
        while queue and circle is None:
            node = queue.pop(0)
            for child in sorted(graph[node]):
                if child == start:
                    circle = [*paths[node], start]
                    break
                if child in members and child not in paths:
                    paths[child] = [*paths[node], child]
                    queue.append(child)
        assert circle is not None
        circles.append(circle)
    return circles


def _describe(graph: dict[str, dict[str, int]], path: list[str]) -> str:
    """``a (line 12) → b (line 3) → a``: each module with the line of its import of the next."""
    steps = [f"{a} (line {graph[a][b]})" for a, b in itertools.pairwise(path)]
    return " → ".join([*steps, path[-1]])


def test_the_import_graph_sees_every_kind_of_import() -> None:
    graph = _import_graph()
    assert "core.storage.recovery" in graph and "ui.wizard.window" in graph
    # module level, inside a function, inside ``if TYPE_CHECKING:``
    assert "core.storage.health" in graph["core.storage.recovery"]
    assert "core.pdf.render" in graph["core.export"]
    assert "core.storage.store" in graph["core.storage.recovery"]
    # ``from core import diff`` is the module core.diff, not the package core
    assert "core.diff" in graph["ui.wizard.binding"]


def test_core_ui_and_i18n_have_no_import_cycle() -> None:
    graph = _import_graph()
    circles = [_describe(graph, circle) for circle in _cycles(graph)]
    assert circles == [], "import cycles:\n" + "\n".join(circles)


def test_documents_never_reach_up_into_the_pdf_renderer() -> None:
    """The render model goes down to the PDF renderer, never back (directly or through
    another module)."""
    graph = _import_graph()
    reached: dict[str, list[str]] = {m: [m] for m in graph if m.startswith("core.documents")}
    queue = list(reached)
    while queue:
        node = queue.pop(0)
        for child in graph[node]:
            if child not in reached:
                reached[child] = [*reached[node], child]
                queue.append(child)
    upward = [_describe(graph, path) for name, path in sorted(reached.items())
              if name == "core.pdf" or name.startswith("core.pdf.")]
    assert upward == [], "core.documents reaches core.pdf:\n" + "\n".join(upward)


# ---- the storage layer --------------------------------------------------------------------

STORAGE = ROOT / "core" / "storage"
#: ``docs/storage.md``: a module that grows past this is split before it takes more.
STORAGE_MODULE_MAX_LINES = 500


def test_no_storage_module_is_longer_than_a_reader_can_hold() -> None:
    lengths = {p.name: len(p.read_text(encoding="utf-8").splitlines())
               for p in STORAGE.glob("*.py")}
    assert "store.py" in lengths and "recovery.py" in lengths
    too_long = {name: n for name, n in lengths.items() if n > STORAGE_MODULE_MAX_LINES}
    assert too_long == {}, f"split these storage modules: {too_long}"


def test_storage_parts_use_each_other_only_through_public_names() -> None:
    """``self._x`` is a part's own business; ``other._x`` (another part's, or the store's
    private state) is not — a part gets what it needs from the store's constructor."""
    reaches = []
    for path in sorted(STORAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if (isinstance(node, ast.Attribute) and node.attr.startswith("_")
                    and not node.attr.startswith("__")
                    and not (isinstance(node.value, ast.Name)
                             and node.value.id in ("self", "cls"))):
                reaches.append(f"{path.name}:{node.lineno} {ast.unparse(node)}")
    assert reaches == [], "private attributes reached from outside:\n" + "\n".join(reaches)
