"""What the class predicted, drawn for a projector: one matplotlib figure per view of :class:`~regress_widgets.lab.
board.ClassBoard` (each function clears the figure and draws one kind of answer).

* :func:`draw_points`: every guess ✚ over the loss contours; after the reveal, where θ really was ★ and a line from
  each guess to it, and the class's mean distance;
* :func:`draw_choices`: a bar per outcome; after the reveal, the run's outcome in green;
* :func:`draw_numbers`: a histogram of the numbers (on a log scale: they are learning rates); after the reveal,
  the engine's answer as a line;
* :func:`draw_settings`: each student's lr × batch size over the stability map of the exercise's recipe.

``labels``: the students' names beside their answers (None: no names, for a projector).
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from ..words import ENGLISH, Words
from .stability_panel import StabilityPanel
from .style import OPT_COLOR, PATH_COLOR, STATUS_COLORS, TRUTH_COLOR

GUESS_COLOR = "#6a3d9a"
TEXT = {"title": 14, "label": 12, "tick": 11, "name": 10}


def _axes(figure: Figure):
    figure.clear()
    ax = figure.add_axes((0.1, 0.14, 0.84, 0.74))
    ax.tick_params(labelsize=TEXT["tick"])
    return ax


def _names(ax, xs, ys, labels) -> None:
    for x, y, name in zip(xs, ys, labels or (), strict=False):
        ax.annotate(name, (x, y), xytext=(5, 4), textcoords="offset points", fontsize=TEXT["name"],
                    color=GUESS_COLOR)


def draw_points(figure: Figure, landscape, pair, names, guesses, actuals=None, labels=None, title: str = "",
                w: Words = ENGLISH) -> float | None:
    """Guesses (n, 2) over the contours of ``landscape`` in the plane ``pair``; ``actuals`` (n, 2): where each
    student's θ really was (after the reveal). Returns the mean distance (None before the reveal)."""
    ax = _axes(figure)
    guesses = np.asarray(guesses, dtype=float).reshape(-1, 2)
    shown = [guesses, np.asarray(landscape.optimum)[list(pair)][None]]
    if actuals is not None:
        actuals = np.asarray(actuals, dtype=float).reshape(-1, 2)
        shown.append(actuals[np.isfinite(actuals).all(axis=1)])
    points = np.concatenate(shown)
    lo, hi = points.min(axis=0), points.max(axis=0)
    pad = np.maximum((hi - lo) * 0.25, 0.5)
    a = np.linspace(lo[0] - pad[0], hi[0] + pad[0], 160)
    b = np.linspace(lo[1] - pad[1], hi[1] + pad[1], 160)
    z = landscape.grid(pair[0], pair[1], a, b)
    levels = np.quantile(z, np.linspace(0.02, 0.98, 14))
    ax.contour(a, b, z, levels=np.unique(levels), cmap="Blues_r", linewidths=0.9)
    opt = landscape.optimum
    ax.plot(opt[pair[0]], opt[pair[1]], marker="X", ms=11, color=OPT_COLOR, ls="", label=w("least squares ✕"))
    ax.plot(guesses[:, 0], guesses[:, 1], marker="P", ms=11, ls="", color=GUESS_COLOR, mec="white",
            label=w("guesses ({n})", n=len(guesses)))
    _names(ax, guesses[:, 0], guesses[:, 1], labels)
    distance = None
    if actuals is not None:
        for (gx, gy), (tx, ty) in zip(guesses, actuals, strict=True):
            ax.plot([gx, tx], [gy, ty], color=PATH_COLOR, lw=0.8, alpha=0.6)
        ax.plot(actuals[:, 0], actuals[:, 1], marker="*", ms=16, ls="", color=TRUTH_COLOR, mec="black",
                label=w("where θ was"))
        ok = np.isfinite(actuals).all(axis=1)
        if ok.any():
            distance = float(np.linalg.norm(guesses[ok] - actuals[ok], axis=1).mean())
    ax.set_xlim(a[0], a[-1])
    ax.set_ylim(b[0], b[-1])
    ax.set_xlabel(names[pair[0]], fontsize=TEXT["label"])
    ax.set_ylabel(names[pair[1]], fontsize=TEXT["label"])
    after = "" if distance is None else " · " + w("mean distance {d}", d=f"{distance:.3g}")
    ax.set_title(title + after, fontsize=TEXT["title"])
    ax.legend(loc="upper right", fontsize=TEXT["tick"])
    return distance


def draw_choices(figure: Figure, counts: dict, choices, actual: str | None = None, title: str = "",
                 w: Words = ENGLISH) -> None:
    """A bar per outcome (``choices`` in order); ``actual``: the run's outcome, after the reveal."""
    ax = _axes(figure)
    heights = [counts.get(c, 0) for c in choices]
    colors = [STATUS_COLORS["converged"] if c == actual else ("#bbbbbb" if actual else GUESS_COLOR)
              for c in choices]
    bars = ax.bar([w(c) for c in choices], heights, color=colors)
    ax.bar_label(bars, fontsize=TEXT["label"])
    ax.set_ylabel(w("students"), fontsize=TEXT["label"])
    ax.set_ylim(0, max([*heights, 1]) * 1.2)
    ax.yaxis.get_major_locator().set_params(integer=True)
    after = "" if actual is None else " · " + w("the run: {outcome}", outcome=w(actual))
    ax.set_title(title + after, fontsize=TEXT["title"])


def draw_numbers(figure: Figure, values, actual: float | None = None, labels=None, title: str = "",
                 w: Words = ENGLISH) -> None:
    """A histogram of the numbers on a log scale; ``actual``: the engine's answer, after the reveal."""
    ax = _axes(figure)
    values = np.asarray(values, dtype=float)
    positive = values[values > 0]
    lo, hi = (positive.min(), positive.max()) if positive.size else (1e-3, 1.0)
    if actual is not None and actual > 0:
        lo, hi = min(lo, actual), max(hi, actual)
    edges = np.geomspace(lo / 1.5, hi * 1.5, 16)
    ax.hist(positive, bins=edges, color=GUESS_COLOR, alpha=0.85)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))  # learning rates as a class writes them
    ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _pos: f"{v:g}" if f"{v:g}"[0] in "25" else ""))
    ax.set_xlabel(w("the answers"), fontsize=TEXT["label"])
    ax.set_ylabel(w("students"), fontsize=TEXT["label"])
    ax.yaxis.get_major_locator().set_params(integer=True)
    if labels:
        top = ax.get_ylim()[1]
        _names(ax, positive, np.full(positive.shape, top * 0.9), labels)
    after = ""
    if actual is not None:
        ax.axvline(actual, color=STATUS_COLORS["converged"], lw=2.5, label=w("the answer"))
        ax.legend(loc="upper right", fontsize=TEXT["tick"])
        after = " · " + w("the answer: {value}", value=f"{actual:.3g}")
    ax.set_title(title + after, fontsize=TEXT["title"])


def draw_settings(figure: Figure, grid, points, labels=None, language: str = "en") -> None:
    """Each student's (lr, batch size) over the stability map ``grid`` (a StabilityGrid of lr × batch size)."""
    figure.clear()
    panel = StabilityPanel(figure=figure, language=language)
    panel.show(grid)
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    panel.ax.plot(points[:, 0], points[:, 1], marker="P", ms=12, ls="", color=GUESS_COLOR, mec="white", zorder=7)
    _names(panel.ax, points[:, 0], points[:, 1], labels)
