"""Exercises a teacher writes in a small file: :class:`Exercise`, :func:`load_exercises`, and :class:`Exercises`, the
widget that shows them one after the other ("back" and "next").

    ex = rw.Exercises("largest_lr")            # a shipped example, or the path of your own file
    ex = rw.Exercises("my_class.json")         # display(ex) in a notebook or a Voilà page
    ex.lab                                     # the Lab of the exercise on show
    rw.Exercise(recipe="pytorch", task="…", fixed={"noise": 0.5}, hidden=["gamma", "stepsize"]).lab()

The file (JSON; YAML too where PyYAML is installed — ``.yaml``/``.yml``, PyYAML is not a dependency):

    {
      "title": "Learning rates",                      optional
      "exercises": [                                  the exercises in order (or the file is one exercise)
        {
          "title": "The largest learning rate",       optional: shown above the Lab
          "recipe": "pytorch",                        required: caffe2, mxnet or pytorch
          "task": "Find the largest learning rate that still converges.",   required: shown above the figure
          "seed": 0,                                  optional (default 0)
          "settings": {"lr": 0.05},                   optional: where the student starts (they may move them)
          "fixed": {"noise": 0.5},                    optional: shown disabled; the student cannot change them
          "hidden": ["gamma", "stepsize"],            optional: controls not shown
          "predict": {"kind": "number", "answer": "first_diverging_lr", "tolerance": 0.1,
                      "question": "What is the first lr that diverges?"}   optional: predict, then reveal
        }
      ]
    }

``settings`` and ``fixed`` take the Lab's settings (lr, gamma, stepsize, batch_size, noise, steps or epochs — the
one the recipe counts in —, optimizer, momentum, beta1, beta2, eps, weight_decay; ``fixed`` also seed), each in
its range. ``hidden`` takes control names (those settings, seed, standardize, recipe, reset, framework, play, step,
pair, zoom, pin, clear_pins). ``predict`` (:mod:`~regress_widgets.lab.classroom.predict`):
``{"kind": "point", "step": 50}`` (where θ is after that step; default the last), ``{"kind": "choice",
"choices": ["converges", "oscillates", "diverges"]}`` (two or more of those and "still moving") or
``{"kind": "number", "answer": "first_diverging_lr" | "stability_limit", "tolerance": 0.1}``; each may have a
``question`` text. A wrong key or value is an :class:`~regress_widgets.recipes.InvalidSetting` naming where it
is, e.g. ``largest_lr.json: exercises[0].fixed.noise must be a number in [0, 100], got 'a lot'``.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import ipywidgets as W

from ..hub.schema import check_name
from ..recipes.settings import check_seed
from ..recipes.tutorials import RECIPES, InvalidSetting, Recipe, get_recipe
from ..words import Words, language_or_default
from .classroom.class_link import ClassLink
from .classroom.question import Question
from .classroom.rules import check_fixed, check_hidden
from .controls.state import CONTROLLED

EXAMPLES = Path(__file__).resolve().parent / "classroom" / "examples"
"""The example exercise files shipped with the package."""
KEYS = ("title", "recipe", "task", "seed", "settings", "fixed", "hidden", "predict")
FILE_KEYS = ("title", "exercises", "class", "hold_reveal")
"""A file's keys: ``class`` names the class session on the hub its answers go to; ``hold_reveal``: each run is
revealed when the teacher reveals it."""
SUFFIXES = (".json", ".yaml", ".yml")


@dataclass(frozen=True)
class Exercise:
    """One exercise: a recipe, a task, where the student starts, what is fixed or hidden, and what to predict.
    Checked when made: a wrong value is an InvalidSetting naming its field."""

    recipe: str | Recipe
    task: str
    title: str = ""
    seed: int = 0
    settings: dict = field(default_factory=dict)
    fixed: dict = field(default_factory=dict)
    hidden: tuple = ()
    predict: Question | dict | None = None
    class_session: str | None = None
    """The class session on the hub the answers go to (a file's ``class``), or None."""
    hold_reveal: bool = False
    """In a class session: the run is revealed when the teacher reveals it."""

    def __post_init__(self):
        _check(self, "Exercise")

    @classmethod
    def from_dict(cls, data, where: str = "exercise") -> Exercise:
        """An Exercise from one entry of an exercise file (``where`` names it in errors)."""
        if not isinstance(data, dict):
            raise InvalidSetting(where, "an object with recipe and task", data)
        unknown = [k for k in data if k not in KEYS]
        if unknown:
            raise InvalidSetting(f"{where}.{unknown[0]}", f"left out: an exercise takes only {', '.join(KEYS)}",
                                 data[unknown[0]])
        for key in ("recipe", "task"):
            if key not in data:
                raise InvalidSetting(f"{where}.{key}", "given: every exercise has a recipe and a task", None)
        exercise = cls.__new__(cls)
        for name, spec in cls.__dataclass_fields__.items():
            default = spec.default_factory() if callable(spec.default_factory) else spec.default
            object.__setattr__(exercise, name, data.get(name, default) if name in KEYS else default)
        _check(exercise, where)
        return exercise

    def lab(self, **view):
        """A Lab set up for this exercise (a fresh one each call). ``view``: Lab's display, layout, figsize …"""
        from .lab import Lab

        if self.class_session is not None and "class_session" not in view:
            view["class_session"] = ClassLink(self.class_session, self.title or self.task[:200],
                                              hold=self.hold_reveal, w=Words(language_or_default(view.get("language"))))
        return Lab(self.recipe, seed=self.seed, fixed=self.fixed, hidden=self.hidden, task=self.task,
                   predict=self.predict, **self.settings, **view)


def _check(ex: Exercise, where: str) -> None:
    """Check every field of ``ex`` (normalising lists to tuples); errors name ``where``.field."""
    def put(name, value):
        object.__setattr__(ex, name, value)

    try:
        tutorial = get_recipe(ex.recipe)
    except (InvalidSetting, ValueError, KeyError, TypeError):
        raise InvalidSetting(f"{where}.recipe", f"one of {', '.join(RECIPES)}", ex.recipe) from None
    for name in ("task", "title"):
        if not isinstance(getattr(ex, name), str):
            raise InvalidSetting(f"{where}.{name}", "a text", getattr(ex, name))
    try:
        put("seed", check_seed(ex.seed))
    except InvalidSetting as err:
        raise InvalidSetting(f"{where}.seed", err.allowed, ex.seed) from None
    put("fixed", check_fixed(ex.fixed, f"{where}.fixed"))
    if ex.class_session is not None:
        try:
            check_name(ex.class_session, "class")
        except ValueError:
            raise InvalidSetting(f"{where}.class", "a class session's name of 1 to 200 characters",
                                 ex.class_session) from None
    if not isinstance(ex.hold_reveal, bool):
        raise InvalidSetting(f"{where}.hold_reveal", "true or false", ex.hold_reveal)
    put("hidden", check_hidden(ex.hidden, f"{where}.hidden"))
    if not isinstance(ex.settings, dict):
        raise InvalidSetting(f"{where}.settings", "a mapping of settings to values", ex.settings)
    for name, value in ex.settings.items():
        if name not in CONTROLLED:
            raise InvalidSetting(f"{where}.settings.{name}", f"left out: a setting is one of {', '.join(CONTROLLED)}",
                                 value)
        if name in ex.fixed:
            raise InvalidSetting(f"{where}.settings.{name}", "left out: it is fixed (in fixed)", value)
    put("settings", dict(ex.settings))
    together = {**ex.settings, **{k: v for k, v in ex.fixed.items() if k != "seed"}}
    try:
        recipe = tutorial.with_settings(**together)
    except InvalidSetting as err:
        part = "fixed" if err.field in ex.fixed else "settings"
        raise InvalidSetting(f"{where}.{part}.{err.field}", err.allowed, err.value) from None
    if ex.predict is not None:
        question = Question.of(ex.predict, f"{where}.predict")
        if question.kind == "point" and question.step is not None and question.step > recipe.total_steps:
            raise InvalidSetting(f"{where}.predict.step", f"an integer in [0, {recipe.total_steps}] (the run's "
                                 "length)", question.step)
        put("predict", question)


def exercises_from(data, where: str = "") -> list[Exercise]:
    """The exercises of a file's content: ``{"title", "exercises": [...]}``, or one exercise."""
    prefix = f"{where}: " if where else ""
    if isinstance(data, dict) and "exercises" in data:
        unknown = [k for k in data if k not in FILE_KEYS]
        if unknown:
            raise InvalidSetting(f"{prefix}{unknown[0]}", f"left out: a file of exercises takes only "
                                 f"{', '.join(FILE_KEYS)}", data[unknown[0]])
        items = data["exercises"]
        if not isinstance(items, list) or not items:
            raise InvalidSetting(f"{prefix}exercises", "a list of one or more exercises", items)
        if not isinstance(data.get("title", ""), str):
            raise InvalidSetting(f"{prefix}title", "a text", data["title"])
        found = [Exercise.from_dict(item, f"{prefix}exercises[{k}]") for k, item in enumerate(items)]
        if "class" in data or "hold_reveal" in data:
            found = [in_class(e, data.get("class"), data.get("hold_reveal", False), f"{prefix}") for e in found]
        return found
    return [Exercise.from_dict(data, f"{prefix}exercise")]


def in_class(exercise: Exercise, session: str | None, hold: bool = False, where: str = "") -> Exercise:
    """``exercise`` with its answers going to the class session ``session`` (checked; errors name ``where``)."""
    out = replace(exercise, class_session=session, hold_reveal=hold)
    if session is None and hold:
        raise InvalidSetting(f"{where}hold_reveal", "false without a class session (class)", hold)
    return out


def load_exercises(source) -> list[Exercise]:
    """The exercises in the file ``source`` (a path), or in a shipped example named ``source`` (see
    :func:`examples`). Errors name the file and the field."""
    path = Path(source)
    if not path.exists() and path.parent == Path(".") and (EXAMPLES / f"{path.stem}.json").exists():
        path = EXAMPLES / f"{path.stem}.json"
    if path.suffix.lower() not in SUFFIXES:
        raise ValueError(f"an exercise file ends in {', '.join(SUFFIXES)}, got {str(source)!r}")
    if not path.is_file():
        raise FileNotFoundError(f"no exercise file {str(source)!r} (shipped examples: {', '.join(examples())})")
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text, object_pairs_hook=_no_duplicates)
        except json.JSONDecodeError as err:
            raise ValueError(f"{path.name}: not valid JSON at line {err.lineno}, column {err.colno}: {err.msg}") \
                from None
    else:
        try:
            import yaml
        except ImportError:
            raise ValueError(f"{path.name}: reading YAML needs PyYAML (pip install pyyaml); or write the file as "
                             "JSON") from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as err:
            raise ValueError(f"{path.name}: not valid YAML: {err}") from None
    return exercises_from(data, path.name)


