"""Concepts: the units of information a brief covers, counted once however often it states them.

A concept is a bigram of stemmed words, at least one of them a content word (not a stop word),
as in the concept-coverage summarisers of Gillick & Favre (ICSISumm): "troop deploy", "north
korean", "kursk region". Stemming makes "troops were deployed" and "deploying troops" share
concepts; Snowball stemmers serve the languages that have one (Hebrew has none and is compared
by its words as written). A concept stated by many documents is what the story is about.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import cache, lru_cache
from itertools import pairwise
from typing import Any

import regex

from service.pipeline.merge.trimming import dateline_end

_WORD = regex.compile(r"[\p{L}\p{M}\p{N}]+")

# Our language codes -> Snowball's algorithm names and sumy's stop-word lists.
_SNOWBALL = {
    "ar": "arabic", "cs": "czech", "da": "danish", "de": "german", "el": "greek",
    "en": "english", "es": "spanish", "fi": "finnish", "fr": "french", "hi": "hindi",
    "hu": "hungarian", "id": "indonesian", "it": "italian", "nl": "dutch", "no": "norwegian",
    "pl": "polish", "pt": "portuguese", "ro": "romanian", "ru": "russian", "sv": "swedish",
    "ta": "tamil", "tr": "turkish", "fa": "persian", "ne": "nepali", "lt": "lithuanian",
}  # fmt: skip
_STOP_WORD_LISTS = {
    "en": "english", "fr": "french", "cs": "czech", "el": "greek", "he": "hebrew",
    "ar": "arabic", "de": "german", "es": "spanish", "it": "italian", "pt": "portuguese",
    "ru": "russian", "sk": "slovak", "uk": "ukrainian",
}  # fmt: skip
# Hindi has no sumy list: its commonest function words (postpositions, auxiliaries, pronouns).
_HINDI_STOP_WORDS = frozenset(
    " ".join(
        (
            "का की के को में से पर ने है हैं था थी थे हो होने होता होती कि और या भी तो ही यह",
            "वह ये वे इस उस इन उन एक लिए साथ तक जो कर करने किया गया गई गए रहा रही रहे नहीं",
            "अपने अपनी बाद द्वारा कहा",
        )
    ).split(" ")
)


def language_code(language: str) -> str:
    return language.split("-")[0].lower()


@cache
def stop_words(language: str) -> frozenset[str]:
    code = language_code(language)
    if code == "hi":
        return _HINDI_STOP_WORDS
    name = _STOP_WORD_LISTS.get(code)
    if name is None:
        return frozenset()
    from sumy.utils import get_stop_words

    try:
        return frozenset(word.lower() for word in get_stop_words(name))
    except LookupError:
        return frozenset()


@cache
def _stemmer(language: str) -> Any:
    name = _SNOWBALL.get(language_code(language))
    if name is None:
        return None
    import snowballstemmer

    return snowballstemmer.stemmer(name)


def stemmer_name(language: str) -> str:
    """The Snowball algorithm used for `language`, or "none"."""
    return _SNOWBALL.get(language_code(language), "none")


@lru_cache(maxsize=1 << 17)
def stem(word: str, language: str) -> str:
    stemmer = _stemmer(language)
    return stemmer.stemWord(word) if stemmer is not None else word


def tokens(text: str, language: str) -> list[tuple[str, bool]]:
    """The text's words, lower-cased and stemmed, each with whether it is a content word."""
    stop = stop_words(language)
    return [
        (stem(word, language), word not in stop and not (len(word) < 2 and word.isalpha()))
        for word in _WORD.findall(text.lower())
    ]


@lru_cache(maxsize=1 << 16)
def sentence_concepts(text: str, language: str) -> frozenset[str]:
    """Bigrams of stemmed words with at least one content word."""
    found = tokens(text, language)
    return frozenset(
        f"{a} {b}" for (a, a_content), (b, b_content) in pairwise(found) if a_content or b_content
    )


def document_concepts(sentences: Sequence[str], language: str) -> dict[str, int]:
    """Every concept of a document, with the position of the first sentence that states it. A
    wire dateline is not what the document says: ten agency reports filed from Phnom Penh would
    otherwise make "phnom penh" the story's weightiest concept, stated first by every one."""
    first: dict[str, int] = {}
    for position, text in enumerate(sentences):
        for concept in sentence_concepts(text[dateline_end(text) :], language):
            first.setdefault(concept, position)
    return first


def concept_weights(
    documents: Iterable[Mapping[str, int]], single_source: float = 0.0
) -> dict[str, float]:
    """How much a corpus is about each concept: every document that states it votes by the
    reciprocal rank of the sentence that first states it (1 for its first sentence, 1/2 for its
    second, 1/10 for its tenth): news puts what matters first, so a concept in many leads is what
    the story is about, and one that every document mentions only in passing is background. A
    concept only one document states, when there are several, counts `single_source` of its
    vote: what one source alone says is not what the corpus is about, but a brief long enough may
    say some of it (see `single_source_share`)."""
    votes: dict[str, float] = {}
    sources: dict[str, int] = {}
    count = 0
    for first in documents:
        count += 1
        for concept, position in first.items():
            votes[concept] = votes.get(concept, 0.0) + 1.0 / (1.0 + position)
            sources[concept] = sources.get(concept, 0) + 1
    if count < 2:
        return votes
    share = max(0.0, min(1.0, single_source))
    weights = {c: v if sources[c] > 1 else v * share for c, v in votes.items()}
    return {c: w for c, w in weights.items() if w > 0}


def single_source_share(max_words: int, document_words: Sequence[int]) -> float:
    """How much a concept one source alone states counts: the brief's length against an average
    document's. A brief much shorter than an article has room only for what the sources agree
    on; one as long as an article may also say what a single source says."""
    lengths = [n for n in document_words if n > 0]
    if not lengths:
        return 0.0
    return min(1.0, max_words / (sum(lengths) / len(lengths)))
