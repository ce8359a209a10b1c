"""Merge per-document summaries into one brief.
DEVELOPERS.md ("Design notes of the pipeline and ingest", `service/pipeline/merge/summaries.py`)
says how and why.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

from service.pipeline.documents.chronology import document_date, without_dateline
from service.pipeline.documents.cleaning import is_set_apart_headline
from service.pipeline.documents.sentences import ends_sentence
from service.pipeline.merge.backing import carries
from service.pipeline.merge.claims import claim_pairs
from service.pipeline.merge.concepts import (
    concept_weights,
    document_concepts,
    sentence_concepts,
    single_source_share,
)
from service.pipeline.merge.corroboration import corroborate
from service.pipeline.merge.disagreements import (
    EVENT_COSINE,
    Statement,
    document_statements,
    find_disagreements,
    same_count,
)
from service.pipeline.merge.faithfulness import MIN_SUPPORT, check_sentence, evidence_passages
from service.pipeline.merge.grouping import (
    Candidate,
    Group,
    LexicalEncoder,
    candidate,
    embeds_well,
    group_candidates,
)
from service.pipeline.merge.lead import LEAD, may_open, overtaken, plan_day
from service.pipeline.merge.leaning import after_what_they_lean_on, leaning_on
from service.pipeline.merge.measures import Measure, measures
from service.pipeline.merge.neighbours import similar_pairs
from service.pipeline.merge.ordering import in_story_order
from service.pipeline.merge.readability import stands_alone
from service.pipeline.merge.selection import Option, choose
from service.pipeline.merge.trimming import trim
from service.pipeline.merge.when import unread_time
from service.pipeline.merge.wire import copies, readable
from service.pipeline.types import Brief, BriefSentence, Citation, Document, Encode, Summary

NEAR_DUPLICATE_COSINE = 0.75  # two picked sentences closer than this would repeat the brief
SAME_DOCUMENT_COSINE = 0.6  # nor two of one document this close: it restates itself
RELATED_COSINE = 0.4  # below this two sentences are not compared at all
SHARED_CONCEPTS = 0.5  # nor may two that share half the concepts of the shorter one
MIN_SENTENCE_WORDS = 4
# Citing a source is itself covered, like a concept: a document left uncited is a dropped source.
# It weighs as much as a concept two documents state in their first sentence
# (concepts.concept_weights), so a source is brought in when the budget has room, never at the
# cost of what most documents lead with.
SOURCE_WEIGHT = 2.0
_SOURCE = "\x00"  # marks a source among the concepts (no word starts with it)
LONG_QUOTATION_WORDS = 40
MAX_CHECK_ROUNDS = 4  # solve again at most this often without sentences that failed the check
QUOTE_MARKS = '"“”«»„'
_DIGIT = re.compile(r"\d")
_INNER_STOP = re.compile(r"[.!?…。！？।؟]['\"”’»]?\s+(?=\S)")


def merge_summaries(
    summaries: Sequence[Summary],
    documents: Sequence[Document],
    encode: Encode,
    max_words: int,
    *,
    embedding_model: str | None = None,
    on_unsupported: str = "drop",
    min_support: float = MIN_SUPPORT,
) -> Brief:
    """One brief of `summaries`; `on_unsupported` is "drop" or "flag". A summary's cached
    sentence vectors are used where `embedding_model` (the identity of `encode`) made them."""
    by_id = {d.id: d for d in documents}
    language = _main_language(documents)
    if not embeds_well(language):  # compare by words where the embeddings say little
        encode = LexicalEncoder(s.text for summary in summaries for s in summary.sentences)
        embedding_model = None
    candidates, vectors = _candidates(summaries, encode, embedding_model)
    encode = _KnownVectors([c.sentence.text for c in candidates], vectors, encode)
    importance = _importance(candidates, vectors)
    groups = group_candidates(candidates, vectors, importance)
    options = _Options(
        candidates, vectors, importance, groups, summaries, by_id, language, max_words
    )
    picker = _Picker(options, by_id, encode, language, min_support)
    picked, dropped = picker.pick(max_words, keep_unsupported=on_unsupported == "flag")
    shown = [sentence for sentence, _ in picked]
    rows = [writer.row for _, writer in picked]
    # The cited documents' sentences, split once (as their summaries were split): where other
    # sources of a picked fact are found, and where figures that differ are looked for.
    passages = document_statements(documents, _by_citations(shown), language, digits=False)
    corroborate(shown, vectors[rows], passages, encode, language)
    ordered = in_story_order(
        [(s, writer.document_id, writer.sentence.position) for s, writer in picked], by_id
    )
    writers = {(s.text, s.citations[0]): writer for s, writer in picked}  # `ordered` are copies
    sentences = after_what_they_lean_on(
        [(s, writers[s.text, s.citations[0]]) for s in ordered], options.requires
    )
    for sentence in sentences:  # shown as print shows it; the citations keep the stored text
        sentence.text = without_dateline(readable(sentence.text))
    scanned = {p.citation.document_id for p in passages}
    statements = [
        Statement(c.sentence.text, c.sentence.citations[0], c.doc_order, True)
        for c in candidates
        if c.sentence.citations and c.document_id in scanned
    ] + [p for p in passages if _DIGIT.search(p.text)]
    return Brief(
        sentences=sentences,
        documents=[d.id for d in documents],
        titles={d.id: d.title for d in documents if d.title},
        models=list(dict.fromkeys(s.model for s in summaries if not s.facts.error)),
        facts=[s.facts for s in summaries],
        max_words=max_words,
        notes=[
            f"{s.document_id}: not summarised ({s.facts.error})" for s in summaries if s.facts.error
        ],
        disagreements=find_disagreements(
            statements, encode, language, dates={d.id: document_date(d) for d in documents}
        ),
        dropped=dropped,
    )


def _by_citations(sentences: list[BriefSentence]) -> list[str]:
    """Document IDs, the most cited first."""
    counts = Counter(c.document_id for s in sentences for c in s.citations)
    return [document_id for document_id, _ in counts.most_common()]


def _main_language(documents: Sequence[Document]) -> str:
    counts = Counter(d.language for d in documents)
    return counts.most_common(1)[0][0] if counts else "und"


def _candidates(
    summaries: Sequence[Summary], encode: Encode, embedding_model: str | None
) -> tuple[list[Candidate], np.ndarray]:
    """Every summary sentence, and its embedding: the one cached with its summary where
    `embedding_model` made it, else embedded now (a text repeated across documents, as wire
    copy is, once)."""
    pairs = [
        (order, summary.document_id, sentence)
        for order, summary in enumerate(summaries)
        for sentence in summary.sentences
    ]
    if not pairs:
        return [], np.zeros((0, 1), dtype=np.float32)
    cached = [
        summary.vectors_by(embedding_model) if embedding_model else None for summary in summaries
    ]
    missing = [
        s.text
        for summary, rows in zip(summaries, cached, strict=True)
        if rows is None
        for s in summary.sentences
    ]
    unique = {text: at for at, text in enumerate(dict.fromkeys(missing))}
    fresh = np.asarray(encode(list(unique)), dtype=np.float32) if unique else None
    blocks = []
    for summary, rows in zip(summaries, cached, strict=True):
        if rows is not None:
            blocks.append(rows)
        elif summary.sentences and fresh is not None:
            blocks.append(fresh[[unique[s.text] for s in summary.sentences]])
    return [
        candidate(sentence, doc_id, order, row)
        for row, (order, doc_id, sentence) in enumerate(pairs)
    ], np.concatenate(blocks).astype(np.float32, copy=False)


def _importance(candidates: list[Candidate], vectors: np.ndarray) -> np.ndarray:
    """Centrality to the whole corpus plus half the sentence's importance in its document."""
    if not candidates:
        return np.zeros(0)
    mean = vectors.mean(axis=0)
    centroid = mean / (np.linalg.norm(mean) or 1.0)
    scores = np.asarray([c.sentence.score for c in candidates])
    importance: np.ndarray = vectors @ centroid + 0.5 * scores
    return importance


