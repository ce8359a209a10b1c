"""`python -m bench copies [--json]`: precision and recall of copy detection at ingest, and its
constants (words per shingle, LSH threshold) checked leaving one language out.

Copies made of MultiLing 2011's articles (7 languages, every cluster's documents), edits of several
sizes, each checked against the originals stored first (`service.ingest.copies.find_originals`, as
ingest runs it; one kind of copy at a time, so that no copy is found through another):

- `furniture`: navigation, a newsletter appeal, related links and a copyright line around the text;
- `headline`: the first line (the headline) rewritten;
- `cut`: one paragraph (not the first) removed;
- `cut quarter`: a quarter of the paragraphs (not the first) removed;
- `top half`: only the first half of the paragraphs kept, as a site that prints the top of a wire
  story;
- `cut+headline+furniture`: the first three together.

Recall: copies whose original was found. False copies: the real articles of each MultiLing cluster
(ten reports of one event, none a copy of another) read as one batch, where every "copy" found is
false; a text that repeats an earlier one word for word (Hindi M0041 is M0040) is a copy in the data
itself, not counted.

The service verifies each LSH candidate (its estimated Jaccard similarity at least the threshold);
before migration 0009 it took every candidate at 5 words / 0.5 (`BEFORE`, measured as the baseline).

The constants are chosen over a grid of shingle sizes and thresholds, among the points that take no
real article for a copy, by Youden's J (mean recall over the kinds of copy minus the share of real
articles taken for copies): for each language, on the
six others (leave one language out), and that choice's figures reported on the language left out,
beside those of the service's constants (`SHINGLE_WORDS`, `THRESHOLD`) on it (in-sample: they were
chosen looking at all seven).
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
SHINGLE_SIZES = (3, 4, 5, 6, 7)
THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
# each LSH candidate's estimated Jaccard similarity checked against the threshold (the service), or
# every candidate taken (the service before migration 0009: `BEFORE`, the baseline, measured alone)
MODES = ("verified", "unverified")
BEFORE = "5/0.5/unverified"
Counts = dict[str, list[int]]  # kind -> [found, total]; "false" -> [false copies, real articles]


def _paragraphs(text: str) -> list[str]:
    return [p for p in re.split(r"\n+", text) if p.strip()]


def edits(rng: random.Random) -> dict[str, Callable[[str], str]]:
    def furniture(text: str) -> str:
        return FURNITURE_TOP + text + FURNITURE_END

    def headline(text: str) -> str:
        lines = _paragraphs(text)
        lines[0] = "UPDATE: " + " ".join(reversed(lines[0].split()))
        return "\n".join(lines)

    def cut(text: str, share: float = 0.0) -> str:
        lines = _paragraphs(text)
        for _ in range(max(1, round(share * len(lines)))):
            if len(lines) > 2:
                del lines[rng.randrange(1, len(lines))]
        return "\n".join(lines)

    def top_half(text: str) -> str:
        lines = _paragraphs(text)
        return "\n".join(lines[: max(1, (len(lines) + 1) // 2)])

    return {
        "furniture": furniture,
        "headline": headline,
        "cut": cut,
        "cut quarter": lambda text: cut(text, 0.25),
        "top half": top_half,
        "cut+headline+furniture": lambda text: furniture(headline(cut(text))),
    }


def _clusters(data: Path) -> dict[str, list[list[tuple[str, str]]]]:
    """Each language's clusters, each a list of (document ID, text)."""
    languages: dict[str, list[list[tuple[str, str]]]] = {}
    for cluster in sorted(p for p in data.glob("*/M*") if (p / "docs").is_dir()):
        docs = [
            (f.stem, f.read_text(encoding="utf-8"))
            for f in sorted((cluster / "docs").glob("*.txt"))
        ]
        languages.setdefault(cluster.parent.name, []).append(docs)
    return languages


def _same(text: str, other: str) -> bool:
    return text.split() == other.split()


def _repeats(docs: list[tuple[str, str]]) -> set[str]:
    """Documents whose text (white space aside) an earlier document of the cluster already has:
    copies in the data itself (MultiLing's Hindi M0041 is M0040), not counted among the real,
    distinct articles."""
    seen: list[str] = []
    repeats = set()
    for document_id, text in docs:
        if any(_same(text, other) for other in seen):
            repeats.add(document_id)
        seen.append(text)
    return repeats


def _language_counts(clusters: list[list[tuple[str, str]]], seed: str) -> dict[str, Counts]:
    """For each (shingle size, threshold) of the grid, as "k/t": the counts of one language."""
    from service.ingest.copies import Candidate, find_originals, signature

    rng = random.Random(f"copies-{seed}")
    kinds = list(edits(rng))
    made = [
        [(i, kind, edit(t)) for i, t in docs for kind, edit in edits(rng).items()]
        for docs in clusters
    ]
    counts: dict[str, Counts] = {}
    for size in SHINGLE_SIZES:
        originals = [[Candidate(i, signature(t, size)) for i, t in docs] for docs in clusters]
        copies = [[Candidate(f"{i}~{k}", signature(t, size)) for i, k, t in c] for c in made]
        for threshold in THRESHOLDS:
            for mode in MODES:
                if mode == "unverified" and f"{size}/{threshold}/{mode}" != BEFORE:
                    continue
                verify = mode == "verified"
                grid: Counts = {}
                for docs, ours, theirs, edited in zip(
                    clusters, originals, copies, made, strict=True
                ):
                    false = grid.setdefault("false", [0, 0])
                    texts = dict(docs)
                    taken = find_originals(ours, [], threshold, verify)
                    false[0] += sum(not _same(texts[i], texts[o]) for i, o in taken.items())
                    false[1] += len(ours) - len(_repeats(docs))
                    for kind in kinds:  # one kind at a time: one copy never leads to another
                        answer = find_originals(
                            [c for c, (_i, k, _t) in zip(theirs, edited, strict=True) if k == kind],
                            ours,
                            threshold,
                            verify,
                        )
                        found = grid.setdefault(kind, [0, 0])
                        for i, k, _text in edited:
                            if k == kind:
                                found[0] += answer.get(f"{i}~{kind}") == i
                                found[1] += 1
                counts[f"{size}/{threshold}/{mode}"] = grid
    return counts


