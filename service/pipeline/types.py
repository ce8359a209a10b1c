"""Plain data types that flow through the pipeline, one stage to the next.

Offsets (`start`, `end`) are always character offsets into `Document.text`, the text exactly as it
was stored, so that a citation can be checked by slicing the stored document.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Protocol

import numpy as np

UNDETERMINED = "und"

# Embeds texts as unit rows (one per text): the sentence-embedding model, or a lexical stand-in.
Encode = Callable[[list[str]], np.ndarray]


class DocumentHead(Protocol):
    """What names a document's text without the text: its ID, the SHA-256 of its text (taken
    once, at ingest, and stored) and its language. A `Document` is one; so is the store's
    `DocumentDigest`."""

    @property
    def id(self) -> str: ...

    @property
    def sha256(self) -> str: ...

    @property
    def language(self) -> str: ...


@dataclass(frozen=True)
class Document:
    id: str
    text: str
    language: str = UNDETERMINED
    title: str | None = None
    published: str | None = None  # ISO 8601 date or datetime, as stored
    sha256: str = ""  # of `text` (UTF-8) as stored at ingest; taken here only when not given
    # The text is an article extractor's (trafilatura's, from a page or a feed entry): the
    # cleaner removes only the headline and standfirst over it (its other rules, measured after
    # trafilatura, removed more article than furniture: `python -m bench pages`).
    extracted: bool = False
    # The stored original this document is a near-duplicate copy of (ingest/copies.py): the merge
    # counts the two as one source (merge/copies.py).
    copy_of: str | None = None
    url: str | None = None
    # Its date (ISO 8601, "YYYY-MM-DD") and where that was read (`documents.chronology.SOURCES`),
    # as stored at ingest; empty `dated_source`: not dated yet (`chronology.document_date` dates
    # it when asked, once a process).
    dated: str | None = None
    dated_source: str = ""
    page_date: str | None = None  # an HTML page's own date (its metadata), where it had one

    def __post_init__(self) -> None:
        if not self.sha256:
            object.__setattr__(
                self, "sha256", hashlib.sha256(self.text.encode("utf-8")).hexdigest()
            )


@dataclass(frozen=True)
class LanguageGuess:
    language: str  # ISO 639-1 code as langdetect names it ("en", "zh-cn"), or "und"
    confidence: float  # probability of the top guess, 0.0 for "und" from too little text
    source: str  # "declared" or "detected"


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True)
class RemovedSpan:
    start: int
    end: int
    reason: str  # a short rule name, e.g. "no-sentence-structure", "reader-appeal"


@dataclass(frozen=True)
class CleanedDocument:
    """The parts of a document that are article content, as spans of its stored text."""

    document: Document
    blocks: list[Span]  # content paragraphs, in order, non-overlapping
    removed: list[RemovedSpan]  # what was dropped, and why

    def content(self) -> str:
        return "\n\n".join(self.document.text[b.start : b.end] for b in self.blocks)


@dataclass(frozen=True)
class Sentence:
    document_id: str
    index: int  # position among the document's sentences, from 0
    start: int
    end: int
    text: str  # == document.text[start:end]
    block: int  # index of the content block (paragraph) it belongs to


@dataclass(frozen=True)
class Chunk:
    """Consecutive sentences that fit the summarisation model's input together."""

    document_id: str
    index: int
    sentences: tuple[Sentence, ...]
    tokens: int  # measured with the model's own tokenizer
    overlap: int = 0  # leading sentences repeated from the previous chunk


@dataclass(frozen=True)
class Citation:
    document_id: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ModelInfo:
    name: str  # hub name or local path
    kind: str  # "extractive" or "seq2seq"
    revision: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class DocumentFacts:
    document_id: str
    language: str
    model: str  # ModelInfo.name of the summariser that read it
    tokens: int  # document length in that model's tokens
    chunks: int
    truncated: bool  # True when some of the text was not seen by the model
    sentences: int  # content sentences after cleaning
    removed_chars: int = 0  # characters dropped as noise by cleaning
    error: str | None = None  # set when summarising this document failed

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SummarySentence:
    text: str
    citations: list[Citation]  # evidence spans in the summarised document
    score: float  # importance within its document (centrality), higher first
    position: int  # order of the evidence in the document (for chronology and ties)

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "citations": [c.to_dict() for c in self.citations],
            "score": self.score,
            "position": self.position,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SummarySentence:
        return cls(
            text=data["text"],
            citations=[Citation(**c) for c in data["citations"]],
            score=float(data["score"]),
            position=int(data["position"]),
        )


