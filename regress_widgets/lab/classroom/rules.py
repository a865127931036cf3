"""A Lab set up by a teacher: settings fixed, controls hidden, a task above the figure, a prediction to make.

    rw.Lab("pytorch", fixed={"noise": 0.5}, hidden=["gamma", "stepsize"], task="Find the largest lr that converges.",
           predict={"kind": "number", "answer": "first_diverging_lr"})

* ``fixed``: settings (any Lab setting, or ``seed``) the run uses and the student cannot change: their controls
  are shown disabled, with their value and "fixed by the exercise" under the row; ``lab.set`` of another value
  is refused (:class:`~regress_widgets.recipes.InvalidSetting`), nothing is corrected silently. While anything
  is fixed the recipe and the real framework's run (which brings its own data) are fixed too.
* ``hidden``: controls not shown at all (their rows go; the settings keep their values).
* ``task``: the text above the figure.
* ``predict``: a :class:`~.predict.Question` (or its dict): see :mod:`~regress_widgets.lab.classroom.predict`.

:class:`Classroom` holds these rules and the prediction (the one owner of that state); the Lab calls it at a
few points of its controller (``check`` before a change, ``cover`` and ``show`` with each frame).
"""

from __future__ import annotations

import html

import ipywidgets as W

from ...recipes.settings import TABLE
from ...recipes.tutorials import InvalidSetting, Recipe, get_recipe
from ...words import ENGLISH, Words
from ..controls.state import CONTROLLED
from ..url_state import hide_controls
from .class_link import ClassLink
from .predict import LOCKED, Prediction
from .question import Question

FIXABLE = (*CONTROLLED, "seed")
HIDEABLE = (*CONTROLLED, "seed", "standardize", "recipe", "reset", "framework", "play", "step", "pair", "zoom",
            "pin", "clear_pins")
HELD = ("zoom", "pair", "pins", "real")
"""What a pending prediction keeps as it is (each would show the path, or where it goes)."""
NOTE = "<div style='color:#555;padding:0 0 2px'>{}</div>"


def check_fixed(fixed, where: str = "fixed") -> dict:
    """``fixed`` as a dict of valid settings; a wrong name or value is an InvalidSetting naming it."""
    if fixed is None:
        return {}
    if not isinstance(fixed, dict):
        raise InvalidSetting(where, f"a mapping of settings to values ({', '.join(FIXABLE)})", fixed)
    out = {}
    for name, value in fixed.items():
        if name not in FIXABLE:
            raise InvalidSetting(f"{where}.{name}", f"left out: only {', '.join(FIXABLE)} can be fixed", value)
        try:
            out[name] = TABLE[name].check(value)
        except InvalidSetting as err:
            raise InvalidSetting(f"{where}.{name}", err.allowed, value) from None
    return out


def check_hidden(hidden, where: str = "hidden") -> tuple:
    """``hidden`` as a tuple of control names; a wrong one is an InvalidSetting naming it."""
    if hidden is None:
        return ()
    if isinstance(hidden, str) or not hasattr(hidden, "__iter__"):
        raise InvalidSetting(where, "a list of control names", hidden)
    hidden = tuple(hidden)
    for k, name in enumerate(hidden):
        if name not in HIDEABLE:
            raise InvalidSetting(f"{where}[{k}]", f"one of {', '.join(HIDEABLE)}", name)
    return hidden


