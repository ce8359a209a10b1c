"""What a sentence asserts that can be checked by string: its figures, its names, its polarity.

A *figure* is a number as written ("10,000-12,000", "3.5", "40%"), normalised so that "10,000",
"10 000" and "10000" compare equal. A *name* is a capitalised word that does not open the sentence
(scripts without letter case have none). *Negation* is the presence of a negating word from a short
per-language list: enough to catch a summary that flips a claim, not a parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import cast

import regex


def word_set(words: str) -> frozenset[str]:
    """A closed class of words written as one space-separated string."""
    return frozenset(words.split())


# A number: digits with thousands separators or a decimal part, optionally a range "a-b".
_NUMBER = r"\d{1,3}(?:[,\u00a0\u202f ]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?"
FIGURE = re.compile(
    rf"(?<![\w.,])(?P<low>{_NUMBER})(?:\s?[-–]\s?(?P<high>{_NUMBER}))?(?P<percent>\s?%)?(?![\w])"
)
_SEPARATORS = re.compile(r"(?<=\d)[,\u00a0\u202f ](?=\d{3}(?!\d))")
_WORD = regex.compile(r"[\p{L}\p{M}\p{N}][\p{L}\p{M}\p{N}'’-]*")
_DIGIT = re.compile(r"\d")
_OPENING = "\"'“‘«„(["

NEGATIONS: dict[str, frozenset[str]] = {
    "en": word_set(
        "not no never none nobody nothing neither nor without cannot n't isn't wasn't "
        "aren't weren't don't doesn't didn't won't wouldn't hasn't haven't hadn't can't "
        "couldn't"
    ),
    "fr": word_set("ne n' pas jamais aucun aucune sans ni personne rien"),
    "de": word_set("nicht kein keine keinen keinem keiner nie niemals ohne weder"),
    "es": word_set("no nunca ningún ninguna nadie nada sin ni"),
    "cs": word_set("ne nikdy žádný žádná žádné nic nikdo bez"),
    "el": word_set("δεν μην όχι ούτε κανένας καμία κανένα χωρίς"),
    "he": word_set("לא אין אינו אינה בלי ללא"),
    "ar": word_set("لا لم لن ليس ليست بدون غير"),
    "hi": word_set("नहीं न मत बिना"),
}


@dataclass(frozen=True)
class Figure:
    text: str  # as written, e.g. "10,000-12,000"
    start: int  # offsets in the text it was found in
    end: int

    @property
    def values(self) -> tuple[str, ...]:
        """The normalised number(s): one, or two for a range."""
        return tuple(normalise_number(part) for part in re.split(r"\s?[-–]\s?", self.text))

    @property
    def key(self) -> str:
        """The figure as a whole, normalised: equal keys state the same figure."""
        return "-".join(self.values) + ("%" if self.text.rstrip().endswith("%") else "")


def normalise_number(text: str) -> str:
    """'10,000' / '10 000' / '10000' -> '10000'; '3,5' and '3.5' -> '3.5'; drop a percent sign."""
    digits = _SEPARATORS.sub("", text.strip().rstrip("%").strip())
    return digits.replace(",", ".")


def figures(text: str) -> list[Figure]:
    if not _DIGIT.search(text):
        return []
    return [Figure(m.group(0), m.start(), m.end()) for m in FIGURE.finditer(text)]


def numbers(text: str) -> set[str]:
    """Every normalised number in `text` (both ends of a range)."""
    return {value for figure in figures(text) for value in figure.values}


def words(text: str) -> list[str]:
    return cast(list[str], _WORD.findall(text))  # `regex` is untyped


def names(text: str) -> set[str]:
    """Capitalised words after the first word, casefolded; the first only when a name follows it.

    The first word of a sentence is capitalised whatever it is, so it counts as a name only as
    part of a run of capitalised words ("John Smith said").
    """
    tokens = [token.lstrip(_OPENING) for token in text.split()]
    capitalised = [bool(token) and token[0].isupper() for token in tokens]
    found: set[str] = set()
    for index, token in enumerate(tokens):
        if not capitalised[index]:
            continue
        if index == 0 and not (len(tokens) > 1 and capitalised[1]):
            continue
        found.update(word.casefold() for word in words(token) if not word[0].isdigit())
    return found


def negated(text: str, language: str) -> bool:
    cues = NEGATIONS.get(language.split("-")[0].lower(), NEGATIONS["en"])
    folded = text.casefold().replace("’", "'")
    tokens = set(re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", folded)) | set(folded.split())
    return bool(tokens & cues) or ("n't" in cues and "n't" in folded)
