"""The progress line page.js shows while it follows a brief is the line the server writes into the
Markdown and HTML (`service.http.formats.progress_text`): page.js's functions run in Node on the
same jobs, a lost worker's retries and note among them."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from service.http.formats import progress_text

PAGE_JS = Path(__file__).resolve().parents[2] / "service" / "web" / "static" / "page.js"
FUNCTIONS = ("progressText", "redoneText", "progressLine")
NOTE = "2026-11-29T10:00:00Z: the worker running 8 documents (map-0002) vanished; <b>sent</b> again"
JOBS = [
    {"status": "queued", "progress": {"done": 0, "total": 3, "stage": None}},
    {"status": "running", "progress": {"done": 2, "total": 3, "stage": "summarising"}},
    {"status": "running", "progress": {"done": 3, "total": 3, "stage": "merging"}},
    {"status": "running", "progress": {"done": 20, "total": 100, "retries": 1, "note": NOTE}},
    {"status": "queued", "progress": {"done": 0, "total": 3, "retries": 2, "note": "lost."}},
    {"status": "running", "progress": {"done": 1, "total": 3, "retries": 1, "note": None}},
    {
        "status": "failed",
        "progress": {"done": 1, "total": 3, "retries": 3, "note": NOTE},
        "error": {"reason": "gave up after 3 attempts"},
    },
    {"status": "done", "progress": {"done": 3, "total": 3, "retries": 1, "note": NOTE}},
]


def functions_of_page_js() -> str:
    source = PAGE_JS.read_text(encoding="utf-8")
    found = []
    for name in FUNCTIONS:
        match = re.search(rf"^  function {name}\(job\) {{\n.*?^  }}\n", source, re.M | re.S)
        assert match, f"page.js has no function {name}(job)"
        found.append(match.group(0))
    return "\n".join(found)


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js")
def test_page_js_shows_the_servers_progress_line_with_a_lost_workers_note():
    script = (
        functions_of_page_js()
        + "\nconst jobs = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        + "\nprocess.stdout.write(JSON.stringify(jobs.map(progressText)));\n"
    )
    shown = subprocess.run(
        ["node", "-e", script],
        input=json.dumps(JOBS),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    expected = [progress_text(job) for job in JOBS]
    assert json.loads(shown) == expected
    assert expected[3] == (
        f"Summarising: 20 of 100 documents done. Redoing work a lost worker left (retry 1): {NOTE}."
    )
