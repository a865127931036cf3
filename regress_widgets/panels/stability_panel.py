"""The stability map as a figure: cells coloured by the final loss over the optimum's (log scale), blown-up runs
marked, both stability limits drawn over it, and the Lab's current setting."""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, NullFormatter

from ..engine.stability_map import StabilityGrid
from ..recipes.settings import TABLE
from ..words import Words, check_language
from .font import LATIN, figure_language, find_font
from .style import STATUS_COLORS

BLEW_UP_COLOR = "#3b3b3b"
GD_COLOR = "#d62728"
MS_COLOR = "#ff9f1c"
LOG_AXES = ("lr", "batch_size")
CMAP = colormaps["viridis"].with_extremes(bad=BLEW_UP_COLOR)


def _edges(values, log: bool) -> np.ndarray:
    """Cell edges around the values: midpoints (geometric on a log axis), the ends extended by half a cell."""
    v = np.log(np.asarray(values, dtype=float)) if log else np.asarray(values, dtype=float)
    mid = (v[1:] + v[:-1]) / 2
    out = np.concatenate([[v[0] - (mid[0] - v[0])], mid, [v[-1] + (v[-1] - mid[-1])]])
    return np.exp(out) if log else out


def _label(name: str, w: Words) -> str:
    return w(TABLE[name].label) + (f" ({w(TABLE[name].unit)})" if TABLE[name].unit else "")


class StabilityPanel:
    """Draws a :class:`~regress_widgets.engine.stability_map.StabilityGrid` on one axes; ``mark(x, y)`` moves the
    marker of
    the current setting (None hides it). The artists are made once by ``show``; ``mark`` only moves one.
    ``language``: of its texts (English where no font draws Chinese: :func:`~.font.figure_language`), drawn with
    that language's CJK font given to each text (never the global rcParams: it may draw in a background thread)."""

    def __init__(self, figure: Figure | None = None, figsize=(9.0, 6.0), language: str = "en"):
        language = figure_language(check_language(language))
        self.w = Words(language)
        family = find_font(language)
        self.font = {} if family is None else {"fontfamily": [LATIN, family]}
        """The font of every text the panel writes (none for English: matplotlib's default)."""
        self.figure = figure if figure is not None else Figure(figsize=figsize)
        self.ax = self.figure.add_axes((0.1, 0.25, 0.66, 0.66))
        self.cax = self.figure.add_axes((0.79, 0.25, 0.022, 0.66))
        self.grid: StabilityGrid | None = None
        (self.marker,) = self.ax.plot([], [], marker="*", ms=18, color="#ffffff", mec="#d62728", mew=1.6, ls="",
                                      zorder=6, label=self.w("the Lab now"))

    def show(self, grid: StabilityGrid) -> None:
        """Draw a computed grid (replacing what was drawn)."""
        self.grid = grid
        ax = self.ax
        for artist in [*ax.collections, *ax.texts, *[a for a in ax.lines if a is not self.marker]]:
            artist.remove()
        self.cax.clear()
        rel = grid.relative_loss
        finite = rel[np.isfinite(rel)]
        top = max(float(finite.max()) if finite.size else 10.0, 1.0 + 1e-6)
        norm = LogNorm(vmin=1.0, vmax=max(top, 10.0))
        xe, ye = _edges(grid.x_values, grid.x in LOG_AXES), _edges(grid.y_values, grid.y in LOG_AXES)
        mesh = ax.pcolormesh(xe, ye, np.ma.masked_invalid(np.maximum(rel, 1.0)), cmap=CMAP, norm=norm,
                             shading="flat")
        w, font = self.w, self.font
        bar = self.figure.colorbar(mesh, cax=self.cax)
        bar.set_label(w("final loss ÷ best possible (median of the seeds)"), **font)
        part = (grid.blown_up > 0) & (grid.blown_up < 1)  # some seeds blew up: a cross sized by their share
        if part.any():
            yy, xx = np.nonzero(part)
            ax.scatter(np.asarray(grid.x_values)[xx], np.asarray(grid.y_values)[yy], s=60 * grid.blown_up[part],
                       marker="x", color=STATUS_COLORS["diverged"], linewidths=1.2, zorder=4)
        lr_on_x = grid.x == "lr"
        along = grid.other_values
        data = w(" (seed {seed}'s data)", seed=grid.seeds[0]) if not grid.recipe.streaming else ""
        for curve, color, label in ((grid.gd_limit, GD_COLOR, w("gradient descent's limit") + data),
                                    (grid.ms_limit, MS_COLOR, w("mean-square limit of minibatch SGD") + data)):
            if np.isfinite(curve).any():
                xs, ys = (curve, along) if lr_on_x else (along, curve)
                ax.plot(xs, ys, color=color, lw=2.4, label=label, zorder=5, drawstyle="default")
        for axis, name, scale in ((ax.xaxis, grid.x, ax.set_xscale), (ax.yaxis, grid.y, ax.set_yscale)):
            scale("log" if name in LOG_AXES else "linear")
            if name in LOG_AXES:  # plain numbers at the decades, no labels on the minor ticks
                axis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
                axis.set_minor_formatter(NullFormatter())
        ax.set_xlim(xe[0], xe[-1])
        ax.set_ylim(ye[0], ye[-1])
        ax.set_xlabel(_label(grid.x, w), **font)
        ax.set_ylabel(_label(grid.y, w), **font)
        seeds = len(grid.seeds)
        where = (w("{title}: where SGD blows up ({n} seeds a cell)") if seeds > 1
                 else w("{title}: where SGD blows up ({n} seed a cell)"))
        ax.set_title(where.format(title=grid.recipe.title, n=seeds), fontsize=12, **font)
        handles = [h for h in ax.get_legend_handles_labels()[0] if h is not self.marker]
        handles += [Patch(color=BLEW_UP_COLOR, label=w("every seed blew up")),
                    Line2D([], [], marker="x", ls="", color=STATUS_COLORS["diverged"],
                           label=w("some seeds blew up (size: their share)"))]
        if len(self.marker.get_xdata()):
            handles.append(self.marker)
        prop = {"size": 9, **({"family": font["fontfamily"]} if font else {})}
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, prop=prop, frameon=False)

    def mark(self, x_value=None, y_value=None) -> None:
        """Mark the current setting at (x_value, y_value); None hides the marker."""
        if x_value is None or y_value is None:
            self.marker.set_data([], [])
        else:
            self.marker.set_data([x_value], [y_value])


def map_figure(grid: StabilityGrid, mark=None, figsize=(9.0, 6.0), language: str = "en") -> Figure:
    """A matplotlib Figure of the map (``mark``: an (x, y) to star, such as the Lab's current setting)."""
    panel = StabilityPanel(figsize=figsize, language=language)
    if mark is not None:
        panel.mark(*mark)
    panel.show(grid)
    return panel.figure
