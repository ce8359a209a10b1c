"""`python -m bench speed_embedding [--json]`: the embedder on ONNX Runtime against torch.

One run, on the same machine state, of all-MiniLM-L6-v2 (the shipped weights) embedding the first
`--sentences` sentences of MultiLing English news (cleaned and split as the service does):

- `torch`: sentence-transformers in float32, as the service embedded before (batches of 64,
  sorted by length by sentence-transformers itself);
- `onnx`: the same weights exported to ONNX and run by ONNX Runtime (`runtimes/onnx_embedding`).

The two take turns for `--rounds` rounds and each keeps its best, so that load from elsewhere does
not favour whichever it spared. Fidelity: each sentence's cosine between the two vectors, and
whether the extractive summariser picks the same sentences of every MultiLing English document.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import numpy as np

from bench.speed_model import news_files


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench speed_embedding")
    parser.add_argument("--sentences", type=int, default=1000, help="news sentences (1000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each runtime; best kept")
    parser.add_argument("--documents", type=int, default=0, help="documents for picks (0: all)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    report = run(args.sentences, args.rounds, args.documents)
    print(json.dumps(report, indent=2) if args.json else render(report))
    return 0


def news_documents(limit: int = 0) -> list[Any]:
    from service.pipeline.types import Document

    files = news_files()
    files = files[:limit] if limit else files
    return [Document(path.stem, path.read_text(encoding="utf-8"), "en") for path in files]


def run(sentences: int, rounds: int, documents: int) -> dict[str, Any]:
    import os

    import torch

    from service.pipeline.documents.cleaning import clean_document
    from service.pipeline.documents.sentences import split_sentences
    from service.pipeline.models.embeddings import Embedder
    from service.pipeline.runner import available_cores

    cores = available_cores()
    torch.set_num_threads(cores)
    docs = news_documents(documents)
    split = [(doc, split_sentences(clean_document(doc))) for doc in docs]
    texts = [s.text for _, found in split for s in found][:sentences]

    started = time.perf_counter()
    onnx = Embedder(runtime="onnx", threads=cores)
    onnx.load()
    onnx_load = time.perf_counter() - started
    if onnx.runtime != "onnx":
        raise SystemExit(f"ONNX Runtime not used: {onnx.fallback_reason}")
    started = time.perf_counter()
    exact = Embedder(runtime="torch")
    exact.load()
    torch_load = time.perf_counter() - started

    best = {"torch": float("inf"), "onnx": float("inf")}
    vectors: dict[str, np.ndarray] = {}
    for _ in range(rounds):
        for name, embedder in (("torch", exact), ("onnx", onnx)):
            started = time.perf_counter()
            vectors[name] = embedder.encode(texts)
            best[name] = min(best[name], time.perf_counter() - started)
    cosines = np.sum(vectors["torch"] * vectors["onnx"], axis=1)
    same, differ = _same_picks(split, exact, onnx)
    return {
        "sentences": len(texts),
        "cores": cores,
        "load_average": round(os.getloadavg()[0], 2),
        "rounds": rounds,
        "load_seconds": {"torch": round(torch_load, 2), "onnx": round(onnx_load, 2)},
        "seconds": {name: round(value, 3) for name, value in best.items()},
        "sentences_per_second": {name: round(len(texts) / v, 1) for name, v in best.items()},
        "speedup": round(best["torch"] / best["onnx"], 2),
        "mean_cosine": float(np.mean(cosines)),
        "min_cosine": float(np.min(cosines)),
        "documents": len(split),
        "same_extractive_picks": same,
        "differing_documents": differ,
    }


def _same_picks(split: list[Any], exact: Any, onnx: Any) -> tuple[int, list[str]]:
    from service.pipeline.summarisers.extractive import ExtractiveSummariser

    same, differ = 0, []
    summarisers = [ExtractiveSummariser(exact), ExtractiveSummariser(onnx)]
    for document, sentences in split:
        picks = [
            [s.text for s in summariser.summarise(document, sentences, [], False).sentences]
            for summariser in summarisers
        ]
        if picks[0] == picks[1]:
            same += 1
        else:
            differ.append(document.id)
    return same, differ


def render(report: dict[str, Any]) -> str:
    rate = report["sentences_per_second"]
    return "\n".join(
        [
            f"{report['sentences']} MultiLing English sentences, {report['cores']} cores, "
            f"best of {report['rounds']} rounds (load average {report['load_average']})",
            f"  torch (sentence-transformers, float32): {report['seconds']['torch']:.2f} s, "
            f"{rate['torch']} sentences/s",
            f"  onnx (ONNX Runtime, float32):           {report['seconds']['onnx']:.2f} s, "
            f"{rate['onnx']} sentences/s, {report['speedup']}x",
            f"  cosine to torch: mean {report['mean_cosine']:.7f}, "
            f"lowest {report['min_cosine']:.7f}",
            f"  same extractive picks: {report['same_extractive_picks']} of "
            f"{report['documents']} documents",
            f"  load: torch {report['load_seconds']['torch']} s, "
            f"onnx {report['load_seconds']['onnx']} s (a build, when none is cached, included)",
        ]
    )
