"""The old name of the top-level `bench` package: `python -m service.bench NAME` still runs
`python -m bench NAME` from a checkout (the benchmarks are not part of the installed package)."""
