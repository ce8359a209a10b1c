"""Check a brief sentence against the evidence it cites, before anyone reads it.
DEVELOPERS.md ("Design notes of the pipeline and ingest", `service/pipeline/merge/faithfulness.py`)
says how and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from service.pipeline.merge.assertions import names, negated, numbers, words
from service.pipeline.merge.backing import unbacked
from service.pipeline.types import Citation, Document, Encode

MIN_SUPPORT = 0.6


@dataclass(frozen=True)
class Verdict:
    support: float  # best cosine between the sentence and a cited passage
    problems: tuple[str, ...]  # what is not backed by the evidence; empty when it passes

    @property
    def passed(self) -> bool:
        return not self.problems


def evidence_passages(citations: Sequence[Citation], documents: dict[str, Document]) -> list[str]:
    """The cited passages, sliced from the documents' stored text."""
    return [
        documents[c.document_id].text[c.start : c.end]
        for c in citations
        if c.document_id in documents
    ]


def unbacked_facts(text: str, passages: Sequence[str]) -> list[str]:
    """Numbers and names of `text` that no passage contains."""
    found_numbers = set().union(*(numbers(p) for p in passages)) if passages else set()
    found_words = {w.casefold() for p in passages for w in words(p)}
    problems = [f"number {n} is not in the evidence" for n in sorted(numbers(text) - found_numbers)]
    problems += [f"name {n!r} is not in the evidence" for n in sorted(names(text) - found_words)]
    return problems


def check_sentence(
    text: str,
    vector: np.ndarray,
    passages: Sequence[str],
    encode: Encode,
    language: str = "en",
    min_support: float = MIN_SUPPORT,
) -> Verdict:
    """Judge `text` (embedded as `vector`) against the `passages` it cites."""
    if not passages:
        return Verdict(0.0, ("no evidence cited",))
    problems = [
        f"{problem} is not carried by the evidence"
        for problem in unbacked(text, " ".join(passages), language)
    ]
    if any(negated(p, language) != negated(text, language) for p in passages[:1]):
        problems.append("negation differs from the evidence")
    support = _support(text, vector, passages, encode)
    if support < min_support:
        problems.append(f"support {support:.2f} is under {min_support}")
    return Verdict(round(support, 4), tuple(problems))


def _support(text: str, vector: np.ndarray, passages: Sequence[str], encode: Encode) -> float:
    """Quoted text is its own evidence (1.0); otherwise the best cosine to a passage."""
    normalised = " ".join(text.split())
    if any(" ".join(p.split()) == normalised for p in passages):
        return 1.0
    vectors = encode(list(passages))
    return float(np.max(vectors @ vector))
