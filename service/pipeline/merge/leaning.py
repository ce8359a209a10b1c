"""Sentences that lean on the one before them, and what they lean on.

A sentence that does not read on its own (`readability.reads_alone`: "The two stations...", "A
third advocate...", "“His clothes had burned off.", "And while few expect...") may still be the
best statement of a fact, with the sentence before it in its document. The merge lets the
selection take it only together with that sentence (`selection.choose(requires=...)`), and shows
the two one after the other; a leaning sentence whose predecessor is not a candidate of the brief
is not shown at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar

from service.pipeline.merge.grouping import Candidate
from service.pipeline.types import BriefSentence

T = TypeVar("T", bound=Candidate)


def leaning_on(
    candidates: Sequence[Candidate],
    texts: Sequence[str],
    eligible: Sequence[int],
    leaning: set[int],
) -> dict[int, int]:
    """{row: the row it leans on} for each eligible leaning row whose predecessor (the sentence
    just before it in its document, or the eligible copy of that sentence's text) is eligible and
    itself reads alone or leans on one that does."""
    kept = {texts[row]: row for row in eligible}
    position = {(c.document_id, c.sentence.position): row for row, c in enumerate(candidates)}
    requires: dict[int, int] = {}
    for row in eligible:
        if row not in leaning:
            continue
        item = candidates[row]
        before = position.get((item.document_id, item.sentence.position - 1))
        if before is None:
            continue
        copy = kept.get(texts[before])
        if copy is not None and copy != row:
            requires[row] = copy
    changed = True
    while changed:  # a chain must end in a sentence that reads alone
        changed = False
        for row, needed in list(requires.items()):
            if needed in leaning and needed not in requires:
                del requires[row]
                changed = True
    return requires


def after_what_they_lean_on(
    ranked: Sequence[tuple[BriefSentence, T]], requires: Mapping[int, int]
) -> list[BriefSentence]:
    """The sentences in `ranked` order, each leaning one moved to just after what it leans on."""
    shown = {item.row for _, item in ranked}
    followers: dict[int, list[tuple[BriefSentence, T]]] = {}
    for pair in ranked:
        needed = requires.get(pair[1].row)
        if needed is not None and needed in shown:
            followers.setdefault(needed, []).append(pair)
    placed: list[BriefSentence] = []

    def place(pair: tuple[BriefSentence, T]) -> None:
        placed.append(pair[0])
        for follower in followers.get(pair[1].row, []):
            place(follower)

    for pair in ranked:
        needed = requires.get(pair[1].row)
        if needed is None or needed not in shown:
            place(pair)
    return placed
