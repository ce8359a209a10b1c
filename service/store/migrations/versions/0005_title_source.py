"""Documents: where the title came from, `declared` by the client or `derived` from the headline,
so that re-sending a document without a title still matches the copy stored with a derived one.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as documents:
        documents.add_column(sa.Column("title_source", sa.String(16)))
    op.execute("UPDATE documents SET title_source = 'declared' WHERE title IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("documents") as documents:
        documents.drop_column("title_source")
