"""The disagreement finder: different figures for one thing are reported, agreement is not."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from service.pipeline.merge.disagreements import (
    Statement,
    document_statements,
    find_disagreements,
    same_count,
)
from service.pipeline.merge.measures import measures
from service.pipeline.types import Citation, Disagreement, Document

pytestmark = pytest.mark.slow  # frames are compared with the real MiniLM embedder


def _statements(*pairs: tuple[str, str]) -> list[Statement]:
    order = {doc: at for at, doc in enumerate(dict.fromkeys(doc for doc, _ in pairs))}
    return [Statement(text, Citation(doc, 0, len(text)), order[doc], True) for doc, text in pairs]


def _figures(disagreement) -> dict[str, set[str]]:
    return {f.value: {c.document_id for c in f.citations} for f in disagreement.figures}


def test_the_seed_figures_that_disagree_measure_the_same_thing(embedder, seeds):
    from service.pipeline.merge.disagreements import document_statements

    documents = [document for document, _ in seeds]
    statements = [  # as if every sentence were in a summary
        replace(s, summarised=True)
        for s in document_statements(documents, [d.id for d in documents], "en")
    ]
    found = find_disagreements(statements, embedder.encode, "en", limit=None)
    troops = next(d for d in found if any(f.value == "11,000" for f in d.figures))
    assert {"11,000", "12,000"} <= set(_figures(troops))
    assert "deployed" in troops.about
    # "11,000 in the Kursk region" and "10,000-12,000 deployed to Russia" measure at different
    # places: never side by side, though each is comparable with "12,000 ... to Russia's Kursk
    # Oblast"
    assert not any({"11,000", "10,000-12,000"} <= set(_figures(d)) for d in found)
    assert {f.value: f.qualifier for f in troops.figures}["11,000"] == "about"
    # "more than 1,000 killed or wounded in the last week of December", "at least 30 killed or
    # wounded over the weekend", "some 300 killed": other measures or scopes, no disagreement;
    # "nearly 3,000 killed or injured" (Zelensky) and the 1,000 Seoul "put the figure at", in one
    # sentence of one report, are one.
    shown = {value for d in found for value in _figures(d)}
    assert not shown & {"30", "300"}
    casualties = next(d for d in found if "3,000" in _figures(d))
    assert [(f.value, f.source) for f in casualties.figures] == [
        ("3,000", "Volodymyr Zelensky"),
        ("1,000", "Seoul"),
    ]
    said_by_seoul = casualties.figures[1].citations
    assert [c.document_id for c in said_by_seoul] == [
        casualties.figures[0].citations[0].document_id
    ]


def test_document_statements_split_as_the_summaries_do(seeds):
    from service.pipeline.merge.disagreements import document_statements

    documents = [document for document, _ in seeds]
    statements = document_statements(documents, [d.id for d in documents], "en", digits=False)
    spans = {(s.citation.document_id, s.citation.start, s.citation.end) for s in statements}
    assert spans == {(s.document_id, s.start, s.end) for _, sentences in seeds for s in sentences}


def test_a_range_and_a_figure_inside_it_do_not_disagree(embedder):
    """An editor would not set "10,000-12,000" against "12,000": both can be true."""
    found = find_disagreements(
        _statements(
            ("a", "Officials say 10,000-12,000 soldiers have been deployed to the border."),
            ("b", "Officials say 12,000 soldiers have been deployed to the border."),
        ),
        embedder.encode,
    )
    assert found == []


def test_a_figure_outside_a_range_disagrees_with_it(embedder):
    found = find_disagreements(
        _statements(
            ("a", "Officials say 10,000-12,000 soldiers have been deployed to the border."),
            ("b", "Officials say 15,000 soldiers have been deployed to the border."),
        ),
        embedder.encode,
    )
    assert len(found) == 1
    assert _figures(found[0]) == {"10,000-12,000": {"a"}, "15,000": {"b"}}


def test_a_bound_and_a_figure_it_allows_do_not_disagree(embedder):
    found = find_disagreements(
        _statements(
            ("a", "At least 60 people were killed in the fire, police said."),
            ("b", "The fire killed 65 people, police said."),
        ),
        embedder.encode,
    )
    assert found == []


def test_the_same_figure_in_several_sources_is_agreement(embedder):
    found = find_disagreements(
        _statements(
            ("a", "About 12,000 soldiers have been deployed to the border."),
            ("b", "Some 12,000 soldiers were deployed to the border region."),
            ("c", "The ministry said 12 000 soldiers are deployed at the border."),
        ),
        embedder.encode,
    )
    assert found == []


def test_different_things_with_different_figures_do_not_disagree(embedder):
    found = find_disagreements(
        _statements(
            ("a", "The storm destroyed 40 houses in the village."),
            ("b", "The storm left 3 people dead in the region."),
            ("c", "Rescuers evacuated 250 residents by boat."),
        ),
        embedder.encode,
    )
    assert found == []


def test_dates_and_years_are_not_counts(embedder):
    found = find_disagreements(
        _statements(
            ("a", "The summit opened on 12 March 2024 in Geneva."),
            ("b", "The summit opened on 14 March 2023 in Geneva."),
        ),
        embedder.encode,
    )
    assert found == []


def test_one_document_alone_cannot_disagree(embedder):
    found = find_disagreements(
        _statements(
            ("a", "Police said 300 protesters were arrested on Monday."),
            ("a", "Organisers said 500 protesters were arrested on Monday."),
        ),
        embedder.encode,
    )
    assert found == []


def test_figures_of_different_scope_or_measure_do_not_disagree(embedder):
    found = find_disagreements(
        _statements(
            ("a", "More than 1,000 soldiers were killed or wounded in the last week of December."),
            ("b", "At least 30 soldiers were killed or wounded over the weekend."),
            ("c", "Some 300 soldiers were killed in the fighting."),
            ("d", "Nearly 3,000 soldiers were killed or injured in the fighting."),
        ),
        embedder.encode,
    )
    assert found == []


def test_one_documents_list_of_distances_is_not_a_disagreement(embedder):
    found = find_disagreements(
        _statements(
            ("a", "The first aftershock struck 128 miles north of the capital."),
            ("a", "A second aftershock struck 153 miles north of the capital."),
            ("b", "An aftershock struck 96 miles north of the capital."),
        ),
        embedder.encode,
    )
    assert found == []


def test_each_figure_says_how_and_by_whom_it_is_stated(embedder):
    found = find_disagreements(
        _statements(
            ("a", "Police said 300 protesters were arrested in the capital on Saturday."),
            ("b", "According to organisers, more than 500 protesters were arrested on Saturday."),
        ),
        embedder.encode,
    )
    assert len(found) == 1
    claims = {f.value: (f.qualifier, f.source, f.scope) for f in found[0].figures}
    assert claims == {
        "300": ("", "Police", "on Saturday"),
        "500": ("more than", "organisers", "on Saturday"),
    }


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        (  # one count, two verbs: the same claim
            "Pyongyang has sent more than 10,000 troops to Russia.",
            "About 10,000-12,000 troops have been deployed to Russia.",
            True,
        ),
        (  # counts that do not overlap
            "Pyongyang has sent 3,000 troops to Russia.",
            "About 10,000-12,000 troops have been deployed to Russia.",
            False,
        ),
        (  # the same figure of another thing
            "Some 300 soldiers were killed in the fighting.",
            "Some 300 civilians were killed in the fighting.",
            False,
        ),
        (  # another scope
            "At least 30 soldiers were killed over the weekend.",
            "At least 30 soldiers were killed in December.",
            False,
        ),
    ],
)
def test_same_count_is_one_count_of_one_thing(first, second, same):
    pairs = [(a, b) for a in measures(first, "en") for b in measures(second, "en")]
    assert pairs
    assert any(same_count(a, b) for a, b in pairs) is same


def test_one_sentence_that_reports_two_sources_figures_is_a_disagreement(embedder):
    text = (
        "In December, Volodymyr Zelensky said that nearly 3,000 North Korean soldiers had been "
        "“killed or injured” there, while Seoul put the figure at 1,000."
    )
    found = find_disagreements(
        [
            Statement(text, Citation("a", 0, len(text)), 0, False),
            _statements(("b", "Some 300 North Korean soldiers were killed, a lawmaker said."))[0],
        ],
        embedder.encode,
    )
    assert len(found) == 1
    assert _figures(found[0]) == {"3,000": {"a"}, "1,000": {"a"}}
    assert [f.source for f in found[0].figures] == ["Volodymyr Zelensky", "Seoul"]


def test_figures_of_one_document_with_one_source_named_do_not_disagree(embedder):
    found = find_disagreements(
        _statements(
            ("a", "The US raised its donation to 350 million dollars, the minister said."),
            ("a", "Norway raised its donation to 180 million dollars."),
            ("b", "Japan raised its donation to 500 million dollars."),
        ),
        embedder.encode,
    )
    assert not any({"350", "180"} <= set(_figures(d)) for d in found)


def test_undated_counts_of_reports_of_different_days_do_not_disagree(embedder):
    statements = _statements(
        ("a", "Police said 5,000 people marched through the capital against the reform."),
        ("b", "Organisers said 20,000 people marched through the capital against the reform."),
    )
    same_day = {"a": date(2024, 12, 2), "b": date(2024, 12, 2)}
    next_month = {"a": date(2024, 12, 2), "b": date(2025, 1, 12)}
    (found,) = find_disagreements(statements, embedder.encode, dates=same_day)
    assert found.kind == "disagreement"
    later = find_disagreements(statements, embedder.encode, dates=next_month)
    assert [d.kind for d in later] == ["correction"]  # the later report revises the earlier


FIRE = (
    Document(
        "first",
        "Fire kills 60 in nightclub.\n\nA fire swept through a crowded nightclub in the capital "
        "overnight, killing 60 people, police said. Firefighters fought the blaze for hours.",
        "en",
        published="2005-01-07",
    ),
    Document(
        "second",
        "Nightclub fire toll rises.\n\nThe fire that swept through a crowded nightclub in the "
        "capital killed 65 people, police said. Investigators are looking into the cause.",
        "en",
        published="2005-01-08",
    ),
)


def _fire_differences(embedder: Any, dates: dict[str, date]) -> list[Disagreement]:
    statements = [
        replace(s, summarised=True)
        for s in document_statements(list(FIRE), [d.id for d in FIRE], "en")
    ]
    return find_disagreements(statements, embedder.encode, "en", limit=None, dates=dates)


def test_a_later_report_that_revises_a_figure_is_a_correction(embedder):
    found = _fire_differences(embedder, {"first": date(2005, 1, 7), "second": date(2005, 1, 8)})
    assert [d.kind for d in found] == ["correction"]  # not a disagreement
    (correction,) = found
    current, earlier = correction.figures
    assert (current.value, current.reported) == ("65", "2005-01-08")
    assert (earlier.value, earlier.reported) == ("60", "2005-01-07")
    assert [c.document_id for c in current.citations] == ["second"]
    assert [c.document_id for c in earlier.citations] == ["first"]
    assert "killed 65" in FIRE[1].text[current.citations[0].start : current.citations[0].end]
    assert "killing 60" in FIRE[0].text[earlier.citations[0].start : earlier.citations[0].end]


def test_the_latest_figure_is_current_whatever_the_documents_order(embedder):
    found = _fire_differences(embedder, {"first": date(2005, 1, 9), "second": date(2005, 1, 8)})
    (correction,) = found
    assert [(f.value, f.reported) for f in correction.figures] == [
        ("60", "2005-01-09"),
        ("65", "2005-01-08"),
    ]


def test_two_figures_of_one_day_are_still_a_disagreement(embedder):
    found = _fire_differences(embedder, {"first": date(2005, 1, 8), "second": date(2005, 1, 8)})
    assert [d.kind for d in found] == ["disagreement"]
    assert _figures(found[0]) == {"60": {"first"}, "65": {"second"}}
    assert all(f.reported == "" for f in found[0].figures)


def test_undated_reports_give_no_correction(embedder):
    assert [d.kind for d in _fire_differences(embedder, {})] == ["disagreement"]


def test_a_later_range_that_holds_the_earlier_figure_corrects_nothing(embedder):
    statements = _statements(
        ("a", "About 12,000 North Korean troops have been deployed to Russia, officials said."),
        (
            "b",
            "Some 10,000-12,000 North Korean troops have been deployed to Russia, officials said.",
        ),
    )
    dates = {"a": date(2024, 12, 2), "b": date(2024, 12, 27)}
    assert find_disagreements(statements, embedder.encode, dates=dates) == []
    narrower = {"a": date(2024, 12, 27), "b": date(2024, 12, 2)}  # the range, then 12,000
    (correction,) = find_disagreements(statements, embedder.encode, dates=narrower)
    assert [f.value for f in correction.figures] == ["12,000", "10,000-12,000"]


def test_the_brief_of_two_dated_reports_shows_the_revised_toll_as_a_correction(shared_pipeline):
    """End to end: the reports' own dates (here `published`) reach the finder through the merge,
    and the report lists the correction, not a disagreement."""
    from service.brief_request import BriefRequest
    from service.pipeline.render import brief_report, brief_to_dict

    documents = list(FIRE)
    summaries = [shared_pipeline.summarise(document) for document in documents]
    brief = shared_pipeline.merge(documents, summaries, BriefRequest(max_words=60, stories="one"))
    assert [d.kind for d in brief.disagreements] == ["correction"]
    report = brief_report(brief_to_dict(brief))
    assert "Where sources differ" not in report
    assert "- people: 65 (reported 8 Jan 2005) [second], earlier 60 (7 Jan 2005) [first]" in report
