"""Where the Lab's widgets go, and keeping them in step with its run.

Two arrangements, both made to fit a 1280 × 800 classroom projector in JupyterLab:

* ``full`` (one Lab): the figure first, the controls in a narrow column beside it (below it when the
  notebook is too narrow, the key sliders lr and batch size first), then the play controls and readouts.
* ``compact`` (a SideBySide column, 272 px): the figure, then only lr and batch size, the readouts, and
  every other control folded in a closed "more settings" accordion.
"""

from __future__ import annotations

import math

import ipywidgets as W

from .recipes import RECIPES, SLIDERS

SETTINGS = (*SLIDERS, "steps", "epochs")
ZOOM_LABELS = (("follow the path", "follow"), ("whole basin", "basin"))
COLUMN = "270px"  # the full Lab's control column
SCREEN_DPI = 62  # the full Lab's 12.8 × 7.2 in figure on screen: 794 × 446 px, room for the column beside it


def _row(*items, wrap: bool = False) -> W.HBox:
    return W.HBox(list(items), layout=W.Layout(align_items="center", flex_flow="row wrap" if wrap else "row"))


class LabLayout:
    """A part of :class:`~regress_widgets.widgets.Lab`: builds its widgets, lays them out, keeps them in step."""

    def _build_widgets(self, show_recipe: bool, show_seed: bool) -> None:
        c = self.controls
        for widget in c.values():
            widget.on_clamp = self._clamped
        c["recipe"] = W.Dropdown(options=[(r.title, name) for name, r in RECIPES.items()],
                                 layout=W.Layout(width="100%"))
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
        c["pair"] = W.Dropdown(description="plane", style={"description_width": "45px"},
                               layout=W.Layout(width="150px"))
        c["zoom"] = W.ToggleButtons(options=ZOOM_LABELS, value="follow", style={"button_width": "125px"})

        self.lr_info = W.HTML()
        self.lr_info.add_class("rw-lr-info")
        self.step_info = W.HTML()
        self.readout = W.HTML()
        self.readout.add_class("rw-readout")
        self.pins_table = W.HTML()
        self.message_box = W.HTML()
        self._build_framework()
        self._show_recipe, self._show_seed = show_recipe, show_seed

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
        compact = self._panel_layout == "compact"
        for name in SETTINGS:  # sliders fill their column
            self.controls[name].layout.width = "100%"
        figure = [self._view.widget] if self._view.widget is not None else []
        return self._compact_layout(figure) if compact else self._full_layout(figure)

    def _more(self) -> list:
        """The controls past lr and batch size, in the order a student looks for them."""
        c = self.controls
        seed = [c["seed"]] if self._show_seed else []
        return [c["gamma"], c["stepsize"], c["noise"], c["steps"], c["epochs"], *seed]

    def _full_layout(self, figure: list) -> list:
        c = self.controls
        recipe = [c["recipe"]] if self._show_recipe else []
        column = W.VBox([*recipe, c["lr"], self.lr_info, c["batch_size"], self.message_box, *self._more(),
                         c["reset"], c["framework"], self.framework_info],
                        layout=W.Layout(width=COLUMN, min_width=COLUMN))
        top = W.HBox([*figure, column], layout=W.Layout(flex_flow="row wrap", align_items="flex-start",
                                                        grid_gap="12px"))
        view = _row(c["play"], c["step"], self.step_info, c["pair"], c["zoom"], wrap=True)
        bottom = W.HBox([self.readout, W.VBox([_row(c["pin"], c["clear_pins"]), self.pins_table])],
                        layout=W.Layout(flex_flow="row wrap", grid_gap="32px"))
        return [top, view, bottom]

    def _compact_layout(self, figure: list) -> list:
        c = self.controls
        recipe = [c["recipe"]] if self._show_recipe else []
        more = W.VBox([*recipe, *self._more(), _row(c["play"], self.step_info), c["step"], c["pair"], c["zoom"],
                       _row(c["pin"], c["clear_pins"]), self.pins_table, c["reset"], c["framework"],
                       self.framework_info])
        self.more = W.Accordion(children=[more], titles=("more settings",), selected_index=None)
        return [*figure, c["lr"], self.lr_info, c["batch_size"], self.message_box, self.readout, self.more]

    def __repr__(self) -> str:
        values = ", ".join(f"{k}={v!r}" for k, v in self.settings.items())
        return f"{type(self).__name__}({self.recipe.name!r}, {values})"

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
            self.controls["seed"].value = self.run.seed
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

    def _mark(self, name: str) -> None:
        """The CSS class ``rw-lab-<recipe>`` on the Lab (for pages and tests to find it)."""
        for old in [k for k in self._dom_classes if k.startswith("rw-lab-")]:
            self.remove_class(old)
        self.add_class(f"rw-lab-{name}")


def _widen(widget, value) -> None:
    """Stretch a slider's range to hold ``value`` (a setting given in code may lie outside it)."""
    log = getattr(widget, "base", None)
    position = math.log(value, log) if log and value > 0 else value
    if position > widget.max:
        widget.max = math.ceil(position) if log else position
    if position < widget.min:
        widget.min = math.floor(position) if log else position
