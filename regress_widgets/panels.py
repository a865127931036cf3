"""The panels a student watches: one matplotlib Figure whose artists are made once, then updated in place.

:class:`Panels` draws, for one recipe,

1. the loss contours with the SGD path over them (the headline panel): ground truth ★, least-squares
   optimum ✕, start, current position, the steps where the learning rate decays; a choice of the two
   parameters that form the plane (the others held at their least-squares value); a view that follows
   the path or shows the whole basin;
2. the loss per step (and per epoch) on a log scale, with the full-data loss and its floor;
3. the data with the true and the fitted line;
4. every parameter against the iteration, the truth dashed;
5. the learning-rate schedule η(t), with the stability limit 2/λ_max.

Nothing is cleared and redrawn: :meth:`Panels.update` sets the data of existing artists and asks the
canvas for an idle redraw. The loss is a quadratic, so its contours are exact ellipses, computed only
when the data (the :class:`Landscape`) or the plane changes and sharp at any zoom.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from matplotlib import colormaps
from matplotlib.backend_bases import FigureCanvasBase
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter, FuncFormatter, LogLocator, MaxNLocator, NullLocator, SymmetricalLogLocator

from .cached_axes import CachedAxes, legend_layer
from .engine import Run
from .landscape import Landscape
from .recipes import Recipe

MAX_POINTS = 1200
"""Longest polyline drawn for a path or a curve; longer ones are thinned (first and last kept)."""

PATH_INK = 30.0
"""Longest path drawn, in widths of the view: a longer scribble is drawn with fewer of its points."""

BAND_BINS = 300
"""A run longer than twice this shows its minibatch losses as a band: their range in each of these bins."""

MAX_DATA_POINTS = 400
"""Most data points shown in the data panel."""

FIGSIZE = (12.8, 7.2)  # 16:9, 1280 × 720 px at 100 dpi: a projector's native shape
PATH_COLOR = "#d62728"
TRUTH_COLOR = "#ffbf00"
OPT_COLOR = "#1f3a93"
PARAM_COLORS = ("#1f77b4", "#2ca02c", "#9467bd", "#8c564b")
GHOST_COLORS = ("#17becf", "#e377c2", "#bcbd22", "#7f7f7f", "#ff7f0e", "#8c564b")
STATUS_COLORS = {"converged": "#2ca02c", "still moving": "#e08a00", "diverging": "#d62728",
                 "diverged": "#d62728"}

CONTOUR_RECT = (0.06, 0.275, 0.38, 0.575)


@dataclass(frozen=True)
class Layout:
    """Where the panels go. Rects are figure fractions; margins (left, bottom, right, top) are the pixels
    (at 100 dpi) around a panel that hold its labels; neighbouring panels' rects + margins must not overlap."""

    figsize: tuple[float, float]
    panels: dict
    header: tuple = (0, 0.9, 1, 0.1)
    title_y: tuple = (0.75, 0.25)
    title_size: tuple = (16, 12.5)
    title: float = 13
    label: float = 12
    tick: float = 11
    legend: float = 10
    small: float = 9.5
    marker: float = 1.0
    alarm: float = 17
    legend_anchor: float = -0.14
    legend_ncol: int = 2
    compact: bool = False


LAYOUTS = {
    "full": Layout(FIGSIZE, {
        "contour": (CONTOUR_RECT, (75, 44, 28, 28)),  # its legend lies below, clear of these margins
        "loss": ((0.525, 0.555, 0.19, 0.3), (68, 45, 28, 30)),
        "data": ((0.8, 0.555, 0.19, 0.3), (68, 45, 16, 30)),
        "params": ((0.525, 0.09, 0.19, 0.3), (56, 60, 28, 30)),
        "lr": ((0.8, 0.09, 0.19, 0.3), (68, 60, 16, 30)),
    }),
    # a narrow column for three recipes side by side: the path over the contours, and the loss
    "compact": Layout((3.6, 6.2), {  # 360 × 620 px; top down: header 62, contour, legend, loss
        "contour": ((0.17, 0.421, 0.78, 0.44), (60, 38, 12, 22)),
        "loss": ((0.17, 0.0645, 0.78, 0.1774), (60, 36, 12, 24)),
    }, header=(0, 0.9, 1, 0.1), title_y=(0.8, 0.3), title_size=(11.5, 9), title=10.5, label=10, tick=9,
        legend=7.5, small=8, marker=0.7, alarm=11, legend_anchor=-0.185, legend_ncol=4, compact=True),
}
ZOOMS = ("follow", "basin")
RING_CMAP = ListedColormap(colormaps["viridis"](np.linspace(0.0, 0.8, 256)))


@dataclass(frozen=True)
class Status:
    """How a run ended: ``kind`` is one of converged, still moving, diverging, diverged."""

    kind: str
    text: str

    @property
    def color(self) -> str:
        return STATUS_COLORS[self.kind]


def thin(stop: int, n: int = MAX_POINTS) -> np.ndarray:
    """At most ``n`` indices evenly spread over 0 … ``stop``, always with 0 and ``stop``."""
    if stop + 1 <= n:
        return np.arange(stop + 1)
    return np.unique(np.linspace(0, stop, n).round().astype(np.int64))


