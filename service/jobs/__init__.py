"""Brief jobs: requests queued in the store and run by a worker (see `run_job`)."""

from service.jobs.backends import background_worker
from service.jobs.briefs import (
    create_brief_job,
    create_or_reuse_brief_job,
    job_to_dict,
    wait_for_job,
)
from service.jobs.run import run_job
from service.jobs.worker import BackgroundWorker, EmbeddedWorker

__all__ = [
    "BackgroundWorker",
    "EmbeddedWorker",
    "background_worker",
    "create_brief_job",
    "create_or_reuse_brief_job",
    "job_to_dict",
    "run_job",
    "wait_for_job",
]
