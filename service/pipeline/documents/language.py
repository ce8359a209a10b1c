"""Language of a document: what the caller declared, or langdetect's guess when it is sure.

A wrong language picks the wrong summarisation model and sentence rules, so an unsure guess is
reported as "und" (undetermined) rather than passed on.
"""

from __future__ import annotations

import re
import threading

from langdetect import DetectorFactory, LangDetectException, detect_langs
from langdetect import detector_factory as _langdetect

from service.pipeline.types import UNDETERMINED, LanguageGuess

# langdetect's cost grows with the text it reads (about 2 ms per 300 characters of n-grams, in
# pure Python), and ingest must reach hundreds of documents per second. So it reads the first
# FIRST_SAMPLE_CHARS of the text's prose and stops there when it is all but certain, as it is for
# every one of the 705 MultiLing 2011 and seed articles (the same answers as reading 2000, at 2.5x
# the speed); a text it is less sure of is read again, SAMPLE_CHARS of it.
FIRST_SAMPLE_CHARS = 300
SURE = 0.999
SAMPLE_CHARS = 2000
PROSE_WORDS = 8  # a line of fewer words is a menu, byline or headline: read prose first
MIN_LETTERS = 20  # below this, character n-gram statistics are noise
MIN_SAMPLE_WORDS = 3
MIN_CONFIDENCE = 0.80  # a top probability below this is a coin toss between related languages
RULES_FALLBACK = "en"  # punctuation and sentence rules for text of undetermined language

# Scripts written without spaces between words: each character counts as a word.
_UNSPACED = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORD = re.compile(rf"[{_UNSPACED}]|[^\s{_UNSPACED}]+")

_profiles_lock = threading.Lock()
_profiles_loaded = False


def count_words(text: str) -> int:
    """Count words that contain a letter; ideographs and kana count one each."""
    return sum(1 for token in _WORD.findall(text) if any(ch.isalpha() for ch in token))


def count_letters(text: str) -> int:
    return sum(1 for ch in text if ch.isalpha())


def detect_language(text: str, declared: str | None = None) -> LanguageGuess:
    """Return the declared language, else a confident guess from the start of `text`, else "und"."""
    if declared and declared.strip() and declared.strip().lower() != UNDETERMINED:
        return LanguageGuess(normalise_language(declared), 1.0, "declared")
    prose = _prose(text)
    first = _sample(prose, FIRST_SAMPLE_CHARS)
    if first != prose:
        quick = _guess(first)
        if quick.confidence >= SURE:
            return quick
    return _guess(_sample(prose, SAMPLE_CHARS))


def _guess(sample: str) -> LanguageGuess:
    if count_letters(sample) < MIN_LETTERS or count_words(sample) < MIN_SAMPLE_WORDS:
        return LanguageGuess(UNDETERMINED, 0.0, "detected")
    _load_profiles()
    try:
        ranked = detect_langs(sample)
    except LangDetectException:
        return LanguageGuess(UNDETERMINED, 0.0, "detected")
    if not ranked:
        return LanguageGuess(UNDETERMINED, 0.0, "detected")
    top = ranked[0]
    if top.prob < MIN_CONFIDENCE:
        return LanguageGuess(UNDETERMINED, float(top.prob), "detected")
    return LanguageGuess(top.lang, float(top.prob), "detected")


def normalise_language(code: str) -> str:
    """Lower-case a language tag and use "-" between subtags ("EN_gb" -> "en-gb")."""
    return code.strip().lower().replace("_", "-")


def rules_language(code: str) -> str:
    """The language whose text rules apply: the primary subtag ("zh-cn" -> "zh"), "en" for "und"."""
    primary = normalise_language(code).split("-")[0]
    return RULES_FALLBACK if primary in ("", UNDETERMINED) else primary


def _prose(text: str) -> str:
    """The text's lines of PROSE_WORDS words or more, then the others: a scraped page's menus,
    bylines and share buttons, often in another language than the article, are read last.
    Lines stop being weighed once the prose fills the longest sample: no more is read."""
    lines = text.splitlines()
    if len(lines) < 2:
        return text
    long: list[str] = []
    short: list[str] = []
    size = 0
    for line in lines:
        if size >= SAMPLE_CHARS:
            break
        if count_words(line) >= PROSE_WORDS:
            long.append(line)
            size += len(line) + 1
        elif line.strip():
            short.append(line)
    return "\n".join(long + short)


def _sample(text: str, chars: int) -> str:
    """The first `chars` characters, cut back to a space so that no word is half-read."""
    if len(text) <= chars:
        return text
    cut = text.rfind(" ", chars // 2, chars)
    return text[: cut if cut > 0 else chars]


def _load_profiles() -> None:
    """Load langdetect's profiles once per process, seeded: the same text gets the same answer.

    langdetect's own lazy loader publishes its factory before the profiles are read, so a second
    thread could detect with half the languages loaded; loading under a lock first closes that race.
    """
    global _profiles_loaded
    if _profiles_loaded:
        return
    with _profiles_lock:
        if not _profiles_loaded:
            DetectorFactory.seed = 0
            _langdetect.init_factory()
            _profiles_loaded = True
