"""`python -m bench speed [--json]`: documents per second of seq2seq summarisation on CPU.

One run measures, on the same news articles cut into the same encoder inputs, with a model of
distilbart-cnn-12-6's architecture (random weights, see `speed_model`):

- `naive`: one document at a time through `model.generate()` with the checkpoint's default
  settings (4 beams), as a first script would;
- the service's `Seq2SeqSummariser` (its `generate` step, with the same decoding settings) in
  each runtime it offers: `float32` (on CTranslate2, the default engine), `torch_float32` (the
  same on torch's generate(), as before CTranslate2), `int8` (torch's dynamic quantisation), one
  document per `generate()` call (as `Pipeline.summarise` does for one document, and as a brief
  job did before it summarised in batches), and `..._batched` as a brief job runs it now:
  `documents_per_call` documents per `summarise_many`, their chunks sorted by length and
  generated as the machine measured fastest at the first load for `float32` (`ct2_tuning`:
  chunks per beam search, one batch on every core or a worker per core), `--batch-size` at a
  time on torch;
- `ct2_int8`: the checkpoint converted to CTranslate2 int8 (not a service runtime: its tokens
  differ), the fastest mode, with its fidelity next to it.

`exact` counts the documents whose tokens equal naive generate()'s, token for token.

Every run generates exactly `--new-tokens` tokens per document (minimum = maximum length), so each
does the same work: 56 by default, distilbart-cnn's own `min_length` (about the shortest summary it
writes), so that decoding weighs what it weighs in a real summary. With fewer tokens the encoder's
share grows and every faster mode gains less (int8 about 2x at 16 tokens). The runs take turns for
`--rounds` rounds and each keeps its best round, so that other load on the machine does not favour
whichever run it spared. Prints documents per second and the ratio to `naive`, and, for `int8`,
how far its encoder output is from float32's (cosine), a proxy for its wording drifting.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.speed_model import DISTILBART_GENERATION, build_checkpoint, news_files
from bench.speed_quality import int8_on_trained_weights
from service.pipeline.types import Chunk, Sentence

QUALITY_DOCUMENTS = 30  # news articles whose sentences int8 MiniLM embeds beside float32's
# distilbart-cnn-12-6's min_length: about the shortest summary it writes.
MIN_SUMMARY_TOKENS = DISTILBART_GENERATION["min_length"]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench speed")
    parser.add_argument("--documents", type=int, default=8, help="news articles (default 8)")
    parser.add_argument(
        "--new-tokens",
        type=int,
        default=MIN_SUMMARY_TOKENS,
        help=f"tokens generated per document (default {MIN_SUMMARY_TOKENS}, the model's shortest)",
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=4,
        help="chunks per batched generate() of the torch runs (the job path measures its own)",
    )
    parser.add_argument("--rounds", type=int, default=2, help="rounds of every run; best kept")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--skip-quality",
        action="store_true",
        help="leave out int8 MiniLM on trained weights (minutes of embedding)",
    )
    parser.add_argument(
        "--runs", nargs="+", choices=RUNS, default=None, help="only these runs (naive always)"
    )
    args = parser.parse_args(argv)
    report = run(
        args.documents,
        args.new_tokens,
        args.batch_size,
        args.rounds,
        args.skip_quality,
        args.runs,
    )
    print(json.dumps(report, indent=2) if args.json else render(report))
    return 0


def run(
    documents: int,
    new_tokens: int,
    batch_size: int,
    rounds: int,
    skip_quality: bool = False,
    only: list[str] | None = None,
) -> dict[str, Any]:
    import os

    import torch

    threads = len(os.sched_getaffinity(0))
    torch.set_num_threads(threads)
    files = news_files()
    with tempfile.TemporaryDirectory(prefix="bench-speed-") as tmp:
        # Conversions of this throwaway checkpoint go under it, not into the service's models.
        os.environ["SUMMARY_MODELS_DIR"] = tmp
        (Path(tmp) / "model").mkdir()
        folder = build_checkpoint(Path(tmp) / "model", files)
        _convert(folder)
        texts = [path.read_text(encoding="utf-8") for path in files[:documents]]
        chunks = [_one_chunk(str(at), text) for at, text in enumerate(texts)]
        runs = _runs(folder, chunks, new_tokens, batch_size, {"naive", *(only or RUNS)})
        # the batching float32_batched (a brief job) loaded with: the last CTranslate2 run made
        plan = _job_plan(folder) if "float32_batched" in runs else None
        for warm in runs.values():
            warm(chunks[:1])  # first calls allocate and pick kernels: not what a warm worker pays
        # Round after round of every run, the best round of each kept: other load on the machine
        # then slows every run alike instead of whichever ran while it lasted.
        seconds: dict[str, list[float]] = {name: [] for name in runs}
        for _round in range(rounds):
            for name, measure in runs.items():
                started = time.perf_counter()
                measure(chunks)
                seconds[name].append(time.perf_counter() - started)
        drift = _int8_encoder_cosine(folder, chunks[0])
        tokens = _token_counts(folder, chunks)
        torch.set_num_threads(threads)  # as the timed runs had them: the plan's machine key
        exact = _exact(folder, chunks, new_tokens)
    best = {name: min(times) for name, times in seconds.items()}
    naive = len(chunks) / best["naive"]
    return {
        "model": "distilbart-cnn-12-6 architecture, random weights",
        "documents": len(chunks),
        "input_tokens": tokens,
        "new_tokens": new_tokens,
        "num_beams": 4,
        "torch_threads": threads,
        "rounds": rounds,
        "load_average": round(os.getloadavg()[0], 2),
        "runs": {
            name: {
                "seconds": round(best[name], 2),
                "all_rounds": [round(t, 2) for t in seconds[name]],
                "docs_per_s": round(len(chunks) / best[name], 3),
                "ratio": round(len(chunks) / best[name] / naive, 2),
                **({"exact": f"{exact[name]}/{len(chunks)}"} if name in exact else {}),
            }
            for name in runs
        },
        "job_batching": None
        if plan is None
        else {
            "plan": plan.label,
            "documents_per_call": plan.documents_per_call,
            "source": plan.source,
            "machine": plan.machine,
            "probe_documents_per_s": plan.figures,
        },
        "int8_encoder_cosine_to_float32": round(drift, 4),
        "int8_on_trained_weights": (
            None if skip_quality else int8_on_trained_weights(files, QUALITY_DOCUMENTS)
        ),
    }


def _one_chunk(document_id: str, text: str) -> Chunk:
    """The article as one chunk (the encoder cuts it at its limit), one sentence per line."""
    sentences, start = [], 0
    for index, line in enumerate(line for line in text.splitlines() if line.strip()):
        at = text.index(line, start)
        sentences.append(Sentence(document_id, index, at, at + len(line), line, block=index))
        start = at + len(line)
    return Chunk(document_id, 0, tuple(sentences), tokens=len(text))


def _token_counts(folder: Path, chunks: list[Chunk]) -> list[int]:
    from service.pipeline.models.embeddings import Embedder
    from service.pipeline.summarisers.seq2seq import Seq2SeqSummariser

    summariser = Seq2SeqSummariser(str(folder), Embedder())
    return [int(summariser.preprocess([chunk])["input_ids"].shape[1]) for chunk in chunks]


Run = Callable[[list[Chunk]], None]


RUNS = (
    "naive",
    "torch_float32",
    "float32",
    "int8",
    "torch_float32_batched",
    "float32_batched",
    "int8_batched",
    "ct2_int8",
)


def _runs(
    folder: Path, chunks: list[Chunk], new_tokens: int, batch_size: int, only: set[str]
) -> dict[str, Run]:
    from service.pipeline.models.embeddings import Embedder
    from service.pipeline.summarisers.seq2seq import AUTO_BATCH, Seq2SeqSummariser

    forced = {"max_new_tokens": new_tokens, "min_new_tokens": new_tokens}

    def service(runtime: str, batch: int, engine: str = "ctranslate2") -> Run:
        summariser = Seq2SeqSummariser(
            str(folder),
            Embedder(),
            generation=forced,
            runtime=runtime,
            batch_size=batch,
            engine=engine,
        )
        summariser.load()

        def measure(some: list[Chunk]) -> None:
            if batch == 1:  # one document's chunks per call, as `summarise` of one document
                for chunk in some:
                    summariser.summarise_chunks([chunk], ["en"])
                return
            # As a brief job's map step: `documents_per_call` documents (one chunk each here)
            # per summarise_many, whose chunks are generated `batch` at a time by length.
            step = summariser.documents_per_call
            for first in range(0, len(some), step):
                batch_of_documents = some[first : first + step]
                summariser.summarise_chunks(batch_of_documents, ["en"] * len(batch_of_documents))

        return measure

    makers: dict[str, Callable[[], Run]] = {
        "naive": lambda: _naive(folder, new_tokens),
        "torch_float32": lambda: service("float32", 1, "torch"),
        "float32": lambda: service("float32", 1),
        "int8": lambda: service("int8", 1),
        "torch_float32_batched": lambda: service("float32", batch_size, "torch"),
        # as a brief job runs it: the batching measured on this machine (`ct2_tuning`)
        "float32_batched": lambda: service("float32", AUTO_BATCH),
        "int8_batched": lambda: service("int8", batch_size),
        "ct2_int8": lambda: _ct2_int8(folder, new_tokens),
    }
    return {name: make() for name, make in makers.items() if not only or name in only}


def _convert(folder: Path) -> None:
    """Convert the throwaway checkpoint into the temporary models folder (SUMMARY_MODELS_DIR),
    where the summarisers find it, rather than into the checkout's own models/weights."""
    from service.pipeline.models.ct2_seq2seq import ensure_converted
    from service.pipeline.models.runtimes import runtime_cache_dir

    ensure_converted(folder, [runtime_cache_dir()])


