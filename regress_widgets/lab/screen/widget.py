"""The Lab's figure on the page: a small widget (anywidget) that shows frames the kernel pushes.

ipympl's canvas waits for the browser to ask for each picture (``draw_idle`` → the browser's "draw" request
→ the kernel draws), and its front end re-encodes every frame it receives as a PNG data URL (20–50 ms in
Chromium for the Lab's figure, measured) to keep a copy for the notebook file. It cannot know how wide its
place on the page is. This widget does three things, no more:

* :meth:`Screen.show` draws the figure (Agg) and sends the picture at once, from the change handler: the
  boxes around the pixels that changed since the last frame (in each, the unchanged pixels transparent) as
  quickly deflated RGBA placed over the picture the browser has (:func:`~.png.next_parts`), or the whole
  picture for a new view or a new size (before any browser has shown it, the picture is kept as a PNG in
  ``picture``); the browser says when it has painted each frame (:attr:`Screen.unpainted`,
  :meth:`Screen.on_painted`), so that a player never runs ahead of the page;
* the browser reports the width the widget has on the page (``width``, CSS pixels; a ResizeObserver) and
  the screen's pixel ratio, so that the Lab can fit its figure to them;
* a click on the picture reaches :meth:`Screen.on_click` callbacks in matplotlib's display coordinates.

Before a browser shows the widget (a notebook run by nbclient, a script), each frame is kept whole in
``picture``, which the notebook's saved widget state carries: a reopened notebook shows the last figure.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import anywidget
import numpy as np
import traitlets as T
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .png import encode_png, next_parts

ACK_EVERY = 2
"""While a player waits, the page says it painted every second frame (each message costs the kernel three:
the page's, and the kernel's busy and idle)."""


class Screen(anywidget.AnyWidget):
    """A figure's picture on the page; see the module docstring."""

    __module__ = "regress_widgets.lab.screen"
    """Its public home (the room exports it): anywidget names the widget by it, and saved notebooks know that name."""
    follows_width = True
    """The Lab lays its figure out for the width this widget reports."""
    _esm = Path(__file__).with_name("screen.js")
    size = T.List(T.Int(), default_value=[0, 0]).tag(sync=True)
    """The figure's size on the page, CSS pixels (width, height)."""
    picture = T.Bytes(b"").tag(sync=True)
    """The last whole frame, kept until a browser shows the widget (then frames are sent as messages)."""
    width = T.Int(0).tag(sync=True)
    """The width the widget has on the page, CSS pixels, as the browser reports it (0: not shown yet)."""
    pixel_ratio = T.Float(1.0).tag(sync=True)
    """The browser's device pixel ratio (2 on a HiDPI screen)."""

    def __init__(self, figure: Figure, **kwargs):
        super().__init__(**kwargs)
        self.figure = figure
        self.canvas = FigureCanvasAgg(figure)
        self.sent = 0
        """Frames sent to the page as messages (numbered 1, 2, …)."""
        self.painted = 0
        """The number of the last frame a browser said it painted."""
        self.watchers = 0
        """Players waiting on this screen: while there are any, the page says when it painted every
        :data:`ACK_EVERY`-th frame."""
        self._painted: list[Callable[[], None]] = []
        self._last: np.ndarray | None = None
        self._shown = False  # a browser has shown the widget
        self._clicks: list[Callable[[float, float], None]] = []
        self.on_msg(self._heard)

    def show(self) -> None:
        """Draw the figure and send it to the page."""
        self.canvas.draw()
        pixels = np.asarray(self.canvas.buffer_rgba())
        ratio = self.pixel_ratio if self.pixel_ratio > 0 else 1.0
        size = [round(pixels.shape[1] / ratio), round(pixels.shape[0] / ratio)]
        if size != self.size:
            self.size = size
        if not self._shown:  # kept whole in the widget's state; a view's first frame is whole anyway
            self.picture = encode_png(pixels)
            return
        whole, self._last, parts = next_parts(pixels, self._last)
        if not parts:  # nothing on the picture changed
            return
        self.sent += 1
        ack = self.watchers > 0 and self.sent % ACK_EVERY == 0
        if self.watchers == 0:  # nobody waits for this one: counted as painted (no message back, less traffic)
            self.painted = self.sent
        self.send({"type": "frame", "whole": whole, "number": self.sent, "ack": ack,
                   "at": [list(box) for *box, _ in parts]}, buffers=[data for *_, data in parts])

    @property
    def unpainted(self) -> int:
        """Frames sent that no browser has said it painted yet."""
        return self.sent - self.painted

    def on_painted(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` each time the browser says it painted a frame (it says so while :attr:`watchers`
        is above 0)."""
        self._painted.append(callback)

    @property
    def shown(self) -> bool:
        """A browser has shown the widget (since then frames go to it as messages)."""
        return self._shown

    def on_click(self, callback: Callable[[float, float], None]) -> None:
        """Call ``callback(x, y)`` on a click on the picture; (x, y) in matplotlib's display coordinates
        (pixels from the figure's lower left corner), ready for ``axes.transData.inverted()``."""
        self._clicks.append(callback)

    def _heard(self, _widget, content: dict, _buffers) -> None:
        kind = content.get("type")
        if kind == "ready":  # a new view (a page opened or reloaded): it gets the whole picture
            self._shown = True
            self._last = None
            self.painted = self.sent  # what was sent before went to views that are gone, or that say so
            self.show()
        elif kind == "painted":
            self.painted = max(self.painted, min(int(content.get("number", 0)), self.sent))
            for callback in self._painted:
                callback()
        elif kind == "click" and self.size[0] > 0:
            scale = self._last.shape[1] / self.size[0] if self._last is not None else 1.0
            x = float(content["x"]) * scale
            y = self.figure.bbox.height - float(content["y"]) * scale
            for callback in self._clicks:
                callback(x, y)
