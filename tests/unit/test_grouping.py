"""Star clustering of summary sentences, on plain vectors (no model)."""

from __future__ import annotations

import numpy as np

from service.pipeline.merge.grouping import (
    MAX_NEIGHBOURS,
    RELATED_COSINE,
    RELATED_WORD_OVERLAP,
    SAME_FACT_COSINE,
    Candidate,
    candidate,
    group_candidates,
    word_overlap,
)
from service.pipeline.merge.neighbours import similar_pairs
from service.pipeline.types import Citation, SummarySentence


def _candidates(texts_by_document: list[list[str]]) -> list[Candidate]:
    found = []
    for order, texts in enumerate(texts_by_document):
        for text in texts:
            sentence = SummarySentence(text, [Citation(f"d{order}", 0, len(text))], 1.0, 0)
            found.append(candidate(sentence, f"d{order}", order, len(found)))
    return found


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def _by_rule(candidates: list[Candidate], vectors: np.ndarray, importance: np.ndarray):
    """The documented method, pair by pair: what the vectorised graph must reproduce."""
    count = len(candidates)
    edges: list[list[tuple[float, int]]] = [[] for _ in range(count)]
    for i in range(count):
        for j in range(i + 1, count):
            if candidates[i].doc_order == candidates[j].doc_order:
                continue
            cosine = float(vectors[i] @ vectors[j])
            overlap = word_overlap(candidates[i].words, candidates[j].words)
            if cosine >= SAME_FACT_COSINE or (
                cosine >= RELATED_COSINE and overlap >= RELATED_WORD_OVERLAP
            ):
                edges[i].append((cosine, j))
                edges[j].append((cosine, i))
    support = [len({candidates[j].doc_order for _, j in mine}) for mine in edges]
    order = sorted(range(count), key=lambda i: (-support[i], -importance[i], i))
    grouped, groups = [False] * count, []
    for i in order:
        if grouped[i]:
            continue
        grouped[i] = True
        members, documents = [i], {candidates[i].document_id}
        for _, j in sorted(edges[i], reverse=True):
            other = candidates[j]
            if grouped[j] or other.document_id in documents:
                continue
            if candidates[i].figures <= other.figures:
                members.append(j)
                documents.add(other.document_id)
                grouped[j] = True
        groups.append(members)
    return groups


def test_the_same_fact_in_three_documents_is_one_group_citing_each():
    candidates = _candidates(
        [["Troops were deployed.", "Bankers met."], ["Troops deployed."], ["Troops arrived."]]
    )
    vectors = _unit(np.array([[1, 0, 0], [0, 1, 0], [1, 0.05, 0], [1, 0, 0.05]], dtype=float))
    groups = group_candidates(candidates, vectors, np.zeros(4))
    assert [sorted(m.row for m in g.members) for g in groups] == [[0, 2, 3], [1]]
    assert groups[0].document_ids == {"d0", "d1", "d2"}


def test_a_group_takes_one_sentence_per_document():
    candidates = _candidates([["A storm hit.", "A storm struck."], ["The storm hit."]])
    vectors = _unit(np.array([[1, 0], [1, 0.01], [1, 0.02]], dtype=float))
    groups = group_candidates(candidates, vectors, np.zeros(3))
    assert all(len(g.document_ids) == len(g.members) for g in groups)
    assert sorted(len(g.members) for g in groups) == [1, 2]


def test_a_member_must_carry_every_figure_of_its_leader():
    candidates = _candidates([["Officials say 10,000-12,000 soldiers."], ["Officials say 12,000."]])
    vectors = _unit(np.array([[1, 0], [1, 0.01]], dtype=float))
    groups = group_candidates(candidates, vectors, np.array([1.0, 0.0]))
    assert [len(g.members) for g in groups] == [1, 1]


def test_the_numpy_graph_groups_as_the_rule_does_pair_by_pair():
    rng = np.random.default_rng(7)
    topics = _unit(rng.normal(size=(12, 16)))
    words = [f"word{w}" for w in range(40)]
    texts, rows = [], []
    for _document in range(30):
        mine = []
        for _ in range(3):
            topic = int(rng.integers(len(topics)))
            rows.append(topics[topic] + rng.normal(scale=0.2, size=16))
            picked = rng.choice(words, size=6, replace=False)
            figure = f" {int(rng.integers(3))} units" if rng.random() < 0.3 else ""
            mine.append(" ".join(picked) + figure + f" topic{topic}.")
        texts.append(mine)
    candidates = _candidates(texts)
    vectors = _unit(np.asarray(rows))
    importance = rng.random(len(candidates))
    owners = np.asarray([c.doc_order for c in candidates])
    assert len(similar_pairs(vectors, owners, RELATED_COSINE, MAX_NEIGHBOURS)[0]) > 50
    groups = group_candidates(candidates, vectors, importance)
    assert [[m.row for m in g.members] for g in groups] == _by_rule(candidates, vectors, importance)
    assert any(len(g.members) > 2 for g in groups)


def test_words_stand_in_for_embeddings_where_the_model_does_not_know_the_language():
    from service.pipeline.merge.grouping import LexicalEncoder, embeds_well

    texts = [
        "भारत में भारी बारिश से बाढ़ आई है",
        "भारत में भारी बारिश से बाढ़ आई है",
        "क्रिकेट टीम ने मैच जीता",
    ]
    vectors = LexicalEncoder(texts)(texts)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert float(vectors[0] @ vectors[1]) > 0.99
    assert float(vectors[0] @ vectors[2]) < 0.2
    assert embeds_well("en") and not embeds_well("hi")


def test_a_brief_in_such_a_language_groups_by_words_and_never_asks_the_embedder():
    from service.pipeline.merge.summaries import merge_summaries
    from service.pipeline.types import Document, DocumentFacts, ModelInfo, Summary

    def refuse(texts: list[str]) -> np.ndarray:
        raise AssertionError("all-MiniLM-L6-v2 was asked about Hindi")

    same = "भारत में भारी बारिश से बाढ़ आई है और सैकड़ों लोग बेघर हुए"
    texts = {"a": [same, "क्रिकेट टीम ने कल का मैच आसानी से जीता"], "b": [same]}
    documents, summaries = [], []
    for doc_id, sentences in texts.items():
        text = " ".join(sentences)
        documents.append(Document(doc_id, text, "hi"))
        quoted, at = [], 0
        for position, sentence in enumerate(sentences):
            quoted.append(
                SummarySentence(sentence, [Citation(doc_id, at, at + len(sentence))], 1.0, position)
            )
            at += len(sentence) + 1
        facts = DocumentFacts(doc_id, "hi", "m", 10, 1, False, len(sentences))
        summaries.append(Summary(doc_id, ModelInfo("m", "extractive"), quoted, facts))
    brief = merge_summaries(summaries, documents, refuse, 100)
    assert [s.document_ids for s in brief.sentences] == [["a", "b"], ["a"]]
