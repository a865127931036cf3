"""Lay out the other recipes' panels while the class does nothing: :class:`Ahead`.

A recipe switch to panels the Lab's :class:`~.shelf.Shelf` keeps costs a frame (about 20 ms); to panels it
must lay out, about 250. Once a browser shows the Lab and nothing has changed for :data:`IDLE_FIRST` s, the
Lab lays out the next recipe of its menu (its tutorial's settings, the Lab's seed), then one each time
nothing has changed for :data:`IDLE` s. A Lab without a recipe menu (side by side, an exercise that hides it)
and a Lab no browser shows lay out nothing ahead.

Laying out a recipe is cut into short steps (the run, the frame, each panel made, each panel's ticks laid out,
each panel drawn: 1–15 ms each on these machines; a panel's first layout, up to 130), each a callback of its own
on the kernel's event loop, :data:`STEP_GAP` s apart: a message from the page that arrives during a step is
handled as soon as that step ends, before the next one starts. A change then abandons the work (it starts again
once the class is idle), so a slider never waits for more than one step. The panels are built and drawn off the
figure (:meth:`~...panels.Panels.in_steps`, :func:`~...panels.figure.draw_off_figure`): between two steps the
figure shows what it showed. A set whose drawing was cut short is exact all the same: each panel's cached pixels
are taken again wherever what lies under them changed (:mod:`~...panels.cached_axes`).
"""

from __future__ import annotations

from ..panels import Panels, make_frame
from ..panels.figure import draw_off_figure
from ..recipes.tutorials import RECIPES
from .controls.changes import resolve
from .screen.views import running_loop
from .url_state import HIDDEN

IDLE = 2.0
"""Seconds without a change before the next recipe is laid out."""
IDLE_FIRST = 0.3
"""... before the first one, once a page shows the Lab (the class is looking at its first picture)."""
STEP_GAP = 0.005
"""Seconds between two steps of a layout: the event loop hears the page in between."""


class Ahead:
    """Lays out, one at a time and in steps, the panels of the recipes the Lab's menu offers (see the module
    docstring). ``steps`` counts the steps taken (tests)."""

    def __init__(self, lab, offered: bool):
        self.lab = lab
        self.offered = offered
        self._timer = None
        self._job = None  # the steps of the layout under way (a generator), None between layouts
        self._idle = IDLE_FIRST
        self.steps = 0

    def poke(self) -> None:
        """Something changed: drop the layout under way (its frame may be out of date) and wait :data:`IDLE` s
        from now."""
        self._job = None
        self._schedule(self._idle)

    def _schedule(self, delay: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        loop = running_loop()
        if loop is not None and self._wanted():
            self._timer = loop.call_later(delay, self._step)

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

    def _step(self) -> None:
        """One step of the layout under way (a new one started when there is none); then the next, soon."""
        self._timer = None
        if self._job is None:
            recipe = self._wanted()
            if recipe is None:
                return
            self._job = self._layout(recipe)
        try:
            next(self._job)
        except StopIteration:
            self._job = None
            self._idle = IDLE
            self._schedule(IDLE)  # the next recipe, once the class has been idle again
            return
        finally:
            self.steps += 1
        loop = running_loop()
        if loop is not None:
            self._timer = loop.call_later(STEP_GAP, self._step)

    def _layout(self, recipe):
        """The steps of laying out ``recipe``: its run and frame, then its panels, made (when not kept) and drawn
        off the figure; handed to the shelf at the end."""
        lab = self.lab
        drawn, layout = self._view(), lab.fitted or lab.layout_name
        new, run_recipe, real = resolve(lab.state, {"recipe": recipe.name}, lab.frame.recipe)
        run, landscape = lab.runner.run(run_recipe, new.get("seed", lab.state.seed), real)
        yield
        frame = make_frame(run, landscape, position=run.steps, pair=new.get("pair", lab.state.pair),
                           zoom=lab.state.zoom, max_points=lab.panels.max_points)
        kept = lab.shelf.kept(recipe, layout)
        if kept is None:
            yield
            panels = yield from Panels.in_steps(recipe, lab.figure, layout=layout, language=lab.shelf.language)
            kept = panels, panels.own_axes
        yield
        panels, axes = kept
        panels.show(frame)
        yield from draw_off_figure(lab.figure, axes)
        lab.shelf.adopt(recipe, layout, panels, axes, drawn=drawn)
