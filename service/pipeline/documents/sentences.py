"""Sentences of a cleaned document, each an exact span of the stored text.

Two segmenters, because neither covers the need alone: pysbd carries hand-written rules
(abbreviations such as "Mr.", "U.S.", "p.m.", "Jan. 5", quotations, lists) for 23 languages and is
the more careful of the two there; sentencex (Wikimedia) knows fewer rules per language but covers
every language through fallback chains (Czech, Hebrew, Ukrainian, Portuguese...), where pysbd has
none. pysbd's Arabic and Persian rules end a sentence at every colon (and Arabic comma "،"), so
sentencex serves those two as well. sentencex is also some 100 times faster, so cleaning uses it to
judge blocks.
"""

from __future__ import annotations

import itertools
import re
import threading
import unicodedata
from typing import Any

import pysbd
import sentencex
from pysbd.languages import LANGUAGE_CODES

from service.pipeline.documents.language import rules_language
from service.pipeline.types import CleanedDocument, Sentence

# pysbd.Segmenter.segment keeps the text it works on in an attribute; _pysbd no longer calls it,
# but pysbd promises nothing about threads, so each thread still caches its own, one per language.
_segmenters = threading.local()
PYSBD_LANGUAGES = frozenset(LANGUAGE_CODES) - {"ar", "fa"}
PYSBD_WINDOW = 2000  # characters given to pysbd at once
_TERMINALS = ".!?…。！？｡।॥؟۔։።။។"
_QUESTION_MARKS = "?？؟"
_EXTRA_TERMINALS = {"hi": "|", "mr": "|", "ne": "|"}  # "|" typed for the danda "।"
_EXTRA_QUESTION_MARKS = {"el": ";\u037e"}  # Greek asks with ";"
_UNPUNCTUATED = {"th", "lo"}  # scripts that mark no sentence end
_FULL_WIDTH_STOPS = "。！？｡"  # no space follows these
_CLOSERS = "\"'“”‘’«»‹›)]}」』"  # any quote mark: „…“ and »…« close with “ and «
# Hindi text often runs on after a danda without a space ("हुई।सरकार"), which neither segmenter
# takes for a sentence end.
_DANDAS = "।॥"
_DANDA_UNSPACED = re.compile(rf"(?<=[{_DANDAS}])(?=\w)")
# Titles that stand before a name and that pysbd's English rules lack beside the ranks they have
# ("Sgt.", "Cpl.", "Lt."): the US Army's "Spc.", "Pfc." and "Pvt." ended a sentence before the name
# ("...found Army Spc." / "Charles Graner guilty...", MultiLing English M007).
_PREPOSITIVE_TITLES = {"en": ("spc", "pfc", "pvt")}


def split_sentences(cleaned: CleanedDocument) -> list[Sentence]:
    """Split every kept block into sentences; a sentence never crosses a block boundary."""
    document = cleaned.document
    language = rules_language(document.language)
    sentences: list[Sentence] = []
    for block_index, block in enumerate(cleaned.blocks):
        for start, end in sentence_spans(document.text[block.start : block.end], language):
            begin, finish = block.start + start, block.start + end
            sentences.append(
                Sentence(
                    document_id=document.id,
                    index=len(sentences),
                    start=begin,
                    end=finish,
                    text=document.text[begin:finish],
                    block=block_index,
                )
            )
    return sentences


