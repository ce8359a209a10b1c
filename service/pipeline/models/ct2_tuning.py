"""How a converted seq2seq model runs fastest on the machine it runs on: measured, kept beside it.
DEVELOPERS.md ("Design notes of the pipeline and ingest", `service/pipeline/models/ct2_tuning.py`)
says how and why.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import math
import os
import platform
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

TUNING_FILE = "tuning.json"
TUNING_VERSION = 1  # bump whenever what is measured, or how, changes
MEASURED, STORED, SETTING = "measured", "stored", "setting"
BATCHES = (1, 2, 4)  # chunks per beam search tried
# Probe inputs as fractions of the input limit: news chunks of mixed lengths, as a job has them
# (a chunk fills the limit, an article's last chunk and a short article do not).
PROBE_LENGTHS = (0.35, 0.5, 0.7, 0.95)
PROBE_NEW_TOKENS = 24  # generated per probe: enough decoder steps for beams x batch to tell
ROUNDS = 2
# A candidate replaces one chunk on every core only when this much faster in the best round:
# timings of a shared machine vary by a few percent between rounds, and the baseline is the one
# that can never be worse than one document per call.
MARGIN = 1.05
PROBE_TEXT = (
    "The regional government said on Tuesday that it would open three new shelters for families "
    "displaced by the floods, after rivers in the north rose to their highest level in forty "
    "years. Rescue teams reached villages cut off since the weekend, and officials said more than "
    "two thousand people had been moved to schools and sports halls. Forecasters expect more rain "
    "on Thursday. The prime minister, who visited the worst-hit town, promised emergency funds and "
    "an inquiry into why warnings came late. Opposition leaders said the dams had not been "
    "maintained for a decade, a claim the water authority denied in a statement."
)


@dataclass(frozen=True)
class Plan:
    """How one process runs a converted model's generation, and why (`source`, `figures`)."""

    chunks_per_batch: int
    intra_threads: int
    inter_threads: int = 1
    source: str = MEASURED
    machine: str = ""
    # candidate label -> probe documents per second, as measured (empty for a setting)
    figures: dict[str, float] = field(default_factory=dict)
    load_average: float | None = None

    @property
    def label(self) -> str:
        return candidate_label(self.chunks_per_batch, self.intra_threads, self.inter_threads)

    @property
    def chunks_per_call(self) -> int:
        """Chunks given to one translate_batch: a batch for each worker."""
        return self.chunks_per_batch * self.inter_threads

    @property
    def documents_per_call(self) -> int:
        """Twice a call's chunks in documents: an article is a chunk or two, so their chunks fill
        whole batches, sorted by length among more of them."""
        return 2 * self.chunks_per_call


# The plan each loaded model of this process generates with, by model name (for /metrics).
ACTIVE: dict[str, Plan] = {}


def candidate_label(batch: int, intra: int, inter: int) -> str:
    return f"batch={batch},intra={intra},inter={inter}"


def machine_key(cores: int) -> str:
    """The CPU, the cores this process may use and CTranslate2's version: a plan measured under
    one holds for no other (an image runs on many machines)."""
    import ctranslate2

    return f"{cpu_model()}|cores={cores}|ctranslate2={ctranslate2.__version__}"


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return " ".join(line.split(":", 1)[1].split())
    return platform.processor() or platform.machine() or "unknown CPU"


def candidates(cores: int, probes: int) -> list[tuple[int, int, int]]:
    """(chunks per batch, intra threads, inter threads): every batch on all cores, and on one
    core per worker where the probes make a batch for every worker."""
    found = [(batch, cores, 1) for batch in BATCHES]
    if cores > 1:
        found += [(batch, 1, cores) for batch in BATCHES if math.ceil(probes / batch) >= cores]
    return found


def choose(seconds: dict[tuple[int, int, int], float], cores: int) -> tuple[int, int, int]:
    """The fastest candidate, unless one chunk on every core is within `MARGIN` of it."""
    baseline = (1, cores, 1)
    fastest = min(seconds, key=lambda c: seconds[c])
    if seconds[fastest] * MARGIN < seconds[baseline]:
        return fastest
    return baseline


Generate = Callable[[int, int, int], Callable[[], Any]]


