"""ROUGE recall as the benchmark reports it, with `rouge-score`.

English is scored with rouge-score's own tokenizer and the Porter stemmer. Its tokenizer keeps only
ASCII letters and digits, which would score every non-Latin summary zero, so every other language is
scored on Unicode words (letters, combining marks and digits; a Devanagari vowel sign is a mark),
lower-cased, unstemmed. Both sides are cut to the same number of words first.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import regex
from rouge_score import rouge_scorer

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")
_UNICODE_WORD = regex.compile(r"[\p{L}\p{M}\p{N}]+")


class UnicodeTokenizer:
    """rouge-score's tokenizer interface over Unicode words."""

    def tokenize(self, text: str) -> list[str]:
        return _UNICODE_WORD.findall(text.lower())


def cut(text: str, words: int) -> str:
    return " ".join(text.split()[:words])


@cache
def scorer(language: str) -> rouge_scorer.RougeScorer:
    if language == "en":
        return rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
    return rouge_scorer.RougeScorer(list(ROUGE_TYPES), tokenizer=UnicodeTokenizer())


def recall(summary: str, references: Sequence[str], language: str, words: int) -> dict[str, float]:
    """Recall of each ROUGE type, averaged over the references, in points (0-100)."""
    if not references:
        raise ValueError("no reference summary to score against")
    totals = dict.fromkeys(ROUGE_TYPES, 0.0)
    for reference in references:
        scores = scorer(language).score(cut(reference, words), cut(summary, words))
        for name in ROUGE_TYPES:
            totals[name] += scores[name].recall
    return {name: round(100 * total / len(references), 2) for name, total in totals.items()}
