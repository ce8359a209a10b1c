"""What a figure in a sentence measures: the thing counted, when, in what unit, and who says so.
DEVELOPERS.md ("Design notes of the pipeline and ingest", `service/pipeline/merge/measures.py`)
says how and why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from typing import cast

import regex

from service.pipeline.merge.assertions import Figure, figures, word_set
from service.pipeline.merge.concepts import stem, stop_words

MAX_NOUN_WORDS = 3  # "magnitude earthquake", "soldats nord-coréens"
MAX_AUXILIARIES = 3  # "have been", "were either" between the counted noun and its verb
MAX_VERB_WORDS = 4  # "killed or wounded"
MAX_SOURCE_WORDS = 6  # "a South Korean lawmaker said"

_TOKEN = regex.compile(r"[\p{L}\p{M}\p{N}][\p{L}\p{M}\p{N}'’.-]*(?<![.])")
_CLAUSE_MARK = re.compile(r"[,;:()\[\]–—]|\.(?=\s|$)|\s-\s")
_CLOCK = re.compile(r"\b\d{1,2}[:h]\d\d(?::\d\d)?\b")
_CURRENCY = re.compile(r"(?:US|A|C|HK)?[$€£¥₹]\s?$")
# ", South Korea, and the US": further names of a list, the last after "and" ("et", "or", "ou")
_NAME_ITEM = (
    r"(?:\s*,\s*|\s+)(?:(?:and|et|or|ou)\s+)?(?:(?:the|le|la|les|l')\s*)?"
    r"[A-Z][\w’'.-]*(?:\s+[A-Z][\w’'.-]*)*"
)
_NAME_LIST = re.compile(rf"(?:{_NAME_ITEM})+")
_LAST_ITEM = re.compile(r"\b(?:and|et|or|ou)\s+[^,]+$")


@dataclass(frozen=True)
class LanguageTables:
    """The closed word classes a language needs for reading measures."""

    language: str  # our code: its Snowball stemmer and stop words are those of `concepts.py`
    extra_stop: frozenset[str]  # function words sumy's list lacks
    connectors: frozenset[str]  # "killed or wounded"
    months: frozenset[str]
    time_words: frozenset[str]  # weekdays, time nouns, deictics: what makes a scope
    time_modifiers: frozenset[str]  # "last week", "this year"
    hedges: tuple[str, ...]  # qualifying phrases before a figure, longest first
    multipliers: frozenset[str]
    percent_words: tuple[str, ...]
    reporting_verbs: frozenset[str]  # "said": who states the figure comes before or after
    attribution_markers: tuple[str, ...]  # "according to X"
    # hedges that make a figure a bound: "at least 60" allows 65, "up to 10" allows 8
    at_least: frozenset[str] = frozenset()
    at_most: frozenset[str] = frozenset()
    # a figure that restates the measure of the one before it, given by someone else: "...while
    # Seoul put the figure at 1,000"; the pattern ends where the figure (and its hedge) begins
    restating: re.Pattern[str] | None = None


def _hedges(text: str) -> tuple[str, ...]:
    return tuple(sorted((h.strip() for h in text.split(",")), key=len, reverse=True))


TABLES: dict[str, LanguageTables] = {
    "en": LanguageTables(
        language="en",
        extra_stop=word_set("'s including"),
        connectors=word_set("or and"),
        months=word_set(
            "january february march april may june july august september october november "
            "december jan feb mar apr jun jul aug sep sept oct nov dec"
        ),
        time_words=word_set(
            "monday tuesday wednesday thursday friday saturday sunday weekend day days week "
            "weeks month months year years hour hours night morning afternoon evening today "
            "yesterday tomorrow tonight decade decades"
        ),
        time_modifiers=word_set("last past this next first previous coming same"),
        hedges=_hedges(
            "more than, over, at least, nearly, almost, about, around, approximately, roughly, "
            "some, up to, fewer than, less than, as many as, an estimated, estimated, just over, "
            "just under, well over, close to, under, only, exactly"
        ),
        multipliers=word_set("thousand million billion trillion"),
        percent_words=("per cent", "percent"),
        reporting_verbs=word_set(
            "said says say told tell tells reported reports stated states estimated estimates "
            "estimate claimed claims confirmed confirms announced announces wrote added noted "
            "put puts counted citing"
        ),
        attribution_markers=("according to", "per", "citing"),
        at_least=frozenset(["more than", "over", "at least", "just over", "well over"]),
        at_most=frozenset(
            ["up to", "fewer than", "less than", "under", "just under", "as many as"]
        ),
        restating=re.compile(
            r"\b(?:put|puts|putting|placed|places|estimated|estimates|set|sets)\s+"
            r"(?:the|that|this|its|their)\s+(?:figure|number|toll|total|count|tally)\s+at\s*$",
            re.IGNORECASE,
        ),
    ),
    "fr": LanguageTables(
        language="fr",
        extra_stop=word_set(
            "de d' a ont avait avaient un une l' à aux y été étaient sera seront près entre "
            "dont lors"
        ),
        connectors=word_set("ou et"),
        months=word_set(
            "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
        ),
        time_words=word_set(
            "lundi mardi mercredi jeudi vendredi samedi dimanche week-end jour jours semaine "
            "semaines mois an ans année années heure heures nuit matin après-midi soir "
            "aujourd'hui hier demain décennie"
        ),
        time_modifiers=word_set("dernier dernière derniers dernières prochain prochaine cette ce"),
        hedges=_hedges(
            "plus de, moins de, près de, au moins, environ, quelque, quelques, jusqu'à, presque, "
            "approximativement, quasiment, pas moins de, plus d', moins d', près d', "
            "une estimation de, autour de"
        ),
        multipliers=word_set("mille million millions milliard milliards"),
        percent_words=("pour cent", "pourcent"),
        reporting_verbs=word_set(
            "dit déclaré déclare affirmé affirme annoncé annonce indiqué indique estimé estime "
            "rapporté rapporte confirmé confirme précisé précise selon"
        ),
        attribution_markers=("selon", "d'après", "citant"),
        at_least=frozenset(["plus de", "plus d'", "au moins", "pas moins de"]),
        at_most=frozenset(["moins de", "moins d'", "jusqu'à"]),
    ),
}


@dataclass(frozen=True)
class Measure:
    """One figure of a sentence as a count of something, with what makes it comparable."""

    figure: Figure
    measure: frozenset[str]  # stems of the counted noun and its verb
    noun: frozenset[str]  # stems of the counted noun alone
    noun_words: str  # the counted noun as written, e.g. "troops"
    verbs: frozenset[str]  # stems of the verb attached to it
    place: frozenset[str]  # the name it is measured at or from ("Kursk", "of Cauquenes")
    scope: frozenset[str]  # stems of the sentence's time expressions; empty: unspecified
    unit: str  # "$", "%", "million", "$ million"; empty: a plain count
    about: str  # the counted thing as written, e.g. "North Korean troops deployed"
    qualifier: str  # e.g. "more than"; empty when the figure is stated flat
    source: str  # who states it, when the sentence says so, e.g. "Zelensky"
    when: str  # the scope as written, e.g. "in the last week of December"


def tables(language: str) -> LanguageTables | None:
    return TABLES.get(language.split("-")[0].lower())


@lru_cache(maxsize=1 << 14)
def measures(text: str, language: str) -> tuple[Measure, ...]:
    """Every figure of the sentence `text` that counts something we can name (read once per
    text: the merge compares a sentence's counts, and the disagreement finder reads them again)."""
    table = tables(language)
    if table is None:
        return ()
    found: list[Measure] = []
    for figure in figures(text):
        if _is_not_a_count(text, figure, table):
            continue
        measure = _measure(text, figure, table)
        if measure is None and found:
            measure = _restated(text, figure, found[-1], table)
        if measure is not None:
            found.append(measure)
    return tuple(found)


def _restated(
    text: str, figure: Figure, previous: Measure, table: LanguageTables
) -> Measure | None:
    """The measure of the figure before, given anew by whoever "put the figure at" this one:
    "Zelensky said nearly 3,000 soldiers had been killed or injured, while Seoul put the figure
    at 1,000" (Seoul's 1,000 counts soldiers killed or injured too)."""
    if table.restating is None:
        return None
    qualifier, before = _qualifier(text[: figure.start], table)
    match = table.restating.search(before)
    if match is None:
        return None
    source = _subject(before[: match.start()], _stop_words(table))
    return replace(previous, figure=figure, qualifier=qualifier.casefold(), source=source)


def _is_not_a_count(text: str, figure: Figure, table: LanguageTables) -> bool:
    """Clock times, dates, years, scores, labels and parts of codes are not counts."""
    before, after = text[: figure.start], text[figure.end :]
    if re.search(r"\d[:.]$", before) or re.match(r"[:/]\d", after) or re.search(r"\d/$", before):
        return True  # "8:32:22", "2005/01/08"
    if re.match(r"\s?(?:a\.?m\b|p\.?m\b|h\b|GMT|UTC)", after, re.IGNORECASE):
        return True
    if re.search(r"\d\s*[\w.]+\s*[\[(]\s*$", before):
        return True  # "190 miles (306 km)", "1,200km [745 miles]": the same figure converted
    if re.search(r"(?<!\w)\d+\s+[^\W\d]+\s+(?:(?:et|and|und|y|a|e)\s+)?$", before) and re.match(
        r"\s*[^\W\d]", after
    ):
        return True  # "8 minutes (and) 50 seconds": the second part of one quantity (not "A330
        # carrying 228 passengers", where the number before is part of a name)
    values = figure.values
    if len(values) == 1 and re.fullmatch(r"1[5-9]\d\d|20\d\d", values[0]):
        return True  # a year
    if len(values) == 2 and float(values[1]) <= float(values[0]):
        return True  # "3-1": a score, not a range
    previous = _tokens(before)[-1:]
    following = _tokens(after)[:1]
    if before[-1:].isalpha():
        return True  # glued to a word: "M0055", "A320"
    near = [w.casefold().rstrip(".") for w in previous + following]
    if figure.text.isdigit() and int(figure.text) <= 31 and any(w in table.months for w in near):
        return True  # "12 March", "March 12"
    label = re.search(r"(\S+) $", before)
    if label and label.group(1)[:1].isupper() and label.group(1)[-1].isalnum():
        # "Flight 447", "Boeing 777": a capitalised word labels the number, unless it is the
        # sentence's first word ("About 300"), capitalised whatever it is.
        return bool(before[: label.start()].strip())
    return bool(previous and previous[0].casefold() in {"no", "n°", "nr", "number", "numéro"})


def _measure(text: str, figure: Figure, table: LanguageTables) -> Measure | None:
    stop = _stop_words(table)
    clause_after = _CLAUSE_MARK.split(text[figure.end :], maxsplit=1)[0]
    after = _tokens(clause_after)
    unit = ""
    at = 0
    if figure.text.rstrip().endswith("%"):
        unit = "%"
    folded_after = clause_after.casefold().lstrip()
    for words in table.percent_words:
        if folded_after.startswith(words):
            unit, at = "%", len(words.split())
    if at < len(after) and after[at].casefold() in table.multipliers:
        unit, at = after[at].casefold(), at + 1
        if at < len(after) and after[at].casefold() in {"de", "d'", "of"}:
            at += 1
    currency = _CURRENCY.search(text[: figure.start])
    if currency:
        unit = f"{currency.group(0).strip()} {unit}".strip()
    named: list[str] = []
    while at < len(after) and after[at][:1].isupper():
        named.append(after[at])  # "North Korean" troops
        at += 1
    noun: list[str] = []
    while at < len(after) and len(noun) < MAX_NOUN_WORDS and _is_content(after[at], stop, table):
        noun.append(after[at])
        at += 1
    if at < len(after) and re.fullmatch(r"\d+", after[at]):
        return None  # "8 minutes 50 seconds": a part of a duration
    if not noun:
        return None
    noun_end = at
    skipped = 0
    while at < len(after) and skipped < MAX_AUXILIARIES and after[at].casefold() in stop:
        if after[at].casefold() in table.connectors:
            break
        at, skipped = at + 1, skipped + 1
    verbs: list[str] = []
    written: list[str] = []  # the verb as written, connectors kept: "killed or wounded"
    while at < len(after) and len(verbs) < MAX_VERB_WORDS:
        word = after[at]
        if _is_content(word, stop, table):
            verbs.append(word)
        elif not (verbs and word.casefold() in table.connectors):
            break
        written.append(word)
        at += 1
    if written and not _is_content(written[-1], stop, table):
        written.pop()
    anchor = _anchor(after[at if verbs else noun_end :], stop)  # "65 km northwest of Cauquenes"
    qualifier, before = _qualifier(text[: figure.start], table)
    previous = _tokens(_CLAUSE_MARK.split(before)[-1])[-2:]
    if len(previous) == 2 and previous[1].casefold() in {"of", "de", "d'"}:
        previous = previous[:1]  # "a depth of 35 kilometers": the head noun counts
    previous = previous[-1:]
    if previous and _is_content(previous[0], stop, table):
        verbs.insert(0, previous[0])  # "killed 300 people", "dispatched 10,000 troops"
    noun_stems = _stems(noun, table)
    verb_stems = _stems(verbs, table)
    clause_end = figure.end + len(clause_after)
    scope, when = _scope(text[:clause_end], table)
    return Measure(
        figure=figure,
        measure=noun_stems | verb_stems,
        noun=noun_stems,
        noun_words=" ".join(noun),
        verbs=verb_stems,
        place=_stems(anchor, table),
        scope=scope,
        unit=unit,
        about=" ".join(named + noun + written),
        qualifier=qualifier.casefold(),
        source=_source(text, figure, table),
        when=when,
    )


def _anchor(rest: list[str], stop: frozenset[str]) -> list[str]:
    """The place or thing a figure is measured from or at, named within a few words."""
    skipped = 0
    while skipped < 2 and skipped < len(rest) and rest[skipped].casefold() in stop:
        skipped += 1
    names = []
    for word in rest[skipped:]:
        if not word[:1].isupper():
            break
        names.append(word)
    return names


def _is_content(word: str, stop: frozenset[str], table: LanguageTables) -> bool:
    folded = word.casefold()
    return (
        word[:1].islower()
        and len(word) > 2
        and folded not in stop
        and folded not in table.reporting_verbs
        and folded not in table.months
        and folded not in table.time_words
        and not any(ch.isdigit() for ch in word)
    )


def _qualifier(before: str, table: LanguageTables) -> tuple[str, str]:
    """The hedge written just before the figure ("more than"), and the text before it."""
    folded = before.casefold().rstrip()
    for hedge in table.hedges:
        if folded.endswith(hedge) and (
            len(folded) == len(hedge) or not folded[-len(hedge) - 1].isalnum()
        ):
            cut = len(folded) - len(hedge)
            return before[cut : len(folded)].strip(), before[:cut]
    return "", before


def _scope(text: str, table: LanguageTables) -> tuple[frozenset[str], str]:
    """The sentence's time expressions: their stems, and the words as written."""
    tokens = list(_TOKEN.finditer(text))
    found: list[int] = []
    for index, match in enumerate(tokens):
        word = match.group(0).casefold()
        if word in table.months or word in table.time_words:
            found.append(index)
            if index and tokens[index - 1].group(0).casefold() in table.time_modifiers:
                found.append(index - 1)
        elif re.fullmatch(r"1[5-9]\d\d|20\d\d", word):
            found.append(index)
    clocks = frozenset(m.group(0) for m in _CLOCK.finditer(text))  # which aftershock, which day
    if not found:
        return clocks, ", ".join(sorted(clocks))
    stems = _stems([tokens[i].group(0) for i in found], table) | clocks
    phrases = []
    for index in sorted(set(found)):
        start = index
        while (
            start > 0
            and index - start < 2
            and tokens[start - 1].group(0).casefold() in (_stop_words(table) | table.time_modifiers)
        ):
            start -= 1
        phrases.append((tokens[start].start(), tokens[index].end()))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(phrases):
        if merged and start <= merged[-1][1] + 4:  # "in the last week of December"
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return stems, ", ".join(_unopened(text, start, end, table) for start, end in merged)


def _unopened(text: str, start: int, end: int, table: LanguageTables) -> str:
    """The phrase as written, less the capital of a sentence's first word ("In December" shown
    after a figure reads "in December"); a name keeps its capital."""
    phrase = text[start:end]
    first = phrase.split(maxsplit=1)[0].casefold() if phrase.strip() else ""
    if start == 0 and first in (_stop_words(table) | table.time_modifiers):
        return phrase[:1].lower() + phrase[1:]
    return phrase


def _source(text: str, figure: Figure, table: LanguageTables) -> str:
    """Who states the figure, when the sentence names them: "X said", "according to X"."""
    stop = _stop_words(table)
    tokens = list(_TOKEN.finditer(text))
    for index, match in enumerate(tokens):
        if match.group(0).casefold() not in table.reporting_verbs:
            continue
        following = tokens[index + 1].group(0) if index + 1 < len(tokens) else ""
        previous = tokens[index - 1].group(0) if index else ""
        if _is_content(following, stop, table) and previous.casefold() in stop:
            continue  # "the first reported casualties": an adjective, nobody speaking
        subject = _subject(text[: match.start()], stop)
        if subject:
            return subject
        name = _named_source(text[match.end() :], capitalised=True)  # "said Lee Seong-kweun"
        if name:
            return name
    folded = text.casefold()
    for marker in table.attribution_markers:
        for found in re.finditer(rf"(?<!\w){re.escape(marker)}\s+", folded):
            # "per" also makes rates ("300 per day"): only a name after it is a source.
            name = _named_source(text[found.end() :], capitalised=marker == "per")
            if name:
                return name
    return ""


def _subject(before: str, stop: frozenset[str]) -> str:
    """The last clause before a reporting verb that names someone: "a South Korean lawmaker"."""
    end = len(before)
    for piece in reversed(_CLAUSE_MARK.split(before)):
        start = end - len(piece)
        kept = [
            m
            for m in _TOKEN.finditer(piece)
            if not (m.group(0).casefold() in stop or m.group(0).casefold().endswith("ly"))
        ]
        end = start - 1
        if not kept:
            continue
        words = list(_TOKEN.finditer(piece))
        first = next(i for i, m in enumerate(words) if m.start() >= kept[0].start())
        tail = next(i for i, m in enumerate(words) if m.end() >= kept[-1].end())
        if tail - first + 1 > MAX_SOURCE_WORDS or not any(m.group(0)[:1].isupper() for m in kept):
            return ""
        if first > 0 and words[first - 1].group(0).casefold() in {
            "a",
            "an",
            "the",
            "un",
            "une",
            "le",
            "la",
            "les",
        }:
            first -= 1
        return piece[words[first].start() : words[tail].end()]
    return ""


def _named_source(text: str, *, capitalised: bool) -> str:
    """The source after "according to": up to the clause's end, at most a few words, or the
    whole list of names it opens ("Ukraine, South Korea, and the US": the text credits all three,
    and so must the brief)."""
    clause = _CLAUSE_MARK.split(text, maxsplit=1)[0]
    words = list(_TOKEN.finditer(clause))[:MAX_SOURCE_WORDS]
    if not words or (capitalised and not any(m.group(0)[:1].isupper() for m in words[:2])):
        return ""
    named = clause[words[0].start() : words[-1].end()]
    listed = _NAME_LIST.match(text, len(clause))
    if len(words) <= MAX_SOURCE_WORDS and listed and _LAST_ITEM.search(listed.group(0)):
        return named + listed.group(0)
    return named


def _tokens(text: str) -> list[str]:
    return cast(list[str], _TOKEN.findall(text))  # `regex` is untyped


def _stems(words: list[str], table: LanguageTables) -> frozenset[str]:
    return frozenset(stem(w.casefold().replace("’", "'"), table.language) for w in words)


@cache
def _stop_words(table: LanguageTables) -> frozenset[str]:
    return stop_words(table.language) | table.extra_stop
