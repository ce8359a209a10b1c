"""Find sources that give different figures for the same measure of the same event.

Each figure in a sentence is read into a `Measure` (`measures.py`): the counted noun and the verb
attached to it ("troops deployed", "soldiers killed or wounded"), the time expressions of its clause
(its scope: "over the weekend", "in December", none), its unit, its qualifier and who states it.
Two figures are comparable when they come from different documents and have the same verb, scope
and unit, the same counted noun (or one the embeddings take for the same: "troops", "soldiers"),
and sentences close enough to be about the same event. Comparable figures are grouped by star
clustering; a group is a disagreement when two or more documents give two or more different
figures for it. A group in which one document gives several figures is dropped: its measure does
not name one quantity (the distances of several aftershocks), and reporting it would be wrong.

Mentions come from every summary sentence and from the content sentences of the documents the
brief cites (the `MAX_SCANNED_DOCUMENTS` most cited), so that a figure a summary left out can
still contradict one the brief states.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from service.pipeline.documents.reading import document_sentences
from service.pipeline.merge.measures import Measure, measures
from service.pipeline.merge.neighbours import star_clusters
from service.pipeline.types import Citation, Disagreement, Document, Encode, FigureClaim

EVENT_COSINE = 0.5  # two sentences this close report on the same event
NOUN_COSINE = 0.8  # two counted nouns this close count the same thing ("troops", "soldiers")
MAX_SCANNED_DOCUMENTS = 50
MAX_MENTIONS = 500  # bounds the one extra embedding call
MAX_DISAGREEMENTS = 5


@dataclass(frozen=True)
class Statement:
    """A sentence that may carry figures, where it is, and whether a summary chose it."""

    text: str
    citation: Citation
    doc_order: int
    summarised: bool


@dataclass(frozen=True)
class _Mention:
    measure: Measure
    statement: Statement

    @property
    def document_id(self) -> str:
        return self.statement.citation.document_id

    @property
    def key(self) -> str:
        """The figure's value: "7" and "7.0" state the same one."""
        values = self.measure.figure.values
        return "-".join(f"{float(v):g}" for v in values) + (
            "%" if "%" in self.measure.figure.text else ""
        )


def find_disagreements(
    statements: Sequence[Statement],
    encode: Encode,
    language: str = "en",
    *,
    limit: int | None = MAX_DISAGREEMENTS,
) -> list[Disagreement]:
    mentions = [_Mention(m, s) for s in statements for m in measures(s.text, language)]
    mentions = _single_valued(mentions)[:MAX_MENTIONS]
    if len({m.document_id for m in mentions}) < 2:
        return []
    comparable = _comparable(mentions, encode)
    found = [_disagreement(group) for group in _groups(mentions, comparable)]
    ranked = sorted((d for d in found if d is not None), key=lambda d: -len(_documents(d)))
    return ranked[:limit]


def document_statements(
    documents: Sequence[Document], cited: Sequence[str], language: str, *, digits: bool = True
) -> list[Statement]:
    """Content sentences (with a digit, unless `digits` is False) of the most cited documents,
    split as the summaries split them, so that their citations have the same boundaries."""
    order = {document.id: at for at, document in enumerate(documents)}
    by_id = {document.id: document for document in documents}
    found: list[Statement] = []
    for document_id in list(dict.fromkeys(cited))[:MAX_SCANNED_DOCUMENTS]:
        document = by_id[document_id]
        for sentence in document_sentences(document):
            if digits and not re.search(r"\d", sentence.text):
                continue
            citation = Citation(document.id, sentence.start, sentence.end)
            found.append(Statement(sentence.text, citation, order[document.id], False))
    return found


def _single_valued(mentions: list[_Mention]) -> list[_Mention]:
    """Leave out measures some document gives several figures for, whatever their place and
    time ("60 km northwest of Curicó", "34 km northwest of Talca": two aftershocks): such a
    measure recurs in the story and has no one value for sources to disagree on."""
    values: dict[tuple[object, ...], dict[str, set[str]]] = {}
    for mention in mentions:
        by_document = values.setdefault(_kind(mention.measure), {})
        by_document.setdefault(mention.document_id, set()).add(mention.key)
    recurring = {kind for kind, docs in values.items() if any(len(v) > 1 for v in docs.values())}
    return [m for m in mentions if _kind(m.measure) not in recurring]


def _kind(measure: Measure) -> tuple[object, ...]:
    return (measure.noun, measure.verbs, measure.unit)


