"""The data panel: the data (or this step's batch) with the true line and the line fitted so far."""

from __future__ import annotations

import numpy as np

from .cached_axes import legend_layer
from .style import PATH_COLOR
from .ticks import set_limits

MAX_DATA_POINTS = 400
"""Most data points shown in the data panel."""


class DataPanel:
    """The data panel, a part of :class:`~.figure.Panels`: it reads the Panels' layout, recipe, run and
    ``_fit_cap`` (past it, a θ is off the charts and its line is not drawn)."""

    def _build_data(self, a) -> None:
        self._data_stream = None  # the stream whose data are shown
        L = self.layout
        a.set_title("Data and fitted line", fontsize=L.title, fontweight="bold")
        rec = self.recipe
        a.set_xlabel("x" if rec.dim == 1 else "x₁ = X[:, 1]", fontsize=L.label, labelpad=1)
        a.set_ylabel("y", fontsize=L.label, rotation=0, labelpad=8)
        if rec.streaming:
            label = f"this step's batch ({rec.batch_size})"
        elif rec.n_examples > MAX_DATA_POINTS:
            label = f"data ({MAX_DATA_POINTS} of {rec.n_examples:,})"
        else:
            label = "data"
        self.scatter = a.scatter(np.zeros(0), np.zeros(0), s=14, c="#555555", alpha=0.55, linewidths=0,
                                 zorder=2, label=label)
        (self.true_fn,) = a.plot([], [], "--", color="black", lw=2,
                                 label="true line" + ("" if rec.dim == 1 else " (x₀ = 0)"), zorder=3)
        (self.fit_fn,) = a.plot([], [], "-", color=PATH_COLOR, lw=2.4, label="fitted line", zorder=4)
        a.mark_dynamic(self.fit_fn, *([self.scatter] if rec.streaming else []))
        self.data_legend = legend_layer(a, [self.scatter, self.true_fn, self.fit_fn], fontsize=L.small,
                                        loc="upper left" if rec.w_true[-1] > 0 else "upper right",
                                        handlelength=1.4, borderaxespad=0.3, labelspacing=0.3)

    def _update_data_panel(self) -> None:
        run = self.run
        recipe = run.recipe
        stream = run.stream
        self._data_stream = stream
        col = recipe.dim - 1  # x in 1-D, X[:, 1] in 2-D
        if recipe.streaming:
            xs, ys = stream.X[:, col], stream.y
            self._x_range = (float(np.percentile(xs, 0.5)), float(np.percentile(xs, 99.5)))
            label = f"this step's batch ({recipe.batch_size})"
            if self.data_legend.get_texts()[0].get_text() != label:
                self.data_legend.get_texts()[0].set_text(label)
        else:
            n = min(recipe.n_examples, stream.X.shape[0], MAX_DATA_POINTS)
            xs, ys = stream.X[:n, col], stream.y[:n]  # the first epoch visits every example once
            self.scatter.set_offsets(np.column_stack([xs, ys]))
            self._x_range = (float(xs.min()), float(xs.max()))
        lo, hi = self._x_range
        line = self._line(recipe.theta_true, lo, hi)
        self.true_fn.set_data([lo, hi], line)
        ylo, yhi = float(np.percentile(ys, 0.5)), float(np.percentile(ys, 99.5))
        ylo, yhi = min(ylo, *line), max(yhi, *line)
        pad = 0.08 * max(yhi - ylo, 1e-6)
        xpad = 0.05 * (hi - lo)
        set_limits(self.ax_data, (lo - xpad, hi + xpad), (ylo - pad, yhi + pad))

    def _line(self, theta, lo, hi):
        """y at x = lo, hi of the line θ, the other inputs at their mean (the plotted input is x or x₁)."""
        rec = self.recipe
        col = rec.dim - 1
        offset = theta[-1] + sum(theta[k] * rec.x.mean for k in range(rec.dim) if k != col)
        return [theta[col] * lo + offset, theta[col] * hi + offset]

    def _update_fit(self, theta) -> None:
        lo, hi = self._x_range
        on_chart = bool(np.all(np.abs(theta) <= self._fit_cap))  # a wild θ draws a meaningless wall
        self.fit_fn.set_data([lo, hi], self._line(theta, lo, hi) if on_chart else [np.nan, np.nan])

    def _show_batch(self, step: int) -> None:
        stream = self.run.stream
        a, b = stream.offsets[step], stream.offsets[step + 1]
        col = self.recipe.dim - 1
        self.scatter.set_offsets(np.column_stack([stream.X[a:b, col], stream.y[a:b]]))