class _KnownVectors:
    """`encode` that looks up the texts already embedded and embeds only the others, once each:
    the passages and figures checked after the pick are mostly summary sentences again."""

    def __init__(self, texts: list[str], vectors: np.ndarray, encode: Encode) -> None:
        self.rows = {text: row for row, text in enumerate(texts)}
        self.vectors, self.encode = vectors, encode

    def __call__(self, texts: list[str]) -> np.ndarray:
        new = [t for t in dict.fromkeys(texts) if t not in self.rows]
        if not new:
            if not texts:
                return self.encode(texts)
            return self.vectors[[self.rows[t] for t in texts]]
        found = np.asarray(self.encode(new), dtype=np.float32)
        at = {text: row for row, text in enumerate(new)}
        return np.stack([found[at[t]] if t in at else self.vectors[self.rows[t]] for t in texts])


class _Options:
    """Every summary sentence as a choice for the brief: trimmed (`trimming.py`), its concepts,
    whether it may be shown at all, and which choices exclude each other."""

    def __init__(
        self,
        candidates: list[Candidate],
        vectors: np.ndarray,
        importance: np.ndarray,
        groups: list[Group],
        summaries: Sequence[Summary],
        documents: dict[str, Document],
        language: str,
        max_words: int,
    ) -> None:
        self.candidates, self.vectors = candidates, vectors
        share = single_source_share(max_words, [len(d.text.split()) for d in documents.values()])
        self.weights = concept_weights(
            _document_concepts(summaries, documents, language), single_source=share
        )
        self.texts: list[str] = []
        self.trimmed: list[list[Citation]] = []
        self.cited: list[list[Citation]] = []  # what each sentence would cite (`_citations`)
        self.options: list[Option] = []
        group_of = {m.row: g for g in groups for m in g.members}
        said: list[frozenset[str]] = []
        fit: list[int] = []
        leaning: set[int] = set()
        for at, item in enumerate(candidates):
            document = documents.get(item.document_id)
            code = document.language if document else language
            text, trimmed = _trimmed(item, document, code)
            self.texts.append(text)
            self.trimmed.append(trimmed)
            if _fit_for_brief(text, code) and not _is_headline(item, document, code):
                fit.append(at)
            if not stands_alone(text, code):
                leaning.add(at)
            self.cited.append(_citations(item, group_of.get(item.row), text, documents, code))
            said.append(sentence_concepts(text, code))
            sources = frozenset(_SOURCE + c.document_id for c in self.cited[at])
            self.weights.update(dict.fromkeys(sources, SOURCE_WEIGHT))
            self.options.append(
                Option(len(text.split()), said[at] | sources, float(importance[at]))
            )
        fit = _without_overtaken_plans(fit, candidates, self.texts, vectors, documents)
        # nothing fit (a corpus of fragments): show the best of what there is rather than nothing
        eligible = _one_per_text(fit or list(range(len(candidates))), self.texts, self.options)
        eligible = self._best_copies(eligible, documents, language)
        # what leans on the sentence before it is shown only with that one (`readability.py`)
        self.requires = leaning_on(candidates, self.texts, eligible, leaning)
        self.eligible = [at for at in eligible if at not in leaning or at in self.requires]
        self._make_room_for_a_lead(documents)
        owners = np.asarray([c.doc_order for c in candidates], dtype=np.int64)
        self.exclusive = (
            [[m.row for m in g.members] for g in groups if len(g.members) > 1]
            + _near_copies(said, vectors, owners, _Counts(self.texts, language))
            + [list(pair) for pair in claim_pairs(self.texts, language)]
            + _unread_times(candidates, self.texts, documents)
        )

    def _best_copies(
        self, eligible: list[int], documents: dict[str, Document], language: str
    ) -> list[int]:
        """One of each sentence that several documents carry with a letter or a word changed
        (`wire.copies`): the best-formed copy, citing each other copy that carries it."""
        left_out: set[int] = set()
        counts = Counter(self.texts)
        for best, *others in copies(eligible, self.texts, self.vectors, counts):
            cited = self.cited[best]
            for other in others:
                theirs = self.candidates[other].sentence.citations
                if carries(self.texts[best], evidence_passages(theirs, documents), language):
                    cited.extend(c for c in theirs if c not in cited)
            option = self.options[best]
            sources = frozenset(_SOURCE + c.document_id for c in cited)
            self.weights.update(dict.fromkeys(sources, SOURCE_WEIGHT))
            self.options[best] = Option(option.words, option.concepts | sources, option.bonus)
            left_out.update(others)
        return [at for at in eligible if at not in left_out]

    def _make_room_for_a_lead(self, documents: dict[str, Document]) -> None:
        """Every sentence that may open the story (`lead.py`) covers `LEAD`, which weighs as
        much as all else: a brief with room for a lead holds one."""
        leads = [
            at
            for at in self.eligible
            if may_open(
                self.texts[at],
                documents.get(self.candidates[at].document_id),
                self.candidates[at].sentence.position,
            )
        ]
        if not leads:
            return
        self.weights[LEAD] = sum(self.weights.values())
        for at in leads:
            option = self.options[at]
            self.options[at] = Option(option.words, option.concepts | {LEAD}, option.bonus)

    def coverage(self, at: int) -> float:
        """The weight of what the sentence says (the sources it cites, and `LEAD`, not counted)."""
        return sum(
            self.weights.get(c, 0.0)
            for c in self.options[at].concepts
            if c[0] != _SOURCE and c != LEAD
        )


