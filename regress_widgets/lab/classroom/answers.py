"""What the engine says a prediction should have been: the three kinds of answer an exercise compares with.

* **point** — θ after a step, in the contour plane's two parameters (:func:`point_answer`); the distance is the
  Euclidean one in that plane, ``hypot(θi − x, θj − y)``, in the parameters' own units.
* **choice** — how the run ends (:func:`outcome`), one of :data:`OUTCOMES`, read off the Lab's verdict
  (:mod:`regress_widgets.theory.verdict`) and the stability limit:

  - ``diverges``: the verdict is *diverging* or *diverged*;
  - ``oscillates``: not diverging, but the last learning rate is past half the stability limit
    (:meth:`~regress_widgets.theory.landscape.Landscape.lr_limit`). For plain SGD that is lr·λmax > 1: every step
    overshoots the valley floor along the steepest direction, so θ flips side each step (a zigzag that
    shrinks, but never goes straight down). Adam has no stability limit, so it never "oscillates" by this rule;
  - ``converges``: the verdict is *converged*;
  - ``still moving``: the verdict is *still moving* (a run too short or a learning rate too small).

* **number** — a learning rate (:func:`number_answer`): ``first_diverging_lr`` is the smallest lr at which the
  engine's own run (the same recipe, settings and seed, only lr changed) gets the verdict *diverging* or
  *diverged*, found by bisection to :data:`SEARCH_PRECISION` — the answer to "what is the largest learning rate
  that still converges?" (every lr below it does not diverge); ``stability_limit`` is the theory's limit
  (2/λmax for plain SGD), which minibatch noise can lower in practice. A guess is right when it is within the
  question's relative ``tolerance`` of the answer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ...engine.train import Run, train
from ...recipes.settings import TABLE
from ...recipes.tutorials import Recipe
from ...theory.landscape import Landscape
from ...theory.verdict import verdict

NUMBER_ANSWERS = ("first_diverging_lr", "stability_limit")
SEARCH_PRECISION = 0.01
"""The bisection for ``first_diverging_lr`` stops when its bracket is narrower than this (relative)."""
LOWEST_LR = 1e-8


@dataclass(frozen=True)
class PointAnswer:
    step: int
    actual: tuple[float, float]
    """θ after ``step`` in the plane (NaN where the run had diverged by then)."""
    distance: float
    """Euclidean distance from the guess (inf when θ was no longer finite)."""


def point_answer(run: Run, pair: tuple[int, int], step: int, guess: tuple[float, float]) -> PointAnswer:
    """θ after ``step`` (clamped to the run) in the plane ``pair``, and its distance from ``guess``."""
    step = int(min(max(step, 0), run.steps))
    i, j = pair
    x, y = (float(v) for v in run.theta[step, [i, j]])
    if not (math.isfinite(x) and math.isfinite(y)):
        return PointAnswer(step, (math.nan, math.nan), math.inf)
    return PointAnswer(step, (x, y), math.hypot(x - guess[0], y - guess[1]))


def outcome(run: Run, landscape: Landscape) -> str:
    """How ``run`` ends, as a student would say it: one of :data:`OUTCOMES` (the module docstring says how)."""
    kind = verdict(run, landscape).kind
    if kind in ("diverging", "diverged"):
        return "diverges"
    r = run.recipe
    limit = landscape.lr_limit(r.optimizer, r.momentum)
    if limit is not None and run.steps and float(run.lr[-1]) > limit / 2:
        return "oscillates"
    return "converges" if kind == "converged" else "still moving"


def diverges(recipe: Recipe, seed: int, lr: float, landscape: Landscape) -> bool:
    """Whether the engine's run of ``recipe`` at ``lr`` (everything else as it is) diverges."""
    run = train(recipe, seed=seed, lr=lr)
    return verdict(run, landscape).kind in ("diverging", "diverged")


def first_diverging_lr(recipe: Recipe, seed: int, landscape: Landscape) -> float | None:
    """The smallest lr (to :data:`SEARCH_PRECISION`) whose run diverges; None when even the largest lr the
    settings allow does not (Adam, often)."""
    top = TABLE["lr"].high
    limit = landscape.lr_limit(recipe.optimizer, recipe.momentum)
    hi = min(limit if limit is not None else recipe.lr, top)
    while not diverges(recipe, seed, hi, landscape):
        if hi >= top:
            return None
        hi = min(2 * hi, top)
    lo = hi / 2
    while diverges(recipe, seed, lo, landscape):
        if lo <= LOWEST_LR:
            return lo
        hi, lo = lo, lo / 2
    while hi / lo > 1 + SEARCH_PRECISION:
        mid = math.sqrt(lo * hi)
        if diverges(recipe, seed, mid, landscape):
            hi = mid
        else:
            lo = mid
    return hi


def number_answer(kind: str, recipe: Recipe, seed: int, landscape: Landscape) -> float | None:
    """The engine's answer to a number question of ``kind`` (one of :data:`NUMBER_ANSWERS`)."""
    if kind == "stability_limit":
        return landscape.lr_limit(recipe.optimizer, recipe.momentum)
    return first_diverging_lr(recipe, seed, landscape)


def relative_error(guess: float, answer: float) -> float:
    return abs(guess - answer) / abs(answer) if answer else float(np.inf)
