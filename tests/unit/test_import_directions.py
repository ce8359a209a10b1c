"""The layout's import directions: the JSON API and the web page are siblings that share
`service.http` and never import each other, and what they share imports neither of them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SERVICE = Path(__file__).resolve().parents[2] / "service"


def imported_modules(package: str, root: Path = SERVICE) -> dict[str, set[str]]:
    """Every module each file of `package` imports, at the top or inside a function."""
    found: dict[str, set[str]] = {}
    for path in sorted((root / package).rglob("*.py")):
        module = ".".join(("service", *path.relative_to(root).with_suffix("").parts))
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module is not None:
                names |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
        found[module] = names
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [("api", ("web",)), ("web", ("api",)), ("http", ("api", "web"))],
)
def test_siblings_do_not_import_each_other(package: str, forbidden: tuple[str, ...]):
    modules = imported_modules(package)
    assert modules, f"no modules found in service/{package}"
    crossings = {
        (module, name)
        for module, names in modules.items()
        for name in names
        for other in forbidden
        if name == f"service.{other}" or name.startswith(f"service.{other}.")
    }
    assert not crossings, f"service/{package} imports {sorted(crossings)}"


def test_the_check_sees_an_import_inside_a_function(tmp_path):
    """The check would catch a lazy import, as `service.api.openapi` once had."""
    package = tmp_path / "api"
    package.mkdir()
    (package / "views.py").write_text("def f():\n    from service.web import formats\n")
    assert "service.web.formats" in imported_modules("api", tmp_path)["service.api.views"]