def measure(
    make_run: Generate, cores: int, probes: int, rounds: int = ROUNDS
) -> tuple[tuple[int, int, int], dict[tuple[int, int, int], float]]:
    """Best seconds of each candidate over `rounds` interleaved rounds, and the choice.

    `make_run(batch, intra, inter)` gives a function generating every probe that way; it is
    called once per candidate, and the first run of each way of threading (allocation, kernel
    choice) is not counted."""
    runs = {candidate: make_run(*candidate) for candidate in candidates(cores, probes)}
    warmed = set()
    for (_batch, intra, inter), run in runs.items():
        if (intra, inter) not in warmed:  # a runtime's first call allocates and picks kernels
            warmed.add((intra, inter))
            run()
    best = dict.fromkeys(runs, float("inf"))
    for _round in range(rounds):
        for candidate, run in runs.items():
            started = time.perf_counter()
            run()
            best[candidate] = min(best[candidate], time.perf_counter() - started)
    return choose(best, cores), best


def probe_texts() -> list[tuple[str, float]]:
    """Text long enough for every probe, with each probe's share of the input limit."""
    return [(" ".join([PROBE_TEXT] * 12), share) for share in PROBE_LENGTHS]


def tuned(
    folder: Path, cores: int, make_run: Generate, setting: int = 0, fallback: Path | None = None
) -> Plan:
    """The plan for the converted model in `folder` on this machine: `setting` chunks per batch
    on every core when set, else the stored measurement, else measured now and stored."""
    if setting:
        return Plan(setting, cores, 1, SETTING, machine_key(cores))
    key = machine_key(cores)
    path = tuning_path(folder, fallback)
    with _locked(path):  # two workers starting at once: one measures, the other reads it
        stored = read_plans(path).get(key)
        if stored is not None:
            return stored
        started = time.monotonic()
        chosen, seconds = measure(make_run, cores, len(PROBE_LENGTHS))
        figures = {
            candidate_label(*c): round(len(PROBE_LENGTHS) / s, 4) for c, s in seconds.items()
        }
        plan = Plan(*chosen, MEASURED, key, figures, round(os.getloadavg()[0], 2))
        _store(path, key, plan)
    log.info(
        "seq2seq batching for %s on %s: %s (probe documents/s: %s; load average %s; "
        "measured in %.1fs)",
        folder.name,
        key,
        plan.label,
        ", ".join(f"{name} {rate}" for name, rate in figures.items()),
        plan.load_average,
        time.monotonic() - started,
    )
    return plan


def tuning_path(folder: Path, fallback: Path | None = None) -> Path:
    """`tuning.json` in the converted model's folder, or beside it in `fallback` (the user's
    cache) when the models folder is read-only."""
    if os.access(folder, os.W_OK) or fallback is None:
        return folder / TUNING_FILE
    fallback.mkdir(parents=True, exist_ok=True)
    return fallback / f"{folder.name}.{TUNING_FILE}"


def read_plans(path: Path) -> dict[str, Plan]:
    """The plans stored at `path`, by machine key; none when missing, unreadable or outdated."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != TUNING_VERSION:
        return {}
    plans = {}
    for key, values in (data.get("machines") or {}).items():
        with contextlib.suppress(TypeError, ValueError):
            plans[key] = Plan(**{**values, "source": STORED})
    return plans


def stored_plans(roots: Sequence[Path]) -> Iterator[tuple[str, Plan]]:
    """(converted model's folder name, plan) for every plan stored under `roots`."""
    for root in roots:
        for path in sorted(root.glob(f"*/{TUNING_FILE}")) + sorted(root.glob(f"*.{TUNING_FILE}")):
            model = path.parent.name if path.name == TUNING_FILE else path.name.split(".")[0]
            for plan in read_plans(path).values():
                yield model, plan


def _store(path: Path, key: str, plan: Plan) -> None:
    """Add this machine's plan to the file, written whole (a reader never sees half of it)."""
    plans = {k: {**asdict(p), "source": MEASURED} for k, p in read_plans(path).items()}
    plans[key] = asdict(plan)
    text = json.dumps({"version": TUNING_VERSION, "machines": plans}, indent=2, sort_keys=True)
    try:
        handle, temporary = tempfile.mkstemp(prefix=".tuning-", dir=path.parent)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text + "\n")
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except OSError as exc:  # measured again by the next process: slower to start, still right
        log.warning("could not keep the seq2seq batching measurement in %s: %s", path, exc)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    try:
        handle = open(path.with_name(f".{path.name}.lock"), "a")  # noqa: SIM115 (held below)
    except OSError:  # a folder no one can write: measure unlocked
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
