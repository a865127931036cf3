"""The data panel: the data (or this step's batch) with the true line and the line fitted so far."""

from __future__ import annotations

import numpy as np

from ..words import ENGLISH
from .cached_axes import legend_layer, set_legend_text
from .fit_text import fit_title
from .frame import Frame
from .style import PATH_COLOR
from .ticks import set_limits

MAX_DATA_POINTS = 400
"""Most data points shown in the data panel."""


def data_label(recipe, w=ENGLISH) -> str:
    """The legend entry of the points: the batch a streaming step used (its size), or the data shown."""
    if recipe.streaming:
        return w("this step's batch ({n})", n=recipe.batch_size)
    if recipe.n_examples > MAX_DATA_POINTS:
        return w("data ({shown} of {n})", shown=MAX_DATA_POINTS, n=f"{recipe.n_examples:,}")
    return w("data")


def _rising(recipe) -> bool:
    """Whether y grows with the plotted input (the legend then goes top left): the truth's slope, or the data's."""
    if recipe.data is None:
        return recipe.w_true[-1] > 0
    G, h, _ = recipe.data.moments
    col = recipe.dim - 1
    return h[col] - G[col, -1] * h[-1] >= 0  # the covariance of the input with y


def _input_means(recipe) -> list[float]:
    """The mean of each input as trained (the other inputs are held there on the fitted line)."""
    if recipe.data is None:
        return [recipe.x.mean] * recipe.dim
    return [0.0] * recipe.dim if recipe.data.standardize else recipe.data.mean.tolist()


class DataPanel:
    """The data panel: it owns its axes and artists and draws a :class:`~.frame.Frame` with :meth:`update`."""

    def __init__(self, ax, layout, recipe):
        self.ax = a = ax
        self.layout = L = layout
        self.dim = recipe.dim
        self.streaming = recipe.streaming
        self._frame: Frame | None = None
        self._x_range = (0.0, 1.0)
        fit_title(a, L.w("Data and fitted line"), L.title)
        own = recipe.data
        xlabel, ylabel = ("x" if recipe.dim == 1 else "x₁ = X[:, 1]"), "y"
        if own is not None:  # the columns' names
            xlabel = own.feature_names[-1] + (L.w(" (standardized)") if own.standardize else "")
            ylabel = own.target_name
        a.set_xlabel(xlabel, fontsize=L.label, labelpad=1)
        a.set_ylabel(ylabel, fontsize=L.label, rotation=0 if len(ylabel) < 4 else 90, labelpad=8)
        self.scatter = a.scatter(np.zeros(0), np.zeros(0), s=14, c="#555555", alpha=0.55, linewidths=0,
                                 zorder=2, label=data_label(recipe, L.w))
        true_label = L.w("true line") + ("" if recipe.dim == 1 else " (x₀ = 0)")
        if own is not None:
            true_label = (L.w("true line: unknown") if recipe.dim == 1
                          else L.w("true line: unknown (others at their mean)"))
        (self.true_fn,) = a.plot([], [], "--", color="black", lw=2, label=true_label, zorder=3)
        (self.fit_fn,) = a.plot([], [], "-", color=PATH_COLOR, lw=2.4, label=L.w("fitted line"), zorder=4)
        a.mark_dynamic(self.fit_fn, *([self.scatter] if recipe.streaming else []))
        self.legend = legend_layer(a, [self.scatter, self.true_fn, self.fit_fn], fontsize=L.small,
                                   loc="upper left" if _rising(recipe) else "upper right",
                                   handlelength=1.4, borderaxespad=0.3, labelspacing=0.3)

    def update(self, frame: Frame) -> None:
        old = self._frame
        self._frame = frame
        if old is None or frame.run.stream is not old.run.stream or data_label(frame.recipe) != data_label(old.recipe):
            self._draw_data(frame)
        run = frame.run
        self._draw_fit(frame, run.theta[frame.stop])
        if self.streaming and run.steps:  # the batch that step used
            self._draw_batch(frame, min(max(frame.position, 1), run.steps) - 1)

    def _draw_data(self, frame: Frame) -> None:
        recipe = frame.recipe
        stream = frame.run.stream
        col = recipe.dim - 1  # x in 1-D, X[:, 1] in 2-D
        label = self._label(recipe)
        if recipe.data is not None:  # standardized or not, as the toggle says
            scaled = self.layout.w(" (standardized)") if recipe.data.standardize else ""
            self.ax.set_xlabel(recipe.data.feature_names[-1] + scaled, fontsize=self.layout.label, labelpad=1)
        self.scatter.set_label(label)
        set_legend_text(self.legend, 0, label)
        if recipe.streaming:
            xs, ys = stream.X[:, col], stream.y
            self._x_range = (float(np.percentile(xs, 0.5)), float(np.percentile(xs, 99.5)))
        else:
            n = min(recipe.n_examples, stream.X.shape[0], MAX_DATA_POINTS)
            xs, ys = stream.X[:n, col], stream.y[:n]  # the first epoch visits every example once
            self.scatter.set_offsets(np.column_stack([xs, ys]))
            self._x_range = (float(xs.min()), float(xs.max()))
        lo, hi = self._x_range
        line = self._line(recipe, frame.truth_or_optimum, lo, hi)
        self.true_fn.set_data(*(([lo, hi], line) if recipe.has_truth else ([], [])))
        ylo, yhi = float(np.percentile(ys, 0.5)), float(np.percentile(ys, 99.5))
        ylo, yhi = min(ylo, *line), max(yhi, *line)
        pad = 0.08 * max(yhi - ylo, 1e-6)
        xpad = 0.05 * (hi - lo)
        set_limits(self.ax, (lo - xpad, hi + xpad), (ylo - pad, yhi + pad))

    def _label(self, recipe) -> str:
        return data_label(recipe, self.layout.w)

    @staticmethod
    def _line(recipe, theta, lo, hi):
        """y at x = lo, hi of the line θ, the other inputs at their mean (the plotted input is x or x₁)."""
        col = recipe.dim - 1
        means = _input_means(recipe)
        offset = theta[-1] + sum(theta[k] * means[k] for k in range(recipe.dim) if k != col)
        return [theta[col] * lo + offset, theta[col] * hi + offset]

    def _draw_fit(self, frame: Frame, theta) -> None:
        lo, hi = self._x_range
        on_chart = bool(np.all(np.abs(theta) <= frame.fit_cap))  # a wild θ draws a meaningless wall
        self.fit_fn.set_data([lo, hi], self._line(frame.recipe, theta, lo, hi) if on_chart else [np.nan, np.nan])

    def _draw_batch(self, frame: Frame, step: int) -> None:
        stream = frame.run.stream
        a, b = stream.offsets[step], stream.offsets[step + 1]
        col = frame.recipe.dim - 1
        self.scatter.set_offsets(np.column_stack([stream.X[a:b, col], stream.y[a:b]]))