def _without_overtaken_plans(
    rows: list[int],
    candidates: list[Candidate],
    texts: list[str],
    vectors: np.ndarray,
    documents: dict[str, Document],
) -> list[int]:
    """`rows` less the plans a later report states happened (`lead.overtaken`)."""
    plans = {
        at: day
        for at in rows
        if (day := plan_day(texts[at], documents.get(candidates[at].document_id)))
    }
    if not plans:
        return rows
    dated = [document_date(d) if (d := documents.get(c.document_id)) else None for c in candidates]
    gone = set()
    for at, day in plans.items():
        cosines = vectors @ vectors[candidates[at].row]
        reports = [
            (dated[other], float(cosines[c.row]))
            for other, c in enumerate(candidates)
            if other != at
        ]
        if overtaken(day, reports, EVENT_COSINE):
            gone.add(at)
    return [at for at in rows if at not in gone]


def _unread_times(
    candidates: list[Candidate], texts: list[str], documents: dict[str, Document]
) -> list[list[int]]:
    """Sentences of undated documents that name one relative time no one can read (two "on
    Saturday"s, `when.unread_time`): at most one of them is shown."""
    found: dict[str, list[int]] = {}
    for at, item in enumerate(candidates):
        document = documents.get(item.document_id)
        if document is None or document_date(document) is not None:
            continue
        key = unread_time(texts[at], document.language, None)
        if key is not None:
            found.setdefault(key, []).append(at)
    return [rows for rows in found.values() if len(rows) > 1]


