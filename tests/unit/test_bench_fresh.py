"""The fresh-corpus benchmark's own parts: documents that are all new, stages' own time."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest

from bench import fresh
from bench.speed_model import NEWS


@pytest.mark.skipif(not NEWS.is_dir(), reason="needs ../shared/data/multiling2011")
def test_repeated_documents_are_new_texts_under_new_ids() -> None:
    made = fresh.documents(250)
    assert len({d["id"] for d in made}) == 250
    digests = {hashlib.sha256(d["text"].encode()).hexdigest() for d in made}
    assert len(digests) == 250  # no summary cache hit: every text (and so its key) is new
    originals = len(fresh.news_files())
    assert made[originals]["text"].split() == made[0]["text"].split()  # the same words


def test_a_stage_inside_another_counts_only_for_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    ticks: Iterator[float] = iter([0.0, 1.0, 4.0, 10.0])  # outer starts, inner 1-4, outer ends
    monkeypatch.setattr(fresh.time, "perf_counter", lambda: next(ticks))
    watch = fresh.Stopwatch()
    inner = watch.wrap("embedding", lambda: "vectors")
    with watch.stage("selection"):
        assert inner() == "vectors"
    assert dict(watch.seconds) == {"embedding": 3.0, "selection": 7.0}
    assert dict(watch.within) == {"embedding<selection": 3.0}
