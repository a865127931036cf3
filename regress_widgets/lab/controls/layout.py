"""Where the Lab's widgets go. Two arrangements, both made to fit a 1280 × 800 classroom projector in JupyterLab:

* ``full`` (one Lab): the figure first, the controls in a narrow column beside it (below it when the
  notebook is too narrow), grouped by meaning — the learning rate (lr, γ, stepsize), the data (batch size,
  noise, seed), the run (its length) — then the play controls and readouts.
* ``compact`` (a SideBySide column, 277 px on the page): the figure, then only lr and batch size, the readouts, and
  every other control folded under a closed "more settings" button.

Every setting is a row: its slider (one label width for all, so the tracks line up) and the box where its
value is typed exactly; under the row, a line that says what the Lab refused or corrected there.
"""

from __future__ import annotations

import ipywidgets as W
from matplotlib.figure import Figure

from ...panels import LAYOUTS
from ...panels.fit import DPI as FIT_DPI
from ...panels.fit import fit
from ...panels.style import Layout

COLUMN = "320px"  # the full Lab's control column
FIRST_WIDTH = {"full": 516, "compact": 277}
"""The figure's width (CSS px) until the page reports the room it has: what JupyterLab 4 gives it on a 1280 × 800
screen with the file browser open (the Lab: the room beside the control column; side by side: a column), as the
browser tests measure and check. A page that reports another width has the panels laid out again (about 70 ms of a
kernel's CPU a column: with the file browser hidden, 361 px; in Voilà, 411)."""
SCREEN_DPI = 62  # the full Lab's 12.8 × 7.2 in figure on screen: 794 × 446 px, room for the column beside it
GROUPS = (("learning rate", ("lr", "gamma", "stepsize")), ("data", ("batch_size", "noise", "seed", "standardize")),
          ("run", ("steps", "epochs")),
          ("optimizer", ("optimizer", "momentum", "beta1", "beta2", "eps", "weight_decay")))
COMPACT = {"box": "64px", "names": {"batch_size": "batch", "gamma": "γ", "optimizer": "optim.", "momentum": "β",
                                    "beta1": "β₁", "beta2": "β₂", "eps": "ε", "weight_decay": "λ decay",
                                    "step": "step"}}
"""A side-by-side column is narrow (277 px with JupyterLab's file browser open): shorter labels (and their width,
:data:`~.styles.LABEL_WIDTH`) and boxes, so every track stays ≥ 120 px, in the "more settings" accordion too. The
Lab makes its controls so (:func:`~.widgets.make_controls`)."""
TYPED_BOX = {"full": "74px", "compact": COMPACT["box"]}


class Folded(W.VBox):
    """A button that shows or hides ``body`` below it (closed at first). Unlike an Accordion it adds no padding
    around what it holds, so a narrow column's sliders keep their width."""

    def __init__(self, title: str, body: W.Widget):
        self.button = W.ToggleButton(value=False, description=title, icon="chevron-right",
                                     layout=W.Layout(width="100%"))
        self.body = body
        body.layout.display = "none"
        self.button.observe(self._toggle, names="value")
        super().__init__([self.button, body], layout=W.Layout(width="100%"))

    @property
    def is_open(self) -> bool:
        return self.button.value

    def _toggle(self, change) -> None:
        self.body.layout.display = None if change["new"] else "none"
        self.button.icon = "chevron-down" if change["new"] else "chevron-right"


def _row(*items, wrap: bool = False) -> W.HBox:
    return W.HBox(list(items), layout=W.Layout(align_items="center", flex_flow="row wrap" if wrap else "row"))


def _setting(c: dict, typed: dict, notes: dict, name: str) -> list:
    """A setting's row (slider and typed box) and its note line."""
    slider = c[name]  # made to fill its row (:func:`~.widgets.make_controls`)
    parts = [slider, typed[name]] if name in typed else [slider]
    row = W.HBox(parts, layout=notes[name].layout)  # one Layout for the row and its note line (one model less)
    W.dlink((slider.layout, "display"), (row.layout, "display"))  # a control that steps aside takes both with it
    return [row, notes[name]]


