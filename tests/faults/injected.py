"""Faults injected into the real pipeline: it raises, runs out of memory or kills its own process
on chosen documents, and is the real `Pipeline` (MiniLM, cleaning, chunking, merge) for the rest.

`FaultInjectingPipeline` serves the API tests (one per session, faults set per test) and, through
`create_app_with_faults()`, a real gunicorn (faults named in the environment, see `FAULT_ENV`).
"""

from __future__ import annotations

import os
import signal
import threading
import time

from service.config import Settings
from service.pipeline.engine import Pipeline
from service.pipeline.types import Document, Summary

# Comma-separated document IDs, read by `create_app_with_faults` in each gunicorn worker.
FAULT_ENV = {
    "raise": "FAULTS_RAISE_IDS",  # RuntimeError while summarising
    "oom": "FAULTS_OOM_IDS",  # MemoryError, as torch's allocator raises it
    "kill": "FAULTS_KILL_IDS",  # SIGKILL of the worker process, as the kernel's OOM killer does
}
SLOW_ENV = "FAULTS_SECONDS_PER_DOCUMENT"  # extra time per document, to catch a job mid-way


class InjectedFault(RuntimeError):
    """What the pipeline raises for a document named in `faults`."""


class FaultInjectingPipeline(Pipeline):
    """The real pipeline, but `summarise` fails as told for the documents named in `faults`.

    `faults` maps a document ID to an exception to raise, or to "kill" (SIGKILL this process).
    `summarised` lists every document it was asked to summarise, in order.
    """

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.faults: dict[str, BaseException | str] = {}
        self.seconds_per_document = 0.0
        self.summarised: list[str] = []
        self._record_lock = threading.Lock()

    def summarise(self, document: Document) -> Summary:
        with self._record_lock:
            self.summarised.append(document.id)
        if self.seconds_per_document:
            time.sleep(self.seconds_per_document)
        fault = self.faults.get(document.id)
        if fault == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        if isinstance(fault, BaseException):
            raise fault
        return super().summarise(document)


def faults_from_env() -> dict[str, BaseException | str]:
    faults: dict[str, BaseException | str] = {}
    for kind, variable in FAULT_ENV.items():
        for document_id in filter(None, os.environ.get(variable, "").split(",")):
            if kind == "raise":
                faults[document_id] = InjectedFault(f"injected fault on {document_id}")
            elif kind == "oom":
                faults[document_id] = MemoryError(f"injected out-of-memory on {document_id}")
            else:
                faults[document_id] = "kill"
    return faults


def create_app_with_faults():  # type: ignore[no-untyped-def]
    """The service's app on a FaultInjectingPipeline whose faults come from the environment."""
    from service.app import create_app

    settings = Settings.from_env()
    pipeline = FaultInjectingPipeline(settings)
    pipeline.faults = faults_from_env()
    pipeline.seconds_per_document = float(os.environ.get(SLOW_ENV, "0") or 0)
    return create_app(settings, pipeline=pipeline)
