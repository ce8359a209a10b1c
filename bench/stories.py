"""`python -m bench stories [DIR] [--json]`: how right the grouping into stories is.

Pools every cluster of a benchmark in the layout of MultiLing 2011 (`DIR/<language>/<cluster>/
docs/*.txt`): the clusters of one language together (MultiLing: 10 stories of 10 documents), then
every language's together (70 stories; translations of one story in two languages count as two,
since no representation here compares two languages' words). Each pool is grouped by
`service.pipeline.stories.finding.group_stories`, which finds the number of stories itself, and
scored against the true clusters by the adjusted Rand index and B-cubed F1, next to two baselines
run on the same pool: k-means on TF-IDF given the true number of clusters, and HDBSCAN on TF-IDF
(its noise points each a story of their own). Each true story is also grouped alone, as a corpus of
one event, which should come out as one story (`alone`).

`--lolo` chooses the grouping's one constant (`SAME_STORY_SHARE`) leaving one language out: for
each language, the share that scores best on the other six (mean of ARI and of the share of
topics alone found as one story), and what it scores on the seventh, beside the in-sample best;
for each set of signals (words alone, words and names, and a time kernel on top), so that what
each signal buys is measured the same way.

`--sizes N ...` times grouping instead, each size in a fresh process: N documents of the merge
benchmark's corpus of distinct sentences (`merge_corpus`, ten known stories) grouped from scratch
into a ledger that can grow (`growth.found_stories`), then `GROWN` more placed into it
(`growth.grow`), with the peak memory the process reached and how much grouping added to it.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from statistics import mean
from typing import Any

import numpy as np
import regex

from bench.figures import LANGUAGES, MULTILING
from service.pipeline.documents.cleaning import find_headline
from service.pipeline.types import Document


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench stories")
    parser.add_argument("data", nargs="?", type=Path, default=MULTILING, help="benchmark folder")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        help="time grouping synthetic corpora of these sizes instead",
    )
    parser.add_argument("--lolo", action="store_true", help="leave-one-language-out figures")
    parser.add_argument(
        "--lolo-constants",
        action="store_true",
        help="the same, choosing the features' prior and cap with the share",
    )
    parser.add_argument(
        "--split",
        action="store_true",
        help="the actors' split test chosen leaving one language out, with twin events",
    )
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a single size, in-process
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(scale(args.one)))
        return 0
    if args.sizes:
        rows = [_in_fresh_process(size) for size in args.sizes]
        print(json.dumps(rows, indent=2) if args.json else render_scale(rows))
        return 0
    pools = load(args.data)
    if args.split:
        table = lolo_split(pools)
        print(json.dumps(table, indent=2) if args.json else render_split(table))
        return 0
    if args.lolo_constants:
        table = lolo_constants(pools)
        print(json.dumps(table, indent=2) if args.json else render_lolo(table))
        return 0
    if args.lolo:
        table = lolo(pools)
        print(json.dumps(table, indent=2) if args.json else render_lolo(table))
        return 0
    rows = [measure(name, documents, truth) for name, (documents, truth) in pools.items()]
    if len(pools) > 1:
        everything = [d for documents, _ in pools.values() for d in documents]
        labels = [f"{name}/{t}" for name, (_, truth) in pools.items() for t in truth]
        rows.append(measure("all", everything, labels))
    print(json.dumps(rows, indent=2) if args.json else render(rows))
    return 0


def _in_fresh_process(size: int) -> dict[str, Any]:
    """`scale(size)` in a process of its own, so that its peak memory is its own."""
    command = [sys.executable, "-m", "bench", "stories", "--one", str(size)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return dict(json.loads(output.strip().splitlines()[-1]))


def scale(size: int) -> dict[str, Any]:
    """Group `size` documents of the merge benchmark's corpus of distinct sentences
    (`merge_corpus`, its stories known) in this process: seconds, memory, ARI."""
    from bench.merge_corpus import make_labelled_corpus
    from service.pipeline.stories.growth import found_stories, grow

    everything, _, truth = make_labelled_corpus(size + GROWN, distinct=True)
    documents, arriving = everything[:size], everything[size:]
    before = _resident_mib()
    started = time.perf_counter()
    ledger = found_stories(documents)
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    grow(ledger, arriving)
    grown = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    keys = {key: label for label, key in enumerate(sorted(set(ledger.story_of.values())))}
    found = np.asarray([keys[ledger.story_of[d.id]] for d in everything])
    return {
        "documents": size,
        "true_stories": len(set(truth)),
        "found": len(set(found[:size].tolist())),
        **scores([str(t) for t in truth[:size]], found[:size]),
        "seconds": round(seconds, 2),
        "grown": GROWN,
        "grow_seconds": round(grown, 3),
        "grown_found": len(set(found.tolist())),
        "grown_ari": scores([str(t) for t in truth], found)["ari"],
        "resident_before_mib": round(before),
        "peak_mib": round(peak),
        "added_mib": round(peak - before),
    }


GROWN = 1000  # documents that arrive after the corpus was grouped


def _resident_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def render_scale(rows: list[dict[str, Any]]) -> str:
    lines = [
        "documents  true  found    ARI  B3-F1  seconds  peak MiB  added MiB"
        " | +added  seconds  found    ARI"
    ]
    for row in rows:
        lines.append(
            f"{row['documents']:>9} {row['true_stories']:>5} {row['found']:>6}"
            f" {row['ari']:>6.3f} {row['bcubed_f1']:>6.3f} {row['seconds']:>8.2f}"
            f" {row['peak_mib']:>9} {row['added_mib']:>10} |"
            f" {row['grown']:>6} {row['grow_seconds']:>8.3f} {row['grown_found']:>6}"
            f" {row['grown_ari']:>6.3f}"
        )
    return "\n".join(lines)


def load(folder: Path) -> dict[str, tuple[list[Document], list[str]]]:
    """Per language folder: its documents and each one's true cluster."""
    pools: dict[str, tuple[list[Document], list[str]]] = {}
    for language_folder in sorted(p for p in folder.iterdir() if p.is_dir() and p.name[0] != "_"):
        language = LANGUAGES.get(language_folder.name, language_folder.name)
        documents, truth = [], []
        for cluster in sorted(p for p in language_folder.iterdir() if (p / "docs").is_dir()):
            for path in sorted((cluster / "docs").iterdir()):
                text = path.read_text(encoding="utf-8")
                title = find_headline(text, language)  # as ingest derives it
                documents.append(Document(f"{language}-{path.stem}", text, language, title=title))
                truth.append(cluster.name)
        if documents:
            pools[language] = (documents, truth)
    return pools


