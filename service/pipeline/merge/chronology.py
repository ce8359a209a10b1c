"""When a document was written, for ordering a brief's sentences in time.

The document's declared `published` date wins; otherwise the first date written in the first lines
of its text (news carries a dateline there: "2005/01/08 ...", "date 2024-12-27", "Dec 2, 2024").
"""

from __future__ import annotations

import re
from contextlib import suppress
from datetime import date

from service.pipeline.types import Document

HEAD_CHARS = 300  # a dateline sits in the first few lines; later dates are what the story is about

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_ISO = re.compile(r"\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\b")
_MONTH_FIRST = re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}}),?\s+(\d{{4}})\b", re.IGNORECASE)
_DAY_FIRST = re.compile(rf"\b(\d{{1,2}})\s+({_MONTH})\.?,?\s+(\d{{4}})\b", re.IGNORECASE)


def document_date(document: Document) -> date | None:
    """The document's date, or None when it carries none that can be read."""
    if document.published:
        found = _first_date(document.published)
        if found:
            return found
    return _first_date(document.text[:HEAD_CHARS])


def _first_date(text: str) -> date | None:
    found: list[tuple[int, date]] = []
    for match in _ISO.finditer(text):
        _append(found, match.start(), match[1], match[2], match[3])
    for match in _MONTH_FIRST.finditer(text):
        _append(found, match.start(), match[3], MONTHS[match[1].lower()], match[2])
    for match in _DAY_FIRST.finditer(text):
        _append(found, match.start(), match[3], MONTHS[match[2].lower()], match[1])
    return min(found)[1] if found else None


def _append(
    found: list[tuple[int, date]], at: int, year: object, month: object, day: object
) -> None:
    with suppress(ValueError):  # not a calendar date ("2024-13-45"): not a dateline
        found.append((at, date(int(str(year)), int(str(month)), int(str(day)))))
