"""`python -m bench citations [DIR] [--words 100 250] [--json] [--dump FILE]`: whether
every citation of a brief carries its sentence.

DIR holds clusters as the rouge bench reads them (MultiLing 2011 by default: 7 languages). Each
cluster's documents are summarised once (extractive) and merged into a brief at each `--words`.
For every citation of every brief sentence it reports:

- *containment*: the share of citations whose cited passage states every number and every name of
  the sentence (`backing.missing_facts`: a name is present when any of its words is), and gives no
  other figure for a count the sentence states; the first citation (the passage the sentence was
  quoted from) and the sources added by grouping and corroboration, separately;
- *sources per sentence*: the mean number of documents each sentence cites;
- *labels*: the pairs of `data/citations.jsonl` (a sentence, a passage of another document that
  the merge's same-fact test takes for the same fact, and whether the passage, read whole, states
  the sentence's fact: labelled by reading) judged by the merge's own test
  (`corroboration.same_fact`): precision (of the pairs it cites, the share labelled true) and
  recall (of the pairs labelled true, the share it cites).

`--dump FILE` writes every citation of every brief (JSON lines); with `--candidates`, also each
other document's passage most like each brief sentence, with its cosine and word overlap: the
pairs `data/citations.jsonl` was labelled from. `--labels-only` scores the labels alone.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench._labels import precision_recall, read_labels
from bench.rouge import by_language
from service.brief_request import BriefRequest
from service.config import Settings
from service.pipeline.documents.language import detect_language
from service.pipeline.merge.backing import carries, unbacked
from service.pipeline.merge.corroboration import MIN_SHARED_WORDS, alike, same_fact
from service.pipeline.merge.disagreements import document_statements
from service.pipeline.merge.grouping import LexicalEncoder, content_words, embeds_well, word_overlap
from service.pipeline.runner import Pipeline
from service.pipeline.types import Document

LABELS = Path(__file__).with_name("data") / "citations.jsonl"
MULTILING = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "multiling2011"


def run_language(
    clusters: list[Path], budgets: list[int], candidates: bool = False
) -> list[dict[str, Any]]:
    """Every citation of every brief of one language's clusters, at each budget; with
    `candidates`, also each other document's passage most like each brief sentence."""
    pipeline = Pipeline(Settings.from_env({"summariser": "extractive"}))
    rows: list[dict[str, Any]] = []
    for cluster in clusters:
        documents = []
        for path in sorted((cluster / "docs").glob("*.txt")):
            text = path.read_text(encoding="utf-8")
            documents.append(Document(path.stem, text, detect_language(text).language))
        summaries = [pipeline.summarise(d) for d in documents]
        by_id = {d.id: d for d in documents}
        for words in budgets:
            brief = pipeline.merge(
                documents, summaries, BriefRequest(max_words=words, stories="one")
            )
            for number, sentence in enumerate(brief.sentences):
                for at, citation in enumerate(sentence.citations):
                    document = by_id[citation.document_id]
                    passage = document.text[citation.start : citation.end]
                    rows.append(
                        {
                            "language": document.language,
                            "cluster": cluster.name,
                            "words": words,
                            "sentence_number": number,
                            "sentence": sentence.text,
                            "document": citation.document_id,
                            "start": citation.start,
                            "end": citation.end,
                            "first": at == 0,
                            "passage": passage,
                            "unbacked": unbacked(sentence.text, passage, document.language),
                        }
                    )
                if candidates:
                    rows.extend(_candidates(pipeline, documents, cluster.name, words, sentence))
    return rows


