"""Keep the article, drop the page around it: scraped noise that must never reach a brief.
DEVELOPERS.md ("Design notes of the pipeline and ingest", `service/pipeline/documents/cleaning.py`)
says how and why.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from typing import NamedTuple

from service.pipeline.documents.language import count_words, rules_language
from service.pipeline.documents.sentences import ends_sentence, is_question, sentence_spans
from service.pipeline.types import CleanedDocument, Document, RemovedSpan, Span

MIN_UNTERMINATED_PROSE_WORDS = 25  # the longest headlines seen run to about 20 words
# Captions are fragments ("North Korean soldiers. An illustrative image."): a block of several
# sentences none longer than this. The longest, not the mean, so that one short sentence next to a
# real one ("Most refused.") cannot condemn it.
CAPTION_MAX_WORDS = 5
CREDIT_MAX_WORDS = 4  # "Image: Diego Grez."
APPEAL_SHARE = 0.5  # share of a block's sentences that speak to the reader for it to be an appeal
MIN_KEYWORDS = 4
# Hard-wrapped paragraphs: lines no wider than this, each but the last at least WRAP_FILL as wide.
WRAP_MAX_WIDTH = 120
WRAP_FILL = 0.6

_COMMAS = ",،、，"
_LABEL = re.compile(r"[^\W\d_]\s?:\s+")  # "Q: ", "A: "
_CREDIT = re.compile(r"[^\W\d_]{2,}\s?:\s[^\"“”„«»]+")  # "Photo: Reuters.", not "He said: “No.”"
# Quotations, to their closing mark or, unclosed (a quote running on into the next paragraph), to
# the end. A single quote closes only where no letter follows ("‘You can’t go’" is one quote).
_QUOTED = re.compile(
    r"“[^”]*(?:”|$)|\"[^\"]*(?:\"|$)|«[^»]*(?:»|$)|„[^“”]*(?:[“”]|$)"
    r"|‘(?:[^’]|’(?=\w))*(?:’|$)|(?<!\w)'(?:[^']|'(?=\w))*'(?!\w)"
)
_WORD = re.compile(r"[^\W\d_]+")
_SECOND_PERSON = {"you", "your", "yours", "yourself", "yourselves", "vous", "votre", "vos"}
_CALLS = {
    "subscribe", "donate", "join", "support", "share", "follow", "comment", "sign", "register",
    "click", "tap", "become", "leave", "read", "download", "watch", "visit", "contact", "help",
    "check", "contribute", "listen", "abonnez", "soutenez", "partagez", "suivez", "rejoignez",
    "cliquez", "inscrivez",
}  # fmt: skip
_CALLS_TO = {"subscribe", "donate", "contribute", "listen"}  # not "Leave to appeal was refused"
_CALL_OBJECTS = {
    "a", "an", "the", "our", "us", "this", "these", "now", "today", "here", "up", "in", "below",
    "more", "me", "nous", "notre", "nos",
}  # fmt: skip


def clean_document(document: Document) -> CleanedDocument:
    """Split `document` into kept content blocks and removed spans, each named by its rule."""
    text, language = document.text, rules_language(document.language)
    if document.extracted:
        return _clean_extracted(document, language)
    blocks: list[Span] = []
    removed: list[RemovedSpan] = []
    seen: set[str] = set()
    judged: list[_Judged] = []
    for start, end in _blocks(text, language):
        label = _LABEL.match(text, start, end)
        body = label.end() if label else start
        block = _Block.read(text[body:end], language)
        judged.append(_Judged(start, end, label, body, block, _reason(block, language, seen)))
    for at, (start, end, label, body, block, reason) in enumerate(judged):
        if not reason and at + 1 < len(judged) and _credited(judged[at], judged[at + 1], text):
            reason = "caption"
        if reason:
            removed.append(RemovedSpan(start, end, reason))
            continue
        if label:
            removed.append(RemovedSpan(start, start + len(label.group().rstrip()), "label"))
        if block.kept < len(block.sentences):
            appeals_start = body + block.sentences[block.kept][0]
            removed.append(RemovedSpan(appeals_start, end, "reader-appeal"))
            end = body + block.sentences[block.kept - 1][1]
        blocks.append(Span(body, end))
    return CleanedDocument(document, blocks, removed)


def _clean_extracted(document: Document, language: str) -> CleanedDocument:
    """An extractor's text without the headline it repeats and the standfirst under it.

    The headline is a block before the article's first paragraph that shares at least
    HEADLINE_OVERLAP of its words with the document's title (the page's, or the one sent).
    The standfirst is the block right under the headline(s) when it is a heading of at least
    HEADLINE_MIN_WORDS words (a dek, or a date and byline). Every other line is kept.
    """
    text = document.text
    removed: list[RemovedSpan] = []
    seen: set[str] = set()
    headlines = 0
    for start, end in _blocks(text, language) if document.title else []:
        block = _Block.read(text[start:end], language)
        reason = _reason(block, language, seen)
        if reason and _repeats_title(block.text, document.title or ""):
            removed.append(RemovedSpan(start, end, "headline"))
            headlines += 1
            continue
        standfirst = reason == "no-sentence-structure" and "\n" not in block.text
        if headlines and standfirst and count_words(block.text) >= HEADLINE_MIN_WORDS:
            removed.append(RemovedSpan(start, end, "standfirst"))
        break
    kept = [
        line
        for line in _lines(text)
        if not any(span.start <= line.start < span.end for span in removed)
    ]
    return CleanedDocument(document, kept, removed)


def _repeats_title(block: str, title: str) -> bool:
    """Whether `block` shares at least HEADLINE_OVERLAP of its words with `title` (Jaccard)."""
    ours, theirs = set(_WORD.findall(block.casefold())), set(_WORD.findall(title.casefold()))
    union = ours | theirs
    return bool(union) and len(ours & theirs) >= HEADLINE_OVERLAP * len(union)


def _lines(text: str) -> list[Span]:
    """The non-blank lines of `text`, without their surrounding white space."""
    spans = []
    for line in re.finditer(r"[^\n]+", text):
        content = line.group()
        if content.strip():
            start = line.start() + len(content) - len(content.lstrip())
            spans.append(Span(start, line.end() - len(content) + len(content.rstrip())))
    return spans


class _Judged(NamedTuple):
    start: int
    end: int
    label: re.Match[str] | None
    body: int
    block: _Block
    reason: str  # "" when kept


def _credited(line: _Judged, following: _Judged, text: str) -> bool:
    """A short line whose next line, in the same paragraph, is a credit ("Image: Francis
    Tyers.") is the caption the credit belongs to ("Russell Square after the bombings.")."""
    return (
        following.reason == "caption"
        and _CREDIT.fullmatch(following.block.text) is not None
        and text[line.end : following.start].count("\n") == 1
        and len(line.block.sentences) == 1
        and count_words(line.block.text) < MIN_UNTERMINATED_PROSE_WORDS
    )


@dataclass(frozen=True)
class _Block:
    """A block's text (label cut off), its rough sentences and which of them speak to the reader."""

    text: str
    sentences: list[tuple[int, int]]
    appeals: list[bool]

    @classmethod
    def read(cls, text: str, language: str) -> _Block:
        sentences = sentence_spans(text, language, fast=True) or [(0, len(text))]
        return cls(text, sentences, _appeals(text, sentences))

    @property
    def kept(self) -> int:
        """How many sentences precede a closing run of appeals ("Subscribe to..."), at least 1."""
        keep = len(self.appeals)
        while keep > 1 and self.appeals[keep - 1]:
            keep -= 1
        return keep

    @property
    def is_appeal(self) -> bool:
        """Most sentences are appeals, or at least half of those before the closing run."""
        head = self.appeals[: self.kept]
        most = sum(self.appeals) > APPEAL_SHARE * len(self.appeals)
        return most or sum(head) >= APPEAL_SHARE * len(head)

    @property
    def is_caption(self) -> bool:
        """Fragments ("Soldiers. An illustrative image."), or a short credit ("Photo: Reuters.")."""
        if _CREDIT.fullmatch(self.text) and count_words(self.text) <= CREDIT_MAX_WORDS:
            return True
        return len(self.sentences) >= 2 and all(
            count_words(self.text[start:end]) <= CAPTION_MAX_WORDS for start, end in self.sentences
        )


def _reason(block: _Block, language: str, seen: set[str]) -> str:
    """Name the rule that removes `block`, or return "" to keep it."""
    text = block.text
    if not any(ch.isalpha() for ch in text):
        return "no-letters"
    key = " ".join(text.casefold().split())
    if key in seen:
        return "duplicate"
    seen.add(key)
    if _is_keywords(text):
        return "keywords"
    if len(block.sentences) == 1 and is_question(text, language):
        return "question"
    if not ends_sentence(text, language) and not _is_unterminated_prose(text, block.sentences):
        return "no-sentence-structure"
    if block.is_appeal:
        return "reader-appeal"
    if block.is_caption:
        return "caption"
    return ""


def _blocks(text: str, language: str) -> list[tuple[int, int]]:
    """Trimmed spans of the units judged one by one: lines, or hard-wrapped paragraphs whole."""
    blocks: list[tuple[int, int]] = []
    for paragraph in _paragraphs(text):
        if _is_hard_wrapped([text[start:end] for start, end in paragraph], language):
            blocks.append((paragraph[0][0], paragraph[-1][1]))
        else:
            blocks.extend(paragraph)
    return blocks


def _paragraphs(text: str) -> list[list[tuple[int, int]]]:
    """Runs of non-blank lines, each line as its span trimmed of whitespace."""
    paragraphs: list[list[tuple[int, int]]] = [[]]
    offset = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            start = offset + len(line) - len(line.lstrip())
            paragraphs[-1].append((start, start + len(stripped)))
        elif paragraphs[-1]:
            paragraphs.append([])
        offset += len(line) + 1
    return [paragraph for paragraph in paragraphs if paragraph]


def _is_hard_wrapped(lines: list[str], language: str) -> bool:
    """Lines of even width, most broken mid-sentence before a lower-case word: one paragraph."""
    if len(lines) < 2:
        return False
    width = max(len(line) for line in lines)
    if width > WRAP_MAX_WIDTH or any(len(line) < WRAP_FILL * width for line in lines[:-1]):
        return False
    broken = sum(
        1
        for line, after in itertools.pairwise(lines)
        if not ends_sentence(line, language) and after[0].isalpha() and not after[0].isupper()
    )
    return 2 * broken >= len(lines) - 1


def _is_unterminated_prose(block: str, sentences: list[tuple[int, int]]) -> bool:
    """Long, and built with commas or of several sentences: prose that lost its last full stop.

    Headlines run to about 20 words; keyword lines and menus have neither commas nor sentences.
    """
    structured = len(sentences) >= 2 or any(ch in _COMMAS for ch in block)
    return structured and count_words(block) >= MIN_UNTERMINATED_PROSE_WORDS


def _is_keywords(block: str) -> bool:
    """Several words in a cased script, no capital, no punctuation: a tag line, not a sentence."""
    letters = [ch for ch in block if ch.isalpha()]
    cased = [ch for ch in letters if ch.isupper() or ch.islower()]
    return (
        2 * len(cased) > len(letters)
        and not any(ch.isupper() for ch in cased)
        and not any(unicodedata.category(ch).startswith("P") and ch not in "-'’" for ch in block)
        and count_words(block) >= MIN_KEYWORDS
    )


def _appeals(block: str, sentences: list[tuple[int, int]]) -> list[bool]:
    """For each sentence, whether it speaks to the reader; quoted speech does not count."""
    unquoted = _QUOTED.sub(lambda quote: " " * len(quote.group()), block)
    return [_speaks_to_reader(block[start:end], unquoted[start:end]) for start, end in sentences]


def _speaks_to_reader(sentence: str, unquoted: str) -> bool:
    """Second person outside quotes, or an imperative call ("Join our...") opening the sentence."""
    words = _WORD.findall(unquoted.casefold())
    if any(word in _SECOND_PERSON for word in words):
        return True
    opening = _WORD.findall(sentence.casefold())[:2]
    if not opening or opening != words[:2] or opening[0] not in _CALLS:
        return False  # a sentence that opens with a quotation is not an imperative
    if len(words) == 1 or words[1] in _CALL_OBJECTS:
        return True
    return words[0] in _CALLS_TO and words[1] == "to"


# A headline: one line of a few words to about a sentence, before the article's first paragraph.
HEADLINE_MIN_WORDS = 4  # "World News", "date 2024-12-27 Eng" are section labels and datelines
# A line that shares at least this share of its words (Jaccard) with the title repeats it: chosen
# on half A of `python -m bench pages` (0.5 to 0.7 score the same; 0.8 and over miss headlines
# with a word changed, 0.4 and under take article lines), reported on half B.
HEADLINE_OVERLAP = 0.5
HEADLINE_SCAN_CHARS = 4_000  # the top of the page; a headline further down is not the headline
_OUTER_QUOTES = {"“": "”", '"': '"', "«": "»", "„": "“", "‘": "’"}


def find_headline(text: str, language: str) -> str | None:
    """The document's headline, as the cleaner judges its first blocks, or None.

    It is the first block, before any paragraph of the article, that is one sentence of
    HEADLINE_MIN_WORDS to MIN_UNTERMINATED_PROSE_WORDS words, and that the cleaner removes only for
    lack of a full stop (a heading) or keeps (a headline written as a sentence). Datelines, section
    labels, keyword lines and captions before it are passed over; a first paragraph of several
    sentences means the page has no headline.
    """
    language = rules_language(language)
    top = text[:HEADLINE_SCAN_CHARS]
    seen: set[str] = set()
    for start, end in _blocks(top, language):
        block = _Block.read(top[start:end], language)
        reason = _reason(block, language, seen)
        one_line = "\n" not in block.text and len(block.sentences) == 1
        sized = HEADLINE_MIN_WORDS <= count_words(block.text) < MIN_UNTERMINATED_PROSE_WORDS
        if reason in ("", "no-sentence-structure") and one_line and sized:
            return _unquoted(block.text)
        if reason == "":
            return None  # the article has begun
    return None


def is_set_apart_headline(text: str, start: int, end: int, language: str) -> bool:
    """Whether `text[start:end]`, an article's first kept sentence, is a headline set apart from
    the article: a line of its own followed by a line that is not prose (a date, a dateline, a
    byline). A first paragraph of one sentence followed by more prose, as wire copy opens, is the
    article's lead; so is the only sentence of a text. (The cleaner keeps a headline written as a
    sentence: the brief names the article by it but does not quote it, `merge.py`.)"""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    if text[line_start:start].strip() or text[end:line_end].strip():
        return False
    rules = rules_language(language)
    for line in text[line_end:].split("\n", 8)[:8]:
        if line.strip():
            return bool(_reason(_Block.read(line.strip(), rules), rules, set()))
    return False


def _unquoted(line: str) -> str:
    """“Battlefront Betrayal: ...” -> Battlefront Betrayal: ..."""
    line = line.strip()
    closing = _OUTER_QUOTES.get(line[:1])
    if closing and line.endswith(closing) and len(line) > 2 and closing not in line[1:-1]:
        return line[1:-1].strip()
    return line
