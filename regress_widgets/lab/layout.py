"""Where the Lab's widgets go. Two arrangements, both made to fit a 1280 × 800 classroom projector in JupyterLab:

* ``full`` (one Lab): the figure first, the controls in a narrow column beside it (below it when the
  notebook is too narrow, the key sliders lr and batch size first), then the play controls and readouts.
* ``compact`` (a SideBySide column, 272 px): the figure, then only lr and batch size, the readouts, and
  every other control folded in a closed "more settings" accordion.
"""

from __future__ import annotations

import ipywidgets as W

from .state import CONTROLLED

COLUMN = "270px"  # the full Lab's control column
SCREEN_DPI = 62  # the full Lab's 12.8 × 7.2 in figure on screen: 794 × 446 px, room for the column beside it


def _row(*items, wrap: bool = False) -> W.HBox:
    return W.HBox(list(items), layout=W.Layout(align_items="center", flex_flow="row wrap" if wrap else "row"))


def _more(c: dict, show_seed: bool) -> list:
    """The controls past lr and batch size, in the order a student looks for them."""
    return [c["gamma"], c["stepsize"], c["noise"], c["steps"], c["epochs"], *([c["seed"]] if show_seed else [])]


def arrange(c: dict, figure, r, *, compact: bool, show_recipe: bool,
            show_seed: bool) -> tuple[list, W.Accordion | None]:
    """The Lab's children (and its "more settings" accordion in the compact arrangement)."""
    for name in CONTROLLED:  # sliders fill their column
        c[name].layout.width = "100%"
    figure = [figure] if figure is not None else []
    recipe = [c["recipe"]] if show_recipe else []
    if compact:
        more = W.VBox([*recipe, *_more(c, show_seed), _row(c["play"], r.step_info), c["step"], c["pair"], c["zoom"],
                       _row(c["pin"], c["clear_pins"]), r.pins_table, c["reset"], c["framework"], r.framework_info])
        accordion = W.Accordion(children=[more], titles=("more settings",), selected_index=None)
        return [*figure, c["lr"], r.lr_info, c["batch_size"], r.message_box, r.readout, accordion], accordion
    column = W.VBox([*recipe, c["lr"], r.lr_info, c["batch_size"], r.message_box, *_more(c, show_seed),
                     c["reset"], c["framework"], r.framework_info], layout=W.Layout(width=COLUMN, min_width=COLUMN))
    top = W.HBox([*figure, column], layout=W.Layout(flex_flow="row wrap", align_items="flex-start", grid_gap="12px"))
    view = _row(c["play"], c["step"], r.step_info, c["pair"], c["zoom"], wrap=True)
    bottom = W.HBox([r.readout, W.VBox([_row(c["pin"], c["clear_pins"]), r.pins_table])],
                    layout=W.Layout(flex_flow="row wrap", grid_gap="32px"))
    return [top, view, bottom], None
