"""The Lab: sliders that drive the engine, and panels that follow — in JupyterLab, or from code.

How a slider value travels:

    widget moved → Lab hears it → validated against the state (``Lab.set``) → a frame computed once
    (the run re-used, re-cut or re-trained, as the change needs) → the state takes the new values
    (one ``hold_trait_notifications`` block; the widgets show them) → panels and readouts draw the frame
    → one draw request

The state (:class:`~.state.LabState`) is the one owner of every setting and view choice; nothing else
keeps a copy. ``lab.run`` is the new run before the assignment to a control returns; only the drawing may
come later (ipympl asks for an image when the browser is ready, the PNG view renders at most every 0.12 s).

    lab = Lab("pytorch")          # display(lab) in a notebook
    lab.controls["lr"].value = 0.05
    lab.run.theta[-1]             # already the new run
    lab.set(lr=0.3, batch_size=1) # several at once, one recompute
"""

from __future__ import annotations

import ipywidgets as W

from ..engine.train import Run
from ..panels import LAYOUTS, Frame, Panels, check_pair, check_zoom, make_frame
from ..panels.fit import DPI as FIT_DPI
from ..panels.fit import fit
from ..panels.frame import Path
from ..panels.style import GHOST_COLORS
from ..recipes.settings import check_seed
from ..recipes.tutorials import Recipe, get_recipe
from ..theory.verdict import full_loss
from ..words import Words, language_or_default
from . import url_state
from .ahead import Ahead
from .classroom.rules import Classroom
from .controls.binding import Binding
from .controls.changes import resolve
from .controls.compute import Runner
from .controls.layout import arrange, make_figure
from .controls.readouts import WARN_COLOR
from .controls.real_run import FREE, RealRun, real_run
from .controls.state import CONTROLLED, MAX_PINS, LabState, Pin
from .controls.widgets import make_widgets, show_steps, show_tutorial
from .screen.pacer import Pacer
from .screen.player import Player, stride
from .screen.shelf import Shelf
from .screen.views import choose_display, make_view, running_loop, with_still
from .share import export, state_io


