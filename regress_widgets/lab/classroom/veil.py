"""What the figure shows of a prediction: :class:`Veil` hides the path and the panels that would give the answer
away until the student commits, then draws the guess ✚ beside the run, and a dashed line to the actual θ ○."""

from __future__ import annotations

import math

from ...panels.font import font_context

COVERED = ("path_line", "decay_marks", "now_mark", "step_line", "alarm")
"""The contour panel's artists hidden until the student commits."""


class Veil:
    """The prediction's artists on one set of panels (made again for new panels, e.g. after the figure is refitted)."""

    def __init__(self):
        self._art: dict = {}

    def draw(self, panels, frame, pending: bool, guess, result) -> None:
        """Hide the path and every panel that would tell while ``pending``; else show them, and the ``guess``
        (a point, or None) with the line to the ``result``'s actual θ."""
        art = self._artists(panels)
        hide = pending
        contour = panels.contour
        for name in COVERED:
            artist = getattr(contour, name)
            if hide:
                artist.set_visible(False)
            elif name != "alarm":  # the alarm's own update says whether it shows
                artist.set_visible(True)
        if art["hidden"] != hide:
            if hide:
                art["was"] = [a for a in art["others"] if a.get_visible()]
            for ax in art["was"]:
                ax.set_visible(not hide)
                if hasattr(ax, "invalidate"):
                    ax.invalidate()
            art["veil"].set_visible(hide)
            art["hidden"] = hide
        self._draw_guess(art, frame, guess, result)

    def _artists(self, panels) -> dict:
        if self._art.get("panels") is not panels:  # new panels (a new size): new artists on them
            ax = panels.contour.ax
            keep = {id(ax), id(panels.header.ax), id(panels.contour.legend.axes), id(panels.contour.ref_legend.axes)}
            others = [a for a in panels.figure.axes if id(a) not in keep]
            boxes = [a.get_position() for a in others if a.get_visible()]
            x = (min(b.x0 for b in boxes) + max(b.x1 for b in boxes)) / 2 if boxes else 0.75
            y = (min(b.y0 for b in boxes) + max(b.y1 for b in boxes)) / 2 if boxes else 0.5
            w = panels.layout.w  # the figure's language (English where no font draws Chinese)
            with font_context(panels.layout.language):
                veil = panels.figure.text(x, y, w("hidden until you commit your prediction"), ha="center",
                                          va="center", fontsize=14, color="#555555", visible=False)
            (guess,) = ax.plot([], [], "P", ms=16, color="#ff7f0e", mec="black", mew=1.2, zorder=12,
                               label=w("your prediction"))
            (link,) = ax.plot([], [], "--", color="black", lw=1.8, zorder=11.5)
            (actual,) = ax.plot([], [], "o", ms=12, mfc="none", mec="#ff7f0e", mew=2.5, zorder=11.8)
            ax.mark_dynamic(guess, link, actual)
            self._art = {"panels": panels, "others": others, "veil": veil, "guess": guess, "link": link,
                         "actual": actual, "hidden": False, "was": []}
        return self._art

    @staticmethod
    def _draw_guess(art: dict, frame, guess, r) -> None:
        empty = ([], [])
        point = guess is not None
        same_plane = r is None or r.pair == tuple(frame.pair)
        art["guess"].set_data(*(([guess[0]], [guess[1]]) if point and same_plane else empty))
        if point and r is not None and same_plane and math.isfinite(r.distance):
            art["actual"].set_data([r.actual[0]], [r.actual[1]])
            art["link"].set_data([r.guess[0], r.actual[0]], [r.guess[1], r.actual[1]])
        else:
            art["actual"].set_data(*empty)
            art["link"].set_data(*empty)
