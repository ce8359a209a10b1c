"""Merging per-document summaries: grouping, citing every source, the word budget, coverage."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest

from service.pipeline.merge.grouping import content_words, word_overlap
from service.pipeline.merge.summaries import merge_summaries
from service.pipeline.types import (
    Citation,
    Document,
    DocumentFacts,
    ModelInfo,
    SentenceVectors,
    Summary,
    SummarySentence,
)

MODEL = ModelInfo(name="test-model", kind="extractive")

pytestmark = pytest.mark.slow  # uses the real MiniLM embedder


def _summary(doc_id: str, *texts: str, scores: tuple[float, ...] = ()) -> tuple[Document, Summary]:
    text = " ".join(texts)
    sentences, start = [], 0
    for i, sentence in enumerate(texts):
        sentences.append(
            SummarySentence(
                text=sentence,
                citations=[Citation(doc_id, start, start + len(sentence))],
                score=scores[i] if i < len(scores) else 1.0 - 0.1 * i,
                position=i,
            )
        )
        start += len(sentence) + 1
    facts = DocumentFacts(
        doc_id, "en", MODEL.name, tokens=50, chunks=1, truncated=False, sentences=len(texts)
    )
    return Document(doc_id, text, "en"), Summary(doc_id, MODEL, sentences, facts)


def _merge(pairs, embedder, max_words=200):
    documents = [d for d, _ in pairs]
    summaries = [s for _, s in pairs]
    return merge_summaries(summaries, documents, embedder.encode, max_words)


def test_same_fact_from_three_sources_is_said_once_and_cites_all(embedder):
    pairs = [
        _summary(
            "a",
            "About 11,000 North Korean troops are deployed in the Kursk region.",
            "The harvest in France was the largest in a decade.",
        ),
        _summary(
            "b",
            "Around 11,000 North Korean soldiers have been deployed to Kursk.",
            "Central bankers met in Frankfurt to discuss interest rates.",
        ),
        _summary(
            "c",
            "North Korea has deployed about 11,000 troops in Russia's Kursk region.",
            "A new bridge opened in Lisbon after four years of work.",
        ),
    ]
    brief = _merge(pairs, embedder)
    troops = [s for s in brief.sentences if "11,000" in s.text]
    assert len(troops) == 1
    assert set(troops[0].document_ids) == {"a", "b", "c"}
    assert brief.sentences[0] is troops[0], "the fact three sources carry comes first"
    for citation in troops[0].citations:
        document = next(d for d, _ in pairs if d.id == citation.document_id)
        assert "11,000" in document.text[citation.start : citation.end]


def test_unrelated_sentences_are_not_grouped(embedder):
    pairs = [
        _summary("a", "The central bank raised interest rates by half a point."),
        _summary("b", "A storm closed every school in the region on Monday."),
    ]
    brief = _merge(pairs, embedder)
    assert len(brief.sentences) == 2
    assert all(len(s.document_ids) == 1 for s in brief.sentences)


def test_word_budget_is_kept_without_cutting_sentences(embedder):
    pairs = [
        _summary(f"d{i}", f"Sentence number {i} talks about topic {i} in twelve plain words here.")
        for i in range(10)
    ]
    brief = _merge(pairs, embedder, max_words=40)
    assert 0 < brief.words <= 40
    originals = {s.text for _, summary in pairs for s in summary.sentences}
    assert all(s.text in originals for s in brief.sentences)


def test_every_source_is_cited_when_the_budget_allows(embedder):
    pairs = [
        _summary(
            "a",
            "The summit opened in Geneva with forty delegations present.",
            "Delegates in Geneva discussed a ceasefire for the region.",
            "The Geneva talks will continue for three more days.",
        ),
        _summary(
            "b",
            "The summit in Geneva gathered delegations from forty countries.",
            "A ceasefire was the main topic for delegates in Geneva.",
        ),
        _summary("c", "Fishermen in Norway reported a record cod season this year."),
    ]
    brief = _merge(pairs, embedder, max_words=30)
    cited = {doc_id for s in brief.sentences for doc_id in s.document_ids}
    assert cited == {"a", "b", "c"}


def test_failed_document_is_reported_not_dropped_silently(embedder):
    good = _summary("a", "The river flooded three villages overnight.")
    failed_doc, failed = _summary("b")
    failed.facts.error = "model raised RuntimeError"
    brief = _merge([good, (failed_doc, failed)], embedder)
    assert brief.documents == ["a", "b"]
    assert any("b" in note and "RuntimeError" in note for note in brief.notes)


def test_empty_input_gives_an_empty_brief(embedder):
    brief = merge_summaries([], [], embedder.encode, 100)
    assert brief.sentences == [] and brief.words == 0


def test_word_overlap_is_unicode_aware():
    a = content_words("Ο πρόεδρος μίλησε στην Αθήνα για 3 ώρες")
    b = content_words("Ο πρόεδρος μίλησε στη Θεσσαλονίκη")
    assert "πρόεδρος" in a and "3" in a
    assert 0 < word_overlap(a, b) < 1


def test_different_figures_are_not_one_fact(embedder):
    pairs = [
        _summary("a", "Officials say 10,000-12,000 soldiers have been deployed to the border."),
        _summary("b", "Officials say 12,000 soldiers have been deployed to the border."),
    ]
    brief = _merge(pairs, embedder)
    for sentence in brief.sentences:
        assert len(sentence.document_ids) == 1, "a range and its upper end are not the same figure"


def test_every_citation_span_is_the_text_at_its_offsets(embedder, seeds):
    from service.pipeline.summarisers.extractive import ExtractiveSummariser

    summariser = ExtractiveSummariser(embedder)
    documents = [document for document, _ in seeds]
    summaries = [summariser.summarise(d, sentences, [], False) for d, sentences in seeds]
    brief = merge_summaries(summaries, documents, embedder.encode, 250)
    by_id = {d.id: d for d in documents}
    for sentence in brief.sentences:
        passages = [by_id[c.document_id].text[c.start : c.end] for c in sentence.citations]
        assert _untrimmed(sentence, by_id) in passages
        for figure in re.findall(r"\d[\d,]*\d|\d", sentence.text):
            assert any(figure in passage for passage in passages)
    assert brief.disagreements, "the seeds give different troop figures"


def _untrimmed(sentence, documents):
    """The sentence with its trimmed words put back where the document has them: the quoted
    passage itself when only whole words were deleted (the first letter may have changed case)."""
    text = sentence.text
    own = sentence.citations[0]
    for cut in sentence.trimmed:
        stored = documents[cut.document_id].text
        at = cut.start - own.start
        if at == 0:
            assert text[:1].casefold() == stored[cut.end].casefold()
            text = stored[cut.start : cut.end + 1] + text[1:]
        else:
            text = text[:at] + stored[cut.start : cut.end] + text[at:]
    return text


def test_a_sentence_that_leans_on_the_one_before_is_not_shown(embedder):
    pairs = [
        _summary("a", "They are fighting alongside the Russians in the border region."),
        _summary("b", "The central bank raised interest rates by half a point on Tuesday."),
    ]
    brief = _merge(pairs, embedder)
    assert [s.text for s in brief.sentences] == [pairs[1][1].sentences[0].text]


def _with_invented_number(embedder) -> list[tuple[Document, Summary]]:
    document, summary = _summary("a", "The river flooded three villages and 40 homes overnight.")
    summary.sentences[0] = SummarySentence(
        "The river flooded three villages and 90 homes overnight.",
        summary.sentences[0].citations,
        1.0,
        0,
    )
    return [(document, summary), _summary("b", "A new bridge opened in Lisbon after four years.")]


def test_an_unsupported_sentence_is_dropped_and_counted(embedder):
    brief = _merge(_with_invented_number(embedder), embedder)
    assert all("90" not in s.text for s in brief.sentences)
    assert brief.dropped == 1


def test_an_unsupported_sentence_can_be_flagged_instead(embedder):
    pairs = _with_invented_number(embedder)
    brief = merge_summaries(
        [s for _, s in pairs], [d for d, _ in pairs], embedder.encode, 200, on_unsupported="flag"
    )
    flagged = [s for s in brief.sentences if not s.supported]
    assert len(flagged) == 1 and "90" in flagged[0].text
    assert any("90" in problem for problem in flagged[0].problems)
    assert brief.dropped == 0


def test_dated_documents_are_told_from_their_event_then_in_order(embedder):
    told = {
        "late": ("Rescuers found the last survivors of the earthquake on Friday.", "2024-03-08"),
        "early": ("A strong earthquake struck the coastal city on Monday morning.", "2024-03-04"),
        "aid": ("Aid convoys from three countries reached the port on Wednesday.", "2024-03-06"),
    }
    pairs = []
    for name, (text, day) in told.items():
        document, summary = _summary(name, text)
        pairs.append((Document(name, document.text, "en", published=day), summary))
    brief = _merge(pairs, embedder)
    assert [s.document_ids for s in brief.sentences] == [["early"], ["aid"], ["late"]]
    assert [s.when.start for s in brief.sentences if s.when] == [
        "2024-03-04",  # the lead: the event the story is about
        "2024-03-06",
        "2024-03-08",
    ]


def test_a_dateline_in_the_text_dates_a_document():
    from datetime import date

    from service.pipeline.documents.chronology import document_date

    assert document_date(Document("a", "2005/01/08 Tsunami aid\n\nText.")) == date(2005, 1, 8)
    assert document_date(Document("b", "Title\n\nDec 2, 2024 - 04:00\n\nText.")) == date(
        2024, 12, 2
    )
    assert document_date(Document("c", "No date here.", published="2024-03-04")) == date(2024, 3, 4)
    assert document_date(Document("d", "Nothing to read a date from.")) is None


def test_cached_sentence_vectors_are_used_not_embedded_again(embedder, seeds):
    """A brief over cached summaries embeds none of their sentences again, and is the brief it
    would be if it had embedded them."""
    from service.pipeline.summarisers.extractive import ExtractiveSummariser

    summariser = ExtractiveSummariser(embedder)
    documents = [document for document, _ in seeds]
    summaries = [summariser.summarise(d, sentences, [], False) for d, sentences in seeds]
    assert all(s.vectors_by(embedder.identity) is not None for s in summaries)
    # as a job reads them: back from the store's JSON
    cached = [Summary.from_dict(s.to_dict()) for s in summaries]
    asked: list[str] = []

    def counting(texts: list[str]):
        asked.extend(texts)
        return embedder.encode(texts)

    brief = merge_summaries(cached, documents, counting, 250, embedding_model=embedder.identity)
    summary_texts = {s.text for summary in cached for s in summary.sentences}
    assert not summary_texts & set(asked), "a cached sentence was embedded again"
    fresh = merge_summaries(
        [replace(s, vectors=None) for s in cached], documents, embedder.encode, 250
    )
    assert [s.text for s in brief.sentences] == [s.text for s in fresh.sentences]
    assert [s.citations for s in brief.sentences] == [s.citations for s in fresh.sentences]


def test_vectors_of_another_model_are_not_used(embedder):
    document, summary = _summary("a", "Troops crossed the river at dawn on Monday morning.")
    stale = SentenceVectors.of("another-model@1", np.ones((1, 384), dtype=np.float32))
    asked: list[str] = []

    def counting(texts: list[str]):
        asked.extend(texts)
        return embedder.encode(texts)

    merge_summaries(
        [replace(summary, vectors=stale)],
        [document],
        counting,
        50,
        embedding_model=embedder.identity,
    )
    assert summary.sentences[0].text in asked


def test_no_claim_of_the_seeds_is_stated_twice(embedder, seeds):
    """The seeds state "minimal protection" in three sentences of one article; the brief once.
    No two sentences share half of the shorter one's concepts, and no filler opening is left."""
    from service.config import Settings
    from service.pipeline.merge.concepts import sentence_concepts
    from service.pipeline.merge.disagreements import same_count
    from service.pipeline.merge.measures import measures
    from service.pipeline.summarisers.extractive import ExtractiveSummariser

    summariser = ExtractiveSummariser(embedder, Settings().summary_sentences)
    documents = [document for document, _ in seeds]
    summaries = [summariser.summarise(d, sentences, [], False) for d, sentences in seeds]
    brief = merge_summaries(summaries, documents, embedder.encode, 250)
    texts = [s.text for s in brief.sentences]
    assert sum("minimal protection" in text for text in texts) <= 1
    counts = [measures(text, "en") for text in texts]
    for i in range(len(counts)):
        for j in range(
            i + 1, len(counts)
        ):  # "more than 10,000 troops" sent, 10,000-12,000 deployed
            assert not any(same_count(a, b) for a in counts[i] for b in counts[j]), (
                texts[i],
                texts[j],
            )
    concepts = [sentence_concepts(text, "en") for text in texts]
    for i in range(len(concepts)):
        for j in range(i + 1, len(concepts)):
            shared = len(concepts[i] & concepts[j])
            assert shared < 0.5 * min(len(concepts[i]), len(concepts[j])), (texts[i], texts[j])
    assert not any(text.startswith(("In a startling", "In a significant")) for text in texts)
    assert all(len(text.split()) <= 60 for text in texts)
    assert {c.document_id for s in brief.sentences for c in s.citations} == {
        d.id for d in documents
    }, "every source is cited"


