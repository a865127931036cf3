"""How a run ended: converged, still moving, diverging or diverged; and the full-data loss it reached."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine import Run
from ..landscape import Landscape
from .style import STATUS_COLORS


@dataclass(frozen=True)
class Status:
    """How a run ended: ``kind`` is one of converged, still moving, diverging, diverged."""

    kind: str
    text: str

    @property
    def color(self) -> str:
        return STATUS_COLORS[self.kind]


def last_finite_step(run: Run) -> int:
    """Index of the last finite θ in ``run.theta``."""
    return run.steps if run.diverged_at is None else run.diverged_at - 1


def full_loss(landscape: Landscape, theta) -> np.ndarray:
    """The full-data loss at θ, quietly inf where θ is huge (no overflow warnings)."""
    with np.errstate(all="ignore"):
        out = landscape.loss(theta)
    return np.where(np.isfinite(out), out, np.inf)


def run_status(run: Run, landscape: Landscape) -> Status:
    """Converged, still moving, diverging (loss exploding but finite) or diverged (not finite)."""
    lr_max = landscape.lr_max
    if run.diverged_at is not None:
        return Status("diverged", f"diverged at step {run.diverged_at}"
                      + (f" (lr {run.lr.max():.3g} > 2/λmax = {lr_max:.3g})" if run.lr.max() > lr_max else ""))
    T = run.steps
    first, last = full_loss(landscape, run.theta[[0, T]])
    best = landscape.min_loss
    excess0, excess = first - best, last - best
    rate = float(run.lr[-1]) if T else 0.0
    if rate > lr_max:  # the steepest direction grows by |1 − lr·λmax| > 1 every step, noise or not
        return Status("diverging", f"diverging: lr {rate:.3g} is past the stability limit 2/λmax = {lr_max:.3g}"
                      f" (loss ×{last / max(first, 1e-300):.2g} of the start so far)")
    if not np.isfinite(last) or excess > 10 * max(excess0, 1e-12):
        return Status("diverging", f"diverging: loss ×{last / max(first, 1e-300):.2g} of the start")
    if excess <= max(0.05 * best, 1e-3 * excess0, 1e-12):
        return Status("converged", f"converged: loss {last:.4g}, best possible {best:.4g}")
    return Status("still moving", f"still moving: loss {last:.4g}, best possible {best:.4g}")