def examples() -> list[str]:
    """The names of the shipped example files (for :func:`load_exercises`)."""
    return sorted(p.stem for p in EXAMPLES.glob("*.json"))


def _no_duplicates(pairs):
    out = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key {key!r} appears twice in one object")
        out[key] = value
    return out


def as_exercises(exercises) -> list[Exercise]:
    if isinstance(exercises, (str, Path)):
        return load_exercises(exercises)
    if isinstance(exercises, Exercise):
        return [exercises]
    items = list(exercises)
    if not items or not all(isinstance(e, Exercise) for e in items):
        raise InvalidSetting("exercises", "a file, an Exercise or a non-empty list of them", exercises)
    return items


class Exercises(W.VBox):
    """Exercises one after the other: a title line with "back" and "next", and the Lab of the exercise on show.
    Each Lab is made the first time its exercise is shown and kept (back shows it as the student left it).
    ``class_session``: the class session on the hub every answer goes to (else each file's ``class``);
    ``hold_reveal``: each run is revealed when the teacher reveals it. ``view``: what every Lab gets (display,
    layout, figsize, language …)."""

    def __init__(self, exercises, *, class_session: str | None = None, hold_reveal: bool | None = None, **view):
        self.exercises = tuple(as_exercises(exercises))
        if class_session is not None or hold_reveal is not None:  # the class for every exercise
            self.exercises = tuple(in_class(e, class_session if class_session is not None else e.class_session,
                                            e.hold_reveal if hold_reveal is None else hold_reveal, "Exercises: ")
                                   for e in self.exercises)
        view["language"] = language_or_default(view.get("language"))
        self.w = Words(view["language"])
        self.view = view
        self.labs: dict[int, object] = {}
        self.index = 0
        self.heading = W.HTML()
        self.heading.add_class("rw-exercise-title")
        self.back_button = W.Button(description=self.w("back"), icon="arrow-left", layout=W.Layout(width="auto"))
        self.next_button = W.Button(description=self.w("next"), icon="arrow-right", layout=W.Layout(width="auto"))
        self.back_button.on_click(lambda _b: self.back())
        self.next_button.on_click(lambda _b: self.next())
        self.nav = W.HBox([self.back_button, self.heading, self.next_button],
                          layout=W.Layout(align_items="center", grid_gap="12px"))
        super().__init__([self.nav], layout=W.Layout(width="100%"))
        self.add_class("rw-exercises")
        self.go(0)

    @property
    def lab(self):
        """The Lab of the exercise on show."""
        return self.labs[self.index]

    def go(self, index: int):
        """Show exercise ``index`` (0-based); returns its Lab."""
        n = len(self.exercises)
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < n:
            raise InvalidSetting("index", f"an integer in [0, {n - 1}]", index)
        if index not in self.labs:
            ex = self.exercises[index]
            view = dict(self.view)
            if ex.class_session is not None:  # answers to this exercise: named by its title, else its number
                view["class_session"] = ClassLink(ex.class_session, ex.title or f"exercise {index + 1}",
                                                  hold=ex.hold_reveal, w=self.w)
            self.labs[index] = ex.lab(**view)
        self.index = index
        ex = self.exercises[index]
        title = f" — {ex.title}" if ex.title else ""
        self.heading.value = f"<b>{self.w('Exercise {k} of {n}', k=index + 1, n=n)}</b>{html.escape(title)}"
        self.back_button.disabled = index == 0
        self.next_button.disabled = index == n - 1
        self.children = [self.nav, self.labs[index]]
        return self.lab

    def next(self):
        return self.go(min(self.index + 1, len(self.exercises) - 1))

    def back(self):
        return self.go(max(self.index - 1, 0))
