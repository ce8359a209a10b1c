"""Faults injected into the real pipeline: it raises, runs out of memory or kills its own process
on chosen documents, and is the real `Pipeline` (MiniLM, cleaning, chunking, merge) for the rest.

`FaultInjectingPipeline` serves the API, job and back-end tests (one per session, faults set per
test), and, with its faults named in the environment (see `FAULT_ENV`), a real gunicorn through
`create_app_with_faults()` and a Celery worker process through `pipeline_from_env()`.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from service.brief_request import BriefRequest
from service.config import Settings
from service.pipeline.runner import Pipeline
from service.pipeline.stories.brief import Earlier
from service.pipeline.types import Brief, Document, DocumentHead, Summary

# Comma-separated document IDs, read by `create_app_with_faults` in each gunicorn worker.
FAULT_ENV = {
    "raise": "FAULTS_RAISE_IDS",  # RuntimeError while summarising
    "oom": "FAULTS_OOM_IDS",  # MemoryError, as torch's allocator raises it
    "kill": "FAULTS_KILL_IDS",  # SIGKILL of the worker process, as the kernel's OOM killer does
    "kill_once": "FAULTS_KILL_ONCE_IDS",  # the same, to the first process only (see KillOnce)
}
KILL_MARKER_ENV = "FAULTS_KILL_MARKER"  # the file by which `kill_once` knows it struck already
SLOW_ENV = "FAULTS_SECONDS_PER_DOCUMENT"  # extra time per document, to catch a job mid-way
SLOW_MERGE_ENV = "FAULTS_MERGE_SECONDS"  # extra time per merge, to catch a job while it merges


class InjectedFault(RuntimeError):
    """What the pipeline raises for a document named in `faults`."""


@dataclass(frozen=True)
class KillOnce:
    """SIGKILL the process that meets the document first, and no later one: a worker process dying
    mid-task, whose task is then redone by its replacement. `marker`, a file, records the kill (with
    the victim's PID) for every process a worker pool forks."""

    marker: Path

    def strike(self) -> None:
        if not self.marker.exists():
            self.marker.write_text(str(os.getpid()))
            os.kill(os.getpid(), signal.SIGKILL)


Fault = BaseException | str | KillOnce


class FaultInjectingPipeline(Pipeline):
    """The real pipeline, but `summarise_many` (and so `summarise`) fails as told for the
    documents named in `faults`.

    `faults` maps a document ID to an exception to raise, to "kill" (SIGKILL this process) or to a
    `KillOnce`. `before_summarise(document)`, when set, runs first (to act while a job is under
    way). `merge_fault`, when set, is raised by `merge`, which takes `merge_seconds` more.
    `summarised` lists every document it was asked to summarise, in order; `merged`, the
    document IDs of each merge it was asked for.
    """

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.faults: dict[str, Fault] = {}
        self.seconds_per_document = 0.0
        self.merge_seconds = 0.0
        self.before_summarise: Callable[[Document], None] | None = None
        self.merge_fault: BaseException | None = None
        self.summarised: list[str] = []
        self.merged: list[list[str]] = []
        self._record_lock = threading.Lock()

    def reset(self) -> None:
        """No fault, delay or hook, nothing recorded: as built, but with its models still loaded."""
        self.faults = {}
        self.seconds_per_document = 0.0
        self.merge_seconds = 0.0
        self.before_summarise = None
        self.merge_fault = None
        with self._record_lock:
            self.summarised.clear()
            self.merged.clear()

    def documents_per_call(self, document: DocumentHead) -> int:
        """Two documents per call while each is slowed down: a batch still, and a job's progress
        still moves soon enough for a test to catch it half-way."""
        return 2 if self.seconds_per_document else super().documents_per_call(document)

    def summarise_many(self, documents: Sequence[Document]) -> list[Summary | Exception]:
        """The real pipeline's, but a fault named for one of `documents` strikes the whole
        call, as a model call for a batch fails (the job then summarises each alone)."""
        for document in documents:
            with self._record_lock:
                self.summarised.append(document.id)
            if self.before_summarise is not None:
                self.before_summarise(document)
            if self.seconds_per_document:
                time.sleep(self.seconds_per_document)
            fault = self.faults.get(document.id)
            if fault == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            if isinstance(fault, KillOnce):
                fault.strike()
            if isinstance(fault, BaseException):
                raise fault
        return super().summarise_many(documents)

    def merge(
        self,
        documents: Sequence[Document],
        summaries: Sequence[Summary],
        request: BriefRequest,
        earlier: Earlier | None = None,
    ) -> Brief:
        with self._record_lock:
            self.merged.append([document.id for document in documents])
        if self.merge_seconds:
            time.sleep(self.merge_seconds)
        if self.merge_fault is not None:
            raise self.merge_fault
        return super().merge(documents, summaries, request, earlier)


def faults_from_env() -> dict[str, Fault]:
    faults: dict[str, Fault] = {}
    for kind, variable in FAULT_ENV.items():
        for document_id in filter(None, os.environ.get(variable, "").split(",")):
            if kind == "raise":
                faults[document_id] = InjectedFault(f"injected fault on {document_id}")
            elif kind == "oom":
                faults[document_id] = MemoryError(f"injected out-of-memory on {document_id}")
            elif kind == "kill_once":
                faults[document_id] = KillOnce(Path(os.environ[KILL_MARKER_ENV]))
            else:
                faults[document_id] = "kill"
    return faults


def pipeline_from_env(settings: Settings) -> FaultInjectingPipeline:
    """A FaultInjectingPipeline on `settings`, with the faults and delay the environment names."""
    pipeline = FaultInjectingPipeline(settings)
    pipeline.faults = faults_from_env()
    pipeline.seconds_per_document = float(os.environ.get(SLOW_ENV, "0") or 0)
    pipeline.merge_seconds = float(os.environ.get(SLOW_MERGE_ENV, "0") or 0)
    return pipeline


def create_app_with_faults():  # type: ignore[no-untyped-def]
    """The service's app on a FaultInjectingPipeline whose faults come from the environment."""
    from service.app import create_app

    settings = Settings.from_env()
    return create_app(settings, pipeline=pipeline_from_env(settings))
