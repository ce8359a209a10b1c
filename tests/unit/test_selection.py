"""The brief's choice of sentences: exact budgeted maximum coverage, and its greedy fallback."""

from __future__ import annotations

import itertools

import pytest

from service.pipeline.merge import selection
from service.pipeline.merge.selection import Option, choose

WEIGHTS = {"a": 5.0, "b": 4.0, "c": 3.0, "d": 1.0}


def _coverage(options: list[Option], picked: list[int]) -> float:
    covered = {c for i in picked for c in options[i].concepts}
    return sum(WEIGHTS.get(c, 0.0) for c in covered)


def _best_by_enumeration(options, budget, exclusive=()):
    best = 0.0
    for size in range(len(options) + 1):
        for subset in itertools.combinations(range(len(options)), size):
            if sum(options[i].words for i in subset) > budget:
                continue
            if any(len(set(group) & set(subset)) > 1 for group in exclusive):
                continue
            best = max(best, _coverage(options, list(subset)))
    return best


OPTIONS = [
    Option(10, frozenset("ab")),
    Option(6, frozenset("a")),
    Option(6, frozenset("bc")),
    Option(5, frozenset("cd")),
    Option(3, frozenset("d")),
]


@pytest.mark.parametrize("budget", [3, 6, 11, 12, 15, 20, 30])
def test_the_exact_choice_is_the_best_within_the_budget(budget):
    choice = choose(OPTIONS, WEIGHTS, budget)
    assert sum(OPTIONS[i].words for i in choice.picked) <= budget
    assert choice.coverage == pytest.approx(_best_by_enumeration(OPTIONS, budget))
    assert choice.method == "exact"


def test_a_concept_counts_once_however_many_sentences_carry_it():
    options = [Option(5, frozenset("a")), Option(5, frozenset("a")), Option(5, frozenset("c"))]
    choice = choose(options, WEIGHTS, 10)
    assert sorted(choice.picked) == [0, 2] or sorted(choice.picked) == [1, 2]


def test_exclusive_options_are_never_picked_together():
    exclusive = [[1, 2]]
    choice = choose(OPTIONS, WEIGHTS, 12, exclusive)
    assert not {1, 2} <= set(choice.picked)
    assert choice.coverage == pytest.approx(_best_by_enumeration(OPTIONS, 12, exclusive))


def test_the_bonus_only_breaks_ties():
    options = [Option(5, frozenset("a"), bonus=0.0), Option(5, frozenset("a"), bonus=9.0)]
    assert choose(options, WEIGHTS, 5).picked == [1]
    heavier = [Option(5, frozenset("b"), bonus=1000.0), Option(5, frozenset("a"), bonus=0.0)]
    assert choose(heavier, WEIGHTS, 5).picked == [1]


def test_nothing_fits_an_empty_budget():
    assert choose(OPTIONS, WEIGHTS, 2).picked == []


def test_a_problem_too_big_for_the_solver_is_solved_greedily_within_its_bound(monkeypatch):
    monkeypatch.setattr(selection, "MAX_EXACT_OPTIONS", 0)
    for budget in (6, 11, 15, 20):
        choice = choose(OPTIONS, WEIGHTS, budget)
        assert choice.method == "greedy"
        assert sum(OPTIONS[i].words for i in choice.picked) <= budget
        best = _best_by_enumeration(OPTIONS, budget)
        assert choice.coverage >= (1 - 1 / 2.718281828) / 2 * best


def test_the_greedy_respects_exclusive_groups(monkeypatch):
    monkeypatch.setattr(selection, "MAX_EXACT_OPTIONS", 0)
    choice = choose(OPTIONS, WEIGHTS, 30, [[0, 1, 2]])
    assert len({0, 1, 2} & set(choice.picked)) <= 1
