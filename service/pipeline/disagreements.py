"""Find sources that give different figures for the same thing.

Each figure in a sentence becomes a *mention* with a *frame*: the word it counts (the first
lower-case word after it, "troops" in "10,000 North Korean troops") followed by the content words
around it ("troops deployed", "soldiers killed wounded"). Mentions whose frames are close
(embedding cosine >= `FRAME_COSINE`) count the same thing; they are grouped by star clustering, as
sentences are in the merge. A thing that two or more documents give two or more different figures
for is a disagreement; the same figure in several sources is agreement and is not reported.

Mentions come from every summary sentence and from the content sentences of the documents the
brief cites (the `MAX_SCANNED_DOCUMENTS` most cited), so that a figure a summary left out can
still contradict one the brief states. Years and days of the month are not counts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from service.pipeline.chronology import MONTHS
from service.pipeline.cleaning import clean_document
from service.pipeline.facts import Figure, figures, words
from service.pipeline.sentences import sentence_spans
from service.pipeline.types import Citation, Disagreement, Document, FigureClaim


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


FRAME_COSINE = 0.72
WINDOW_BEFORE, WINDOW_AFTER = 4, 7  # words around a figure that say what it counts
NOUN_REACH = 4  # the counted word comes within this many words after the figure
MAX_SCANNED_DOCUMENTS = 50
MAX_MENTIONS = 500  # bounds the one extra embedding call
MAX_DISAGREEMENTS = 5

# sumy's stop-word lists, by our language code: what is left of a frame is what it is about.
_STOP_WORD_LISTS = {
    "en": "english", "fr": "french", "cs": "czech", "el": "greek", "he": "hebrew",
    "ar": "arabic", "de": "german", "es": "spanish", "it": "italian", "pt": "portuguese",
}  # fmt: skip
# Words that hedge a figure ("about 300") say nothing about what it counts.
HEDGES = {
    "en": _word_set("approximately roughly nearly almost estimated around about some least"),
    "fr": _word_set("environ près presque quelque quelques moins plus"),
}

Encode = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class Statement:
    """A sentence that may carry figures, where it is, and whether a summary chose it."""

    text: str
    citation: Citation
    doc_order: int
    summarised: bool


@dataclass(frozen=True)
class _Mention:
    figure: Figure
    statement: Statement
    about: str
    frame: str


def find_disagreements(
    statements: Sequence[Statement], encode: Encode, language: str = "en"
) -> list[Disagreement]:
    mentions = [m for s in statements for m in _mentions(s, language)][:MAX_MENTIONS]
    if not mentions:
        return []
    vectors = encode([m.frame for m in mentions])
    found = [_disagreement(things) for things in _things(mentions, vectors)]
    ranked = sorted((d for d in found if d is not None), key=lambda d: -len(_documents(d)))
    return ranked[:MAX_DISAGREEMENTS]


def document_statements(
    documents: Sequence[Document], cited: Sequence[str], language: str, *, digits: bool = True
) -> list[Statement]:
    """Content sentences (with a digit, unless `digits` is False) of the most cited documents."""
    order = {document.id: at for at, document in enumerate(documents)}
    by_id = {document.id: document for document in documents}
    found: list[Statement] = []
    for document_id in list(dict.fromkeys(cited))[:MAX_SCANNED_DOCUMENTS]:
        document = by_id[document_id]
        for block in clean_document(document).blocks:
            text = document.text[block.start : block.end]
            if digits and not re.search(r"\d", text):
                continue
            for start, end in sentence_spans(text, language, fast=True):
                citation = Citation(document.id, block.start + start, block.start + end)
                found.append(Statement(text[start:end], citation, order[document.id], False))
    return found


def _mentions(statement: Statement, language: str) -> list[_Mention]:
    found = []
    for figure in figures(statement.text):
        clause_start = max(statement.text.rfind(mark, 0, figure.start) for mark in ",;:(")
        before = words(statement.text[clause_start + 1 : figure.start])[-WINDOW_BEFORE:]
        after = words(statement.text[figure.end :])[:WINDOW_AFTER]
        if _is_date(figure, before, after):
            continue
        noun_at = next(
            (at for at, word in enumerate(after[:NOUN_REACH]) if word.islower() and len(word) > 2),
            None,
        )
        if noun_at is None:
            continue
        stop = _stop_words(language)
        context = [
            w for w in before + after if w.islower() and w != after[noun_at] and w not in stop
        ]
        detail = [w for w in after[noun_at + 1 :] if w.islower() and w not in stop][:2]
        about = " ".join(after[: noun_at + 1]) + (f" ({', '.join(detail)})" if detail else "")
        found.append(_Mention(figure, statement, about, " ".join([after[noun_at], *context])))
    return found


def _is_date(figure: Figure, before: list[str], after: list[str]) -> bool:
    """A year, or a day next to a month name: a date, not a count."""
    if re.fullmatch(r"1[89]\d\d|20\d\d", figure.text):
        return True
    near = [w.lower().rstrip(".") for w in before[-1:] + after[:1]]
    return figure.text.isdigit() and int(figure.text) <= 31 and any(w in MONTHS for w in near)


def _things(mentions: list[_Mention], vectors: np.ndarray) -> list[list[_Mention]]:
    """Star clustering: the mention with most close frames leads, and takes them all."""
    close = (vectors @ vectors.T) >= FRAME_COSINE
    taken = np.zeros(len(mentions), dtype=bool)
    things: list[list[_Mention]] = []
    for at in sorted(range(len(mentions)), key=lambda i: (-int(close[i].sum()), i)):
        if taken[at]:
            continue
        members = np.flatnonzero(close[at] & ~taken)
        taken[members] = True
        things.append([mentions[at]] + [mentions[i] for i in members if i != at])
    return things


def _disagreement(thing: list[_Mention]) -> Disagreement | None:
    if not any(m.statement.summarised for m in thing):
        return None
    by_figure: dict[str, list[_Mention]] = {}
    for mention in thing:
        by_figure.setdefault(mention.figure.key, []).append(mention)
    documents = {m.statement.citation.document_id for m in thing}
    if len(by_figure) < 2 or len(documents) < 2:
        return None
    claims = [
        FigureClaim(group[0].figure.text, _one_per_document(group))
        for group in sorted(by_figure.values(), key=lambda g: g[0].statement.doc_order)
    ]
    return Disagreement(thing[0].about, claims)


def _one_per_document(group: list[_Mention]) -> list[Citation]:
    citations: dict[str, Citation] = {}
    for mention in group:
        citations.setdefault(mention.statement.citation.document_id, mention.statement.citation)
    return list(citations.values())


def _documents(disagreement: Disagreement) -> set[str]:
    return {c.document_id for f in disagreement.figures for c in f.citations}


@cache
def _stop_words(language: str) -> frozenset[str]:
    language = language.split("-")[0]
    name = _STOP_WORD_LISTS.get(language)
    if name is None:
        return HEDGES.get(language, frozenset())
    from sumy.utils import get_stop_words

    return frozenset(get_stop_words(name)) | HEDGES.get(language, frozenset())