def sentence_spans(text: str, language: str, *, fast: bool = False) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text`, trimmed; sentences without letters are left out.

    Offsets are found by locating each segment in `text` in turn, not taken from the segmenter:
    pysbd's own offsets are unreliable and it can drop a segment it altered; text a segmenter lost
    still becomes a sentence of its own. `fast` uses sentencex whatever the language, for callers
    that only count and weigh sentences (cleaning).
    """
    # Line breaks inside a block are soft (wrapped lines); pysbd would cut at each one.
    flat = text.replace("\r", " ").replace("\n", " ")
    segments = list(sentencex.segment(language, flat)) if fast else _segment(flat, language)
    segments = [piece for segment in segments for piece in _DANDA_UNSPACED.split(segment)]
    cuts = _cuts(flat, segments)
    spans = []
    for start, end in itertools.pairwise(cuts):
        piece = text[start:end]
        stripped = piece.strip()
        if any(ch.isalpha() for ch in stripped):
            lead = len(piece) - len(piece.lstrip())
            spans.append((start + lead, start + lead + len(stripped)))
    return spans


def ends_sentence(text: str, language: str) -> bool:
    """Whether `text` ends as a sentence does, closing quotes and brackets aside."""
    if language in _UNPUNCTUATED:
        return True
    marks = _TERMINALS + question_marks(language) + _EXTRA_TERMINALS.get(language, "")
    return bool(text.strip()) and final_mark(text) in marks


def is_question(text: str, language: str) -> bool:
    return bool(text.strip()) and final_mark(text) in question_marks(language)


def question_marks(language: str) -> str:
    return _QUESTION_MARKS + _EXTRA_QUESTION_MARKS.get(language, "")


def final_mark(text: str) -> str:
    """The last character that is not a closing quote or bracket, a space or an invisible mark."""
    index = len(text) - 1
    while index > 0 and (
        text[index] in _CLOSERS
        or text[index].isspace()
        or unicodedata.category(text[index]) == "Cf"
    ):
        index -= 1
    return text[index : index + 1]


def _cuts(text: str, segments: list[str]) -> list[int]:
    """Where the segments start and end in `text`, keeping only cuts that can end a sentence."""
    cuts, cursor = {0, len(text)}, 0
    for segment in segments:
        wanted = segment.strip()
        at = text.find(wanted, cursor) if wanted else -1
        if at >= 0:
            cursor = at + len(wanted)
            cuts.update(cut for cut in (at, cursor) if _can_cut(text, cut))
    return sorted(cuts)


def _can_cut(text: str, at: int) -> bool:
    """Whether a sentence may end at `at`: never inside "7.0", before a lower-case word ("7.
    července") or after an initial ("Alvin K. Smith", "ο κ. Παπαδόπουλος"), which segmenters miss.
    """
    if at <= 0 or at >= len(text):
        return True
    if _next_is_lower(text, at) or _follows_initial(text, at):
        return False
    if text[at - 1].isspace() or text[at].isspace():
        return True
    last = at - 1
    while last > 0 and text[last] in _CLOSERS:
        last -= 1
    return text[last] in _FULL_WIDTH_STOPS or (text[at - 1] in _DANDAS and text[at].isalpha())


def _next_is_lower(text: str, at: int) -> bool:
    while at < len(text) and text[at].isspace():
        at += 1
    return at < len(text) and text[at].islower()


def _follows_initial(text: str, at: int) -> bool:
    end = at
    while end > 0 and text[end - 1].isspace():
        end -= 1
    initial = text[max(0, end - 3) : end]
    return len(initial) == 3 and initial[0].isspace() and initial[1].isalpha() and initial[2] == "."


def _segment(text: str, language: str) -> list[str]:
    if language not in PYSBD_LANGUAGES:
        return list(sentencex.segment(language, text))
    segmenter = _pysbd_segmenter(language)
    return [segment for window in _windows(text, language) for segment in _pysbd(segmenter, window)]


def _pysbd(segmenter: pysbd.Segmenter, text: str) -> list[str]:
    """What `segmenter.segment(text)` returns, without its costly offsets.

    pysbd finds each sentence it made in the text with a regular expression of its own (the
    sentence, escaped, then any spaces), searched from the start of the text, and keeps the first
    match that ends after the previous sentence's; one it cannot find is left out. Compiling one
    expression per sentence took a third of pysbd's time and flushed `re`'s cache of pysbd's other
    expressions, so the same search is done here with `str.find`.
    """
    if not text:
        return []
    segments, prior_end = [], 0
    for sentence in segmenter.processor(text).process():
        span = _pysbd_match(text, sentence, prior_end)
        if span is not None:
            segments.append(text[span[0] : span[1]])
            prior_end = span[1]
    return segments


def _pysbd_match(text: str, sentence: str, prior_end: int) -> tuple[int, int] | None:
    """The first of `re.finditer(re.escape(sentence) + r"\\s*", text)` ending after `prior_end`."""
    if not sentence:  # an empty match steps on differently: leave it to `re`
        for match in re.finditer(r"\s*", text):
            if match.end() > prior_end:
                return match.span()
        return None
    cursor = 0
    while (at := text.find(sentence, cursor)) >= 0:
        end = at + len(sentence)
        while end < len(text) and text[end].isspace():  # what `\s` matches in a str pattern
            end += 1
        if end > prior_end:
            return at, end
        cursor = end
    return None


def _windows(text: str, language: str) -> list[str]:
    """Cut long text at sentencex's boundaries into windows of about PYSBD_WINDOW characters.

    pysbd's time grows with the square of its input (130,000 characters on one line take 10 s).
    """
    if len(text) <= PYSBD_WINDOW:
        return [text]
    windows, start = [], 0
    for boundary in sentencex.get_sentence_boundaries(language, text):
        end = boundary["end_index"]
        if end - start >= PYSBD_WINDOW:
            windows.append(text[start:end])
            start = end
    return [*windows, text[start:]] if start < len(text) else windows


def _pysbd_segmenter(language: str) -> pysbd.Segmenter:
    cache: dict[str, pysbd.Segmenter] | None = getattr(_segmenters, "by_language", None)
    if cache is None:
        cache = _segmenters.by_language = {}
    if language not in cache:
        segmenter = pysbd.Segmenter(language=language, clean=False)
        rules = _with_titles(segmenter.language_module, _PREPOSITIVE_TITLES.get(language, ()))
        segmenter.language_module = _quicker_abbreviations(rules)
        cache[language] = segmenter
    return cache[language]


def _with_titles(rules: Any, titles: tuple[str, ...]) -> Any:
    """pysbd's rules for a language, with `titles` known as abbreviations that precede a name."""
    if not titles:
        return rules
    known = rules.Abbreviation
    abbreviation = type(
        known.__name__,
        (known,),
        {
            "ABBREVIATIONS": [*known.ABBREVIATIONS, *titles],
            "PREPOSITIVE_ABBREVIATIONS": [*known.PREPOSITIVE_ABBREVIATIONS, *titles],
        },
    )
    return type(rules.__name__, (rules,), {"Abbreviation": abbreviation})


def _quicker_abbreviations(rules: Any) -> Any:
    """pysbd's rules for a language, with the search for abbreviations made cheaper.

    For each of the language's abbreviations in a line, pysbd asks `re` for two expressions it
    builds anew: the second (the character after a literal "{abbr} ", braces pysbd did not mean
    to keep) almost never matches but scans the whole line; then, for each place the abbreviation
    appears, for a substitution of the full stop after it, which cannot match where "abbr." is
    not in the line. Here the expressions are compiled once per language and those scans are
    skipped when the text they need is absent; otherwise the same steps in the same order, so the
    same text comes out.
    """
    base = rules.AbbreviationReplacer
    abbreviations = [abbreviation.strip() for abbreviation in rules.Abbreviation.ABBREVIATIONS]
    patterns: dict[str, tuple[re.Pattern[str], re.Pattern[str], str | None]] = {}

    def compiled(stripped: str) -> tuple[re.Pattern[str], re.Pattern[str], str | None]:
        if stripped not in patterns:
            # `{` is a literal brace unless digits or a comma follow it
            brace = None if stripped[:1] in "0123456789," else "{" + stripped + "} "
            patterns[stripped] = (
                re.compile(rf"(?:^|\s|\r|\n){stripped}", re.IGNORECASE),
                re.compile(r"(?<={" + re.escape(stripped) + "} ).{1}"),
                brace,
            )
        return patterns[stripped]

    class AbbreviationReplacer(base):  # type: ignore[misc, valid-type]
        def search_for_abbreviations_in_string(self, text: str) -> str:
            lowered = text.lower()
            for stripped in abbreviations:
                if stripped not in lowered:
                    continue
                found, following, brace = compiled(stripped)
                matches = found.findall(text)
                if not matches:
                    continue
                after = following.findall(text) if brace is None or brace in text else []
                for index, match in enumerate(matches):
                    text = self.scan_for_replacements(text, match, index, after)
            return text

        def scan_for_replacements(self, txt: str, am: str, ind: int, char_array: list[str]) -> str:
            # Each of pysbd's substitutions here replaces a "." that follows `am`, which it reads
            # as an expression (some unescaped): when that is plain text absent from `txt`
            # followed by ".", none can match.
            stripped = am.strip()
            if stripped + "." not in txt and re.escape(stripped) == stripped:
                return txt
            replaced: str = super().scan_for_replacements(txt, am, ind, char_array)
            return replaced

    return type(rules.__name__, (rules,), {"AbbreviationReplacer": AbbreviationReplacer})
