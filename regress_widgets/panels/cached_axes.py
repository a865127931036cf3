"""Axes that remember a bitmap of what did not change, so a full ``canvas.draw()`` stays cheap.

A slider move changes a few lines; the ticks, labels, legends, contours and data points of a panel
stay as they were. :class:`CachedAxes` draws itself normally once, copies the pixels of its region
(``renderer.copy_from_bbox``), and on later draws pastes them back (``restore_region``) and draws only
the artists marked dynamic on top. The copy is taken again whenever the view limits, the canvas size
or dpi change, a static artist becomes stale, a panel drawn before it whose region overlaps its region took a
fresh copy (its pixels under this region changed), or :meth:`CachedAxes.invalidate` is called. Renderers
without ``copy_from_bbox`` (PDF, SVG) always get the plain draw.

Dynamic artists are drawn after every static one, in their own z-order; a panel's artists should be
split so that nothing static needs to cover something dynamic. A :class:`LegendLayer` is an overlay
holding one legend, whose cached pixels are pasted over the panel below it (an opaque box). While a
panel draws, its text comes from word bitmaps (:class:`~.word_cache.WordCache`).
"""

from __future__ import annotations

import math

from matplotlib.artist import allow_rasterization
from matplotlib.axes import Axes
from matplotlib.transforms import Bbox

from .word_cache import WordCache


class CachedAxes(Axes):
    """An Axes that caches its static artists as pixels; see the module docstring.

    ``margins`` = (left, bottom, right, top) in pixels (at 100 dpi; scaled with the dpi) around the
    axes box that belong to this panel: tick labels, axis labels, title. Neighbouring panels' regions
    must not overlap.
    """

    enabled = True
    """False draws exactly like a plain Axes (for comparisons)."""

    def __init__(self, *args, margins=(0, 0, 0, 0), **kwargs):
        self._dynamic: list = []
        self._cache = None
        self._cache_key = None
        self._sticky: set[int] = set()
        self.margins = tuple(margins)
        self.below: list = []
        """The panels drawn before it (:class:`~.figure.Panels` tells): where their regions overlap its own, a fresh
        copy of theirs makes it take a fresh copy too (a frameless legend below a contour over the next panel's
        tick labels)."""
        self._under: tuple = ()  # (panel, its copy's number) for each one of below under this region
        self.copies = 0
        """Fresh copies taken (numbered)."""
        self.copied: Bbox | None = None
        """The region of the last copy (None before the first)."""
        super().__init__(*args, **kwargs)

    def mark_dynamic(self, *artists) -> None:
        """These artists change from one draw to the next: never cache them."""
        self._dynamic.extend(a for a in artists if a not in self._dynamic)

    def forget_dynamic(self, *artists) -> None:
        self._dynamic = [a for a in self._dynamic if a not in artists]

    def invalidate(self) -> None:
        """Take a fresh copy of the static artists at the next draw."""
        self._cache_key = None

    @property
    def cache_hits(self) -> int:
        return getattr(self, "_hits", 0)

    def region(self, renderer) -> Bbox:
        scale = self.figure.dpi / 100
        left, bottom, right, top = (m * scale for m in self.margins)
        x0, y0, x1, y1 = self.bbox.extents
        x0, y0, x1, y1 = x0 - left, y0 - bottom, x1 + right, y1 + top
        for text in (self.xaxis.label, self.yaxis.label, self.title):  # a label deeper than the margin: all of it
            if text.get_visible() and text.get_text() and text not in self._dynamic:
                box = text.get_window_extent(renderer)
                x0, y0, x1, y1 = min(x0, box.x0), min(y0, box.y0), max(x1, box.x1), max(y1, box.y1)
        return Bbox.from_extents(max(x0, 0), max(y0, 0), min(x1, renderer.width), min(y1, renderer.height))

    def _before_restore(self, renderer) -> None:
        """Draw what must go under the pasted pixels (nothing, for a plain panel)."""

    def _static_artists(self):
        dynamic = {id(a) for a in self._dynamic}
        return [a for a in self.get_children() if id(a) not in dynamic]

    @allow_rasterization
    def draw(self, renderer):
        if not self.get_visible():
            return
        if not (self.enabled and hasattr(renderer, "copy_from_bbox") and hasattr(renderer, "restore_region")):
            super().draw(renderer)
            return
        with WordCache(renderer):
            self._draw_cached(renderer)

    def _draw_cached(self, renderer):
        dynamic = [a for a in self._dynamic if a.axes is self or a.figure is self.figure]
        self._unstale_viewLim()
        key = (renderer.width, renderer.height, self.figure.dpi, tuple(self.viewLim.bounds),
               tuple(self.get_position().bounds))
        static = self._static_artists()
        fresh = key == self._cache_key and not any(a.stale and id(a) not in self._sticky for a in static) \
            and all(a.copies == n for a, n in self._under)
        if fresh:
            self._before_restore(renderer)
            renderer.restore_region(self._cache)
            self._hits = self.cache_hits + 1
        else:
            hidden = [a for a in dynamic if a.get_visible()]
            for a in hidden:
                a._visible = False  # not set_visible: that would mark the figure stale
            try:
                super().draw(renderer)
            finally:
                for a in hidden:
                    a._visible = True
            region = self.copied = self.region(renderer)
            self._cache = renderer.copy_from_bbox(region)
            self._cache_key = key
            self.copies += 1
            self._under = tuple((a, a.copies) for a in self.below
                                if a.copied is not None and _overlap(a.copied, region))
            # artists that never clear their stale flag (an empty Text, an invisible Line2D)
            self._sticky = {id(a) for a in static if a.stale}
        renderer.open_group("dynamic", gid=None)
        for a in sorted(dynamic, key=lambda a: a.get_zorder()):
            if a.get_visible():
                a.draw(renderer)
        renderer.close_group("dynamic")
        self.stale = False


