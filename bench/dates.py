"""`python -m bench dates [--data DIR] [--json]`: how many labelled time expressions of
MultiLing 2011 English and French the brief dates right.

The labels (`bench/data/time_expressions.jsonl`) are 115 expressions (64 English, 51
French) of the MultiLing documents, each with the date (or range: a week, a month) it means,
read by a person from the sentence and the document's own date line; how they were chosen and
labelled is in `bench/data/README.md`.

Each expression is resolved as a brief dates its sentence: the document is dated from its text
(`chronology.date_document`), the sentence's time expressions found and read against that date
(`when.time_expressions`), and the one that overlaps the labelled words is compared with the
label (start and end). Printed beside it, as the baseline measured in the same run: the document's
date for every expression (what a brief could say before it read relative dates).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

from bench.figures import MULTILING
from service.pipeline.documents.chronology import date_document
from service.pipeline.merge.when import time_expressions

LABELS = Path(__file__).resolve().parent / "data" / "time_expressions.jsonl"


def load_labels(path: Path = LABELS) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def score(label: dict[str, Any], data: Path) -> dict[str, Any]:
    """The label with what the brief reads: `found` (the expression read), `right`, and
    `baseline` (whether the document's date alone is the labelled date)."""
    language, sentence = label["language"], label["sentence"]
    document = _document_text(data, label["document"])
    reported = date_document(document, language).date
    at = sentence.index(label["expression"])
    span = (at, at + len(label["expression"]))
    found = None
    searched_from = 0
    for when in time_expressions(sentence, language, reported):
        start = sentence.find(when.expression or "", searched_from)
        if start < 0:
            continue
        searched_from = start + 1
        if start < span[1] and span[0] < start + len(when.expression or ""):
            found = when
            break
    right = found is not None and (found.start, found.end) == (label["start"], label["end"])
    baseline = reported is not None and label["start"] == label["end"] == reported.isoformat()
    return {
        **label,
        "read": found.to_dict() if found else None,
        "document_date": reported.isoformat() if reported else None,
        "right": right,
        "baseline": baseline,
    }


def _document_text(data: Path, document: str) -> str:
    """`english/M0012` is `DATA/english/M001/docs/M0012.txt`."""
    folder, name = document.split("/")
    return (data / folder / name[:4] / "docs" / f"{name}.txt").read_text(encoding="utf-8")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench dates", description=__doc__)
    parser.add_argument("--data", type=Path, default=MULTILING, help="MultiLing 2011 folder")
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--json", action="store_true", help="print every expression as read")
    args = parser.parse_args(argv)
    results = [score(label, args.data) for label in load_labels(args.labels)]
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=1))
    total: Counter[str] = Counter()
    right: Counter[str] = Counter()
    baseline: Counter[str] = Counter()
    for result in results:
        for key in (result["language"], "all"):
            total[key] += 1
            right[key] += result["right"]
            baseline[key] += result["baseline"]
    print("| Language | Labelled | Dated right | Share | Document date only | Ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    for key in sorted(total, key=lambda k: (k == "all", k)):
        share = right[key] / total[key]
        base = baseline[key] / total[key]
        ratio = f"{share / base:.2f}" if base else "-"
        print(f"| {key} | {total[key]} | {right[key]} | {share:.1%} | {base:.1%} | {ratio} |")
    wrong = [r for r in results if not r["right"]]
    for result in wrong:
        read = result["read"]
        got = f"{read['start']}..{read['end']} ({read['expression']!r})" if read else "not read"
        print(
            f"  wrong: {result['document']} {result['expression']!r}: "
            f"{result['start']}..{result['end']}, read {got}, document {result['document_date']}"
        )
    return 0
