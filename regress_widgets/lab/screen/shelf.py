"""The panels a Lab has laid out, kept on its one figure: :class:`Shelf`.

Laying out a recipe's panels (axes, ticks, legends, contours) and drawing them the first time is most of a
recipe switch (about 250 ms on these machines; a slider move is 15). The shelf keeps each set of panels it
built, for a recipe at a figure size: switching recipe takes the old set's axes off the figure (without
clearing them) and puts the new set's on, so a switch back costs a frame. :meth:`Shelf.prepare` lays out a
set ahead, and draws it once so that its cached bitmaps are ready, while the class is doing nothing else.
"""

from __future__ import annotations

from matplotlib.figure import Figure

from ...panels import Frame, Panels
from ...panels.style import Layout
from ...recipes.tutorials import Recipe

KEEP = 6
"""Sets of panels kept (the three tutorials at two widths); the one used longest ago goes first."""
KEEP_BYTES = 24 * 2**20
"""... and at most this many bytes of them, counted as the RGBA bitmaps their axes cache (each axes' pixel area × 4;
about 2 MB for a 1280 × 720 set): a Lab fitted to many widths in turn keeps fewer."""


class Shelf:
    """The sets of panels of one figure, by (recipe, layout, figure size and dpi). ``panels`` is the set on it.
    ``language``: of every set's texts (the Lab's)."""

    def __init__(self, figure: Figure, keep: int = KEEP, language: str = "en", keep_bytes: int = KEEP_BYTES):
        self.figure = figure
        self.keep_bytes = keep_bytes
        self.language = language
        self.keep = keep
        self._sets: dict[tuple, tuple[Recipe, Panels, list]] = {}  # key → (recipe, panels, their axes)
        self._on: tuple | None = None
        self._drawn: dict[tuple, object] = {}  # key → what prepare() drew the set for
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
            self._sets[key] = self._sets.pop(key)  # now the one used last
            self._put_on(key)
        self._trim(key)
        return self._sets[key][1]

    def ready(self, recipe: Recipe, layout: Layout | str, drawn) -> bool:
        """The panels of ``recipe`` in ``layout`` are kept, drawn for ``drawn`` (what :meth:`prepare` was told)."""
        return self._drawn.get(self._key(recipe, layout), None) == drawn

    def prepare(self, recipe: Recipe, layout: Layout | str, frame: Frame, drawn=None) -> None:
        """Lay out the panels of ``recipe`` off the figure (or take the kept ones), with ``frame`` drawn on them
        once (their bitmaps cached; ``drawn`` says for what, see :meth:`ready`); then the panels on the
        figure go back on it (the canvas's pixels are the prepared ones until the next draw: whoever shows
        the figure draws it first)."""
        key = self._key(recipe, layout)
        if key == self._on:
            return
        on = self._on
        self._take_off()
        if key in self._sets:
            panels = self._put_on(key)
        else:
            panels = self._build(key, recipe, layout)
        self._drawn[key] = drawn
        panels.show(frame)
        self.figure.canvas.draw()  # alone on the figure: each panel caches its own pixels, nothing else's
        self._take_off()
        if on in self._sets:
            self._put_on(on)
        self._trim(on, key)

    def kept(self, recipe: Recipe, layout: Layout | str) -> tuple[Panels, list] | None:
        """The kept panels of ``recipe`` in ``layout`` and their axes (None: none kept)."""
        entry = self._sets.get(self._key(recipe, layout))
        return None if entry is None else (entry[1], entry[2])

    def adopt(self, recipe: Recipe, layout: Layout | str, panels: Panels, axes: list, drawn=None) -> None:
        """Keep ``panels`` (their ``axes`` off the figure), laid out and drawn elsewhere for ``drawn``: what
        :meth:`prepare` does in one go, lab/ahead.py does in short steps and hands over here."""
        key = self._key(recipe, layout)
        if key == self._on:
            return
        self.built += key not in self._sets
        self._sets[key] = (recipe, panels, list(axes))
        self._drawn[key] = drawn
        self._trim(self._on, key)

    def _put_on(self, key: tuple) -> Panels:
        _, panels, axes = self._sets[key]
        for a in axes:
            self.figure.add_axes(a)
        self._on = key
        return panels

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

    def bytes(self, key: tuple | None = None) -> int:
        """The bytes of the kept sets (or of one), as their axes' cached bitmaps: pixel area × 4."""
        keys = list(self._sets) if key is None else [key]
        return sum(int(a.bbox.width * a.bbox.height) * 4 for k in keys for a in self._sets[k][2])

    def _trim(self, *keep: tuple) -> None:
        """Forget the sets used longest ago, beyond :attr:`keep` sets and :attr:`keep_bytes`; never those in
        ``keep``."""
        total = self.bytes()
        for old in [k for k in self._sets if k not in keep]:
            if len(self._sets) <= self.keep and total <= self.keep_bytes:
                break
            total -= self.bytes(old)
            del self._sets[old]
            self._drawn.pop(old, None)

    def _key(self, recipe: Recipe, layout: Layout | str) -> tuple:
        fig = self.figure
        return (id(recipe), layout if isinstance(layout, str) else repr(layout), fig.dpi,
                tuple(fig.get_size_inches()))
