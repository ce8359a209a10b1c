"""`python -m bench rouge DIR --words N [--json]`: ROUGE recall of briefs on a benchmark.

DIR holds clusters as `DIR/<cluster>/docs/*.txt` and `DIR/<cluster>/refs/*.txt`, or languages of
such clusters (`DIR/<language>/<cluster>/...`, as MultiLing 2011 ships). Each cluster's brief is
made by the service's own pipeline (clean, split, chunk, summarise each document extractively,
merge as one story: a cluster is one story by construction) and scored against the references
next to a lead and a LexRank (sumy) baseline built from the same sentences, in the same run.
Also reported per language, for the brief and both baselines: redundancy as the share of
sentence pairs that say one thing twice, by two stricter tests than the merge's own (cosine >=
0.6, compared by embeddings or, where the embedding model does not know the language, TF-IDF
word vectors; and half or more of the shorter sentence's concepts, stemmed content bigrams,
shared), and the number of claims stated twice (`claims.py`: the same count of the same thing
about the same people or places, however worded); for the brief, the share of sentences whose
cited evidence contains every number and name they state, how many words trimming deleted, and
how many briefs show a sentence that leans on the one before it in its document
(`readability.py`) without that one just before it.

Languages run in parallel processes (`--jobs`), each with its own pipeline and models.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from bench.rouge_baselines import lead, lexrank, stemmer_name
from bench.rouge_leads import lead_scores
from bench.rouge_scoring import ROUGE_TYPES, recall
from service.brief_request import BriefRequest
from service.config import Settings
from service.pipeline.documents.language import detect_language
from service.pipeline.documents.reading import document_sentences
from service.pipeline.documents.sentences import split_sentences
from service.pipeline.merge.claims import claim_pairs
from service.pipeline.merge.concepts import sentence_concepts
from service.pipeline.merge.faithfulness import evidence_passages, unbacked_facts
from service.pipeline.merge.grouping import LexicalEncoder, embeds_well
from service.pipeline.merge.readability import stands_alone
from service.pipeline.runner import Pipeline
from service.pipeline.types import Brief, Document

SYSTEMS = ("brief", "lexrank", "lead")
REDUNDANT_COSINE = 0.6  # stricter than the merge's own 0.75
SHARED_CONCEPTS = 0.5


def clusters_by_language(root: Path) -> dict[str, list[Path]]:
    """{name: clusters}: one entry for a folder of clusters, one per language folder otherwise."""
    if any((c / "docs").is_dir() for c in root.iterdir()):
        return {root.name: sorted(c for c in root.iterdir() if (c / "docs").is_dir())}
    return {
        folder.name: sorted(c for c in folder.iterdir() if (c / "docs").is_dir())
        for folder in sorted(root.iterdir())
        if folder.is_dir() and any((c / "docs").is_dir() for c in folder.iterdir() if c.is_dir())
    }


def run_cluster(pipeline: Pipeline, cluster: Path, words: int) -> dict[str, Any]:
    documents = []
    for path in sorted((cluster / "docs").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        documents.append(Document(path.stem, text, detect_language(text).language))
    language = documents[0].language
    references = [p.read_text(encoding="utf-8") for p in sorted((cluster / "refs").glob("*.txt"))]
    sentences = [[s.text for s in split_sentences(pipeline.clean(d))] for d in documents]
    # A benchmark cluster is one story by construction (its references summarise all of it);
    # how the service finds stories in a mixed corpus is measured by `bench stories`.
    summaries = [pipeline.summarise(d) for d in documents]
    brief = pipeline.merge(documents, summaries, BriefRequest(max_words=words, stories="one"))
    documents_by_id = {d.id: d for d in documents}
    shown = {
        "brief": [s.text for s in brief.sentences],
        "lexrank": lexrank(sentences, language, words),
        "lead": lead(sentences, words),
    }
    result: dict[str, Any] = {"cluster": cluster.name, "language": language}
    encode = pipeline.embedder.encode
    if not embeds_well(language):
        encode = LexicalEncoder(s for document in sentences for s in document)
    for system, texts in shown.items():
        result[system] = recall(" ".join(texts), references, language, words)
        result[system]["redundancy"] = _redundancy(encode, texts, language)
    result["evidence_coverage"] = _evidence_coverage(brief, documents)
    result["trimmed_words"] = sum(
        len(documents_by_id[c.document_id].text[c.start : c.end].split())
        for s in brief.sentences
        for c in s.trimmed
    )
    result["disagreements"] = sum(d.kind == "disagreement" for d in brief.disagreements)
    result["corrections"] = sum(d.kind == "correction" for d in brief.disagreements)
    result["leaning"] = [_leaning_alone(brief, documents_by_id), len(brief.sentences)]
    result.update(lead_scores(brief.sentences, documents, references, language))
    return result


def _leaning_alone(brief: Brief, documents: dict[str, Document]) -> int:
    """Sentences that lean on the one before them in their document (`readability.py`) and are
    not shown right after it."""
    found = 0
    previous: tuple[str, int] | None = None
    for sentence in brief.sentences:
        own = sentence.citations[0] if sentence.citations else None
        document = documents.get(own.document_id) if own else None
        index = _sentence_index(document, own.start) if own and document else None
        here = (own.document_id, index) if own and index is not None else None
        code = document.language if document else "und"
        after_its_own = here is not None and previous == (here[0], here[1] - 1)
        if not stands_alone(sentence.text, code) and not after_its_own:
            found += 1
        previous = here
    return found


def _sentence_index(document: Document, start: int) -> int | None:
    for sentence in document_sentences(document):
        if sentence.start <= start < sentence.end:
            return sentence.index
    return None


def _redundancy(
    encode: Callable[[list[str]], np.ndarray], sentences: list[str], language: str
) -> list[int]:
    """[pairs as close as cosine 0.6, pairs sharing half their concepts, pairs stating one
    claim (`claims.py`), pairs] of a summary."""
    if len(sentences) < 2:
        return [0, 0, 0, 0]
    vectors = encode(sentences)
    concepts = [sentence_concepts(s, language) for s in sentences]
    pairs = list(itertools.combinations(range(len(sentences)), 2))
    close = sum(float(vectors[i] @ vectors[j]) >= REDUNDANT_COSINE for i, j in pairs)
    shared = sum(
        len(concepts[i] & concepts[j])
        >= SHARED_CONCEPTS * max(1, min(len(concepts[i]), len(concepts[j])))
        for i, j in pairs
    )
    return [close, shared, len(claim_pairs(sentences, language)), len(pairs)]


def _evidence_coverage(brief: Brief, documents: list[Document]) -> tuple[int, int]:
    """(sentences whose every number and name is in their cited spans, sentences)."""
    by_id = {d.id: d for d in documents}
    covered = sum(
        not unbacked_facts(s.text, evidence_passages(s.citations, by_id)) for s in brief.sentences
    )
    return covered, len(brief.sentences)


def run_language(clusters: list[Path], words: int) -> list[dict[str, Any]]:
    """Every cluster of one language, through a pipeline of this process's own."""
    pipeline = Pipeline(Settings.from_env({"summariser": "extractive"}))
    return [run_cluster(pipeline, cluster, words) for cluster in clusters]


