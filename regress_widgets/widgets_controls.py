"""The pieces the Lab is built from: sliders that report clamping, their ranges per recipe, figure views.

Kept apart from :mod:`regress_widgets.widgets` so that the Lab reads as one controller: controls →
recipe overrides → cached recompute → panels.
"""

from __future__ import annotations

import asyncio
import io
import math
import time
import warnings

import ipywidgets as W
from matplotlib.figure import Figure
from traitlets import validate

from .recipes import Recipe

SLIDER_STYLE = {"description_width": "80px"}
SLIDER_LAYOUT = {"width": "100%"}
LR_DIGITS = 4  # a value dragged or typed in the browser is kept to this many significant digits

HINTS = {
    "lr": "base learning rate: the step length α",
    "gamma": "decay factor: the rate is multiplied by γ every stepsize steps",
    "stepsize": "SGD steps (iterations) between two learning-rate decays by γ — not the step length α",
    "batch_size": "examples averaged in each SGD step",
    "noise": "standard deviation σ of the label noise (regenerates the data on release)",
    "steps": "SGD steps to run",
    "epochs": "passes over the dataset",
    "seed": "random seed of the data, the start θ₀ and the shuffling",
}


class _Reporting:
    """A bounded widget that tells ``on_clamp(widget, asked, got)`` when it clamped a value."""

    on_clamp = None

    @validate("value")
    def _validate_value(self, proposal):
        value = super()._validate_value(proposal)
        asked = proposal["value"]
        changed = value != asked and not (isinstance(asked, float) and math.isnan(asked))
        if changed and self.on_clamp is not None:
            self.on_clamp(self, asked, value)
        return value


class LogSlider(_Reporting, W.FloatLogSlider):
    """A log slider whose browser values are rounded to ``LR_DIGITS`` significant digits: the handle moves
    on a fine exponent grid (step 0.001), so 0.05 typed into the readout is run as 0.05, not 10^-1.301."""

    def set_state(self, sync_data):
        value = sync_data.get("value")
        if isinstance(value, float) and math.isfinite(value) and value > 0:
            sync_data = {**sync_data, "value": float(f"{value:.{LR_DIGITS}g}")}
        super().set_state(sync_data)


class FloatSlider(_Reporting, W.FloatSlider):
    pass


class IntSlider(_Reporting, W.IntSlider):
    pass


class SeedBox(_Reporting, W.BoundedIntText):
    pass


def control_ranges(recipe: Recipe) -> dict[str, dict]:
    """Slider bounds for a recipe: generous around its tutorial values, always inside what it accepts."""
    total = recipe.total_steps
    lr_lo = math.floor(math.log10(recipe.lr)) - 2
    ranges = {
        "lr": dict(min=lr_lo, max=1.0, value=recipe.lr),  # exponents of 10: up to lr = 10
        "gamma": dict(min=0.1, max=1.0, value=recipe.gamma),
        "stepsize": dict(min=1, max=max(recipe.stepsize, total) * 2, value=recipe.stepsize),
        "batch_size": dict(min=1, max=1024 if recipe.streaming else min(recipe.n_examples, 1024),
                           value=recipe.batch_size),
        "noise": dict(min=0.0, max=round(4 * recipe.noise, 6) or 1.0, value=recipe.noise,
                      step=round(recipe.noise / 100, 6) or 0.01),
    }
    if recipe.epochs is None:
        ranges["steps"] = dict(min=1, max=max(10 * total, 1000), value=total)
        ranges["epochs"] = dict(min=1, max=1, value=1)
    else:
        ranges["steps"] = dict(min=1, max=max(10 * total, 1000), value=total)
        ranges["epochs"] = dict(min=1, max=4 * recipe.epochs, value=recipe.epochs)
    return ranges


def make_controls() -> dict[str, W.Widget]:
    """The Lab's controls, unconfigured (``Lab`` sets their ranges per recipe)."""
    def kw():  # a Layout of its own for each slider: a shared one would hide them together
        return dict(style=SLIDER_STYLE, layout=W.Layout(**SLIDER_LAYOUT))

    controls = {
        "lr": LogSlider(base=10, min=-3, max=1, step=0.001, value=0.1, description="lr (α)",
                        readout_format=".3g", **kw()),
        "gamma": FloatSlider(min=0.1, max=1.0, step=0.01, value=1.0, description="γ (decay)",
                             readout_format=".2f", **kw()),
        "stepsize": IntSlider(min=1, max=100, value=20, description="stepsize (iters/decay)",
                              **{**kw(), "style": {"description_width": "initial"}}),
        "batch_size": IntSlider(min=1, max=64, value=8, description="batch size", **kw()),
        "noise": FloatSlider(min=0.0, max=4.0, step=0.01, value=1.0, description="noise σ",
                             continuous_update=False, readout_format=".3g", **kw()),
        "steps": IntSlider(min=1, max=1000, value=100, description="steps", **kw()),
        "epochs": IntSlider(min=1, max=100, value=10, description="epochs", **kw()),
        "seed": SeedBox(min=0, max=2**31 - 1, value=0, description="seed", style=SLIDER_STYLE,
                        layout=W.Layout(width="200px")),
    }
    for name, widget in controls.items():
        widget.tooltip = HINTS[name]
    return controls


# ---------------------------------------------------------------------------------- figure views
def in_kernel() -> bool:
    """True inside a Jupyter kernel (where widgets have a front-end to show them)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def ipympl_available() -> bool:
    try:
        import ipympl.backend_nbagg  # noqa: F401
    except ImportError:
        return False
    return True


DISPLAYS = ("auto", "ipympl", "png", "none")


def choose_display(display: str) -> str:
    """``auto``: ipympl's interactive canvas in a kernel that has it, a PNG image in one that has not,
    and nothing (a headless Agg figure) outside a kernel."""
    if display not in DISPLAYS:
        raise ValueError(f"display must be one of {', '.join(DISPLAYS)}, got {display!r}")
    if display != "auto":
        return display
    if not in_kernel():
        return "none"
    return "ipympl" if ipympl_available() else "png"


class FigureView:
    """How the figure reaches the screen. ``widget`` is what the Lab shows; ``refresh()`` after changes."""

    widget: W.Widget | None = None

    def __init__(self, figure: Figure):
        self.figure = figure

    def refresh(self) -> None:
        """Nothing to show: the figure is drawn when someone draws or saves it."""

    def close(self) -> None:
        pass


class IpymplView(FigureView):
    """ipympl's canvas widget: ``draw_idle`` sends one message, the browser asks for the image when ready."""

    def __init__(self, figure: Figure, toolbar: bool = True):
        super().__init__(figure)
        from ipympl.backend_nbagg import Canvas, FigureManager

        canvas = Canvas(figure)
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
        self.figure.canvas.draw_idle()

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
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
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
    if display == "ipympl":
        return IpymplView(figure, toolbar=toolbar)
    if display == "png":
        return PngView(figure)
    return FigureView(figure)
