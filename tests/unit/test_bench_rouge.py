"""The ROUGE benchmark command itself, on two small MultiLing clusters."""

from __future__ import annotations

import json
import shutil

import pytest

from bench import rouge
from bench.rouge_scoring import UnicodeTokenizer, cut, recall
from tests.conftest import MULTILING_ENGLISH


def test_scoring_counts_non_latin_words():
    assert UnicodeTokenizer().tokenize("नमस्ते दुनिया, Καλημέρα!") == ["नमस्ते", "दुनिया", "καλημέρα"]
    scores = recall("Η κυβέρνηση ανακοίνωσε μέτρα", ["Η κυβέρνηση ανακοίνωσε νέα μέτρα"], "el", 50)
    assert scores["rouge1"] == 80.0
    assert cut("one two three four", 2) == "one two"


@pytest.mark.slow
def test_a_lead_is_scored_against_the_references_first_sentences():
    from bench.rouge_leads import lead_scores
    from service.pipeline.types import BriefSentence, Citation, Document

    documents = [Document("a", "2005/01/08 Title\n\nText.", "en")]
    news = BriefSentence("A bill on tsunami aid passed the Senate.", [Citation("a", 0, 5)], 1.0)
    quote = BriefSentence('"We lost all," she said.', [Citation("a", 0, 5), Citation("b", 0, 5)], 2)
    references = ["A bill on tsunami aid passed the Senate on Friday. More follows."]
    scores = lead_scores([news, quote], documents, references, "en")
    assert (
        scores["first_sentence"] > 50 > scores["first_sentence_before"]
    )  # before: most sources first, the quote


@pytest.mark.slow
def test_two_clusters_in_the_benchmark_layout(tmp_path, capsys):
    if not MULTILING_ENGLISH.is_dir():
        pytest.skip("shared MultiLing data is not present")
    for cluster in ("M000", "M001"):
        source = MULTILING_ENGLISH / cluster
        (tmp_path / cluster / "docs").mkdir(parents=True)
        shutil.copytree(source / "refs", tmp_path / cluster / "refs")
        for document in sorted((source / "docs").glob("*.txt"))[:3]:
            shutil.copy(document, tmp_path / cluster / "docs" / document.name)
    assert rouge.main([str(tmp_path), "--words", "100", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    figures = report["languages"][tmp_path.name]
    assert figures["clusters"] == 2
    for system in rouge.SYSTEMS:
        assert 0 < figures[system]["rouge1"] <= 100
        assert 0 <= figures[system]["rouge2"] <= figures[system]["rouge1"]
        assert 0 <= figures[system]["redundancy_cosine"] <= 1
        assert 0 <= figures[system]["redundancy_concepts"] <= 1
    assert figures["evidence_coverage"] == 1.0
    assert figures["brief"]["redundancy_concepts"] == 0, "the merge never lets that through"
    assert figures["trimmed_words"] >= 0
    assert 0 <= figures["first_sentence_rouge2"] <= 100
    assert 0 <= figures["first_sentence_before_rouge2"] <= 100


def test_the_bench_command_lists_benchmarks_not_their_helpers():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "bench", "--help"], capture_output=True, text=True)
    assert done.returncode == 0
    listed = set(done.stderr.split("{", 1)[1].split("}", 1)[0].split(","))
    assert {"merge", "rouge", "speed"} <= listed
    assert not listed & {"rouge_scoring", "rouge_baselines", "merge_corpus", "merge_store"}
    assert not listed & {"rouge_leads"}
