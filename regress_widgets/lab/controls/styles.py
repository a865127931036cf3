"""The style widgets a Lab's controls share: :class:`Styles`.

In ipywidgets every HTML, slider, box and button has a style, and every style is a widget of its own: a model the
kernel opens, the page builds and, behind a hub, the student's server relays. A Lab made a style for each of its
controls (67 of its 238 widgets). Its controls of a kind look alike, so they share one. Nothing changes a shared
style after it is made (a Lab's label width is chosen before its controls are built), so sharing one changes
nothing on the page.
"""

from __future__ import annotations

import ipywidgets as W

LABEL_WIDTH = {"full": "92px", "compact": "56px"}
"""Every setting's label, one width a Lab (the tracks line up); a side-by-side column is narrow."""


class Styles:
    """One style widget per kind of widget and look, made when first asked: ``styles(W.IntSlider,
    description_width="92px")`` is the same SliderStyle for every slider (of any class) that asks so. ``layout``:
    the Lab's ("full" or "compact"), which sets its settings' label width (:meth:`label_of`)."""

    def __init__(self, layout: str = "full"):
        self.label = LABEL_WIDTH[layout]
        self._made: dict = {}

    def __call__(self, widget: type[W.DOMWidget], **look) -> W.Widget:
        kind = widget.class_traits()["style"].klass  # the style class ipywidgets gives that widget
        key = (kind, tuple(sorted(look.items())))
        if key not in self._made:
            self._made[key] = kind(**look)
        return self._made[key]

    @property
    def html(self) -> W.Widget:
        """The style of every HTML line."""
        return self(W.HTML)

    def label_of(self, widget: type[W.DOMWidget]) -> W.Widget:
        """The style of a setting's control of class ``widget``: the Lab's label width."""
        return self(widget, description_width=self.label)
