"""Whether a cited passage carries a sentence: states its facts, and none that conflicts.
DEVELOPERS.md ("Design notes of the pipeline and ingest", `service/pipeline/merge/backing.py`) says
how and why.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import regex

from service.pipeline.merge.assertions import numbers
from service.pipeline.merge.concepts import stem, stop_words, tokens
from service.pipeline.merge.disagreements import same_count
from service.pipeline.merge.measures import Measure, measures, tables

_TOKEN = regex.compile(r"[\p{L}\p{M}\p{N}][\p{L}\p{M}\p{N}'’.-]*")
_PART = regex.compile(r"[\p{L}\p{M}\p{N}]+")
_POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)
_OPENING = "\"'“‘«„([`"
_DIGIT = re.compile(r"\d")
MIN_STEM = 4  # "Iran" in "Iranian"; shorter words ("US", "UN") must be there whole
_ORDINAL = regex.compile(
    r"(?<![\p{L}\p{N}])(\d+)(?:st|nd|rd|th|e|er|re|ère|eme|ème|è|ème)(?![\p{L}\p{N}])"
)
# Names of one thing: a name of the sentence is present when the passage names any of its group.
ALIASES: tuple[frozenset[str], ...] = (frozenset({"gmt", "utc"}),)
_ELISIONS = frozenset(["l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu"])


def name_runs(text: str, language: str = "en") -> list[tuple[str, ...]]:
    """The sentence's names: runs of capitalised words, each as its casefolded words.

    The sentence's first word is capitalised whatever it is: it opens a name only when the next
    word is capitalised too ("John Smith said", not "Rescuers said"). A weekday or a month is a
    name of its own, never part of the one beside it ("Moscow Saturday" names two things)."""
    table = tables(language)
    dates = (table.months | table.time_words) if table else frozenset()
    runs: list[tuple[str, ...]] = []
    current: list[str] = []
    tokens = [_unelided(raw.lstrip(_OPENING)) for raw in text.split()]
    for index, (raw, token) in enumerate(zip(text.split(), tokens, strict=True)):
        capital = _capital(token)
        if capital and index == 0:
            capital = index + 1 < len(tokens) and _capital(tokens[index + 1])
        words = _name_words(token) if capital else []
        if words and " ".join(words) in dates:
            if current:
                runs.append(tuple(current))
            runs.append(tuple(words))
            current = []
            continue
        current.extend(words)
        if current and (not capital or _ends_run(raw)):
            runs.append(tuple(current))
            current = []
    if current:
        runs.append(tuple(current))
    return [run for run in runs if run]


def _capital(token: str) -> bool:
    return bool(token) and token[0].isupper()


def _unelided(token: str) -> str:
    """The word after an elided article or preposition: "d'Ukraine" -> "Ukraine"."""
    head, mark, rest = token.partition("'") if "'" in token else token.partition("’")
    return rest if mark and rest and head.casefold() in _ELISIONS else token


def _ends_run(token: str) -> bool:
    """A run stops at punctuation: "Moscow, Russia" are two names."""
    return token[-1:] in ',;:.!?)]"”’»' or _POSSESSIVE.search(token) is not None


def _name_words(token: str) -> list[str]:
    """The words of a capitalised token, without a possessive or an elided article."""
    token = _POSSESSIVE.sub("", token.rstrip(",;:.!?)]\"”’»'"))
    parts = [p.casefold() for p in _PART.findall(token)]
    while len(parts) > 1 and parts[0] in _ELISIONS:
        parts = parts[1:]
    return [p for p in parts if not p.isdigit()]


def passage_words(passage: str) -> frozenset[str]:
    """Every word of the passage, casefolded, whole and in its parts ("Russia's" gives "russia's",
    "russia"; "Nord-Coréens" gives "nord", "coréens")."""
    found: set[str] = set()
    for token in _TOKEN.findall(passage):
        folded = token.casefold().rstrip(".")
        found.add(folded)
        found.update(_PART.findall(folded))
    return frozenset(found)


def ordinals(text: str) -> set[str]:
    """The ordinals of `text` as numbers: "13th", "13e", "13ème" -> "13"."""
    return {match.group(1) for match in _ORDINAL.finditer(text.casefold())}


def missing_facts(sentence: str, passage: str, language: str) -> list[str]:
    """The numbers and names of `sentence` that `passage` does not state."""
    problems = [
        f"number {n}" for n in sorted(numbers(sentence) - numbers(passage)) if _DIGIT.search(n)
    ]
    problems += [f"ordinal {n}" for n in sorted(ordinals(sentence) - ordinals(passage))]
    stop = stop_words(language)
    present = passage_words(passage)
    present |= {alias for group in ALIASES if group & present for alias in group}
    for run in name_runs(sentence, language):
        telling = [word for word in run if word not in stop]  # "On Sunday": "sunday" names
        if telling and not any(_named_in(word, present) for word in telling):
            problems.append(f"name {' '.join(run)}")
    return problems


def _named_in(word: str, present: frozenset[str]) -> bool:
    """The word, or a word it begins or that begins it, of `MIN_STEM` letters or more: a
    demonym names its place ("Iran", "Iranian"; "Brésil", "Brésilien")."""
    if word in present:
        return True
    if len(word) < MIN_STEM:
        return False
    return any(
        len(other) >= MIN_STEM and (other.startswith(word) or word.startswith(other))
        for other in present
    )


def conflicts(sentence: str, passage: str, language: str) -> list[str]:
    """Counts of the sentence the passage gives another figure for, and not the sentence's."""
    if not (_DIGIT.search(sentence) and _DIGIT.search(passage)):
        return []
    theirs = measures(passage, language)
    found = []
    for mine in measures(sentence, language):
        rivals = [other for other in theirs if _same_thing(mine, other)]
        if rivals and not any(same_count(mine, other) for other in rivals):
            found.append(
                f"{mine.figure.text} {mine.noun_words}: the passage says {rivals[0].figure.text}"
            )
    return found


def _same_thing(a: Measure, b: Measure) -> bool:
    """The same counted thing, counted the same way: noun, verb, unit and time scope."""
    return bool(a.noun) and (a.noun, a.verbs, a.unit, a.scope) == (b.noun, b.verbs, b.unit, b.scope)


def claim_words(text: str, language: str) -> frozenset[str]:
    """The stemmed content words the sentence states its claim with: not its names, numbers or
    function words ("profil", "suspect", "releas")."""
    named = {stem(word, language) for run in name_runs(text, language) for word in run}
    return frozenset(
        word
        for word, content in tokens(text, language)
        if content and not _DIGIT.search(word) and word not in named
    )


def claim_share(sentence: str, passage: str, language: str) -> float:
    """The share of the sentence's claim words that the passage states (1.0 when it has none)."""
    mine = claim_words(sentence, language)
    if not mine:
        return 1.0
    theirs = {word for word, _ in tokens(passage, language)}
    return len(mine & theirs) / len(mine)


def unbacked(sentence: str, passage: str, language: str) -> list[str]:
    """Why `passage` does not carry `sentence`; empty when it does."""
    return missing_facts(sentence, passage, language) + conflicts(sentence, passage, language)


def carries(sentence: str, passages: Iterable[str], language: str) -> bool:
    """Whether the passages one document has cited for the sentence, read together, carry it."""
    return not unbacked(sentence, " ".join(passages), language)