def test_a_headline_is_not_a_brief_sentence_but_its_lead_may_be(embedder):
    """A headline written as a sentence is dense and cheap; the lead after it says more."""
    headline = "Quake of magnitude 7.0 strikes Haiti."
    lead = "A 7.0 magnitude earthquake has struck off the coast of Haiti, the USGS said on Tuesday."
    text = f"{headline}\n\nTuesday, January 12, 2010\n\n{lead}"
    start = text.index(lead)
    document = Document("a", text, "en")
    sentences = [
        SummarySentence(headline, [Citation("a", 0, len(headline))], 1.0, 0),
        SummarySentence(lead, [Citation("a", start, start + len(lead))], 0.9, 1),
    ]
    facts = DocumentFacts("a", "en", MODEL.name, tokens=50, chunks=1, truncated=False, sentences=2)
    summaries = [Summary("a", MODEL, sentences, facts)]
    # room for the headline only: it is still not shown
    assert merge_summaries(summaries, [document], embedder.encode, 10).sentences == []
    texts = [s.text for s in merge_summaries(summaries, [document], embedder.encode, 40).sentences]
    assert texts == [lead]


def test_one_count_stated_by_two_sources_is_shown_once(embedder):
    """Two sources give the same count of the same thing, worded with different verbs: one claim,
    so the brief shows one of the two sentences; a different count of the same thing stays."""
    texts = {
        "a": "Ukraine and South Korea say more than 10,000 North Korean troops were sent to Russia "
        "to fight in the war.",
        "b": "About 10,000-12,000 North Korean troops have been deployed to Russia to fight "
        "against Ukraine, officials say.",
        "c": "Some 300 North Korean soldiers have been killed in the fighting in Kursk, a South "
        "Korean lawmaker said.",
    }
    brief = _merge([_summary(i, t) for i, t in texts.items()], embedder, max_words=250)
    shown = [s.text for s in brief.sentences]
    assert sum("10,000" in text for text in shown) == 1, shown
    assert any("300" in text for text in shown), shown