class Lab(W.VBox):
    """SGD on one tutorial recipe, with sliders. See the module docstring.

    ``recipe``: "caffe2", "mxnet" or "pytorch" (or a Recipe). ``overrides``: slider settings to start
    from (``lr``, ``gamma``, ``stepsize``, ``batch_size``, ``noise``, ``steps``/``epochs``).
    ``display``: "auto" (ipympl in a kernel that has it, else a PNG image; nothing outside a kernel),
    "ipympl", "png" or "none". ``pair``: the two parameters of the contour plane, e.g. (0, 2) for w0–b.
    ``zoom``: "follow" (the path) or "basin".
    ``language``: "en", "zh-Hans" (简体中文) or "zh-Hant" (繁體中文) for every label, tooltip, message and the
    figure's texts (default: ``$REGRESS_WIDGETS_LANGUAGE``, else "en"; :mod:`regress_widgets.words`).
    ``fixed``, ``hidden``, ``task``, ``predict``: a teacher's exercise — settings fixed, controls hidden, the task
    above the figure, a prediction to commit before the run is revealed (:mod:`.classroom`); ``class_session``: the
    class on the hub its answers go to (a session's name, or a :class:`~.classroom.class_link.ClassLink`).

    Attributes: ``state`` (the :class:`~.state.LabState`: every setting and view choice), ``controls`` (dict of
    widgets by name: lr, gamma, stepsize, batch_size, noise, steps, epochs, seed, recipe, reset, play, step,
    pin, clear_pins, pair, zoom, framework), ``frame`` (what the panels show), ``run``, ``landscape``,
    ``recipe`` (the recipe with the current settings), ``status``, ``figure``, ``panels``, ``pins`` (pinned
    runs), ``message`` (the last warning or refusal, "" when none).

    Sharing and slides: ``state_dict()`` (``state`` as a plain JSON-serialisable dict), ``Lab.from_state(d)``,
    ``save_state(path)``, ``Lab.load_state(path)``, ``Lab.from_url()`` (a link's query string, in Voilà),
    ``save("fig.png" | ".svg" | ".pdf")``, ``save_animation("run.gif" | ".mp4")``, and the "export" button.

    ``controls["framework"]`` ("real MXNet 1.9.1 run"): train on the data the real framework drew (its
    shipped recording: examples, batches, θ₀) with the current lr, γ, stepsize, and draw its recorded path
    beside the engine's; ``real`` is then that recording (:class:`~.real_run.RealRun`) and
    ``framework_deviation`` the largest |θ difference| while lr, γ, stepsize are the recording's.
    """

    def __init__(self, recipe: str | Recipe = "caffe2", *, seed: int = 0, display: str = "auto", pair=None,
                 zoom: str = "follow", layout: str = "full", figsize=None, dpi: float | None = None,
                 show_recipe: bool = True, show_seed: bool = True, fixed=None, hidden=None, task=None, predict=None,
                 language: str | None = None, class_session=None, **overrides):
        language = language_or_default(language)
        self.words = Words(language)
        """Every text the Lab shows, in its language: ``lab.words("pin this run")``."""
        tutorial = get_recipe(recipe)
        self.classroom = Classroom(tutorial, fixed, hidden, task, predict, self.words, class_session)
        seed, zoom, overrides = self.classroom.start(check_seed(seed), zoom, overrides)
        start = tutorial.with_settings(**overrides)  # refuse bad arguments before building anything
        if layout not in LAYOUTS:
            raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
        pair = check_pair((0, 1) if pair is None else pair, tutorial.param_names)
        zoom = check_zoom(zoom)
        self.display_mode = choose_display(display)
        self.layout_name = layout
        self.figure, self.fitted = make_figure(self.display_mode, layout, figsize, dpi)  # fitted: follows the page
        self.view = make_view(self.figure, self.display_mode, toolbar=layout == "full")
        self.shelf = Shelf(self.figure, language=language)
        self.ahead = Ahead(self, offered=show_recipe)
        if self.fitted is not None:
            self.view.widget.observe(self._fit, names=["width", "pixel_ratio"])
        self.controls, self.typed, self.readouts = make_widgets(self.words, layout)
        self.state = LabState(tutorial=tutorial, seed=seed, pair=pair, zoom=zoom, language=language,
                              standardize=tutorial.data is not None and tutorial.data.standardize,
                              **{k: v for k, v in start.settings.items() if k in CONTROLLED})
        self.runner = Runner()
        self.frame: Frame | None = None
        self.panels: Panels | None = None
        self._run_key = None
        self._references: dict = {}
        self._readouts_pace = Pacer(self._show_readouts)  # after the picture, on a page (pacer.py)
        self._readouts_next = None  # (frame, real) they will show
        self._readouts_of: Frame | None = None  # the frame the readouts show
        self.binding = Binding(self.controls, self.typed, self.state, self.readouts,
                               lambda values: self._change(values, from_page=True))
        self._listen()
        self.player = Player(self.controls["play"], self._play_frame, at_end=lambda: self.position >= self.run.steps,
                             restart=lambda: self.show_step(0, playing=True), screens=lambda: self.view.screens,
                             w=self.words)
        self._new_tutorial()
        self.state.observe(self.binding.show, names=[n for n in self.state.trait_names() if n != "own"])
        self._change({})
        children, self.more = arrange(self.controls, self.typed, self.view.widget, self.readouts,
                                      compact=layout == "compact", show_recipe=show_recipe, show_seed=show_seed)
        super().__init__(children=[*self.classroom.widgets, *children], layout=W.Layout(width="100%"))
        self._mark(tutorial.name)
        self.classroom.attach(self)

    # ------------------------------------------------------------------ what is on show
    @property
    def run(self) -> Run:
        return self.frame.run

    @property
    def recipe(self) -> Recipe:
        """The recipe with the current settings (on the recording's data while the real run is shown)."""
        return self.frame.recipe

    @property
    def landscape(self):
        return self.frame.landscape

    @property
    def status(self):
        return self.frame.status

    @property
    def seed(self) -> int:
        return self.state.seed

    @property
    def settings(self) -> dict:
        """The current slider settings and seed, as ``Lab(..., **settings)`` or ``train`` accept them."""
        return {**self.recipe.settings, "seed": self.state.seed}

    @property
    def position(self) -> int:
        """The step the panels show the run up to (the Play / scrub position)."""
        return self.frame.position

    @position.setter
    def position(self, step: int) -> None:
        self.show_step(step)

    def show_step(self, step: int, *, playing: bool = False) -> None:
        """Show the run up to ``step`` (clipped to 0 … steps). ``playing``: a frame of an animation (the play
        button, the side-by-side progress): while a browser shows the Lab, its readouts follow a moment later."""
        step = int(min(max(step, 0), self.run.steps))
        if step != self.position:
            self._change({"position": step}, from_page=playing)

    def _play_frame(self) -> bool:
        """The play button's next frame: ⌈steps / 200⌉ steps on (False at the end)."""
        steps = self.run.steps
        if self.position >= steps:
            return False
        self.show_step(self.position + stride(steps), playing=True)
        return True

    @property
    def real(self) -> RealRun | None:
        """The real framework's run on show, or None."""
        return real_run(self.state.tutorial.name) if self.state.real else None

    @property
    def framework_deviation(self) -> float | None:
        """Largest |θ engine − θ real framework| now shown; None when off or the settings differ from its own."""
        real = self.real
        if real is None or not real.same_settings(self.recipe):
            return None
        return real.deviation(self.run.theta)

    @property
    def pins(self) -> list[dict]:
        """The pinned runs: number, colour, settings, seed, final full-data loss and status of each."""
        return [pin.row for pin in self.state.pins]

    @property
    def message(self) -> str:
        return self.readouts.message

    # the readout widgets, by the names pages and tests know them
    lr_info = property(lambda self: self.readouts.lr_info)
    readout = property(lambda self: self.readouts.readout)
    step_info = property(lambda self: self.readouts.step_info)
    pins_table = property(lambda self: self.readouts.pins_table)
    message_box = property(lambda self: self.readouts.message_box)
    framework_info = property(lambda self: self.readouts.framework_info)

    def __repr__(self) -> str:
        values = ", ".join(f"{k}={v!r}" for k, v in self.settings.items())
        return f"{type(self).__name__}({self.state.tutorial.name!r}, {values})"

    def _repr_mimebundle_(self, **kwargs):
        return with_still(super()._repr_mimebundle_(**kwargs), [self.view.png()])

    # ------------------------------------------------------------------ changing it
    def set(self, **values) -> Run:
        """Change settings and view choices at once (one frame); returns the run. Refused values raise
        :class:`~regress_widgets.recipes.InvalidSetting` (or ValueError) and change nothing."""
        self._change(values)
        return self.run

    def reset(self) -> None:
        """Back to the tutorial's values (the seed stays; with the real run shown, its lr, γ and stepsize)."""
        tutorial = self.state.tutorial
        names = FREE if self.state.real else [k for k in CONTROLLED if getattr(tutorial, k) is not None]
        names = [k for k in names if k not in self.classroom.fixed]
        back = {k: getattr(tutorial, k) for k in names}
        if tutorial.data is not None and not self.state.real:
            back["standardize"] = tutorial.data.standardize
        self._change(back)
        self.readouts.say()

    def pin(self) -> str:
        """Keep the current run as a faded ghost path; returns its colour."""
        pins = self.state.pins
        if len(pins) >= MAX_PINS:
            self.readouts.say(self.words("At most {n} pinned runs: clear the pins to pin more.", n=MAX_PINS),
                              color=WARN_COLOR)
            return ""
        run, color = self.run, GHOST_COLORS[len(pins)]
        final = float(full_loss(self.landscape, run.last_theta[None])[0])
        path = Path.of(run.theta, f"pin {len(pins) + 1}", color, self.frame.max_points)
        pin = Pin(path, len(pins) + 1, dict(run.recipe.settings), run.seed, final, self.status.kind,
                  self.state.real, self.state.standardize)
        self._change({"pins": (*pins, pin)})
        return color

    def clear_pins(self) -> None:
        self._change({"pins": ()})

    def stability_map(self, y: str = "batch_size", **kwargs):
        """A stability map of this Lab's recipe and settings, lr against ``y`` (batch_size, momentum, noise or gamma),
        linked to the Lab: its setting starred, a click on a cell sets the sliders there
        (:class:`~regress_widgets.lab.stability_map.StabilityMap`)."""
        from .stability_map import StabilityMap

        return StabilityMap.for_lab(self, y=y, **kwargs)

    # ------------------------------------------------------------------ sharing it, and slides
    state_dict = state_io.state_dict
    save_state = state_io.save_state
    from_state = classmethod(state_io.from_state)
    load_state = classmethod(state_io.load_state)
    from_url = classmethod(url_state.from_url)
    save = export.save
    save_animation = export.animate

    def draw(self) -> None:
        """Draw the figure now (the views normally do this for you)."""
        self.figure.canvas.draw()

    # ------------------------------------------------------------------ the controller
    def _change(self, values: dict, from_page: bool = False) -> None:
        """Validate ``values`` against the state, compute the frame, then store and show both. ``from_page``:
        a control moved in the browser (its readouts may follow the picture by a moment)."""
        self.classroom.check(values, self.state)
        new, recipe, real = resolve(self.state, values, self.frame.recipe if self.frame else None)
        frame, position = self._frame_for(new, recipe, real)
        new["position"] = position
        with self.state.hold_trait_notifications():
            for name, value in new.items():
                setattr(self.state, name, value)
            if "tutorial" not in new:  # the picture leaves first, then the controls show the state
                self._show(frame, real, from_page)
        if "tutorial" in new:  # a new recipe: its controls and panels first
            self._new_tutorial()
            self._show(frame, real, from_page)

    def _frame_for(self, new: dict, recipe: Recipe, real: RealRun | None) -> tuple[Frame, int]:
        """The frame of the new state: the engine runs only when the recipe, seed or data changed."""
        s, old = self.state, self.frame
        seed = new.get("seed", s.seed)
        key = (recipe, seed, real is not None)
        if old is None or key != self._run_key:
            run, landscape = self.runner.run(recipe, seed, real)
        else:
            run, landscape = old.run, old.landscape
        if "position" in new:
            position = new["position"]
        elif old is None or run is not old.run:
            at_end = old is None or s.position >= old.run.steps
            position = run.steps if at_end else min(s.position, run.steps)
        else:
            position = s.position
        view = dict(position=position, pair=new.get("pair", s.pair), zoom=new.get("zoom", s.zoom),
                    reference=self._reference(real, recipe),
                    pins=tuple(p.path for p in new.get("pins", s.pins)))
        if old is not None and run is old.run and landscape is old.landscape:
            frame = old.moved(**view)
        else:
            frame = make_frame(run, landscape, **view)
        self._run_key = key
        return frame, position

    def _reference(self, real: RealRun | None, recipe: Recipe) -> Path | None:
        """The real framework's recorded path, labelled for ``recipe`` (made once per label)."""
        if real is None:
            return None
        w = self.panels.layout.w  # the figure's language (English where no font draws Chinese)
        label = real.label(recipe, compact=self.layout_name == "compact", w=w)
        key = (real.recording.meta.get("framework"), label)
        if key not in self._references:
            self._references[key] = Path.of(real.recording.theta, label)
        return self._references[key]

    def _show(self, frame: Frame, real: RealRun | None, from_page: bool = False) -> None:
        """Draw the frame on the panels and send the picture; then the readouts: at once, or for a change made
        on the page a moment later, paced (:class:`~.pacer.Pacer`)."""
        self.frame = frame
        self.panels.show(frame)
        self.classroom.cover(self, frame)  # a pending prediction hides the path
        self.view.refresh()
        self._readouts_next = (frame, real)
        self.ahead.poke()
        loop = running_loop() if from_page and self.view.page_shows else None
        if loop is None:
            self._readouts_pace.now()
        else:
            self._readouts_pace.soon(loop)

    def _show_readouts(self) -> None:
        frame, real = self._readouts_next
        old, self._readouts_of = self._readouts_of, frame
        show_steps(self.controls, frame.run.steps, frame.position)
        self.readouts.show(frame)
        self.classroom.show(self)
        if old is not None and frame.run is old.run and frame.pins == old.pins:
            return  # the step shown or the view changed: the pins and the real run's gap did not
        self.readouts.show_pins([pin.row for pin in self.state.pins])
        self.readouts.show_real("" if real is None else real.readout(frame.recipe, frame.run.theta, self.words))

    def _new_tutorial(self) -> None:
        """A new recipe: the controls show the state's values in the recipe's ranges; a fresh set of panels."""
        tutorial = self.state.tutorial
        show_tutorial(self.controls, self.typed, self.binding, self.state, self.words)
        self.frame = None
        self.panels = self.shelf.use(tutorial, self.fitted or self.layout_name)
        if hasattr(self, "_dom_classes"):
            self._mark(tutorial.name)

    def _fit(self, _change=None) -> None:
        """The page gave the figure a new width (or the screen a new pixel ratio): lay the panels out for it."""
        screen = self.view.widget
        self.ahead.poke()  # a page shows the Lab: it may lay out the other recipes once it is idle
        if screen.width <= 0:
            return
        fitted = fit(screen.width)
        dpi = FIT_DPI * max(1.0, min(screen.pixel_ratio, 3.0))  # a HiDPI screen gets its sharper picture
        if fitted == self.fitted and dpi == self.figure.dpi:
            return
        self.fitted = fitted
        self.figure.set_dpi(dpi)
        self.figure.set_size_inches(fitted.figsize, forward=False)
        self.panels = self.shelf.use(self.state.tutorial, fitted)
        frame, self.frame = self.frame, None
        self._show(frame, self.real)

    # ------------------------------------------------------------------ widgets ⇄ state
    def _listen(self) -> None:
        self.binding.listen()
        c = self.controls
        c["reset"].on_click(lambda _b: self.reset())
        c["pin"].on_click(lambda _b: self.pin())
        c["clear_pins"].on_click(lambda _b: self.clear_pins())
        c["export"].on_click(lambda _b: export.button(self))

    def _mark(self, name: str) -> None:
        """The CSS class ``rw-lab-<recipe>`` on the Lab (for pages and tests to find it)."""
        for old in [k for k in self._dom_classes if k.startswith("rw-lab-")]:
            self.remove_class(old)
        self.add_class(f"rw-lab-{name}")

