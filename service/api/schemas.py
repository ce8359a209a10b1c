"""What the API answers, as pydantic models: the OpenAPI document is generated from these and from
the request models that validate bodies (`service.ingest`, `service.jobs.briefs`). A brief's parts
are the pipeline's dataclasses themselves, so that their schema is generated from the one
definition; a test checks the rest against what `brief_to_dict` writes.

Responses may gain fields: only the error shape forbids any it does not name.
"""

from __future__ import annotations

from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, create_model

from service.brief_request import BriefRequest
from service.pipeline import types as pipeline


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: int = Field(description="The HTTP status, repeated.")
    code: str = Field(description="Stable machine-readable code, e.g. `invalid_field`.")
    message: str
    field: str | None = Field(description="The offending field or parameter, as a JSON path.")
    details: dict[str, Any] | None = None


class Error(BaseModel):
    """Every error, from every endpoint."""

    model_config = ConfigDict(extra="forbid")

    error: ErrorDetail


class StoredDocument(BaseModel):
    id: str
    status: Literal["created", "unchanged", "replaced"]
    language: str
    language_confidence: float
    language_source: Literal["declared", "detected"]
    chars: int
    bytes: int
    copy_of: str | None = None


class StoredDocuments(BaseModel):
    documents: list[StoredDocument]


class DocumentHead(BaseModel):
    id: str
    title: str | None
    title_source: Literal["declared", "derived"] | None = Field(
        description="`declared`: sent by the client; `derived`: the text's headline, taken at "
        "ingest because none was sent; null: no title."
    )
    url: str | None
    published: str | None
    author: str | None = None
    site_name: str | None = None
    metadata_sources: dict[str, Literal["page", "request"]] | None = Field(
        None,
        description="Where each metadata field of a document read from an article page came "
        "from: the `page` (trafilatura) or the `request`.",
    )
    reader: Literal["article"] | None = Field(
        None, description="`article`: the text is trafilatura's article of an `html` page."
    )
    copy_of: str | None = Field(
        None,
        description="The stored document this one is a near-duplicate copy of (the same story "
        "republished): briefs count the two as one source.",
    )
    date: str | None = Field(
        json_schema_extra={"format": "date"},
        description="The document's date, taken at ingest: `published` where sent, else a "
        "dateline in its first lines, else a date in its URL; what its relative dates "
        "('on Saturday') are read against.",
    )
    date_source: Literal["published", "page", "dateline", "url", "none"] | None = Field(
        description="Where `date` was read; `none`: nowhere; null: stored before dating."
    )
    language: str
    language_confidence: float
    language_source: Literal["declared", "detected"]
    chars: int
    bytes: int
    sha256: str
    created_at: str = Field(json_schema_extra={"format": "date-time"})
    updated_at: str = Field(json_schema_extra={"format": "date-time"})


class Document(DocumentHead):
    text: str
    passage: str | None = Field(None, description="text[start:end], when ?start= or ?end= ask.")


class DocumentPage(BaseModel):
    documents: list[DocumentHead]
    next_cursor: str | None


class BriefSentence(BaseModel):
    """A sentence of the brief: `service.pipeline.render.brief_to_dict` writes it."""

    text: str
    citations: list[pipeline.Citation]
    sources: int = Field(description="How many documents carry it.")
    score: float
    support: float = Field(
        1.0, description="Cosine with its own evidence passage; 1.0 when quoted."
    )
    supported: bool = Field(True, description="False: it failed the faithfulness check.")
    problems: list[str] | None = Field(
        None, description="Why it failed the faithfulness check; only when it did."
    )
    trimmed: list[pipeline.Citation] | None = Field(
        None,
        description="Words deleted from the quoted passage (a fact-free opening such as "
        "'However,', an aside in brackets), as spans of the stored text; only when some were. "
        "Nothing else is changed but the case of the first letter.",
    )
    when: When | None = Field(
        None,
        description="The date of what it reports; null where neither it nor its document "
        "gives one.",
    )


class When(BaseModel):
    """When what a sentence reports happened (`service.pipeline.merge.when`)."""

    start: str | None = Field(
        json_schema_extra={"format": "date"},
        description="Null: a relative expression ('on Saturday') in a document with no date.",
    )
    end: str | None = Field(
        json_schema_extra={"format": "date"}, description="Equal to `start` for one day."
    )
    expression: str | None = Field(
        description="The words the date was read from ('on Saturday', 'in December'); null "
        "where the sentence names no time."
    )
    reported: bool = Field(
        description="True: the sentence names no time; the date is its document's, the date "
        "it was reported."
    )


class TimelineEntry(When):
    sentence: int = Field(description="Index of the sentence in the story's `sentences`.")


class Headline(BaseModel):
    """A story's headline: its most typical document's title line, or else that document's
    earliest summary sentence; quoted, never written anew."""

    text: str
    citation: pipeline.Citation