def last_finite_step(run: Run) -> int:
    """Index of the last finite θ in ``run.theta``."""
    return run.steps if run.diverged_at is None else run.diverged_at - 1


def full_loss(landscape: Landscape, theta) -> np.ndarray:
    """The full-data loss at θ, quietly inf where θ is huge (no overflow warnings)."""
    with np.errstate(all="ignore"):
        out = landscape.loss(theta)
    return np.where(np.isfinite(out), out, np.inf)


def run_status(run: Run, landscape: Landscape) -> Status:
    """Converged, still moving, diverging (loss exploding but finite) or diverged (not finite)."""
    lr_max = landscape.lr_max
    if run.diverged_at is not None:
        return Status("diverged", f"diverged at step {run.diverged_at}"
                      + (f" (lr {run.lr.max():.3g} > 2/λmax = {lr_max:.3g})" if run.lr.max() > lr_max else ""))
    T = run.steps
    first, last = full_loss(landscape, run.theta[[0, T]])
    best = landscape.min_loss
    excess0, excess = first - best, last - best
    rate = float(run.lr[-1]) if T else 0.0
    if rate > lr_max:  # the steepest direction grows by |1 − lr·λmax| > 1 every step, noise or not
        return Status("diverging", f"diverging: lr {rate:.3g} is past the stability limit 2/λmax = {lr_max:.3g}"
                      f" (loss ×{last / max(first, 1e-300):.2g} of the start so far)")
    if not np.isfinite(last) or excess > 10 * max(excess0, 1e-12):
        return Status("diverging", f"diverging: loss ×{last / max(first, 1e-300):.2g} of the start")
    if excess <= max(0.05 * best, 1e-3 * excess0, 1e-12):
        return Status("converged", f"converged: loss {last:.4g}, best possible {best:.4g}")
    return Status("still moving", f"still moving: loss {last:.4g}, best possible {best:.4g}")


def _plain_log_formatter():
    """Log-axis tick labels as plain text (1e-3, 0.01, 10, 1e+04): readable, and no mathtext to render."""
    def fmt(value, _pos):
        if value <= 0 or not math.isfinite(value):
            return ""
        exponent = math.log10(value)
        power = math.floor(exponent + 1e-9)
        mantissa = value / 10.0**power
        if min(abs(mantissa - m) for m in (1, 2, 5)) > 1e-6:
            return ""
        if -2 <= power <= 3:
            return f"{value:g}"
        return f"1e{power}" if abs(mantissa - 1) < 1e-6 else f"{round(mantissa)}e{power}"

    return FuncFormatter(fmt)


def _plain_symlog_formatter():
    """Symmetric-log tick labels as plain text: -1e40, -1000, 0, 1000, 1e40."""
    def fmt(value, _pos):
        if value == 0:
            return "0"
        power = round(math.log10(abs(value)))
        if power < 1:
            return ""
        sign = "-" if value < 0 else ""
        return f"{value:g}" if power <= 3 else f"{sign}1e{power}"

    return FuncFormatter(fmt)


class _StepFormatter(Formatter):
    """Step numbers short enough not to collide: on an axis past 10,000, 25000 → 25k."""

    def __call__(self, value, pos=None):
        big = self.axis is not None and self.axis.get_view_interval()[1] >= 10_000
        if big and value % 1000 == 0 and value != 0:
            return f"{value / 1000:g}k"
        return f"{value:g}"


def _ellipse_levels(landscape: Landscape, i: int, j: int, half: float, n_points: int = 96):
    """Exact contour lines of the loss on the (θi, θj) plane through the optimum.

    Levels sit at min + Δ with Δ doubling ring to ring, from rings 1/1000 of the basin wide to rings
    past three basins, so some are always in view whatever the zoom. Returns (segments, Δ levels).
    """
    A = landscape.G[np.ix_([i, j], [i, j])] * landscape.loss_scale
    center = landscape.optimum[[i, j]]
    vals, vecs = np.linalg.eigh(A)
    vals = np.maximum(vals, 1e-300)
    lo = vals[0] * (half * 1e-3) ** 2
    hi = vals[1] * (3 * half * math.sqrt(2)) ** 2
    count = int(math.ceil(math.log2(hi / lo))) + 1
    deltas = lo * 2.0 ** np.arange(count)
    t = np.linspace(0, 2 * np.pi, n_points)
    circle = np.stack([np.cos(t), np.sin(t)])  # (2, n)
    shape = vecs @ (circle / np.sqrt(vals)[:, None])  # unit level: uᵀAu = 1
    segments = center[None, None, :] + np.sqrt(deltas)[:, None, None] * shape.T[None]
    return segments, deltas


def _init_spread(recipe: Recipe, k: int) -> float:
    dist = recipe.init_w if k < recipe.dim else recipe.init_b
    if dist is None:
        return 0.0
    return abs(dist.b - dist.a) / 2 if dist.kind == "uniform" else 2 * dist.b + abs(dist.a)


