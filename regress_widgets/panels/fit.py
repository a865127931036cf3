"""A layout for the width a figure has on the page: the panels rearranged, the text kept readable.

The browser reports how wide the Lab's figure may be (CSS pixels); :func:`fit` returns a
:class:`~.style.Layout` of exactly that width at 100 dpi. Text sizes are points at 100 dpi, so 8 pt is
11 px: no text of a fitted layout is smaller than that. Three arrangements, by width:

* ``grid`` (≥ 1000 px): the full figure: the contour on the left, the loss, the data, the parameters and
  the learning rate in a 2 × 2 grid on the right (the layout ``full``, 1280 × 720 px, at this width);
* ``pair`` (640–999 px): the contour on the left, the loss and the data stacked on its right;
* ``stack`` (< 640 px): the contour on top, the loss below it (below 420 px: short texts).

Margins around each panel (its tick labels, axis labels, title) stay in pixels; the panels take the rest.
"""

from __future__ import annotations

import math
from dataclasses import replace

from .style import LAYOUTS, Layout

DPI = 100
MIN_WIDTH, MAX_WIDTH = 240, 2400
"""Widths outside are clipped to this range (a figure narrower than 240 px cannot hold a contour plot)."""


def arrangement(width: int) -> str:
    return "grid" if width >= 1000 else "pair" if width >= 640 else "stack"


def fit(width: float) -> Layout:
    """The layout for a figure ``width`` CSS pixels wide (see the module docstring)."""
    W = int(min(max(round(width), MIN_WIDTH), MAX_WIDTH))
    kind = arrangement(W)
    if kind == "grid":
        H = int(min(max(round(0.5625 * W), 560), 760))
        return _scaled(replace(LAYOUTS["full"], figsize=(W / DPI, H / DPI)), min(1.0, W / 1280))
    if kind == "pair":
        return _pair(W)
    return _stack(W)


def _scaled(L: Layout, k: float) -> Layout:
    """``L`` with its texts, markers and margins ``k`` times as big (the full figure narrower than its 1280 px),
    no text below 8 pt (11 px). The margins shrink with the gaps between the panels: each panel's region (its
    rect and margins, whose pixels it keeps cached) stays clear of its neighbours' (:mod:`.cached_axes`)."""
    if k >= 1:
        return L

    def pt(size: float) -> float:
        return max(8.0, round(size * k * 4) / 4)

    panels = {name: (rect, tuple(math.floor(m * k) for m in margins))
              for name, (rect, margins) in L.panels.items()}
    return replace(L, panels=panels, title_size=tuple(pt(v) for v in L.title_size), title=pt(L.title),
                   label=pt(L.label), tick=pt(L.tick), legend=pt(L.legend), small=pt(L.small), alarm=pt(L.alarm),
                   marker=L.marker * max(k, 0.8))


def _rect(x: float, y: float, w: float, h: float, W: int, H: int) -> tuple:
    return (x / W, y / H, w / W, h / H)


def _legend_rows(entries: int, ncol: int) -> int:
    return math.ceil(entries / ncol)


def _pair(W: int) -> Layout:
    """The contour (left, about 58 % of the width) above its legend; the loss and the data on its right."""
    H = int(min(max(round(0.62 * W), 430), 600))
    header = 64
    legend = 17 * _legend_rows(7, 2) + 36  # seven entries in two columns, two of them on two lines
    cx0, cx1 = 76, round(0.58 * W) - 20
    c_bottom, c_top = 40 + legend, H - header - 30
    rx0, rx1 = cx1 + 20 + 62, W - 14
    gap = 30 + 44  # the lower panel's title + the upper panel's step axis
    ph = (H - header - 30 - 40 - gap) / 2
    return Layout(
        (W / DPI, H / DPI),
        {"contour": (_rect(cx0, c_bottom, cx1 - cx0, c_top - c_bottom, W, H), (74, 40, 20, 28)),
         "loss": (_rect(rx0, 40 + ph + gap, rx1 - rx0, ph, W, H), (60, 40, 14, 28)),
         "data": (_rect(rx0, 40, rx1 - rx0, ph, W, H), (60, 40, 14, 28))},
        header=_rect(0, H - header, W, header, W, H), title_y=(0.8, 0.32), title_size=(14, 11), title=11.5,
        label=10.5, tick=9.5, legend=8, small=8.5, marker=0.85, alarm=14,
        legend_anchor=-40 / (c_top - c_bottom), legend_ncol=2, short_header=True)


def _stack(W: int) -> Layout:
    """The contour on top above its legend, the loss below: a column (a side-by-side one, a phone)."""
    compact = W < 420
    header = 54 if compact else 60
    x0, x1 = (60 if compact else 76), W - 14
    aw = x1 - x0
    ncol = 2 if compact or aw >= 420 else 1  # the seven long entries side by side need about 420 px
    legend = (17 if ncol == 2 else 20) * _legend_rows(4 if compact else 7, ncol) + (8 if compact else 26)
    ch = min(max(0.75 * aw, 180), 340)
    lh = min(max(0.42 * aw, 110), 170)
    loss_bottom = 38 if compact else 42  # the step axis's tick labels and its label ("step", "步")
    loss_top = loss_bottom + lh
    c_bottom = loss_top + 28 + 34 + legend  # the loss panel's title, the contour's tick labels and legend
    H = int(round(c_bottom + ch + 28 + header))
    return Layout(
        (W / DPI, H / DPI),
        {"contour": (_rect(x0, c_bottom, aw, ch, W, H), (x0, 34, 14, 26)),
         "loss": (_rect(x0, loss_bottom, aw, lh, W, H), (x0, loss_bottom, 14, 26))},
        header=_rect(0, H - header, W, header, W, H), title_y=(0.86, 0.36),
        title_size=(11, 9) if compact else (12.5, 10), title=9.5 if compact else 10.5,
        label=9 if compact else 10, tick=8.5 if compact else 9, legend=8, small=8,
        marker=0.7 if compact else 0.8, alarm=11 if compact else 13, legend_anchor=-34 / ch, legend_ncol=ncol,
        compact=compact, short_header=True)
