"""Prometheus metrics of the service, one set per process, gathered across gunicorn's workers.

Under gunicorn every worker process counts for itself into files under `PROMETHEUS_MULTIPROC_DIR`
(set by gunicorn.conf.py before the workers start), and `/metrics` sums them, whichever worker
answers. Without that variable (tests, the command line) the process's own registry is served.
The queue depth is read from the store at scrape time, so it is the same from every worker.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    PLATFORM_COLLECTOR,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from service.store import QUEUED, RUNNING, Store

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST

# `/metrics` answers without a key: `python_info` would tell anyone the interpreter's version.
with contextlib.suppress(KeyError):
    REGISTRY.unregister(PLATFORM_COLLECTOR)

REQUEST_SECONDS = Histogram(
    "summary_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template, method and status.",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
JOB_STAGE_SECONDS = Histogram(
    "summary_job_stage_duration_seconds",
    "Time a brief job spent in each stage: queued (waiting for a worker), starting, "
    "summarising, merging.",
    ["stage"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800),
)
JOB_SECONDS = Histogram(
    "summary_job_duration_seconds",
    "Time from a worker claiming a brief job to its end, by outcome (done, failed).",
    ["status"],
    buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600),
)
SUMMARY_CACHE = Counter(
    "summary_summary_cache_total",
    "Documents of finished briefs whose summary came from the cache (hit) or was computed "
    "(miss); the hit ratio is hit / (hit + miss).",
    ["result"],
)
DOCUMENTS_TRUNCATED = Counter(
    "summary_documents_truncated_total",
    "Documents summarised with some of their text unseen by the model (too long).",
)
SENTENCES_DROPPED = Counter(
    "summary_brief_sentences_dropped_total",
    "Brief sentences left out because they failed the faithfulness check.",
)
WORK_LOST = Counter(
    "summary_job_work_lost_total",
    "Work of brief jobs whose worker vanished (its lease expired), by step: job (the embedded "
    "back end requeues the whole job), start, map, merge (Celery tasks).",
    ["step"],
)
WORK_RESENT = Counter(
    "summary_job_work_resent_total",
    "Work of brief jobs sent again, by reason: lost_worker (its worker vanished; another redoes "
    "it), unanswered (a task not taken for long; its message may be lost), broker_restart (the "
    "broker lost its queues).",
    ["reason"],
)


class JobQueueCollector(Collector):
    """`summary_jobs{status}`: brief jobs queued and running now, counted in the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def collect(self) -> Iterator[Metric]:
        gauge = GaugeMetricFamily(
            "summary_jobs", "Brief jobs by status: queued is the queue depth.", labels=["status"]
        )
        for status, count in self.store.count_jobs((QUEUED, RUNNING)).items():
            gauge.add_metric([status], count)
        yield gauge


class Seq2SeqBatchingCollector(Collector):
    """How seq2seq generation is batched: this process's plans (`summary_seq2seq_batching`) and
    the measurements behind them, read from beside each converted model, so that every process
    serves them, whichever loaded the model (`summary_seq2seq_batching_probe_rate`)."""

    def collect(self) -> Iterator[Metric]:
        from service.pipeline.models import ct2_tuning
        from service.pipeline.models.runtimes import cache_roots

        plans = GaugeMetricFamily(
            "summary_seq2seq_batching",
            "How this process's seq2seq models generate on CTranslate2: chunks per beam search, "
            "threads per batch (intra), workers (inter) and documents per call, by model and "
            "where the choice came from (measured, stored: measured earlier on this machine; "
            "setting: SUMMARY_SEQ2SEQ_BATCH_SIZE).",
            labels=["model", "source", "setting"],
        )
        for model, plan in sorted(ct2_tuning.ACTIVE.items()):
            for name, value in (
                ("chunks_per_batch", plan.chunks_per_batch),
                ("intra_threads", plan.intra_threads),
                ("inter_threads", plan.inter_threads),
                ("documents_per_call", plan.documents_per_call),
            ):
                plans.add_metric([model, plan.source, name], value)
        yield plans
        rates = GaugeMetricFamily(
            "summary_seq2seq_batching_probe_rate",
            "Probe documents per second of each way of generating a converted seq2seq model "
            "was measured at, on each machine (CPU, cores, CTranslate2), when first loaded "
            "there; chosen is 1 for the one kept.",
            labels=["converted", "machine", "candidate", "chosen"],
        )
        for converted, plan in ct2_tuning.stored_plans(cache_roots()):
            for candidate, rate in sorted(plan.figures.items()):
                chosen = "1" if candidate == plan.label else "0"
                rates.add_metric([converted, plan.machine, candidate, chosen], rate)
        yield rates


def multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROCESS_ENV))


def exposition(store: Store) -> bytes:
    """The metrics in Prometheus's text format: this process's (or every gunicorn worker's, in
    multiprocess mode), the store's queue depth and the seq2seq batching choices."""
    if multiprocess():
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        counted = generate_latest(registry)
    else:
        counted = generate_latest(REGISTRY)
    queue = CollectorRegistry()
    queue.register(JobQueueCollector(store))
    queue.register(Seq2SeqBatchingCollector())
    return counted + generate_latest(queue)
