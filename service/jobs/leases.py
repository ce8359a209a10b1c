"""Leases: how the work of a worker that vanished is found and sent again. DEVELOPERS.md
("Leases: how lost work is found") says when work counts as lost and how it is resent.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from service.config import Settings
from service.store import Store

log = logging.getLogger(__name__)

RENEWALS_PER_LEASE = 6  # a lease is renewed this many times per lease period
START, MERGE, MAP_PREFIX = "start", "merge", "map-"


def lease_seconds(settings: Settings) -> float:
    """How long work may go without its lease renewed before it counts as lost: the setting
    `SUMMARY_JOB_LEASE_SECONDS` (30 s), or its old name `SUMMARY_JOB_STALE_SECONDS` when that
    is shorter (older deployments and tests shorten the lease with it)."""
    return float(min(settings.job_lease_seconds, settings.job_stale_seconds))


def renew_seconds(settings: Settings) -> float:
    """How often a worker renews its lease, and the dispatcher looks for expired ones."""
    return lease_seconds(settings) / RENEWALS_PER_LEASE


def unanswered_seconds(settings: Settings) -> float:
    """How long a task may wait in the queue before it is sent again (at least)."""
    return max(2 * lease_seconds(settings), 2.0)


def process_name() -> str:
    """host:pid, naming the process that holds a lease (for people and the chaos benchmark)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def map_name(index: int) -> str:
    return f"{MAP_PREFIX}{index:04d}"


def describe(name: str, documents: int) -> str:
    """A task, as a job's note names it."""
    if name == START:
        return "the job's start"
    if name == MERGE:
        return "the merge"
    return f"{documents} document{'s' if documents != 1 else ''} ({name})"


@contextmanager
def held(store: Store, job_id: str, name: str, holder: str, every: float) -> Iterator[bool]:
    """Take the lease on a task of a job and renew it every `every` seconds in the background
    while the block runs; yields False (and holds nothing) when the task is not to be run: done,
    gone with its job, or held by another delivery."""
    if not store.take_task(job_id, name, holder, process_name()):
        yield False
        return
    with renewing(lambda: store.renew_task(job_id, name, holder), every, f"{job_id}/{name}"):
        yield True


@contextmanager
def renewing(renew: Callable[[], bool], every: float, what: str) -> Iterator[None]:
    """Call `renew()` every `every` seconds in a thread while the block runs; stop when it says
    the lease is lost (False). Errors (the database restarting) are logged and tried again."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(every):
            try:
                if not renew():
                    log.warning("lease on %s lost: the work was sent to another worker", what)
                    return
            except Exception as exc:
                log.warning("lease on %s not renewed: %s", what, type(exc).__name__)

    thread = threading.Thread(target=loop, name=f"lease-{what[:20]}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
