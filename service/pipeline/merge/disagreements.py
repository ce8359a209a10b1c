"""Find sources that give different figures for the same measure of the same event.
DEVELOPERS.md ("Design notes of the pipeline and ingest",
`service/pipeline/merge/disagreements.py`) says how and why.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from service.pipeline.documents.reading import document_sentences
from service.pipeline.merge.measures import LanguageTables, Measure, measures, tables
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

    voice: str = ""  # its source, where its sentence gives the measure from several sources

    @property
    def speaker(self) -> tuple[str, str]:
        """Who gives the figure: its document, and its source where one sentence reports two
        that differ ("Zelensky said nearly 3,000 ..., while Seoul put the figure at 1,000")."""
        return self.document_id, self.voice

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
    dates: Mapping[str, date | None] | None = None,
) -> list[Disagreement]:
    """Sources that give different figures for one measure; `dates` are the documents' own
    dates, where known: a count no sentence dates is a count of its report's day, so two reports
    of different days do not disagree on it: the later one revises it, and is listed as a
    correction (`kind` "correction", after the disagreements)."""
    mentions = [mention for s in statements for mention in _voiced(s, language)]
    shown = {
        (m.measure.noun, verb)
        for m in mentions
        if m.statement.summarised
        for verb in m.measure.verbs
    }
    mentions = _single_valued(mentions)[:MAX_MENTIONS]
    if len({m.speaker for m in mentions}) < 2:
        return []
    dates = dates or {}
    comparable = _comparable(mentions, encode)
    same_day = np.array([[_same_day(a, b, dates) for b in mentions] for a in mentions])
    found = [
        _disagreement(group, language)
        for group in _groups(mentions, comparable & same_day)
        if _about_the_brief(group, shown)
    ]
    # the same measure in reports of different days: the later figure may revise the earlier
    dated = np.array(
        [not m.measure.scope and dates.get(m.document_id) is not None for m in mentions]
    )
    revised = [
        _correction(group, dates)
        for group in _groups(mentions, comparable & np.outer(dated, dated))
        if _about_the_brief(group, shown)
    ]
    return _ranked(found)[:limit] + _ranked(revised)[:limit]


def _ranked(found: list[Disagreement | None]) -> list[Disagreement]:
    """The figures most documents state first, each once."""
    return _once_each(
        sorted((d for d in found if d is not None), key=lambda d: -len(_documents(d)))
    )


def _once_each(disagreements: list[Disagreement]) -> list[Disagreement]:
    """Each disagreement once: a figure a document states twice (in its text and again in a
    closing Q&A) joins the same rival in two groups."""
    seen: set[tuple[object, ...]] = set()
    kept = []
    for disagreement in disagreements:
        key = tuple(
            (f.value, tuple(sorted({c.document_id for c in f.citations})))
            for f in disagreement.figures
        )
        if key not in seen:
            seen.add(key)
            kept.append(disagreement)
    return kept


def _voiced(statement: Statement, language: str) -> list[_Mention]:
    """The statement's figures; where it gives one measure from two or more named sources, each
    figure speaks for its own source."""
    found = measures(statement.text, language)
    sources: dict[tuple[object, ...], set[str]] = {}
    for measure in found:
        sources.setdefault(_kind(measure), set()).add(measure.source)
    return [
        _Mention(m, statement, m.source if len(sources[_kind(m)] - {""}) > 1 else "") for m in found
    ]


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
    values: dict[tuple[object, ...], dict[tuple[str, str], set[str]]] = {}
    for mention in mentions:
        by_speaker = values.setdefault(_kind(mention.measure), {})
        by_speaker.setdefault(mention.speaker, set()).add(mention.key)
    recurring = {kind for kind, docs in values.items() if any(len(v) > 1 for v in docs.values())}
    return [m for m in mentions if _kind(m.measure) not in recurring]


def _kind(measure: Measure) -> tuple[object, ...]:
    return (measure.noun, measure.verbs, measure.unit)


def _comparable(mentions: list[_Mention], encode: Encode) -> np.ndarray:
    """Which pairs of mentions state the same measure of the same event from different sources
    (whatever their reports' days: `_same_day` tells a disagreement from a correction)."""
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
                a.speaker != b.speaker
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
    return figures_overlap(a, b)


def figures_overlap(a: Measure, b: Measure) -> bool:
    """Whether the two figures (a range is its interval) share a value."""
    low_a, high_a = _interval(a)
    low_b, high_b = _interval(b)
    return low_a <= high_b and low_b <= high_a


def _interval(measure: Measure) -> tuple[float, float]:
    values = [float(v) for v in measure.figure.values]
    return min(values), max(values)


def _contradicts(figures: list[Measure], language: str) -> bool:
    """Whether two of the figures cannot both be true: their bounds (a range is its interval, a
    hedge like "at least" or "up to" leaves one end open) do not meet."""
    table = tables(language)
    bounds = [_bounds(measure, table) for measure in figures]
    return any(
        a_high < b_low or b_high < a_low
        for at, (a_low, a_high) in enumerate(bounds)
        for b_low, b_high in bounds[at + 1 :]
    )


def _bounds(measure: Measure, table: LanguageTables | None) -> tuple[float, float]:
    low, high = _interval(measure)
    qualifier = measure.qualifier.casefold()
    if table is not None and qualifier in table.at_least:
        return low, math.inf
    if table is not None and qualifier in table.at_most:
        return 0.0, high
    return low, high


def _same_day(a: _Mention, b: _Mention, dates: Mapping[str, date | None]) -> bool:
    """Counts that no time expression scopes are counts of their reports' days: compared only
    when the two documents are of one day, or one is undated."""
    if a.measure.scope or b.measure.scope:
        return True  # the scopes were compared: "in December" is "in December" whenever said
    day_a, day_b = dates.get(a.document_id), dates.get(b.document_id)
    return day_a is None or day_b is None or day_a == day_b


def _same_place(a: Measure, b: Measure) -> bool:
    """Named places that overlap ("Kursk", "Russia's Kursk Oblast"), or one left unnamed."""
    return not (a.place and b.place) or bool(a.place & b.place)


def _groups(mentions: list[_Mention], comparable: np.ndarray) -> list[list[_Mention]]:
    """Star clustering: the mention comparable with most others leads, and takes those that
    are comparable with every member so far; a mention comparable with none is no group."""
    order = sorted(range(len(mentions)), key=lambda i: (-int(comparable[i].sum()), i))
    clusters = star_clusters(
        (i for i in order if comparable[i].any()),
        lambda i: np.flatnonzero(comparable[i]).tolist(),
        # every member comparable with every other, not only with the leader: "12,000 deployed
        # to Russia's Kursk Oblast" leads both "11,000 in the Kursk region" and "10,000-12,000
        # deployed to Russia", which measure at different places and are not set side by side
        lambda _, other, members: bool(comparable[other, members].all()),
    )
    return [[mentions[i] for i in cluster] for cluster in clusters]


def _about_the_brief(group: list[_Mention], shown: set[tuple[frozenset[str], str]]) -> bool:
    """Whether the figures count what the brief's sentences count: a summary sentence is among
    them, or one counts the same thing done the same way ("Some 300 North Korean soldiers were
    killed" makes "nearly 3,000 soldiers killed or injured, while Seoul put the figure at 1,000"
    worth showing, though no summary holds it)."""
    return any(
        m.statement.summarised or any((m.measure.noun, verb) in shown for verb in m.measure.verbs)
        for m in group
    )


def _one_figure_each(group: list[_Mention]) -> bool:
    """Whether each source gives one figure: one that gives several names no single quantity."""
    by_speaker: dict[tuple[str, str], set[str]] = {}
    for mention in group:
        by_speaker.setdefault(mention.speaker, set()).add(mention.key)
    return all(len(keys) == 1 for keys in by_speaker.values())


def _correction(group: list[_Mention], dates: Mapping[str, date | None]) -> Disagreement | None:
    """The latest report's figure, where it differs from earlier reports' figures: the current
    one first, then each earlier figure (the latest first), each with its latest report's day.
    None where the latest day's reports disagree among themselves (a disagreement shows that)."""
    if not _one_figure_each(group):
        return None
    day = {id(m): dates[m.document_id] or date.min for m in group}
    last_day = max(day.values())
    current = {m.key for m in group if day[id(m)] == last_day}
    if len(current) != 1:
        return None
    by_figure: dict[str, list[_Mention]] = {}
    for mention in sorted(group, key=lambda m: m.statement.doc_order):
        by_figure.setdefault(mention.key, []).append(mention)
    (key,) = current
    latest = by_figure[key][0].measure
    earlier = sorted(
        (
            mentions
            for figure, mentions in by_figure.items()
            if figure != key and not _spans(latest, mentions[0].measure)
        ),
        key=lambda mentions: max(day[id(m)] for m in mentions),
        reverse=True,
    )
    if not earlier:
        return None  # the same figure every day, or restated more loosely: no revision
    claims = [
        _claim(mentions, max(day[id(m)] for m in mentions))
        for mentions in [by_figure[key], *earlier]
    ]
    return Disagreement(latest.about, claims, unit=latest.unit, kind="correction")


def _spans(later: Measure, earlier: Measure) -> bool:
    """Whether a later figure's range holds the earlier figure: it restates it more loosely
    ("10,000-12,000" after "12,000"), not anew; a narrower or another figure revises it."""
    low, high = _interval(later)
    earlier_low, earlier_high = _interval(earlier)
    return low <= earlier_low and earlier_high <= high


def _disagreement(group: list[_Mention], language: str) -> Disagreement | None:
    if not _one_figure_each(group):
        return None  # one source, several figures: the measure names no single quantity
    by_figure: dict[str, list[_Mention]] = {}
    for mention in sorted(group, key=lambda m: m.statement.doc_order):
        by_figure.setdefault(mention.key, []).append(mention)
    if len(by_figure) < 2:
        return None  # the same figure everywhere is agreement
    if not _contradicts([mentions[0].measure for mentions in by_figure.values()], language):
        return None  # "10,000-12,000" and "12,000", "at least 60" and "65": both can be true
    claims = [_claim(mentions) for mentions in by_figure.values()]
    return Disagreement(group[0].measure.about, claims, unit=group[0].measure.unit)


def _claim(mentions: list[_Mention], reported: date | None = None) -> FigureClaim:
    """One figure, worded as its first source words it, cited once per document; `reported`:
    the day of its latest report, in a correction."""
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
        reported=reported.isoformat() if reported else "",
    )


def _documents(disagreement: Disagreement) -> set[str]:
    return {c.document_id for f in disagreement.figures for c in f.citations}