def summarise_language(results: list[dict[str, Any]]) -> dict[str, Any]:
    summary: dict[str, Any] = {"clusters": len(results)}
    summary["lexrank_stemmer"] = stemmer_name(results[0]["language"]) if results else "none"
    for system in SYSTEMS:
        summary[system] = {
            name: round(float(np.mean([r[system][name] for r in results])), 2)
            for name in ROUGE_TYPES
        }
        close, shared, claims, pairs = (
            sum(r[system]["redundancy"][i] for r in results) for i in range(4)
        )
        summary[system]["redundancy_cosine"] = round(close / pairs, 4) if pairs else 0.0
        summary[system]["redundancy_concepts"] = round(shared / pairs, 4) if pairs else 0.0
        summary[system]["repeated_claims"] = claims
    covered = [sum(r["evidence_coverage"][i] for r in results) for i in (0, 1)]
    summary["evidence_coverage"] = round(covered[0] / covered[1], 4) if covered[1] else 1.0
    summary["trimmed_words"] = sum(r["trimmed_words"] for r in results)
    summary["disagreements"] = sum(r["disagreements"] for r in results)
    summary["leaning_sentences"] = sum(r["leaning"][0] for r in results)
    summary["briefs_leaning"] = sum(r["leaning"][0] > 0 for r in results)
    for name in ("first_sentence", "first_sentence_before"):  # ROUGE-2 F (`rouge_leads`)
        summary[f"{name}_rouge2"] = round(float(np.mean([r[name] for r in results])), 2)
    return summary


