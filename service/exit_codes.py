"""The exit codes of every command of the command line (`summarise`, `summarise keys`), in one place
so that scripts can rely on them and each command module imports them from here."""

from __future__ import annotations

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_MODEL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
EXIT_CODES = f"""exit codes:
  {EXIT_OK}    success
  {EXIT_FAILED}    the brief failed (no document could be summarised, or an internal error)
  {EXIT_USAGE}    bad usage or input: an unknown option, a missing or unreadable file, an empty text
  {EXIT_MODEL}    a model could not be loaded
  {EXIT_INTERRUPTED}  interrupted (Ctrl-C)"""
