"""`python -m bench NAME [ARGS...]`: run one benchmark (see `--help` of each)."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import sys
from pathlib import Path

import bench


def _defines_main(path: Path) -> bool:
    """Whether a module defines `main` at top level: read, not imported (imports load models)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(isinstance(node, ast.FunctionDef) and node.name == "main" for node in tree.body)


def _names() -> list[str]:
    """Benchmarks: the modules of this package that define `main`; the rest are their helpers."""
    folder = Path(bench.__path__[0])
    return sorted(
        m.name
        for m in pkgutil.iter_modules(bench.__path__)
        if m.name[0] != "_" and _defines_main(folder / f"{m.name}.py")
    )


def main(argv: list[str]) -> int:
    names = _names()
    if not argv or argv[0] in {"-h", "--help"} or argv[0] not in names:
        print(f"usage: python -m bench {{{','.join(names)}}} [ARGS...]", file=sys.stderr)
        return 0 if argv and argv[0] in {"-h", "--help"} else 2
    module = importlib.import_module(f"bench.{argv[0]}")
    return int(module.main(argv[1:]))


raise SystemExit(main(sys.argv[1:]))