def measure(name: str, documents: Sequence[Document], truth: Sequence[str]) -> dict[str, Any]:
    from service.pipeline.stories.finding import group_stories

    started = time.perf_counter()
    groups = group_stories(documents)
    seconds = time.perf_counter() - started
    found = np.zeros(len(documents), dtype=np.int64)
    for label, group in enumerate(groups):
        found[group.members] = label
    kmeans, hdbscan = baselines(documents, len(set(truth)))
    return {
        "pool": name,
        "documents": len(documents),
        "true_stories": len(set(truth)),
        "stories": {"found": len(groups), **scores(truth, found), "seconds": round(seconds, 2)},
        "alone": alone(documents, truth),
        "kmeans_tfidf": {"found": len(set(kmeans.tolist())), **scores(truth, kmeans)},
        "hdbscan_tfidf": {"found": len(set(hdbscan.tolist())), **scores(truth, hdbscan)},
    }


def alone(documents: Sequence[Document], truth: Sequence[str]) -> dict[str, Any]:
    """Each true story grouped alone, as a corpus of one event: how many are found as one story,
    and the mean share of its documents that its largest story found holds."""
    from service.pipeline.stories.finding import group_stories

    one = 0
    shares = []
    for label in sorted(set(truth)):
        groups = group_stories([d for d, t in zip(documents, truth, strict=True) if t == label])
        one += len(groups) == 1
        shares.append(len(groups[0].members) / sum(len(g.members) for g in groups))
    return {"clusters": len(shares), "one_story": one, "largest_share": round(mean(shares), 3)}