def _candidates(
    pipeline: Pipeline, documents: list[Document], cluster: str, words: int, sentence: Any
) -> list[dict[str, Any]]:
    """For each document the sentence does not cite first, its content sentence most like the
    sentence (by the merge's encoder), where it shares `MIN_SHARED_WORDS` of the words: what the
    merge's same-fact test weighs, to be labelled by reading."""
    language = documents[0].language
    own = sentence.citations[0].document_id
    passages = [
        p
        for p in document_statements(documents, [d.id for d in documents], language, digits=False)
        if p.citation.document_id != own
    ]
    words_of = content_words(sentence.text)
    near = [(p, word_overlap(words_of, content_words(p.text))) for p in passages]
    near = [(p, overlap) for p, overlap in near if overlap >= MIN_SHARED_WORDS]
    if not near:
        return []
    encode = pipeline.embedder.encode
    if not embeds_well(language):
        encode = LexicalEncoder(p.text for p in passages)
    vectors = encode([sentence.text] + [p.text for p, _ in near])
    best: dict[str, dict[str, Any]] = {}
    for (passage, overlap), vector in zip(near, vectors[1:], strict=True):
        cosine = float(vector @ vectors[0])
        document = passage.citation.document_id
        if document not in best or cosine > best[document]["cosine"]:
            best[document] = {
                "kind": "candidate",
                "language": language,
                "cluster": cluster,
                "words": words,
                "sentence": sentence.text,
                "document": document,
                "start": passage.citation.start,
                "end": passage.citation.end,
                "passage": passage.text,
                "cosine": round(cosine, 4),
                "overlap": round(overlap, 4),
                "alike": alike(cosine, overlap),
                "carries": carries(sentence.text, [passage.text], language),
                "cited": any(c.document_id == document for c in sentence.citations),
            }
    return list(best.values())


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Containment and sources per sentence over one language's citations."""
    rows = [r for r in rows if r.get("kind") != "candidate"]
    added = [r for r in rows if not r["first"]]
    sentences: dict[tuple[str, str, int, int], set[str]] = {}
    for row in rows:
        key = (row["language"], row["cluster"], row["words"], row["sentence_number"])
        sentences.setdefault(key, set()).add(row["document"])
    return {
        "citations": len(rows),
        "added": len(added),
        "contained": sum(not r["unbacked"] for r in rows),
        "added_contained": sum(not r["unbacked"] for r in added),
        "containment": _share(sum(not r["unbacked"] for r in rows), len(rows)),
        "sentences": len(sentences),
        "sources_per_sentence": round(float(np.mean([len(d) for d in sentences.values()])), 3)
        if sentences
        else 0.0,
    }


def score_labels(labels: list[dict[str, Any]]) -> dict[str, Any]:
    """The merge's test on the labelled pairs, against the labels (`corroboration.same_fact`,
    on the cosine and word overlap stored with the pair)."""
    said = [
        same_fact(p["cosine"], p["overlap"], p["sentence"], p["passage"], p["language"])
        for p in labels
    ]
    truth = [bool(p["label"]) for p in labels]
    scores = precision_recall(truth, said)
    scores["wrongly_cited"] = [
        f"{p['sentence'][:80]} | {p['passage'][:80]}"
        for p, s, t in zip(labels, said, truth, strict=True)
        if s and not t
    ]
    return scores


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench citations", description=__doc__)
    parser.add_argument("directory", type=Path, nargs="?", default=MULTILING)
    parser.add_argument("--words", type=int, nargs="+", default=[100, 250])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--dump", type=Path, help="write every citation here (JSON lines)")
    parser.add_argument(
        "--candidates",
        action="store_true",
        help="dump also each other document's passage most like each brief sentence",
    )
    parser.add_argument(
        "--labels-only", action="store_true", help="score the labelled pairs, make no brief"
    )
    parser.add_argument("--labels", type=Path, default=LABELS, help="labelled pairs (JSON lines)")
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="languages run at once (processes)"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    report: dict[str, Any] = {"words": args.words, "languages": {}}
    every: list[dict[str, Any]] = []
    if args.labels_only:
        print(json.dumps(score_labels(read_labels(args.labels)), ensure_ascii=False, indent=1))
        return 0
    languages = by_language(
        parser, args.directory, args.jobs, run_language, args.words, args.candidates
    )
    for name, rows in languages:
        every.extend(rows)
        report["languages"][name] = summarise(rows)
        print(f"{name}: {len(rows)} citations", file=sys.stderr)
    report["all"] = summarise(every)
    if args.labels.is_file():
        report["labels"] = score_labels(read_labels(args.labels))
    report["seconds"] = round(time.perf_counter() - started, 1)
    if args.dump:
        with args.dump.open("w", encoding="utf-8") as out:
            for row in every:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(json.dumps(report, ensure_ascii=False, indent=1) if args.json else table(report))
    return 0


def table(report: dict[str, Any]) -> str:
    lines = [
        "| Language | Citations | Contained | Added sources | Added contained "
        "| Sources per sentence |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, row in [*report["languages"].items(), ("all", report["all"])]:
        added = _percent(_share(row["added_contained"], row["added"]))
        lines.append(
            f"| {name} | {row['citations']} | {_percent(row['containment'])} | {row['added']} "
            f"| {added} | {row['sources_per_sentence']:.2f} |"
        )
    labels = report.get("labels")
    if labels:
        lines.append("")
        lines.append(
            f"labelled pairs: {labels['pairs']} ({labels['true']} true); cited {labels['found']}, "
            f"right {labels['right']}: precision {_percent(labels['precision'])}, "
            f"recall {_percent(labels['recall'])}"
        )
    lines.append(f"({report['seconds']} s)")
    return "\n".join(lines)


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"
