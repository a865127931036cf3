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

import html
import math
from collections import OrderedDict

import ipywidgets as W
import numpy as np
from matplotlib.figure import Figure

from .data import make_dataset, make_stream
from .engine import Run, check_seed, train
from .landscape import Landscape
from .panels import LAYOUTS, STATUS_COLORS, Panels, full_loss, last_finite_step
from .recipes import RECIPES, SLIDERS, InvalidSetting, Recipe, get_recipe
from .widgets_controls import choose_display, control_ranges, make_controls, make_view

__all__ = ["Lab", "SideBySide"]

SETTINGS = (*SLIDERS, "steps", "epochs")
ZOOM_LABELS = (("follow the path", "follow"), ("whole basin", "basin"))


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


class Lab(W.VBox):
    """SGD on one tutorial recipe, with sliders. See the module docstring.

    ``recipe``: "caffe2", "mxnet" or "pytorch" (or a Recipe). ``overrides``: slider settings to start
    from (``lr``, ``gamma``, ``stepsize``, ``batch_size``, ``noise``, ``steps``/``epochs``).
    ``display``: "auto" (ipympl in a kernel that has it, else a PNG image; nothing outside a kernel),
    "ipympl", "png" or "none". ``pair``: the two parameters of the contour plane, e.g. (0, 2) for w0–b.
    ``zoom``: "follow" (the path) or "basin".

    Attributes: ``controls`` (dict of widgets by name: lr, gamma, stepsize, batch_size, noise, steps,
    epochs, seed, recipe, reset, play, step, pin, clear_pins, pair, zoom), ``run`` (the Run on screen),
    ``figure``, ``panels``, ``landscape``, ``recipe`` (the recipe with the current settings),
    ``status``, ``pins`` (pinned runs), ``message`` (the last warning or refusal, "" when none).
    """

    def __init__(self, recipe: str | Recipe = "caffe2", *, seed: int = 0, display: str = "auto", pair=None,
                 zoom: str = "follow", layout: str = "full", figsize=None, dpi: float = 100,
                 show_recipe: bool = True, **overrides):
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
        self.figure = Figure(figsize=figsize or LAYOUTS[layout].figsize, dpi=dpi)
        self._view = make_view(self.figure, self.display_mode, toolbar=layout == "full")
        self._build_widgets(show_recipe)
        self._zoom = zoom
        self.controls["zoom"].value = zoom
        self._pair = pair
        self._switch_recipe(start, seed)
        super().__init__(children=self._layout(), layout=W.Layout(width="100%"))

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
        settings = {k: v for k, v in values.items() if k != "seed"}
        seed = check_seed(values.get("seed", self.seed))
        recipe = self.recipe.with_settings(**self._length_fix(settings))
        self._apply(recipe, seed)
        self._sync_controls()
        return self.run

    def reset(self) -> None:
        """Back to the tutorial's values (the seed stays)."""
        self._apply(self._tutorial, self.seed)
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

    # ------------------------------------------------------------------ building
    def _build_widgets(self, show_recipe: bool) -> None:
        c = self.controls = make_controls()
        for widget in c.values():
            widget.on_clamp = self._clamped
        c["recipe"] = W.Dropdown(options=[(r.title, name) for name, r in RECIPES.items()], description="recipe",
                                 style={"description_width": "50px"}, layout=W.Layout(width="420px"))
        c["reset"] = W.Button(description="back to the tutorial's values", icon="undo",
                              tooltip="every slider back to the tutorial's setting (the seed stays)",
                              layout=W.Layout(width="250px"))
        c["play"] = W.Play(min=0, max=100, step=1, interval=60, description="play")
        c["step"] = W.IntSlider(min=0, max=100, value=100, description="show step", continuous_update=True,
                                style={"description_width": "80px"},
                                layout=W.Layout(width="100%", max_width="520px"))
        W.link((c["play"], "value"), (c["step"], "value"))
        c["pin"] = W.Button(description="pin this run", icon="thumb-tack",
                            tooltip="keep this run as a faded ghost path to compare with")
        c["clear_pins"] = W.Button(description="clear pins", icon="trash")
        c["pair"] = W.Dropdown(description="plane", style={"description_width": "45px"},
                               layout=W.Layout(width="170px"))
        c["zoom"] = W.ToggleButtons(options=ZOOM_LABELS, value="follow", style={"button_width": "120px"})

        self.lr_info = W.HTML()
        self.hints = {
            "stepsize": W.HTML("<span style='color:#555'>steps between lr decays — <b>not</b> the step length α"
                               "</span>"),
            "noise": W.HTML("<span style='color:#555'>new data on release</span>"),
        }
        self.step_info = W.HTML()
        self.readout = W.HTML()
        self.pins_table = W.HTML()
        self.message_box = W.HTML()
        self._show_recipe = show_recipe

        for name in (*SETTINGS, "seed"):
            c[name].observe(self._on_setting, names="value")
        c["recipe"].observe(self._on_recipe, names="value")
        c["reset"].on_click(lambda _b: self.reset())
        c["pin"].on_click(lambda _b: self.pin())
        c["clear_pins"].on_click(lambda _b: self.clear_pins())
        c["step"].observe(self._on_step, names="value")
        c["pair"].observe(self._on_pair, names="value")
        c["zoom"].observe(self._on_zoom, names="value")

    def _layout(self) -> list:
        c = self.controls
        top = W.HBox([c["recipe"], c["seed"], c["reset"]] if self._show_recipe else [c["seed"], c["reset"]],
                     layout=W.Layout(flex_flow="row wrap", align_items="center"))

        def row(*items):
            return W.HBox(list(items), layout=W.Layout(align_items="center", flex_flow="row wrap"))

        left = W.VBox([row(c["lr"], self.lr_info), row(c["gamma"]), row(c["stepsize"], self.hints["stepsize"])])
        right = W.VBox([row(c["batch_size"]), row(c["noise"], self.hints["noise"]), row(c["steps"], c["epochs"])])
        sliders = W.HBox([left, right], layout=W.Layout(flex_flow="row wrap", grid_gap="24px"))
        view = row(c["play"], c["step"], self.step_info, c["pair"], c["zoom"])
        view.layout.flex_flow = "row wrap"
        figure = [self._view.widget] if self._view.widget is not None else []
        bottom = W.HBox([self.readout, W.VBox([row(c["pin"], c["clear_pins"]), self.pins_table])],
                        layout=W.Layout(flex_flow="row wrap", grid_gap="32px"))
        return [top, sliders, self.message_box, view, *figure, bottom]

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
        dataset, landscape = self._data(recipe, seed)
        stream = self._stream(recipe, seed, dataset)
        with np.errstate(all="ignore"):
            run = train(recipe, seed=seed, stream=stream)
        old = getattr(self, "run", None)
        at_end = old is None or self.panels.position >= old.steps or self.panels.run is None
        position = run.steps if at_end else min(self.panels.position, run.steps)
        self.recipe, self.seed, self.run, self.landscape = recipe, seed, run, landscape
        self.panels.update(run, landscape, position=position)
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

    # ------------------------------------------------------------------ keeping widgets in step
    def _sync_controls(self) -> None:
        """Show the current settings on the sliders without triggering a recompute."""
        self._syncing = True
        try:
            for name in SETTINGS:
                value = getattr(self.recipe, name)
                if name == "steps" and value is None:
                    value = self.recipe.total_steps
                if name == "epochs" and value is None:
                    continue
                widget = self.controls[name]
                _widen(widget, value)
                if widget.value != value:
                    widget.value = value
            self.controls["seed"].value = self.seed
        finally:
            self._syncing = False

    def _sync_view_controls(self, position: int) -> None:
        c = self.controls
        self._syncing = True
        try:
            T = self.run.steps
            for name in ("step", "play"):  # both ranges first: the two are linked
                c[name].max = max(T, c[name].max)
            for name in ("step", "play"):
                c[name].value = position
                c[name].max = T
            c["play"].step = max(1, math.ceil(T / 200))
            c["step"].step = 1
        finally:
            self._syncing = False
        self._show_step()

    def _show_step(self) -> None:
        run = self.run
        k = self.panels.position
        epoch = ""
        per = self.recipe.steps_per_epoch
        if per:
            epoch = f", epoch {min(math.ceil(k / per), self.recipe.epochs or 0)} of {self.recipe.epochs}"
        self.step_info.value = f"<span style='font-size:1.05em'>step <b>{k}</b> of {run.steps}{epoch}</span>"

    def _show_readouts(self) -> None:
        run, land, recipe = self.run, self.landscape, self.recipe
        lr_max = land.lr_max
        if recipe.lr > lr_max:
            self.lr_info.value = (f"<span style='color:{STATUS_COLORS['diverged']}'><b>⚠ past the stability "
                                  f"limit 2/λmax ≈ {lr_max:.3g}</b>: expect divergence</span>")
        else:
            self.lr_info.value = (f"<span style='color:#555'>stability limit 2/λmax ≈ <b>{lr_max:.3g}</b> "
                                  f"(×{lr_max / recipe.lr:.3g} this lr)</span>")
        status = self.status
        names = recipe.param_names
        last = run.last_theta
        opt = land.optimum

        def cells(values):
            return "".join(f"<td style='text-align:right;padding:0 8px'>{v:.4g}</td>" for v in values)

        k = last_finite_step(run)
        finite = run.loss[np.isfinite(run.loss)]
        minibatch = f"{finite[-1]:.4g}" if len(finite) else "–"
        final = full_loss(land, last[None])[0]
        head = "".join(f"<th style='text-align:right;padding:0 8px'>{n}</th>" for n in names)
        self.readout.value = (
            "<table style='font-size:1.05em;border-collapse:collapse'>"
            f"<tr><th></th>{head}</tr>"
            f"<tr><td><b>θ after step {k}</b></td>{cells(last)}</tr>"
            f"<tr><td>ground truth ★</td>{cells(recipe.theta_true)}</tr>"
            f"<tr><td>least-squares optimum ✕</td>{cells(opt)}</tr>"
            "</table>"
            f"<div style='margin-top:4px'>loss: last minibatch {minibatch} · full data <b>{final:.4g}</b> · "
            f"best possible {land.min_loss:.4g}</div>"
            f"<div style='margin-top:4px;font-size:1.15em;color:{status.color}'><b>{html.escape(status.kind)}</b>"
            f" — {html.escape(status.text)}</div>")

    def _show_pins(self) -> None:
        if not self.pins:
            self.pins_table.value = "<span style='color:#777'>no pinned runs</span>"
            return
        cols = ("lr", "gamma", "stepsize", "batch_size", "noise", "seed")
        if self._panel_layout == "compact":  # a narrow column
            cols = ("lr", "batch_size")
        head = "".join(f"<th style='padding:0 6px'>{c}</th>" for c in ("", *cols, "final loss", "status"))
        rows = []
        for p in self.pins:
            swatch = f"<span style='color:{p['color']};font-size:1.3em'>■</span> {p['n']}"
            vals = "".join(f"<td style='padding:0 6px;text-align:right'>{p[c]:.3g}</td>" for c in cols)
            rows.append(f"<tr><td>{swatch}</td>{vals}<td style='padding:0 6px;text-align:right'>"
                        f"{p['final_loss']:.4g}</td><td style='padding:0 6px'>{p['status']}</td></tr>")
        self.pins_table.value = f"<table style='border-collapse:collapse'><tr>{head}</tr>{''.join(rows)}</table>"

    # ------------------------------------------------------------------ messages
    @property
    def message(self) -> str:
        return " ".join(self._messages)

    def _say(self, text: str | None = None, color: str = STATUS_COLORS["diverged"]) -> None:
        self._messages = [] if text is None else [text]
        self.message_box.value = "" if text is None else (
            f"<div style='color:{color};font-weight:bold;padding:2px 0'>{html.escape(text)}</div>")

    def _refuse(self, name: str, old, err: InvalidSetting) -> None:
        """Put the control back to its last good value and say why."""
        self._syncing = True
        try:
            self.controls[name].value = old
        finally:
            self._syncing = False
        self._say(f"Refused: {err}. {name} stays at {old:g}.")

    def _clamped(self, widget, asked, got) -> None:
        if self._syncing:
            return
        name = self._name_of(widget)
        self._clamp = (widget, got)
        if name == "epochs" and self.recipe.streaming:  # its epochs slider is hidden, pinned at 1
            self._say(f"epochs: {self.recipe.name} draws a fresh batch every step: use steps.")
            return
        self._say(f"{name} = {asked!r} is outside the slider's range; using {got:g} instead.",
                  color="#b35c00")