def test_wire_copy_repeated_word_for_word_is_one_option_citing_every_copy(embedder):
    """Seventy outlets print one agency sentence (more copies than the similar-pair search keeps
    neighbours for): the brief shows it once, citing every copy."""
    wire = "The agency said 30 people were rescued from the collapsed building on Tuesday night."
    own = "A local official said the search for survivors would go on through the weekend."
    pairs = [_summary(f"d{at:02d}", wire) for at in range(70)] + [_summary("local", own)]
    brief = _merge(pairs, embedder, max_words=100)
    shown = [s.text for s in brief.sentences]
    assert shown.count(wire) == 1 and own in shown
    cited = next(s for s in brief.sentences if s.text == wire).document_ids
    assert len(cited) == 70


def test_the_solver_sees_one_option_per_text_the_one_citing_most():
    from service.pipeline.merge.selection import Option
    from service.pipeline.merge.summaries import _SOURCE, _one_per_text

    def option(sources: int, bonus: float) -> Option:
        return Option(10, frozenset({"a b"} | {f"{_SOURCE}{i}" for i in range(sources)}), bonus)

    texts = ["wire", "own", "wire", "wire"]
    options = [option(1, 0.9), option(1, 0.5), option(3, 0.1), option(3, 0.2)]
    assert _one_per_text([0, 1, 2, 3], texts, options) == [1, 3]
    assert _one_per_text([0, 1], texts, options) == [0, 1]


