"""The loss panel: the minibatch, epoch and full-data losses per step on a log scale, over the floor."""

from __future__ import annotations

import math

import numpy as np

from ..theory.verdict import full_loss
from .cached_axes import legend_layer
from .fit_text import fit_title
from .frame import Frame
from .pin_lines import PinLines
from .style import NOW_LINE, OPT_COLOR, PATH_COLOR, REFERENCE_COLOR
from .thinning import thin_line
from .ticks import decade_locator, set_limits, use_log_scale

BAND_BINS = 300
"""A run longer than twice this shows its minibatch losses as a band: their range in each of these bins."""

class LossPanel:
    """The loss panel: it owns its axes and artists and draws a :class:`~.frame.Frame` with :meth:`update`.
    Beside the run: the frame's reference path's loss and its pinned runs' losses."""

    def __init__(self, ax, layout, streaming: bool):
        self.ax = a = ax
        self.layout = L = layout
        self._frame: Frame | None = None
        self._fine_ticks = False
        self.pins = PinLines(a, lw=1.8, alpha=0.8, zorder=2.5)
        use_log_scale(a, numticks=6)
        fit_title(a, L.w("Loss (log scale)"), L.title)
        (self.batch_loss,) = a.plot([], [], "-", color="#9ecae1", lw=1.0, label=L.w("minibatch"), zorder=2)
        # a long run's minibatch losses: their range in each of BAND_BINS bins (every spike kept, cheap to draw)
        self.batch_band = a.fill_between([0, 1], [1, 1], [1, 1], color="#9ecae1", alpha=0.6, lw=0, zorder=2,
                                         visible=False)
        (self.data_loss,) = a.plot([], [], "-", color=PATH_COLOR, lw=2.2, label=L.w("full data L(θ)"), zorder=3)
        (self.epoch_loss,) = a.plot([], [], "^-", color="black", ms=6, lw=1.4, label=L.w("epoch mean"), zorder=4)
        (self.floor_line,) = a.plot([], [], "--", color=OPT_COLOR, lw=1.5, label=L.w("best possible"), zorder=1)
        self.floor_line.set_transform(a.get_yaxis_transform())
        (self.ref_loss,) = a.plot([], [], "-", color=REFERENCE_COLOR, lw=4, alpha=0.5, zorder=2.8, visible=False)
        self.now_line = a.axvline(0, **NOW_LINE)
        a.mark_dynamic(self.batch_loss, self.batch_band, self.data_loss, self.epoch_loss, self.now_line,
                       self.ref_loss)
        handles = [self.batch_loss, self.data_loss, self.floor_line]
        if not streaming:
            handles.insert(2, self.epoch_loss)
        self.legend = legend_layer(a, handles, fontsize=L.small, loc="upper right", handlelength=1.4,
                                   borderaxespad=0.3, labelspacing=0.3)

    def update(self, frame: Frame) -> None:
        old = self._frame
        self._frame = frame
        new_surface = old is None or frame.landscape is not old.landscape
        if new_surface:
            floor = frame.landscape.min_loss
            self.floor_line.set_data([0, 1], [floor, floor])
        if new_surface or frame.run is not old.run:
            self._draw_run(frame)
        if new_surface or frame.reference is not old.reference:
            self._draw_reference(frame)
        if new_surface or frame.pins != old.pins:
            self._draw_pins(frame)
        self.now_line.set_xdata([frame.position, frame.position])

    def _draw_run(self, frame: Frame) -> None:
        """The run's losses; decade limits, so the view holds still while the curves move."""
        run, steps, full = frame.run, frame.steps, frame.full
        recipe = run.recipe
        T = run.steps
        xmax = max(T, 1)
        self._draw_batch_losses(run.loss[:frame.last_finite])
        epoch = run.epoch_loss
        if len(epoch):
            ends = np.minimum(np.arange(1, len(epoch) + 1) * recipe.steps_per_epoch, T)
            ok = np.isfinite(epoch)
            self.epoch_loss.set_data(ends[ok], epoch[ok])
        else:
            self.epoch_loss.set_data([], [])
        # the full-data loss never goes below the floor, so the view holds still from one lr to the next;
        # minibatch losses may dip below it (the noise of one batch), and are clipped there
        values = np.concatenate([full, [frame.landscape.min_loss]])
        values = values[np.isfinite(values) & (values > 0)]
        top = min(values.max(), 1e200) if len(values) else 1.0  # LogLocator overflows near 1e308
        bottom = values.min() / 3 if len(values) else top * 1e-3
        if frame.status.kind not in ("diverged", "diverging"):
            bottom = max(bottom, top * 1e-12)
        lo_dec = math.floor(math.log10(bottom) + 1e-9)
        hi_dec = math.ceil(math.log10(top * 3) - 1e-9)  # headroom for the legend
        set_limits(self.ax, (0, xmax), (10.0**lo_dec, 10.0**hi_dec))
        with np.errstate(all="ignore"):
            keep = thin_line(steps, np.log10(full), xmax, hi_dec - lo_dec)
        self.data_loss.set_data(steps[keep], full[keep])
        fine = hi_dec - lo_dec <= 2
        if fine != self._fine_ticks:
            self._fine_ticks = fine
            self.ax.yaxis.set_major_locator(decade_locator(fine, numticks=6))

    def _draw_batch_losses(self, loss) -> None:
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

    def _draw_reference(self, frame: Frame) -> None:
        ref = frame.reference
        self.ref_loss.set_visible(ref is not None)
        if ref is None:
            self.ref_loss.set_data([], [])
        else:
            self.ref_loss.set_data(ref.steps, full_loss(frame.landscape, ref.theta[ref.steps]))

    def _draw_pins(self, frame: Frame) -> None:
        self.pins.draw(frame.pins, lambda pin: (pin.steps, full_loss(frame.landscape, pin.theta[pin.steps])))