def baselines(documents: Sequence[Document], true_count: int) -> tuple[np.ndarray, np.ndarray]:
    """k-means on TF-IDF told the true number of stories; HDBSCAN on TF-IDF (cosine), each noise
    point a story of its own. Both read Unicode words, as the grouping does."""
    from sklearn.cluster import HDBSCAN, KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    from service.pipeline.merge.grouping import content_words

    tfidf = TfidfVectorizer(analyzer=lambda text: list(content_words(text)), sublinear_tf=True)
    vectors = tfidf.fit_transform([d.text for d in documents])
    kmeans = KMeans(n_clusters=true_count, n_init=10, random_state=0).fit_predict(vectors)
    distances = np.clip(1.0 - (vectors @ vectors.T).toarray(), 0.0, 2.0)
    labels = HDBSCAN(min_cluster_size=2, metric="precomputed", copy=True).fit_predict(distances)
    noise = labels < 0
    labels[noise] = labels.max() + 1 + np.arange(int(noise.sum()))
    return np.asarray(kmeans), labels


def scores(truth: Sequence[str], found: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import adjusted_rand_score

    return {
        "ari": round(float(adjusted_rand_score(truth, found)), 3),
        "bcubed_f1": round(bcubed_f1(truth, found.tolist()), 3),
    }


def bcubed_f1(truth: Sequence[str], found: Sequence[int]) -> float:
    """B-cubed F1 (Bagga and Baldwin 1998; Amigo et al. 2009): per document, the precision and
    recall of its found cluster against its true one, averaged over documents."""
    pairs = Counter(zip(truth, found, strict=True))
    true_sizes, found_sizes = Counter(truth), Counter(found)
    precision = recall = 0.0
    for (t, f), together in pairs.items():
        precision += together * together / found_sizes[f]
        recall += together * together / true_sizes[t]
    precision, recall = precision / len(truth), recall / len(truth)
    return 2 * precision * recall / (precision + recall)


def render(rows: list[dict[str, Any]]) -> str:
    lines = [
        "pool  docs  true | stories: found   ARI  B3-F1 | k-means (true k): ARI  B3-F1"
        " | HDBSCAN: found   ARI  B3-F1 | alone: one story  largest"
    ]
    for row in rows:
        ours, kmeans, hdbscan = row["stories"], row["kmeans_tfidf"], row["hdbscan_tfidf"]
        lines.append(
            f"{row['pool']:<5} {row['documents']:>4} {row['true_stories']:>5} |"
            f" {ours['found']:>14} {ours['ari']:>5.3f} {ours['bcubed_f1']:>6.3f} |"
            f" {kmeans['ari']:>21.3f} {kmeans['bcubed_f1']:>6.3f} |"
            f" {hdbscan['found']:>14} {hdbscan['ari']:>5.3f} {hdbscan['bcubed_f1']:>6.3f} |"
            f" {row['alone']['one_story']:>9}/{row['alone']['clusters']:<3}"
            f" {row['alone']['largest_share']:>8.3f}"
        )
    return "\n".join(lines)


SHARES = tuple(round(0.25 + 0.025 * i, 3) for i in range(13))  # 0.25 .. 0.55
SIGNALS: dict[str, tuple[bool, float | None]] = {  # names read, time kernel's days (none: no time)
    "words": (False, None),
    "words+names": (True, None),
    "words+names+time(30d)": (True, 30.0),
    "words+names+time(365d)": (True, 365.0),
    "words+time(3y)": (False, 1095.0),
    "words+time(10y)": (False, 3650.0),
}


def lolo(pools: dict[str, tuple[list[Document], list[str]]]) -> list[dict[str, Any]]:
    """Per set of signals and language: the share chosen on the other six languages and its
    scores on this one, beside the share chosen on all seven (in-sample) and its scores."""
    table = []
    for signal, (names, days) in SIGNALS.items():
        prepared = {
            language: _prepared(documents, truth, names, days)
            for language, (documents, truth) in pools.items()
        }
        graded = {
            language: {share: _graded(p, share) for share in SHARES}
            for language, p in prepared.items()
        }

        def best(languages: list[str], graded: dict[str, Any] = graded) -> float:
            return max(
                SHARES,
                key=lambda cut: mean(
                    (graded[lang][cut][0] + graded[lang][cut][2]) / 2 for lang in languages
                ),
            )

        inside = best(list(graded))
        for language in graded:
            held = best([other for other in graded if other != language])
            table.append(
                {
                    "signals": signal,
                    "language": language,
                    "share_in_sample": inside,
                    "in_sample": _named(graded[language][inside]),
                    "share_lolo": held,
                    "lolo": _named(graded[language][held]),
                }
            )
    return table


PRIORS = (100, 300, 1000, 3000)  # documents of the language beside the corpus (features.py)
CAPS = (60, 100, 160, 300)  # features a document keeps


def lolo_constants(pools: dict[str, tuple[list[Document], list[str]]]) -> list[dict[str, Any]]:
    """Words alone; per language, the prior, cap and share chosen together on the other six,
    and their scores on this one, beside those chosen on all seven."""
    from service.pipeline.stories import features

    graded: dict[str, dict[tuple[int, int, float], tuple[float, float, float, int]]] = {
        language: {} for language in pools
    }
    kept = (features.PRIOR_DOCUMENTS, features.TOP_FEATURES)
    try:
        for prior in PRIORS:
            for cap in CAPS:
                features.PRIOR_DOCUMENTS, features.TOP_FEATURES = prior, cap
                for language, (documents, truth) in pools.items():
                    prepared = _prepared(documents, truth, False, None)
                    for share in SHARES:
                        graded[language][(prior, cap, share)] = _graded(prepared, share)
    finally:
        features.PRIOR_DOCUMENTS, features.TOP_FEATURES = kept

    def best(languages: list[str]) -> tuple[int, int, float]:
        return max(
            graded[languages[0]],
            key=lambda c: mean((graded[g][c][0] + graded[g][c][2]) / 2 for g in languages),
        )

    inside = best(list(graded))
    table = []
    for language in graded:
        held = best([other for other in graded if other != language])
        table.append(
            {
                "signals": f"prior {held[0]}, cap {held[1]} (all: {inside[0]}, {inside[1]})",
                "language": language,
                "share_in_sample": inside[2],
                "in_sample": _named(graded[language][inside]),
                "share_lolo": held[2],
                "lolo": _named(graded[language][held]),
            }
        )
    return table


def _named(grades: tuple[float, float, float, int]) -> dict[str, Any]:
    ari, bcubed, one, found = grades
    return {"ari": round(ari, 3), "bcubed_f1": round(bcubed, 3), "alone": one, "found": found}


def _prepared(
    documents: Sequence[Document], truth: Sequence[str], names: bool, days: float | None
) -> list[tuple[np.ndarray, float, list[str]]]:
    """The pool's cosines (times the time kernel) and median cosine of halves, then the same for
    each topic alone."""
    topics = [documents] + [
        [d for d, t in zip(documents, truth, strict=True) if t == label]
        for label in sorted(set(truth))
    ]
    labels = [list(truth)] + [
        [label] * len(t) for label, t in zip(sorted(set(truth)), topics[1:], strict=True)
    ]
    return [
        (*_similarities(topic, names, days), label)
        for topic, label in zip(topics, labels, strict=True)
    ]


def _similarities(
    documents: Sequence[Document], names: bool, days: float | None
) -> tuple[np.ndarray, float]:
    from service.pipeline.documents.chronology import document_date
    from service.pipeline.stories.features import document_vectors, halves_cosines
    from service.pipeline.stories.finding import SHORT_TEXT_COSINE

    vectors = document_vectors(documents, names)
    similar = (vectors @ vectors.T).toarray()
    if days is not None:
        dated = [document_date(d) for d in documents]
        when = np.asarray([d.toordinal() if d else np.nan for d in dated])
        kernel = 1.0 / (1.0 + np.abs(when[:, None] - when[None, :]) / days)
        similar *= np.where(np.isnan(kernel), 1.0, kernel)
    halves = halves_cosines(documents, names)
    return similar, float(np.median(halves)) if len(halves) else SHORT_TEXT_COSINE / 0.4


def _graded(
    prepared: list[tuple[np.ndarray, float, list[str]]], share: float
) -> tuple[float, float, float, int]:
    """ARI, B-cubed F1 and number of stories of the pool cut at `share`, and the share of its
    topics that come out as one story alone."""
    from sklearn.metrics import adjusted_rand_score

    (similar, median, truth), *alone = prepared
    found = _cut(similar, share * median)
    ones = [len(set(_cut(s, share * m).tolist())) == 1 for s, m, _ in alone]
    return (
        float(adjusted_rand_score(truth, found)),
        bcubed_f1(truth, found.tolist()),
        sum(ones) / len(ones),
        len(set(found.tolist())),
    )


def _cut(similar: np.ndarray, threshold: float) -> np.ndarray:
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    if len(similar) == 1:
        return np.zeros(1, dtype=np.int64)
    distances = np.clip(1.0 - similar, 0.0, 2.0)
    np.fill_diagonal(distances, 0.0)
    tree = linkage(squareform(distances, checks=False), method="average")
    return np.asarray(fcluster(tree, t=1.0 - threshold, criterion="distance"))


def render_lolo(table: list[dict[str, Any]]) -> str:
    lines = [
        f"{'signals':<23} lang | in-sample: share   ARI  B3-F1 alone found"
        " | left out: share   ARI  B3-F1 alone found"
    ]
    for row in table:
        a, b = row["in_sample"], row["lolo"]
        lines.append(
            f"{row['signals']:<23} {row['language']:<4} |"
            f" {row['share_in_sample']:>16.3f} {a['ari']:>5.3f} {a['bcubed_f1']:>6.3f}"
            f" {a['alone']:>5.0%} {a['found']:>5} |"
            f" {row['share_lolo']:>15.3f} {b['ari']:>5.3f} {b['bcubed_f1']:>6.3f}"
            f" {b['alone']:>5.0%} {b['found']:>5}"
        )
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in table:
        groups.setdefault(row["signals"] if "prior" not in row["signals"] else "chosen", []).append(
            row
        )
    for signal, rows in groups.items():
        lines.append(
            f"{signal:<23} mean |"
            f" {'':>16} {mean(r['in_sample']['ari'] for r in rows):>5.3f}"
            f" {mean(r['in_sample']['bcubed_f1'] for r in rows):>6.3f}"
            f" {mean(r['in_sample']['alone'] for r in rows):>5.0%} {'':>5} |"
            f" {'':>15} {mean(r['lolo']['ari'] for r in rows):>5.3f}"
            f" {mean(r['lolo']['bcubed_f1'] for r in rows):>6.3f}"
            f" {mean(r['lolo']['alone'] for r in rows):>5.0%}"
        )
    return "\n".join(lines)


SPLITS = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7)  # actors.SPLIT_RATIO candidates; 0: no split
_NAME = regex.compile(r"\b\p{Lu}[\p{L}\p{M}]{2,}\b")