class Story(BaseModel):
    """Documents that report one event, with their own brief (`service.pipeline.stories.brief`).
    A story with no `sentences` had too small a share of the words: it is "Also reported"."""

    id: str = Field(
        description="Names the story's founding document (its earliest): the same while later "
        "reports join it."
    )
    headline: Headline | None
    documents: list[str]
    sentences: list[BriefSentence]
    disagreements: list[pipeline.Disagreement] = Field(
        description="Its figures that differ, as the brief's `disagreements`."
    )
    timeline: list[TimelineEntry] = Field(
        default_factory=list, description="Its dated sentences in the order of their dates."
    )
    first_published: str | None = Field(description="Date of its earliest document (ISO 8601).")
    last_published: str | None = Field(description="Date of its latest document (ISO 8601).")
    dropped_sentences: int
    came_from: list[str] = Field(
        default_factory=list,
        description="With `since`: the earlier brief's stories that held any of its documents "
        "(several: they merged; one also named by another story: it split).",
    )
    new: bool = Field(
        True, description="With `since`: no story of the earlier brief held any of its documents."
    )


class DocumentTitle(BaseModel):
    document_id: str
    title: str


class Republished(BaseModel):
    document_id: str
    copies: list[str]


class Brief(BaseModel):
    """The brief of a finished job, as `service.pipeline.render.brief_to_dict` writes it; its parts
    are the pipeline's own types (`service.pipeline.types`). Fields added after a brief was
    stored have their defaults in it."""

    sentences: list[BriefSentence]
    text: str
    markdown: str
    documents: list[str]
    document_titles: list[DocumentTitle] = Field(
        default_factory=list,
        description="The title of each document that has one: sent with it, or derived at "
        "ingest from its headline (see the document's `title_source`).",
    )
    models: list[pipeline.ModelInfo]
    document_facts: list[pipeline.DocumentFacts]
    max_words: int
    words: int
    notes: list[str]
    disagreements: list[pipeline.Disagreement] = Field(
        default_factory=list,
        description='Figures the sources give differently: of one day (`kind` "disagreement"), '
        'or revised by a later report (`kind` "correction": the latest figure first, then the '
        "earlier ones, each with the day it was `reported`). Briefs stored before `kind` hold "
        "disagreements only.",
    )
    dropped_sentences: int = Field(
        0, description="Sentences left out because they failed the faithfulness check."
    )
    stories: list[Story] = Field(
        default_factory=list,
        description="The stories of the corpus, most important first (most documents, then the "
        "latest); `sentences` holds every story's sentences in this order.",
    )
    republished: list[Republished] = Field(
        default_factory=list,
        description="Documents that are copies of one story (found at ingest, `copy_of`): the "
        "brief merges and cites only `document_id`, counted as one source.",
    )


class Progress(BaseModel):
    """How far the job is; `retries` and `note` appear once work of it had to be redone."""

    done: int
    total: int
    stage: str | None
    retries: int = Field(
        0,
        ge=0,
        description="Times work of this job was sent to another worker because the one running "
        "it vanished (its lease expired); left out until the first time.",
    )
    note: str | None = Field(
        None,
        description="When and why work was last redone, e.g. `2026-11-29T10:00:00Z: the worker "
        "running 8 documents (map-0002) vanished ...; sent again to another worker`; left out "
        "until work is first redone.",
    )


def _as_stored(annotation: Any) -> Any:
    """A request field's type without its limits (`Annotated` metadata), as a job shows it:
    validated once, when it was queued."""
    if get_origin(annotation) is Annotated:
        return _as_stored(get_args(annotation)[0])
    if get_origin(annotation) in (Union, UnionType):
        return Union[tuple(_as_stored(arg) for arg in get_args(annotation))]  # noqa: UP007 (built)
    if get_origin(annotation) is list:
        return list[_as_stored(get_args(annotation)[0])]  # type: ignore[misc]
    return annotation


# Set in every stored request; `stories` and `since` came later or only when asked.
_ALWAYS_STORED = frozenset({"document_ids", "language", "max_words"})
_DESCRIPTIONS = {
    "stories": "`auto` (the default): a brief per story found; `one`: the corpus as one story.",
    "since": "The earlier brief this one says what is new since, when asked.",
}

# The job's request: BriefRequest's own fields, so that a brief option added there is shown here,
# and the X-Request-ID it was queued under.
_JOB_REQUEST_FIELDS: dict[str, Any] = {
    name: (
        _as_stored(field.annotation),
        ... if name in _ALWAYS_STORED else Field(None, description=_DESCRIPTIONS.get(name)),
    )
    for name, field in BriefRequest.model_fields.items()
}
JobRequest = create_model(
    "JobRequest",
    **_JOB_REQUEST_FIELDS,
    request_id=(str | None, Field(None, description="X-Request-ID of the request that queued it.")),
)


class JobError(BaseModel):
    reason: str


class Job(BaseModel):
    id: str
    status: Literal["queued", "running", "done", "failed"]
    progress: Progress
    request: JobRequest  # type: ignore[valid-type]
    document_ids: list[str]
    error: JobError | None
    created_at: str = Field(json_schema_extra={"format": "date-time"})
    started_at: str | None = Field(json_schema_extra={"format": "date-time"})
    finished_at: str | None = Field(json_schema_extra={"format": "date-time"})
    brief: Brief | None


class Health(BaseModel):
    status: Literal["ok"]
    summariser: dict[str, Any]
    database: str
    worker: str


class ReadyChecks(BaseModel):
    database: str
    models: str
    worker: str


class Ready(BaseModel):
    status: Literal["ready"]
    checks: ReadyChecks
