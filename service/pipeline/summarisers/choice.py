"""Which summariser serves which language, decided once per process from the settings.
DEVELOPERS.md ("Design notes of the pipeline and ingest", `service/pipeline/summarisers/choice.py`)
says how and why.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from service.config import Settings
from service.pipeline.documents.language import normalise_language
from service.pipeline.models.embeddings import Embedder
from service.pipeline.models.registry import (
    ModelEntry,
    entries_for_language,
    load_registry,
    local_weights_dir,
    weights_available,
    weights_fingerprint,
)
from service.pipeline.summarisers.base import Summariser
from service.pipeline.summarisers.extractive import ExtractiveSummariser
from service.pipeline.summarisers.seq2seq import Seq2SeqSummariser, looks_local
from service.pipeline.types import UNDETERMINED

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Plan:
    """How one language is summarised, decided without loading anything."""

    kind: str  # "extractive" or "seq2seq"
    model: str  # the name summaries will carry
    source: str  # where a seq2seq model loads from: local folder or hub id ("" for extractive)
    revision: str | None
    reason: str
    entry: ModelEntry | None = None

    def to_dict(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if key != "entry"}


class SummariserChoice:
    """Hands out one summariser instance per model, per process."""

    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        self.settings = settings
        self.embedder = embedder
        self.models_dir = Path(settings.models_dir)
        uses_registry = settings.summariser != "extractive" and not settings.seq2seq_model
        self.registry = load_registry(self.models_dir) if uses_registry else []
        self._lock = threading.Lock()
        self._plans: dict[str, Plan] = {}
        self._instances: dict[tuple[str, str, str | None], Summariser] = {}

    def for_language(self, language: str) -> Summariser:
        return self._summariser(self.plan(language))

    def _summariser(self, plan: Plan) -> Summariser:
        key = (plan.kind, plan.source, plan.revision)
        with self._lock:
            if key not in self._instances:
                self._instances[key] = self._build(plan)
            return self._instances[key]

    def plan(self, language: str) -> Plan:
        """The plan for `language`, fixed at first use so a process never changes its mind."""
        code = normalise_language(language or UNDETERMINED)
        with self._lock:
            if code not in self._plans:
                self._plans[code] = self._decide(code)
                log.info("language %s: %s", code, self._plans[code].to_dict())
            return self._plans[code]

    def _decide(self, language: str) -> Plan:
        mode = self.settings.summariser
        if mode == "extractive":
            return self._extractive("SUMMARY_SUMMARISER is extractive")
        configured = self.settings.seq2seq_model
        if configured:
            folder = Path(configured).expanduser()
            local = looks_local(configured) and weights_available(folder)
            if mode == "seq2seq" or local:
                revision = weights_fingerprint(folder) if local else None
                return Plan("seq2seq", configured, configured, revision, "SUMMARY_SEQ2SEQ_MODEL")
            shown = self.shown_location(configured)
            return self._extractive(f"SUMMARY_SEQ2SEQ_MODEL {shown} has no local weights")
        return self._from_registry(language, mode)

    def _from_registry(self, language: str, mode: str) -> Plan:
        entries = entries_for_language(language, self.registry)
        if not entries:
            return self._extractive("no seq2seq model in the registry for the language")
        for entry in entries:
            folder = local_weights_dir(self.models_dir, entry)
            if weights_available(folder):
                source = str(folder)
                return Plan("seq2seq", entry.name, source, entry.revision, "local weights", entry)
        first = entries[0]
        if mode == "seq2seq":
            return Plan("seq2seq", first.name, first.name, first.revision, "from the hub", first)
        wanted = self.shown_location(str(local_weights_dir(self.models_dir, first)))
        return self._extractive(f"{first.name} is not fetched to {wanted} of the models directory")

    def _extractive(self, reason: str) -> Plan:
        info = self.embedder.info
        return Plan("extractive", info.name, "", info.revision, reason)

    def _build(self, plan: Plan) -> Summariser:
        sentences = self.settings.summary_sentences
        if plan.kind == "extractive":
            return ExtractiveSummariser(self.embedder, max_sentences=sentences)
        entry = plan.entry
        return Seq2SeqSummariser(
            plan.source,
            self.embedder,
            name=plan.model,
            revision=plan.revision,
            max_input_tokens=entry.max_input_tokens if entry else None,
            generation=entry.generation if entry else None,
            prefix=entry.prefix if entry else None,
            max_sentences=sentences,
            runtime=self.settings.seq2seq_runtime,
            engine=self.settings.seq2seq_engine,
            batch_size=self.settings.seq2seq_batch_size,
        )

    def _plans_by_language(self) -> tuple[dict[str, Plan], Plan]:
        """A plan for each language the registry names, and the plan for every other language."""
        codes = sorted({code for entry in self.registry for code in entry.languages})
        return {code: self.plan(code) for code in codes}, self.plan(UNDETERMINED)

    def describe(self) -> dict[str, Any]:
        """Which model serves which languages, for /healthz and the startup log; loads nothing."""
        by_language, other = self._plans_by_language()
        groups: dict[tuple[str, str, str | None, str], dict[str, Any]] = {}
        for code, plan in by_language.items():
            key = (plan.kind, plan.source, plan.revision, plan.reason)
            group = groups.setdefault(key, {**self._public(plan), "languages": []})
            group["languages"].append(code)
        embedding = self.embedder.info.to_dict()
        return {
            "mode": self.settings.summariser,
            "embedding": {**embedding, "name": self.shown_location(embedding["name"])},
            "models": list(groups.values()),
            "other_languages": self._public(other),
        }

    def _public(self, plan: Plan) -> dict[str, Any]:
        described = plan.to_dict()
        for key in ("model", "source"):
            described[key] = self.shown_location(described[key])
        return described

    def shown_location(self, name_or_path: str) -> str:
        """A model as a probe may see it: a hub id as it is; a local folder relative to the models
        directory, or by its own name when it lies elsewhere (SUMMARY_SEQ2SEQ_MODEL,
        SUMMARY_EMBEDDING_MODEL); never an absolute path."""
        if not name_or_path or not looks_local(name_or_path):
            return name_or_path
        path = os.path.abspath(os.path.expanduser(name_or_path))  # symlinks kept, not resolved
        root = os.path.abspath(self.models_dir)
        if os.path.commonpath([path, root]) == root and path != root:
            return Path(os.path.relpath(path, root)).as_posix()
        return Path(path).name

    def check(self) -> None:
        """Load what this process will use; raise ModelLoadError at startup rather than later.

        In `seq2seq` mode every planned model loads in full; in `auto` mode local checkpoints load
        their tokenizer and config only, enough to catch a broken folder. Call it in the process
        that will serve (after any fork).
        """
        by_language, other = self._plans_by_language()
        full = self.settings.summariser == "seq2seq"
        for plan in dict.fromkeys([*by_language.values(), other]):
            summariser = self._summariser(plan)
            if isinstance(summariser, Seq2SeqSummariser):
                summariser.load(weights=full)
        self.embedder.load()
