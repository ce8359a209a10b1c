"""Whether a sentence reads on its own, out of the paragraph it was quoted from.

A brief quotes sentences out of order and out of context, so a sentence that leans on the one
before it ("They are fighting alongside the Russians.", "However, ...", "“...,” he said.") leaves
the reader guessing who or what it is about. Such a sentence is not forbidden (sometimes nothing
better says the fact), only demoted, so that a sentence that names its subject wins.

The words that point back are listed for the languages we have checked; in other languages only
a sentence that starts mid-clause (lower case) is caught.
"""

from __future__ import annotations

import re

from service.pipeline.merge.assertions import word_set

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
_PERSONAL = {
    "en": word_set("he she they"),
    "fr": word_set("il elle ils elles"),
    "de": word_set("er sie"),
    "es": word_set("él ella ellos ellas"),
}
_FIRST_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def reads_alone(text: str, language: str) -> bool:
    """False when the sentence starts mid-clause or points back to something it does not name."""
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


def _unnamed_speaker(text: str, code: str) -> bool:
    """A quotation attributed to a bare pronoun: '“...,” he said.'"""
    pronouns = _PERSONAL.get(code)
    if not pronouns:
        return False
    for match in re.finditer(rf"[{_CLOSING_QUOTE}]\s*[,.]?\s*(\w+)", text):
        if match.group(1).casefold() in pronouns:
            return True
    return False
