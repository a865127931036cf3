"""How a run ended — converged, still moving, diverging or diverged: one definition for the CLI, its JSON and the Lab.

The verdict reads the full-data loss along the path (a :class:`~regress_widgets.theory.landscape.Landscape`), not
the noisy minibatch losses:

* **diverged**: θ or the loss stopped being finite (``run.diverged_at``);
* **diverging**: the final learning rate is past the optimizer's stability limit (2/λmax for plain SGD,
  :meth:`~regress_widgets.theory.landscape.Landscape.lr_limit` for momentum and Nesterov; Adam has none): the steepest
  direction grows every step, noise or not; or the excess loss above the least-squares minimum ends more than
  :data:`DIVERGING_FACTOR` times its start — a blow-up that stays finite is called by its name;
* **converged**: the excess loss is down to 5 % of the minimum (or 0.1 % of its start);
* **still moving**: anything else.

``diverging_at`` is the first step whose excess loss exceeded :data:`DIVERGING_FACTOR` × its start (or
was not finite), given for diverging and diverged runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .landscape import Landscape, limit_formula

DIVERGING_FACTOR = 10.0
"""A run is diverging once its excess full-data loss exceeds this many times the excess it started with."""

KINDS = ("converged", "still moving", "diverging", "diverged")
OUTCOMES = ("converges", "oscillates", "diverges", "still moving")
"""How a student says a run ends, in a prediction (the Lab's choice questions, the class service's answers)."""


@dataclass(frozen=True)
class Verdict:
    """How a run ended: ``kind`` is one of :data:`KINDS`; ``text`` says it in a sentence."""

    kind: str
    text: str
    diverging_at: int | None = None
    """First step (1-based) whose excess loss exceeded DIVERGING_FACTOR × its start or was not finite;
    None unless the run is diverging or diverged (or when a diverging run has not got there yet)."""
    diverged_at: int | None = None
    """First step whose θ or loss is not finite (the run's own ``diverged_at``)."""


def full_loss(landscape: Landscape, theta) -> np.ndarray:
    """The full-data loss at θ (..., P), inf where θ is huge or not finite (no overflow warnings)."""
    with np.errstate(all="ignore"):
        out = landscape.loss(theta)
    return np.where(np.isfinite(out), out, np.inf)


def blowup_step(landscape: Landscape, theta) -> int | None:
    """First step t ≥ 1 of the path ``theta`` (T + 1, P) whose excess loss exceeds DIVERGING_FACTOR × that
    of θ₀, or is not finite; None when there is none."""
    loss = full_loss(landscape, theta)
    best = landscape.min_loss
    limit = DIVERGING_FACTOR * max(loss[0] - best, 1e-12)
    with np.errstate(invalid="ignore"):
        over = ~(loss[1:] - best <= limit)
    return int(over.argmax()) + 1 if over.any() else None


def path_verdict(theta, lr, diverged_at: int | None, landscape: Landscape, optimizer: str = "sgd",
                 momentum: float = 0.0) -> Verdict:
    """The verdict on a path ``theta`` (T + 1, P) stepped with learning rates ``lr`` (T,) by ``optimizer``."""
    theta = np.asarray(theta, dtype=np.float64)
    lr = np.asarray(lr, dtype=np.float64)
    lr_max = landscape.lr_limit(optimizer, momentum)
    name = limit_formula(optimizer, momentum)
    T = len(lr)
    if diverged_at is not None:
        past = f" (lr {lr.max():.3g} > {name} = {lr_max:.3g})" if T and lr_max is not None and lr.max() > lr_max \
            else ""
        return Verdict("diverged", f"diverged at step {diverged_at}{past}", blowup_step(landscape, theta),
                       diverged_at)
    first, last = full_loss(landscape, theta[[0, T]])
    best = landscape.min_loss
    excess0, excess = first - best, last - best
    rate = float(lr[-1]) if T else 0.0
    ratio = f"{last / max(first, 1e-300):.2g}"
    if lr_max is not None and rate > lr_max:  # the steepest direction grows every step, noise or not
        return Verdict("diverging", f"diverging: lr {rate:.3g} is past the stability limit {name} = {lr_max:.3g}"
                       f" (loss ×{ratio} of the start so far)", blowup_step(landscape, theta))
    if not np.isfinite(last) or excess > DIVERGING_FACTOR * max(excess0, 1e-12):
        return Verdict("diverging", f"diverging: loss ×{ratio} of the start", blowup_step(landscape, theta))
    if excess <= max(0.05 * best, 1e-3 * excess0, 1e-12):
        return Verdict("converged", f"converged: loss {last:.4g}, best possible {best:.4g}")
    return Verdict("still moving", f"still moving: loss {last:.4g}, best possible {best:.4g}")


def final_kinds(theta0, theta_final, lr_last, diverged_at, landscape: Landscape, optimizer: str = "sgd",
                momentum: float = 0.0) -> np.ndarray:
    """The verdict's kind for many runs at once from their first and last θ (R, P), last learning rates (R,) and
    ``diverged_at`` (R,: 0 or None where a run never diverged): the same rules as :func:`path_verdict`."""
    lr_max = landscape.lr_limit(optimizer, momentum)
    first, last = full_loss(landscape, theta0), full_loss(landscape, theta_final)
    best = landscape.min_loss
    excess0, excess = first - best, last - best
    lr_last = np.asarray(lr_last, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        past = np.zeros(len(last), dtype=bool) if lr_max is None else lr_last > lr_max
        growing = ~np.isfinite(last) | (excess > DIVERGING_FACTOR * np.maximum(excess0, 1e-12))
        settled = excess <= np.maximum(np.maximum(0.05 * best, 1e-3 * excess0), 1e-12)
    out = np.where(settled, "converged", "still moving").astype(object)
    out[past | growing] = "diverging"
    out[np.asarray([bool(d) for d in diverged_at])] = "diverged"
    return out.astype(str)


def verdict(run, landscape: Landscape | None = None) -> Verdict:
    """The verdict on a :class:`~regress_widgets.engine.train.Run`, on ``landscape`` (default: the run's own)."""
    return path_verdict(run.theta, run.lr, run.diverged_at, run.landscape if landscape is None else landscape,
                        run.recipe.optimizer, run.recipe.momentum)