def test_a_source_that_places_the_fact_elsewhere_is_not_cited(embedder, seeds):
    """The capture of two soldiers "in the Kursk region of Russia": another seed reports the
    capture as it grouped with it, but says they were interrogated in Kyiv and names neither Kursk
    nor Russia, so it does not back the sentence (it was cited as a second source before)."""
    from service.pipeline.merge.backing import unbacked
    from service.pipeline.summarisers.extractive import ExtractiveSummariser

    summariser = ExtractiveSummariser(embedder)
    documents = [document for document, _ in seeds]
    summaries = [summariser.summarise(d, sentences, [], False) for d, sentences in seeds]
    brief = merge_summaries(summaries, documents, embedder.encode, 250)
    by_id = {d.id: d for d in documents}
    capture = [s for s in brief.sentences if "captured two North Korean soldiers" in s.text]
    assert capture, "the capture is the seeds' lead fact"
    for sentence in brief.sentences:
        for citation in sentence.citations:
            passage = by_id[citation.document_id].text[citation.start : citation.end]
            assert not unbacked(sentence.text, passage, "en"), (sentence.text, passage)


def test_of_wire_copies_the_best_formed_is_quoted_citing_every_copy(embedder):
    sentence = "{} Carlsson, a Swedish engineer, was named head of the rescue team on Friday."
    pairs = [
        _summary("a", sentence.format("Hand"), "The harvest in France was the largest in years."),
        _summary("b", sentence.format("Hans")),
        _summary("c", sentence.format("Hans")),
    ]
    brief = _merge(pairs, embedder, max_words=40)
    named = [s for s in brief.sentences if "Carlsson" in s.text]
    assert len(named) == 1 and named[0].text.startswith("Hans Carlsson")
    assert set(named[0].document_ids) == {"a", "b", "c"}


