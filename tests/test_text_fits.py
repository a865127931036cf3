"""Nothing a student reads is cut: every text of the panels lies inside the figure, and each note inside its panel.

For every arrangement the fit chooses (the widths at its edges and between them: a side-by-side column of 240–300
px, a phone, a Lab beside its controls, the full figure), every recipe, in English, 简体中文 and 繁體中文: the
header's title and settings line, the panels' titles, axis labels, tick labels that are drawn, the legends' entries
and the notes (the contour's "B held at …", the divergence banner) are measured with matplotlib's Agg renderer
after a draw. The browser tests check the widths the page really gave the same way (:func:`cut_texts`).
"""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure

import regress_widgets as rw
from regress_widgets.panels import Panels, make_frame
from regress_widgets.panels.fit import fit
from regress_widgets.panels.fit_text import MIN_POINTS
from regress_widgets.theory.landscape import Landscape

WIDTHS = (240, 277, 330, 419, 420, 500, 639, 640, 820, 999, 1000, 1280, 2400)
"""CSS px: each arrangement's edges (stack < 420 ≤ stack < 640 ≤ pair < 1000 ≤ grid) and widths between."""
LANGUAGES = ("en", "zh-Hans", "zh-Hant")


def drawn_texts(fig):
    """(kind, Text, its axes) of every text the last draw of ``fig`` showed."""
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        if ax.axison:
            for axis in (ax.xaxis, ax.yaxis):
                if not axis.get_visible():
                    continue
                for tick in axis._update_ticks():  # the ticks inside the view: those drawn
                    for label in (tick.label1, tick.label2):
                        if label.get_visible() and label.get_text():
                            yield "tick label", label, ax
                if axis.label.get_visible() and axis.label.get_text():
                    yield "axis label", axis.label, ax
        for title in (ax.title, ax._left_title, ax._right_title):
            if title.get_visible() and title.get_text():
                yield "title", title, ax
        for text in ax.texts:
            if text.get_visible() and text.get_text().strip():
                yield "note", text, ax
        legend = ax.get_legend()
        if legend is not None and legend.get_visible():
            for text in legend.get_texts():
                if text.get_text():
                    yield "legend entry", text, ax


def cut_texts(fig) -> list[str]:
    """Draw ``fig`` and name every text that crosses its edge, every note in a panel's own coordinates that
    crosses the panel's, and every text set below 8 pt (11 px at 100 dpi)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    edge = fig.bbox
    cut = []
    for kind, text, ax in drawn_texts(fig):
        box = text.get_window_extent(renderer)
        bounds = [edge]
        if kind == "note" and text.get_transform() == ax.transAxes:
            bounds.append(ax.bbox)
        for b in bounds:
            if box.x0 < b.x0 - 0.5 or box.x1 > b.x1 + 0.5 or box.y0 < b.y0 - 0.5 or box.y1 > b.y1 + 0.5:
                cut.append(f"{kind} {text.get_text()!r}: x {box.x0:.0f}–{box.x1:.0f}, y {box.y0:.0f}–{box.y1:.0f} "
                           f"outside {'its panel' if b is not edge else 'the figure'} "
                           f"(x {b.x0:.0f}–{b.x1:.0f}, y {b.y0:.0f}–{b.y1:.0f})")
        if kind in ("title", "note", "legend entry") and text.get_fontsize() < MIN_POINTS - 1e-9:
            cut.append(f"{kind} {text.get_text()!r} at {text.get_fontsize()} pt")
    return cut


def panels_at(name: str, width: int, language: str, **settings) -> Panels:
    layout = fit(width)
    panels = Panels(rw.get_recipe(name), Figure(figsize=layout.figsize, dpi=100), layout=layout, language=language)
    run = rw.train(name, seed=0, **settings)
    panels.show(make_frame(run, Landscape.for_recipe(run.recipe, seed=0), max_points=panels.max_points))
    return panels


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", list(rw.RECIPES))
def test_every_text_fits_at_every_width(name, language):
    cut = {w: panels_at(name, w, language) for w in WIDTHS}
    cut = {w: c for w, p in cut.items() if (c := cut_texts(p.figure))}
    assert not cut, "\n".join(f"{name}, {language}, {w} px: {line}" for w, lines in cut.items() for line in lines)


@pytest.mark.parametrize("width", [240, 277, 420])
def test_long_settings_and_the_divergence_banner_fit_a_narrow_column(width):
    """Adam's settings line and a diverging run's banner, the longest header and note there are."""
    for language in LANGUAGES:
        adam = panels_at("caffe2", width, language, optimizer="adam", lr=0.05, weight_decay=0.01)
        wild = panels_at("caffe2", width, language, optimizer="nesterov", momentum=0.9, lr=3.0)
        assert wild.contour.alarm.get_visible()
        cut = cut_texts(adam.figure) + cut_texts(wild.figure)
        assert not cut, "\n".join(f"{language}, {width} px: {line}" for line in cut)


def test_a_note_too_long_for_its_panel_wraps_and_a_title_shrinks():
    panels = panels_at("caffe2", 277, "en")
    held = panels.contour.held_text
    assert held.get_text() == "B held at 0.5 (least squares);\npath projected"  # on two lines, not cut
    pytorch = panels_at("pytorch", 277, "en")
    title = pytorch.header.title
    assert title.get_text() == "Getting started 1 – Linear regression"  # whole, a little smaller
    assert MIN_POINTS <= title.get_fontsize() < pytorch.layout.title_size[0]
