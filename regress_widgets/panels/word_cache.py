"""Text drawn from word bitmaps rendered once, and measured from words measured once: most of a matplotlib frame's
cost is its glyphs (matplotlib 3.11 lays a line out again, glyph by glyph, each time its text changes: about 20 µs a
character, 1 ms for a settings line on every slider move)."""

from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np
from matplotlib.backends.backend_agg import RendererAgg

_WORDS: OrderedDict = OrderedDict()
_WORDS_MAX = 4000
_METRICS: OrderedDict = OrderedDict()


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
    w, h, d = _metrics(renderer, word, prop)
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


def _metrics(renderer, word: str, prop) -> tuple:
    """(width, height, descent) of one word in this font at this dpi, as FreeType lays it out: measured once."""
    key = (word, _font_key(prop), renderer.dpi)
    hit = _METRICS.get(key)
    if hit is None:
        hit = _METRICS[key] = RendererAgg.get_text_width_height_descent(renderer, word, prop, False)
        if len(_METRICS) > _WORDS_MAX:
            _METRICS.popitem(last=False)
    else:
        _METRICS.move_to_end(key)
    return hit


_SPACES: dict = {}


def _space(renderer, prop) -> float:
    """The advance of a space in this font at this dpi (measured once)."""
    key = (_font_key(prop), renderer.dpi)
    if key not in _SPACES:
        measure = RendererAgg.get_text_width_height_descent  # (the renderer's own may be ours: :meth:`measure`)
        _SPACES[key] = measure(renderer, "a a", prop, False)[0] - measure(renderer, "aa", prop, False)[0]
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


class WordCache:
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
            self.renderer.get_text_width_height_descent = self.measure
            # Text asks a renderer for these if it can tell them; otherwise it reads the font's tables
            # again for every label of every frame
            self.renderer._get_font_height_metrics = lambda prop: _font_heights(self.renderer, prop)
        return self

    def __exit__(self, *exc):
        if self.active:
            del self.renderer.draw_text
            del self.renderer.get_text_width_height_descent
            del self.renderer._get_font_height_metrics

    def measure(self, s, prop, ismath):
        """A line's (width, height, descent) as :meth:`draw_text` sets it: its words side by side, a space's advance
        between two; plain text only (math text goes the ordinary way)."""
        r = self.renderer
        if ismath or not s.strip(" "):
            return RendererAgg.get_text_width_height_descent(r, s, prop, ismath)
        width, ascent, descent = 0.0, 0.0, 0.0
        words = s.split(" ")
        for word in words:
            if word:
                w, h, d = _metrics(r, word, prop)
                width += w
                ascent, descent = max(ascent, h - d), max(descent, d)
        return width + (len(words) - 1) * _space(r, prop), ascent + descent, descent

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
