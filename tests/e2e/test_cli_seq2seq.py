"""The command line on a seq2seq checkpoint: `brief --model PATH` loads it through the production
path (registry-free, by local path), chunks every seed to its 128-token limit, generates per chunk,
and reports what it read in the brief's per-document facts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.cli import main
from service.exit_codes import EXIT_MODEL, EXIT_OK
from tests.seeds import CORPUS, load_seeds

pytestmark = pytest.mark.slow


def test_brief_with_a_local_seq2seq_checkpoint(tiny_seq2seq_dir: Path, capsys) -> None:
    code = main(["brief", str(CORPUS), "--model", str(tiny_seq2seq_dir), "--format", "json"])
    out = capsys.readouterr().out
    assert code == EXIT_OK, out
    job = json.loads(out)
    brief = job["brief"]
    seeds = load_seeds()

    assert job["status"] == "done"
    assert [m["kind"] for m in brief["models"]] == ["seq2seq"]
    assert brief["models"][0]["name"] == str(tiny_seq2seq_dir)
    facts = {f["document_id"]: f for f in brief["document_facts"]}
    assert set(facts) == set(seeds)
    for fact in facts.values():
        assert fact["error"] is None, fact
        assert fact["tokens"] > 128, fact  # every seed is longer than the model's input
        assert fact["chunks"] >= 2, fact
    for sentence in brief["sentences"]:
        for citation in sentence["citations"]:
            text = seeds[citation["document_id"]]
            assert 0 <= citation["start"] < citation["end"] <= len(text)


def test_a_model_that_cannot_be_loaded_is_an_error_not_a_fallback(tmp_path: Path, capsys) -> None:
    missing = tmp_path / "no-such-model"
    code = main(["brief", str(CORPUS), "--model", str(missing)])
    captured = capsys.readouterr()
    assert code == EXIT_MODEL
    assert captured.out == ""
    assert str(missing) in captured.err and captured.err.count("\n") == 1
