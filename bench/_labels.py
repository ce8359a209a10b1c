"""Labelled pairs of the benches that score a decision against reading (`figures`, `citations`):
read from JSON lines (lines not opening with "{" are the file's header), scored as precision
and recall."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def read_labels(path: Path) -> list[dict[str, Any]]:
    return [
        json.loads(line)
        for line in path.read_text(encoding="utf-8").splitlines()
        if line[:1] == "{"
    ]


def precision_recall(truth: Sequence[bool], said: Sequence[bool]) -> dict[str, Any]:
    """How many pairs, how many labelled true, how many the decision took (`found`), how many of
    those rightly, and the precision and recall (None where undefined)."""
    right = sum(t and s for t, s in zip(truth, said, strict=True))
    return {
        "pairs": len(truth),
        "true": sum(truth),
        "found": sum(said),
        "right": right,
        "precision": right / sum(said) if any(said) else None,
        "recall": right / sum(truth) if any(truth) else None,
    }