@dataclass(frozen=True, eq=False)
class SentenceVectors:
    """The embeddings of a summary's sentences (row i: sentence i) and the model that made them.

    Kept with the cached summary so that a brief never embeds a cached sentence again (the
    merge's largest cost over a big corpus). The rows are rounded to float16 (cosines move by
    about 1e-3) whether fresh or read back from the store, so that a brief is the same either
    way; stored as little-endian float16 in base64, 768 bytes a sentence for MiniLM.
    """

    model: str  # the embedding model's identity, "name@revision"
    rows: np.ndarray  # float32 holding float16 values, shape (sentences, dimension)

    @classmethod
    def of(cls, model: str, rows: np.ndarray) -> SentenceVectors:
        return cls(model, np.asarray(rows, dtype="<f2").astype(np.float32))

    def to_dict(self) -> dict[str, Any]:
        data = np.ascontiguousarray(self.rows, dtype="<f2").tobytes()
        return {
            "model": self.model,
            "dtype": "float16",
            "shape": list(self.rows.shape),
            "data": base64.b64encode(data).decode("ascii"),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SentenceVectors:
        if data.get("dtype") != "float16":
            raise ValueError(f"unknown vector encoding {data.get('dtype')!r}")
        raw = np.frombuffer(base64.b64decode(data["data"]), dtype="<f2")
        rows = raw.reshape([int(n) for n in data["shape"]]).astype(np.float32)
        return cls(str(data["model"]), rows)


@dataclass
class Summary:
    """One document's summary: a few sentences, each tied to evidence in that document."""

    document_id: str
    model: ModelInfo
    sentences: list[SummarySentence]
    facts: DocumentFacts
    vectors: SentenceVectors | None = None  # the sentences' embeddings, when known
    # The concepts of the whole document (concepts.py), each with the position of the first
    # sentence that states it: what the merge weighs coverage by, read once with the summary.
    concepts: dict[str, int] | None = None

    def to_dict(self) -> dict[str, Any]:
        data = {
            "document_id": self.document_id,
            "model": self.model.to_dict(),
            "sentences": [s.to_dict() for s in self.sentences],
            "facts": self.facts.to_dict(),
        }
        if self.vectors is not None:
            data["vectors"] = self.vectors.to_dict()
        if self.concepts is not None:
            data["concepts"] = self.concepts
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Summary:
        vectors = data.get("vectors")
        return cls(
            document_id=data["document_id"],
            model=ModelInfo(**data["model"]),
            sentences=[SummarySentence.from_dict(s) for s in data["sentences"]],
            facts=DocumentFacts(**data["facts"]),
            vectors=SentenceVectors.from_dict(vectors) if vectors else None,
            concepts=data.get("concepts"),
        )

    def vectors_by(self, model: str) -> np.ndarray | None:
        """The sentences' embeddings if `model` made them (one row per sentence), else None."""
        found = self.vectors
        if found is None or found.model != model or len(found.rows) != len(self.sentences):
            return None
        return found.rows


@dataclass(frozen=True)
class When:
    """When what a sentence reports happened (`when.py`): a date range (one day: start == end),
    the expression it was read from, or, where the sentence names no time, its document's date
    as the date it was reported."""

    start: str | None  # ISO 8601 date; None: a relative expression its undated document
    end: str | None  # does not let anyone read ("on Saturday" of when?)
    expression: str | None  # as written ("on Saturday"); None: the report date
    reported: bool = False  # True: no time in the sentence, its document's date
    period: str = "day"  # how much the expression names: day, week, month or year

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "expression": self.expression,
            "reported": self.reported,
        }


