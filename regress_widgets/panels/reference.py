"""A reference path: another run's θ per step (a real framework's recorded path), drawn on the contours and
the loss panel beside the engine's run, with a legend entry of its own."""

from __future__ import annotations

import numpy as np

from .cached_axes import legend_layer
from .status import full_loss
from .thinning import thin

REFERENCE_COLOR = "#ff7f0e"


class Reference:
    """The reference path, a part of :class:`~.figure.Panels`: it reads the Panels' pair, landscape and
    max_points. Nothing panel-specific is known about where the path came from: it is θ per step and a label."""

    def _build_reference(self) -> None:
        self.reference: np.ndarray | None = None
        """(T + 1, P): the reference θ before the first step and after every step; None when none is shown."""
        self.reference_steps = np.zeros(0, dtype=np.int64)
        """The indices into ``reference`` that its line draws now."""
        L = self.layout
        (self.ref_path,) = self.ax_contour.plot([], [], "-", color=REFERENCE_COLOR, lw=5.5 * max(L.marker, 0.8),
                                                alpha=0.55, zorder=3.5, solid_capstyle="round",
                                                label="reference")
        (self.ref_loss,) = self.ax_loss.plot([], [], "-", color=REFERENCE_COLOR, lw=4, alpha=0.5, zorder=2.8,
                                             visible=False)
        self.ax_contour.mark_dynamic(self.ref_path)
        self.ax_loss.mark_dynamic(self.ref_loss)
        self.ref_legend = legend_layer(self.ax_contour, [self.ref_path], loc="upper left", fontsize=L.legend,
                                       handlelength=1.6, borderaxespad=0.3, framealpha=1.0)
        for artist in (self.ref_path, self.ref_legend.axes):  # hidden after the legend copied the line's look
            artist.set_visible(False)

    def set_reference(self, theta, label: str) -> None:
        """Draw ``theta`` ((T + 1, P), e.g. a recorded framework's path) as the reference, named ``label``."""
        theta = np.asarray(theta, dtype=np.float64)
        if theta.ndim != 2 or theta.shape[1] != len(self.names):
            raise ValueError(f"a reference path is (steps + 1, {len(self.names)}), got shape {theta.shape}")
        self.reference = theta
        self.ref_path.set_label(label)
        text = self.ref_legend.get_texts()[0]
        if text.get_text() != label:
            text.set_text(label)
        for artist in (self.ref_path, self.ref_loss, self.ref_legend.axes):
            artist.set_visible(True)
        self._redraw_reference()
        if self.run is not None:
            self._update_path_extent()
        self.draw_idle()

    def clear_reference(self) -> None:
        """Show no reference path."""
        self.reference = None
        self.reference_steps = np.zeros(0, dtype=np.int64)
        for artist in (self.ref_path, self.ref_loss, self.ref_legend.axes):
            artist.set_visible(False)
        self.ref_path.set_data([], [])
        self.ref_loss.set_data([], [])
        if self.run is not None:
            self._update_path_extent()
        self.draw_idle()

    @property
    def reference_label(self) -> str:
        return self.ref_path.get_label() if self.reference is not None else ""

    def _reference_finite(self) -> int:
        """Index of the last θ of the reference before the first that is not finite."""
        bad = ~np.isfinite(self.reference).all(axis=1)
        return int(bad.argmax()) - 1 if bad.any() else len(self.reference) - 1

    def _reference_box(self):
        """(lo, hi) of the reference path on the plane, or None."""
        if self.reference is None or len(self.reference_steps) == 0:
            return None
        pts = self.reference[self.reference_steps][:, list(self.pair)]
        return pts.min(axis=0), pts.max(axis=0)

    def _redraw_reference(self) -> None:
        if self.reference is None:
            return
        i, j = self.pair
        idx = thin(max(self._reference_finite(), 0), self.max_points)
        self.reference_steps = idx
        self.ref_path.set_data(self.reference[idx, i], self.reference[idx, j])
        if self.landscape is not None:
            self.ref_loss.set_data(idx, full_loss(self.landscape, self.reference[idx]))
