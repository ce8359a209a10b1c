"""`python -m bench copies [--json]`: precision and recall of copy detection at ingest.

Copies made of MultiLing 2011's articles (7 languages, every cluster's documents), each checked
against the originals stored first (`service.ingest.copies.find_originals`, as ingest runs it):

- `furniture`: navigation, a newsletter appeal, related links and a copyright line around the text;
- `headline`: the first line (the headline) rewritten;
- `cut`: one paragraph (not the first) removed;
- `cut+headline+furniture`: all three.

Recall: copies whose original was found. Precision: the real articles of each MultiLing cluster
(ten reports of one event, none a copy of another) read as one batch, where every "copy" found is
a false positive; the ratio printed beside recall is to the `furniture` copies of the same run.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench._server import REPO

DATA = REPO.parent / "shared" / "data" / "multiling2011"
FURNITURE_TOP = "Home | World | Sport | Business\nSubscribe to our newsletter\n"
FURNITURE_END = (
    "\nRelated stories\nMore from this site\n© 2011 The Daily Example. All rights reserved."
)


def _paragraphs(text: str) -> list[str]:
    return [p for p in re.split(r"\n+", text) if p.strip()]


def edits(rng: random.Random) -> dict[str, Callable[[str], str]]:
    def furniture(text: str) -> str:
        return FURNITURE_TOP + text + FURNITURE_END

    def headline(text: str) -> str:
        lines = _paragraphs(text)
        lines[0] = "UPDATE: " + " ".join(reversed(lines[0].split()))
        return "\n".join(lines)

    def cut(text: str) -> str:
        lines = _paragraphs(text)
        if len(lines) > 2:
            del lines[rng.randrange(1, len(lines))]
        return "\n".join(lines)

    return {
        "furniture": furniture,
        "headline": headline,
        "cut": cut,
        "cut+headline+furniture": lambda text: furniture(headline(cut(text))),
    }


def measure(data: Path = DATA) -> dict[str, Any]:
    from service.ingest.copies import Candidate, find_originals, signature

    rng = random.Random(2011)
    found: dict[str, list[int]] = {}
    real_pairs = false_copies = 0
    clusters = sorted(p for p in data.glob("*/M*") if (p / "docs").is_dir())
    for cluster in clusters:
        docs = [
            (f.stem, f.read_text(encoding="utf-8"))
            for f in sorted((cluster / "docs").glob("*.txt"))
        ]
        originals = [Candidate(i, signature(t)) for i, t in docs]
        false_copies += len(find_originals(originals, []))
        real_pairs += len(docs)
        for kind, edit in edits(rng).items():
            copies = [Candidate(f"{i}~{kind}", signature(edit(t))) for i, t in docs]
            answer = find_originals(copies, originals)
            hits = sum(answer.get(f"{i}~{kind}") == i for i, _t in docs)
            counts = found.setdefault(kind, [0, 0])
            counts[0] += hits
            counts[1] += len(docs)
    return {
        "clusters": len(clusters),
        "recall": {kind: hits / total for kind, (hits, total) in found.items()},
        "copies": {kind: total for kind, (_hits, total) in found.items()},
        "real_articles": real_pairs,
        "false_copies_among_real_articles": false_copies,
        "precision_on_real_articles": 1 - false_copies / real_pairs,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench copies")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    figures = measure()
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    base = figures["recall"]["furniture"]
    print(f"copy detection on MultiLing 2011 ({figures['clusters']} clusters)")
    print(f"{'copies made':26} {'n':>5} {'recall':>7} {'/furn.':>7}")
    for kind, recall in figures["recall"].items():
        print(f"{kind:26} {figures['copies'][kind]:5d} {recall:7.3f} {recall / base:7.3f}")
    print(
        f"real articles (distinct reports of one event): {figures['real_articles']}, "
        f"taken for copies: {figures['false_copies_among_real_articles']} "
        f"(precision {figures['precision_on_real_articles']:.3f})"
    )
    return 0
