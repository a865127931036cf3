"""The Lab: sliders that drive the engine, and panels that follow — in JupyterLab, or from code.

One controller (:class:`Lab`) owns the settings. Any control change goes the same way:

    control → validated recipe (``Recipe.with_settings``) → cached recompute → panels → view

and only what the change touches is recomputed: lr, γ, stepsize re-run the engine on the same
data; batch size and run length re-cut the same data into a new stream; noise and seed make new
data, a new loss surface and contours. ``lab.run`` is updated before the assignment to a control
returns; only the drawing may come later (ipympl asks for an image when the browser is ready, the
PNG fallback renders at most every 0.12 s).

    lab = Lab("pytorch")          # display(lab) in a notebook
    lab.controls["lr"].value = 0.05
    lab.run.theta[-1]             # already the new run
    lab.set(lr=0.3, batch_size=1) # several at once, one recompute
"""

from __future__ import annotations

from collections import OrderedDict

import ipywidgets as W
import numpy as np
from matplotlib.figure import Figure

from .data import make_dataset, make_stream
from .engine import Run, check_seed, train
from .landscape import Landscape
from .panels import LAYOUTS, Panels, full_loss
from .recipes import RECIPES, InvalidSetting, Recipe, get_recipe
from .widgets_controls import choose_display, control_ranges, make_controls, make_view
from .widgets_framework import FrameworkToggle
from .widgets_layout import SCREEN_DPI, SETTINGS, LabLayout
from .widgets_readouts import Readouts
from .widgets_side import SideBySide

__all__ = ["Lab", "SideBySide"]



class _LRU(OrderedDict):
    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def get_or(self, key, make):
        if key in self:
            self.move_to_end(key)
            return self[key]
        value = self[key] = make()
        if len(self) > self.size:
            self.popitem(last=False)
        return value