def _overlap(a: Bbox, b: Bbox) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


class LegendLayer(CachedAxes):
    """A transparent overlay over ``host`` that holds one legend, cached as an opaque box.

    On a cached draw the legend's frame is drawn afresh (its anti-aliased edge blends with what lies
    below, as it would) and the inside of the box, which the opaque frame hides everything under,
    is pasted back.
    """

    frameless_pad = 12
    """Pixels (at 100 dpi) around a frameless legend that belong to it: keep other panels clear of them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_axis_off()
        self.patch.set_visible(False)
        self.set_navigate(False)

    def _before_restore(self, renderer) -> None:
        legend = self.get_legend()
        if legend is not None and legend.get_frame_on():
            legend.legendPatch.draw(renderer)

    def region(self, renderer) -> Bbox:
        legend = self.get_legend()
        if legend is None:
            return Bbox.from_extents(0, 0, 1, 1)
        if legend.get_frame_on():  # inside the frame's edge
            box = legend.legendPatch.get_window_extent(renderer)
            return Bbox.from_extents(math.ceil(box.x0) + 2, math.ceil(box.y0) + 2,
                                     math.floor(box.x1) - 2, math.floor(box.y1) - 2)
        # no frame: all of it, and the big markers that stick out of its box
        x0, y0, x1, y1 = legend.get_window_extent(renderer).extents
        pad = self.frameless_pad * self.figure.dpi / 100
        return Bbox.from_extents(max(x0 - pad, 0), max(y0 - pad, 0), min(x1 + pad, renderer.width),
                                 min(y1 + pad, renderer.height))


def legend_layer(host: Axes, handles, **kwargs):
    """Put a legend for ``host`` in an overlay above it; returns the Legend (opaque, square box)."""
    fig = host.figure
    layer = fig.add_axes(host.get_position(), axes_class=LegendLayer, zorder=host.get_zorder() + 0.5,
                         label=f"legend of {id(host)}")
    kwargs.setdefault("framealpha", 1.0)
    kwargs.setdefault("fancybox", False)
    legend = layer.legend(handles=handles, **kwargs)
    legend.get_frame().set_edgecolor("#cccccc")
    return legend


def set_legend_text(legend, k: int, text: str) -> None:
    """Change entry ``k`` of a legend made by :func:`legend_layer`, and take a fresh copy of its layer (a legend's
    texts do not tell its axes that they changed, so the cached pixels would keep the old words)."""
    entry = legend.get_texts()[k]
    if entry.get_text() != text:
        entry.set_text(text)
        legend.axes.invalidate()
        legend.stale = True