def _ct2_int8(folder: Path, new_tokens: int) -> Run:
    """The checkpoint converted to CTranslate2 int8, one document per call (the service's
    settings): the fastest mode measured, not a runtime the service offers."""
    generate = _ct2_int8_generate(folder, new_tokens)

    def measure(some: list[Chunk]) -> None:
        for chunk in some:
            generate(chunk)

    return measure


def _ct2_int8_generate(folder: Path, new_tokens: int) -> Callable[[Chunk], list[int]]:
    import torch

    from service.pipeline.models.ct2_seq2seq import Ct2Generator, ensure_converted
    from service.pipeline.models.embeddings import Embedder
    from service.pipeline.models.runtimes import runtime_cache_dir
    from service.pipeline.summarisers.seq2seq import Seq2SeqSummariser, _generation_config

    forced = {"max_new_tokens": new_tokens, "min_new_tokens": new_tokens}
    summariser = Seq2SeqSummariser(str(folder), Embedder(), generation=forced, engine="torch")
    converted = ensure_converted(folder, [runtime_cache_dir()], quantization="int8")
    generator = Ct2Generator(
        converted,
        summariser._checkpoint().tokenizer,
        _generation_config(str(folder), {}),
        torch.get_num_threads(),
    )
    options = summariser._checkpoint().generation.generate_options()

    def generate(chunk: Chunk) -> list[int]:
        inputs = summariser.preprocess([chunk])
        return generator.generate(inputs["input_ids"], inputs["attention_mask"], options)[0]

    return generate


