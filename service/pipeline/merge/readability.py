"""Whether a sentence reads on its own, out of the paragraph it was quoted from.
DEVELOPERS.md ("Design notes of the pipeline and ingest", `service/pipeline/merge/readability.py`)
says how and why.
"""

from __future__ import annotations

import re

from service.pipeline.merge.assertions import word_set
from service.pipeline.merge.concepts import stem, stop_words
from service.pipeline.merge.measures import tables

_OPENING = "\"'“‘«„(["
_CONTINUING = ",;:،؛、，；："  # a sentence that opens with one of these was cut from a longer one
_CLOSING_QUOTE = '"”’»'

# Pronouns and connectives that, opening a sentence, refer to what came before it.
POINTING_BACK: dict[str, frozenset[str]] = {
    "en": word_set(
        "he she it they him her them his its their this these those such also but however "
        "meanwhile moreover furthermore nevertheless thus therefore hence then yet still "
        "besides instead otherwise"
    ),
    "fr": word_set(
        "il elle ils elles ce cet cette ces cela ceci lui leur leurs son sa ses mais "
        "cependant toutefois aussi pourtant ainsi"
    ),
    "de": word_set("er sie es dies diese dieser dieses jedoch aber auch dennoch"),
    "es": word_set("él ella ellos ellas este esta estos estas esto pero también"),
    "cs": word_set("on ona ono oni ony to tento tato toto tyto jeho její jejich ale však"),
    "el": word_set("αυτός αυτή αυτό αυτοί αυτές αυτά όμως αλλά επίσης"),
    "he": word_set("הוא היא הם הן זה זו אך"),
    "ar": word_set("هو هي هم هن هذا هذه لكن"),
    "hi": word_set("वह वे यह ये उसने उन्होंने लेकिन"),
}
# More that a brief's reader cannot follow; the summariser does not demote for these (weighing
# them down too changed which sentences French summaries hold: ROUGE-1 at 250 words 52.32 ->
# 51.57 on MultiLing), the merge shows them only with what they lean on.
ALSO_POINTING_BACK: dict[str, frozenset[str]] = {
    "en": word_set("that and or nor so both another"),
    "fr": word_set("ça et or donc puis celui celle ceux celles néanmoins"),
}
_PERSONAL = {
    "en": word_set("he she they"),
    "fr": word_set("il elle ils elles"),
    "de": word_set("er sie"),
    "es": word_set("él ella ellos ellas"),
}
# Two opening words that count on an earlier mention: "The two stations", "A third advocate",
# "The latter", "Les deux", "Un troisième".
_COUNTED_BACK: dict[str, re.Pattern[str]] = {
    "en": re.compile(
        r"(?:the|these|those|all|both)\s+(?:two|three|four|five|six|seven|eight|nine|ten)\b"
        r"|(?:a|the)\s+(?:second|third|fourth|fifth|sixth|latter|former|same|other|others"
        r"|rest|remaining)\b|the\s+\w+\s+(?:also|too)\b|other\s+\w+\s+(?:were|are|have)\b",
        re.IGNORECASE,
    ),
    "fr": re.compile(
        r"(?:les|ces|tous|toutes)\s+(?:deux|trois|quatre|cinq|six|sept|huit|neuf|dix)\b"
        r"|(?:un|une|le|la)\s+(?:deuxième|second|seconde|troisième|quatrième|cinquième"
        r"|autre|dernier|dernière|même)\b|les\s+autres\b|d'autres\b|l'autre\b"
        r"|de\s+plus\b|en\s+outre\b|par\s+ailleurs\b|tous\s+deux\b",
        re.IGNORECASE,
    ),
}
# Demonstrative determiners that, anywhere in a sentence, point to a thing named before it
# ("...deploying a 'significant number' of these troops"): the noun after one leans back unless
# the sentence itself names it earlier. "This" before a time word is deictic ("this week").
_DEMONSTRATIVES: dict[str, frozenset[str]] = {
    "en": word_set("these this"),
    "fr": word_set("ces cette cet"),
}
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)
_OPENING_QUOTES = '"“„«‘`'
_QUOTES = re.compile(r"``|''|[\"“”„«»]")
_QUOTED = re.compile(r"(?:``|[\"“„«])(.*?)(?:''|[\"”“»]|$)", re.DOTALL)
_FIRST_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_SPEAKER_WORDS = 2  # a quotation names its speaker in at least this many words outside it


def stands_alone(text: str, language: str) -> bool:
    """Whether a brief may show the sentence without the one before it: it reads alone, names
    who it quotes and opens with no word or count that points back ("And...", "The two...")."""
    code = language.split("-")[0].lower()
    if _speakerless_quotation(text):
        return False
    stripped = text.lstrip().lstrip(_OPENING).lstrip("`")
    counted = _COUNTED_BACK.get(code)
    if counted is not None and counted.match(stripped):
        return False
    first = _FIRST_WORD.match(stripped)
    if first is not None and first.group(0).casefold() in ALSO_POINTING_BACK.get(code, ()):
        return False
    if _demonstrative_back(text, code):
        return False
    return reads_alone(text, language)


def _demonstrative_back(text: str, code: str) -> bool:
    """A demonstrative before a noun the sentence has not named: "...of these troops"."""
    demonstratives = _DEMONSTRATIVES.get(code)
    if not demonstratives:
        return False
    table = tables(code)
    time_words = (table.time_words | table.months) if table else frozenset()
    stop = stop_words(code)
    words = [w.casefold() for w in _WORD.findall(text)]
    for at, word in enumerate(words[:-1]):
        noun = words[at + 1]
        if word not in demonstratives or noun in stop or noun in time_words:
            continue
        named = {stem(earlier, code) for earlier in words[:at]}
        if stem(noun, code) not in named:
            return True
    return False


def reads_alone(text: str, language: str) -> bool:
    """False when the sentence starts mid-clause or points back to something it does not name
    (what the summariser demotes; `stands_alone` is what the brief asks)."""
    code = language.split("-")[0].lower()
    stripped = text.lstrip().lstrip(_OPENING)
    if stripped and stripped[0] in _CONTINUING:
        return False  # a fragment: "، حسيب حسين، في شريط الفيديو."
    first = _FIRST_WORD.match(stripped)
    if first is None:
        return True
    word = first.group(0)
    if word[0].islower() and word[0].upper() != word[0]:
        return False  # a fragment: it starts in the middle of a clause
    if word.casefold() in POINTING_BACK.get(code, frozenset()):
        return False
    return not _unnamed_speaker(text, code)


def _speakerless_quotation(text: str) -> bool:
    """A sentence that opens a quotation and names no one outside it: "“His clothes had burned
    off.", "``That's terrific.''" (the speaker is in the sentence before or after), or a
    quotation that runs on past the sentence (its closing mark is in a later one)."""
    stripped = text.lstrip()
    if not stripped or not (stripped[0] in _OPENING_QUOTES or stripped.startswith("``")):
        return False
    marks = _QUOTES.findall(stripped)
    if len(marks) % 2:  # the quotation goes on into the next sentence
        return True
    outside = _QUOTED.sub(" ", stripped)
    return len(_FIRST_WORD.findall(outside)) < _SPEAKER_WORDS


def _unnamed_speaker(text: str, code: str) -> bool:
    """A quotation attributed to a bare pronoun: '“...,” he said.'"""
    pronouns = _PERSONAL.get(code)
    if not pronouns:
        return False
    for match in re.finditer(rf"[{_CLOSING_QUOTE}]\s*[,.]?\s*(\w+)", text):
        if match.group(1).casefold() in pronouns:
            return True
    return False
