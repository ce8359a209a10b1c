"""Faithful trimming: words that carry no fact leave a quoted sentence, by deletion only.
DEVELOPERS.md ("Design notes of the pipeline and ingest", `service/pipeline/merge/trimming.py`)
says how and why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CONNECTIVES = {
    "en": (
        "however", "meanwhile", "moreover", "furthermore", "in addition", "additionally",
        "indeed", "in fact", "of course", "nevertheless", "nonetheless", "still", "also",
        "at the same time", "in the meantime", "as a result", "in other news", "notably",
        "importantly", "interestingly", "significantly", "separately", "elsewhere",
        "in turn", "in response", "for its part", "for their part", "for his part",
        "for her part", "in a statement", "on the other hand", "by contrast", "in contrast",
        "then", "now", "yet", "but", "and", "so",
    ),
    "fr": (
        "cependant", "toutefois", "pourtant", "par ailleurs", "en outre", "de plus",
        "en effet", "néanmoins", "d'ailleurs", "d’ailleurs", "ainsi", "or", "mais", "et",
        "en revanche", "par contre", "de son côté", "de leur côté", "en fait",
    ),
    "de": ("jedoch", "allerdings", "außerdem", "zudem", "dennoch", "indes", "aber"),
    "es": ("sin embargo", "además", "no obstante", "asimismo", "por otra parte", "pero"),
}  # fmt: skip
_FLOURISH = {  # English only: "In a startling development,", "In an abrupt about-face,"
    "en": re.compile(r"In an? (?:[a-z-]+ ){0,3}[a-z-]+\s*,\s+"),
}
_PLACE = r"[A-Z][A-Z.'’-]+(?:\s+[A-Z][A-Z.'’-]+)*"  # "PHNOM PENH", "ST. LOUIS", "WASHINGTON"
_DATELINE = re.compile(
    rf"(?P<place>{_PLACE})"
    r"(?:,\s+[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*)*)?"  # ", Cambodia", ", Calif."
    r"(?:,\s+[A-Z][a-z]{2,8}\.?\s+\d{1,2})?"  # ", March 3", ", Jan. 12"
    r"(?P<agency>\s*\([A-Z][\w&.-]*(?:\s+[A-Z][\w&.-]*)*\))?"  # " (AP)", " (Reuters)"
    r"\s*(?:_|--|—|–|-)\s+(?=[\"“'‘A-Z0-9])"
)
_MIN_PLACE_LETTERS = 4  # "AP -", "BBC -", "UN -" name a source, not a place
_PARENTHETICAL = re.compile(r"\s+\(([^()\d]{1,60})\)(?=[\s,.;:!?])")
_MAX_ASIDE_WORDS = 5
_MIN_LEFT_WORDS = 5  # a trimmed sentence keeps at least this many words


@dataclass(frozen=True)
class Trim:
    """A sentence after trimming, and the spans (offsets into the sentence) deleted from it."""

    text: str
    deleted: tuple[tuple[int, int], ...]


def trim(text: str, language: str) -> Trim:
    """Delete the fact-free opening and asides of `text`; the same text when nothing qualifies."""
    code = language.split("-")[0].lower()
    deleted: list[tuple[int, int]] = []
    opening = _opening(text, code)
    if opening:
        deleted.append((0, opening))
    for match in _PARENTHETICAL.finditer(text):
        if match.start() >= opening and _is_aside(match.group(1)):
            deleted.append((match.start(), match.end()))
    if not deleted:
        return Trim(text, ())
    kept, at = [], 0
    for start, end in deleted:
        kept.append(text[at:start])
        at = end
    kept.append(text[at:])
    result = "".join(kept)
    if opening and result[:1].islower():
        result = result[0].upper() + result[1:]
    if len(result.split()) < _MIN_LEFT_WORDS:
        return Trim(text, ())
    return Trim(result, tuple(deleted))


def _opening(text: str, code: str) -> int:
    """Length of a deletable opening (with its comma and the space after it), or 0."""
    dateline = dateline_end(text)
    if dateline:
        return dateline
    flourish = _FLOURISH.get(code)
    if flourish is not None:
        found = flourish.match(text)
        if found and len(found.group(0).split()) <= 6:
            return found.end()
    lowered = text.casefold()
    for connective in sorted(_CONNECTIVES.get(code, ()), key=len, reverse=True):
        if lowered.startswith(connective):
            found = re.compile(r"\s*,\s+").match(text, len(connective))
            if found:
                return found.end()
    return 0


def dateline_end(text: str) -> int:
    """Length of a wire dateline opening `text` (with the dash and the space after it), or 0."""
    found = _DATELINE.match(text)
    if found is None:
        return 0
    letters = sum(c.isalpha() for c in found.group("place"))
    if letters < _MIN_PLACE_LETTERS and not found.group("agency"):
        return 0
    return found.end()


def _is_aside(inside: str) -> bool:
    words = inside.split()
    if not words or len(words) > _MAX_ASIDE_WORDS:
        return False
    return not any(word[:1].isupper() for word in words[1:]) and not inside[:1].isupper()
