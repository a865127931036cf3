"""Texts that fit the room they have: :func:`fit_text` shrinks a text's font (never below :data:`MIN_POINTS`), then
wraps it onto more lines. Nothing a student reads is cut at the figure's (or its panel's) edge.

Widths are measured at the figure's dpi as the panels draw text (:class:`~.word_cache.WordCache`: its words side
by side, each measured once), so the same text fits the same way on screen and in a saved PNG, and a settings line
that changes on every slider move costs a measurement of its new words only. A title a little too long for a
narrow column is set a little smaller (a teacher still reads it as a title); a note too long even at the smallest
size wraps onto a second line.
"""

from __future__ import annotations

import re

from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.text import Text

from .word_cache import WordCache

MIN_POINTS = 8.0
"""The smallest font size a fitted text gets: 8 pt is 11 px at 100 dpi."""
_RENDERERS: dict[float, RendererAgg] = {}
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")


def _renderer(dpi: float) -> RendererAgg:
    """A renderer that measures text at ``dpi`` (its size does not matter for measuring)."""
    if dpi not in _RENDERERS:
        _RENDERERS[dpi] = RendererAgg(1, 1, dpi)
    return _RENDERERS[dpi]


def text_width(text: Text, string: str | None = None) -> float:
    """The width, in pixels at the figure's dpi, that ``text`` (or ``string`` in its font) takes on one line each,
    as the panels draw it (:meth:`~.word_cache.WordCache.measure`)."""
    measure = WordCache(_renderer(text.get_figure(root=True).dpi)).measure
    prop = text.get_fontproperties()
    lines = (text.get_text() if string is None else string).split("\n")
    return max(measure(line, prop, False)[0] if line else 0.0 for line in lines)


_ADVANCES: dict[tuple, float] = {}
SURELY = 0.9
"""A text whose characters' widths add up to at most this share of its room fits: it is not measured whole."""


def _advances(text: Text, string: str) -> float:
    """The widest line of ``string`` in ``text``'s font as the sum of its characters' advances, each measured once
    (laying out a whole line costs FreeType a glyph load per character: about 2 ms for a settings line, on every
    slider move). That is the line's width give or take kerning and hinting, a few percent at most."""
    dpi = text.get_figure(root=True).dpi
    prop = text.get_fontproperties()
    font = (dpi, hash(prop))
    total = 0.0
    measure = _renderer(dpi).get_text_width_height_descent
    for ch in set(string) - {"\n"}:
        if (font, ch) not in _ADVANCES:  # its advance: "x?x" less "xx" (a lone glyph's box leaves out its bearings)
            if len(_ADVANCES) > 20_000:
                _ADVANCES.clear()
            if (font, "") not in _ADVANCES:
                _ADVANCES[font, ""] = measure("xx", prop, ismath=False)[0]
            _ADVANCES[font, ch] = measure(f"x{ch}x", prop, ismath=False)[0] - _ADVANCES[font, ""]
    for line in string.split("\n"):
        total = max(total, sum(_ADVANCES[font, ch] for ch in line))
    return total


def _surely_fits(text: Text, string: str, room: float) -> bool:
    """Whether ``string`` fits ``room`` for certain, from its characters' advances (:func:`_advances`)."""
    return _advances(text, string) <= SURELY * room


def fits(text: Text, string: str, room: float, scale: float = 1.0) -> bool:
    """Whether ``string`` in ``text``'s font, its size times ``scale``, fits ``room`` px on one line a line: from
    the characters' advances where that is certain (under 90 % of the room, or over 110 %), else measured whole."""
    estimate = _advances(text, string) * scale
    if estimate <= SURELY * room or estimate > room / SURELY:
        return estimate <= room
    return text_width(text, string) * scale <= room


def fit_text(text: Text, string: str, room: float, size: float, *, shrink: bool = True, lines: int = 3) -> None:
    """Show ``string`` in ``text`` at most ``room`` pixels wide: at ``size`` pt if it fits, else smaller (down to
    :data:`MIN_POINTS`, when ``shrink``), else wrapped at its spaces (or between Chinese characters) onto up to
    ``lines`` lines at that size."""
    key = (string, round(room, 1), size, shrink, lines, text.get_figure(root=True).dpi)
    if getattr(text, "_rw_fitted", None) == key:
        return  # (fitted already: a frame that changes nothing here measures nothing)
    text._rw_fitted = key
    text.set_text(string)
    if text.get_fontsize() != size:
        text.set_fontsize(size)
    if room <= 0 or _surely_fits(text, string, room):
        return
    wide = text_width(text)
    if wide <= room:
        return
    if shrink and size > MIN_POINTS:
        smaller = max(MIN_POINTS, int(size * room / wide * 4) / 4)  # quarter points, a hair under the ratio
        text.set_fontsize(smaller)
        wide = text_width(text)
        while wide > room and smaller > MIN_POINTS:
            smaller = max(MIN_POINTS, smaller - 0.25)
            text.set_fontsize(smaller)
            wide = text_width(text)
        if wide <= room:
            return
    text.set_text(wrap(text, string, room, lines))


def _pieces(line: str) -> list[str]:
    """Where a line may break: after each space, and around each Chinese character."""
    out: list[str] = []
    for piece in re.split(r"(?<= )", line):
        out.extend(p for p in re.split(f"({_CJK.pattern})", piece) if p)
    return out


def wrap(text: Text, string: str, room: float, lines: int = 3) -> str:
    """``string`` broken onto lines of at most ``room`` px in ``text``'s font (greedy; at most ``lines`` lines, the
    last one takes the rest)."""
    out: list[str] = []
    for paragraph in string.split("\n"):
        line = ""
        for piece in _pieces(paragraph):
            if line and text_width(text, (line + piece).rstrip()) > room and len(out) < lines - 1:
                out.append(line.rstrip())
                line = piece.lstrip()
            else:
                line += piece
        out.append(line.rstrip())
    return "\n".join(out)


def room_centred(text: Text, x0: float, x1: float, pad: float = 4.0) -> float:
    """The width a text centred where it stands has between ``x0`` and ``x1`` (display pixels), ``pad`` px from
    each (at 100 dpi; scaled with the figure's dpi)."""
    fig = text.get_figure(root=True)
    pad = pad * fig.dpi / 100
    cx = text.get_transform().transform(text.get_position())[0]
    return 2 * max(0.0, min(cx - x0, x1 - cx) - pad)


def fit_title(ax, title: str, size: float) -> None:
    """``ax``'s title, bold, at ``size`` pt or smaller (then wrapped) so that it lies inside the figure."""
    ax.set_title(title, fontsize=size, fontweight="bold")
    fig = ax.get_figure(root=True)
    fit_text(ax.title, title, room_centred(ax.title, fig.bbox.x0, fig.bbox.x1), size, lines=2)
