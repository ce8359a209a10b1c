"""The brief's JSON shape is written once: every key `brief_to_dict` writes is in the OpenAPI
document's `Brief`, and every key of that schema is written, on real briefs of the seed corpus
that carry disagreements, a flagged sentence with its problems, and a dropped one, and on one
whose disagreement says every optional part (unit, qualifier, source, scope, the day a figure
was reported) and that also lists a correction."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from service.brief_request import BriefRequest
from service.pipeline.documents.cleaning import clean_document, find_headline
from service.pipeline.render import brief_to_dict
from service.pipeline.runner import Pipeline
from service.pipeline.types import Brief, Document, Summary, SummarySentence
from tests.seeds import load_seeds

pytestmark = pytest.mark.slow  # summarises the seed corpus with the real MiniLM

FLOOD = Document("flood", "The river flooded three villages and 40 homes overnight.", "en")


def _with_an_invented_number(summary: Summary) -> Summary:
    """The flood summary saying 90 homes where its evidence says 40: it fails the check."""
    (sentence,) = summary.sentences
    invented = SummarySentence(
        sentence.text.replace("40", "90"), sentence.citations, sentence.score, sentence.position
    )
    return dataclasses.replace(summary, sentences=[invented], vectors=None)


@pytest.fixture(scope="module")
def corpus(shared_pipeline: Pipeline) -> tuple[list[Document], list[Summary]]:
    # as ingest stores them: a document sent without a title gets its headline line
    seeds = [
        Document(i, text, "en", title=find_headline(text, "en")) for i, text in load_seeds().items()
    ]
    documents = [*seeds, FLOOD]
    summaries = [shared_pipeline.summarise(document) for document in documents]
    summaries[-1] = _with_an_invented_number(summaries[-1])
    return documents, summaries


def _brief(pipeline: Pipeline, corpus: Any, unsupported: str) -> Brief:
    merging = copy.copy(pipeline)
    merging.settings = dataclasses.replace(pipeline.settings, unsupported_sentences=unsupported)
    documents, summaries = corpus
    # the flood republished word for word by another site: the brief lists it as a copy
    republished = dataclasses.replace(FLOOD, id="flood-copy", copy_of=FLOOD.id)
    return merging.merge(
        [*documents, republished],
        [*summaries, pipeline.summarise(republished)],
        BriefRequest(max_words=2000, stories="auto"),
    )


def _saying_everything(item: Any) -> Any:
    """`item` with every empty optional text filled in: parts a dataclass writes only when
    the text says them (a figure's scope, a unit) are written too."""
    empty = {f.name: "x" for f in dataclasses.fields(item) if getattr(item, f.name) == ""}
    return dataclasses.replace(item, **empty)


@pytest.fixture(scope="module")
def briefs(shared_pipeline: Pipeline, corpus: Any) -> dict[str, Brief]:
    found = {mode: _brief(shared_pipeline, corpus, mode) for mode in ("flag", "drop")}
    real = found["flag"].disagreements[0]
    full = _saying_everything(
        dataclasses.replace(real, figures=[_saying_everything(f) for f in real.figures])
    )
    # a correction: the same figures as a later report's revision of an earlier one's
    days = ("2024-12-27", "2024-12-20")
    revised = [dataclasses.replace(f, reported=d) for f, d in zip(real.figures, days, strict=False)]
    correction = dataclasses.replace(real, kind="correction", figures=revised)
    differences = [full, correction]
    stories = [dataclasses.replace(s, disagreements=differences) for s in found["flag"].stories]
    found["full"] = dataclasses.replace(found["flag"], disagreements=differences, stories=stories)
    return found


def json_keys(value: Any, path: str = "") -> Iterator[str]:
    """Every key path of a JSON value: `sentences[].citations[].start`."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield f"{path}.{key}"
            yield from json_keys(item, f"{path}.{key}")
    elif isinstance(value, list):
        for item in value:
            yield from json_keys(item, f"{path}[]")


def schema_keys(schema: Mapping[str, Any], components: Mapping[str, Any], path: str = ""):
    """Every key path a JSON schema describes, following `$ref`s, arrays and `anyOf`."""
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    for key, item in schema.get("properties", {}).items():
        yield f"{path}.{key}"
        yield from schema_keys(item, components, f"{path}.{key}")
    if "items" in schema:
        yield from schema_keys(schema["items"], components, f"{path}[]")
    for option in schema.get("anyOf", []):
        yield from schema_keys(option, components, path)


def test_the_briefs_carry_every_optional_part(briefs):
    """What the shape test below relies on: nothing is absent because the briefs lack it."""
    flagged = [s for s in briefs["flag"].sentences if not s.supported]
    assert flagged and all(s.problems for s in flagged)
    assert briefs["drop"].dropped >= 1
    assert briefs["flag"].disagreements and briefs["drop"].disagreements
    assert len(briefs["flag"].stories) == 2, "the seeds and the flood are two stories"
    assert all(story.headline for story in briefs["flag"].stories)


def test_what_brief_to_dict_writes_is_what_the_openapi_document_describes(client, briefs):
    components = client.get("/openapi.json").get_json()["components"]["schemas"]
    documented = set(schema_keys({"$ref": "#/components/schemas/Brief"}, components))
    written = {key for brief in briefs.values() for key in json_keys(brief_to_dict(brief))}
    assert written - documented == set(), "written by brief_to_dict, missing from the schema"
    assert documented - written == set(), "in the schema, never written by brief_to_dict"


def test_a_job_carries_its_brief_under_the_documented_job(client):
    components = client.get("/openapi.json").get_json()["components"]["schemas"]
    assert components["Job"]["properties"]["brief"]["anyOf"][0] == {
        "$ref": "#/components/schemas/Brief"
    }


def test_removed_chars_counts_the_noise_that_cleaning_removed(corpus, briefs):
    """Every seed carries scraping noise: its facts say how many characters of it were dropped."""
    documents, summaries = corpus
    facts = {f["document_id"]: f for f in brief_to_dict(briefs["drop"])["document_facts"]}
    for document, summary in zip(documents[:-1], summaries[:-1], strict=True):
        removed = clean_document(document).removed
        expected = sum(span.end - span.start for span in removed)
        assert expected > 0, document.id
        assert summary.facts.removed_chars == expected, document.id
        assert facts[document.id]["removed_chars"] == expected, document.id
    assert facts["flood"]["removed_chars"] == 0  # nothing to clean in one plain sentence