def _one_per_text(rows: list[int], texts: list[str], options: list[Option]) -> list[int]:
    """One of each text: wire copy repeats a sentence word for word across documents, and the
    brief can show it once. The copy kept is the one citing the most sources, then the most
    central. The others could only be picked instead of it (one fact group, or a cosine of 1,
    excludes them from each other), and each would be one more variable to the solver: ten
    copies of a story make its problem ten times as large and as symmetric, and slow to prove."""
    kept: dict[str, int] = {}
    for row in rows:
        other = kept.get(texts[row])
        if other is None or _standing(options[row]) > _standing(options[other]):
            kept[texts[row]] = row
    return sorted(kept.values())


def _standing(option: Option) -> tuple[int, float]:
    return sum(c[:1] == _SOURCE for c in option.concepts), option.bonus


def _citations(
    writer: Candidate,
    group: Group | None,
    text: str,
    documents: dict[str, Document],
    language: str,
) -> list[Citation]:
    """Its own evidence, and that of each member of its fact group whose cited passage carries
    the sentence `text` (`backing.py`: every number and name of it, no other figure for its
    counts): a source that states the fact otherwise does not back it. Every member is close to
    the group's leader, not always to another member: a member other than the leader cites only
    the leader besides itself (corroboration finds the others by its own test)."""
    members = [writer]
    if group is not None:
        members = group.members if writer is group.leader else [group.leader, writer]
    found: list[Citation] = []
    for member in sorted(members, key=lambda m: m.doc_order):
        cited = member.sentence.citations
        if member is writer or carries(text, evidence_passages(cited, documents), language):
            found.extend(c for c in cited if c not in found)
    return found


