"""`python -m service.bench NAME [ARGS...]`: runs `python -m bench NAME [ARGS...]`."""

import runpy

runpy.run_module("bench", run_name="__main__", alter_sys=True)
