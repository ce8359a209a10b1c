"""When a document was written: the date every relative expression in it is read against.
DEVELOPERS.md ("Design notes of the pipeline and ingest",
`service/pipeline/documents/chronology.py`) says how and why.
"""

from __future__ import annotations

import calendar
import re
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import regex

from service.pipeline.types import Document

PUBLISHED, PAGE, DATELINE, URL, NONE = "published", "page", "dateline", "url", "none"
SOURCES = (PUBLISHED, PAGE, DATELINE, URL, NONE)
HEAD_CHARS = 300  # a dateline sits in the first few lines; later dates are what the story is about
HEAD_LINES = 4
EARLIEST_YEAR, LATEST_YEAR = 1900, 2100

_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
# A date in a URL's path: /2024/12/27/, /2024-12-27, /20241227; year first, as URLs write it.
_URL_DATE = re.compile(
    r"(?<![0-9])((?:19|20)\d{2})([/_-]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])(?![0-9])"
)
_YEAR_FIRST = re.compile(r"(?<![0-9])((?:19|20)\d{2})[-/.](\d{1,2})[-/.](\d{1,2})(?![0-9])")
_ORDINAL_DAY = re.compile(r"\b([0-3]?\d)(?:er|re)\b")  # French; dateparser reads "1st"
_A_YEAR = re.compile(r"(?<![0-9])(?:19|20)\d{2}(?![0-9])")
_ENGLISH_MONTHS = [name.lower() for name in calendar.month_abbr[1:]]
_ENGLISH_MONTH = (
    r"(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_ENGLISH_MONTH_FIRST = re.compile(
    rf"\b{_ENGLISH_MONTH}\.?\s+([0-3]?\d)(?:st|nd|rd|th)?,?\s+((?:19|20)\d\d)\b"
)
_ENGLISH_DAY_FIRST = re.compile(
    rf"\b([0-3]?\d)(?:st|nd|rd|th)?\s+{_ENGLISH_MONTH}\.?,?\s+((?:19|20)\d\d)\b"
)
_URL_YEAR = re.compile(r"/((?:19|20)\d{2})/")
# An agency dateline without the year: an optional place in capitals and a comma, a month and a
# day, then the agency in brackets or a dash: "Dec 16 (Reuters) -", "MOSCOW, Oct. 12 (AP) -".
_MONTH_DAY_DATELINE = regex.compile(
    r"^\s*(?:[\p{Lu}][\p{Lu}\p{M} .'-]+,\s*)?"  # MOSCOW,
    r"(\p{L}{3,9})\.?\s+(\d{1,2})\s*(?:\([^)]{1,30}\)\s*)?[-–—]"  # Oct. 12 (AP) -
)


# What opens a headline or a sentence as a dateline, not as its words: a date written in figures
# or in full ("2005/01/08", "Saturday, January 8, 2005 -"), or a place in capitals with a date or
# an agency ("MOSCOW, Oct. 12 (AP) -", "LONDON (Reuters) -").
_LEADING_DATELINE = regex.compile(
    r"^\s*(?:"
    r"(?:19|20)\d{2}[-/.]\d{1,2}[-/.]\d{1,2}(?![0-9])"  # 2005/01/08
    rf"|(?:\p{{L}}+,\s+)?{_ENGLISH_MONTH}\.?\s+[0-3]?\d(?:st|nd|rd|th)?,?\s+(?:19|20)\d\d\b"
    r"|(?:[\p{Lu}][\p{Lu}\p{M} .'-]+,\s*)?\p{L}{3,9}\.?\s+\d{1,2}\s*\([^)]{1,30}\)\s*[-–—]"
    r"|[\p{Lu}][\p{Lu}\p{M} .'-]+(?:,\s*[\p{L} .]+)?\s*\([^)]{1,30}\)\s*[-–—]"
    r")\s*[-–—:,]?\s+"
)


def without_dateline(text: str) -> str:
    """`text` without the dateline that opens it ("2005/01/08 Tsunami aid..." is "Tsunami
    aid..."); unchanged where nothing that reads as a headline or sentence would be left."""
    match = _LEADING_DATELINE.match(text)
    if match is None:
        return text
    rest = text[match.end() :]
    return rest if len(rest.split()) >= 3 and rest[:1].isupper() else text


@dataclass(frozen=True)
class DocumentDate:
    """A document's date, and where it was read: one of `SOURCES` (NONE: no date found)."""

    date: date | None
    source: str

    @property
    def iso(self) -> str | None:
        return self.date.isoformat() if self.date else None


def date_document(
    text: str,
    language: str,
    published: str | None = None,
    url: str | None = None,
    page_date: str | None = None,
) -> DocumentDate:
    """The document's date and where it came from (see the module doc)."""
    for value, source in ((published, PUBLISHED), (page_date, PAGE)):
        found = _iso(value) if value else None
        if found:
            return DocumentDate(found, source)
    head = _head(text)
    found = _full_dateline(head, language)
    if found:
        return DocumentDate(found, DATELINE)
    from_url = url_date(url) if url else None
    if from_url:
        return DocumentDate(from_url, URL)
    year = _url_year(url) if url else None
    if year is not None:
        found = _month_day_dateline(head, language, year)
        if found:
            return DocumentDate(found, DATELINE)
    return DocumentDate(None, NONE)


