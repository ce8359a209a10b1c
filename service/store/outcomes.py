"""Per-document outcomes of a running job: written by map steps, read by the reduce step.

Map steps may run in several processes at once, and a redelivered task may write an outcome
twice; each write replaces the document's row and recounts, so progress is the number of distinct
documents done, however often each was done.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, insert, select, update

from service.store.base import StoreBase, chunks
from service.store.jobs import stage_values
from service.store.records import RUNNING, Outcome
from service.store.schema import job_outcomes, jobs


class OutcomeStore(StoreBase):
    def record_outcomes(
        self, job_id: str, owner: str, outcomes: Sequence[Outcome], stage: str
    ) -> int | None:
        """Record outcomes and the job's progress (distinct documents done) in one transaction.

        Returns the number done, or None (nothing written) when `owner` no longer runs the job.
        """
        with self._write() as conn:
            owned = (jobs.c.id == job_id) & (jobs.c.status == RUNNING) & (jobs.c.worker == owner)
            # Lock the job's row (PostgreSQL; SQLite serialises writers anyway): concurrent map
            # steps then count one after the other, so the last one sees every outcome.
            if conn.execute(select(jobs.c.id).where(owned).with_for_update()).first() is None:
                return None
            for chunk in chunks([o.document_id for o in outcomes]):
                conn.execute(
                    delete(job_outcomes).where(
                        job_outcomes.c.job_id == job_id, job_outcomes.c.document_id.in_(chunk)
                    )
                )
            if outcomes:
                conn.execute(
                    insert(job_outcomes),
                    [
                        {
                            "job_id": job_id,
                            "document_id": o.document_id,
                            "summary_key": o.summary_key,
                            "error": o.error,
                        }
                        for o in outcomes
                    ],
                )
            done = conn.execute(
                select(func.count()).where(job_outcomes.c.job_id == job_id)
            ).scalar_one()
            now = self.clock()
            conn.execute(
                update(jobs)
                .where(owned)
                .values(progress_done=done, heartbeat_at=now, **stage_values(stage, now))
            )
        return int(done)

    def job_outcomes(self, job_id: str) -> dict[str, Outcome]:
        query = select(job_outcomes).where(job_outcomes.c.job_id == job_id)
        with self.engine.connect() as conn:
            return {
                row.document_id: Outcome(row.document_id, row.summary_key, row.error)
                for row in conn.execute(query)
            }

    def clear_outcomes(self, job_id: str) -> None:
        """Forget a job's outcomes (once its brief is stored, or before it starts over)."""
        with self._write() as conn:
            conn.execute(delete(job_outcomes).where(job_outcomes.c.job_id == job_id))
