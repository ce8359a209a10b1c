"""An article page's text and metadata, read with trafilatura (dates with htmldate).
DEVELOPERS.md ("Design notes of the pipeline and ingest", `service/ingest/readers/article.py`) says
how and why.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

import lxml.html
import trafilatura
from lxml import etree

from service.pipeline.documents.cleaning import clean_document
from service.pipeline.documents.language import detect_language
from service.pipeline.types import Document

# trafilatura's loader logs an ERROR for markup it finds dubious (a fragment, a feed entry's few
# words), which `read_article` then parses with lxml or refuses with its own message: not an
# error of the service, and a user of `summarise brief` took it for one.
logging.getLogger("trafilatura.utils").setLevel(logging.CRITICAL)

# Where a metadata field came from, recorded beside the document.
FROM_PAGE, FROM_REQUEST = "page", "request"
METADATA_FIELDS = ("title", "published", "author", "site_name", "url")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


class PageError(ValueError):
    """The page cannot be read, or holds no article text: the message says which."""


@dataclass(frozen=True)
class Article:
    text: str
    title: str | None = None
    published: str | None = None  # ISO 8601 date
    author: str | None = None
    site_name: str | None = None
    url: str | None = None  # the page's canonical URL
    page_type: str | None = None  # og:type as trafilatura reads it ("article", "blog"...)
    sources: dict[str, str] = field(default_factory=dict)  # field -> FROM_PAGE

    def metadata(self) -> dict[str, str]:
        found = {name: getattr(self, name) for name in METADATA_FIELDS}
        return {name: value for name, value in found.items() if value}


def read_article(html: str, url: str | None = None) -> Article:
    """The article of the page `html` (fetched from `url`, when known: it helps date the page).

    PageError when the markup cannot be parsed or no article text is found in it.
    """
    if not html.strip():
        raise PageError("the page is empty")
    try:  # trafilatura's loader refuses fragments it finds dubious; lxml's parser reads them
        tree = trafilatura.load_html(html)
        if tree is None:
            tree = lxml.html.document_fromstring(html)
    except (ValueError, etree.LxmlError) as exc:
        raise PageError(f"the page cannot be parsed as HTML: {exc}") from None
    found = trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=True,
        favor_precision=True,
        include_comments=False,
        include_tables=True,
        deduplicate=False,
    )
    text = (found.text or "").strip() if isinstance(found, trafilatura.settings.Document) else ""
    if not text or not isinstance(found, trafilatura.settings.Document):
        raise PageError("no article text was found in the page")
    if not _holds_prose(text):
        # trafilatura falls back to any text it finds: a page of menus and footers gives "Home"
        preview = " ".join(text.split())
        raise PageError(
            "no article text was found in the page, only lines that read as its furniture: "
            + repr(preview[:80] + ("..." if len(preview) > 80 else ""))
        )
    published = found.date if found.date and _DATE.match(found.date) else None
    article = Article(
        text=text,
        title=_clean(found.title),
        published=published,
        author=_clean(found.author),
        site_name=_clean(found.sitename),
        url=found.url if found.url and found.url.startswith(("http://", "https://")) else None,
        page_type=_clean(found.pagetype),
    )
    sources = dict.fromkeys(article.metadata(), FROM_PAGE)
    return Article(**{**article.__dict__, "sources": sources})


def _holds_prose(text: str) -> bool:
    """Whether the cleaner keeps any of `text` as prose (a paragraph built of sentences)."""
    language = detect_language(text, None).language
    return bool(clean_document(Document(id="page", text=text, language=language)).blocks)


def _clean(value: str | None) -> str | None:
    value = " ".join((value or "").split())
    return value or None