def twins(documents: Sequence[Document], truth: Sequence[str]) -> list[list[Document]]:
    """Per topic, a pool of two events that share a theme and one place but not their actors:
    the topic's first half as written, and its second half with every other name (a capitalised
    word never written in lower case) renamed, consistently, to the names of the language's
    other topics by rank of frequency. None for a language that writes no capitals."""
    from service.pipeline.merge.concepts import stop_words

    pools = []
    language = documents[0].language if documents else "en"
    stop = stop_words(language)
    topics = sorted(set(truth))
    for topic in topics:
        own = [d for d, t in zip(documents, truth, strict=True) if t == topic]
        others = [d for d, t in zip(documents, truth, strict=True) if t != topic]
        half = len(own) // 2
        names = _names([d.text for d in own], stop)
        if len(names) < 2 or half < 2:
            continue
        donors = [n for n in _names([d.text for d in others], stop) if n not in names]
        kept, renamed = names[0], names[1:]
        mapping = dict(zip(renamed, donors, strict=False))
        if not mapping:
            continue

        def rename(text: str, mapping: dict[str, str] = mapping) -> str:
            return _NAME.sub(lambda m: mapping.get(m.group(0), m.group(0)), text)

        assert kept not in mapping
        twin = []
        for document in own[half:]:
            text = rename(document.text)
            title = find_headline(text, document.language)
            twin.append(Document(f"{document.id}-twin", text, document.language, title=title))
        pools.append(own[:half] + twin)
    return pools