def _comparable(mentions: list[_Mention], encode: Encode) -> np.ndarray:
    """Which pairs of mentions state the same measure of the same event in different documents."""
    texts = list(dict.fromkeys(m.statement.text for m in mentions))
    nouns = list(dict.fromkeys(m.measure.noun_words for m in mentions))
    vectors = encode(texts + nouns)
    text_at = {text: at for at, text in enumerate(texts)}
    noun_at = {noun: len(texts) + at for at, noun in enumerate(nouns)}
    sentence_rows = vectors[[text_at[m.statement.text] for m in mentions]]
    noun_rows = vectors[[noun_at[m.measure.noun_words] for m in mentions]]
    same_event = sentence_rows @ sentence_rows.T >= EVENT_COSINE
    same_noun = noun_rows @ noun_rows.T >= NOUN_COSINE
    size = len(mentions)
    same_frame = np.zeros((size, size), dtype=bool)
    for i, a in enumerate(mentions):
        for j in range(i + 1, size):
            b = mentions[j]
            same_frame[i, j] = same_frame[j, i] = (
                a.document_id != b.document_id
                and a.measure.verbs == b.measure.verbs
                and a.measure.scope == b.measure.scope
                and a.measure.unit == b.measure.unit
                and _same_place(a.measure, b.measure)
                and _same_noun(a.measure, b.measure, bool(same_noun[i, j]))
            )
    return same_frame & same_event


def _same_noun(a: Measure, b: Measure, close: bool) -> bool:
    """The same counted thing: the same stems, or words close in meaning; a noun that narrows
    the other ("gold medals", "medals") counts something else."""
    if a.noun == b.noun:
        return True
    return close and not (a.noun < b.noun or b.noun < a.noun)


def same_count(a: Measure, b: Measure) -> bool:
    """Two mentions that restate one count: the same counted thing, unit and scope, and figures
    that overlap ("more than 10,000 troops" sent, "approximately 10,000-12,000 troops"
    deployed). The verb is not compared: a count that two sources give alike is one claim, worded
    with "sent" or with "deployed"; nor is the place, which a clause names as often as not."""
    if not a.noun or a.noun != b.noun or a.unit != b.unit or a.scope != b.scope:
        return False
    low_a, high_a = _interval(a)
    low_b, high_b = _interval(b)
    return low_a <= high_b and low_b <= high_a


def _interval(measure: Measure) -> tuple[float, float]:
    values = [float(v) for v in measure.figure.values]
    return min(values), max(values)


def _same_place(a: Measure, b: Measure) -> bool:
    """Named places that overlap ("Kursk", "Russia's Kursk Oblast"), or one left unnamed."""
    return not (a.place and b.place) or bool(a.place & b.place)


def _groups(mentions: list[_Mention], comparable: np.ndarray) -> list[list[_Mention]]:
    """Star clustering: the mention comparable with most others leads, and takes them all; a
    mention comparable with none is no group."""
    order = sorted(range(len(mentions)), key=lambda i: (-int(comparable[i].sum()), i))
    clusters = star_clusters(
        (i for i in order if comparable[i].any()),
        lambda i: np.flatnonzero(comparable[i]).tolist(),
    )
    return [[mentions[i] for i in cluster] for cluster in clusters]


def _disagreement(group: list[_Mention]) -> Disagreement | None:
    if not any(m.statement.summarised for m in group):
        return None
    by_document: dict[str, set[str]] = {}
    for mention in group:
        by_document.setdefault(mention.document_id, set()).add(mention.key)
    if any(len(keys) > 1 for keys in by_document.values()):
        return None  # one source, several figures: the measure names no single quantity
    by_figure: dict[str, list[_Mention]] = {}
    for mention in sorted(group, key=lambda m: m.statement.doc_order):
        by_figure.setdefault(mention.key, []).append(mention)
    if len(by_figure) < 2:
        return None  # the same figure everywhere is agreement
    claims = [_claim(mentions) for mentions in by_figure.values()]
    return Disagreement(group[0].measure.about, claims, unit=group[0].measure.unit)


def _claim(mentions: list[_Mention]) -> FigureClaim:
    """One figure, worded as its first source words it, cited once per document."""
    first = next((m for m in mentions if m.measure.source), mentions[0])
    citations: dict[str, Citation] = {}
    for mention in mentions:
        citations.setdefault(mention.document_id, mention.statement.citation)
    return FigureClaim(
        first.measure.figure.text,
        list(citations.values()),
        qualifier=first.measure.qualifier,
        source=first.measure.source,
        scope=first.measure.when,
    )


def _documents(disagreement: Disagreement) -> set[str]:
    return {c.document_id for f in disagreement.figures for c in f.citations}
