"""No cycles between the modules of service/, a package's `__init__` counted as a module.

import-linter's `acyclic_siblings` contract (in `make lint`) sees cycles between siblings, the
modules of one package; this test also sees those through a parent package's `__init__` (a
module importing its own package, which imports it back), which no contract describes."""

from __future__ import annotations

from collections.abc import Mapping, Set

import grimp


def import_cycles(imports: Mapping[str, Set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in imports.get(module, ()):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(imports):
        if module not in index:
            visit(module)
    return cycles


def test_no_module_of_service_imports_itself_round_a_cycle():
    graph = grimp.build_graph("service", cache_dir=None)
    imports = {
        module: {
            m for m in graph.find_modules_directly_imported_by(module) if m.startswith("service")
        }
        for module in graph.modules
        if module.startswith("service")
    }
    assert len(imports) > 100  # the whole package, imports inside functions included
    assert import_cycles(imports) == []


def test_a_cycle_is_found_however_long():
    imports = {
        "p": {"p.a"},  # a package's __init__ importing its module ...
        "p.a": {"p.b"},
        "p.b": {"p"},  # ... which comes back to the package
        "p.c": {"p.a"},
        "q": {"q"},  # a module importing itself is no cycle between modules
    }
    assert import_cycles(imports) == [["p", "p.a", "p.b"]]
    assert import_cycles({"p.a": {"p.b"}, "p.b": set()}) == []