def _widen(widget, value) -> None:
    """Stretch a slider's range to hold ``value`` (a setting given in code may lie outside it)."""
    log = getattr(widget, "base", None)
    position = math.log(value, log) if log and value > 0 else value
    if position > widget.max:
        widget.max = math.ceil(position) if log else position
    if position < widget.min:
        widget.min = math.floor(position) if log else position


class SideBySide(W.VBox):
    """The three tutorials next to each other, sharing the seed and the play position.

    ``labs`` maps each recipe name to its :class:`Lab` (each keeps its own sliders). In columns, each Lab
    shows the compact panels (the path over the contours, and the loss: 360 px wide, so three fit a
    1280-px projector); ``columns=1`` stacks full Labs. The shared play position runs from 0 to 1 (a
    fraction of each run, whose lengths differ: 100, 25,000 and 175 steps).
    """

    def __init__(self, recipes=tuple(RECIPES), *, seed: int = 0, display: str = "auto", columns: int = 3,
                 **lab_kwargs):
        seed = check_seed(seed)
        mode = choose_display(display)
        layout = "compact" if columns > 1 else "full"
        self.labs = {name: Lab(name, seed=seed, display=mode, layout=layout, show_recipe=False, **lab_kwargs)
                     for name in recipes}
        self.seed = W.BoundedIntText(value=seed, min=0, max=2**31 - 1, description="shared seed",
                                     style={"description_width": "90px"}, layout=W.Layout(width="220px"))
        self.progress = W.FloatSlider(min=0, max=1, step=0.005, value=1, description="progress",
                                      readout_format=".0%", layout=W.Layout(width="480px"))
        self.play = W.Play(min=0, max=200, step=1, interval=80, value=200)
        W.link((self.play, "value"), (self.progress, "value"),
               transform=(lambda v: v / 200, lambda f: round(f * 200)))
        self.reset_all = W.Button(description="all back to the tutorials", icon="undo",
                                  layout=W.Layout(width="220px"))
        self.seed.observe(self._on_seed, names="value")
        self.progress.observe(self._on_progress, names="value")
        self.reset_all.on_click(lambda _b: [lab.reset() for lab in self.labs.values()])
        titles = [W.HTML(f"<h3 style='margin:4px 0'>{html.escape(RECIPES[name].title)}</h3>") for name in self.labs]
        columns_box = W.GridBox([W.VBox([t, lab]) for t, lab in zip(titles, self.labs.values(), strict=True)],
                                layout=W.Layout(grid_template_columns=f"repeat({columns}, minmax(0, 1fr))",
                                                grid_gap="12px", width="100%"))
        header = W.HBox([self.seed, self.play, self.progress, self.reset_all],
                        layout=W.Layout(flex_flow="row wrap", align_items="center"))
        super().__init__([header, columns_box], layout=W.Layout(width="100%"))

    @property
    def runs(self) -> dict[str, Run]:
        return {name: lab.run for name, lab in self.labs.items()}

    def _on_seed(self, change) -> None:
        for lab in self.labs.values():
            lab.controls["seed"].value = change["new"]
        self._on_progress({"new": self.progress.value})

    def _on_progress(self, change) -> None:
        for lab in self.labs.values():
            lab.position = round(change["new"] * lab.run.steps)
