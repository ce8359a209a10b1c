"""Baselines the ROUGE benchmark sets the brief against, on the same cleaned, split sentences.

- `lead`: the first sentence of each document in turn, then the second of each, and so on.
- `lexrank`: sumy's LexRank (TF-IDF cosine graph) over every sentence of the cluster, the best
  rated first. It stems only the languages in `STEMMED`: sumy's Arabic stemmer (pure Python) makes
  one cluster take minutes, Greek's needs a package of its own, Hebrew and Hindi have none; those
  go unstemmed (sumy's null stemmer), as `lexrank_stemmer` says in the report. sumy's own
  tokenizers need NLTK's punkt data, which cannot be downloaded here, so it is given our sentences
  through its document model and a word tokenizer of ours.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import regex

_WORD = regex.compile(r"[\p{L}\p{M}\p{N}]+")
# Our language codes -> sumy's names, for its stemmers and stop words; others go without.
SUMY_LANGUAGES = {
    "en": "english", "fr": "french", "cs": "czech", "el": "greek", "he": "hebrew",
    "ar": "arabic", "de": "german", "es": "spanish",
}  # fmt: skip
STEMMED = frozenset({"en", "fr", "cs", "de", "es"})


class _WordTokenizer:
    """The one part of a sumy tokenizer that a prebuilt document needs."""

    def to_words(self, text: str) -> list[str]:
        return _WORD.findall(text)


def fitting(sentences: Sequence[str], words: int) -> list[str]:
    """Sentences in the given order while they fit in `words` (the first one always)."""
    taken: list[str] = []
    count = 0
    for sentence in sentences:
        length = len(sentence.split())
        if count + length > words and taken:
            continue
        taken.append(sentence)
        count += length
    return taken


def lead(documents: Sequence[Sequence[str]], words: int) -> list[str]:
    """The first sentence of each document in turn, then the second..., while they fit."""
    depth = max((len(d) for d in documents), default=0)
    ordered = [d[at] for at in range(depth) for d in documents if at < len(d)]
    return fitting(ordered, words)


def lexrank(documents: Sequence[Sequence[str]], language: str, words: int) -> list[str]:
    """sumy's LexRank over every sentence, the best rated first, while they fit."""
    from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
    from sumy.summarizers.lex_rank import LexRankSummarizer

    tokenizer = _WordTokenizer()
    paragraphs = [
        Paragraph([Sentence(text, tokenizer) for text in document])
        for document in documents
        if document
    ]
    summarizer = LexRankSummarizer(_stemmer(language))
    summarizer.stop_words = _stop_words(language)
    ranked: list[str] = []

    def best_first(infos: list[Any]) -> list[Any]:  # sumy hands them over best rated first
        ranked.extend(str(info.sentence) for info in infos)
        return infos

    summarizer(ObjectDocumentModel(paragraphs), best_first)
    return fitting(ranked, words)


def stemmer_name(language: str) -> str:
    """The sumy stemmer LexRank uses for `language`: a language name, or "none"."""
    return SUMY_LANGUAGES[language] if language in STEMMED else "none"


def _stemmer(language: str) -> Any:
    from sumy.nlp.stemmers import Stemmer, null_stemmer

    name = stemmer_name(language)
    try:
        return null_stemmer if name == "none" else Stemmer(name)
    except (LookupError, ValueError):
        return null_stemmer


def _stop_words(language: str) -> frozenset[str]:
    from sumy.utils import get_stop_words

    name = SUMY_LANGUAGES.get(language)
    try:
        return frozenset(get_stop_words(name)) if name else frozenset()
    except LookupError:
        return frozenset()
