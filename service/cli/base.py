"""What every command shares: its argument parser, its usage error, its one-line failure."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NoReturn

from service.exit_codes import EXIT_USAGE


class UsageError(Exception):
    """Bad arguments or input files: reported on one line, exit code 2."""


class Parser(argparse.ArgumentParser):
    """argparse, reporting a usage error on one line (not the whole usage block)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"error: {message} (see: {self.prog} --help)\n")


def program_name() -> str:
    name = Path(sys.argv[0]).name
    return "python -m service" if name in {"__main__.py", "-c", "-m", ""} else name


def fail(message: str, code: int) -> int:
    print(f"error: {' '.join(message.split())}", file=sys.stderr)
    return code
