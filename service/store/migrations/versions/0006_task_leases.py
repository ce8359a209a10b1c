"""Jobs: how often their work was redone and a note saying why; `job_tasks`, the leases under which
Celery workers hold a job's tasks, so that the work of a vanished worker is sent again in seconds.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as jobs:
        jobs.add_column(sa.Column("retries", sa.Integer, nullable=False, server_default="0"))
        jobs.add_column(sa.Column("note", sa.Text))
    op.create_table(
        "job_tasks",
        sa.Column(
            "job_id",
            sa.String(32),
            sa.ForeignKey("jobs.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("document_ids", sa.JSON),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("holder", sa.String(255)),
        sa.Column("taken_by", sa.String(255)),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("renewed_at", sa.DateTime(timezone=True)),
        sa.Column("sends", sa.Integer, nullable=False),
    )
    op.create_index("ix_job_tasks_state", "job_tasks", ["state"])


def downgrade() -> None:
    op.drop_index("ix_job_tasks_state", "job_tasks")
    op.drop_table("job_tasks")
    with op.batch_alter_table("jobs") as jobs:
        jobs.drop_column("note")
        jobs.drop_column("retries")
