"""The headline panel: the loss contours on the plane of two parameters, and the SGD path over them.

The loss is a quadratic, so its contours are exact ellipses, computed only when the data (the
:class:`Landscape`) or the plane changes, and sharp at any zoom. Marked on the plane: the ground truth ★,
the least-squares optimum ✕, the start, the current position and the steps where the learning rate
decays. The view follows the path or shows the whole basin; the parameters off the plane are held at
their least-squares value.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.collections import LineCollection

from ..landscape import Landscape
from ..recipes import Recipe
from .cached_axes import legend_layer
from .status import Status
from .style import OPT_COLOR, PATH_COLOR, RING_CMAP, STATUS_COLORS, TRUTH_COLOR
from .thinning import thin, thin_line
from .ticks import quantized_view, set_limits

ZOOMS = ("follow", "basin")


def check_pair(pair, names) -> tuple:
    """``pair`` as a tuple, if it names two different parameters of ``names``."""
    pair = tuple(pair)
    if len(pair) != 2 or pair[0] == pair[1] or not all(0 <= k < len(names) for k in pair):
        raise ValueError(f"pair must name two different parameters of {names}, got {pair}")
    return pair


def check_zoom(zoom: str) -> str:
    """``zoom``, if it is one of :data:`ZOOMS`."""
    if zoom not in ZOOMS:
        raise ValueError(f"zoom must be one of {', '.join(ZOOMS)}, got {zoom!r}")
    return zoom


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


class ContourPanel:
    """The contour panel, a part of :class:`~.figure.Panels`: it reads the Panels' layout, recipe, names,
    pair, zoom, max_points, run, landscape and ``_full_steps`` (the thinned steps of the whole run)."""

    def _build_contour(self, ax) -> None:
        self._half = 1.0  # the scale of the plane around the optimum: set with each landscape
        self._decay_steps = np.zeros(0, dtype=np.int64)
        L = self.layout
        m = L.marker
        ax.set_title("Loss contours, SGD path" if L.compact else "Loss contours and the SGD path",
                     fontsize=L.title + 1, fontweight="bold")
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
        if L.compact:  # the truth, the best fit, the path and its start
            handles = handles[:4]
        self.legend = legend_layer(ax, handles, loc="upper center", bbox_to_anchor=(0.5, L.legend_anchor),
                                   ncol=L.legend_ncol, fontsize=L.legend + 1, frameon=False, handlelength=1.5,
                                   columnspacing=0.8, borderaxespad=0)
        if L.compact:
            for text, short in zip(self.legend.get_texts(), ("truth", "least squares", "start", "path"), strict=True):
                text.set_text(short)

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

    def _mark_decays(self, changes) -> None:
        """The steps where the learning rate changes (at most 60), marked on the path as it passes them."""
        decays = changes
        if len(decays) > 60:
            decays = decays[np.unique(np.linspace(0, len(decays) - 1, 60).round().astype(int))]
        self._decay_steps = decays

    def _show_path(self, theta, stop: int) -> None:
        """The path up to θ after ``stop`` steps, and the current position at its end."""
        i, j = self.pair
        idx = self._path_points(theta, stop)
        self.path_steps = idx
        self.path_line.set_data(theta[idx, i], theta[idx, j])
        self.path_line.set_marker("o" if len(idx) <= 250 else "")
        self.now_mark.set_data([theta[stop, i]], [theta[stop, j]])
        decays = self._decay_steps[self._decay_steps <= stop]
        self.decay_marks.set_data(theta[decays, i], theta[decays, j])

    def _show_alarm(self, status: Status, run, full) -> None:
        """A red banner over the contours for a run that diverged or is diverging."""
        wild = status.kind in ("diverged", "diverging")
        self.alarm.set_visible(wild)
        if status.kind == "diverged":
            self.alarm.set_text(f"diverged at step {run.diverged_at}")
        elif wild:
            grew = full[-1] / max(full[0], 1e-300)
            self.alarm.set_text(f"diverging: loss ×{grew:.2g}" if grew > 10 else "diverging: lr past 2/λmax")

    def _path_points(self, theta, stop: int) -> np.ndarray:
        """The steps the path line draws: all of them up to ``max_points``; fewer for a long scribble.

        A path that bounces across the view (a large lr, a small batch) would cost a lot of ink to
        draw and shows no more with 1,200 points than with a few hundred: its length in view widths
        is capped at ``PATH_INK``. The first and the last point are always drawn.
        """
        idx = thin(stop, self.max_points)
        (x0, x1), (y0, y1) = self.ax_contour.get_xlim(), self.ax_contour.get_ylim()
        i, j = self.pair
        return idx[thin_line(theta[idx, i], theta[idx, j], x1 - x0, y1 - y0)]

    def _update_path_extent(self) -> None:
        i, j = self.pair
        pts = self.run.theta[self._full_steps][:, [i, j]]
        self._path_box = (pts.min(axis=0), pts.max(axis=0))
        ref = self._reference_box()
        if ref is not None:  # keep a reference path (a real framework's) in view too
            self._path_box = (np.fmin(self._path_box[0], ref[0]), np.fmax(self._path_box[1], ref[1]))
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
        center, half = quantized_view(center, half)
        half = np.array([half[0], half[0] * aspect])
        set_limits(self.ax_contour, (center[0] - half[0], center[0] + half[0]),
                   (center[1] - half[1], center[1] + half[1]))
