"""Tables of the service's own store: documents, cached per-document summaries, brief jobs.

Alembic migrations (`service/store/migrations/`) build these tables; a change here needs a new
migration, and `tests/unit/test_store.py` checks that the migrations end at exactly this schema.

Plain SQLAlchemy Core with portable types only (no SQLite- or PostgreSQL-specific columns), so the
same code runs on either. Timestamps are UTC; `DateTime(timezone=True)` keeps the zone on
PostgreSQL, and the store re-attaches UTC to the naive values SQLite returns.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

ID_LENGTH = 128

documents = Table(
    "documents",
    metadata,
    Column("id", String(ID_LENGTH), primary_key=True),
    Column("text", Text, nullable=False),
    Column("sha256", String(64), nullable=False, index=True),
    Column("title", Text),
    # "declared" (sent by the client) or "derived" (its headline, found at ingest); null: none.
    Column("title_source", String(16)),
    Column("url", Text),
    Column("published", String(64)),
    # Its date (ISO 8601) and its source (`pipeline.documents.chronology.SOURCES`), taken at ingest.
    Column("dated", String(10)),
    Column("dated_source", String(16)),
    # The language the client declared, kept apart from the result so that re-posting the same
    # document is recognised as unchanged however the detector normalises it.
    Column("declared_language", String(32)),
    Column("language", String(32), nullable=False, index=True),
    Column("language_confidence", Float, nullable=False),
    Column("language_source", String(16), nullable=False),
    Column("chars", Integer, nullable=False),
    Column("bytes", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # Read from an article page or a feed (issue 25): the page's byline and site, where each
    # metadata field came from ({"title": "page"|"request", ...}), the reader that made the text
    # ("article": trafilatura's, not cleaned again), and the original this text is a copy of.
    Column("author", Text),
    Column("site_name", Text),
    Column("metadata_sources", JSON),
    Column("reader", String(16)),
    Column("copy_of", String(ID_LENGTH), index=True),
    Column("minhash", JSON),  # the text's MinHash signature (ingest/copies.py), a list of ints
    Column("canonical_url", Text, index=True),  # `url` normalised by courlan
)

# The LSH bands of each original's MinHash signature (ingest/copies.py: a copy is looked for among
# the originals sharing a band with it, without reading every signature).
document_bands = Table(
    "document_bands",
    metadata,
    Column("band", String(64), primary_key=True),
    Column(
        "document_id",
        String(ID_LENGTH),
        ForeignKey("documents.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)

summaries = Table(
    "summaries",
    metadata,
    Column("key", String(512), primary_key=True),
    Column(
        "document_id",
        String(ID_LENGTH),
        ForeignKey("documents.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("summary", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("status", String(16), nullable=False),  # queued | running | done | failed
    Column("request", JSON, nullable=False),  # as the client sent it: document_ids, language, ...
    Column("document_ids", JSON, nullable=False),  # the documents it resolved to, in order
    Column("progress_done", Integer, nullable=False, default=0),
    Column("progress_total", Integer, nullable=False, default=0),
    Column("stage", String(32)),
    Column("error", Text),
    Column("result", JSON),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    Column("heartbeat_at", DateTime(timezone=True)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("worker", String(255)),
    # Names the brief's inputs exactly (every document's summary key, and max_words): a job with
    # the same key that is done already holds this brief.
    Column("brief_key", String(64)),
    Column("dispatched_at", DateTime(timezone=True)),  # handed to Celery (job_backend=celery)
    Column("stage_started_at", DateTime(timezone=True)),  # when `stage` (None: starting) began
    # Work of the job redone because the worker doing it vanished, and what the user is told of it.
    Column("retries", Integer, nullable=False, default=0, server_default="0"),
    Column("note", Text),
    Index("ix_jobs_status_created_at", "status", "created_at"),
    Index("ix_jobs_brief_key", "brief_key"),
)

# What became of each document of a running job: the summary it got (a key into `summaries`) or
# the error it raised. Map steps, possibly in several processes, write it; the reduce step reads it.
job_outcomes = Table(
    "job_outcomes",
    metadata,
    Column("job_id", String(32), ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True),
    Column("document_id", String(ID_LENGTH), primary_key=True),
    Column("summary_key", String(512)),
    Column("error", Text),
)

# The Celery tasks of a running job (`start`, `map-NNNN`, `merge`), each under a lease: the worker
# that takes one renews `renewed_at` every few seconds while it works, and the dispatcher sends a
# task again when its lease expired (its worker vanished) or when it went unanswered too long (its
# message was lost). Rows go when the job ends.
job_tasks = Table(
    "job_tasks",
    metadata,
    Column("job_id", String(32), ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(32), primary_key=True),
    Column("document_ids", JSON),  # a map task's documents
    Column("state", String(16), nullable=False),  # sent | taken | done
    Column("holder", String(255)),  # the delivery that took it (a Celery task ID)
    Column("taken_by", String(255)),  # host:pid of the process that took it, for people
    Column("sent_at", DateTime(timezone=True), nullable=False),
    Column("renewed_at", DateTime(timezone=True)),
    Column("sends", Integer, nullable=False, default=1),
    Index("ix_job_tasks_state", "state"),
)

# API keys (`python -m service keys`): only a SHA-256 of each key is kept; `id` is the key's public
# part, by which a presented key is looked up before its hash is compared in constant time.
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("scope", String(16), nullable=False),  # read | write
    Column("key_hash", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)
