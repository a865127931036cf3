"""The Lab's controls: sliders that report clamping, their ranges per recipe, and the other widgets.

Labels, tooltips and scales come from the one settings table (:mod:`regress_widgets.recipes.settings`).
The controls hold no state of their own that the Lab reads back: :class:`~.lab.Lab` pushes the
values of its :class:`~.state.LabState` into them (:func:`show_value`) and hears what a student moves.
"""

from __future__ import annotations

import math

import ipywidgets as W

from ...recipes.settings import TABLE
from ...recipes.tutorials import RECIPES, Recipe
from ...words import ENGLISH, Words
from ..screen.player import play_button
from .layout import COMPACT, TYPED_BOX
from .readouts import Readouts
from .real_run import available, real_run
from .sliders import BatchSlider, FloatSlider, IntSlider, LogSlider, show_value, shown_text, typed_box
from .state import CONTROLLED
from .styles import Styles

ZOOM_LABELS = (("follow the path", "follow"), ("whole basin", "basin"))


def control_ranges(recipe: Recipe) -> dict[str, dict]:
    """Slider bounds for a recipe: generous around its tutorial values, always inside what it accepts."""
    total = recipe.total_steps
    lowest = recipe.lr
    if recipe.data is not None:  # your own data: room for the lr of the other scaling too
        from ...own_data.from_data import standardized

        lowest = min(lowest, standardized(recipe, not recipe.data.standardize).lr)
    lr_lo = math.floor(math.log10(lowest)) - 2
    ranges = {
        "lr": dict(min=lr_lo, max=math.log10(TABLE["lr"].high)),  # exponents of 10
        "gamma": dict(min=0.1, max=TABLE["gamma"].high),
        "stepsize": dict(min=TABLE["stepsize"].low, max=max(recipe.stepsize, total) * 2),
        "batch_size": dict(min=0, max=math.log2(1024 if recipe.streaming else recipe.n_examples)),  # exponents of 2
        "noise": dict(min=TABLE["noise"].low, max=round(4 * recipe.noise, 6) or 1.0,
                      step=round(recipe.noise / 100, 6) or 0.01),
        "steps": dict(min=TABLE["steps"].low, max=max(10 * total, 1000)),
        "epochs": dict(min=TABLE["epochs"].low, max=1 if recipe.epochs is None else 4 * recipe.epochs),
        "momentum": dict(min=0.0, max=0.99), "beta1": dict(min=0.0, max=0.99), "beta2": dict(min=0.9, max=0.9999),
        "eps": dict(min=-10, max=-2),  # exponents of 10
        "weight_decay": dict(min=0.0, max=0.1),
    }
    return ranges


def make_controls(w: Words, styles: Styles, short: dict) -> dict[str, W.Widget]:
    """Every control of a Lab, unconfigured (:func:`configure` sets their ranges per recipe), its labels and
    tooltips in the language of ``w``; each made as it is shown (one message to the page a widget): the styles
    of ``styles`` (the Lab's, shared), labels shortened as ``short`` says (a setting → its short label)."""
    def setting(name: str, make, **kwargs):  # the table's label and help, in w's language; as its row shows it,
        # a Layout of its own (a shared one would hide them together)
        return make(description=w(short.get(name, TABLE[name].label)), tooltip=setting_help(name, w),
                    style=styles.label_of(make), layout=W.Layout(width="auto", flex="1 1 auto"), **kwargs)

    def slider(name: str, cls=None, **kwargs):
        s = TABLE[name]
        cls = cls or {"log": LogSlider}.get(s.scale, IntSlider if s.kind is int else FloatSlider)
        return setting(name, cls, readout=False, **kwargs)

    c = {
        "lr": slider("lr", base=10, min=-3, max=1, step=0.001, value=0.1),
        "gamma": slider("gamma", min=0.1, max=1.0, step=0.01, value=1.0),
        "stepsize": slider("stepsize", min=1, max=100, value=20),
        "batch_size": slider("batch_size", BatchSlider, base=2, min=0, max=6, step=1, value=8),
        "noise": slider("noise", min=0.0, max=4.0, step=0.01, value=1.0, continuous_update=False),
        "steps": slider("steps", min=1, max=1000, value=100),
        "epochs": slider("epochs", min=1, max=100, value=10),
        # a plain box: the browser sends what was typed (a bounded one would quietly make −1 a 0)
        "seed": setting("seed", W.IntText, value=0),
        "optimizer": setting("optimizer", W.Dropdown, options=TABLE["optimizer"].choices, value="sgd"),
        "momentum": slider("momentum", min=0.0, max=0.99, step=0.01, value=0.0),
        "beta1": slider("beta1", min=0.0, max=0.99, step=0.01, value=0.9),
        "beta2": slider("beta2", min=0.9, max=0.9999, step=0.0001, value=0.999),
        "eps": slider("eps", base=10, min=-10, max=-2, step=0.1, value=1e-8),
        "weight_decay": slider("weight_decay", min=0.0, max=0.1, step=0.001, value=0.0),
    }
    c["recipe"] = W.Dropdown(options=[(r.title, name) for name, r in RECIPES.items()], layout=W.Layout(width="100%"),
                             style=styles(W.Dropdown))
    button = styles(W.Button)
    c["reset"] = W.Button(description=w("back to the tutorial's values"), icon="undo",
                          tooltip=w("every slider back to the tutorial's setting (the seed stays)"),
                          layout=W.Layout(width="auto"), style=button)
    c["play"] = play_button(w)  # the Lab's Player plays the run with it, in the kernel
    step_label = styles.label if "step" in short else "70px"
    c["step"] = W.IntSlider(min=0, max=100, value=100, description=w(short["step"]) if "step" in short else
                            w("show step"),
                            continuous_update=True, style=styles(W.IntSlider, description_width=step_label),
                            layout=W.Layout(width="100%", max_width="420px"))
    c["pin"] = W.Button(description=w("pin this run"), icon="thumb-tack", layout=W.Layout(width="auto"),
                        tooltip=w("keep this run as a faded ghost path to compare with"), style=button)
    c["clear_pins"] = W.Button(description=w("clear pins"), icon="trash", layout=W.Layout(width="auto"),
                               style=button)
    c["export"] = W.Button(description=w("export"), icon="download", layout=W.Layout(width="auto"),
                           tooltip=w("save the figure as a PNG for slides (1920 × 1080) in the current folder"),
                           style=button)
    c["pair"] = W.Dropdown(description=w("plane"), style=styles(W.Dropdown, description_width="45px"),
                           layout=W.Layout(width="150px"))
    zoom = [(w(text), value) for text, value in ZOOM_LABELS]
    c["zoom"] = W.ToggleButtons(options=zoom, value="follow", style={"button_width": "125px"})
    checkbox = styles(W.Checkbox)
    c["standardize"] = W.Checkbox(value=False, description=w("standardize features"), indent=False,
                                  layout=W.Layout(width="auto", flex="1 1 auto"), style=checkbox,
                                  tooltip=w("your own data: train on (x − mean)/std of every feature — round "
                                            "contours, a larger stability limit; θ is still read out in the data's "
                                            "units"))
    c["framework"] = W.Checkbox(value=False, description=w("real run"), indent=False, layout=W.Layout(width="auto"),
                                style=checkbox, tooltip=w("train on the data the real framework drew, and draw its "
                                                          "recorded path beside the engine's"))
    return c


