"""The teacher's screen of a class session: :class:`ClassBoard` shows what the class predicted, live.

    board = rw.ClassBoard("week3")     # in a notebook on the class's hub, or served with Voilà on a projector

It asks the class service once a second (in a worker thread; a slider elsewhere never waits) and redraws only when
an answer arrived, a student changed theirs, or the teacher revealed or reset. For each exercise and kind of answer:
every guess over the contours, the outcomes as bars, the numbers as a histogram, or the students' settings on the
stability map; after the reveal, what the engine says the answer was (for each student's own settings and seed).
Names are hidden unless "show names" is on (a projector shows the class, not who answered what). "reveal" lets
every held exercise of the session reveal its run; "reset" ends the answers (kept as history) and hides again;
"export CSV" offers the session's answers, one row per answer, as a download.
"""

from __future__ import annotations

import base64
import html

import ipywidgets as W
from matplotlib.figure import Figure

from ..engine.stability_map import stability_map
from ..engine.train import train
from ..hub.client import ClassClient, ClassServiceError
from ..panels.class_board import draw_choices, draw_numbers, draw_points, draw_settings
from ..recipes.tutorials import InvalidSetting
from ..theory.landscape import Landscape
from ..theory.verdict import OUTCOMES
from ..words import Words, language_or_default
from .classroom.answers import number_answer, outcome
from .classroom.class_link import POLL, in_background
from .controls.state import CONTROLLED
from .screen.views import choose_display, make_view, running_loop
from .share.state_io import tutorial_of

VIEWS = ("point", "choice", "number", "settings")


