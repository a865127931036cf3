"""The learning-rate panel: the schedule η(t) on a log scale, and the stability limit 2/λmax."""

from __future__ import annotations

import math

import numpy as np

from .fit_text import fit_title
from .frame import Frame
from .style import NOW_LINE, STATUS_COLORS
from .thinning import thin
from .ticks import decade_locator, set_limits, use_log_scale


class SchedulePanel:
    """The learning-rate panel: it owns its axes and artists and draws a :class:`~.frame.Frame` with
    :meth:`update`."""

    def __init__(self, ax, layout):
        self.ax = a = ax
        self.layout = L = layout
        self._frame: Frame | None = None
        self._fine_ticks = False
        use_log_scale(a, numticks=5)
        fit_title(a, L.w("Learning rate (log scale)"), L.title)
        (self.lr_line,) = a.plot([], [], "-", color="black", lw=2.2, zorder=3)
        (self.lr_max_line,) = a.plot([], [], "--", color=STATUS_COLORS["diverged"], lw=1.6, zorder=2)
        self.now_line = a.axvline(0, **NOW_LINE)
        self.note = a.text(0.97, 1.0, "", transform=a.get_yaxis_transform(), ha="right", va="bottom",
                           fontsize=L.small, color=STATUS_COLORS["diverged"], zorder=5,
                           bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="none", alpha=0.85))
        a.mark_dynamic(self.lr_line, self.lr_max_line, self.now_line, self.note)

    def update(self, frame: Frame) -> None:
        old = self._frame
        self._frame = frame
        if old is None or frame.run is not old.run or frame.landscape is not old.landscape:
            self._draw_run(frame)
        self.now_line.set_xdata([frame.position, frame.position])

    def _draw_run(self, frame: Frame) -> None:
        run, changes, stop = frame.run, frame.changes, frame.last_finite
        max_points = frame.max_points
        xmax = max(run.steps, 1)
        lr = run.lr
        T = run.steps
        recipe = run.recipe
        if len(changes) > max_points:
            xs = thin(T - 1, max_points)
            self.lr_line.set_data(xs + 1, lr[xs])
            self.lr_line.set_drawstyle("default")
        else:
            at = np.concatenate([[0], changes, [T - 1]]) if T else np.zeros(0, dtype=np.int64)
            self.lr_line.set_data(at + 1, lr[at])
            self.lr_line.set_drawstyle("steps-post")
        lr_max, name = frame.lr_limit, frame.limit_name  # the running optimizer's (None: Adam has none)
        peak = float(lr.max()) if T else recipe.lr
        a = self.ax
        # on a log scale the stability limit is always in view, and decays by γ are equal steps
        low = float(lr[:stop].min()) if stop else peak
        anchor = lr_max if lr_max is not None else peak
        # a fixed span, five decades under the limit to past it, so the axis holds still as lr moves
        lo_dec = min(math.floor(math.log10(anchor)) - 5, math.floor(math.log10(max(low, peak * 1e-6) / 1.5)))
        hi_dec = math.ceil(math.log10(max(peak, anchor) * 3))
        if lr_max is None:
            self.lr_max_line.set_data([], [])
            self.note.set_position((0.97, peak * 1.25))
            self.note.set_va("bottom")
            self.note.set_text(self.layout.w("Adam: no fixed stability limit"))
        else:
            self.lr_max_line.set_data([0, xmax], [lr_max, lr_max])
            past = peak > lr_max  # the label goes on the side of the limit away from the lr line
            self.note.set_position((0.97, lr_max / 1.3 if past else lr_max * 1.25))
            self.note.set_va("top" if past else "bottom")
            w = self.layout.w
            self.note.set_text(w("stability limit {name} = {value}", name=name, value=f"{lr_max:.3g}")
                               + (w(" — lr is past it!") if past else ""))
        set_limits(a, (0, xmax), (10.0**lo_dec, 10.0**hi_dec))
        fine = hi_dec - lo_dec <= 2
        if fine != self._fine_ticks:
            self._fine_ticks = fine
            a.yaxis.set_major_locator(decade_locator(fine, numticks=5))