def nice_ceil(x: float) -> float:
    """The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k that is ≥ x (> 0)."""
    power = 10.0 ** math.floor(math.log10(x))
    for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * power >= x * (1 - 1e-12):
            return m * power
    return 10 * power


def _round_limits(lo: float, hi: float, pad: float = 0.06) -> tuple[float, float]:
    """Limits padded, then widened to round tick values, so small changes keep the same view."""
    span = max(hi - lo, 1e-9 * max(abs(lo), abs(hi), 1.0))
    lo, hi = lo - pad * span, hi + pad * span
    step = 10.0 ** math.floor(math.log10((hi - lo) / 4))
    step *= next(m for m in (1, 2, 5, 10) if m * step >= (hi - lo) / 4)  # a 1-2-5 step: few distinct views
    return math.floor(lo / step) * step, math.ceil(hi / step) * step


def _quantized_view(center, half):
    """A square-ish view ⊇ [center ± half], its size on a √2-ish ladder and its centre on a grid."""
    out_c, out_h = [], []
    for c, h in zip(center, half, strict=True):
        q = nice_ceil(h)
        while True:
            cell = q / 4
            cq = round(c / cell) * cell
            if q >= h + abs(c - cq) - 1e-12:
                break
            q = nice_ceil(q * 1.01)
        out_c.append(cq)
        out_h.append(q)
    return np.array(out_c), np.array(out_h)


def _interactive(canvas) -> bool:
    """True for canvases that draw later on their own (ipympl, Qt …): their draw_idle is overridden."""
    return type(canvas).draw_idle is not FigureCanvasBase.draw_idle


def _ink(x, y, xspan: float, yspan: float, budget: float = PATH_INK) -> np.ndarray:
    """Which of the points (x, y) to draw: all, unless their polyline is longer than ``budget`` widths of
    the view; then evenly fewer (the first and the last kept). Returns positions into x and y."""
    n = len(x)
    if n <= 200:
        return np.arange(n)
    with np.errstate(all="ignore"):
        length = np.nansum(np.hypot(np.diff(x) / xspan, np.diff(y) / yspan))
    if not length > budget:
        return np.arange(n)
    return thin(n - 1, max(200, int(n * budget / length)))


def _times(ratio: float) -> str:
    return f"{ratio:,.0f}" if ratio >= 100 else f"{ratio:.2g}"


