"""The house rules, read from the source: who may import whom, no import circles, no handler taking the root.

Every import counts here, also those inside functions and under TYPE_CHECKING: a circle of type-only imports
is still a circle for the reader (the seventeen files of bot/ and admin_api/ were one through such imports).
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "bot", "handlers", "admin_api", "core", "kb", "sandbox")


def _modules() -> dict[str, Path]:
    mods: dict[str, Path] = {}
    for pkg in PACKAGES:
        for path in (REPO / pkg).rglob("*.py"):
            parts = path.relative_to(REPO).with_suffix("").parts
            mods[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return mods


def _imported_names(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def _graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports (a submodule's own parent packages left out)."""
    mods = _modules()
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for mod, path in mods.items():
        for name in _imported_names(ast.parse(path.read_text(encoding="utf-8"))):
            while name and name not in mods:
                name = name.rpartition(".")[0]
            if name and name != mod and not mod.startswith(name + "."):
                graph[mod].add(name)
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            nxt = next(edges, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    m = stack.pop()
                    on_stack.discard(m)
                    comp.append(m)
                    if m == node:
                        break
                if len(comp) > 1:
                    found.append(sorted(comp))
    return found


def _imports_of(prefixes: tuple[str, ...], graph: dict[str, set[str]]) -> dict[str, set[str]]:
    return {m: deps for m, deps in graph.items() if m.split(".")[0] in prefixes and deps}


def test_bot_and_admin_api_do_not_import_the_composition_root() -> None:
    graph = _graph()
    offenders = {m: {d for d in deps if d.split(".")[0] == "app"}
                 for m, deps in _imports_of(("bot", "handlers", "admin_api", "core", "kb"), graph).items()}
    assert {m: d for m, d in offenders.items() if d} == {}


def test_admin_api_imports_neither_bot_nor_handlers() -> None:
    offenders = {m: {d for d in deps if d.split(".")[0] in ("bot", "handlers")}
                 for m, deps in _imports_of(("admin_api",), _graph()).items()}
    assert {m: d for m, d in offenders.items() if d} == {}


def test_core_and_kb_import_neither_aiogram_nor_fastapi() -> None:
    offenders = {}
    for mod, path in _modules().items():
        if mod.split(".")[0] in ("core", "kb"):
            names = _imported_names(ast.parse(path.read_text(encoding="utf-8")))
            bad = {n for n in names if n.split(".")[0] in ("aiogram", "fastapi", "starlette")}
            if bad:
                offenders[mod] = bad
    assert offenders == {}


def test_no_import_circle_below_the_composition_root() -> None:
    # handlers.report <-> handlers.start and core.sla.clock <-> core.tickets were circles before the house move
    graph = _graph()
    below = {m: {d for d in deps if not d.startswith("app")} for m, deps in graph.items() if not m.startswith("app")}
    assert _circles(below) == []


def test_the_circle_finder_sees_a_circle() -> None:
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_handler_or_route_takes_the_whole_root() -> None:
    takers = []
    for mod, path in _modules().items():
        if mod.split(".")[0] in ("handlers", "admin_api", "bot"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    args = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
                    if any(a.arg == "root" for a in args):
                        takers.append(f"{mod}.{node.name}")
    assert takers == []


def test_the_sandbox_imports_nothing_of_the_product() -> None:
    # a generic Bot API server: any bot may use it, and the product reaches it only over HTTP
    product = {"app", "bot", "handlers", "admin_api", "core", "kb", "migrations", "tests", "aiogram"}
    offenders = {}
    for mod, path in _modules().items():
        if mod.split(".")[0] == "sandbox":
            names = _imported_names(ast.parse(path.read_text(encoding="utf-8")))
            bad = {n for n in names if n.split(".")[0] in product}
            if bad:
                offenders[mod] = bad
    assert offenders == {}


def test_only_the_composition_root_and_the_tests_import_the_sandbox() -> None:
    takers = {m: {d for d in deps if d.split(".")[0] == "sandbox"}
              for m, deps in _imports_of(("bot", "handlers", "admin_api", "core", "kb"), _graph()).items()}
    assert {m: d for m, d in takers.items() if d} == {}
