"""The pipeline: documents in, a cited brief out; plain functions over `types.py`, no Flask.

Rooms by role, imports pointing down only (import-linter checks it, see pyproject.toml):
`runner` (one `Pipeline` per process), `render/` (a finished brief as JSON, text, Markdown and
the view the web page shows) -> `stories/`, `summarisers/` -> `merge/`, `models/` -> `documents/`
-> `types`.
"""