def make_widgets(w: Words, layout: str) -> tuple[dict, dict, Readouts]:
    """A Lab's controls, typed boxes and readouts, made as ``layout`` ("full" or "compact") shows them, sharing
    their styles (:class:`~.styles.Styles`)."""
    styles = Styles(layout)
    compact = layout == "compact"
    return (make_controls(w, styles, short=COMPACT["names"] if compact else {}),
            make_typed(TYPED_BOX[layout], styles), Readouts(compact=compact, w=w, style=styles.html))


def setting_help(name: str, w: Words = ENGLISH) -> str:
    """A setting's tooltip: its help line and unit (the settings table's), in the language of ``w``."""
    s = TABLE[name]
    return w(s.help) + (f" ({w(s.unit)})" if s.unit else "")


def make_typed(width: str, styles: Styles) -> dict[str, W.Text]:
    """A box beside each setting's slider, ``width`` wide, to type a value exactly. The boxes share one style and
    one Layout: a box steps aside with its row (:func:`~.layout.arrange`), never on its own."""
    style, layout = styles(W.Text), W.Layout(width=width, min_width=width)
    return {name: typed_box(name, layout, style) for name in CONTROLLED if TABLE[name].kind is not str}


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
    controls["standardize"].layout.display = None if tutorial.data is not None else "none"
    controls["steps"].layout.display = "none" if tutorial.epochs is not None else None
    controls["epochs"].layout.display = None if tutorial.epochs is not None else "none"


def show_tutorial(controls: dict, typed: dict, binding, state, w: Words) -> None:
    """A new recipe on the Lab's controls: its ranges, each slider and box showing the state's value, the run
    length it counts in, its real run offered (or not), the recipe menu."""
    tutorial = state.tutorial
    shown = {name: binding.shown(name) for name in CONTROLLED}
    configure(controls, tutorial, shown)
    for name, value in shown.items():
        if name in typed:
            typed[name].value = shown_text(TABLE[name].kind, value)
    for name in ("real", "seed", "pair", "zoom", "gamma", "optimizer", "standardize"):
        binding.show({"name": name, "new": getattr(state, name)})
    binding.show({"name": "tutorial", "new": tutorial})
    box = controls["framework"]
    ok = available(tutorial)
    box.description = (w("real {framework} run", framework=real_run(tutorial.name).title) if ok
                       else w("real run (none recorded)"))
    box.disabled = not ok
    controls["recipe"].value = tutorial.name if tutorial.name in RECIPES else None


def show_steps(controls: dict, steps: int, position: int) -> None:
    """The step slider spans the run (0 … steps) and stands at ``position``."""
    step = controls["step"]
    step.max = max(steps, step.max)
    step.value = position
    step.max = steps

