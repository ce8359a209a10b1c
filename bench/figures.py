"""`python -m bench figures [--json] [--data DIR]`: how right "Where sources differ" is.

Reads the labelled figure pairs of `data/figure_pairs.jsonl` (MultiLing 2011, English and French,
and constructed reports of `data/figure_documents.jsonl`; how they were labelled is in the file's
header) and runs the disagreement finder over each pair's cluster, every content sentence counted
as summarised. A pair is *found* when both of its figures
appear, as different figures, in one disagreement (not a correction). Prints the finder's precision
and recall on the pairs, how many pairs labelled `revised` (a later report's figure revising an
earlier one's) are found as corrections (the later figure current, the earlier noted), then the
number of disagreements the finder reports per language over the MultiLing clusters.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from bench._labels import precision_recall, read_labels
from service.pipeline.merge.disagreements import document_statements, find_disagreements
from service.pipeline.types import Disagreement, Document

PAIRS = Path(__file__).with_name("data") / "figure_pairs.jsonl"
CONSTRUCTED = Path(__file__).with_name("data") / "figure_documents.jsonl"
MULTILING = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "multiling2011"
LANGUAGES = {
    "english": "en", "french": "fr", "czech": "cs", "greek": "el",
    "arabic": "ar", "hebrew": "he", "hindi": "hi",
}  # fmt: skip


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench figures")
    parser.add_argument("--data", type=Path, default=MULTILING, help="MultiLing 2011 folder")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    from service.pipeline.models.embeddings import Embedder

    embedder = Embedder()
    embedder.load()
    started = time.perf_counter()
    found: dict[tuple[str, str], list[Disagreement]] = {}
    for folder, language in LANGUAGES.items():
        for cluster in sorted((args.data / folder).iterdir()):
            found[language, cluster.name] = _cluster_disagreements(
                _multiling_documents(cluster, language), language, embedder
            )
    constructed: dict[tuple[str, str], list[Document]] = {}
    dates: dict[tuple[str, str], dict[str, date | None]] = {}
    for row in read_labels(CONSTRUCTED):
        document = Document(id=row["document"], text=row["text"], language=row["language"])
        constructed.setdefault((row["language"], row["cluster"]), []).append(document)
        published = date.fromisoformat(row["published"]) if row.get("published") else None
        dates.setdefault((row["language"], row["cluster"]), {})[row["document"]] = published
    for (language, name), documents in constructed.items():
        found[language, name] = _cluster_disagreements(
            documents, language, embedder, dates[language, name]
        )
    pairs = read_labels(PAIRS)
    scores = _scores(pairs, found)
    revised = [pair for pair in pairs if pair.get("revised")]
    scores["revised"] = len(revised)
    scores["corrected"] = sum(
        _corrected(pair, found.get((pair["language"], pair["cluster"]), [])) for pair in revised
    )
    multiling = [(key, d) for key, d in found.items() if not key[1].startswith("constructed/")]
    result: dict[str, Any] = {
        **scores,
        "disagreements": {
            language: sum(len(d) for (lang, _), d in multiling if lang == language)
            for language in LANGUAGES.values()
        },
        "clusters": {
            language: sum(1 for (lang, _), _ in multiling if lang == language)
            for language in LANGUAGES.values()
        },
        "seconds": round(time.perf_counter() - started, 1),
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"figure pairs: {scores['pairs']} ({scores['true']} true disagreements); "
            f"found {scores['found']}, right {scores['right']}: precision "
            f"{_percent(scores['precision'])}, recall {_percent(scores['recall'])}"
        )
        print(f"missed: {scores['missed']}; wrongly found: {scores['wrongly_found']}")
        print(f"revised figures shown as corrections: {scores['corrected']} of {scores['revised']}")
        for language, count in result["disagreements"].items():
            print(f"{language}: {count} disagreements over {result['clusters'][language]} clusters")
        print(f"({result['seconds']} s)")
    return 0


def _multiling_documents(cluster: Path, language: str) -> list[Document]:
    return [
        Document(id=path.stem, text=path.read_text(encoding="utf-8"), language=language)
        for path in sorted((cluster / "docs").glob("*.txt"))
    ]


def _cluster_disagreements(
    documents: list[Document],
    language: str,
    embedder: Any,
    dates: dict[str, date | None] | None = None,
) -> list[Disagreement]:
    statements = [
        replace(statement, summarised=True)
        for statement in document_statements(documents, [d.id for d in documents], language)
    ]
    return find_disagreements(statements, embedder.encode, language, limit=None, dates=dates)


def _scores(
    pairs: list[dict[str, Any]], found: dict[tuple[str, str], list[Disagreement]]
) -> dict[str, Any]:
    truth = [bool(pair["label"]) for pair in pairs]
    said = [_found(pair, found.get((pair["language"], pair["cluster"]), [])) for pair in pairs]
    scores = precision_recall(truth, said)
    for name, wrong in (("missed", (True, False)), ("wrongly_found", (False, True))):
        scores[name] = [
            f"{p['cluster']}: {p['a']['figure']} / {p['b']['figure']}"
            for p, t, s in zip(pairs, truth, said, strict=True)
            if (t, s) == wrong
        ]
    return scores


def _found(pair: dict[str, Any], disagreements: list[Disagreement]) -> bool:
    """Both figures of the pair stand, as different figures, in one disagreement."""
    for disagreement in disagreements:
        if disagreement.kind != "disagreement":
            continue
        places = [_place(disagreement, pair[side]) for side in "ab"]
        if all(place is not None for place in places) and places[0] != places[1]:
            return True
    return False


def _corrected(pair: dict[str, Any], disagreements: list[Disagreement]) -> bool:
    """The pair's later figure (`b`) is a correction's current one, the earlier (`a`) noted."""
    return any(
        d.kind == "correction" and _place(d, pair["b"]) == 0 and (_place(d, pair["a"]) or 0) > 0
        for d in disagreements
    )


def _place(disagreement: Disagreement, mention: dict[str, Any]) -> int | None:
    """Which figure of the disagreement cites the mention's sentence with its value, if any."""
    for at, figure in enumerate(disagreement.figures):
        for citation in figure.citations:
            if (
                citation.document_id == mention["document"]
                and citation.start <= mention["start"] < citation.end
                and _same_value(figure.value, mention["figure"])
            ):
                return at
    return None


def _same_value(shown: str, written: str) -> bool:
    from service.pipeline.merge.assertions import numbers

    return {float(v) for v in numbers(shown)} == {float(v) for v in numbers(written)}


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"
