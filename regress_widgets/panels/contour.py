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

from ..recipes.tutorials import Recipe
from ..theory.landscape import Landscape
from .cached_axes import legend_layer, set_legend_text
from .fit_text import fit_text, fit_title, room_centred
from .frame import Frame
from .pin_lines import PinLines
from .style import OPT_COLOR, PATH_COLOR, REFERENCE_COLOR, RING_CMAP, STATUS_COLORS, TRUTH_COLOR
from .thinning import thin, thin_line
from .ticks import quantized_view, set_limits


def _ellipse_levels(landscape: Landscape, i: int, j: int, half: float, n_points: int = 96):
    """Exact contour lines of the loss on the (θi, θj) plane through the optimum.

    Levels sit at min + Δ with Δ doubling ring to ring, from rings 1/1000 of the basin wide to rings
    past three basins, so some are always in view whatever the zoom. Returns (segments, Δ levels).
    """
    A = landscape.G[np.ix_([i, j], [i, j])] * landscape.loss_scale
    center = landscape.optimum[[i, j]]
    vals, vecs = np.linalg.eigh(A)
    vals = np.maximum(vals, max(vals[1] * 1e-12, 1e-300))  # a flat direction (no unique optimum): very long rings
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
    """The contour panel: it owns its axes and artists and draws a :class:`~.frame.Frame` with :meth:`update`.

    Beside the run it draws the frame's reference path (a real framework's) and its pinned runs (faded).
    """

    def __init__(self, ax, layout, names, streaming: bool, aspect: float):
        self.ax = ax
        self.layout = L = layout
        self.names = names
        self.aspect = aspect
        """Height / width of the axes box: the view keeps equal scales on both axes."""
        self.half = 1.0
        """The scale of the plane around the optimum: set with each landscape."""
        self.path_steps = np.zeros(1, dtype=np.int64)
        """The indices into ``run.theta`` that the path line draws now (all of them unless thinned)."""
        self._frame: Frame | None = None
        self.pins = PinLines(ax, lw=2.4, alpha=0.7, zorder=3)
        self._path_box = None
        m = L.marker
        fit_title(ax, L.w("Loss contours, SGD path") if L.compact else L.w("Loss contours and the SGD path"),
                  L.title + 1)
        self.rings = LineCollection([], cmap=RING_CMAP, linewidths=1.3, alpha=0.85, zorder=1,
                                    label=L.w("rings: loss gap ×2 each") if L.short_header else
                                    L.w("contours: loss gap ×2 per ring"))  # (a narrow figure: a shorter line)
        ax.add_collection(self.rings)
        (self.path_line,) = ax.plot([], [], "-", color=PATH_COLOR, lw=2.2, marker="o", ms=3.5 * m, zorder=4,
                                    label=L.w("SGD path"))
        (self.decay_marks,) = ax.plot([], [], "D", ms=7 * m, mfc="white", mec="black", mew=1.3, zorder=5,
                                      label=L.w("lr decays here (×γ)"))
        (self.start_mark,) = ax.plot([], [], "o", ms=10 * m, mfc="white", mec=PATH_COLOR, mew=2.5, zorder=6,
                                     label=L.w("start θ₀"))
        (self.now_mark,) = ax.plot([], [], "o", ms=11 * m, color=PATH_COLOR, mec="black", mew=1.2, zorder=7,
                                   label=L.w("θ at the current step"))
        (self.step_line,) = ax.plot([], [], "-", color="black", lw=1.8, zorder=7.5, markevery=[1], ms=7 * m,
                                    label=L.w("velocity: the last step, carried on"))
        (self.truth_mark,) = ax.plot([], [], "*", ms=24 * m, color=TRUTH_COLOR, mec="black", mew=1.2, zorder=8,
                                     label=L.w("ground truth (made the data)"))
        (self.opt_mark,) = ax.plot([], [], "X", ms=11 * m, color=OPT_COLOR, mec="white", mew=1.2, zorder=9,
                                   label=L.w("least-squares optimum"))
        self.held_text = ax.text(0.01, 0.01, "", transform=ax.transAxes, fontsize=L.legend, va="bottom",
                                 ha="left", color="#333333", zorder=15,
                                 bbox=dict(boxstyle="round,pad=0.25", fc="white", ec="none", alpha=0.85))
        self.alarm = ax.text(0.5, 0.95, "", transform=ax.transAxes, ha="center", va="top", fontsize=L.alarm,
                             fontweight="bold", color="white", zorder=20, visible=False,
                             bbox=dict(boxstyle="round,pad=0.4", fc=STATUS_COLORS["diverged"], ec="none"))
        (self.ref_path,) = ax.plot([], [], "-", color=REFERENCE_COLOR, lw=5.5 * max(m, 0.8), alpha=0.55,
                                   zorder=3.5, solid_capstyle="round", label=L.w("reference"))
        ax.mark_dynamic(self.path_line, self.decay_marks, self.start_mark, self.now_mark, self.step_line,
                        self.truth_mark, self.opt_mark, self.held_text, self.alarm, self.ref_path)
        handles = [self.truth_mark, self.opt_mark, self.start_mark, self.path_line, self.now_mark,
                   self.decay_marks, self.rings]
        if L.compact:  # the truth, the best fit, the path and its start
            handles = handles[:4]
        self.legend = legend_layer(ax, handles, loc="upper center", bbox_to_anchor=(0.5, L.legend_anchor),
                                   ncol=L.legend_ncol, fontsize=L.legend + 1, frameon=False, handlelength=1.5,
                                   columnspacing=0.8, borderaxespad=0)
        if L.compact:
            shorts = (L.w("truth"), L.w("least squares"), L.w("start"), L.w("path"))
            for text, short in zip(self.legend.get_texts(), shorts, strict=True):
                text.set_text(short)
        self.ref_legend = legend_layer(ax, [self.ref_path], loc="upper left", fontsize=L.legend, handlelength=1.6,
                                       borderaxespad=0.3, framealpha=1.0)
        for artist in (self.ref_path, self.ref_legend.axes):  # hidden after the legend copied the line's look
            artist.set_visible(False)

    # ------------------------------------------------------------------ drawing a frame
    def update(self, frame: Frame) -> None:
        old = self._frame
        self._frame = frame
        new_surface = (old is None or frame.landscape is not old.landscape or frame.pair != old.pair
                       or frame.recipe.theta_true != old.recipe.theta_true)
        if new_surface:
            self._draw_surface(frame)
        if old is None or new_surface or frame.reference is not old.reference:
            self._draw_reference(frame)
        if old is None or new_surface or frame.pins != old.pins:
            self._draw_pins(frame)
        if (old is None or new_surface or frame.run is not old.run or frame.zoom != old.zoom
                or frame.reference is not old.reference):
            self._draw_extent(frame)
        self._draw_path(frame)
        self._draw_alarm(frame)

    def _draw_surface(self, frame: Frame) -> None:
        land, recipe = frame.landscape, frame.recipe
        i, j = frame.pair
        opt = land.optimum
        truth = frame.truth_or_optimum
        self.half = max(0.5, 1.3 * max(max(abs(opt[k]) + _init_spread(recipe, k), abs(truth[k] - opt[k]))
                                       for k in (i, j)))
        segments, deltas = _ellipse_levels(land, i, j, self.half)
        self.rings.set_segments(list(segments))
        self.rings.set_array(np.log2(deltas))
        self.rings.set_clim(math.log2(deltas[0]), math.log2(deltas[-1]))
        known = recipe.has_truth
        self.truth_mark.set_data([truth[i]] if known else [], [truth[j]] if known else [])
        w = self.layout.w
        set_legend_text(self.legend, 0, (w("truth") if known else w("no truth")) if self.layout.compact else (
            w("ground truth (made the data)") if known else w("ground truth: unknown (your own data)")))
        self.opt_mark.set_data([opt[i]], [opt[j]])
        same = np.allclose(opt, truth, rtol=0, atol=1e-9)
        if self.layout.compact:
            label = w("least squares")
        elif not known:
            label = w("least-squares optimum: the best\nfit to your data") + (
                w("\n(not unique: the minimum-norm one)") if land.minimum_norm else "")
        else:
            label = (w("least-squares optimum = truth\n(fresh data every step)") if same
                     else w("least-squares optimum: the best\nfit to these data (≠ truth: noise)"))
        self.opt_mark.set_label(label)
        set_legend_text(self.legend, 1, label)
        names = self.names
        compact = self.layout.compact
        own = recipe.data
        scaled = own is not None and own.standardize  # the plane of the standardized features' weights
        self.ax.set_xlabel(names[i] + (w(" (standardized)") if scaled and i < recipe.dim else ""),
                           fontsize=self.layout.label + 2, labelpad=1)
        self.ax.set_ylabel(names[j] + (w(" (standardized)") if scaled and j < recipe.dim else ""),
                           fontsize=self.layout.label + 2,
                           rotation=90 if compact or scaled or len(names[j]) > 3 else 0,  # a column's long name
                           labelpad=2 if compact else 4)
        held = [k for k in range(len(names)) if k not in (i, j)]
        room = self.ax.bbox.width * 0.98 - 2 * self.layout.legend * 0.25 / 72 * self.ax.get_figure(root=True).dpi
        fit_text(self.held_text, "\n".join(w("{name} held at {value} (least squares); path projected",
                                             name=names[k], value=f"{opt[k]:.3g}") for k in held),
                 room, self.layout.legend, shrink=False)  # (the smallest size already): on two lines in a column
        self.held_text.set_visible(bool(held))

    def _draw_reference(self, frame: Frame) -> None:
        ref = frame.reference
        for artist in (self.ref_path, self.ref_legend.axes):
            artist.set_visible(ref is not None)
        if ref is None:
            self.ref_path.set_data([], [])
            return
        i, j = frame.pair
        self.ref_path.set_data(ref.theta[ref.steps, i], ref.theta[ref.steps, j])
        self.ref_path.set_label(ref.label)
        set_legend_text(self.ref_legend, 0, ref.label)

    def _draw_pins(self, frame: Frame) -> None:
        i, j = frame.pair
        self.pins.draw(frame.pins, lambda pin: (pin.theta[pin.steps, i], pin.theta[pin.steps, j]))

    def _draw_extent(self, frame: Frame) -> None:
        i, j = frame.pair
        theta = frame.run.theta
        pts = theta[frame.steps][:, [i, j]]
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        ref = frame.reference
        if ref is not None and len(ref.steps):  # keep a reference path (a real framework's) in view too
            rp = ref.theta[ref.steps][:, [i, j]]
            lo, hi = np.fmin(lo, rp.min(axis=0)), np.fmax(hi, rp.max(axis=0))
        self._path_box = (lo, hi)
        self.start_mark.set_data([theta[0, i]], [theta[0, j]])
        self._set_view(frame)

    def _set_view(self, frame: Frame) -> None:
        """Equal scales on both axes (the contours keep their true shape), limits in round steps."""
        i, j = frame.pair
        opt = frame.landscape.optimum[[i, j]]
        truth = frame.truth_or_optimum[[i, j]]
        start = frame.run.theta[0, [i, j]]
        cap = 3 * self.half
        if frame.zoom == "basin":
            reach = max(np.abs(start - opt).max(), np.abs(truth - opt).max())
            half = np.full(2, max(1.6 * reach, 0.25 * self.half))
            center = opt
        else:
            lo, hi = self._path_box
            lo = np.maximum(np.minimum(np.minimum(lo, opt), truth), opt - cap)
            hi = np.minimum(np.maximum(np.maximum(hi, opt), truth), opt + cap)
            center = (lo + hi) / 2
            half = np.maximum(0.62 * (hi - lo), 1e-3 * self.half)
        aspect = self.aspect
        half = np.full(2, max(half[0], half[1] / aspect))  # the x half-width, then y follows the aspect
        center, half = quantized_view(center, half)
        half = np.array([half[0], half[0] * aspect])
        set_limits(self.ax, (center[0] - half[0], center[0] + half[0]), (center[1] - half[1], center[1] + half[1]))

    def _draw_path(self, frame: Frame) -> None:
        """The path up to θ after the frame's step, and the current position at its end."""
        i, j = frame.pair
        theta, stop = frame.run.theta, frame.stop
        idx = self._path_points(frame, stop)
        self.path_steps = idx
        self.path_line.set_data(theta[idx, i], theta[idx, j])
        self.path_line.set_marker("o" if len(idx) <= 250 else "")
        self.now_mark.set_data([theta[stop, i]], [theta[stop, j]])
        decays = frame.decays[frame.decays <= stop]
        self.decay_marks.set_data(theta[decays, i], theta[decays, j])
        self._draw_step(frame, stop)

    def _draw_step(self, frame: Frame, stop: int) -> None:
        """With momentum or Adam, the last step drawn on from the current θ, as an arrow (for momentum: the
        velocity, which carries θ on before the next gradient acts)."""
        r = frame.recipe
        if stop < 1 or (r.optimizer == "sgd" and r.momentum == 0):
            self.step_line.set_data([], [])
            return
        i, j = frame.pair
        last, now = frame.run.theta[stop - 1], frame.run.theta[stop]
        ahead = 2 * now - last  # the velocity drawn on from θ: where momentum carries it, before the next gradient
        x, y = [now[i], ahead[i]], [now[j], ahead[j]]
        angle = math.degrees(math.atan2(y[1] - y[0], x[1] - x[0]))  # equal scales: the data angle is the screen's
        self.step_line.set_data(x, y)
        self.step_line.set_marker((3, 0, angle - 90))

    def _path_points(self, frame: Frame, stop: int) -> np.ndarray:
        """The steps the path line draws: all of them up to ``max_points``; fewer for a long scribble.

        A path that bounces across the view (a large lr, a small batch) would cost a lot of ink to
        draw and shows no more with 1,200 points than with a few hundred: its length in view widths
        is capped at ``PATH_INK``. The first and the last point are always drawn.
        """
        idx = thin(stop, frame.max_points)
        (x0, x1), (y0, y1) = self.ax.get_xlim(), self.ax.get_ylim()
        i, j = frame.pair
        theta = frame.run.theta
        return idx[thin_line(theta[idx, i], theta[idx, j], x1 - x0, y1 - y0)]

    def _draw_alarm(self, frame: Frame) -> None:
        """A red banner over the contours for a run that diverged or is diverging."""
        status = frame.status
        wild = status.kind in ("diverged", "diverging")
        self.alarm.set_visible(wild)
        if not wild:
            return
        w = self.layout.w
        if status.kind == "diverged":
            text = w("diverged at step {k}", k=frame.run.diverged_at)
        else:
            grew = frame.full[-1] / max(frame.full[0], 1e-300)
            text = (w("diverging: loss ×{grew}", grew=f"{grew:.2g}") if grew > 10
                    else w("diverging: lr past 2/λmax"))
        box = self.ax.bbox  # inside the contour panel, its rounded box too
        fit_text(self.alarm, text, room_centred(self.alarm, box.x0, box.x1, pad=4 + 0.8 * self.layout.alarm),
                 self.layout.alarm, lines=2)

