"""The figure: :class:`Panels` lays out the panels of one recipe and shows a :class:`~.frame.Frame` on them;
:func:`save_png`.

Each panel is an object in its own module that owns its axes and artists (the header, the contours, the
loss, the data, the parameters, the learning rate) and draws a frame with ``update(frame)``. This module
builds the figure they share and hands each frame to each of them.
"""

from __future__ import annotations

from dataclasses import replace

from matplotlib.backend_bases import FigureCanvasBase
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..engine.train import Run
from ..recipes.tutorials import Recipe
from ..theory.landscape import Landscape
from ..words import check_language
from .cached_axes import CachedAxes
from .contour import ContourPanel
from .data_panel import DataPanel
from .font import figure_language, font_context
from .frame import Frame, Path, check_pair, check_zoom, make_frame
from .header import Header
from .loss import LossPanel
from .parameters import ParametersPanel
from .schedule import SchedulePanel
from .style import GHOST_COLORS, LAYOUTS, Layout
from .thinning import MAX_POINTS
from .ticks import StepFormatter


class Panels:
    """The panels of one recipe on one Figure, updated in place from frames.

    ``figure`` may be any matplotlib Figure (an ipympl canvas's, or a bare one: it then gets an Agg
    canvas). ``recipe`` gives the figure its shape (how many parameters, streaming data or not); the
    numbers drawn are always the frame's. :meth:`show` draws a frame; :meth:`update`, :meth:`set_position`,
    :meth:`set_pair`, :meth:`set_zoom`, :meth:`add_ghost`, :meth:`clear_ghosts`, :meth:`set_reference` and
    :meth:`clear_reference` make the next frame from the last one, show it and ask for one redraw.

    Every panel is a :class:`~regress_widgets.panels.cached_axes.CachedAxes`: what a change does not
    touch (ticks, labels, legends, contours, data points) is pasted from a bitmap, and axis limits
    move in round steps so that a small change usually keeps the view. ``cache=False`` draws them as plain
    matplotlib Axes (the benchmark's baseline). :meth:`show` asks for no drawing: whoever shows the figure
    draws it once (:meth:`draw_idle` on a canvas that draws on its own, as ipympl's).
    """

    def __init__(self, recipe: Recipe, figure: Figure | None = None, *, pair=None, zoom: str = "follow",
                 max_points: int = MAX_POINTS, cache: bool = True, layout: str = "full", language: str = "en",
                 off_figure: bool = False):
        if isinstance(layout, Layout):
            L = layout
        elif layout in LAYOUTS:
            L = LAYOUTS[layout]
        else:
            raise ValueError(f"layout must be one of {', '.join(LAYOUTS)} or a Layout, got {layout!r}")
        language = figure_language(check_language(language))  # English where no font draws Chinese
        L = self.layout = replace(L, language=language)
        if figure is None:
            figure = Figure(figsize=L.figsize, dpi=100)
        if figure.canvas is None or type(figure.canvas) is FigureCanvasBase:
            FigureCanvasAgg(figure)
        self.figure = figure
        self._off_figure = off_figure
        self.names = recipe.param_names
        self.max_points = max_points
        self._start_view = (check_pair((0, 1) if pair is None else pair, self.names), check_zoom(zoom))
        self.frame: Frame | None = None
        """The frame on show (None before the first)."""
        self.own_axes: list = []
        """Every axes of these panels (the legends' layers too), in the order they were made."""
        self._steps = self._build(recipe, figure, L, cache)
        if not off_figure:
            for _ in self._steps:
                pass

    @classmethod
    def in_steps(cls, recipe: Recipe, figure: Figure, **kwargs):
        """Lay out the panels in short steps, OFF the figure (a generator: each ``next()`` makes one panel, 5–30 ms;
        it returns the :class:`Panels`). Between steps the figure holds only what it held before, so whatever shows
        it may draw it; the new axes (:attr:`own_axes`) are put on by whoever keeps the panels (the Lab's shelf)."""
        panels = cls(recipe, figure, off_figure=True, **kwargs)
        yield from panels._steps
        return panels

    def _build(self, recipe: Recipe, figure: Figure, L: Layout, cache: bool):
        """The steps of laying out: each one under the figure's font; each one's new axes collected in
        :attr:`own_axes` and, while built off the figure, taken off it again."""
        fig = figure
        fig.set_facecolor("white")
        language = L.language

        def step(make):
            before = set(fig.axes)
            with font_context(language):  # every text made here draws its Chinese glyphs from a CJK font
                made = make()
            new = [a for a in fig.axes if a not in before]
            self.own_axes.extend(new)
            if self._off_figure:
                for a in new:
                    fig.delaxes(a)
            return made

        def panel(rect, margins):
            return fig.add_axes(rect, axes_class=CachedAxes, margins=margins)

        self.header = step(lambda: Header(panel(L.header, (0, 0, 0, 0)), L))
        yield
        def make_axes():
            axes = {name: panel(*L.panels[name]) if name in L.panels else None
                    for name in ("contour", "loss", "data", "params", "lr")}
            self.axes = tuple(a for a in axes.values() if a is not None)
            for a in self.axes:
                a.tick_params(labelsize=L.tick)
                a.grid(True, color="#e3e3e3", linewidth=0.8)
                a.set_axisbelow(True)
            for name in ("contour", "data"):
                if axes[name] is not None:
                    axes[name].xaxis.set_major_locator(MaxNLocator(5 if not L.compact else 4))
                    axes[name].yaxis.set_major_locator(MaxNLocator(5 if not L.compact else 4))
            for name in ("loss", "params", "lr"):
                if axes[name] is not None:
                    axes[name].xaxis.set_major_locator(MaxNLocator(4, integer=True, steps=[1, 2, 2.5, 5, 10]))
                    axes[name].xaxis.set_major_formatter(StepFormatter())
                    axes[name].set_xlabel(L.w("step"), fontsize=L.label, labelpad=1)
            return axes

        axes = step(make_axes)
        rect = L.panels["contour"][0]
        fig_w, fig_h = figure.get_size_inches()
        yield
        self.contour = step(lambda: ContourPanel(axes["contour"], L, self.names, recipe.streaming,
                                                 aspect=(rect[3] * fig_h) / (rect[2] * fig_w)))
        yield
        self.loss = step(lambda: LossPanel(axes["loss"], L, recipe.streaming))
        self.data = self.params = self.schedule = None
        for name, attr, make in (("data", "data", lambda: DataPanel(axes["data"], L, recipe)),
                                 ("params", "params", lambda: ParametersPanel(axes["params"], L, recipe)),
                                 ("lr", "schedule", lambda: SchedulePanel(axes["lr"], L))):
            if axes[name] is not None:
                yield
                setattr(self, attr, step(make))
        self.parts = tuple(p for p in (self.header, self.contour, self.loss, self.data, self.params, self.schedule)
                           if p is not None)
        cached = [a for a in self.own_axes if isinstance(a, CachedAxes)]
        for a in cached:
            a.enabled = cache
        order = sorted(cached, key=lambda a: a.get_zorder())  # as the figure draws them (a stable sort)
        for n, a in enumerate(order):
            a.below = order[:n]

    # ------------------------------------------------------------------ showing frames
    def show(self, frame: Frame) -> None:
        """Draw ``frame`` on every panel (in place; no redraw is requested)."""
        if frame.recipe.param_names != self.names:
            raise ValueError(f"these panels show θ = {self.names}; the frame's run has {frame.recipe.param_names}")
        for part in self.parts:
            part.update(frame)
        self.frame = frame

    def update(self, run: Run, landscape: Landscape, position: int | None = None) -> None:
        """Show ``run`` over ``landscape`` (its data's loss), at ``position`` (default: the whole run)."""
        last = self.frame
        pair, zoom = (last.pair, last.zoom) if last else self._start_view
        view = dict(reference=last.reference, pins=last.pins) if last else {}
        self._show(make_frame(run, landscape, position=position, pair=pair, zoom=zoom,
                              max_points=self.max_points, **view))

    def set_position(self, step: int, draw: bool = True) -> None:
        """Show the run up to θ after ``step`` steps (0 … run.steps): the path grows as it plays."""
        if self.frame is not None:
            self._show(self.frame.moved(position=step), draw)

    def set_pair(self, i: int, j: int) -> None:
        """Show the plane of parameters ``i`` and ``j`` (the others held at their least-squares value)."""
        pair = check_pair((i, j), self.names)
        if self.frame is None:
            self._start_view = (pair, self._start_view[1])
        elif pair != self.frame.pair:
            self._show(self.frame.moved(pair=pair))

    def set_zoom(self, zoom: str) -> None:
        """``"follow"``: fit the path; ``"basin"``: the whole basin around the optimum."""
        zoom = check_zoom(zoom)
        if self.frame is None:
            self._start_view = (self._start_view[0], zoom)
        else:
            self._show(self.frame.moved(zoom=zoom))

    def add_ghost(self, run: Run, label: str = "") -> str:
        """Keep ``run`` as a faded path (and loss curve); returns the colour it is drawn in."""
        pins = self.frame.pins
        color = GHOST_COLORS[len(pins) % len(GHOST_COLORS)]
        pin = Path.of(run.theta, label, color, self.max_points)
        self._show(self.frame.moved(pins=(*pins, pin)))
        return color

    def clear_ghosts(self) -> None:
        self._show(self.frame.moved(pins=()))

    def set_reference(self, theta, label: str) -> None:
        """Draw ``theta`` ((T + 1, P), e.g. a recorded framework's path) as the reference, named ``label``."""
        self._show(self.frame.moved(reference=reference_path(theta, label, self.names, self.max_points)))

    def clear_reference(self) -> None:
        self._show(self.frame.moved(reference=None))

    def _show(self, frame: Frame, draw: bool = True) -> None:
        self.show(frame)
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

    # ------------------------------------------------------------------ what is on show
    @property
    def run(self) -> Run | None:
        return self.frame.run if self.frame else None

    @property
    def landscape(self) -> Landscape | None:
        return self.frame.landscape if self.frame else None

    @property
    def status(self):
        return self.frame.status if self.frame else None

    @property
    def position(self) -> int:
        return self.frame.position if self.frame else 0

    @property
    def pair(self) -> tuple:
        return self.frame.pair if self.frame else self._start_view[0]

    @property
    def zoom(self) -> str:
        return self.frame.zoom if self.frame else self._start_view[1]

    @property
    def ghosts(self) -> list:
        return list(self.frame.pins) if self.frame else []

    @property
    def reference(self):
        ref = self.frame.reference if self.frame else None
        return None if ref is None else ref.theta

    @property
    def reference_label(self) -> str:
        ref = self.frame.reference if self.frame else None
        return "" if ref is None else ref.label


