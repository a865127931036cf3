"""How the panels look: where each one goes on the figure (:class:`Layout`), font sizes and colours."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import ListedColormap

from ..words import word

FIGSIZE = (12.8, 7.2)  # 16:9, 1280 × 720 px at 100 dpi: a projector's native shape
PATH_COLOR = "#d62728"
TRUTH_COLOR = "#ffbf00"
REFERENCE_COLOR = "#ff7f0e"
"""A reference path: a real framework's recorded one."""
OPT_COLOR = "#1f3a93"
PARAM_COLORS = ("#1f77b4", "#2ca02c", "#9467bd", "#8c564b")
GHOST_COLORS = ("#17becf", "#e377c2", "#bcbd22", "#7f7f7f", "#ff7f0e", "#8c564b")
STATUS_COLORS = {"converged": "#2ca02c", "still moving": "#e08a00", "diverging": "#d62728",
                 "diverged": "#d62728"}
RING_CMAP = ListedColormap(colormaps["viridis"](np.linspace(0.0, 0.8, 256)))
NOW_LINE = {"color": "#555555", "lw": 1, "ls": ":", "zorder": 0}
"""The dotted vertical line at the current step, on every panel whose x axis is the step."""

CONTOUR_RECT = (0.06, 0.275, 0.38, 0.575)


@dataclass(frozen=True)
class Layout:
    """Where the panels go. Rects are figure fractions; margins (left, bottom, right, top) are the pixels
    (at 100 dpi) around a panel that hold its labels; neighbouring panels' rects + margins must not overlap."""

    figsize: tuple[float, float]
    panels: dict
    header: tuple = (0, 0.9, 1, 0.1)
    title_y: tuple = (0.75, 0.25)
    title_size: tuple = (16, 12.5)
    title: float = 13
    label: float = 12
    tick: float = 11
    legend: float = 10
    small: float = 9.5
    marker: float = 1.0
    alarm: float = 17
    legend_anchor: float = -0.14
    legend_ncol: int = 2
    compact: bool = False
    """Short texts everywhere: a column about 300 px wide."""
    short_header: bool = False
    """The header's short settings line (the long one needs about 1000 px)."""
    language: str = "en"
    """The language of the figure's texts (:mod:`regress_widgets.words`)."""

    def w(self, text: str, **values) -> str:
        """``text`` (English) in the figure's language."""
        return word(self.language, text, **values)


LAYOUTS = {
    "full": Layout(FIGSIZE, {
        "contour": (CONTOUR_RECT, (75, 44, 28, 28)),  # its legend lies below, clear of these margins
        "loss": ((0.525, 0.555, 0.19, 0.3), (68, 45, 28, 30)),
        "data": ((0.8, 0.555, 0.185, 0.3), (68, 45, 16, 30)),  # 0.985: the last tick label ends inside the figure
        "params": ((0.525, 0.09, 0.19, 0.3), (56, 60, 28, 30)),
        "lr": ((0.8, 0.09, 0.185, 0.3), (68, 60, 16, 30)),
    }),
    # a narrow column for three recipes side by side: the path over the contours, and the loss. 272 px wide:
    # three fit side by side in JupyterLab at 1280 px even with the file browser open (columns ≈ 277 px)
    "compact": Layout((2.72, 5.4), {  # 272 × 540 px; top down: header 50, contour, legend, loss
        "contour": ((0.21, 0.4833, 0.735, 0.3796), (57, 36, 14, 22)),
        "loss": ((0.21, 0.072, 0.735, 0.183), (57, 38, 14, 22)),
    }, header=(0, 0.9074, 1, 0.0926), title_y=(0.9, 0.3), title_size=(8.5, 8), title=9.5, label=9, tick=8.5,
        legend=6.5, small=7, marker=0.65, alarm=10, legend_anchor=-0.245, legend_ncol=2, compact=True,
        short_header=True),
}
