"""The reader's view of a brief's JSON: source numbers, markers, disagreements when present."""

from __future__ import annotations

from service.pipeline.render.view import Marker, brief_view


def _sentence(text: str, *citations: tuple[str, int, int]) -> dict:
    return {
        "text": text,
        "citations": [{"document_id": d, "start": s, "end": e} for d, s, e in citations],
        "sources": len({d for d, _, _ in citations}),
        "score": 1.0,
    }


BRIEF = {
    "sentences": [
        _sentence("Troops arrived.", ("b", 0, 15), ("a", 10, 25)),
        _sentence("Officials confirmed it.", ("c", 5, 28)),
        _sentence("Troops stayed.", ("a", 40, 54)),
    ],
    "documents": ["a", "b", "c", "d"],
    "models": [{"name": "m", "kind": "extractive", "revision": None}],
    "document_facts": [],
    "max_words": 100,
    "words": 7,
    "notes": ["document 'e' could not be summarised"],
}


def test_sources_are_numbered_in_order_of_first_citation_then_the_uncited():
    view = brief_view(BRIEF, {"a": "Title A"})
    assert [(s.number, s.document_id, s.title) for s in view.sources] == [
        (1, "b", None),
        (2, "a", "Title A"),
        (3, "c", None),
        (4, "d", None),
    ]
    assert view.sentences[0].markers == [Marker(1, "b", 0, 15), Marker(2, "a", 10, 25)]
    assert view.sentences[2].markers == [Marker(2, "a", 40, 54)]
    assert view.sources[1].spans == [Marker(2, "a", 10, 25), Marker(2, "a", 40, 54)]
    assert view.sources[3].spans == []
    assert view.notes == BRIEF["notes"] and view.models == ["extractive m"]
    assert view.disagreements == []


def test_disagreements_are_read_with_their_citations_when_present():
    brief = {
        **BRIEF,
        "disagreements": [
            {
                "about": "troops deployed",
                "figures": [
                    {"value": "11,000", "citations": [{"document_id": "d", "start": 1, "end": 9}]},
                    {"value": "12,000", "citations": [{"document_id": "a", "start": 2, "end": 8}]},
                ],
            },
            "not a disagreement",
            {"about": "no figures"},
        ],
    }
    view = brief_view(brief, {})
    assert len(view.disagreements) == 1
    disagreement = view.disagreements[0]
    assert disagreement.about == "troops deployed"
    assert [f.text for f in disagreement.figures] == ["11,000", "12,000"]
    # "d" is first cited here, after the sentences' sources: it gets the next number.
    assert disagreement.figures[0].markers == [Marker(4, "d", 1, 9)]
    assert disagreement.figures[1].markers == [Marker(2, "a", 2, 8)]


def test_support_flags_and_dropped_sentences_are_read_when_present():
    problems = ["number 12 is not in the evidence"]
    brief = {
        **BRIEF,
        "sentences": [
            {**BRIEF["sentences"][0], "support": 0.91, "supported": True},
            {**BRIEF["sentences"][1], "support": 0.2, "supported": False, "problems": problems},
            BRIEF["sentences"][2],
        ],
        "dropped_sentences": 2,
    }
    view = brief_view(brief, {})
    assert [(s.support, s.flagged, s.problems) for s in view.sentences] == [
        (0.91, False, []),
        (0.2, True, problems),
        (None, False, []),
    ]
    assert view.dropped == 2
    assert brief_view(BRIEF, {}).dropped == 0


def test_an_undated_sentence_says_so_only_beside_dated_ones():
    dated = {"start": "2024-12-02", "end": "2024-12-02", "expression": None, "reported": True}
    mixed = {
        **BRIEF,
        "sentences": [{**BRIEF["sentences"][0], "when": dated}, *BRIEF["sentences"][1:]],
    }
    assert [s.when for s in brief_view(mixed).sentences] == [
        "reported 2 Dec 2024",
        "date unknown",
        "date unknown",
    ]
    # a brief of undated documents alone is not labelled "date unknown" sentence by sentence
    assert [s.when for s in brief_view(BRIEF).sentences] == [None, None, None]


def test_corrections_are_read_apart_and_stored_disagreements_without_a_kind_stay_disagreements():
    def figure(value: str, document: str, reported: str | None = None) -> dict:
        cited = {"value": value, "citations": [{"document_id": document, "start": 0, "end": 5}]}
        return {**cited, "reported": reported} if reported else cited

    stored = {"about": "troops", "figures": [figure("11,000", "a"), figure("12,000", "b")]}
    corrected = {
        "about": "killed",
        "kind": "correction",
        "figures": [figure("65", "c", "2005-01-08"), figure("60", "a", "2005-01-07")],
    }
    view = brief_view({**BRIEF, "disagreements": [stored, corrected]}, {})
    assert [d.about for d in view.disagreements] == ["troops"]
    assert [f.text for f in view.disagreements[0].figures] == ["11,000", "12,000"]
    (correction,) = view.corrections
    assert (correction.about, correction.kind) == ("killed", "correction")
    assert [f.text for f in correction.figures] == [
        "65 (reported 8 Jan 2005)",
        "earlier 60 (7 Jan 2005)",
    ]
    assert [m.document_id for f in correction.figures for m in f.markers] == ["c", "a"]
