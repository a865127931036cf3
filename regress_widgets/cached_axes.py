"""Axes that remember a bitmap of what did not change, so a full ``canvas.draw()`` stays cheap.

A slider move changes a few lines; the ticks, labels, legends, contours and data points of a panel
stay as they were. :class:`CachedAxes` draws itself normally once, copies the pixels of its region
(``renderer.copy_from_bbox``), and on later draws pastes them back (``restore_region``) and draws only
the artists marked dynamic on top. The copy is taken again whenever the view limits, the canvas size
or dpi change, a static artist becomes stale, or :meth:`CachedAxes.invalidate` is called. Renderers
without ``copy_from_bbox`` (PDF, SVG) always get the plain draw.

Dynamic artists are drawn after every static one, in their own z-order; a panel's artists should be
split so that nothing static needs to cover something dynamic. A :class:`LegendLayer` is an overlay
holding one legend, whose cached pixels are pasted over the panel below it (an opaque box).
"""

from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np
from matplotlib.artist import allow_rasterization
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.transforms import Bbox

_WORDS: OrderedDict = OrderedDict()
_WORDS_MAX = 4000


def _font_key(prop) -> tuple:
    return (tuple(prop.get_family()), prop.get_style(), prop.get_variant(), prop.get_weight(),
            prop.get_stretch(), prop.get_size_in_points(), prop.get_file())


def _word(renderer, gc, word: str, prop) -> tuple:
    """(RGBA image, x of the word's origin in it, y from its bottom, advance): rendered once, then reused."""
    rgb = tuple(gc.get_rgb())
    key = (word, _font_key(prop), rgb, gc.get_alpha(), gc.get_forced_alpha(), renderer.dpi, gc.get_antialiased())
    hit = _WORDS.get(key)
    if hit is not None:
        _WORDS.move_to_end(key)
        return hit
    w, h, d = renderer.get_text_width_height_descent(word, prop, False)
    pad = 3 + int(prop.get_size_in_points() * renderer.dpi / 72 * 0.3)
    W, H = math.ceil(w) + 2 * pad, math.ceil(h) + 2 * pad
    scratch = RendererAgg(W, H, renderer.dpi)
    sgc = scratch.new_gc()
    sgc.copy_properties(gc)
    sgc.set_clip_rectangle(None)
    sgc.set_clip_path(None)
    x0, y0 = pad, pad + (h - d)  # the baseline origin, y downwards from the top
    RendererAgg.draw_text(scratch, sgc, x0, y0, word, prop, 0)
    sgc.restore()
    image = np.ascontiguousarray(np.asarray(scratch.buffer_rgba())[::-1])  # draw_image wants bottom row first
    hit = (image, x0, H - y0, w)
    _WORDS[key] = hit
    if len(_WORDS) > _WORDS_MAX:
        _WORDS.popitem(last=False)
    return hit


_SPACES: dict = {}


def _space(renderer, prop) -> float:
    """The advance of a space in this font at this dpi (measured once)."""
    key = (_font_key(prop), renderer.dpi)
    if key not in _SPACES:
        _SPACES[key] = (renderer.get_text_width_height_descent("a a", prop, False)[0]
                        - renderer.get_text_width_height_descent("aa", prop, False)[0])
    return _SPACES[key]


_HEIGHTS: dict = {}


def _font_heights(renderer, prop):
    """(ascent, descent, line gap) of a font at this dpi, as ``Text`` measures them, measured once."""
    key = (_font_key(prop), renderer.dpi)
    if key not in _HEIGHTS:
        from matplotlib.font_manager import fontManager, get_font

        font = get_font(fontManager._find_fonts_by_props(prop))
        value = (None, None, None)
        for table_name, gap, ascent, descent in (("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
                                                 ("hhea", "lineGap", "ascent", "descent")):
            table = font.get_sfnt_table(table_name)
            if table is not None:
                scale = prop.get_size_in_points() * renderer.dpi / 72 / font.get_sfnt_table("head")["unitsPerEm"]
                value = (table[ascent] * scale, -table[descent] * scale, table[gap] * scale)
                break
        _HEIGHTS[key] = value
    return _HEIGHTS[key]


class _WordCache:
    """Within a ``with`` block, the renderer draws plain horizontal text from cached word bitmaps.

    Tick labels, titles and legends repeat the same words draw after draw; rendering their glyphs is
    most of the cost of a matplotlib frame. Each word is rendered once (per font, colour and dpi) to a
    small RGBA image and pasted with ``draw_image``; spaces advance by the font's space width.
    Math text, rotated text and other renderers take the ordinary path.
    """

    def __init__(self, renderer):
        self.renderer = renderer
        self.active = (type(renderer) is RendererAgg and "draw_text" not in vars(renderer)
                       and not hasattr(renderer, "_get_font_height_metrics"))

    def __enter__(self):
        if self.active:
            self.renderer.draw_text = self.draw_text
            # Text asks a renderer for these if it can tell them; otherwise it reads the font's tables
            # again for every label of every frame
            self.renderer._get_font_height_metrics = lambda prop: _font_heights(self.renderer, prop)
        return self

    def __exit__(self, *exc):
        if self.active:
            del self.renderer.draw_text
            del self.renderer._get_font_height_metrics

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        r = self.renderer
        if ismath or angle % 360 or (mtext is not None and mtext.get_fontfeatures() is not None):
            return RendererAgg.draw_text(r, gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)
        space = None
        height = r.height
        for n, word in enumerate(s.split(" ")):
            if n:
                if space is None:
                    space = _space(r, prop)
                x += space
            if not word:
                continue
            image, x0, y0, advance = _word(r, gc, word, prop)
            r.draw_image(gc, round(x - x0), round(height - y - y0), image)
            x += advance


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
        return Bbox.from_extents(max(x0 - left, 0), max(y0 - bottom, 0),
                                 min(x1 + right, renderer.width), min(y1 + top, renderer.height))

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
        with _WordCache(renderer):
            self._draw_cached(renderer)

    def _draw_cached(self, renderer):
        dynamic = [a for a in self._dynamic if a.axes is self or a.figure is self.figure]
        self._unstale_viewLim()
        key = (renderer.width, renderer.height, self.figure.dpi, tuple(self.viewLim.bounds),
               tuple(self.get_position().bounds))
        static = self._static_artists()
        fresh = key == self._cache_key and not any(a.stale and id(a) not in self._sticky for a in static)
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
            self._cache = renderer.copy_from_bbox(self.region(renderer))
            self._cache_key = key
            # artists that never clear their stale flag (an empty Text, an invisible Line2D)
            self._sticky = {id(a) for a in static if a.stale}
        renderer.open_group("dynamic", gid=None)
        for a in sorted(dynamic, key=lambda a: a.get_zorder()):
            if a.get_visible():
                a.draw(renderer)
        renderer.close_group("dynamic")
        self.stale = False


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
