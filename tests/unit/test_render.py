"""Renderings of a brief: inline markers, Markdown footnotes, the JSON shape."""

from __future__ import annotations

import json

from service.pipeline.render import (
    brief_markdown,
    brief_report,
    brief_text,
    brief_to_dict,
    brief_view,
)
from service.pipeline.render.markdown import as_markdown
from service.pipeline.render.text import as_text
from service.pipeline.types import Brief, BriefSentence, Citation, DocumentFacts, ModelInfo


def _brief() -> Brief:
    return Brief(
        sentences=[
            BriefSentence(
                "Troops were deployed.", [Citation("a", 0, 21), Citation("b", 5, 30)], 2.5
            ),
            BriefSentence("Talks resumed.", [Citation("b", 40, 54)], 1.2),
        ],
        documents=["a", "b", "c"],
        models=[ModelInfo("sentence-transformers/all-MiniLM-L6-v2", "extractive", "0.1.0")],
        facts=[DocumentFacts("a", "en", "m", 10, 1, False, 3)],
        max_words=100,
        notes=["c: not summarised (boom)"],
    )


def test_text_has_inline_markers_after_each_sentence():
    assert brief_text(_brief()) == "Troops were deployed. [a][b] Talks resumed. [b]"


def test_markdown_uses_one_footnote_per_document():
    markdown = brief_markdown(_brief())
    assert "- Troops were deployed.[^1][^2]" in markdown
    assert "- Talks resumed.[^2]" in markdown
    assert "[^1]: Document `a`, characters 0-21." in markdown
    assert "[^2]: Document `b`, characters 5-30, 40-54." in markdown
    assert "> c: not summarised (boom)" in markdown


def test_dict_is_json_ready_and_complete():
    data = json.loads(json.dumps(brief_to_dict(_brief())))
    assert data["sentences"][0]["citations"] == [
        {"document_id": "a", "start": 0, "end": 21},
        {"document_id": "b", "start": 5, "end": 30},
    ]
    assert data["sentences"][0]["sources"] == 2
    assert data["documents"] == ["a", "b", "c"]
    assert data["models"][0]["kind"] == "extractive"
    assert data["document_facts"][0]["chunks"] == 1
    assert data["words"] == 5
    assert {"text", "markdown", "max_words", "notes"} <= data.keys()


def test_disagreements_support_and_drops_are_rendered():
    from service.pipeline.types import Disagreement, FigureClaim

    brief = _brief()
    brief.disagreements = [
        Disagreement(
            "North Korean troops",
            [
                FigureClaim("11,000", [Citation("a", 100, 160)]),
                FigureClaim("12,000", [Citation("c", 7, 50)]),
            ],
        )
    ]
    brief.dropped = 2
    brief.sentences[1].supported = False
    brief.sentences[1].support = 0.41
    markdown = brief_markdown(brief)
    assert "### Where sources differ" in markdown
    assert "- North Korean troops: 11,000[^1]; 12,000[^3]" in markdown
    assert "[^3]: Document `c`, characters 7-50." in markdown
    assert "_2 sentence(s) left out" in markdown
    assert "Talks resumed.[^2] _(not supported" in markdown
    data = brief_to_dict(brief)
    assert data["dropped_sentences"] == 2
    assert data["sentences"][1]["support"] == 0.41 and data["sentences"][1]["supported"] is False
    assert data["disagreements"][0]["figures"][1] == {
        "value": "12,000",
        "citations": [{"document_id": "c", "start": 7, "end": 50}],
    }


def test_markdown_keeps_hostile_source_text_inert():
    brief = _brief()
    brief.sentences[0].text = 'He wrote <script>alert("x")</script> & left [^1].'
    markdown = brief_markdown(brief)
    assert "<script>" not in markdown
    assert '&lt;script&gt;alert("x")&lt;/script&gt; &amp; left \\[^1].' in markdown
    assert brief_text(brief).startswith('He wrote <script>alert("x")</script>')  # plain text as is


def _story(story_id: str, headline: str, document: str, sentences: list[dict]) -> dict:
    return {
        "id": story_id,
        "headline": {
            "text": headline,
            "citation": {"document_id": document, "start": 0, "end": len(headline)},
        },
        "documents": [document],
        "sentences": sentences,
        "disagreements": [],
        "first_published": "2024-12-20",
        "last_published": "2024-12-27" if sentences else "2024-12-20",
    }


SENTENCE = {
    "text": "The river rose two metres.",
    "citations": [{"document_id": "flood", "start": 40, "end": 66}],
    "when": {"start": "2005-01-08", "end": "2005-01-08", "reported": False},
}
SEVERAL = {
    "sentences": [SENTENCE],
    "documents": ["flood", "vote"],
    "models": [{"kind": "extractive", "name": "m"}],
    "words": 5,
    "notes": [],
    "stories": [
        _story("s1", "Floods in the valley", "flood", [SENTENCE]),
        _story("s2", "A vote is called", "vote", []),
    ],
}


def test_the_report_has_a_section_per_story_and_lists_the_rest():
    assert brief_report(SEVERAL) == (
        "Floods in the valley [flood] (1 source, 2024-12-20 to 2024-12-27)\n"
        "(8 Jan 2005) The river rose two metres. [flood]\n\n"
        "Also reported:\n"
        "- A vote is called [vote] (1 source, 2024-12-20)\n\n"
        "(5 words from 2 documents; extractive m)"
    )


def test_every_rendering_reads_one_view():
    """The date, the story's line and the source numbers are the view's, in each rendering."""
    view = brief_view(SEVERAL)
    (story, minor) = view.stories
    assert story.sentences[0].when == "8 Jan 2005"
    assert [(s.number, s.document_id) for s in view.sources] == [(1, "flood"), (2, "vote")]
    markdown = as_markdown(view)
    assert "### Floods in the valley[^1]\n\n_1 source, 2024-12-20 to 2024-12-27_" in markdown
    assert "- _8 Jan 2005_ The river rose two metres.[^1]" in markdown
    assert "- A vote is called[^2] _(1 source, 2024-12-20)_" in markdown
    assert "[^1]: Document `flood`, characters 0-20, 40-66." in markdown
    assert as_text(view) == "(8 Jan 2005) The river rose two metres. [flood]"
    assert f"({minor.line})" in brief_report(SEVERAL)


def test_a_correction_is_listed_as_one_apart_from_the_disagreements():
    from service.pipeline.types import Disagreement, FigureClaim

    brief = _brief()
    brief.disagreements = [
        Disagreement(
            "killed",
            [
                FigureClaim("65", [Citation("b", 60, 90)], reported="2005-01-08"),
                FigureClaim("60", [Citation("a", 30, 58)], reported="2005-01-07"),
            ],
            kind="correction",
        )
    ]
    report = brief_report(brief_to_dict(brief))
    assert "Where sources differ" not in report
    assert "Corrections:\n- killed: 65 (reported 8 Jan 2005) [b], earlier 60 (7 Jan 2005) [a]" in (
        report
    )
    markdown = brief_markdown(brief)
    assert "### Corrections" in markdown and "Where sources differ" not in markdown
    assert "- killed: 65 (reported 8 Jan 2005)[^2], earlier 60 (7 Jan 2005)[^1]" in markdown
    data = brief_to_dict(brief)["disagreements"][0]
    assert data["kind"] == "correction"
    assert [(f["value"], f["reported"]) for f in data["figures"]] == [
        ("65", "2005-01-08"),
        ("60", "2005-01-07"),
    ]
