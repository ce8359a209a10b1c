"""Documents: their date (`dated`, ISO 8601) and where it was read (`dated_source`: published,
page, dateline, url or none), taken once at ingest (`pipeline.documents.chronology`) so that a
brief reads them back instead of reading each document's dateline again. Rows stored before are
dated when a brief reads them (their `dated_source` is null).

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
        documents.add_column(sa.Column("dated", sa.String(10)))
        documents.add_column(sa.Column("dated_source", sa.String(16)))


def downgrade() -> None:
    with op.batch_alter_table("documents") as documents:
        documents.drop_column("dated_source")
        documents.drop_column("dated")
