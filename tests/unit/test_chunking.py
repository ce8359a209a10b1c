"""chunk_sentences: token limits, overlap, over-long sentences, the chunk cap, nothing lost."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pytest

from service.pipeline.documents.chunking import chunk_sentences
from service.pipeline.types import Chunk, Sentence

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def sentences_in(text: str, document_id: str = "doc") -> list[Sentence]:
    """Sentences as exact spans of `text`, by a plain split on end punctuation."""
    found = re.finditer(r"[^\s.!?][^.!?\n]*[.!?]?", text)
    return [
        Sentence(document_id, index, match.start(), match.end(), match.group(), block=0)
        for index, match in enumerate(found)
    ]


def word_counts(texts: list[str]) -> list[int]:
    return [len(text.split()) for text in texts]


def counter(tokenizer: Any):
    def count(texts: list[str]) -> list[int]:
        return [len(e.ids) for e in tokenizer.encode_batch(texts, add_special_tokens=False)]

    return count


def new_sentences(chunks: list[Chunk]) -> list[int]:
    """Sentence indices each chunk adds, overlap left out, in order."""
    return [s.index for chunk in chunks for s in chunk.sentences[chunk.overlap :]]


@pytest.fixture(scope="module")
def seed() -> list[Sentence]:
    return sentences_in((CORPUS / "146c9178da6cf846.txt").read_text(encoding="utf-8"))


@pytest.mark.parametrize("limit", [64, 128, 256])
def test_chunks_fit_the_limit_measured_with_the_real_tokenizer(seed, minilm_tokenizer, limit):
    count = counter(minilm_tokenizer)
    chunks, cut = chunk_sentences(seed, count, limit, overlap_sentences=0)
    assert not cut
    assert len(chunks) > 1
    for chunk in chunks:
        joined = " ".join(sentence.text for sentence in chunk.sentences)
        assert chunk.tokens <= limit
        assert count([joined])[0] <= chunk.tokens  # the separator allowance covers the joins
    assert new_sentences(chunks) == [sentence.index for sentence in seed]
    assert [chunk.index for chunk in chunks] == list(range(len(chunks)))


def test_each_chunk_repeats_the_last_sentence_of_the_one_before(seed, minilm_tokenizer):
    count = counter(minilm_tokenizer)
    chunks, cut = chunk_sentences(seed, count, 64, overlap_sentences=1)
    assert not cut
    assert chunks[0].overlap == 0
    for before, after in itertools.pairwise(chunks):
        if after.overlap:
            assert after.sentences[0] == before.sentences[-1]
            assert len(after.sentences) > 1  # the overlap never fills a chunk on its own
        else:  # only when the carried sentence and the next one cannot share a chunk
            assert sum(count([before.sentences[-1].text, after.sentences[0].text])) + 1 > 64
    assert sum(chunk.overlap for chunk in chunks) >= len(chunks) // 2
    assert new_sentences(chunks) == [sentence.index for sentence in seed]


def test_overlap_is_left_out_when_it_leaves_no_room_for_the_next_sentence():
    sentences = sentences_in("One two three four five six. Seven eight nine ten eleven twelve.")
    chunks, cut = chunk_sentences(sentences, word_counts, 8, overlap_sentences=1)
    assert not cut
    assert [[s.index for s in chunk.sentences] for chunk in chunks] == [[0], [1]]
    assert [chunk.overlap for chunk in chunks] == [0, 0]


def test_overlap_shrinks_to_what_fits():
    text = "A b c. D e f. G h i j k l."
    chunks, _ = chunk_sentences(sentences_in(text), word_counts, 10, overlap_sentences=2)
    assert [[s.index for s in chunk.sentences] for chunk in chunks] == [[0, 1], [1, 2]]
    assert chunks[1].overlap == 1


def test_a_sentence_over_the_limit_is_a_chunk_of_its_own_and_reported_cut():
    long = " ".join(["word"] * 30) + "."
    sentences = sentences_in(f"Short one here. {long} Another short one.")
    chunks, cut = chunk_sentences(sentences, word_counts, 10, overlap_sentences=1)
    assert cut
    assert [[s.index for s in chunk.sentences] for chunk in chunks] == [[0], [1], [2]]
    assert chunks[1].tokens == 30  # its real length, not the limit
    assert chunks[2].overlap == 0  # nothing is carried out of an over-long chunk


def test_chunks_past_the_cap_are_dropped_and_reported_cut(seed, minilm_tokenizer):
    count = counter(minilm_tokenizer)
    everything, _ = chunk_sentences(seed, count, 64)
    capped, cut = chunk_sentences(seed, count, 64, max_chunks=2)
    assert cut
    assert capped == everything[:2]
    exact, cut = chunk_sentences(seed, count, 64, max_chunks=len(everything))
    assert not cut
    assert exact == everything


def test_no_sentences_make_no_chunks():
    def never(texts: list[str]) -> list[int]:
        raise AssertionError("nothing to count")

    assert chunk_sentences([], never, 64) == ([], False)


@pytest.mark.parametrize(("limit", "overlap"), [(0, 1), (10, -1)])
def test_impossible_settings_are_refused(limit, overlap):
    with pytest.raises(ValueError):
        chunk_sentences(sentences_in("A b c."), word_counts, limit, overlap_sentences=overlap)


@pytest.mark.parametrize("overlap", [0, 1, 3])
def test_every_sentence_is_read_whatever_the_lengths(overlap):
    lengths = [1, 9, 2, 12, 3, 3, 3, 20, 1, 1, 8, 5, 15, 2]
    text = " ".join(" ".join(["w"] * n) + "." for n in lengths)
    sentences = sentences_in(text)
    chunks, cut = chunk_sentences(sentences, word_counts, 10, overlap_sentences=overlap)
    assert cut == any(n > 10 for n in lengths)
    assert new_sentences(chunks) == list(range(len(lengths)))
    assert all(chunk.tokens <= 10 or len(chunk.sentences) == 1 for chunk in chunks)