def _job_plan(folder: Path) -> Any:
    """The batching a brief job uses on this machine (`ct2_tuning.Plan`), once loaded."""
    from service.pipeline.models import ct2_tuning

    return ct2_tuning.ACTIVE.get(str(folder))


def _exact(folder: Path, chunks: list[Chunk], new_tokens: int) -> dict[str, int]:
    """Documents whose tokens equal naive generate()'s, for each CTranslate2 run."""
    import torch
    from transformers import AutoModelForSeq2SeqLM

    from service.pipeline.models.embeddings import Embedder
    from service.pipeline.summarisers.seq2seq import Seq2SeqSummariser

    forced = {"max_new_tokens": new_tokens, "min_new_tokens": new_tokens}
    exact = Seq2SeqSummariser(str(folder), Embedder(), generation=forced, engine="torch")
    model = AutoModelForSeq2SeqLM.from_pretrained(folder)
    pad = exact._checkpoint().tokenizer.pad_token_id

    def tokens(output: Any) -> list[list[int]]:
        rows = output.tolist() if hasattr(output, "tolist") else output
        return [[t for t in row if t != pad] for row in rows]

    with torch.inference_mode():
        naive = [
            tokens(
                model.generate(
                    **exact.preprocess([chunk]),
                    max_length=new_tokens + 1,
                    min_length=new_tokens + 1,
                )
            )[0]
            for chunk in chunks
        ]
    one = Seq2SeqSummariser(
        str(folder), Embedder(), generation=forced, engine="ctranslate2", batch_size=1
    )
    by_one = [tokens(one._forward(one.preprocess([chunk])))[0] for chunk in chunks]
    job = Seq2SeqSummariser(str(folder), Embedder(), generation=forced, engine="ctranslate2")
    by_batch: list[list[int]] = []
    step = job.documents_per_call  # as the batched run (and a brief job) groups them
    for start in range(0, len(chunks), step):
        by_batch.extend(tokens(job.generate_chunks(chunks[start : start + step])))
    int8 = _ct2_int8_generate(folder, new_tokens)
    by_int8 = [int8(chunk) for chunk in chunks]
    return {
        "float32": sum(a == b for a, b in zip(naive, by_one, strict=True)),
        "float32_batched": sum(a == b for a, b in zip(naive, by_batch, strict=True)),
        "ct2_int8": sum(a == b for a, b in zip(naive, by_int8, strict=True)),
    }


