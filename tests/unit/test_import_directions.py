"""The layout's import rules are import-linter contracts in `pyproject.toml`, run by `make lint`:
the layers the README states, the pipeline's rooms, no SQLAlchemy outside the store, no cycles.
These tests run them on this tree, and on a copy broken as the tree once was, to show that they
see what they must (imports inside functions included)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` with the contracts of this repository's pyproject.toml, on `root/service`."""
    return subprocess.run(
        [str(LINT_IMPORTS), str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_tree_keeps_every_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_the_contracts_see_the_violations_they_replaced(tmp_path):
    """jobs/ importing observability/ (once in `celery_app.py`), dispatch <-> worker (once in
    `background_worker`), api/ importing web/, and the pipeline importing Flask: each lazily,
    inside a function, as they were."""
    shutil.copytree(
        ROOT / "service", tmp_path / "service", ignore=shutil.ignore_patterns("__pycache__")
    )
    jobs = tmp_path / "service" / "jobs"
    _append(
        jobs / "celery_app.py", "\n\ndef _metrics():\n    from service.observability import jobs\n"
    )
    _append(jobs / "worker.py", "\n\ndef _dispatcher():\n    from service.jobs import dispatch\n")
    _append(
        tmp_path / "service" / "api" / "health.py", "\n\ndef _page():\n    import service.web\n"
    )
    merge = tmp_path / "service" / "pipeline" / "merge" / "summaries.py"
    _append(merge, "\n\ndef _flask():\n    import flask\n")
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    report = " ".join(result.stdout.split())
    assert "service.jobs.celery_app -> service.observability.jobs" in report
    assert ".worker -> .dispatch" in report
    assert "service.api.health -> service.web" in report
    assert "service.pipeline.merge.summaries -> flask" in report
