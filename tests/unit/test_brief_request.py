"""The brief request: validated once, completed once, stored and read back as itself."""

from __future__ import annotations

import pytest

from service.brief_request import (
    DEFAULT_MAX_WORDS,
    DEFAULT_STORY_MODE,
    MAX_MAX_WORDS,
    MIN_MAX_WORDS,
    STORY_MODES,
    BriefRequest,
)
from service.config import Settings
from service.errors import InvalidField


def test_completed_applies_the_defaults_once_and_keeps_each_document_once():
    asked = BriefRequest.parse({"document_ids": ["b", "a", "b"]})
    assert (asked.max_words, asked.stories) == (None, None)
    done = asked.completed(300, "en")
    assert (done.document_ids, done.language) == (["b", "a"], "en")
    assert done.solver_options() == (300, DEFAULT_STORY_MODE)
    named = BriefRequest.parse({"max_words": 40, "stories": "one"}).completed(300)
    assert named.solver_options() == (40, "one")


def test_the_solver_refuses_a_request_not_completed():
    with pytest.raises(ValueError, match="not completed"):
        BriefRequest.parse({"max_words": 40}).solver_options()


@pytest.mark.parametrize("since", [None, "0" * 32])
def test_it_is_read_back_as_it_was_stored(since):
    asked = {"document_ids": ["a"], "language": "fr", "max_words": 99, "since": since}
    request = BriefRequest.parse({k: v for k, v in asked.items() if v}).completed(250, "fr")
    stored = request.to_stored()
    assert ("since" in stored) == (since is not None)  # as jobs have always stored it
    assert BriefRequest.from_stored({**stored, "request_id": "r-1"}) == request


def test_a_job_stored_before_the_story_mode_reads_as_auto():
    old = {"document_ids": None, "language": None, "max_words": 100}
    assert BriefRequest.from_stored(old).solver_options() == (100, "auto")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"max_words": MIN_MAX_WORDS - 1}, "max_words"),
        ({"max_words": MAX_MAX_WORDS + 1}, "max_words"),
        ({"stories": "two"}, "stories"),
        ({"words": 100}, "words"),
    ],
)
def test_bad_requests_name_the_field(body, field):
    with pytest.raises(InvalidField) as caught:
        BriefRequest.parse(body)
    assert caught.value.field == field


def test_the_schema_and_the_settings_take_their_limits_and_choices_from_it():
    schema = BriefRequest.model_json_schema()["properties"]
    bounds = schema["max_words"]["anyOf"][0]
    assert (bounds["minimum"], bounds["maximum"]) == (MIN_MAX_WORDS, MAX_MAX_WORDS)
    assert tuple(schema["stories"]["anyOf"][0]["enum"]) == STORY_MODES
    assert Settings().default_max_words == DEFAULT_MAX_WORDS


def test_a_job_shows_its_request_with_the_fields_of_brief_request_and_none_of_its_limits():
    from service.api.schemas import JobRequest

    assert list(JobRequest.model_fields) == [*BriefRequest.model_fields, "request_id"]
    shown = JobRequest.model_json_schema()
    assert shown["properties"]["max_words"] == {
        "anyOf": [{"type": "integer"}, {"type": "null"}],
        "title": "Max Words",
    }
    assert shown["properties"]["document_ids"]["anyOf"][0] == {
        "items": {"type": "string"},
        "type": "array",
    }
    assert shown["required"] == ["document_ids", "language", "max_words"]
    stored = BriefRequest.parse({"document_ids": ["a"], "max_words": 60}).completed(250)
    assert JobRequest.model_validate(stored.to_stored()).model_dump(exclude={"request_id"}) == {
        **stored.to_stored(),
        "since": None,
    }