def _document_concepts(
    summaries: Sequence[Summary], documents: dict[str, Document], language: str
) -> list[dict[str, int]]:
    """Each summarised document's concepts; from its summary's sentences where the summary was
    made before summaries carried them."""
    found = []
    for summary in summaries:
        if summary.facts.error:
            continue
        if summary.concepts is not None:
            found.append(summary.concepts)
            continue
        document = documents.get(summary.document_id)
        code = document.language if document else language
        found.append(document_concepts([s.text for s in summary.sentences], code))
    return found


def _trimmed(
    item: Candidate, document: Document | None, language: str
) -> tuple[str, list[Citation]]:
    """The sentence with its fact-free words deleted, and the deleted spans of the document;
    only a sentence quoted verbatim is trimmed (a generated one has no span to delete from)."""
    text = item.sentence.text
    quoted = item.sentence.citations[0] if item.sentence.citations else None
    if document is None or quoted is None or document.text[quoted.start : quoted.end] != text:
        return text, []
    result = trim(text, language)
    spans = [
        Citation(quoted.document_id, quoted.start + start, quoted.start + end)
        for start, end in result.deleted
    ]
    return result.text, spans


def _is_headline(item: Candidate, document: Document | None, language: str) -> bool:
    """The document's headline, on a line of its own above its dateline: it names the article,
    and a headline written as a sentence ("Haiti rescue effort abandoned.") is telegraphic, dense
    with the story's words and so cheap for the solver, but says less than the lead sentence that
    follows it. The brief quotes the article; the headline names it."""
    citations = item.sentence.citations
    if document is None or item.sentence.position != 0 or len(citations) != 1:
        return False
    quoted = citations[0]
    return is_set_apart_headline(document.text, quoted.start, quoted.end, language)


def _fit_for_brief(text: str, language: str) -> bool:
    """Not a fragment, and not a long quotation: a quotation of more than
    `LONG_QUOTATION_WORDS` words or one that runs over several sentences is a poor brief sentence
    (a shorter sentence with the same concepts is preferred, and the solver finds it). Whether
    it reads on its own is settled in the selection (`leaning_on`)."""
    words = len(text.split())
    if words < MIN_SENTENCE_WORDS or not ends_sentence(text, language):
        return False  # a fragment, or an editing note ("The fast-spreading, 3rd graf pvs")
    quoting = any(mark in text for mark in QUOTE_MARKS)
    inner_stops = len(_INNER_STOP.findall(text))
    return not (quoting and (words > LONG_QUOTATION_WORDS or inner_stops >= 2))


