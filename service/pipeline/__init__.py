"""The pipeline: documents in, a cited brief out; plain functions over `types.py`, no Flask.

Rooms by role, imports pointing down only (import-linter checks it, see pyproject.toml):
`engine` (one `Pipeline` per process) -> `stories/`, `summarisers/` -> `merge/`, `models/` ->
`documents/` -> `types`. `render.py` turns a finished brief into text, Markdown and JSON.
"""
