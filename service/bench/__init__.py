"""Benchmarks: scripts that print figures, each with a baseline measured in the same run.

`python -m service.bench NAME [args]` runs `service.bench.NAME.main(args)`.
"""