class Classroom:
    """The teacher's rules for one Lab and the student's prediction (see the module docstring)."""

    def __init__(self, tutorial: Recipe, fixed=None, hidden=None, task: str | None = None, predict=None,
                 w: Words = ENGLISH, class_session=None):
        self.tutorial = tutorial
        self.w = w  # the Lab's language
        self.fixed = check_fixed(fixed)
        self.hidden = check_hidden(hidden)
        if task is not None and not isinstance(task, str):
            raise InvalidSetting("task", "a text", task)
        self.task = task or ""
        self.prediction = None if predict is None else Prediction(Question.of(predict), w)
        self.link = _link(class_session, self.task, w)
        if self.prediction is not None:
            self.prediction.link = self.link
        self.submit = W.Button(description=w("submit my settings"), icon="paper-plane", layout=W.Layout(width="auto"))
        self.submit.add_class("rw-submit")
        self.task_box = W.HTML(_task_html(self.task, w))
        self.task_box.add_class("rw-task")
        self._was: dict | None = None  # the locked controls' own disabled flags, while a prediction is pending

    @property
    def active(self) -> bool:
        return bool(self.fixed or self.hidden or self.task or self.prediction or self.link)

    @property
    def pending(self) -> bool:
        return self.prediction is not None and self.prediction.pending

    @property
    def widgets(self) -> list:
        """What goes above the figure: the task, then the question."""
        out = [self.task_box] if self.task else []
        out += [self.prediction.widget] if self.prediction else []
        return out + ([W.HBox([self.submit, self.link.status], layout=W.Layout(align_items="center"))] if self.link
                      else [])

    def start(self, seed: int, zoom: str, overrides: dict) -> tuple[int, str, dict]:
        """The Lab's first seed, zoom and settings: the fixed values applied (a different value given for a fixed
        setting is refused); a pending prediction starts on the whole basin."""
        for name, value in self.fixed.items():
            given = seed if name == "seed" else overrides.get(name, value)
            if given != value and (name != "seed" or seed != 0):
                raise InvalidSetting(name, f"{value!r}: fixed by the exercise", given)
        settings = {k: v for k, v in self.fixed.items() if k != "seed"}
        return self.fixed.get("seed", seed), "basin" if self.pending else zoom, {**overrides, **settings}

    def attach(self, lab) -> None:
        """Hear clicks on the figure (the Lab's screen, or ipympl's canvas) for a point prediction."""
        if self.prediction is not None:
            self.prediction.attach(lab)
        if self.link is not None:
            self.submit.on_click(lambda _b: self.send_settings(lab))

    def send_settings(self, lab) -> None:
        """Send the settings the student settled on to the class, with the Lab's state."""
        settings = {k: v for k, v in lab.settings.items() if k in CONTROLLED and v is not None}
        self.link.send("settings", settings, lab.state_dict())

    def check(self, values: dict, state) -> None:
        """Refuse what the rules do not allow, before anything changes."""
        for name in values:
            if name in self.fixed and values[name] != self.fixed[name]:
                raise InvalidSetting(name, f"{self.fixed[name]!r}: fixed by the exercise", values[name])
        locked = bool(self.fixed) or self.prediction is not None
        if locked and "recipe" in values and get_recipe(values["recipe"]).name != state.tutorial.name:
            raise InvalidSetting("recipe", f"{state.tutorial.name}: fixed by the exercise", values["recipe"])
        if self.fixed and values.get("real") is True:
            raise InvalidSetting("real", "False: the exercise fixes settings the real run would replace", True)
        if self.pending:
            for name in HELD:
                if name in values:
                    raise InvalidSetting(name, "left as it is until you commit your prediction", values[name])

    def cover(self, lab, frame) -> None:
        """With each frame, before it is drawn: a pending prediction hides the path and what tells it."""
        if self.prediction is not None:
            self.prediction.cover(lab.panels, frame)

    def show(self, lab) -> None:
        """With each frame: the fixed controls disabled with their reason, the hidden ones off the page, and
        while a prediction is pending the readouts hidden and the controls that would show the path disabled."""
        if not self.active:
            return
        c, typed, readouts = lab.controls, lab.typed, lab.readouts
        for name, value in self.fixed.items():
            shown = f"{value:g}" if isinstance(value, float) else str(value)
            for widget in (c[name], typed.get(name)):
                if widget is not None:
                    widget.disabled = True
            c[name].tooltip = self.w("fixed by the exercise at {value}", value=shown)
            note = NOTE.format(self.w("{value}: fixed by the exercise", value=html.escape(shown)))
            readouts.standing[name] = note
            if not readouts.notes[name].value:
                readouts.notes[name].value = note
        if self.fixed or self.prediction is not None:
            c["recipe"].disabled = True
        if self.fixed:
            c["framework"].disabled = True
        shown = [name for name in self.hidden if name not in getattr(lab, "hidden", ())]
        if shown:  # one way of hiding for exercises and links (url_state): the hidden stay hidden
            hide_controls(lab, (*getattr(lab, "hidden", ()), *shown))
        if self.prediction is None:
            return
        pending = self.pending
        for box in (readouts.readout, readouts.lr_info, readouts.step_info, readouts.pins_table,
                    readouts.framework_info):
            box.layout.display = "none" if pending else None
        if pending and self._was is None:
            self._was = {name: c[name].disabled for name in LOCKED}
        if pending:
            for name in LOCKED:
                c[name].disabled = True
        elif self._was is not None:
            for name, disabled in self._was.items():
                c[name].disabled = disabled or (name == "framework" and bool(self.fixed))
            self._was = None


def _link(class_session, task: str, w: Words):
    """The class link of ``class_session``: a ClassLink as given, or one for a session's name (the exercise named by
    its task); None without a class."""
    if class_session is None or isinstance(class_session, ClassLink):
        return class_session
    if not isinstance(class_session, str):
        raise InvalidSetting("class_session", "a class session's name (text)", class_session)
    return ClassLink(class_session, task[:200] or "lab", w=w)


def _task_html(task: str, w: Words = ENGLISH) -> str:
    if not task:
        return ""
    text = "<br>".join(html.escape(line) for line in task.strip().splitlines())
    return (f"<div style='font-size:1.1em;padding:6px 10px;margin:0 0 6px;background:#f3f6fa;"
            f"border-left:4px solid #1f77b4'><b>{w('Task:')}</b> {text}</div>")
