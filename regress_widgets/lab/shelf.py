"""The panels a Lab has laid out, kept on its one figure: :class:`Shelf`.

Laying out a recipe's panels (axes, ticks, legends, contours) and drawing them the first time is most of a
recipe switch (about 250 ms on these machines; a slider move is 15). The shelf keeps each set of panels it
built, for a recipe at a figure size: switching recipe takes the old set's axes off the figure (without
clearing them) and puts the new set's on, so a switch back costs a frame. :meth:`Shelf.prepare` lays out a
set ahead, and draws it once so that its cached bitmaps are ready, while the class is doing nothing else.
"""

from __future__ import annotations

from matplotlib.figure import Figure

from ..panels import Frame, Panels
from ..panels.style import Layout
from ..recipes import Recipe

KEEP = 4
"""Sets of panels kept (the three tutorials and your own data); the one used longest ago goes first."""


class Shelf:
    """The sets of panels of one figure, by (recipe, layout, figure size and dpi). ``panels`` is the set on it.
    ``language``: of every set's texts (the Lab's)."""

    def __init__(self, figure: Figure, keep: int = KEEP, language: str = "en"):
        self.figure = figure
        self.language = language
        self.keep = keep
        self._sets: dict[tuple, tuple[Recipe, Panels, list]] = {}  # key → (recipe, panels, their axes)
        self._on: tuple | None = None
        self.built = 0
        """Sets laid out since the start (a switch to a kept set lays out none)."""

    @property
    def panels(self) -> Panels | None:
        return self._sets[self._on][1] if self._on in self._sets else None

    def has(self, recipe: Recipe, layout: Layout | str) -> bool:
        return self._key(recipe, layout) in self._sets

    def use(self, recipe: Recipe, layout: Layout | str) -> Panels:
        """Put the panels of ``recipe`` in ``layout`` on the figure (laid out now if not kept) and return them."""
        key = self._key(recipe, layout)
        if key == self._on and key in self._sets:
            return self._sets[key][1]
        self._take_off()
        if key not in self._sets:
            self._build(key, recipe, layout)
        else:
            _, panels, axes = self._sets.pop(key)
            for a in axes:
                self.figure.add_axes(a)
            self._sets[key] = (recipe, panels, axes)  # now the one used last
        self._on = key
        self._trim(key)
        return self._sets[key][1]

    def prepare(self, recipe: Recipe, layout: Layout | str, frame: Frame) -> None:
        """Lay out the panels of ``recipe`` off the figure, with ``frame`` drawn on them once (their bitmaps
        cached); then the panels on the figure go back on it (the canvas's pixels are the prepared ones until
        the next draw: whoever shows the figure draws it first)."""
        key = self._key(recipe, layout)
        if key in self._sets:
            return
        on = self._on
        self._take_off()
        panels = self._build(key, recipe, layout)
        panels.show(frame)
        self.figure.canvas.draw()  # alone on the figure: each panel caches its own pixels, nothing else's
        self._take_off()
        if on in self._sets:
            _, _, axes = self._sets[on]
            for a in axes:
                self.figure.add_axes(a)
            self._on = on
        self._trim(on, key)

    def _take_off(self) -> None:
        if self._on in self._sets:
            for a in self._sets[self._on][2]:
                self.figure.delaxes(a)
        self._on = None

    def _build(self, key: tuple, recipe: Recipe, layout: Layout | str) -> Panels:
        before = set(self.figure.axes)
        panels = Panels(recipe, self.figure, layout=layout, language=self.language)
        self._sets[key] = (recipe, panels, [a for a in self.figure.axes if a not in before])
        self._on = key
        self.built += 1
        return panels

    def _trim(self, *keep: tuple) -> None:
        """Forget the sets used longest ago, beyond :attr:`keep`; never those in ``keep``."""
        for old in [k for k in self._sets if k not in keep][:max(0, len(self._sets) - self.keep)]:
            del self._sets[old]

    def _key(self, recipe: Recipe, layout: Layout | str) -> tuple:
        fig = self.figure
        return (id(recipe), layout if isinstance(layout, str) else repr(layout), fig.dpi,
                tuple(fig.get_size_inches()))
