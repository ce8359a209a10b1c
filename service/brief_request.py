"""A brief request: the one object that says what brief a client asked for.

It is validated once (`parse`), completed once with its defaults (`completed`), queued as itself
(`to_stored`) and read back as itself (`from_stored`), and handed whole to the pipeline's solver.
The API schema, the command line's options and the page's form read their limits, default and
choices from here: a new brief option is a field of this class and its one use.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal, get_args

from pydantic import Field

from service.validation import WHOLE, DocumentId, LanguageTag, RequestModel, parse_model

MIN_MAX_WORDS = 20
MAX_MAX_WORDS = 2000
DEFAULT_MAX_WORDS = 250  # the embedded default of the `default_max_words` setting
MAX_DOCUMENT_IDS = 10_000

StoryMode = Literal["auto", "one"]
STORY_MODES: tuple[StoryMode, ...] = get_args(StoryMode)
# A corpus of one event stays one story (41 of MultiLing 2011's 70 clusters; see the README).
DEFAULT_STORY_MODE: StoryMode = "auto"

# Kept beside the request in the store, not a part of it: the job's logs name it.
_NOT_REQUESTED = frozenset({"request_id"})


# `POST /v1/briefs`'s body, and the job's request once `completed`: `max_words` and `stories` are
# then set (the service's defaults applied) and `document_ids` unique. (A comment, not a
# docstring: pydantic would put a docstring into the OpenAPI document.)
class BriefRequest(RequestModel):
    document_ids: (
        Annotated[list[DocumentId], Field(min_length=1, max_length=MAX_DOCUMENT_IDS)] | None
    ) = None
    language: LanguageTag | None = None
    stories: StoryMode | None = None
    since: Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")] | None = None  # a brief job's ID
    max_words: Annotated[int, Field(ge=MIN_MAX_WORDS, le=MAX_MAX_WORDS), WHOLE] | None = None

    @classmethod
    def parse(cls, payload: Any) -> BriefRequest:
        """Validate a body (InvalidField names the field, e.g. `document_ids[3]`)."""
        return parse_model(cls, payload)

    def completed(self, default_max_words: int, language: str | None = None) -> BriefRequest:
        """This request with the service's defaults where it names none, each document once,
        and `language` (normalised by the caller) in place of the one asked."""
        ids = None if self.document_ids is None else list(dict.fromkeys(self.document_ids))
        return self.model_copy(
            update={
                "document_ids": ids,
                "language": language,
                "max_words": self.max_words or default_max_words,
                "stories": self.stories or DEFAULT_STORY_MODE,
            }
        )

    def solver_options(self) -> tuple[int, StoryMode]:
        """`max_words` and `stories` of a completed request; ValueError for one not completed."""
        if self.max_words is None or self.stories is None:
            raise ValueError("the brief request is not completed (BriefRequest.completed)")
        return self.max_words, self.stories

    def to_stored(self) -> dict[str, Any]:
        """As the job's request is stored and shown (`since` only when asked)."""
        return self.model_dump(exclude=set() if self.since else {"since"})

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any]) -> BriefRequest:
        """A job's request as stored by `to_stored`; a job queued before the story mode was
        recorded was asked for "auto"."""
        fields = {k: v for k, v in stored.items() if k not in _NOT_REQUESTED}
        request = cls.model_validate(fields)
        return request if request.stories else request.model_copy(update={"stories": "auto"})
