"""Benchmarks: scripts that print figures, each with a baseline measured in the same run.

`python -m bench NAME [args]` runs `bench.NAME.main(args)`.
"""
