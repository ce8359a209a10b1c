"""The command line: `summarise COMMAND` (or `python -m service COMMAND`), one module per command.

Every command reports an error as one line on stderr, and exits with a code scripts can rely on
(`service.exit_codes`). Each command's module declares it with its `add_parser(commands)`.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

from service.cli import brief, models, serve
from service.cli.base import Parser, UsageError, fail, program_name
from service.exit_codes import (
    EXIT_CODES,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_MODEL,
    EXIT_USAGE,
)

__all__ = ["UsageError", "build_parser", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; its exit code (see `EXIT_CODES`)."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error already reported
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    logging.basicConfig(
        level=os.environ.get("SUMMARY_LOG_LEVEL", "WARNING").upper(),
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return int(args.run(args))
    except UsageError as exc:
        return fail(str(exc), EXIT_USAGE)
    except KeyboardInterrupt:
        return fail("interrupted", EXIT_INTERRUPTED)
    except BrokenPipeError:  # `... | head` stopped reading: no message, and no second error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # at exit's flush
        return EXIT_FAILED
    except Exception as exc:  # one readable line; the traceback only with SUMMARY_LOG_LEVEL=DEBUG
        from service.pipeline.models.registry import ModelLoadError

        logging.getLogger(__name__).debug("command failed", exc_info=True)
        code = EXIT_MODEL if isinstance(exc, ModelLoadError) else EXIT_FAILED
        return fail(str(exc) or type(exc).__name__, code)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog=program_name(),
        description="Multi-document summarisation: a brief of many documents in which every "
        "sentence cites the documents, and the passages, it rests on.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", title="commands"
    )
    brief.add_parser(commands)
    serve.add_parser(commands)
    models.add_parser(commands)
    _add_keys(commands)
    return parser


def _add_keys(commands: Any) -> None:
    """`keys create|list|revoke`: API keys (imported only now: it loads the store)."""
    from service.cli import keys

    keys.add_parser(commands)