def _heading(text: str, style: W.Widget) -> W.HTML:
    return W.HTML(style=style, value=f"<div style='margin:6px 0 0;color:#444;font-weight:bold;"
                                     f"border-bottom:1px solid #ddd'>{text}</div>")


def arrange(c: dict, typed: dict, figure, r, *, compact: bool, show_recipe: bool,
            show_seed: bool) -> tuple[list, Folded | None]:
    """The Lab's children (and its folded "more settings" in the compact arrangement)."""
    figure = [figure] if figure is not None else []
    recipe = [c["recipe"]] if show_recipe else []
    shown = [n for _, names in GROUPS for n in names if show_seed or n != "seed"]

    def rows(names):
        return [w for n in names if n in shown for w in _setting(c, typed, r.notes, n)]

    if compact:  # its controls were made with the short labels, label width and box width (COMPACT)
        more = W.VBox([*recipe, *rows(("gamma", "stepsize", "noise", "steps", "epochs", "seed", "standardize")),
                       *rows(("optimizer", "momentum", "beta1", "beta2", "eps", "weight_decay")),
                       _row(c["play"], r.step_info), c["step"], c["pair"], c["zoom"], _row(c["pin"], c["clear_pins"]),
                       r.pins_table, _row(c["reset"], c["export"]), c["framework"], r.framework_info])
        folded = Folded(r.w("more settings"), more)
        return [*figure, *rows(("lr",)), r.lr_info, *rows(("batch_size",)), r.message_box, r.readout,
                folded], folded
    groups = []
    for title, names in GROUPS:
        groups.append(_heading(r.w(title), r.style))
        for name in names:
            groups += rows((name,)) + ([r.lr_info] if name == "lr" else [])
    column = W.VBox([*recipe, *groups, r.message_box, _row(c["reset"], c["export"]), c["framework"],
                     r.framework_info],
                    layout=W.Layout(width=COLUMN, min_width=COLUMN))
    for widget in figure:  # the screen takes the width the column leaves (whatever its picture's width now)
        if not getattr(widget, "follows_width", False):
            continue
        widget.layout.flex = "1 1 0px"
        widget.layout.min_width = "0"
    top = W.HBox([*figure, column], layout=W.Layout(flex_flow="row", align_items="flex-start", grid_gap="12px"))
    view = _row(c["play"], c["step"], r.step_info, c["pair"], c["zoom"], wrap=True)
    bottom = W.HBox([r.readout, W.VBox([_row(c["pin"], c["clear_pins"]), r.pins_table])],
                    layout=W.Layout(flex_flow="row wrap", grid_gap="32px"))
    return [top, view, bottom], None


def check_figsize(figsize) -> tuple[float, float]:
    """A figure size asked for (inches), checked."""
    try:
        w, h = (float(v) for v in figsize)
    except (TypeError, ValueError):
        raise ValueError(f"figsize must be (width, height) in inches, got {figsize!r}") from None
    if not (1 <= w <= 40 and 1 <= h <= 40):
        raise ValueError(f"figsize must be (width, height), each in [1, 40] inches, got {figsize!r}")
    return w, h


def make_figure(display_mode: str, layout: str, figsize, dpi) -> tuple[Figure, Layout | None]:
    """The Lab's figure, and the layout fitted to the page (None: a fixed size). On the Lab's screen the figure
    follows the width the page gives it, unless a size or dpi is asked for."""
    fitted = None
    if display_mode == "screen" and figsize is None and dpi is None:
        fitted = fit(FIRST_WIDTH[layout])
        figsize, dpi = fitted.figsize, FIT_DPI
    figsize = check_figsize(figsize or LAYOUTS[layout].figsize)
    if dpi is None:  # on screen the full figure shares the width with the control column
        dpi = SCREEN_DPI if layout == "full" and display_mode != "none" else 100
    if isinstance(dpi, bool) or not isinstance(dpi, (int, float)) or not 10 <= dpi <= 600:
        raise ValueError(f"dpi must be a number in [10, 600], got {dpi!r}")
    return Figure(figsize=figsize, dpi=dpi), fitted
