"""`python -m bench pages [--json]`: article text from saved news and blog pages, read by the API.

Sends each of the 91 pages of `../shared/data/article-extraction/` through `POST /v1/documents` as a
user would (the Flask test client on a fresh SQLite store), reads the stored document back with
`GET /v1/documents/<id>`, and scores its text against the article body people marked, with the
benchmark's own score (its README): `\\w+` tokens, multisets of 4-token shingles, true/false
positives and false negatives normalised per page (so a long page weighs no more than a short one),
summed over pages, precision and recall of the sums, and F1 of the two. Four readings:

- `old`: the page's tags stripped (`readers/html.py`, sent as `text`), then the cleaner;
- `trafilatura`: the page sent as `html`: the stored text;
- `trafilatura+cleaner`: that text as the pipeline reads it, through the cleaner's rules for an
  extractor's text (the headline and standfirst it repeats go, with the stored title);
- `trafilatura+all rules`: that text through every rule the cleaner applies to plain text.

Overall; on the two halves of the pages (A: IDs from 0 to 7, B: from 8 to f; the cleaner's one
constant for extracted text was chosen on A: report B); and per page type (`news` or `blog`,
labelled by site in `bench/data/page_types.jsonl`). Then what each rule removes from
trafilatura's text: shingles of the marked article (lost) and of the rest (furniture dropped), and
the F1 with that rule alone. The held-out half of the benchmark (90 pages) is not in this
repository.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench._server import REPO

if TYPE_CHECKING:
    from flask.testing import FlaskClient

    from service.pipeline.types import CleanedDocument

DATA = REPO.parent / "shared" / "data" / "article-extraction"
PAGE_TYPES = REPO / "bench" / "data" / "page_types.jsonl"
Counts = tuple[float, float, float]


def shingles(text: str, size: int = 4) -> Counter[tuple[str, ...]]:
    tokens = re.findall(r"\w+", text)
    return Counter(tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1))


def page_counts(truth: str, found: str) -> Counts:
    """True positives, false positives and false negatives of one page, normalised to sum 1."""
    expected, got = shingles(truth), shingles(found)
    tp = sum((expected & got).values())
    fp, fn = sum(got.values()) - tp, sum(expected.values()) - tp
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def score(pages: list[Counts]) -> dict[str, float]:
    tp, fp, fn = (sum(page[i] for page in pages) for i in range(3))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "pages": len(pages)}


def _without(text: str, spans: list[tuple[int, int]]) -> str:
    kept, last = [], 0
    for start, end in sorted(spans):
        kept.append(text[last:start])
        last = max(last, end)
    return "".join(kept) + text[last:]


def half(page_id: str) -> str:
    """Half A (IDs from 0 to 7) or B (8 to f): the IDs are SHA-256 digests, so a random split."""
    return "A" if page_id[0] < "8" else "B"


def measure(data: Path = DATA) -> dict[str, Any]:

    from service.app import create_app
    from service.ingest.readers.html import html_to_text
    from service.pipeline.documents.cleaning import clean_document
    from service.pipeline.types import Document

    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    types = {
        row["id"]: row["type"]
        for row in map(json.loads, PAGE_TYPES.read_text(encoding="utf-8").splitlines())
    }
    readings: dict[str, dict[str, list[Counts]]] = defaultdict(lambda: defaultdict(list))
    rules: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    rows: list[tuple[str, str, dict[str, list[tuple[int, int]]]]] = []
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        app = create_app(
            test_config={
                "database_url": f"sqlite:///{tmp}/pages.sqlite3",
                "embedded_worker": False,
                "max_request_bytes": 64 << 20,
            }
        )
        client = app.test_client()
        for page_id, marked in sorted(truth.items()):
            with gzip.open(data / "html" / f"{page_id}.html.gz", "rt", encoding="utf-8") as f:
                html = f.read()
            body = marked["articleBody"]
            old = _stored(client, {"id": f"old-{page_id}", "text": html_to_text(html).text})
            new = _stored(client, {"id": f"page-{page_id}", "html": html})
            old_doc = Document(id=page_id, text=old["text"], language=old["language"])
            plain = Document(id=page_id, text=new["text"], language=new["language"])
            extracted = Document(
                id=page_id,
                text=new["text"],
                language=new["language"],
                title=new.get("title"),
                extracted=True,
            )
            cleaned, all_rules = clean_document(extracted), clean_document(plain)
            found = {
                "old": clean_document(old_doc).content(),
                "trafilatura": new["text"],
                "trafilatura+cleaner": cleaned.content(),
                "trafilatura+all rules": all_rules.content(),
            }
            for name, text in found.items():
                counts = page_counts(body, text)
                for group in ("all", f"half {half(page_id)}", types.get(page_id, "other")):
                    readings[name][group].append(counts)
            rows.append(
                (body, new["text"], _removed(body, new["text"], [cleaned, all_rules], rules))
            )
    for reason in rules:
        alone = [page_counts(b, _without(t, spans.get(reason, []))) for b, t, spans in rows]
        rules[reason]["f1_alone"] = score(alone)["f1"]
    return {
        "pages": len(rows),
        "readings": {
            name: {group: score(pages) for group, pages in groups.items()}
            for name, groups in readings.items()
        },
        "cleaner_rules": {reason: dict(values) for reason, values in sorted(rules.items())},
    }


def _removed(
    body: str,
    text: str,
    cleanings: list[CleanedDocument],
    rules: dict[str, dict[str, float]],
) -> dict[str, list[tuple[int, int]]]:
    """The spans each rule removes from `text`, and (added to `rules`) what they hold: shingles
    of the marked article `body` and of the rest."""
    expected = shingles(body)
    by_rule: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for cleaned in cleanings:
        for span in cleaned.removed:
            by_rule[span.reason].append((span.start, span.end))
    for reason, spans in by_rule.items():
        gone = shingles(text) - shingles(_without(text, spans))
        article = sum((gone & expected).values())
        rules[reason]["article_shingles_lost"] += article
        rules[reason]["furniture_shingles_dropped"] += sum(gone.values()) - article
        rules[reason]["spans"] += len(spans)
    return by_rule


def _stored(client: FlaskClient, document: dict[str, Any]) -> dict[str, Any]:
    posted = client.post("/v1/documents", json=document)
    if posted.status_code not in (200, 201):
        return {"text": "", "language": "und"}  # a page with no article text: nothing stored
    answer = client.get(posted.headers["Location"]).get_json()
    assert isinstance(answer, dict)
    return answer


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench pages")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    figures = measure()
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    baseline = figures["readings"]["old"]["all"]["f1"]
    print(f"article-extraction, dev half: {figures['pages']} pages through POST /v1/documents")
    print(f"{'reading':22} {'pages':>14} {'P':>7} {'R':>7} {'F1':>7} {'F1/old':>7}")
    for name, groups in figures["readings"].items():
        for group, s in sorted(
            groups.items(), key=lambda g: (g[0] != "all", g[0][:4] != "half", g[0])
        ):
            print(
                f"{name:22} {group + ' ' + str(s['pages']):>14} {s['precision']:7.4f} "
                f"{s['recall']:7.4f} {s['f1']:7.4f} {s['f1'] / baseline:7.3f}"
            )
    print("\nthe cleaner's rules on trafilatura's text (shingles removed; F1 with the rule alone;")
    print("headline and standfirst are those of extracted text, the others those of plain text):")
    print(f"{'rule':24} {'spans':>6} {'article lost':>13} {'furniture':>10} {'F1':>6}")
    for reason, r in figures["cleaner_rules"].items():
        print(
            f"{reason:24} {int(r['spans']):6d} {int(r['article_shingles_lost']):13d} "
            f"{int(r['furniture_shingles_dropped']):10d} {r.get('f1_alone', 0.0):6.4f}"
        )
    return 0
