"""The Lab's controls: sliders that report clamping, their ranges per recipe, and the other widgets.

Labels, tooltips and scales come from the one settings table (:mod:`regress_widgets.settings`).
The controls hold no state of their own that the Lab reads back: :class:`~.lab.Lab` pushes the
values of its :class:`~.state.LabState` into them (:func:`show_value`) and hears what a student moves.
"""

from __future__ import annotations

import math

import ipywidgets as W
from traitlets import Int, validate

from ..recipes import RECIPES, Recipe
from ..settings import TABLE

SLIDER_STYLE = {"description_width": "80px"}
LR_DIGITS = 4  # a value dragged or typed in the browser is kept to this many significant digits
ZOOM_LABELS = (("follow the path", "follow"), ("whole basin", "basin"))


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
    """An integer slider that refuses 2.5 (ipywidgets' own would quietly make it 2)."""

    value = Int(0, help="Int value").tag(sync=True)


class SeedBox(_Reporting, W.BoundedIntText):
    pass


def control_ranges(recipe: Recipe) -> dict[str, dict]:
    """Slider bounds for a recipe: generous around its tutorial values, always inside what it accepts."""
    total = recipe.total_steps
    lr_lo = math.floor(math.log10(recipe.lr)) - 2
    ranges = {
        "lr": dict(min=lr_lo, max=math.log10(TABLE["lr"].high)),  # exponents of 10
        "gamma": dict(min=0.1, max=TABLE["gamma"].high),
        "stepsize": dict(min=TABLE["stepsize"].low, max=max(recipe.stepsize, total) * 2),
        "batch_size": dict(min=TABLE["batch_size"].low, max=1024 if recipe.streaming else min(recipe.n_examples, 1024)),
        "noise": dict(min=TABLE["noise"].low, max=round(4 * recipe.noise, 6) or 1.0,
                      step=round(recipe.noise / 100, 6) or 0.01),
        "steps": dict(min=TABLE["steps"].low, max=max(10 * total, 1000)),
        "epochs": dict(min=TABLE["epochs"].low, max=1 if recipe.epochs is None else 4 * recipe.epochs),
    }
    return ranges


def _slider(name: str, **kwargs):
    s = TABLE[name]
    cls = {"log": LogSlider, "box": SeedBox}.get(s.scale, IntSlider if s.kind is int else FloatSlider)
    widget = cls(description=s.label, style=kwargs.pop("style", SLIDER_STYLE), **kwargs)
    widget.tooltip = s.help + (f" ({s.unit})" if s.unit else "")
    return widget


def make_controls() -> dict[str, W.Widget]:
    """Every control of a Lab, unconfigured (:func:`configure` sets their ranges per recipe)."""
    def wide():  # a Layout of its own for each slider: a shared one would hide them together
        return W.Layout(width="100%")

    c = {
        "lr": _slider("lr", base=10, min=-3, max=1, step=0.001, value=0.1, readout_format=f".{LR_DIGITS}g",
                      layout=wide()),
        "gamma": _slider("gamma", min=0.1, max=1.0, step=0.01, value=1.0, readout_format=".2f", layout=wide()),
        "stepsize": _slider("stepsize", min=1, max=100, value=20, layout=wide(),
                            style={"description_width": "initial"}),
        "batch_size": _slider("batch_size", min=1, max=64, value=8, layout=wide()),
        "noise": _slider("noise", min=0.0, max=4.0, step=0.01, value=1.0, continuous_update=False,
                         readout_format=".3g", layout=wide()),
        "steps": _slider("steps", min=1, max=1000, value=100, layout=wide()),
        "epochs": _slider("epochs", min=1, max=100, value=10, layout=wide()),
        "seed": _slider("seed", min=0, max=2**31 - 1, value=0, layout=W.Layout(width="200px")),
    }
    c["stepsize"].description = "stepsize (iters/decay)"
    c["recipe"] = W.Dropdown(options=[(r.title, name) for name, r in RECIPES.items()], layout=W.Layout(width="100%"))
    c["reset"] = W.Button(description="back to the tutorial's values", icon="undo",
                          tooltip="every slider back to the tutorial's setting (the seed stays)",
                          layout=W.Layout(width="auto"))
    c["play"] = W.Play(min=0, max=100, step=1, interval=60, description="play")
    c["step"] = W.IntSlider(min=0, max=100, value=100, description="show step", continuous_update=True,
                            style={"description_width": "70px"}, layout=W.Layout(width="100%", max_width="420px"))
    W.link((c["play"], "value"), (c["step"], "value"))
    c["pin"] = W.Button(description="pin this run", icon="thumb-tack", layout=W.Layout(width="auto"),
                        tooltip="keep this run as a faded ghost path to compare with")
    c["clear_pins"] = W.Button(description="clear pins", icon="trash", layout=W.Layout(width="auto"))
    c["pair"] = W.Dropdown(description="plane", style={"description_width": "45px"}, layout=W.Layout(width="150px"))
    c["zoom"] = W.ToggleButtons(options=ZOOM_LABELS, value="follow", style={"button_width": "125px"})
    c["framework"] = W.Checkbox(value=False, description="real run", indent=False, layout=W.Layout(width="auto"))
    c["framework"].tooltip = "train on the data the real framework drew, and draw its recorded path beside the engine's"
    return c


def configure(controls: dict, tutorial: Recipe, shown: dict) -> None:
    """Ranges for ``tutorial``, each slider showing its value in ``shown`` (the range stretched to hold it),
    the plane choices, and the run-length slider the tutorial counts in."""
    for name, spec in control_ranges(tutorial).items():
        widget = controls[name]
        with widget.hold_trait_notifications():
            widget.max = spec["max"]
            widget.min = spec["min"]
            if "step" in spec:
                widget.step = spec["step"]
            show_value(widget, shown[name])
    names = tutorial.param_names
    pairs = [(f"{names[i]}–{names[j]}", (i, j)) for i in range(len(names)) for j in range(i + 1, len(names))]
    with controls["pair"].hold_trait_notifications():
        controls["pair"].options = pairs
    controls["pair"].disabled = len(pairs) == 1
    controls["steps"].layout.display = "none" if tutorial.epochs is not None else None
    controls["epochs"].layout.display = None if tutorial.epochs is not None else "none"


def show_value(widget, value) -> None:
    """Show ``value`` on ``widget``, stretching a slider's range to hold it (a value set in code may lie outside)."""
    if value is None:
        return
    log = getattr(widget, "base", None)
    if hasattr(widget, "max") and not isinstance(widget, W.Play):
        position = math.log(value, log) if log and value > 0 else value
        with widget.hold_trait_notifications():  # nested in configure's: its range first, then this
            if position > widget.max:
                widget.max = math.ceil(position) if log else position
            if position < widget.min:
                widget.min = math.floor(position) if log else position
            widget.value = value
    elif widget.value != value:
        widget.value = value


def show_steps(controls: dict, steps: int, position: int) -> None:
    """The play and step controls span the run (0 … steps) and stand at ``position``."""
    for name in ("step", "play"):  # both ranges first: the two are linked
        controls[name].max = max(steps, controls[name].max)
    for name in ("step", "play"):
        controls[name].value = position
        controls[name].max = steps
    controls["play"].step = max(1, math.ceil(steps / 200))