@dataclass
class BriefSentence:
    text: str
    citations: list[Citation]  # every document the sentence rests on, with its evidence span
    score: float
    support: float = 1.0  # similarity to its own evidence passage (1.0: quoted verbatim)
    supported: bool = True  # False: failed the faithfulness check, shown flagged
    trimmed: list[Citation] = field(default_factory=list)  # words deleted from the quoted span
    problems: list[str] = field(
        default_factory=list
    )  # why it failed, e.g. "number 12 not in evidence"
    when: When | None = None  # the date of what it reports (`when.py`); None: none known

    @property
    def document_ids(self) -> list[str]:
        return list(dict.fromkeys(c.document_id for c in self.citations))


@dataclass(frozen=True)
class FigureClaim:
    """One figure as some sources state it, with the passages that state it."""

    value: str  # as written in the first source, e.g. "10,000-12,000"
    citations: list[Citation]
    qualifier: str = ""  # how the source hedges it, e.g. "nearly"
    source: str = ""  # who states it, when the text says so, e.g. "Zelensky"
    scope: str = ""  # when it applies, as written, e.g. "in December"
    reported: str = ""  # in a correction: the day (ISO 8601) of its latest report

    def to_dict(self) -> dict[str, Any]:
        said = {
            "qualifier": self.qualifier,
            "source": self.source,
            "scope": self.scope,
            "reported": self.reported,
        }
        return {
            "value": self.value,
            **{name: text for name, text in said.items() if text},  # only what the text says
            "citations": [c.to_dict() for c in self.citations],
        }


@dataclass(frozen=True)
class Disagreement:
    """Sources that give different figures for the same thing: of one day, a disagreement; a
    later report's figure that revises an earlier one, a correction (its `figures` are the
    latest first, then the earlier ones, each with the day it was `reported`)."""

    about: str  # what is counted, in the first source's words, e.g. "North Korean troops"
    figures: list[FigureClaim]
    unit: str = ""  # shared by every figure: "%", "$ million"; empty for a plain count
    kind: Literal["disagreement", "correction"] = "disagreement"  # stored briefs lack it

    def to_dict(self) -> dict[str, Any]:
        unit = {"unit": self.unit} if self.unit else {}
        figures = [f.to_dict() for f in self.figures]
        return {"about": self.about, **unit, "kind": self.kind, "figures": figures}


@dataclass(frozen=True)
class Headline:
    """A story's headline: a title or sentence of one of its documents, as written there."""

    text: str
    citation: Citation


@dataclass
class Story:
    """Documents that report one event, with their own brief (`sentences`); a story whose share
    of the words was too small for a brief has its headline only ("Also reported")."""

    id: str
    headline: Headline | None
    documents: list[str]
    sentences: list[BriefSentence] = field(default_factory=list)
    disagreements: list[Disagreement] = field(default_factory=list)
    first_published: str | None = None  # ISO dates of its earliest and latest documents
    last_published: str | None = None
    dropped: int = 0
    # Against an earlier brief: its stories that held any of this one's documents (a story that
    # merged names several; one that split shares a name with another), and whether none did.
    came_from: list[str] = field(default_factory=list)
    new: bool = True


@dataclass
class Brief:
    sentences: list[BriefSentence]
    documents: list[str]  # IDs of every document the brief covers, cited or not
    models: list[ModelInfo]
    facts: list[DocumentFacts]
    max_words: int
    notes: list[str] = field(default_factory=list)  # e.g. documents that failed
    disagreements: list[Disagreement] = field(default_factory=list)
    dropped: int = 0  # sentences that failed the faithfulness check and were left out
    stories: list[Story] = field(default_factory=list)  # in order of importance
    titles: dict[str, str] = field(
        default_factory=dict
    )  # document ID -> its title, where it has one
    # document ID -> the copies of it (the same story republished) merged as that one source
    republished: dict[str, list[str]] = field(default_factory=dict)

    @property
    def words(self) -> int:
        return sum(len(s.text.split()) for s in self.sentences)
