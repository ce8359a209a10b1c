"""Article pages read with trafilatura: the article without the furniture, and the metadata."""

from __future__ import annotations

import pytest

from service.ingest.readers.article import PageError, read_article
from service.pipeline.documents.cleaning import clean_document
from service.pipeline.types import Document

BODY = (
    "The city council approved the new budget on Tuesday after a long debate about the cost of "
    "repairing the old bridge over the river. Members voted seven to two in favour of the plan. "
    "The mayor said the repairs would start in the spring and last about eighteen months."
)
PAGE = f"""<!doctype html><html lang="en"><head>
<title>Council approves budget | The Valley Post</title>
<meta property="og:title" content="Council approves bridge budget">
<meta property="og:site_name" content="The Valley Post">
<meta property="og:type" content="article">
<meta name="author" content="Jane Roe">
<meta property="article:published_time" content="2026-03-04T09:30:00Z">
<link rel="canonical" href="https://valleypost.example/news/council-budget">
</head><body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
<div id="cookie-banner">We use cookies to improve your experience. Accept all cookies</div>
<article><h1>Council approves bridge budget</h1><p>{BODY}</p>
<p>Opponents said the money should go to schools instead, and promised to raise it again.</p>
</article>
<aside><h3>Related stories</h3><ul><li><a href="/a">Bridge closed for a week</a></li>
<li><a href="/b">Schools ask for more</a></li></ul></aside>
<footer>Copyright 2026 The Valley Post. All rights reserved. Privacy policy</footer>
</body></html>"""


def test_the_article_is_read_without_the_furniture():
    article = read_article(PAGE)
    assert BODY in article.text and "promised to raise it again" in article.text
    for furniture in ("Home", "cookies", "Related stories", "Bridge closed", "Copyright"):
        assert furniture not in article.text


def test_the_metadata_comes_from_the_page():
    article = read_article(PAGE)
    assert article.title == "Council approves bridge budget"
    assert article.published == "2026-03-04"
    assert article.author == "Jane Roe"
    assert article.site_name == "The Valley Post"
    assert article.url == "https://valleypost.example/news/council-budget"
    assert article.sources == dict.fromkeys(
        ("title", "published", "author", "site_name", "url"), "page"
    )


@pytest.mark.parametrize(
    ("html", "message"),
    [
        ("   ", "the page is empty"),
        ("<script>x</script>", "no article text was found"),
        ("<html><body><nav></nav><footer></footer></body></html>", "no article text was found"),
        # trafilatura falls back to any text: a page of furniture is not an article reading "Home"
        (
            "<html><body><nav><a href='/'>Home</a></nav><footer>(c) 2026</footer></body></html>",
            "only lines that read as its furniture: 'Home'",
        ),
    ],
)
def test_a_page_without_an_article_is_an_error(html, message):
    with pytest.raises(PageError, match=message):
        read_article(html)


def test_the_cleaner_keeps_an_extracted_text_whole():
    """Extracted text is not judged by the plain-text rules: a line without a full stop stays
    (the cleaner would drop it as a heading), measured better by `python -m bench pages`; only a
    headline repeating the title goes (test_cleaning)."""
    text = "Council approves bridge budget\nThe council approved the budget on Tuesday."
    plain = clean_document(Document(id="a", text=text, language="en"))
    extracted = clean_document(Document(id="a", text=text, language="en", extracted=True))
    assert plain.content() == "The council approved the budget on Tuesday."
    assert extracted.content() == text.replace("\n", "\n\n") and extracted.removed == []