def url_date(url: str) -> date | None:
    """A full date in the URL's path (year, month, day), or None."""
    path = re.sub(r"^[A-Za-z]+://[^/]*", "", url)
    for match in _URL_DATE.finditer(path):
        with suppress(ValueError):
            return date(int(match[1]), int(match[3]), int(match[4]))
    return None


def _url_year(url: str) -> int | None:
    match = _URL_YEAR.search(re.sub(r"^[A-Za-z]+://[^/]*", "", url) + "/")
    return int(match[1]) if match else None


def _iso(value: str) -> date | None:
    match = _ISO_DATE.match(value.strip())
    if not match:
        return None
    with suppress(ValueError):
        return date(int(match[1]), int(match[2]), int(match[3]))
    return None


def _head(text: str) -> list[str]:
    lines = [line.strip() for line in text[:HEAD_CHARS].splitlines() if line.strip()]
    return lines[:HEAD_LINES]


def _full_dateline(lines: list[str], language: str) -> date | None:
    """The first full date (day, month and year) written in the document's first lines: a date
    written year first ("2005/01/08", "2024-12-27", which no locale reads otherwise) at once,
    any other by dateparser."""
    for line in lines:
        match = _YEAR_FIRST.search(line)
        if match:
            with suppress(ValueError):
                return date(int(match[1]), int(match[2]), int(match[3]))
        english = _english_date(line)
        if english is not None:
            return english
        if not _A_YEAR.search(line):
            continue  # a full date has a year: dateparser need not read a title without one
        found = _search(line, language, ("day", "month", "year"))
        if found:
            return found
    return None


def _english_date(line: str) -> date | None:
    """ "January 8, 2005", "8 January 2005" at once: English datelines are most of the news, and
    dateparser takes some 10 ms a line; anything else is dateparser's."""
    for pattern, (day, month, year) in (
        (_ENGLISH_MONTH_FIRST, (2, 1, 3)),
        (_ENGLISH_DAY_FIRST, (1, 2, 3)),
    ):
        match = pattern.search(line)
        if match:
            with suppress(ValueError):
                number = _ENGLISH_MONTHS.index(match[month][:3].lower()) + 1
                return date(int(match[year]), number, int(match[day]))
    return None


def _month_day_dateline(lines: list[str], language: str, year: int) -> date | None:
    for line in lines[:2]:
        match = _MONTH_DAY_DATELINE.match(line)
        if match is None:
            continue
        parsed = parser(language).get_date_data(f"{match[2]} {match[1]} {year}")
        if parsed.date_obj is not None:
            day: date = parsed.date_obj.date()  # dateparser is untyped
            return day
    return None


def _search(text: str, language: str, parts: tuple[str, ...]) -> date | None:
    from dateparser.search import search_dates

    settings: dict[str, Any] = {"REQUIRE_PARTS": list(parts), "STRICT_PARSING": True}
    settings.update(date_order(language))
    text = ordinal_days(text)
    with suppress(Exception):  # dateparser raises on a few odd inputs; then there is no date
        found = search_dates(text, languages=languages(language), settings=settings)
        for expression, when in found or []:
            if EARLIEST_YEAR <= when.year <= LATEST_YEAR and re.search(r"\d{4}", expression):
                day: date = when.date()  # dateparser is untyped
                return day
    return None


def ordinal_days(text: str) -> str:
    """Days written as French ordinals ("1er janvier") as plain numbers, which dateparser
    reads, the suffix blanked so that every other character keeps its offset."""
    return _ORDINAL_DAY.sub(lambda m: m[1] + " " * (len(m[0]) - len(m[1])), text)


def languages(language: str) -> list[str]:
    """The dateparser locales to read a language with: its own where dateparser knows it, and
    English (news in any language quotes English dates)."""
    code = (language or "").split("-")[0].lower()
    if code in _known_languages() and code != "en":
        return [code, "en"]
    return ["en"]


def date_order(language: str) -> dict[str, str]:
    """The language's own order of day, month and year ("08/01/2005" is 8 January in French),
    as a dateparser setting; dateparser would otherwise read all-digit dates in English order."""
    from dateparser.languages.loader import default_loader

    code = languages(language)[0]
    order = default_loader.get_locale(code).info.get("date_order")
    return {"DATE_ORDER": order} if order else {}


@lru_cache(maxsize=1)
def _known_languages() -> frozenset[str]:
    from dateparser.languages.loader import default_loader

    return frozenset(default_loader.get_locale_map().keys())


@lru_cache(maxsize=64)
def parser(language: str, base: datetime | None = None) -> Any:
    """dateparser's parser for the language, reading relative expressions against `base`."""
    from dateparser.date import DateDataParser

    settings: dict[str, Any] = {"PREFER_DATES_FROM": "past", "RETURN_TIME_AS_PERIOD": True}
    settings.update(date_order(language))
    if base is not None:
        settings["RELATIVE_BASE"] = base
    return DateDataParser(languages=languages(language), settings=settings)


def document_date(document: Document) -> date | None:
    """The document's date as ingest stored it (`Document.dated`); one never stored (a document
    stored before dates were, or built by a benchmark) is dated from its text, once a process."""
    if document.dated_source:
        return _iso(document.dated) if document.dated else None
    return _dated(
        document.text, document.language, document.published, document.url, document.page_date
    ).date


@lru_cache(maxsize=4096)
def _dated(
    text: str, language: str, published: str | None, url: str | None, page_date: str | None
) -> DocumentDate:
    return date_document(text, language, published, url, page_date)
