"""The parameters panel: every parameter against the step, its true value dashed."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.ticker import MaxNLocator, NullLocator, SymmetricalLogLocator

from .fit_text import fit_title
from .frame import Frame
from .style import NOW_LINE, PARAM_COLORS
from .thinning import thin_line
from .ticks import plain_symlog_formatter, round_limits, set_limits


class ParametersPanel:
    """The parameters panel: it owns its axes and artists and draws a :class:`~.frame.Frame` with :meth:`update`."""

    def __init__(self, ax, layout, recipe):
        self.ax = a = ax
        self.layout = L = layout
        self._frame: Frame | None = None
        self._symlog = False
        self.steps = np.zeros(0, dtype=np.int64)
        """The indices into ``run.theta`` the lines draw now."""
        a.yaxis.set_major_locator(MaxNLocator(5))
        # labelled at their right ends
        fit_title(a, L.w("Parameters (dashed: truth)") if recipe.has_truth else L.w("Parameters"), L.title)
        self.lines = []
        self.labels = []
        for k, name in enumerate(recipe.param_names):
            color = PARAM_COLORS[k % len(PARAM_COLORS)]
            self.lines.append(a.plot([], [], "-", color=color, lw=2.2, zorder=3)[0])
            if recipe.has_truth:
                a.axhline(recipe.theta_true[k], color=color, lw=1.4, ls="--", zorder=2)
            self.labels.append(a.text(1.015, 0, name, transform=a.get_yaxis_transform(), color=color,
                                      fontsize=L.label, fontweight="bold", va="center", ha="left", clip_on=False))
        self.now_line = a.axvline(0, **NOW_LINE)
        a.mark_dynamic(*self.lines, *self.labels, self.now_line)

    def update(self, frame: Frame) -> None:
        old = self._frame
        self._frame = frame
        if old is None or frame.run is not old.run:
            self._draw_run(frame)
        self.now_line.set_xdata([frame.position, frame.position])

    def _draw_run(self, frame: Frame) -> None:
        """θ(t); a run that escapes is drawn on a symmetric log scale."""
        run, idx, stop, cap = frame.run, frame.steps, frame.last_finite, frame.fit_cap
        xmax = max(run.steps, 1)
        theta = run.theta
        truth = np.asarray(run.recipe.theta_true or ())
        with np.errstate(invalid="ignore"):
            escaped = not bool((np.abs(theta[idx]) <= cap).all())
        a = self.ax
        if escaped != self._symlog:
            self._symlog = escaped
            if escaped:
                a.set_yscale("symlog", linthresh=cap / 4)
                locator = SymmetricalLogLocator(linthresh=cap / 4, base=10)
                locator.set_params(numticks=5)
                a.yaxis.set_major_locator(locator)
                a.yaxis.set_major_formatter(plain_symlog_formatter())
                a.yaxis.set_minor_locator(NullLocator())
            else:
                a.set_yscale("linear")
                a.yaxis.set_major_locator(MaxNLocator(5))
        vals = np.concatenate([theta[idx].ravel(), truth])
        vals = vals[np.isfinite(vals)]
        if escaped:
            top = 10.0 ** math.ceil(math.log10(min(np.abs(vals).max(), 1e200)) + 0.3)
            ylim = (-top, top)
        else:
            ylim = round_limits(vals.min(), vals.max())
        set_limits(a, (0, xmax), ylim)
        scale = a.yaxis.get_transform()  # linear, or symlog for a run that escaped
        with np.errstate(all="ignore"):
            lo, hi = scale.transform(np.asarray(ylim, dtype=float))
            keep = min((thin_line(idx, scale.transform(theta[idx, n]), xmax, hi - lo) for n in range(theta.shape[1])),
                       key=len)  # a noisy run: no more points than the eye can follow
        self.steps = idx[keep]
        for n, line in enumerate(self.lines):
            line.set_data(self.steps, theta[self.steps, n])
        for line in self.lines:
            line.set_marker("o" if escaped and stop <= 60 else "")
            line.set_markersize(3.5)
        last = theta[stop]
        for n, label in enumerate(self.labels):
            if escaped:  # stacked in the corner: the ends of an escaped run are off the chart
                label.set_transform(a.transAxes)
                label.set_y(0.93 - 0.1 * n)
            else:
                label.set_transform(a.get_yaxis_transform())
                label.set_y(float(last[n]))