def table(report: dict[str, Any]) -> str:
    lines = [
        "| Language | System | ROUGE-1 R | ROUGE-2 R | ROUGE-L R |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for language, figures in report["languages"].items():
        for system in SYSTEMS:
            row = figures[system]
            cells = " | ".join(f"{row[name]:.2f}" for name in ROUGE_TYPES)
            lines.append(f"| {language} | {system} | {cells} |")
    lines.append("")
    lines.append(
        "| Language | Redundancy, cosine >= 0.6: brief / LexRank / lead "
        "| Half the concepts shared: brief / LexRank / lead "
        "| Claims stated twice: brief / LexRank / lead "
        "| Evidence coverage | Words trimmed | Disagreements found "
        "| Lead ROUGE-2 F: now / previous rule (ratio) "
        "| Briefs with a sentence leaning on one not shown |"
    )
    lines.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for language, figures in report["languages"].items():
        cosine = " / ".join(f"{figures[s]['redundancy_cosine']:.1%}" for s in SYSTEMS)
        shared = " / ".join(f"{figures[s]['redundancy_concepts']:.1%}" for s in SYSTEMS)
        claims = " / ".join(str(figures[s]["repeated_claims"]) for s in SYSTEMS)
        lines.append(
            f"| {language} | {cosine} | {shared} | {claims} | {figures['evidence_coverage']:.1%} | "
            f"{figures['trimmed_words']} | {figures['disagreements']} | "
            f"{_lead_cell(figures)} | {figures['briefs_leaning']} of {figures['clusters']} |"
        )
    return "\n".join(lines)


def _lead_cell(figures: dict[str, Any]) -> str:
    now, before = figures["first_sentence_rouge2"], figures["first_sentence_before_rouge2"]
    ratio = f"{now / before:.2f}" if before else "-"
    return f"{now:.2f} / {before:.2f} ({ratio})"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench rouge", description=__doc__)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--words", type=int, default=250, help="cut every summary to N words")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="languages run at once (processes)"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    report: dict[str, Any] = {"words": args.words, "languages": {}, "clusters": {}}
    for name, results in by_language(parser, args.directory, args.jobs, run_language, args.words):
        report["clusters"][name] = results
        report["languages"][name] = summarise_language(results)
        print(f"{name}: {len(results)} clusters", file=sys.stderr)
    report["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(report, ensure_ascii=False) if args.json else table(report))
    return 0


def by_language(
    parser: argparse.ArgumentParser,
    directory: Path,
    jobs: int,
    run: Callable[..., list[dict[str, Any]]],
    *args: Any,
) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """(language, `run(clusters, *args)`) for each language folder of `directory`, `jobs`
    languages at once in processes of their own; a folder without clusters is the caller's
    usage error."""
    if not directory.is_dir():
        parser.error(f"{directory} is not a folder")
    languages = clusters_by_language(directory)
    if not any(languages.values()):
        parser.error(f"{directory} holds no <cluster>/docs folder")
    workers = max(1, min(jobs, len(languages)))
    with ProcessPoolExecutor(workers) if workers > 1 else _InProcess() as pool:
        runs = {name: pool.submit(run, c, *args) for name, c in languages.items()}
        for name, result in runs.items():
            yield name, result.result()


class _InProcess:
    """The part of an executor `main` uses, running each call at once in this process."""

    def __enter__(self) -> _InProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def submit(self, function: Any, *args: Any) -> Any:
        from concurrent.futures import Future

        done: Future[Any] = Future()
        done.set_result(function(*args))
        return done