def _near_copies(
    concepts: list[frozenset[str]], vectors: np.ndarray, owners: np.ndarray, counts: _Counts
) -> list[list[int]]:
    """Pairs that would say one thing twice: embeddings closer than `NEAR_DUPLICATE_COSINE`
    (`SAME_DOCUMENT_COSINE` within one document, which restates its own headline and lead in
    other words), half or more of the shorter sentence's concepts shared, or the same count of
    the same thing about the same event ("more than 10,000 troops" sent and "approximately
    10,000-12,000 troops" deployed: one claim, whose figures "Where sources differ" sets side by
    side). Pairs are compared only when at least `RELATED_COSINE` apart, found without comparing
    all pairs (`neighbours.py`): two sentences that share half their bigrams share most of their
    words, and a corpus's common bigrams would otherwise pair every sentence with every other."""
    count = len(concepts)
    if count < 2:
        return []
    rows, cols, cosines = similar_pairs(vectors, np.arange(count), RELATED_COSINE)
    pairs: list[list[int]] = []
    for a, b, cosine in zip(rows.tolist(), cols.tolist(), cosines.tolist(), strict=True):
        close = cosine >= NEAR_DUPLICATE_COSINE or (
            cosine >= SAME_DOCUMENT_COSINE and owners[a] == owners[b]
        )
        shared = len(concepts[a] & concepts[b])
        overlapping = bool(shared) and shared >= SHARED_CONCEPTS * min(
            len(concepts[a]), len(concepts[b])
        )
        if close or overlapping or (cosine >= EVENT_COSINE and counts.restate(a, b)):
            pairs.append([a, b])
    return sorted(pairs)


class _Counts:
    """The figures of each sentence read as counts (`measures.py`), read when first compared."""

    def __init__(self, texts: list[str], language: str) -> None:
        self.texts, self.language = texts, language
        self.read: dict[int, tuple[Measure, ...]] = {}

    def of(self, row: int) -> tuple[Measure, ...]:
        if row not in self.read:
            text = self.texts[row]
            self.read[row] = measures(text, self.language) if _DIGIT.search(text) else ()
        return self.read[row]

    def restate(self, a: int, b: int) -> bool:
        """Whether the two sentences give one count of the same thing."""
        return any(same_count(x, y) for x in self.of(a) for y in self.of(b))


class _Picker:
    """The brief's sentences: the set that covers the most weighted concepts within the word
    budget (`selection.py`), each checked against its evidence before it is kept."""

    def __init__(
        self,
        options: _Options,
        documents: dict[str, Document],
        encode: Encode,
        language: str,
        min_support: float,
    ) -> None:
        self.options, self.documents = options, documents
        self.encode, self.language, self.min_support = encode, language, min_support

    def pick(
        self, max_words: int, keep_unsupported: bool
    ) -> tuple[list[tuple[BriefSentence, Candidate]], int]:
        """Solve, check what was picked, and solve again without the sentences that failed."""
        options = self.options
        banned: set[int] = set()
        checked: dict[int, BriefSentence] = {}
        for _ in range(MAX_CHECK_ROUNDS):
            allowed = [i for i in options.eligible if i not in banned]
            row = {option: at for at, option in enumerate(allowed)}
            choice = choose(
                [options.options[i] for i in allowed],
                options.weights,
                max_words,
                [[row[i] for i in group if i in row] for group in options.exclusive],
                requires={
                    row[i]: row.get(needed, -1)
                    for i, needed in options.requires.items()
                    if i in row
                },
            )
            picked = [allowed[at] for at in choice.picked]
            for at in picked:
                if at not in checked:
                    checked[at] = self._checked(at)
            failed = {at for at in picked if not checked[at].supported}
            if not failed or keep_unsupported:
                break
            banned |= failed
        else:  # still failing after the last round: show only what passed
            picked = [at for at in picked if checked[at].supported]
        failed_ever = {at for at, sentence in checked.items() if not sentence.supported}
        dropped = 0 if keep_unsupported else len(failed_ever)
        return [(checked[at], options.candidates[at]) for at in picked], dropped

    def _checked(self, at: int) -> BriefSentence:
        writer = self.options.candidates[at]
        text = self.options.texts[at]
        citations = self.options.cited[at]
        own = evidence_passages(writer.sentence.citations, self.documents)
        others = evidence_passages(
            [c for c in citations if c not in writer.sentence.citations], self.documents
        )
        verdict = check_sentence(
            text,
            self.options.vectors[writer.row],
            own + others if own else [],
            self.encode,
            self.language,
            self.min_support,
        )
        return BriefSentence(
            text=text,
            citations=citations,
            score=round(self.options.coverage(at), 4),
            support=verdict.support,
            supported=verdict.passed,
            problems=list(verdict.problems),
            trimmed=self.options.trimmed[at],
        )
