"""Scale-out: a brief key per job (to reuse a stored brief), a dispatch mark (Celery), and the
per-document outcomes that map steps write and the reduce step reads.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as jobs:
        jobs.add_column(sa.Column("brief_key", sa.String(64)))
        jobs.add_column(sa.Column("dispatched_at", sa.DateTime(timezone=True)))
        jobs.create_index("ix_jobs_brief_key", ["brief_key"])
    op.create_table(
        "job_outcomes",
        sa.Column(
            "job_id",
            sa.String(32),
            sa.ForeignKey("jobs.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("document_id", sa.String(128), primary_key=True),
        sa.Column("summary_key", sa.String(512)),
        sa.Column("error", sa.Text),
    )


def downgrade() -> None:
    op.drop_table("job_outcomes")
    with op.batch_alter_table("jobs") as jobs:
        jobs.drop_index("ix_jobs_brief_key")
        jobs.drop_column("dispatched_at")
        jobs.drop_column("brief_key")
