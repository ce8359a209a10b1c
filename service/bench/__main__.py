"""`python -m service.bench NAME [ARGS...]`: run one benchmark (see `--help` of each)."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import service.bench


def _names() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(service.bench.__path__) if m.name[0] != "_")


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help"} or argv[0] not in _names():
        print(f"usage: python -m service.bench {{{','.join(_names())}}} [ARGS...]", file=sys.stderr)
        return 0 if argv and argv[0] in {"-h", "--help"} else 2
    module = importlib.import_module(f"service.bench.{argv[0]}")
    return int(module.main(argv[1:]))


raise SystemExit(main(sys.argv[1:]))