def reference_path(theta, label: str, names, max_points: int = MAX_POINTS) -> Path:
    """A reference path for panels of θ = ``names`` (ValueError for the wrong shape)."""
    path = Path.of(theta, label, max_points=max_points)
    if path.theta.ndim != 2 or path.theta.shape[1] != len(names):
        raise ValueError(f"a reference path is (steps + 1, {len(names)}), got shape {path.theta.shape}")
    return path


def draw_off_figure(figure: Figure, axes):
    """Draw ``axes`` of ``figure`` that are not on it (panels laid out ahead, :meth:`Panels.in_steps`) as
    ``figure.canvas.draw()`` would draw them alone on it, one axes a step (a generator), on a renderer of their
    own: each :class:`~.cached_axes.CachedAxes` keeps its pixels, and nothing on the figure or its canvas
    changes, so whatever shows the figure may draw it between two steps."""
    w, h = figure.bbox.size
    renderer = RendererAgg(w, h, figure.dpi)
    renderer.clear()
    figure.patch.draw(renderer)
    for ax in sorted(axes, key=lambda a: a.get_zorder()):  # the figure's order: by zorder, then as added
        yield
        locator = ax.get_axes_locator()
        ax.apply_aspect(locator(ax, renderer) if locator else None)
        if ax.axison and ax.stale:  # its ticks and their labels laid out (measured, cached), then drawn: two steps
            ax.get_tightbbox(renderer)
            yield
        ax.draw(renderer)


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
