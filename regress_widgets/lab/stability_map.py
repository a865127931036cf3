"""The stability map as a widget: the figure, a progress bar with a cancel button, and clicks that set a Lab.

    smap = rw.StabilityMap("mxnet", x="lr", y="batch_size", epochs=2)   # display(smap) in a notebook
    smap = lab.stability_map()        # linked: the Lab's setting is starred, a click sets the Lab's sliders
    smap.select(row, column)          # what a click on that cell does

The grid itself is :func:`regress_widgets.engine.stability_map.stability_map` (cached); the figure is
:class:`~regress_widgets.panels.stability_panel.StabilityPanel`. In a live kernel with ipympl the map is computed
in a background thread, so the cancel button can be pressed; elsewhere at once.
"""

from __future__ import annotations

import threading
from types import SimpleNamespace

import ipywidgets as W
from matplotlib.figure import Figure

from ..engine.stability_map import AXES, MapCancelled, StabilityGrid, check_axes, stability_map
from ..panels.stability_panel import StabilityPanel
from ..recipes.tutorials import Recipe, get_recipe
from ..words import Words, language_or_default
from .screen.views import choose_display, make_view


class StabilityMap(W.VBox):
    """A stability map of ``recipe`` (any recipe, own data included) along ``x`` and ``y`` (lr on one of them;
    batch_size, momentum, noise or gamma on the other). ``lab``: a :class:`~regress_widgets.Lab` to follow and
    drive. ``settings``: what every run shares (``epochs=2``, ``optimizer=...``); ``seeds``, ``n``, ``x_values``,
    ``y_values``, ``backend`` as :func:`~regress_widgets.engine.stability_map.stability_map` takes them.

    Attributes: ``grid`` (the :class:`~regress_widgets.engine.stability_map.StabilityGrid`, None until computed),
    ``figure``, ``panel``, ``progress`` (an IntProgress), ``cancel_button``, ``info`` (an HTML line)."""

    def __init__(self, recipe: str | Recipe = "mxnet", x: str = "lr", y: str = "batch_size", *, lab=None,
                 seed: int = 0, seeds: int = 4, n: int = 40, x_values=None, y_values=None, backend: str = "auto",
                 display: str = "auto", background: str | bool = "auto", figsize=(9.0, 6.0),
                 language: str | None = None, **settings):
        check_axes(x, y)
        language = language_or_default(lab.state.language if language is None and lab is not None else language)
        self.w = w = Words(language)
        self.recipe = get_recipe(recipe)
        self.x, self.y, self.lab = x, y, lab
        self.options = dict(x=x, y=y, seed=seed, seeds=seeds, n=n, x_values=x_values, y_values=y_values,
                            backend=backend, **settings)
        self.display_mode = choose_display(display)
        self.background = self.display_mode == "ipympl" if background == "auto" else bool(background)
        self.figure = Figure(figsize=figsize, dpi=100)
        self.panel = StabilityPanel(self.figure, language=language)
        self.view = make_view(self.figure, self.display_mode, toolbar=False)
        self.figure.canvas.mpl_connect("button_press_event", self._on_click)  # ipympl's canvas
        if hasattr(self.view.widget, "on_click"):  # the Lab's screen: clicks come in display coordinates
            self.view.widget.on_click(self._on_screen_click)
        self.progress = W.IntProgress(value=0, min=0, max=1, description=w("computing"),
                                      bar_style="info")
        self.cancel_button = W.Button(description=w("cancel"), icon="stop", layout=W.Layout(width="90px"))
        self.cancel_button.on_click(lambda _b: self.cancel())
        self.info = W.HTML()
        self.grid: StabilityGrid | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        children = [W.HBox([self.progress, self.cancel_button]), self.info]
        if self.view.widget is not None:
            children.insert(1, self.view.widget)
        super().__init__(children=children)
        self.add_class("rw-stability-map")
        if lab is not None:
            names = [name for name in (x, y) if name in AXES]
            lab.state.observe(lambda _change: self.mark_lab(), names=names)
        self.compute()

    @classmethod
    def for_lab(cls, lab, x: str = "lr", y: str = "batch_size", **kwargs) -> StabilityMap:
        """A map of the Lab's recipe at its current settings (all but the two axes) and seed, linked to it."""
        current = lab.recipe
        settings = {k: v for k, v in current.settings.items() if k not in (x, y, "lr")}
        kwargs.setdefault("display", lab.display_mode)
        return cls(lab.state.tutorial, x, y, lab=lab, seed=lab.seed, **{**settings, **kwargs})

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.recipe.name!r}, x={self.x!r}, y={self.y!r})"

    # ------------------------------------------------------------------ computing
    def compute(self) -> None:
        """Compute the map (cached) and draw it; in the background when ``background``."""
        self._stop.clear()
        self.progress.value, self.progress.bar_style, self.progress.description = 0, "info", self.w("computing")
        self.cancel_button.disabled = False
        if self.background:
            self._thread = threading.Thread(target=self._work, daemon=True)
            self._thread.start()
        else:
            self._work()

    def wait(self, timeout: float | None = None) -> StabilityGrid | None:
        """Wait for a background computation; returns the grid (None if cancelled)."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.grid

    def cancel(self) -> None:
        """Stop the computation after the row it is on."""
        self._stop.set()

    def _tick(self, done: int, total: int) -> None:
        self.progress.max = total
        self.progress.value = done

    def _work(self) -> None:
        try:
            grid = stability_map(self.recipe, progress=self._tick, cancel=self._stop, **self.options)
        except MapCancelled as err:
            self.progress.bar_style, self.progress.description = "warning", self.w("cancelled")
            self.info.value = ("<span style='color:#b35c00'>" + self.w("map {why}: run compute() to start again",
                                                                       why=err) + "</span>")
            self.cancel_button.disabled = True
            return
        self.grid = grid
        self.progress.max = max(self.progress.max, 1)
        self.progress.value = self.progress.max
        self.progress.bar_style, self.progress.description = "success", self.w("done")
        self.cancel_button.disabled = True
        self.panel.show(grid)
        self.mark_lab()
        runs = grid.final_loss.size
        self.info.value = ("<span style='color:#555'>" + self.w("{n} runs in {s} s", n=f"{runs:,}",
                                                               s=f"{grid.seconds:.2f}")
                           + (self.w(" · click a cell to set the Lab's sliders there") if self.lab is not None else "")
                           + "</span>")
        self.view.refresh()

    # ------------------------------------------------------------------ the Lab
    def mark_lab(self) -> None:
        """Star the linked Lab's current setting (nothing without a Lab)."""
        if self.lab is None or self.grid is None:
            return
        state = self.lab.state
        self.panel.mark(getattr(state, self.x), getattr(state, self.y))
        self.view.refresh()

    def select(self, row: int, column: int) -> dict:
        """Set the linked Lab's sliders to the cell (row, column); returns the cell's settings."""
        if self.grid is None:
            raise ValueError("the map is not computed yet")
        settings = self.grid.settings_at(row, column)
        if self.lab is not None:
            self.lab.set(**settings)
        return settings

    def _on_screen_click(self, x: float, y: float) -> None:
        ax = self.panel.ax
        if ax.bbox.contains(x, y):
            xdata, ydata = ax.transData.inverted().transform((x, y))
            self._on_click(SimpleNamespace(inaxes=ax, xdata=float(xdata), ydata=float(ydata)))

    def _on_click(self, event) -> None:
        if self.grid is None or event.inaxes is not self.panel.ax or event.xdata is None:
            return
        self.select(*self.grid.cell(event.xdata, event.ydata))