class ClassBoard(W.VBox):
    """The answers of the class session ``session`` (see the module docstring). ``client``: the class service
    (default: the one this kernel's hub runs). ``display``, ``figsize``, ``language``: as a Lab takes them."""

    def __init__(self, session: str, *, client: ClassClient | None = None, display: str = "auto",
                 figsize=(9.6, 4.8), language: str | None = None):
        self.w = Words(language_or_default(language))
        self.client = client if client is not None else ClassClient.from_environment(session)
        self.session = session if self.client is None else self.client.session
        self.figure = Figure(figsize=figsize, dpi=100)
        self.view = make_view(self.figure, choose_display(display), toolbar=False)
        self.answers: list[dict] = []
        self.revealed = False
        self._drawn = None  # what the figure shows: (view, answers, revealed, names)
        self._truths: dict = {}
        self._timer = None
        w = self.w
        self.heading = W.HTML()
        self.heading.add_class("rw-board-heading")
        self.exercise = W.Dropdown(description=w("exercise"), options=[], layout=W.Layout(width="420px"))
        self.names = W.ToggleButton(description=w("show names"), icon="user", value=False)
        self.reveal_button = W.Button(description=w("reveal"), icon="eye", button_style="primary")
        self.reset_button = W.Button(description=w("reset"), icon="undo")
        self.export_button = W.Button(description=w("export CSV"), icon="download")
        self.download = W.HTML()
        self.message = W.HTML()
        self.message.add_class("rw-board-message")
        self._choosing = False
        self.exercise.observe(lambda _c: None if self._choosing else self.draw(), names="value")
        self.names.observe(lambda _c: self.draw(), names="value")
        self.reveal_button.on_click(lambda _b: self._act(self.client.reveal))
        self.reset_button.on_click(lambda _b: self._act(self.client.reset))
        self.export_button.on_click(lambda _b: self.export())
        bar = W.HBox([self.exercise, self.names, self.reveal_button, self.reset_button, self.export_button,
                      self.download], layout=W.Layout(flex_flow="row wrap", align_items="center", grid_gap="8px"))
        shown = [self.heading, bar, self.message] + ([self.view.widget] if self.view.widget is not None else [])
        super().__init__(shown, layout=W.Layout(width="100%"))
        self.add_class("rw-class-board")
        if self.client is None:
            self._say(w("No class service here: a board shows a class on its hub, where the hub's config turns the "
                        "class service on (see {doc}).", doc="docs/classroom-hub.md"))
            self._show_heading()
            return
        self.refresh()
        self._schedule()

    # ------------------------------------------------------------------ the class, from the service
    def refresh(self) -> None:
        """Ask the service now and draw what changed (the board does it by itself once a second)."""
        self._heard(self._fetch())

    def _fetch(self):
        try:
            return self.client.answers(), self.client.status()["revealed"]
        except ClassServiceError as err:
            return err

    def _heard(self, got) -> None:
        if isinstance(got, ClassServiceError):
            self._say(str(got))
            return
        self._say("")
        self.answers, self.revealed = got
        keys = sorted({(a["exercise"], a["kind"]) for a in self.answers}, key=lambda k: (k[0], VIEWS.index(k[1])))
        w = self.w
        kinds = {"point": w("point"), "choice": w("choice"), "number": w("number"), "settings": w("settings")}
        options = [(f"{e} · {kinds[k]}", (e, k)) for e, k in keys]
        values = [o[1] for o in options]
        if values != [o[1] for o in self.exercise.options]:
            current = self.exercise.value
            self._choosing = True  # one picture, drawn below, for the new menu
            try:
                self.exercise.options = options
                if values:  # the exercise on show stays; else the newest answer's
                    newest = max(self.answers, key=lambda a: a["at"])
                    self.exercise.value = current if current in values else (newest["exercise"], newest["kind"])
            finally:
                self._choosing = False
        self._show_heading()
        self.draw()

    def _schedule(self) -> None:
        loop = running_loop()
        if loop is not None and self.client is not None:
            self._timer = loop.call_later(POLL, self._tick)

    def _tick(self) -> None:
        in_background(self._fetch, self._ticked)

    def _ticked(self, future) -> None:
        try:
            self._heard(future.result())
        except Exception as err:  # noqa: BLE001 - said on the board, which keeps listening
            self._say(self.w("Could not show the class's answers: {why}", why=f"{type(err).__name__}: {err}"))
        finally:
            self._schedule()

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.view.close()
        super().close()

    # ------------------------------------------------------------------ what the teacher does
    def _act(self, action) -> None:
        try:
            action()
        except ClassServiceError as err:
            self._say(str(err))
            return
        self.refresh()

    def reveal(self) -> None:
        self._act(self.client.reveal)

    def reset(self) -> None:
        self._act(self.client.reset)

    def export(self) -> str:
        """The session's answers as CSV (one row per answer); the board offers it as a download too."""
        try:
            text = self.client.export_csv()
        except ClassServiceError as err:
            self._say(str(err))
            return ""
        data = base64.b64encode(text.encode()).decode()
        name = html.escape(f"{self.session}.csv")
        self.download.value = (f"<a download='{name}' href='data:text/csv;base64,{data}'>"
                               f"{html.escape(self.w('download {name}', name=name))}</a>")
        return text

    # ------------------------------------------------------------------ the picture
    def draw(self) -> None:
        """Draw the chosen exercise's answers (nothing is drawn twice)."""
        chosen = self.exercise.value
        key = (chosen, tuple(sorted(str(a) for a in self.answers)), self.revealed, self.names.value)
        if chosen is None or key == self._drawn:
            return
        self._drawn = key
        exercise, kind = chosen
        rows = [a for a in self.answers if a["exercise"] == exercise and a["kind"] == kind]
        labels = [a["user"] for a in rows] if self.names.value else None
        title = exercise if len(exercise) <= 60 else exercise[:59] + "…"
        w, first = self.w, rows[0]["state"]
        if kind == "point":
            truths = [self._truth(a["state"]) for a in rows] if self.revealed else None
            pair = tuple(first.get("pair", (0, 1)))
            landscape, names = self._truth(first)["landscape"], self._truth(first)["names"]
            draw_points(self.figure, landscape, pair, names, [a["value"] for a in rows],
                        None if truths is None else [t["theta"][list(pair)] for t in truths], labels, title, w)
        elif kind == "choice":
            counts = {c: sum(a["value"] == c for a in rows) for c in OUTCOMES}
            choices = [c for c in OUTCOMES if counts[c] or c != "still moving"]
            draw_choices(self.figure, counts, choices, self._truth(first)["outcome"] if self.revealed else None,
                         title, w)
        elif kind == "number":
            draw_numbers(self.figure, [a["value"] for a in rows],
                         self._truth(first)["number"] if self.revealed else None, labels, title, w)
        else:
            recipe, seed = self._recipe(first)
            grid = stability_map(recipe, x="lr", y="batch_size", n=24, seeds=2, seed=seed)
            draw_settings(self.figure, grid, [(a["value"].get("lr", recipe.lr),
                                               a["value"].get("batch_size", recipe.batch_size)) for a in rows],
                          labels, language=w.language)
        self.view.refresh()

    def _recipe(self, state: dict):
        try:
            tutorial = tutorial_of(state)
            settings = {k: state[k] for k in CONTROLLED if state.get(k) is not None}
            return tutorial.with_settings(**settings), int(state.get("seed", 0))
        except (InvalidSetting, KeyError, TypeError, ValueError):
            return tutorial_of({"recipe": "pytorch"}), 0  # a state the board cannot read: the tutorial's run

    def _truth(self, state: dict) -> dict:
        """What the engine says for a student's state: θ after the question's step, the outcome, the number."""
        recipe, seed = self._recipe(state)
        question = state.get("prediction", {}) if isinstance(state.get("prediction"), dict) else {}
        key = (recipe, seed, question.get("step"), question.get("answer"))
        if key not in self._truths:
            run = train(recipe, seed=seed)
            landscape = Landscape.for_recipe(recipe, seed)
            step = question.get("step")
            step = run.steps if not isinstance(step, int) else min(max(step, 0), run.steps)
            answer = question.get("answer", "first_diverging_lr")
            self._truths[key] = {"theta": run.theta[step], "landscape": landscape, "names": recipe.param_names,
                                 "outcome": outcome(run, landscape), "number": number_answer(
                                     answer if answer in ("first_diverging_lr", "stability_limit")
                                     else "first_diverging_lr", recipe, seed, landscape)}
        return self._truths[key]

    def _show_heading(self) -> None:
        w = self.w
        students = len({a["user"] for a in self.answers})
        state = w("revealed") if self.revealed else w("hidden until you reveal")
        self.heading.value = (f"<h3 style='margin:4px 0'>{html.escape(self.session)}: "
                              f"{html.escape(w('{n} students answered', n=students))} · {html.escape(state)}</h3>")

    def _say(self, text: str) -> None:
        self.message.value = "" if not text else f"<div style='color:#b42318'>{html.escape(text)}</div>"