def _names(texts: Sequence[str], stop: frozenset[str] | set[str]) -> list[str]:
    """Capitalised words of the texts never written in lower case, commonest first."""
    counts: Counter[str] = Counter()
    lower: set[str] = set()
    for text in texts:
        counts.update(m.group(0) for m in _NAME.finditer(text))
        lower.update(w for w in regex.findall(r"\b\p{Ll}[\p{L}\p{M}]+\b", text))
    return [
        name
        for name, _ in counts.most_common()
        if name.lower() not in lower and name.lower() not in stop
    ]


def lolo_split(pools: dict[str, tuple[list[Document], list[str]]]) -> list[dict[str, Any]]:
    """Per language: the actors' split ratio chosen on the other six (mean of the pool's ARI,
    the share of topics alone found as one story and the twins' mean ARI, where a language has
    twins) and its scores on this one, beside the cut chosen on all seven."""
    from service.pipeline.stories.actors import split_by_actors
    from service.pipeline.stories.features import name_vectors
    from service.pipeline.stories.finding import cluster, story_space

    read: dict[tuple[str, ...], tuple[Any, Any, list[list[int]]]] = {}

    def labels(documents: Sequence[Document], cut: float) -> np.ndarray:
        """As `group_stories` (one language), the words' clusters read once for every cut."""
        key = tuple(d.id for d in documents)
        if key not in read:
            vectors, threshold = story_space(documents)
            found = [members for members, _ in cluster(vectors, threshold)]
            read[key] = (vectors, name_vectors(documents), found)
        vectors, names, found = read[key]
        labelled = np.zeros(len(documents), dtype=np.int64)
        parts = [p for members in found for p in split_by_actors(vectors, names, members, cut)]
        for label, part in enumerate(parts):
            labelled[part] = label
        return labelled

    graded: dict[str, dict[float, dict[str, Any]]] = {}
    for language, (documents, truth) in pools.items():
        pairs = twins(documents, truth)
        graded[language] = {}
        for cut in SPLITS:
            pooled = scores(truth, labels(documents, cut))
            ones = [
                len(set(labels([d for d, t in zip(documents, truth, strict=True) if t == x], cut)))
                == 1
                for x in sorted(set(truth))
            ]
            twin_ari = [
                scores([str(d.id.endswith("-twin")) for d in pair], labels(pair, cut))["ari"]
                for pair in pairs
            ]
            parts = [pooled["ari"], sum(ones) / len(ones)]
            if twin_ari:
                parts.append(mean(twin_ari))
            graded[language][cut] = {
                **pooled,
                "alone": sum(ones) / len(ones),
                "twins": round(mean(twin_ari), 3) if twin_ari else None,
                "twins_apart": sum(a == 1.0 for a in twin_ari),
                "twin_pairs": len(twin_ari),
                "objective": mean(parts),
            }

    def best(languages: list[str]) -> float:
        return max(SPLITS, key=lambda c: (mean(graded[g][c]["objective"] for g in languages), -c))

    inside = best(list(graded))
    return [
        {
            "language": language,
            "cut_in_sample": inside,
            "in_sample": graded[language][inside],
            "cut_lolo": (held := best([g for g in graded if g != language])),
            "lolo": graded[language][held],
            "no_split": graded[language][0.0],
            "by_cut": graded[language],
        }
        for language in graded
    ]