class Panels:
    """The five panels of one recipe on one Figure, updated in place.

    ``figure`` may be any matplotlib Figure (an ipympl canvas's, or a bare one: it then gets an Agg
    canvas). Call :meth:`update` with a run and the landscape of its data; :meth:`set_position`
    scrubs through the iterations; :meth:`set_pair` and :meth:`set_zoom` change the contour view;
    :meth:`add_ghost` and :meth:`clear_ghosts` manage pinned runs.

    Every panel is a :class:`~regress_widgets.cached_axes.CachedAxes`: what a slider move does not
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
        P = len(self.names)
        pair = (0, 1) if pair is None else tuple(pair)
        if len(pair) != 2 or pair[0] == pair[1] or not all(0 <= k < P for k in pair):
            raise ValueError(f"pair must name two different parameters of {self.names}, got {pair}")
        self.pair = pair
        if zoom not in ZOOMS:
            raise ValueError(f"zoom must be one of {', '.join(ZOOMS)}, got {zoom!r}")
        self.zoom = zoom
        self.run: Run | None = None
        self.landscape: Landscape | None = None
        self.position = 0
        self.path_steps = np.zeros(1, dtype=np.int64)
        """The indices into ``run.theta`` that the path line draws now (all of them unless thinned)."""
        self.status: Status | None = None
        self._data_stream = None
        self._fine_loss_ticks = False
        self._params_symlog = False
        self._fine_lr_ticks = False
        self._ghosts: list[tuple] = []
        self._half = 1.0
        self._floor = None
        self._full = np.zeros(0)  # full-data loss at the thinned steps of the whole run
        self._full_steps = np.zeros(0, dtype=np.int64)
        self._decay_steps = np.zeros(0, dtype=np.int64)
        self._build(P)
        for a in self.figure.axes:
            if isinstance(a, CachedAxes):
                a.enabled = cache

    # ------------------------------------------------------------------ building (once)
    def _build(self, P: int) -> None:
        fig = self.figure
        fig.set_facecolor("white")
        def panel(rect, margins):
            return fig.add_axes(rect, axes_class=CachedAxes, margins=margins)

        L = self.layout
        header = self.ax_header = panel(L.header, (0, 0, 0, 0))
        header.set_axis_off()
        self.title = header.text(0.5, L.title_y[0], "", ha="center", va="top", fontsize=L.title_size[0],
                                 fontweight="bold")
        self.subtitle = header.text(0.5, L.title_y[1], "", ha="center", va="top", fontsize=L.title_size[1],
                                    color="#333333")
        header.mark_dynamic(self.title, self.subtitle)

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
                a.xaxis.set_major_formatter(_StepFormatter())
                a.set_xlabel("step", fontsize=L.label, labelpad=1)
        self._build_contour(ax)
        self._build_loss(self.ax_loss)
        self._now_lines = [self.loss_now]
        if self.ax_data is not None:
            self._build_data(self.ax_data)
        if self.ax_params is not None:
            self._build_params(self.ax_params)
        if self.ax_lr is not None:
            self._build_lr(self.ax_lr)

    def _build_contour(self, ax) -> None:
        L = self.layout
        m = L.marker
        ax.set_title("Loss contours and the SGD path", fontsize=L.title + 1, fontweight="bold")
        self.rings = LineCollection([], cmap=RING_CMAP, linewidths=1.3, alpha=0.85, zorder=1,
                                    label="contours: loss gap ×2 per ring")
        ax.add_collection(self.rings)
        (self.path_line,) = ax.plot([], [], "-", color=PATH_COLOR, lw=2.2, marker="o", ms=3.5 * m, zorder=4,
                                    label="SGD path")
        (self.decay_marks,) = ax.plot([], [], "D", ms=7 * m, mfc="white", mec="black", mew=1.3, zorder=5,
                                      label="lr decays here (×γ)")
        (self.start_mark,) = ax.plot([], [], "o", ms=10 * m, mfc="white", mec=PATH_COLOR, mew=2.5, zorder=6,
                                     label="start θ₀")
        (self.now_mark,) = ax.plot([], [], "o", ms=11 * m, color=PATH_COLOR, mec="black", mew=1.2, zorder=7,
                                   label="θ at the current step")
        (self.truth_mark,) = ax.plot([], [], "*", ms=24 * m, color=TRUTH_COLOR, mec="black", mew=1.2, zorder=8,
                                     label="ground truth (made the data)")
        (self.opt_mark,) = ax.plot([], [], "X", ms=11 * m, color=OPT_COLOR, mec="white", mew=1.2, zorder=9,
                                   label="least-squares optimum")
        self.held_text = ax.text(0.01, 0.01, "", transform=ax.transAxes, fontsize=L.legend, va="bottom",
                                 ha="left", color="#333333", zorder=15,
                                 bbox=dict(boxstyle="round,pad=0.25", fc="white", ec="none", alpha=0.85))
        self.alarm = ax.text(0.5, 0.95, "", transform=ax.transAxes, ha="center", va="top", fontsize=L.alarm,
                             fontweight="bold", color="white", zorder=20, visible=False,
                             bbox=dict(boxstyle="round,pad=0.4", fc=STATUS_COLORS["diverged"], ec="none"))
        ax.mark_dynamic(self.path_line, self.decay_marks, self.start_mark, self.now_mark, self.truth_mark,
                        self.opt_mark, self.held_text, self.alarm)
        handles = [self.truth_mark, self.opt_mark, self.start_mark, self.path_line, self.now_mark,
                   self.decay_marks, self.rings]
        if L.compact:  # one row: the truth, the best fit, the path and its start
            handles = handles[:4]
        self.legend = legend_layer(ax, handles, loc="upper center", bbox_to_anchor=(0.5, L.legend_anchor),
                                   ncol=L.legend_ncol, fontsize=L.legend + 1, frameon=False, handlelength=1.5,
                                   columnspacing=0.8, borderaxespad=0)
        if L.compact:
            for text, short in zip(self.legend.get_texts(), ("truth", "least squares", "start", "path"), strict=True):
                text.set_text(short)

    def _build_loss(self, a) -> None:
        L = self.layout
        a.set_yscale("log")
        a.yaxis.set_major_locator(LogLocator(numticks=6))
        a.yaxis.set_minor_locator(NullLocator())
        a.yaxis.set_major_formatter(_plain_log_formatter())
        a.set_title("Loss (log scale)", fontsize=L.title, fontweight="bold")
        (self.batch_loss,) = a.plot([], [], "-", color="#9ecae1", lw=1.0, label="minibatch", zorder=2)
        # a long run's minibatch losses: their range in each of BAND_BINS bins (every spike kept, cheap to draw)
        self.batch_band = a.fill_between([0, 1], [1, 1], [1, 1], color="#9ecae1", alpha=0.6, lw=0, zorder=2,
                                         visible=False)
        (self.data_loss,) = a.plot([], [], "-", color=PATH_COLOR, lw=2.2, label="full data L(θ)", zorder=3)
        (self.epoch_loss,) = a.plot([], [], "^-", color="black", ms=6, lw=1.4, label="epoch mean", zorder=4)
        (self.floor_line,) = a.plot([], [], "--", color=OPT_COLOR, lw=1.5, label="best possible", zorder=1)
        self.loss_now = a.axvline(0, color="#555555", lw=1, ls=":", zorder=0)
        a.mark_dynamic(self.batch_loss, self.batch_band, self.data_loss, self.epoch_loss, self.loss_now)
        handles = [self.batch_loss, self.data_loss, self.floor_line]
        if not self.recipe.streaming:
            handles.insert(2, self.epoch_loss)
        self.loss_legend = legend_layer(a, handles, fontsize=L.small, loc="upper right", handlelength=1.4,
                                        borderaxespad=0.3, labelspacing=0.3)

    def _build_data(self, a) -> None:
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

    def _build_params(self, a) -> None:
        L = self.layout
        a.yaxis.set_major_locator(MaxNLocator(5))
        # labelled at their right ends
        a.set_title("Parameters (dashed: truth)", fontsize=L.title, fontweight="bold")
        self.param_lines = []
        self.param_labels = []
        for k, name in enumerate(self.names):
            color = PARAM_COLORS[k % len(PARAM_COLORS)]
            self.param_lines.append(a.plot([], [], "-", color=color, lw=2.2, zorder=3)[0])
            a.axhline(self.recipe.theta_true[k], color=color, lw=1.4, ls="--", zorder=2)
            self.param_labels.append(a.text(1.015, 0, name, transform=a.get_yaxis_transform(), color=color,
                                            fontsize=L.label, fontweight="bold", va="center", ha="left",
                                            clip_on=False))
        self.params_now = a.axvline(0, color="#555555", lw=1, ls=":", zorder=0)
        self._now_lines.append(self.params_now)
        a.mark_dynamic(*self.param_lines, *self.param_labels, self.params_now)

    def _build_lr(self, a) -> None:
        L = self.layout
        a.set_yscale("log")
        a.yaxis.set_major_locator(LogLocator(numticks=5))
        a.yaxis.set_minor_locator(NullLocator())
        a.yaxis.set_major_formatter(_plain_log_formatter())
        a.set_title("Learning rate (log scale)", fontsize=L.title, fontweight="bold")
        (self.lr_line,) = a.plot([], [], "-", color="black", lw=2.2, zorder=3)
        (self.lr_max_line,) = a.plot([], [], "--", color=STATUS_COLORS["diverged"], lw=1.6, zorder=2)
        self.lr_now = a.axvline(0, color="#555555", lw=1, ls=":", zorder=0)
        self._now_lines.append(self.lr_now)
        self.lr_note = a.text(0.97, 1.0, "", transform=a.get_yaxis_transform(), ha="right", va="bottom",
                              fontsize=L.small, color=STATUS_COLORS["diverged"], zorder=5,
                              bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="none", alpha=0.85))
        a.mark_dynamic(self.lr_line, self.lr_max_line, self.lr_now, self.lr_note)

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
            self._data_stream = None
        self._update_run()
        self.set_position(run.steps if position is None else position, draw=False)
        self._redraw_ghosts()
        self.draw_idle()

    def set_pair(self, i: int, j: int) -> None:
        """Show the plane of parameters ``i`` and ``j`` (the others held at their least-squares value)."""
        P = len(self.names)
        if i == j or not (0 <= i < P and 0 <= j < P):
            raise ValueError(f"pair must name two different parameters of {self.names}, got {(i, j)}")
        if (i, j) == self.pair:
            return
        self.pair = (i, j)
        if self.run is not None:
            self._update_contour()
            self._update_path_extent()
            self._redraw_ghosts()
            self.set_position(self.position, draw=False)
            self.draw_idle()

    def set_zoom(self, zoom: str) -> None:
        """``"follow"``: fit the path; ``"basin"``: the whole basin around the optimum."""
        if zoom not in ZOOMS:
            raise ValueError(f"zoom must be one of {', '.join(ZOOMS)}, got {zoom!r}")
        self.zoom = zoom
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
        i, j = self.pair
        theta = run.theta
        idx = self._path_points(theta, stop)
        self.path_steps = idx
        self.path_line.set_data(theta[idx, i], theta[idx, j])
        self.path_line.set_marker("o" if len(idx) <= 250 else "")
        self.now_mark.set_data([theta[stop, i]], [theta[stop, j]])
        decays = self._decay_steps[self._decay_steps <= stop]
        self.decay_marks.set_data(theta[decays, i], theta[decays, j])
        for line in self._now_lines:
            line.set_xdata([step, step])
        if self.ax_data is not None:  # the fitted line at the current θ; streaming: the batch that step used
            self._update_fit(theta[stop])
            if self.recipe.streaming and run.steps:
                self._show_batch(min(max(step, 1), run.steps) - 1)
        if draw:
            self.draw_idle()

    def _path_points(self, theta, stop: int) -> np.ndarray:
        """The steps the path line draws: all of them up to ``max_points``; fewer for a long scribble.

        A path that bounces across the view (a large lr, a small batch) would cost a lot of ink to
        draw and shows no more with 1,200 points than with a few hundred: its length in view widths
        is capped at ``PATH_INK``. The first and the last point are always drawn.
        """
        idx = thin(stop, self.max_points)
        (x0, x1), (y0, y1) = self.ax_contour.get_xlim(), self.ax_contour.get_ylim()
        i, j = self.pair
        return idx[_ink(theta[idx, i], theta[idx, j], x1 - x0, y1 - y0)]

    def add_ghost(self, run: Run, label: str = "") -> str:
        """Keep ``run`` as a faded path (and loss curve); returns the colour it is drawn in."""
        color = GHOST_COLORS[len(self._ghosts) % len(GHOST_COLORS)]
        (path,) = self.ax_contour.plot([], [], "-", color=color, lw=2.4, alpha=0.7, zorder=3, label=label)
        (loss,) = self.ax_loss.plot([], [], "-", color=color, lw=1.8, alpha=0.8, zorder=2.5)
        self.ax_contour.mark_dynamic(path)
        self.ax_loss.mark_dynamic(loss)
        self._ghosts.append((run, path, loss, color))
        self._redraw_ghost(self._ghosts[-1])
        self.draw_idle()
        return color

    def clear_ghosts(self) -> None:
        """Forget every pinned run."""
        for _, path, loss, _ in self._ghosts:
            self.ax_contour.forget_dynamic(path)
            self.ax_loss.forget_dynamic(loss)
            path.remove()
            loss.remove()
        self._ghosts.clear()
        self.draw_idle()

    @property
    def ghosts(self) -> list[Run]:
        return [g[0] for g in self._ghosts]

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

    # ------------------------------------------------------------------ pieces
    def _update_contour(self) -> None:
        land = self.landscape
        i, j = self.pair
        opt = land.optimum
        truth = np.asarray(self.recipe.theta_true)
        self._half = max(0.5, 1.3 * max(max(abs(opt[k]) + _init_spread(self.recipe, k), abs(truth[k] - opt[k]))
                                        for k in (i, j)))
        segments, deltas = _ellipse_levels(land, i, j, self._half)
        self.rings.set_segments(list(segments))
        self.rings.set_array(np.log2(deltas))
        self.rings.set_clim(math.log2(deltas[0]), math.log2(deltas[-1]))
        self.truth_mark.set_data([truth[i]], [truth[j]])
        self.opt_mark.set_data([opt[i]], [opt[j]])
        same = np.allclose(opt, truth, rtol=0, atol=1e-9)
        if self.layout.compact:
            label = "least squares"
        else:
            label = ("least-squares optimum = truth\n(fresh data every step)" if same
                     else "least-squares optimum: the best\nfit to these data (≠ truth: noise)")
        self.opt_mark.set_label(label)
        if self.legend.get_texts()[1].get_text() != label:
            self.legend.get_texts()[1].set_text(label)
        ax = self.ax_contour
        names = self.names
        ax.set_xlabel(names[i], fontsize=self.layout.label + 2, labelpad=1)
        ax.set_ylabel(names[j], fontsize=self.layout.label + 2, rotation=90 if self.layout.compact else 0,
                      labelpad=2 if self.layout.compact else 10)
        held = [k for k in range(len(names)) if k not in (i, j)]
        self.held_text.set_text("\n".join(f"{names[k]} held at {opt[k]:.3g} (least squares); path projected"
                                           for k in held))
        self.held_text.set_visible(bool(held))
        floor = land.min_loss
        if floor != self._floor:
            self._floor = floor
            self.floor_line.set_data([0, 1], [floor, floor])
            self.floor_line.set_transform(self.ax_loss.get_yaxis_transform())

    def _update_run(self) -> None:
        run, land = self.run, self.landscape
        recipe = run.recipe
        T = run.steps
        stop = last_finite_step(run)
        lr = run.lr
        changes = np.flatnonzero(lr[1:] != lr[:-1]) + 1  # θ_k is the last θ reached at the old rate
        decays = changes
        if len(decays) > 60:
            decays = decays[np.unique(np.linspace(0, len(decays) - 1, 60).round().astype(int))]
        self._decay_steps = decays
        self.status = run_status(run, land)
        wild = self.status.kind in ("diverged", "diverging")
        xmax = max(T, 1)

        # titles
        # compact: the column above already says the whole title
        self.title.set_text(recipe.title.split(' "')[0] if self.layout.compact else recipe.title)
        length = f"{T:,} steps" + (f" = {recipe.epochs} epochs" if recipe.epochs else "")
        if self.layout.compact:
            decay = f", γ {recipe.gamma:g}/{recipe.stepsize}" if recipe.gamma < 1 else ""
            self.subtitle.set_text(f"lr {recipe.lr:.3g}{decay} · batch {recipe.batch_size} · σ {recipe.noise:g}"
                                   f" · {T:,} steps")
        else:
            decay = (f"γ {recipe.gamma:g} every {recipe.stepsize} steps (stepsize)" if recipe.gamma < 1
                     else "constant (γ = 1)")
            self.subtitle.set_text(f"lr {recipe.lr:.3g}, {decay}  ·  batch {recipe.batch_size}  ·  "
                                   f"noise σ {recipe.noise:g}  ·  seed {run.seed}  ·  {length}")

        # loss panel: decade limits, so the view holds still while the curves move
        idx = thin(stop, self.max_points)
        self._full_steps = idx
        self._full = full_loss(land, run.theta[idx])
        self._show_batch_losses(run.loss[:stop])
        epoch = run.epoch_loss
        if len(epoch):
            ends = np.minimum(np.arange(1, len(epoch) + 1) * recipe.steps_per_epoch, T)
            ok = np.isfinite(epoch)
            self.epoch_loss.set_data(ends[ok], epoch[ok])
        else:
            self.epoch_loss.set_data([], [])
        # the full-data loss never goes below the floor, so the view holds still from one lr to the next;
        # minibatch losses may dip below it (the noise of one batch), and are clipped there
        values = np.concatenate([self._full, [self._floor]])
        values = values[np.isfinite(values) & (values > 0)]
        top = min(values.max(), 1e200) if len(values) else 1.0  # LogLocator overflows near 1e308
        bottom = values.min() / 3 if len(values) else top * 1e-3
        if not wild:
            bottom = max(bottom, top * 1e-12)
        lo_dec = math.floor(math.log10(bottom) + 1e-9)
        hi_dec = math.ceil(math.log10(top * 3) - 1e-9)  # headroom for the legend
        self._set_limits(self.ax_loss, (0, xmax), (10.0**lo_dec, 10.0**hi_dec))
        with np.errstate(all="ignore"):
            keep = _ink(idx, np.log10(self._full), xmax, hi_dec - lo_dec)
        self.data_loss.set_data(idx[keep], self._full[keep])
        fine = hi_dec - lo_dec <= 2
        if fine != self._fine_loss_ticks:
            self._fine_loss_ticks = fine
            self.ax_loss.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0) if fine else (1.0,), numticks=6))

        cap = 4 * max(np.abs(np.asarray(recipe.theta_true)).max(), 1.0)
        self._fit_cap = cap
        if self.ax_params is not None:
            self._update_params(run, idx, stop, cap, xmax)
        if self.ax_lr is not None:
            self._update_lr(run, land, changes, stop, xmax)

        # divergence message
        self.alarm.set_visible(wild)
        if self.status.kind == "diverged":
            self.alarm.set_text(f"diverged at step {run.diverged_at}")
        elif wild:
            grew = self._full[-1] / max(self._full[0], 1e-300)
            self.alarm.set_text(f"diverging: loss ×{grew:.2g}" if grew > 10 else "diverging: lr past 2/λmax")
        if self.ax_data is not None and run.stream is not self._data_stream:
            self._update_data_panel()
        self._update_path_extent()

    def _update_params(self, run, idx, stop, cap, xmax) -> None:
        """θ(t); a run that escapes is drawn on a symmetric log scale."""
        theta = run.theta
        truth = np.asarray(run.recipe.theta_true)
        with np.errstate(invalid="ignore"):
            escaped = not bool((np.abs(theta[idx]) <= cap).all())
        a = self.ax_params
        if escaped != self._params_symlog:
            self._params_symlog = escaped
            if escaped:
                a.set_yscale("symlog", linthresh=cap / 4)
                locator = SymmetricalLogLocator(linthresh=cap / 4, base=10)
                locator.set_params(numticks=5)
                a.yaxis.set_major_locator(locator)
                a.yaxis.set_major_formatter(_plain_symlog_formatter())
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
            ylim = _round_limits(vals.min(), vals.max())
        self._set_limits(a, (0, xmax), ylim)
        scale = a.yaxis.get_transform()  # linear, or symlog for a run that escaped
        with np.errstate(all="ignore"):
            lo, hi = scale.transform(np.asarray(ylim, dtype=float))
            keep = min((_ink(idx, scale.transform(theta[idx, n]), xmax, hi - lo) for n in range(theta.shape[1])),
                       key=len)  # a noisy run: no more points than the eye can follow
        self.params_steps = idx[keep]
        for n, line in enumerate(self.param_lines):
            line.set_data(self.params_steps, theta[self.params_steps, n])
        for line in self.param_lines:
            line.set_marker("o" if escaped and stop <= 60 else "")
            line.set_markersize(3.5)
        last = theta[stop]
        for n, label in enumerate(self.param_labels):
            if escaped:  # stacked in the corner: the ends of an escaped run are off the chart
                label.set_transform(a.transAxes)
                label.set_y(0.93 - 0.1 * n)
            else:
                label.set_transform(a.get_yaxis_transform())
                label.set_y(float(last[n]))

    def _update_lr(self, run, land, changes, stop, xmax) -> None:
        lr = run.lr
        T = run.steps
        recipe = run.recipe
        if len(changes) > self.max_points:
            xs = thin(T - 1, self.max_points)
            self.lr_line.set_data(xs + 1, lr[xs])
            self.lr_line.set_drawstyle("default")
        else:
            at = np.concatenate([[0], changes, [T - 1]]) if T else np.zeros(0, dtype=np.int64)
            self.lr_line.set_data(at + 1, lr[at])
            self.lr_line.set_drawstyle("steps-post")
        lr_max = land.lr_max
        peak = float(lr.max()) if T else recipe.lr
        a = self.ax_lr
        # on a log scale the stability limit is always in view, and decays by γ are equal steps
        low = float(lr[:stop].min()) if stop else peak
        # a fixed span, five decades under the limit to past it, so the axis holds still as lr moves
        lo_dec = min(math.floor(math.log10(lr_max)) - 5, math.floor(math.log10(max(low, peak * 1e-6) / 1.5)))
        hi_dec = math.ceil(math.log10(max(peak, lr_max) * 3))
        self.lr_max_line.set_data([0, xmax], [lr_max, lr_max])
        past = peak > lr_max  # the label goes on the side of the limit away from the lr line
        self.lr_note.set_position((0.97, lr_max / 1.3 if past else lr_max * 1.25))
        self.lr_note.set_va("top" if past else "bottom")
        self.lr_note.set_text(f"stability limit 2/λmax = {lr_max:.3g}" + (" — lr is past it!" if peak > lr_max
                                                                           else ""))
        self._set_limits(a, (0, xmax), (10.0**lo_dec, 10.0**hi_dec))
        fine = hi_dec - lo_dec <= 2
        if fine != self._fine_lr_ticks:
            self._fine_lr_ticks = fine
            a.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0) if fine else (1.0,), numticks=5))

    def _show_batch_losses(self, loss) -> None:
        """Every minibatch loss of a short run; a long run's as the low–high range of each bin."""
        n = len(loss)
        band = n > 2 * BAND_BINS
        self.batch_band.set_visible(band)
        self.batch_loss.set_visible(not band)
        if not band:
            self.batch_loss.set_data(np.arange(1, n + 1), loss)
            return
        starts = np.linspace(0, n, BAND_BINS + 1).round().astype(np.int64)[:-1]
        lo = np.minimum.reduceat(loss, starts)
        hi = np.maximum.reduceat(loss, starts)
        ends = np.append(starts[1:], n)
        x = np.column_stack([starts + 1, ends]).ravel()  # each bin's range held over the bin
        self.batch_band.set_data(x, np.repeat(lo, 2), np.repeat(hi, 2))

    @staticmethod
    def _set_limits(ax, xlim, ylim) -> None:
        """Set limits only when they change (setting equal limits still marks the axes stale)."""
        if tuple(ax.get_xlim()) != tuple(map(float, xlim)):
            ax.set_xlim(*xlim)
        if tuple(ax.get_ylim()) != tuple(map(float, ylim)):
            ax.set_ylim(*ylim)

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
        self._y_range = (ylo - pad, yhi + pad)
        xpad = 0.05 * (hi - lo)
        self._set_limits(self.ax_data, (lo - xpad, hi + xpad), self._y_range)

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

    def _update_path_extent(self) -> None:
        i, j = self.pair
        pts = self.run.theta[self._full_steps][:, [i, j]]
        self._path_box = (pts.min(axis=0), pts.max(axis=0))
        self.start_mark.set_data([self.run.theta[0, i]], [self.run.theta[0, j]])
        self._set_view()

    def _set_view(self) -> None:
        """Equal scales on both axes (the contours keep their true shape), limits in round steps."""
        i, j = self.pair
        opt = self.landscape.optimum[[i, j]]
        truth = np.asarray(self.recipe.theta_true)[[i, j]]
        start = self.run.theta[0, [i, j]]
        cap = 3 * self._half
        if self.zoom == "basin":
            reach = max(np.abs(start - opt).max(), np.abs(truth - opt).max())
            half = np.full(2, max(1.6 * reach, 0.25 * self._half))
            center = opt
        else:
            lo, hi = self._path_box
            lo = np.maximum(np.minimum(np.minimum(lo, opt), truth), opt - cap)
            hi = np.minimum(np.maximum(np.maximum(hi, opt), truth), opt + cap)
            center = (lo + hi) / 2
            half = np.maximum(0.62 * (hi - lo), 1e-3 * self._half)
        fig_w, fig_h = self.figure.get_size_inches()
        rect = self.layout.panels["contour"][0]
        aspect = (rect[3] * fig_h) / (rect[2] * fig_w)  # axes height / width
        half = np.full(2, max(half[0], half[1] / aspect))  # the x half-width, then y follows the aspect
        center, half = _quantized_view(center, half)
        half = np.array([half[0], half[0] * aspect])
        self._set_limits(self.ax_contour, (center[0] - half[0], center[0] + half[0]),
                         (center[1] - half[1], center[1] + half[1]))

    def _redraw_ghost(self, ghost) -> None:
        run, path, loss, _ = ghost
        i, j = self.pair
        idx = thin(last_finite_step(run), self.max_points)
        path.set_data(run.theta[idx, i], run.theta[idx, j])
        if self.landscape is not None:
            loss.set_data(idx, full_loss(self.landscape, run.theta[idx]))

    def _redraw_ghosts(self) -> None:
        for ghost in self._ghosts:
            self._redraw_ghost(ghost)


def save_png(run: Run, path, *, landscape: Landscape | None = None, dpi: int = 100, pair=None,
             zoom: str = "follow") -> Panels:
    """Draw the panels of ``run`` and write them to ``path`` as a PNG (1280 × 720 px at 100 dpi)."""
    landscape = landscape or Landscape.for_recipe(run.recipe, run.seed)
    panels = Panels(run.recipe, pair=pair, zoom=zoom)
    panels.update(run, landscape)
    panels.figure.savefig(path, dpi=dpi, facecolor="white")
    return panels


def ghost_color(index: int) -> str:
    """The colour of the ``index``-th pinned run (so a table can match it)."""
    return GHOST_COLORS[index % len(GHOST_COLORS)]