def test_wire_conventions_are_shown_clean_and_cited_as_stored(embedder):
    text = "``We will rebuild the whole town,'' the mayor of Lagos said _ before the rain."
    pairs = [_summary("a", text)]
    brief = _merge(pairs, embedder, max_words=40)
    assert brief.sentences[0].text == (
        "“We will rebuild the whole town,” the mayor of Lagos said — before the rain."
    )
    citation = brief.sentences[0].citations[0]
    assert pairs[0][0].text[citation.start : citation.end] == text


def test_an_editing_note_that_does_not_end_as_a_sentence_is_not_shown(embedder):
    pairs = [
        _summary(
            "a",
            "The fast-spreading fire, 3rd graf pvs",
            "The fire destroyed 200 homes in the hills above the town on Sunday.",
        )
    ]
    brief = _merge(pairs, embedder, max_words=40)
    assert [s.text for s in brief.sentences] == [
        "The fire destroyed 200 homes in the hills above the town on Sunday."
    ]


def test_one_claim_is_stated_once_however_worded(embedder):
    pairs = [
        _summary("a", "Officials in Lagos said 60 people died."),
        _summary(
            "b",
            "The market blaze in Lagos on Sunday night left at least 60 people dead, according "
            "to the Red Cross and police.",
        ),
    ]
    brief = _merge(pairs, embedder, max_words=60)
    assert len([s for s in brief.sentences if "60" in s.text]) == 1


def test_a_story_opens_with_a_lead_and_leaves_out_a_plan_later_reports_overtook(embedder):
    (early, early_summary), (late, late_summary) = (
        _summary(
            "a",
            "“London has prepared its streets for the cyclists and spectators,” organisers said.",
            "The riders would leave London for Canterbury on Sunday after the prologue.",
            scores=(1.0, 1.0),
        ),
        _summary(
            "b",
            "Fabian Cancellara won the Tour de France prologue in London on Saturday.",
            "The riders left London for Canterbury on Sunday, cheered by large crowds.",
            "Spectators cheered the riders and cyclists along the streets of London all week.",
        ),
    )
    early = replace(early, published="2007-07-06")  # a Friday
    late = replace(late, published="2007-07-09")
    brief = merge_summaries([early_summary, late_summary], [early, late], embedder.encode, 60)
    texts = [s.text for s in brief.sentences]
    assert texts[0] == "Fabian Cancellara won the Tour de France prologue in London on Saturday."
    assert "The riders would leave London for Canterbury on Sunday after the prologue." not in texts


def test_two_saturdays_no_one_can_date_are_not_both_shown(embedder):
    pairs = [
        _summary(
            "a",
            "Zelensky announced on Saturday that two North Korean soldiers were captured alive "
            "by paratroopers.",
            "Both soldiers were wounded and taken to Kyiv for questioning.",
        ),
        _summary(
            "b",
            "On Saturday, Russian forces began sending North Korean troops into assaults across "
            "the Kursk region.",
            "Hundreds of North Korean troops were killed in the first week of fighting.",
        ),
    ]
    brief = _merge(pairs, embedder, max_words=200)  # room for all four: neither is dated
    texts = [s.text for s in brief.sentences]
    assert len(texts) == 3
    assert sum("Saturday" in text for text in texts) == 1