class Lab(FrameworkToggle, Readouts, LabLayout, W.VBox):
    """SGD on one tutorial recipe, with sliders. See the module docstring.

    ``recipe``: "caffe2", "mxnet" or "pytorch" (or a Recipe). ``overrides``: slider settings to start
    from (``lr``, ``gamma``, ``stepsize``, ``batch_size``, ``noise``, ``steps``/``epochs``).
    ``display``: "auto" (ipympl in a kernel that has it, else a PNG image; nothing outside a kernel),
    "ipympl", "png" or "none". ``pair``: the two parameters of the contour plane, e.g. (0, 2) for w0–b.
    ``zoom``: "follow" (the path) or "basin".

    Attributes: ``controls`` (dict of widgets by name: lr, gamma, stepsize, batch_size, noise, steps,
    epochs, seed, recipe, reset, play, step, pin, clear_pins, pair, zoom, framework), ``run`` (the Run on screen),
    ``figure``, ``panels``, ``landscape``, ``recipe`` (the recipe with the current settings),
    ``status``, ``pins`` (pinned runs), ``message`` (the last warning or refusal, "" when none).

    ``controls["framework"]`` ("real MXNet 1.9.1 run"): train on the data the real framework drew (its
    shipped recording: examples, batches, θ₀) with the current lr, γ, stepsize, and draw its recorded path
    beside the engine's; ``real`` is then that recording (:class:`~.widgets_framework.RealRun`) and
    ``framework_deviation`` the largest |θ difference| while lr, γ, stepsize are the recording's.
    """

    def __init__(self, recipe: str | Recipe = "caffe2", *, seed: int = 0, display: str = "auto", pair=None,
                 zoom: str = "follow", layout: str = "full", figsize=None, dpi: float | None = None,
                 show_recipe: bool = True, show_seed: bool = True, **overrides):
        base = get_recipe(recipe)
        self._tutorial = RECIPES.get(base.name, base)
        seed = check_seed(seed)
        start = base.with_settings(**overrides)  # refuse bad overrides before building anything
        self._syncing = False
        self._clamp = None
        self._messages: list[str] = []
        self.pins: list[dict] = []
        self._data_cache = _LRU(4)
        self._stream_cache = _LRU(6)
        self.display_mode = choose_display(display)

        if layout not in LAYOUTS:
            raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
        self._panel_layout = layout
        if dpi is None:  # on screen the full figure shares the width with the control column
            dpi = SCREEN_DPI if layout == "full" and self.display_mode != "none" else 100
        self.figure = Figure(figsize=figsize or LAYOUTS[layout].figsize, dpi=dpi)
        self._view = make_view(self.figure, self.display_mode, toolbar=layout == "full")
        self.controls = make_controls()
        self._build_widgets(show_recipe, show_seed)
        self._zoom = zoom
        self.controls["zoom"].value = zoom
        self._pair = pair
        self._switch_recipe(start, seed)
        super().__init__(children=self._layout(), layout=W.Layout(width="100%"))
        self._mark(self.recipe.name)

    # ------------------------------------------------------------------ public helpers
    @property
    def status(self):
        return self.panels.status

    @property
    def position(self) -> int:
        """The step the panels show the run up to (the Play / scrub position)."""
        return self.panels.position

    @position.setter
    def position(self, step: int) -> None:
        self.controls["step"].value = int(min(max(step, 0), self.run.steps))

    @property
    def settings(self) -> dict:
        """The current slider settings and seed, as ``Lab(..., **settings)`` or ``train`` accept them."""
        return {**self.recipe.settings, "seed": self.seed}

    def set(self, **values) -> Run:
        """Set several controls at once (one recompute); returns the new run. Refused values raise."""
        unknown = sorted(set(values) - set(SETTINGS) - {"seed"})
        if unknown:
            raise InvalidSetting(unknown[0], f"one of {', '.join((*SETTINGS, 'seed'))}", values[unknown[0]])
        self._refuse_fixed(values)
        settings = {k: v for k, v in values.items() if k != "seed"}
        seed = check_seed(values.get("seed", self.seed))
        recipe = self.recipe.with_settings(**self._length_fix(settings))
        self._apply(recipe, seed)
        self._sync_controls()
        return self.run

    def reset(self) -> None:
        """Back to the tutorial's values (the seed stays)."""
        self._apply(self._real_recipe(self._tutorial) if self.real else self._tutorial, self.seed)
        self._sync_controls()
        self._say()

    def pin(self) -> str:
        """Keep the current run as a faded ghost path; returns its colour."""
        run = self.run
        color = self.panels.add_ghost(run, label=f"pin {len(self.pins) + 1}")
        final = full_loss(self.landscape, run.last_theta[None])[0]
        self.pins.append({"n": len(self.pins) + 1, "color": color, "run": run, "seed": run.seed,
                          **run.recipe.settings, "final_loss": float(final), "status": self.status.kind})
        self._show_pins()
        self._view.refresh()
        return color

    def clear_pins(self) -> None:
        self.pins.clear()
        self.panels.clear_ghosts()
        self._show_pins()
        self._view.refresh()

    def draw(self) -> None:
        """Draw the figure now (the views normally do this for you)."""
        self.figure.canvas.draw()

    # ------------------------------------------------------------------ the controller
    def _switch_recipe(self, recipe: Recipe, seed: int) -> None:
        """A new recipe: new slider ranges, a fresh set of panels, caches and pins dropped."""
        self.recipe = recipe
        self.seed = seed
        self._tutorial = RECIPES.get(recipe.name, recipe)
        self._data_cache.clear()
        self._stream_cache.clear()
        self.pins.clear()
        self._show_pins()
        c = self.controls
        names = recipe.param_names
        pairs = [(f"{names[i]}–{names[j]}", (i, j)) for i in range(len(names)) for j in range(i + 1, len(names))]
        pair = tuple(self._pair) if self._pair is not None and tuple(self._pair) in dict(pairs).values() else (0, 1)
        self.figure.clear()
        self.panels = Panels(recipe, self.figure, pair=pair, zoom=self._zoom, layout=self._panel_layout)
        self._syncing = True
        try:
            c["pair"].options = pairs
            c["pair"].value = pair
            c["pair"].disabled = len(pairs) == 1
            c["recipe"].value = recipe.name
            ranges = control_ranges(self._tutorial)
            for name, spec in ranges.items():
                widget = c[name]
                with widget.hold_trait_notifications():
                    widget.max = spec["max"]
                    widget.min = spec["min"]
                    if "step" in spec:
                        widget.step = spec["step"]
            c["steps"].layout.display = "none" if recipe.epochs is not None else None
            c["epochs"].layout.display = None if recipe.epochs is not None else "none"
        finally:
            self._syncing = False
        recipe = self._framework_on_switch(recipe)
        self._apply(recipe, seed)
        self._sync_controls()

    def _data(self, recipe: Recipe, seed: int):
        """(dataset or None, landscape) for the recipe's data: new only when noise or seed change."""
        def make():
            if recipe.streaming:
                return None, Landscape.population(recipe)
            dataset = make_dataset(recipe, seed)
            return dataset, Landscape.from_data(dataset.X, dataset.y, recipe.loss_scale, recipe.param_names)

        return self._data_cache.get_or((recipe.name, seed, recipe.noise), make)

    def _stream(self, recipe: Recipe, seed: int, dataset):
        key = (recipe.name, seed, recipe.noise, recipe.batch_size, recipe.total_steps)
        return self._stream_cache.get_or(key, lambda: make_stream(recipe, seed, dataset))

    def _apply(self, recipe: Recipe, seed: int) -> None:
        """Recompute for ``recipe`` and ``seed`` (already valid) and show it."""
        real = self.real
        if real is None:
            dataset, landscape = self._data(recipe, seed)
            stream, theta0, run_seed = self._stream(recipe, seed, dataset), None, seed
        else:  # the data, batches and start the real framework drew
            landscape, stream, theta0, run_seed = real.landscape, real.stream, real.recording.theta0, real.seed
        with np.errstate(all="ignore"):
            run = train(recipe, seed=run_seed, stream=stream, theta0=theta0)
        old = getattr(self, "run", None)
        at_end = old is None or self.panels.position >= old.steps or self.panels.run is None
        position = run.steps if at_end else min(self.panels.position, run.steps)
        self.recipe, self.seed, self.run, self.landscape = recipe, seed, run, landscape
        self.panels.update(run, landscape, position=position)
        self._show_framework()
        self._sync_view_controls(position)
        self._show_readouts()
        self._view.refresh()

    def _length_fix(self, settings: dict) -> dict:
        """A run length is steps for a streaming recipe, epochs for one with a dataset."""
        if "steps" in settings and self.recipe.epochs is not None:
            raise InvalidSetting("steps", f"left out: {self.recipe.name} counts its run in epochs",
                                 settings["steps"])
        return settings

    def _on_setting(self, change) -> None:
        if self._syncing:
            return
        name = self._name_of(change["owner"])
        value = change["new"]
        try:
            self._refuse_fixed({name: value})
            if name == "seed":
                seed, recipe = check_seed(value), self.recipe
            else:
                seed = self.seed
                recipe = self.recipe.with_settings(**self._length_fix({name: value}))
        except InvalidSetting as err:
            self._refuse(name, change["old"], err)
            return
        clamp, self._clamp = self._clamp, None
        if clamp != (change["owner"], value):  # keep the note about a clamped value until the next change
            self._say()
        try:
            self._apply(recipe, seed)
        except Exception as err:  # noqa: BLE001 - whatever went wrong, say so and keep the last good run
            old = self.run.recipe if name != "seed" else self.recipe
            self._syncing = True
            try:
                self.controls[name].value = change["old"]
            finally:
                self._syncing = False
            self.recipe = old
            self._say(f"Could not run with {name} = {value!r}: {err}. {name} stays at {change['old']!r}.")

    def _name_of(self, widget) -> str:
        return next((k for k, w in self.controls.items() if w is widget), "value")

    def _on_recipe(self, change) -> None:
        if self._syncing or change["new"] == self.recipe.name:
            return
        self._say()
        self._switch_recipe(RECIPES[change["new"]], self.seed)
        self._mark(self.recipe.name)

    def _on_step(self, change) -> None:
        if self._syncing:
            return
        self.panels.set_position(change["new"])
        self._show_step()
        self._view.refresh()

    def _on_pair(self, change) -> None:
        if self._syncing or change["new"] is None:
            return
        self._pair = change["new"]
        self.panels.set_pair(*change["new"])
        self._view.refresh()

    def _on_zoom(self, change) -> None:
        if self._syncing:
            return
        self._zoom = change["new"]
        self.panels.set_zoom(change["new"])
        self._view.refresh()
