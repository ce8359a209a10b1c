"""When what a sentence reports happened: its date (or range), the expression it was read from,
or, where the sentence names no time, its document's date as the date it was reported.
DEVELOPERS.md ("Design notes of the pipeline and ingest", `service/pipeline/merge/when.py`) says
how and why.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

import regex

from service.pipeline.documents.chronology import (
    EARLIEST_YEAR,
    LATEST_YEAR,
    languages,
    ordinal_days,
    parser,
)
from service.pipeline.merge.concepts import stop_words
from service.pipeline.types import When

PRECISION = {"day": 0, "week": 1, "month": 2, "year": 3}
CAPITALISED = frozenset({"en", "de", "nl"})  # write month and weekday names with a capital
MONTH_ABBREVIATIONS = tuple(calendar.month_abbr[1:])
_WORD = regex.compile(r"[\p{L}\p{M}]+")
_YEAR = re.compile(r"(?<![0-9])(1[89]\d\d|20\d\d|2100)(?![0-9])")
_DIGIT = re.compile(r"\d")
_CLOCK = re.compile(r"\d{1,2}:\d{2}(:\d{2})?")
_FIGURES = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}")
# Words that make what follows them in the clause a plan, not an event: what a weekday after them
# names is to come. Languages without a list read every weekday as past.
FUTURE = {
    "en": r"will|would|shall|'ll|(?:is|are|was|were) (?:due|set|scheduled|expected|planned|going)"
    r"|(?:is|are|was|were) to|plans? to|planned to|intends? to|to be held",
    "fr": r"sera|seront|aura|auront|doit|doivent|devait|devaient|devrait|devraient|va|vont"
    r"|prévue?s?|[\p{L}]+(?:era|eront|ira|iront)",
}
FUTURE_WORDS = 8  # the marker is this close before the weekday, in the same clause
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = tuple(name.lower() for name in calendar.month_name[1:])


@lru_cache(maxsize=4096)
def sentence_when(text: str, language: str, reported: date | None) -> When | None:
    """The date of what `text` reports, read against `reported` (its document's date). Where the
    document has no date, a relative expression ("on Saturday") cannot be read: its `when` names
    the expression with no date, so that it is shown as a date unknown rather than as a day like
    any other Saturday; None when the sentence names no time and its document has no date.
    Remembered: the merge dates a sentence when it weighs it as a lead or a plan, and again when
    it tells the story."""
    found = time_expressions(text, language, reported)
    if found:
        return min(found, key=lambda w: (PRECISION.get(w.period, 9), _latest_first(w)))
    if reported is None:
        relative = _Words.of(language).relative_spans(text)
        if relative:
            start, end = relative[0]
            return When(None, None, text[start:end])
        return None
    day = reported.isoformat()
    return When(day, day, None, reported=True, period="day")


def unread_time(text: str, language: str, reported: date | None) -> str | None:
    """The relative expression a sentence of an undated document names and no one can read
    ("on Saturday" of when?), as a key that two wordings of one share ("saturday"); None where
    the sentence is dated or names no such time. Two such sentences could be of two different
    Saturdays, and nothing would tell the reader: a brief shows one of them."""
    if reported is not None:
        return None
    when = sentence_when(text, language, None)
    if when is None or when.start or not when.expression:
        return None
    words = _Words.of(language)
    weekday = words.weekday(when.expression)
    return WEEKDAYS[weekday] if weekday is not None else when.expression.lower()


def _latest_first(when: When) -> int:
    return -date.fromisoformat(when.start).toordinal() if when.start else 0


def time_expressions(text: str, language: str, reported: date | None) -> list[When]:
    """Every time expression of `text` that reads as a date, resolved, in the order written."""
    from dateparser.search import search_dates

    base = datetime(reported.year, reported.month, reported.day) if reported else None
    settings: dict[str, Any] = {"PREFER_DATES_FROM": "past", "RETURN_TIME_AS_PERIOD": True}
    if base is not None:
        settings["RELATIVE_BASE"] = base
    words = _Words.of(language)
    plain = ordinal_days(text)
    spans: list[tuple[int, int]] = []
    with suppress(Exception):  # dateparser raises on a few odd inputs: then there is no date
        searched = search_dates(plain, languages=languages(language), settings=settings) or []
        at = 0
        for expression, _ in searched:
            start = plain.find(expression, at)
            if start >= 0:
                spans.append((start, start + len(expression)))
                at = start + len(expression)
    if reported is not None:  # the relative expressions and weekdays the search misses
        spans += words.relative_spans(plain)
    found: list[When] = []
    for start, end in _outermost(spans):
        start, end = words.trimmed(plain, start, end)
        when = resolve(plain[start:end], language, reported, ahead=_planned(plain, start, language))
        if when is None:
            continue
        when = replace(when, expression=text[start:end])  # as written, "1er" and all
        modifier = words.modifier(plain, end)  # "samedi" + "dernier"
        if modifier is not None and reported is not None:
            when = _modified(when, text[start : modifier[0]], modifier[1], words, reported)
        found.append(when)
    return found


def _modified(when: When, expression: str, sign: int, words: _Words, reported: date) -> When:
    """A weekday or a month with "last" or "next" after it, as some languages write them
    ("samedi dernier", "en août prochain"): the one strictly before (after) the report date.
    Other expressions keep their date, and take the modifier into their expression."""
    if when.start is None:
        return when
    day = date.fromisoformat(when.start)
    if when.period == "day" and words.lone_weekday(when.expression or ""):
        days = ((day.weekday() - reported.weekday()) * sign) % 7 or 7
        day = reported + timedelta(days=sign * days)
        return When(day.isoformat(), day.isoformat(), expression, False, when.period)
    if when.period == "month" and sign > 0 and day <= reported:
        start, end = _span(day.replace(year=day.year + 1), "month")
        return When(start.isoformat(), end.isoformat(), expression, False, when.period)
    return When(when.start, when.end, expression, False, when.period)


def _outermost(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans not inside a longer one, in text order."""
    kept: list[tuple[int, int]] = []
    for start, end in sorted(set(spans), key=lambda s: (s[0], -s[1])):
        if kept and start < kept[-1][1]:
            continue
        kept.append((start, end))
    return kept


def _planned(text: str, start: int, language: str) -> bool:
    """Whether the clause before `start` states a plan (`FUTURE`) within `FUTURE_WORDS` words."""
    pattern = _future(languages(language)[0])
    if pattern is None:
        return False
    clause = regex.split(r"[,;:()]|\s[-–—]\s", text[:start])[-1]
    near = " ".join(clause.split()[-FUTURE_WORDS:])
    return pattern.search(near) is not None


def may_look_ahead(text: str, language: str) -> bool:
    """Whether the text may name a time after its document's date: it states a plan
    (`FUTURE`), names a time to come ("tomorrow", "next", "prochain": its locale's words for
    "in 1 day" and the like), or has a figure (a date, a year). A sentence with none of these
    is never dated after its report, past being preferred."""
    if _DIGIT.search(text) or states_plan(text, language):
        return True
    return _Words.of(language).ahead.search(text) is not None


def states_plan(text: str, language: str) -> bool:
    """Whether the text has a word that states a plan (`FUTURE`) anywhere."""
    pattern = _future(languages(language)[0])
    return pattern is not None and pattern.search(text) is not None


@lru_cache(maxsize=8)
def _future(code: str) -> regex.Pattern[str] | None:
    words = FUTURE.get(code)
    if words is None:
        return None
    return regex.compile(rf"(?<![\p{{L}}'])(?:{words})(?![\p{{L}}])", regex.IGNORECASE)


def resolve(
    expression: str, language: str, reported: date | None, *, ahead: bool = False
) -> When | None:
    """One expression's date range, or None where it does not read as a date; a weekday alone
    is the latest such day up to `reported`, or with `ahead` the first from it on."""
    words = _Words.of(language)
    if not words.accepts(expression, reported is not None):
        return None
    base = datetime(reported.year, reported.month, reported.day) if reported else None
    data = parser(language, base).get_date_data(expression)
    if data.date_obj is None or not EARLIEST_YEAR <= data.date_obj.year <= LATEST_YEAR:
        return None
    day = data.date_obj.date()
    period = data.period if data.period in ("week", "month", "year") else "day"  # or a time
    weekday = words.weekday(expression)
    if reported is not None and period == "day" and weekday is not None:
        if words.lone_weekday(expression):
            day = (_next_weekday if ahead else _latest_weekday)(weekday, reported)
        elif not _YEAR.search(expression):  # "Sunday, January 23": the year it is a Sunday
            day = _year_of_weekday(day, weekday, reported)
    start, end = _span(day, period)
    return When(start.isoformat(), end.isoformat(), expression.strip(), False, period)


def _latest_weekday(weekday: int, reported: date) -> date:
    return reported - timedelta(days=(reported.weekday() - weekday) % 7)


def _next_weekday(weekday: int, reported: date) -> date:
    return reported + timedelta(days=(weekday - reported.weekday()) % 7)


def _year_of_weekday(day: date, weekday: int, reported: date) -> date:
    """The day and month of `day` in the year, next to the report's, where it falls on
    `weekday`: the nearest to the report date; `day` itself where none does."""
    found = []
    for year in (reported.year - 1, reported.year, reported.year + 1):
        with suppress(ValueError):
            candidate = day.replace(year=year)
            if candidate.weekday() == weekday:
                found.append(candidate)
    return min(found, key=lambda d: abs((d - reported).days), default=day)


def _span(day: date, period: str) -> tuple[date, date]:
    if period == "week":
        monday = day - timedelta(days=day.weekday())
        return monday, monday + timedelta(days=6)
    if period == "month":
        last = calendar.monthrange(day.year, day.month)[1]
        return day.replace(day=1), day.replace(day=last)
    if period == "year":
        return date(day.year, 1, 1), date(day.year, 12, 31)
    return day, day


class _Words:
    """A language's calendar words, from its dateparser locale: month and weekday names, and
    the words of its relative expressions."""

    def __init__(self, language: str) -> None:
        from dateparser.languages.loader import default_loader

        self.code = languages(language)[0]
        stop = stop_words(language)
        self.names: set[str] = set()
        self.weekdays: dict[str, int] = {}  # name: Monday 0 ... Sunday 6
        self.relative: list[str] = []
        self.last: set[str] = set()  # "last", "dernier": the modifier of "1 week ago"
        self.next: set[str] = set()  # "next", "prochain": of "in 1 week"
        ahead: list[str] = []  # "tomorrow", "in 2 days": what is to come
        skip: set[str] = set()
        for code in languages(language):
            info = default_loader.get_locale(code).info
            skip |= {w.lower() for w in info.get("skip", []) if w.strip()}
            units = {w.lower() for key in PRECISION for w in info.get(key, [])}
            for key, phrases in (info.get("relative-type") or {}).items():
                modifiers = {w for p in phrases if " " in p for w in p.lower().split()} - units
                if re.fullmatch(r"1 (day|week|month|year) ago", key):
                    self.last |= modifiers
                elif re.fullmatch(r"in 1 (day|week|month|year)", key):
                    self.next |= modifiers
            for key in MONTHS + WEEKDAYS:
                for name in info.get(key, []):
                    name = name.lower().rstrip(".")
                    if len(name) >= 3 and name not in stop:
                        self.names.add(name)
                        if key in WEEKDAYS:
                            self.weekdays[name] = WEEKDAYS.index(key)
            for key, phrases in (info.get("relative-type") or {}).items():
                self.relative += [p.lower() for p in phrases if not p.startswith("0 second")]
                if key.startswith("in "):
                    ahead += [p.lower() for p in phrases]
            self.relative += [w.lower() for w in info.get("ago", [])]
        self.relative = [p for p in self.relative if p not in ("now", "maintenant")]
        self.last -= stop | skip
        self.next -= stop | skip
        self.stop = (stop | skip) - self.names - self.last - self.next
        self.ahead = regex.compile(
            r"(?<![\p{L}\p{M}])("
            + "|".join(regex.escape(w) for w in sorted({*ahead, *self.next}, key=len, reverse=True))
            + r")(?![\p{L}\p{M}])",
            regex.IGNORECASE,
        )
        calendar_words = [*self.relative, *(n for n in self.weekdays if len(n) > 3)]
        self._relative = regex.compile(
            r"(?<![\p{L}\p{M}])("
            + "|".join(regex.escape(p) for p in sorted(calendar_words, key=len, reverse=True))
            + r")(?![\p{L}\p{M}])",
            regex.IGNORECASE,
        )

    def relative_spans(self, text: str) -> list[tuple[int, int]]:
        """Where the text names a relative time or a weekday (with a capital where the
        language writes one)."""
        return [
            match.span()
            for match in self._relative.finditer(text)
            if match[0].lower() not in self.weekdays
            or match[0][0].isupper()
            or self.code not in CAPITALISED
        ]

    def trimmed(self, text: str, start: int, end: int) -> tuple[int, int]:
        """The expression without what dateparser's search took with it: clauses on either side
        of a comma that name no time ("8, February 27", "En juin 2004, trois"), and words at its
        end that are no part of a date ("last week by", "hier à")."""
        parts = [(m.start(), m.end()) for m in regex.finditer(r"[^,]+", text[start:end])]
        timed = [p for p in parts if self._names_time(text[start + p[0] : start + p[1]])]
        if timed:
            start, end = start + timed[0][0], start + timed[-1][1]
        words = list(regex.finditer(r"\S+", text[start:end]))
        while len(words) > 1 and words[-1][0].lower().strip(",.;:") in self.stop:
            words.pop()
        if words:
            end = start + words[-1].end()
            start = start + words[0].start()
        while end > start and text[end - 1] in ",.;:":
            end -= 1
        return start, end

    def _names_time(self, part: str) -> bool:
        lower = part.lower()
        return bool(
            _FIGURES.search(part)
            or _YEAR.search(part)
            or any(w.lower() in self.names for w in _WORD.findall(part))
            or self._relative.search(lower)
        )

    def modifier(self, text: str, end: int) -> tuple[int, int] | None:
        """The modifier that follows the expression ("samedi dernier": -1, "lundi prochain": +1)
        and where it ends, if one does."""
        match = _WORD.match(text, end + 1) if text[end : end + 1] == " " else None
        if match is None:
            return None
        word = match[0].lower()
        word = word if word in self.last | self.next else word.removesuffix("s")  # agreement
        if word in self.last:
            return match.end(), -1
        if word in self.next:
            return match.end(), 1
        return None

    @classmethod
    def of(cls, language: str) -> _Words:
        return _words(languages(language)[0])

    def accepts(self, expression: str, relative_allowed: bool) -> bool:
        text = expression.strip()
        lower = text.lower()
        if _FIGURES.search(text) or _YEAR.search(text):
            return True
        for word in _WORD.findall(text):
            if word.lower() in self.names:
                capital = word[0].isupper() or self.code not in CAPITALISED
                if capital:
                    return relative_allowed or bool(_YEAR.search(text))
        if not relative_allowed:
            return False
        return any(re.search(rf"(?<!\w){re.escape(p)}(?!\w)", lower) for p in self.relative)

    def weekday(self, expression: str) -> int | None:
        """The weekday the expression names (Monday 0), if it names one."""
        for word in _WORD.findall(expression):
            if word.lower() in self.weekdays:
                return self.weekdays[word.lower()]
        return None

    def lone_weekday(self, expression: str) -> bool:
        """A weekday named without "last", "next" or a date ("on Saturday", "samedi", "jeudi
        00:36 UTC"): a clock time is no date."""
        if self.weekday(expression) is None or regex.search(r"\d", _CLOCK.sub("", expression)):
            return False
        lower = expression.lower()
        return not any(
            regex.search(rf"(?<!\w){regex.escape(p)}(?!\w)", lower)
            for p in self.relative
            if p not in self.weekdays
        )


@lru_cache(maxsize=32)
def _words(code: str) -> _Words:
    return _Words(code)


def when_label(when: When | Mapping[str, Any]) -> str:
    """The date a reader sees: "8 Jan 2005", "3-9 Jan 2005", "Dec 2004", "2004", and "reported
    8 Jan 2005" where the sentence names no time of its own."""
    data = when.to_dict() if isinstance(when, When) else when
    if not data.get("start") or not data.get("end"):
        return "date unknown"  # a relative expression in an undated document
    start, end = date.fromisoformat(data["start"]), date.fromisoformat(data["end"])
    label = _range_label(start, end)
    return f"reported {label}" if data.get("reported") else label


def _range_label(start: date, end: date) -> str:
    if start == end:
        return _day_label(start)
    whole_month = start.day == 1 and end == start.replace(
        day=calendar.monthrange(start.year, start.month)[1]
    )
    if whole_month:
        return f"{MONTH_ABBREVIATIONS[start.month - 1]} {start.year}"
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
        return str(start.year)
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}-{_day_label(end)}"
    return f"{_day_label(start)} - {_day_label(end)}"


def _day_label(day: date) -> str:
    return f"{day.day} {MONTH_ABBREVIATIONS[day.month - 1]} {day.year}"
