"""What the panels show, computed once per change: a :class:`Frame`.

A frame is frozen. Everything derived from the run on its loss surface (the status, the thinned steps,
the full-data loss along them, the steps where the learning rate changes) is computed once, when the
frame of a new run is made (:func:`make_frame`); a change of view only (the step shown, the plane, the
zoom, the pins, the reference path) makes the next frame with :meth:`Frame.moved`, which keeps them.
Every panel and readout draws from the frame alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ..engine.train import Run
from ..recipes.tutorials import Recipe
from ..theory.landscape import Landscape, limit_formula
from ..theory.verdict import Verdict, full_loss, verdict
from .thinning import MAX_POINTS, thin

ZOOMS = ("follow", "basin")
MAX_DECAY_MARKS = 60


def check_pair(pair, names) -> tuple:
    """``pair`` as a tuple, if it names two different parameters of ``names``."""
    try:
        pair = tuple(int(k) for k in pair)
    except (TypeError, ValueError):
        raise ValueError(f"pair must name two different parameters of {names}, got {pair!r}") from None
    if len(pair) != 2 or pair[0] == pair[1] or not all(0 <= k < len(names) for k in pair):
        raise ValueError(f"pair must name two different parameters of {names} (indices 0 … {len(names) - 1}), "
                         f"got {pair}")
    return pair


def check_zoom(zoom: str) -> str:
    """``zoom``, if it is one of :data:`ZOOMS`."""
    if zoom not in ZOOMS:
        raise ValueError(f"zoom must be one of {', '.join(ZOOMS)}, got {zoom!r}")
    return zoom


@dataclass(frozen=True, eq=False)
class Path:
    """Another path to draw beside the run: θ per step (a real framework's recorded path, or a pinned run),
    its label and colour, and the steps of it that are drawn (thinned, up to its last finite θ)."""

    theta: np.ndarray
    label: str
    color: str = ""
    steps: np.ndarray = field(default=None, repr=False)

    @classmethod
    def of(cls, theta, label: str, color: str = "", max_points: int = MAX_POINTS) -> Path:
        theta = np.asarray(theta, dtype=np.float64)
        bad = ~np.isfinite(theta).all(axis=1)
        last = int(bad.argmax()) - 1 if bad.any() else len(theta) - 1
        return cls(theta, label, color, thin(max(last, 0), max_points))


@dataclass(frozen=True, eq=False)
class Frame:
    """One picture: a run on its landscape, the step shown, the view, and what is drawn beside it."""

    run: Run
    landscape: Landscape
    status: Verdict
    steps: np.ndarray
    """The thinned steps of the whole run (up to its last finite θ) that curves are drawn at."""
    full: np.ndarray
    """The full-data loss at ``steps``."""
    changes: np.ndarray
    """The steps where the learning rate changes (θ_k is the last θ reached at the old rate)."""
    decays: np.ndarray
    """At most 60 of ``changes``, marked on the path."""
    position: int
    pair: tuple
    zoom: str = "follow"
    reference: Path | None = None
    pins: tuple = ()
    max_points: int = MAX_POINTS

    @property
    def recipe(self) -> Recipe:
        return self.run.recipe

    @property
    def last_finite(self) -> int:
        return self.run.last_finite

    @property
    def stop(self) -> int:
        """The last step drawn: the position, or the last finite θ before it."""
        return min(self.position, self.last_finite)

    @property
    def lr_limit(self) -> float | None:
        """The stability limit of the run's optimizer on this surface (None for Adam: it has none)."""
        r = self.recipe
        return self.landscape.lr_limit(r.optimizer, r.momentum)

    @property
    def limit_name(self) -> str:
        """The limit's formula in words: 2/λmax, 2(1+β)/λmax, …"""
        r = self.recipe
        return limit_formula(r.optimizer, r.momentum)

    @property
    def fit_cap(self) -> float:
        """Past this size a θ is off the charts (its fitted line is not drawn; θ(t) goes symlog)."""
        return 4 * max(float(np.abs(self.truth_or_optimum).max()), 1.0)

    @property
    def truth_or_optimum(self) -> np.ndarray:
        """The ground truth [w…, b]; for your own data (no truth known) the least-squares optimum."""
        truth = self.recipe.theta_true
        return self.landscape.optimum if truth is None else np.asarray(truth)

    def moved(self, **view) -> Frame:
        """The same run with another view: ``position``, ``pair``, ``zoom``, ``reference`` or ``pins``."""
        if "position" in view:
            view["position"] = int(min(max(view["position"], 0), self.run.steps))
        if "pair" in view:
            view["pair"] = check_pair(view["pair"], self.recipe.param_names)
        if "zoom" in view:
            view["zoom"] = check_zoom(view["zoom"])
        return replace(self, **view)


def make_frame(run: Run, landscape: Landscape, *, position: int | None = None, pair=(0, 1), zoom: str = "follow",
               reference: Path | None = None, pins: tuple = (), max_points: int = MAX_POINTS) -> Frame:
    """The frame of ``run`` on ``landscape`` (``position`` None: the whole run)."""
    last = run.last_finite
    steps = thin(last, max_points)
    changes = np.flatnonzero(run.lr[1:] != run.lr[:-1]) + 1
    decays = changes
    if len(decays) > MAX_DECAY_MARKS:
        decays = decays[np.unique(np.linspace(0, len(decays) - 1, MAX_DECAY_MARKS).round().astype(int))]
    position = run.steps if position is None else int(min(max(position, 0), run.steps))
    return Frame(run=run, landscape=landscape, status=verdict(run, landscape), steps=steps,
                 full=full_loss(landscape, run.theta[steps]), changes=changes, decays=decays, position=position,
                 pair=check_pair(pair, run.recipe.param_names), zoom=check_zoom(zoom), reference=reference,
                 pins=tuple(pins), max_points=max_points)
