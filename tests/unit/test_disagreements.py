"""The disagreement finder: different figures for one thing are reported, agreement is not."""

from __future__ import annotations

from dataclasses import replace

import pytest

from service.pipeline.disagreements import Statement, find_disagreements
from service.pipeline.types import Citation

pytestmark = pytest.mark.slow  # frames are compared with the real MiniLM embedder


def _statements(*pairs: tuple[str, str]) -> list[Statement]:
    order = {doc: at for at, doc in enumerate(dict.fromkeys(doc for doc, _ in pairs))}
    return [Statement(text, Citation(doc, 0, len(text)), order[doc], True) for doc, text in pairs]


def _figures(disagreement) -> dict[str, set[str]]:
    return {f.value: {c.document_id for c in f.citations} for f in disagreement.figures}


def test_the_seed_troop_figures_disagree(embedder, seeds):
    from service.pipeline.disagreements import document_statements

    documents = [document for document, _ in seeds]
    statements = [  # as if every sentence were in a summary
        replace(s, summarised=True)
        for s in document_statements(documents, [d.id for d in documents], "en")
    ]
    found = find_disagreements(statements, embedder.encode, "en")
    troops = next(d for d in found if any(f.value == "11,000" for f in d.figures))
    values = set(_figures(troops))
    assert {"10,000-12,000", "11,000", "12,000"} <= values
    casualties = next(d for d in found if any(f.value == "300" for f in d.figures))
    assert {"1,000", "300"} <= set(_figures(casualties))
    assert not values & set(_figures(casualties)), "deployed and killed are different things"


def test_a_range_and_its_end_are_different_figures(embedder):
    found = find_disagreements(
        _statements(
            ("a", "Officials say 10,000-12,000 soldiers have been deployed to the border."),
            ("b", "Officials say 12,000 soldiers have been deployed to the border."),
        ),
        embedder.encode,
    )
    assert len(found) == 1
    assert _figures(found[0]) == {"10,000-12,000": {"a"}, "12,000": {"b"}}


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