def render_split(table: list[dict[str, Any]]) -> str:
    lines = [
        "lang | no split:  ARI alone twins apart | in-sample: cut   ARI alone twins apart"
        " | left out: cut   ARI alone twins apart"
    ]

    def cells(row: dict[str, Any]) -> str:
        twins = "   -  " if row["twins"] is None else f"{row['twins']:>6.3f}"
        return (
            f"{row['ari']:>5.3f} {row['alone']:>5.0%} {twins}"
            f" {row['twins_apart']:>2}/{row['twin_pairs']:<2}"
        )

    for row in table:
        lines.append(
            f"{row['language']:<4} | {'':>9}{cells(row['no_split'])} |"
            f" {row['cut_in_sample']:>14.2f} {cells(row['in_sample'])} |"
            f" {row['cut_lolo']:>13.2f} {cells(row['lolo'])}"
        )
    keys: list[tuple[str, Any]] = [(f"cut {c:.1f}", c) for c in SPLITS]
    keys += [(key, key) for key in ("no_split", "in_sample", "lolo")]
    for key, at in keys:
        rows = [r["by_cut"][at] if isinstance(at, float) else r[at] for r in table]
        twin = [r["twins"] for r in rows if r["twins"] is not None]
        lines.append(
            f"mean {key:<9}: ARI {mean(r['ari'] for r in rows):.3f}"
            f"  alone {mean(r['alone'] for r in rows):.0%}"
            f"  twins ARI {mean(twin) if twin else 0:.3f}"
            f"  twins apart {sum(r['twins_apart'] for r in rows)}"
            f"/{sum(r['twin_pairs'] for r in rows)}"
        )
    return "\n".join(lines)
