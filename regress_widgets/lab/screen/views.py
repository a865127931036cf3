"""How the figure reaches the screen: ipympl's live canvas, a PNG image, or nothing (headless)."""

from __future__ import annotations

import asyncio
import base64
import io
import time
import warnings

import ipywidgets as W
from matplotlib.figure import Figure


def in_kernel() -> bool:
    """True inside a Jupyter kernel (where widgets have a front-end to show them)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def running_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop running now (a kernel's), or None (a script, a test)."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


DISPLAYS = ("auto", "screen", "ipympl", "png", "none")


def choose_display(display: str) -> str:
    """``auto``: the Lab's own screen widget (frames pushed from the kernel, fitted to the page's width)
    inside a kernel, and nothing (a headless Agg figure) outside one. ``ipympl``: ipympl's canvas (its
    toolbar; slower to follow a slider). ``png``: an Image widget."""
    if display not in DISPLAYS:
        raise ValueError(f"display must be one of {', '.join(DISPLAYS)}, got {display!r}")
    if display != "auto":
        return display
    return "screen" if in_kernel() else "none"


class FigureView:
    """How the figure reaches the screen. ``widget`` is what the Lab shows; ``refresh()`` after changes."""

    widget: W.Widget | None = None
    page_shows = False
    """True while a browser shows the picture (and paints each frame as it comes)."""
    screens: tuple = ()
    """The :class:`~.screen.Screen` widgets that say when the page painted a frame (a player waits for them)."""

    def __init__(self, figure: Figure):
        self.figure = figure

    def refresh(self) -> None:
        """Nothing to show: the figure is drawn when someone draws or saves it."""

    def png(self) -> bytes:
        """The figure as it stands, as a PNG."""
        out = io.BytesIO()
        self.figure.savefig(out, format="png", dpi=self.figure.dpi, facecolor="white")
        return out.getvalue()

    def close(self) -> None:
        pass


class ScreenView(FigureView):
    """The Lab's screen widget (:class:`~.screen.Screen`): each refresh draws and sends the picture."""

    def __init__(self, figure: Figure):
        super().__init__(figure)
        from .widget import Screen

        self.widget = Screen(figure, layout=W.Layout(width="100%", min_width="0"))
        self.screens = (self.widget,)

    @property
    def page_shows(self) -> bool:
        return self.widget.shown

    def refresh(self) -> None:
        self.widget.show()

    def png(self) -> bytes:
        return self.widget.picture or super().png()

    def close(self) -> None:
        self.widget.close()


class IpymplView(FigureView):
    """ipympl's canvas widget, drawn and sent from the change handler (:class:`~.canvas.LiveCanvas`)."""

    def __init__(self, figure: Figure, toolbar: bool = True):
        super().__init__(figure)
        from ipympl.backend_nbagg import FigureManager

        from .canvas import LiveCanvas

        canvas = LiveCanvas(figure)
        with warnings.catch_warnings():  # ipympl 0.10's Toolbar passes the canvas on to traitlets
            warnings.filterwarnings("ignore", "Passing unrecognized arguments", DeprecationWarning)
            self.manager = FigureManager(canvas, id(figure))
        canvas.header_visible = False
        canvas.footer_visible = False
        canvas.toolbar_position = "right"
        canvas.toolbar_visible = "fade-in-fade-out" if toolbar else False
        canvas.resizable = False
        self.widget = canvas

    def refresh(self) -> None:
        self.widget.show_now()

    def close(self) -> None:
        self.widget.close()


class PngView(FigureView):
    """An Image widget showing a PNG of the figure: no ipympl needed.

    Inside a running event loop (a kernel) renders are throttled: at most one every ``interval``
    seconds, always of the latest state, so a burst of slider events costs one or two renders.
    Outside one (scripts, tests) each refresh renders at once.
    """

    interval = 0.12

    def __init__(self, figure: Figure):
        super().__init__(figure)
        self.widget = W.Image(format="png", layout=W.Layout(width=f"{figure.bbox.width:.0f}px", max_width="100%"))
        self.renders = 0
        self._pending = None
        self._last = 0.0

    def refresh(self) -> None:
        loop = running_loop()
        if loop is None:
            self.render()
            return
        if self._pending is None:
            wait = max(0.0, self._last + self.interval - time.monotonic())
            self._pending = loop.call_later(wait, self.render)

    def render(self) -> None:
        self._pending = None
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=self.figure.dpi, facecolor="white")
        self.widget.value = buffer.getvalue()
        self.renders += 1
        self._last = time.monotonic()

    def close(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
        self.widget.close()


def make_view(figure: Figure, display: str, toolbar: bool = True) -> FigureView:
    display = choose_display(display)
    if display == "screen":
        return ScreenView(figure)
    if display == "ipympl":
        return IpymplView(figure, toolbar=toolbar)
    if display == "png":
        return PngView(figure)
    return FigureView(figure)


STILL_NOTE = "(a still picture of the lab: run this cell to move its sliders)"


def with_still(bundle: dict | None, pictures: list[bytes]) -> dict | None:
    """A widget's display data, with a still PNG of its figures (side by side) for where the widget cannot be
    drawn: a reopened notebook before its cells run, a notebook viewer, a printed page."""
    if not bundle or not pictures:
        return bundle
    from PIL import Image

    images = [Image.open(io.BytesIO(p)).convert("RGB") for p in pictures]
    still = Image.new("RGB", (sum(i.width for i in images), max(i.height for i in images)), "white")
    x = 0
    for image in images:
        still.paste(image, (x, 0))
        x += image.width
    out = io.BytesIO()
    still.save(out, format="png")
    return {**bundle, "text/plain": f"{bundle.get('text/plain', '')}\n{STILL_NOTE}",
            "image/png": base64.b64encode(out.getvalue()).decode("ascii")}
