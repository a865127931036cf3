"""The figure: :class:`Panels` lays out the panels of one recipe and keeps them up to date; :func:`save_png`.

Each panel is a part of :class:`Panels` in its own module (the header, the contours, the loss, the data,
the parameters, the learning rate, the pinned runs); this module builds the figure they share and says,
for each change (a new run, a new position, a new plane or zoom), which of them to update.
"""

from __future__ import annotations

import numpy as np
from matplotlib.backend_bases import FigureCanvasBase
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..engine import Run
from ..landscape import Landscape
from ..recipes import Recipe
from .cached_axes import CachedAxes
from .contour import ContourPanel, check_pair, check_zoom
from .data_panel import DataPanel
from .ghosts import Ghosts
from .header import Header
from .loss import LossPanel
from .parameters import ParametersPanel
from .reference import Reference
from .schedule import SchedulePanel
from .status import Status, last_finite_step, run_status
from .style import LAYOUTS
from .thinning import MAX_POINTS, thin
from .ticks import StepFormatter


class Panels(Header, ContourPanel, LossPanel, DataPanel, ParametersPanel, SchedulePanel, Ghosts, Reference):
    """The five panels of one recipe on one Figure, updated in place.

    ``figure`` may be any matplotlib Figure (an ipympl canvas's, or a bare one: it then gets an Agg
    canvas). Call :meth:`update` with a run and the landscape of its data; :meth:`set_position`
    scrubs through the iterations; :meth:`set_pair` and :meth:`set_zoom` change the contour view;
    :meth:`add_ghost` and :meth:`clear_ghosts` manage pinned runs; :meth:`set_reference` and
    :meth:`clear_reference` another path to compare with (a real framework's, recorded).

    Every panel is a :class:`~regress_widgets.panels.cached_axes.CachedAxes`: what a slider move does not
    change (ticks, labels, legends, contours, data points) is pasted from a bitmap, and axis limits
    move in round steps so that a small change usually keeps the view (calmer for the eye, too).
    ``cache=False`` draws them as plain matplotlib Axes (the benchmark's baseline). On a canvas that
    draws on its own (ipympl) updates ask for ``draw_idle``; on a plain Agg canvas nothing is drawn
    until someone draws or saves the figure.
    """

    def __init__(self, recipe: Recipe, figure: Figure | None = None, *, pair=None, zoom: str = "follow",
                 max_points: int = MAX_POINTS, cache: bool = True, layout: str = "full"):
        if layout not in LAYOUTS:
            raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
        self.layout = LAYOUTS[layout]
        if figure is None:
            figure = Figure(figsize=self.layout.figsize, dpi=100)
        if figure.canvas is None or type(figure.canvas) is FigureCanvasBase:
            FigureCanvasAgg(figure)
        self.figure = figure
        self.recipe = recipe
        self.max_points = max_points
        self.names = recipe.param_names
        self.pair = check_pair((0, 1) if pair is None else pair, self.names)
        self.zoom = check_zoom(zoom)
        self.run: Run | None = None
        self.landscape: Landscape | None = None
        self.position = 0
        self.path_steps = np.zeros(1, dtype=np.int64)
        """The indices into ``run.theta`` that the path line draws now (all of them unless thinned)."""
        self.status: Status | None = None
        self._full_steps = np.zeros(0, dtype=np.int64)  # the thinned steps of the whole run
        self._ghosts: list[tuple] = []
        self._now_lines: list = []  # the line at the current step on each panel whose x axis is the step
        self._build()
        for a in self.figure.axes:
            if isinstance(a, CachedAxes):
                a.enabled = cache

    # ------------------------------------------------------------------ building (once)
    def _build(self) -> None:
        fig = self.figure
        fig.set_facecolor("white")
        def panel(rect, margins):
            return fig.add_axes(rect, axes_class=CachedAxes, margins=margins)

        L = self.layout
        self.ax_header = panel(L.header, (0, 0, 0, 0))
        self._build_header(self.ax_header)

        # headline: contour + path; then the small panels the layout has room for
        axes = {name: panel(*L.panels[name]) if name in L.panels else None
                for name in ("contour", "loss", "data", "params", "lr")}
        ax = self.ax_contour = axes["contour"]
        self.ax_loss, self.ax_data, self.ax_params, self.ax_lr = (axes[k] for k in ("loss", "data", "params", "lr"))
        self.axes = tuple(a for a in axes.values() if a is not None)
        for a in self.axes:
            a.tick_params(labelsize=L.tick)
            a.grid(True, color="#e3e3e3", linewidth=0.8)
            a.set_axisbelow(True)
        for a in (ax, self.ax_data):
            if a is not None:
                a.xaxis.set_major_locator(MaxNLocator(5 if not L.compact else 4))
                a.yaxis.set_major_locator(MaxNLocator(5 if not L.compact else 4))
        for a in (self.ax_loss, self.ax_params, self.ax_lr):
            if a is not None:
                a.xaxis.set_major_locator(MaxNLocator(4, integer=True, steps=[1, 2, 2.5, 5, 10]))
                a.xaxis.set_major_formatter(StepFormatter())
                a.set_xlabel("step", fontsize=L.label, labelpad=1)
        self._build_contour(ax)
        self._build_loss(self.ax_loss)
        self._build_reference()
        if self.ax_data is not None:
            self._build_data(self.ax_data)
        if self.ax_params is not None:
            self._build_params(self.ax_params)
        if self.ax_lr is not None:
            self._build_lr(self.ax_lr)

    # ------------------------------------------------------------------ updating (in place)
    def update(self, run: Run, landscape: Landscape, position: int | None = None) -> None:
        """Show ``run`` over ``landscape`` (its data's loss): only what changed is recomputed.

        ``position`` is the step to show the path up to (default: the whole run).
        """
        new_data = landscape is not self.landscape
        self.run = run
        self.landscape = landscape
        if new_data:
            self._update_contour()
            self._show_floor(landscape.min_loss)
            self._data_stream = None
        if new_data:
            self._redraw_reference()
        self._update_run()
        self.set_position(run.steps if position is None else position, draw=False)
        self._redraw_ghosts()
        self.draw_idle()

    def set_pair(self, i: int, j: int) -> None:
        """Show the plane of parameters ``i`` and ``j`` (the others held at their least-squares value)."""
        pair = check_pair((i, j), self.names)
        if pair == self.pair:
            return
        self.pair = pair
        self._redraw_reference()
        if self.run is not None:
            self._update_contour()
            self._update_path_extent()
            self._redraw_ghosts()
            self.set_position(self.position, draw=False)
            self.draw_idle()

    def set_zoom(self, zoom: str) -> None:
        """``"follow"``: fit the path; ``"basin"``: the whole basin around the optimum."""
        self.zoom = check_zoom(zoom)
        if self.run is not None:
            self._set_view()
            self.draw_idle()

    def set_position(self, step: int, draw: bool = True) -> None:
        """Show the run up to θ after ``step`` steps (0 … run.steps): the path grows as it plays."""
        run = self.run
        if run is None:
            return
        step = int(min(max(step, 0), run.steps))
        self.position = step
        stop = min(step, last_finite_step(run))
        self._show_path(run.theta, stop)
        for line in self._now_lines:
            line.set_xdata([step, step])
        if self.ax_data is not None:  # the fitted line at the current θ; streaming: the batch that step used
            self._update_fit(run.theta[stop])
            if self.recipe.streaming and run.steps:
                self._show_batch(min(max(step, 1), run.steps) - 1)
        if draw:
            self.draw_idle()

    def draw_idle(self) -> None:
        """Ask an interactive canvas for a redraw; a plain Agg canvas draws when it is next drawn or saved."""
        canvas = self.figure.canvas
        if _interactive(canvas):
            canvas.draw_idle()

    def invalidate(self) -> None:
        """Forget every cached bitmap (after changing a panel by hand)."""
        for a in self.figure.axes:
            if isinstance(a, CachedAxes):
                a.invalidate()

    def _update_run(self) -> None:
        """A new run on the same data or new: every panel follows, but for the contours themselves."""
        run = self.run
        stop = last_finite_step(run)
        xmax = max(run.steps, 1)
        changes = np.flatnonzero(run.lr[1:] != run.lr[:-1]) + 1  # θ_k is the last θ reached at the old rate
        self._mark_decays(changes)
        self.status = run_status(run, self.landscape)
        wild = self.status.kind in ("diverged", "diverging")
        self._show_titles(run)
        self._full_steps = thin(stop, self.max_points)
        self._update_loss(run, self._full_steps, stop, xmax, wild)
        self._fit_cap = 4 * max(np.abs(np.asarray(run.recipe.theta_true)).max(), 1.0)  # a θ past it is off the charts
        if self.ax_params is not None:
            self._update_params(run, self._full_steps, stop, self._fit_cap, xmax)
        if self.ax_lr is not None:
            self._update_lr(run, self.landscape, changes, stop, xmax)
        self._show_alarm(self.status, run, self._full)
        if self.ax_data is not None and run.stream is not self._data_stream:
            self._update_data_panel()
        self._update_path_extent()


def _interactive(canvas) -> bool:
    """True for canvases that draw later on their own (ipympl, Qt …): their draw_idle is overridden."""
    return type(canvas).draw_idle is not FigureCanvasBase.draw_idle


def save_png(run: Run, path, *, landscape: Landscape | None = None, dpi: int = 100, pair=None,
             zoom: str = "follow") -> Panels:
    """Draw the panels of ``run`` and write them to ``path`` as a PNG (1280 × 720 px at 100 dpi)."""
    landscape = landscape or Landscape.for_recipe(run.recipe, run.seed)
    panels = Panels(run.recipe, pair=pair, zoom=zoom)
    panels.update(run, landscape)
    panels.figure.savefig(path, dpi=dpi, facecolor="white")
    return panels
