"""Which sentences a brief shows: a budgeted maximum-coverage problem over weighted concepts.
DEVELOPERS.md ("Design notes of the pipeline and ingest", `service/pipeline/merge/selection.py`)
says how and why.
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

log = logging.getLogger(__name__)

TIME_LIMIT_SECONDS = 3.0
MAX_EXACT_OPTIONS = 1000  # sentences beyond this go to the greedy (its cost grows gently)
MAX_EXACT_NONZEROS = 400_000
TIE_BREAK = 1e-3
MIP_GAP = 1e-7  # HiGHS stops within this relative gap: fine enough to see the tie-breaker


@dataclass(frozen=True)
class Option:
    """A sentence the brief may show: its length in words, the concepts it covers, and a small
    bonus (its importance) that only decides between choices of equal coverage."""

    words: int
    concepts: frozenset[str]
    bonus: float = 0.0


@dataclass(frozen=True)
class Choice:
    picked: list[int]  # indices into the options, in the order they were given
    coverage: float  # total weight of the concepts covered
    method: str  # "exact", "exact-time-bound" (best found in time), or "greedy"


def choose(
    options: Sequence[Option],
    weights: Mapping[str, float],
    budget: int,
    exclusive: Sequence[Sequence[int]] = (),
    *,
    time_limit: float = TIME_LIMIT_SECONDS,
    requires: Mapping[int, int] | None = None,
) -> Choice:
    """The options, within `budget` words, that cover the most concept weight; at most one of
    each set in `exclusive`; an option `requires` maps to another is picked only with it."""
    needs = dict(requires or {})
    fitting = [i for i, o in enumerate(options) if 0 < o.words <= budget]
    fitting = _with_what_they_need(fitting, needs, options, budget)
    if not fitting:
        return Choice([], 0.0, "exact")
    problem = _Problem(options, weights, fitting, exclusive, needs)
    if len(fitting) <= MAX_EXACT_OPTIONS and problem.nonzeros <= MAX_EXACT_NONZEROS:
        found = problem.solve_exact(budget, time_limit)
        if found is not None:
            return found
    return problem.solve_greedy(budget)


def _with_what_they_need(
    fitting: list[int], needs: dict[int, int], options: Sequence[Option], budget: int
) -> list[int]:
    """The fitting options whose chain of requirements fits too, within the budget together."""
    inside = set(fitting)
    kept = []
    for option in fitting:
        words, at, seen = options[option].words, option, {option}
        while at in needs and words <= budget:
            at = needs[at]
            if at in seen or at not in inside:
                words = budget + 1
                break
            seen.add(at)
            words += options[at].words
        if words <= budget:
            kept.append(option)
    return kept


class _Problem:
    def __init__(
        self,
        options: Sequence[Option],
        weights: Mapping[str, float],
        fitting: list[int],
        exclusive: Sequence[Sequence[int]],
        needs: Mapping[int, int],
    ) -> None:
        self.options, self.fitting = options, fitting
        inside = set(fitting)
        names = sorted({c for i in fitting for c in options[i].concepts if weights.get(c, 0) > 0})
        self.index = {name: at for at, name in enumerate(names)}
        self.weights = np.asarray([float(weights[name]) for name in names])
        self.covers = [
            [self.index[c] for c in options[i].concepts if c in self.index] for i in fitting
        ]
        at = {option: row for row, option in enumerate(fitting)}
        self.exclusive = [
            sorted({at[i] for i in group if i in inside})
            for group in exclusive
            if sum(i in inside for i in set(group)) > 1
        ]
        self.needs = {at[i]: at[needed] for i, needed in needs.items() if i in inside}
        self.nonzeros = sum(len(c) for c in self.covers) + len(names) + 2 * len(self.needs)
        bonus = np.asarray([options[i].bonus for i in fitting], dtype=np.float64)
        # The bonus only breaks ties: all of it together weighs a thousandth of the least concept.
        smallest = float(self.weights.min()) if len(self.weights) else 1.0
        spread = float(np.abs(bonus).max()) if len(bonus) else 0.0
        scale = TIE_BREAK * smallest / (spread * max(len(fitting), 1)) if spread else 0.0
        self.bonus = bonus * scale

    def coverage(self, rows: list[int]) -> float:
        covered = {c for row in rows for c in self.covers[row]}
        return float(self.weights[list(covered)].sum()) if covered else 0.0

    def _choice(self, rows: list[int], method: str) -> Choice:
        return Choice(sorted(self.fitting[row] for row in rows), self.coverage(rows), method)

    def solve_exact(self, budget: int, time_limit: float) -> Choice | None:
        from scipy.optimize import Bounds, LinearConstraint, milp
        from scipy.sparse import coo_matrix

        sentences, concepts = len(self.fitting), len(self.weights)
        width = sentences + concepts
        rows, cols, values = [], [], []
        lower: list[float] = []
        upper: list[float] = []

        def constraint(entries: list[tuple[int, float]], low: float, high: float) -> None:
            row = len(lower)
            for col, value in entries:
                rows.append(row)
                cols.append(col)
                values.append(value)
            lower.append(low)
            upper.append(high)

        constraint(
            [(s, float(self.options[self.fitting[s]].words)) for s in range(sentences)], 0, budget
        )
        carriers: list[list[int]] = [[] for _ in range(concepts)]
        for s, covered in enumerate(self.covers):
            for c in covered:
                carriers[c].append(s)
        for c, carried_by in enumerate(carriers):  # a concept counts only if a sentence carries it
            constraint([(sentences + c, 1.0)] + [(s, -1.0) for s in carried_by], -np.inf, 0)
        for group in self.exclusive:
            constraint([(s, 1.0) for s in group], -np.inf, 1)
        for s, needed in self.needs.items():  # picked only with what it leans on
            constraint([(s, 1.0), (needed, -1.0)], -np.inf, 0)
        matrix = coo_matrix((values, (rows, cols)), shape=(len(lower), width)).tocsr()
        objective = -np.concatenate([self.bonus, self.weights])
        integrality = np.concatenate([np.ones(sentences), np.zeros(concepts)])
        try:
            result = milp(
                objective,
                constraints=LinearConstraint(matrix, lower, upper),
                integrality=integrality,
                bounds=Bounds(0, 1),
                options={"time_limit": time_limit, "mip_rel_gap": MIP_GAP},
            )
        except (ValueError, MemoryError):
            log.exception("the sentence selection could not be solved exactly")
            return None
        if result.x is None:
            log.warning("no exact selection in %.1f s: %s", time_limit, result.message)
            return None
        picked = [s for s in range(sentences) if result.x[s] > 0.5]
        return self._choice(picked, "exact" if result.status == 0 else "exact-time-bound")

    def solve_greedy(self, budget: int) -> Choice:
        """Cost-scaled greedy (gain per word), compared with the best single option. Lazy: a
        sentence's gain only falls as concepts get covered, so a stale score on the heap is an
        upper bound, and only the top of the heap is scored again before it is taken. An option
        that needs another waits until that one is taken."""
        covered = np.zeros(len(self.weights), dtype=bool)
        banned = np.zeros(len(self.fitting), dtype=bool)
        groups_of: dict[int, list[int]] = {}
        for at, group in enumerate(self.exclusive):
            for s in group:
                groups_of.setdefault(s, []).append(at)
        covers = [np.asarray(c, dtype=np.int64) for c in self.covers]
        lengths = [self.options[i].words for i in self.fitting]

        def ratio(s: int) -> float:
            gain = float(self.weights[covers[s][~covered[covers[s]]]].sum())
            return (gain + float(self.bonus[s])) / lengths[s]

        heap = [(-ratio(s), s) for s in range(len(self.fitting))]
        heapq.heapify(heap)
        picked: list[int] = []
        waiting: dict[int, list[int]] = {}
        words = 0
        while heap:
            _, s = heapq.heappop(heap)
            if banned[s] or words + lengths[s] > budget:
                continue
            needed = self.needs.get(s)
            if needed is not None and needed not in picked:
                waiting.setdefault(needed, []).append(s)
                continue
            fresh = ratio(s)
            if heap and fresh < -heap[0][0]:
                heapq.heappush(heap, (-fresh, s))
                continue
            if fresh <= 0:
                break
            picked.append(s)
            words += lengths[s]
            covered[covers[s]] = True
            banned[s] = True
            for at in groups_of.get(s, []):
                banned[self.exclusive[at]] = True
            for follower in waiting.pop(s, []):
                heapq.heappush(heap, (-ratio(follower), follower))
        singles = [
            float(self.weights[c].sum()) if s not in self.needs else 0.0
            for s, c in enumerate(covers)
        ]
        single = int(np.argmax(singles)) if singles else 0
        if singles and singles[single] > self.coverage(picked):
            picked = [single]
        return self._choice(picked, "greedy")
