"""Documents read from article pages and feeds (issue 25): the page's author and site name, where
each metadata field came from (`metadata_sources`: `{"title": "page", "published": "request"}`),
the reader that made the text (`reader`: `article` when trafilatura extracted it, so that the
cleaner is not run on it again), and `copy_of`, the original of a near-duplicate copy found at
ingest (a wire story republished), so that briefs count the two as one source, with the text's
MinHash signature (`minhash`) and canonical URL (`canonical_url`) that later documents are
compared with; `document_bands` indexes the originals' signatures by LSH band, so that a new
document is compared only with the originals that share a band with it.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as documents:
        documents.add_column(sa.Column("author", sa.Text))
        documents.add_column(sa.Column("site_name", sa.Text))
        documents.add_column(sa.Column("metadata_sources", sa.JSON))
        documents.add_column(sa.Column("reader", sa.String(16)))
        documents.add_column(sa.Column("copy_of", sa.String(128)))
        documents.add_column(sa.Column("minhash", sa.JSON))
        documents.add_column(sa.Column("canonical_url", sa.Text))
        documents.create_index("ix_documents_copy_of", ["copy_of"])
        documents.create_index("ix_documents_canonical_url", ["canonical_url"])
    op.create_table(
        "document_bands",
        sa.Column("band", sa.String(64), primary_key=True),
        sa.Column(
            "document_id",
            sa.String(128),
            sa.ForeignKey("documents.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.create_index("ix_document_bands_document_id", "document_bands", ["document_id"])


def downgrade() -> None:
    op.drop_table("document_bands")
    with op.batch_alter_table("documents") as documents:
        documents.drop_index("ix_documents_canonical_url")
        documents.drop_index("ix_documents_copy_of")
        for name in (
            "canonical_url",
            "minhash",
            "copy_of",
            "reader",
            "metadata_sources",
            "site_name",
            "author",
        ):
            documents.drop_column(name)
