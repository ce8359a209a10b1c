"""The text of an HTML page, as the web page's script extracts it from an uploaded `.html` file.

Block elements become paragraphs (a blank line), `<br>` a line break; scripts, styles, forms and
embedded objects are dropped; white space runs collapse except inside `<pre>`. Boilerplate such as
navigation is kept: the cleaning stage judges every block by its form. The rules are the same as
`htmlToText` in `static/page.js`, so a file gives the same text through the page and the CLI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

SKIPPED = frozenset((
    "script", "style", "noscript", "template", "svg", "iframe", "object", "embed", "canvas", "head",
    "select", "button", "input", "textarea",
))  # fmt: skip
BLOCKS = frozenset((
    "address", "article", "aside", "blockquote", "caption", "dd", "details", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "td",
    "th", "tr", "ul",
))  # fmt: skip
VOID = frozenset((
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
))  # fmt: skip
_SPACES = re.compile(r"\s+")
_BLANK_RUNS = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class PageText:
    text: str
    title: str


class _Extractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping: list[str] = []  # open skipped elements (nested ones count too)
        self.preformatted = 0
        self.title: list[str] = []
        self.in_title = False
        self.heading: list[str] | None = None  # the first <h1>'s text
        self.in_heading = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        if self.skipping or tag in SKIPPED:
            if tag not in VOID:
                self.skipping.append(tag)
            return
        if tag == "br":
            self.parts.append("\n")
        elif tag in BLOCKS:
            self.parts.append("\n\n")
        self.preformatted += tag == "pre"
        if tag == "h1" and self.heading is None:
            self.heading, self.in_heading = [], True

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if self.skipping:
            if tag in self.skipping:  # closes it, and anything left unclosed inside it
                del self.skipping[len(self.skipping) - 1 - self.skipping[::-1].index(tag) :]
            return
        if tag in BLOCKS:
            self.parts.append("\n\n")
        if tag == "pre" and self.preformatted:
            self.preformatted -= 1
        if tag == "h1":
            self.in_heading = False

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
        if self.skipping:
            return
        self.parts.append(data if self.preformatted else _SPACES.sub(" ", data))
        if self.in_heading and self.heading is not None:
            self.heading.append(data)


def html_to_text(html: str) -> PageText:
    """The readable text of `html` and its title (`<title>`, else the first `<h1>`)."""
    extractor = _Extractor()
    extractor.feed(html)
    extractor.close()
    lines = "".join(extractor.parts).split("\n")
    text = _BLANK_RUNS.sub("\n\n", "\n".join(line.strip() for line in lines)).strip()
    title = "".join(extractor.title) or "".join(extractor.heading or [])
    return PageText(text=text, title=_SPACES.sub(" ", title).strip()[:1000])
