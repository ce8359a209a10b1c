"""RSS and Atom feeds, read with feedparser: one document per entry.

Each entry becomes a document as `POST /v1/documents` takes it: its title, link (`url`), date
(`published`, from the entry's published or else updated date) and the fullest text it carries (the
longest of its `content` and its `summary`); HTML content is read by the article reader
(trafilatura) like a page, a fragment too short for it by its tags stripped. The ID is stable
across re-reads of the same feed: `feed-` and 16 hex digits of the SHA-256 of the entry's `id`
(else its link, else its title), so a feed read again stores nothing twice.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

import feedparser

from service.ingest.readers.article import PageError, read_article
from service.ingest.readers.html import html_to_text

FEED_SUFFIXES = {".xml", ".rss", ".atom"}
_HTML_TYPES = {"text/html", "application/xhtml+xml"}


class FeedError(ValueError):
    """The document is not a feed feedparser can read, or has no entry with text."""


def read_feed(xml: str) -> list[dict[str, Any]]:
    """The entries of the RSS or Atom document `xml` as documents, in the feed's order."""
    if not xml.strip():
        raise FeedError("the feed is empty")
    parsed = feedparser.parse(xml, sanitize_html=True, resolve_relative_uris=False)
    if not parsed.get("version"):
        problem = parsed.get("bozo_exception")
        raise FeedError("not an RSS or Atom feed" + (f": {problem}" if problem else ""))
    documents = [document for entry in parsed.entries if (document := _document(entry))]
    if not documents:
        problem = parsed.get("bozo_exception")
        raise FeedError("the feed has no entry with text" + (f" ({problem})" if problem else ""))
    return documents


def entry_id(entry: Any) -> str | None:
    key = entry.get("id") or entry.get("link") or entry.get("title")
    if not key:
        return None
    return "feed-" + hashlib.sha256(key.strip().encode("utf-8")).hexdigest()[:16]


def _document(entry: Any) -> dict[str, Any] | None:
    text = _fullest_text(entry)
    document_id = entry_id(entry)
    if not text or document_id is None:
        return None
    document: dict[str, Any] = {"id": document_id, "text": text}
    title = " ".join((entry.get("title") or "").split())
    if title:
        document["title"] = title[:1000]
    link = entry.get("link") or ""
    if link.startswith(("http://", "https://")):
        document["url"] = link
    when = entry.get("published_parsed") or entry.get("updated_parsed")
    if when is not None:
        document["published"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", when)
    author = " ".join((entry.get("author") or "").split())
    if author:
        document["author"] = author[:1000]
    return document


def _fullest_text(entry: Any) -> str:
    candidates = [*entry.get("content", [])]
    if entry.get("summary_detail"):
        candidates.append(entry.summary_detail)
    texts = [_as_text(c.get("value") or "", c.get("type") or "text/plain") for c in candidates]
    return max(texts, key=len, default="")


def _as_text(value: str, media_type: str) -> str:
    if media_type not in _HTML_TYPES:
        return value.strip()
    try:
        return read_article(value).text
    except PageError:
        return html_to_text(value).text
