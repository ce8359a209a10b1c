"""Documents read from article pages and feeds (issue 25): the page's author and site name, where
each metadata field came from (`metadata_sources`: `{"title": "page", "published": "request"}`),
the reader that made the text (`reader`: `article` when trafilatura extracted it, so that the
cleaner is not run on it again), and `copy_of`, the original of a near-duplicate copy found at
ingest (a wire story republished), so that briefs count the two as one source, with the text's
MinHash signature (`minhash`) that later documents are compared with.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
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
        documents.create_index("ix_documents_copy_of", ["copy_of"])


def downgrade() -> None:
    with op.batch_alter_table("documents") as documents:
        documents.drop_index("ix_documents_copy_of")
        for name in ("minhash", "copy_of", "reader", "metadata_sources", "site_name", "author"):
            documents.drop_column(name)