def _rates(counts: Counts) -> dict[str, float]:
    rates = {kind: found / total for kind, (found, total) in counts.items() if kind != "false"}
    false, real = counts["false"]
    recall = sum(rates.values()) / len(rates)
    return {**rates, "mean_recall": recall, "false_rate": false / real, "j": recall - false / real}


def _pooled(per_language: list[Counts]) -> Counts:
    pooled: Counts = {}
    for counts in per_language:
        for kind, (found, total) in counts.items():
            pooled.setdefault(kind, [0, 0])
            pooled[kind][0] += found
            pooled[kind][1] += total
    return pooled


def _point(point: str) -> tuple[int, float, str]:
    size, threshold, mode = point.split("/")
    return int(size), float(threshold), mode


def _best(grid: dict[str, list[Counts]]) -> str:
    """The verified grid point (the service's method) that takes no real article for a copy, of
    highest J on the pooled counts (of equals, the larger shingles and higher threshold). A false
    copy drops a real source from every brief that holds both, where a missed copy only counts
    one source twice, so the two errors are not traded one for one; J ranks what is left."""
    verified = [point for point in grid if point.endswith("/verified")]
    clean = [point for point in verified if _pooled(grid[point])["false"][0] == 0] or verified
    return max(clean, key=lambda point: (_rates(_pooled(grid[point]))["j"], _point(point)))


def measure(data: Path = DATA) -> dict[str, Any]:
    from service.ingest.copies import SHINGLE_WORDS, THRESHOLD

    languages = _clusters(data)
    counts = {language: _language_counts(c, language) for language, c in languages.items()}
    service_point = f"{SHINGLE_WORDS}/{THRESHOLD}/verified"
    points = list(counts[next(iter(counts))])
    lolo: dict[str, Any] = {}
    for held_out in counts:
        others = {p: [counts[lang][p] for lang in counts if lang != held_out] for p in points}
        chosen = _best(others)
        lolo[held_out] = {
            "chosen": chosen,
            "held_out": _rates(counts[held_out][chosen]),
            "service": _rates(counts[held_out][service_point]),
            "before": _rates(counts[held_out][BEFORE]),
        }
    everything = {p: [counts[lang][p] for lang in counts] for p in points}
    in_sample = _best(everything)
    return {
        "languages": list(counts),
        "service": service_point,
        "in_sample_choice": in_sample,
        "before": BEFORE,
        "before_all": _rates(_pooled(everything[BEFORE])),
        "service_all": _rates(_pooled(everything[service_point])),
        "in_sample_all": _rates(_pooled(everything[in_sample])),
        "lolo": lolo,
        "lolo_all": _rates(_pooled([counts[lang][lolo[lang]["chosen"]] for lang in counts])),
        "grid": {p: _rates(_pooled(everything[p])) for p in points},
        "kinds": [kind for kind in next(iter(everything.values()))[0] if kind != "false"],
        "real_articles": _pooled(everything[service_point])["false"][1],
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench copies")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    figures = measure()
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    kinds = figures["kinds"]
    heads = [kind.replace("cut+headline+furniture", "all three") for kind in kinds]
    print(
        f"copy detection on MultiLing 2011: {len(figures['languages'])} languages, "
        f"{figures['real_articles']} real articles, copies made of each ({', '.join(kinds)})"
    )
    print("recall by kind of copy, false copies among real articles, J = mean recall - false")
    header = f"{'':30}" + "".join(f"{h[:10]:>11}" for h in heads)
    print(header + f"{'false':>7}{'J':>7}")

    def row(label: str, rates: dict[str, float]) -> None:
        cells = "".join(f"{rates[kind]:11.3f}" for kind in kinds)
        print(f"{label:30}{cells}{rates['false_rate']:7.4f}{rates['j']:7.3f}")

    row(f"before {figures['before']}", figures["before_all"])
    row(f"service {figures['service']}", figures["service_all"])
    row(f"in-sample best {figures['in_sample_choice']}", figures["in_sample_all"])
    row("leave one language out", figures["lolo_all"])
    print("\neach language left out: the six others' choice on it, and the service's constants")
    for language, result in figures["lolo"].items():
        row(f"{language} LOLO {result['chosen']}", result["held_out"])
        row(f"{language} service {figures['service']}", result["service"])
        row(f"{language} before {figures['before']}", result["before"])
    print("\nthe grid, all languages (words/threshold/candidates verified or not):")
    for point, rates in sorted(figures["grid"].items(), key=lambda item: _point(item[0])):
        row(point, rates)
    return 0