def _naive(folder: Path, new_tokens: int) -> Run:
    """One document at a time through generate(), the checkpoint's defaults, the same inputs."""
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSeq2SeqLM.from_pretrained(folder)

    def measure(some: list[Chunk]) -> None:
        for chunk in some:
            text = " ".join(" ".join(s.text.split()) for s in chunk.sentences)
            inputs = tokenizer(text, return_tensors="pt", truncation=True, max_length=1024)
            model.generate(**inputs, max_length=new_tokens + 1, min_length=new_tokens + 1)

    return measure


def _int8_encoder_cosine(folder: Path, chunk: Chunk) -> float:
    """Cosine between float32's and int8's encoder outputs for one article (1.0: identical)."""
    import torch

    from service.pipeline.models.embeddings import Embedder
    from service.pipeline.summarisers.seq2seq import Seq2SeqSummariser

    outputs = []
    for runtime in ("float32", "int8"):
        summariser = Seq2SeqSummariser(str(folder), Embedder(), runtime=runtime, engine="torch")
        inputs = summariser.preprocess([chunk])
        with torch.inference_mode():
            encoder = summariser._loaded_model().get_encoder()
            outputs.append(encoder(**inputs).last_hidden_state.flatten())
    return float(torch.nn.functional.cosine_similarity(outputs[0], outputs[1], dim=0))


def render(report: dict[str, Any]) -> str:
    lines = [
        f"seq2seq speed: {report['model']}; {report['documents']} news articles "
        f"({min(report['input_tokens'])}-{max(report['input_tokens'])} input tokens), "
        f"{report['new_tokens']} generated tokens each, {report['num_beams']} beams, "
        f"{report['torch_threads']} torch threads; best of {report['rounds']} rounds "
        f"(load average {report['load_average']})",
        f"{'run':<18}{'seconds':>9}{'docs/s':>9}{'vs naive':>10}",
    ]
    for name, figures in report["runs"].items():
        lines.append(
            f"{name:<18}{figures['seconds']:>9.2f}{figures['docs_per_s']:>9.3f}"
            f"{figures['ratio']:>9.2f}x"
        )
    lines.append(
        "exact (tokens equal to naive generate()): "
        + ", ".join(
            f"{name} {figures['exact']}"
            for name, figures in report["runs"].items()
            if "exact" in figures
        )
    )
    batching = report["job_batching"]
    if batching:
        lines.append(
            f"a brief job's batching on {batching['machine']} ({batching['source']}): "
            f"{batching['plan']}, {batching['documents_per_call']} documents per call; "
            "probe documents/s: "
            + ", ".join(f"{k} {v}" for k, v in batching["probe_documents_per_s"].items())
        )
    lines.append(
        f"int8 encoder output cosine to float32: {report['int8_encoder_cosine_to_float32']}"
    )
    trained = report["int8_on_trained_weights"]
    if trained is None:
        return "\n".join(lines)
    lines.append(
        f"int8 on trained weights ({trained['model']}): {trained['sentences']} news sentences, "
        f"embedding cosine to float32 mean {trained['mean_cosine']}, min {trained['min_cosine']}; "
        f"the same extractive summary for {trained['same_extractive_summary']} of "
        f"{trained['documents']} articles"
    )
    return "\n".join(lines)
