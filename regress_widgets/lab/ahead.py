"""Lay out the other recipes' panels while the class does nothing: :class:`Ahead`.

A recipe switch to panels the Lab's :class:`~.shelf.Shelf` keeps costs a frame (about 20 ms); to panels it
must lay out, about 250. Once a browser shows the Lab and nothing has changed for :data:`IDLE_FIRST` s, the
Lab lays out the next recipe of its menu (its tutorial's settings, the Lab's seed), then one each time
nothing has changed for :data:`IDLE` s (each takes the kernel about 250 ms).
A Lab without a recipe menu (side by side, an exercise that hides it) and a Lab no browser shows lay out
nothing ahead. A change on the page puts the work off again, so a slider never waits behind it for longer
than one layout.
"""

from __future__ import annotations

from ..panels import make_frame
from ..recipes.tutorials import RECIPES
from .controls.changes import resolve
from .screen.views import running_loop
from .url_state import HIDDEN

IDLE = 2.0
"""Seconds without a change before the next recipe is laid out (the kernel is then busy for about 250 ms: a
slider moved just then waits for it)."""
IDLE_FIRST = 0.3
"""... before the first one, once a page shows the Lab (the class is looking at its first picture)."""


class Ahead:
    """Lays out, one at a time, the panels of the recipes the Lab's menu offers (see the module docstring)."""

    def __init__(self, lab, offered: bool):
        self.lab = lab
        self.offered = offered
        self._timer = None
        self._idle = IDLE_FIRST

    def poke(self) -> None:
        """Something changed: wait :data:`IDLE` s from now."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        loop = running_loop()
        if loop is not None and self._wanted():
            self._timer = loop.call_later(self._idle, self._work)

    def _wanted(self):
        """The next recipe to lay out (None: none, or nobody would switch to it)."""
        lab = self.lab
        menu = lab.controls["recipe"]
        if not (self.offered and lab.view.page_shows and lab.frame is not None) or menu.disabled \
                or HIDDEN in menu._dom_classes:
            return None
        layout = lab.fitted or lab.layout_name
        return next((r for r in RECIPES.values()
                     if r is not lab.state.tutorial and not lab.shelf.ready(r, layout, self._view())), None)

    def _view(self) -> tuple:
        """What a switch shows besides the recipe's own settings: the seed, the real run or not, the zoom."""
        s = self.lab.state
        return s.seed, s.real, s.zoom

    def _work(self) -> None:
        self._timer = None
        recipe = self._wanted()
        if recipe is None:
            return
        lab = self.lab
        new, run_recipe, real = resolve(lab.state, {"recipe": recipe.name}, lab.frame.recipe)
        run, landscape = lab.runner.run(run_recipe, new.get("seed", lab.state.seed), real)
        frame = make_frame(run, landscape, position=run.steps, pair=new.get("pair", lab.state.pair),
                           zoom=lab.state.zoom, max_points=lab.panels.max_points)
        lab.shelf.prepare(recipe, lab.fitted or lab.layout_name, frame, drawn=self._view())
        self._idle = IDLE
        self.poke()
