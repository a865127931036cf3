"""A Lab's state as plain JSON: :func:`state_dict` writes it, :func:`from_state` rebuilds the Lab exactly.

The dict (every value a str, number, bool, None, list or dict; ``json.dumps`` takes it as it is)::

    {"format": 1, "language": "en",         # or "zh-Hans", "zh-Hant"
     "recipe": "pytorch",                   # or "own data" with "data" (below)
     "lr": 0.03, "gamma": 1.0, "stepsize": 7, "batch_size": 8, "noise": 0.5, "epochs": 25,   # or "steps"
     "optimizer": "sgd", "momentum": 0.0, "beta1": 0.9, "beta2": 0.999, "eps": 1e-08, "weight_decay": 0.0,
     "seed": 0, "standardize": False, "real": False,
     "position": 175, "pair": [0, 1], "zoom": "follow", "layout": "full", "hidden": [],
     "pins": [{"settings": {...}, "seed": 0, "real": False, "standardize": False}, ...]}

``real``: the real framework's recorded run is shown; ``before_real`` then holds the settings and seed the Lab
goes back to when it is unticked. ``tutorial_settings``: the recipe the Lab started from, when it is one of the
three tutorials with other settings. ``hidden``: controls hidden from the students
(:func:`~.url_state.hide_controls`). Any key may be left out: the recipe's value is taken (as a URL gives
only some). A wrong key or value raises :class:`~regress_widgets.recipes.InvalidSetting` naming it.

Own data: ``data`` holds the dataset when it has at most :data:`EMBED_LIMIT` numbers (X and y together), exactly
(JSON writes floats so that they read back bit for bit); a bigger one is referenced by its digest and column
names, and ``from_state(state, data=rw.read_csv(...))`` takes the data again (its digest must match).

Floats are written as Python writes them (``repr``), so the settings read back bit for bit and the rebuilt
Lab's ``run.theta`` is bit-identical: the engine is deterministic given the recipe and the seed.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np

from ...own_data.from_data import from_data
from ...recipes.settings import OPTIMIZER_SETTINGS, TABLE
from ...recipes.tutorials import RECIPES, InvalidSetting, Recipe
from ...words import check_language
from ..controls.real_run import FREE
from ..controls.state import CONTROLLED, MAX_PINS
from ..url_state import hide_controls

FORMAT = 1
EMBED_LIMIT = 10_000
"""Own data with at most this many numbers (X and y together) is written into the state; a bigger set by reference."""
OWN = "own data"
"""The ``recipe`` of a Lab on your own data."""
KEYS = ("format", "language", "recipe", "tutorial_settings", "data", *CONTROLLED, "seed", "standardize", "real",
        "before_real", "position", "pair", "zoom", "layout", "hidden", "pins")
PIN_KEYS = ("settings", "seed", "real", "standardize")
DATA_KEYS = ("X", "y", "digest", "rows", "feature_names", "target_name", "name", "like", "standardize", "source",
             "settings")


def state_dict(lab) -> dict:
    """``lab.state_dict()``: everything ``lab`` shows, as a plain JSON-serialisable dict (see the module docstring);
    ``Lab.from_state`` rebuilds it."""
    s = lab.state
    tutorial = s.tutorial
    out: dict = {"format": FORMAT, "language": s.language}
    if tutorial.data is not None:
        out["recipe"], out["data"] = OWN, _data_entry(tutorial)
    else:
        out["recipe"] = tutorial.name
        if RECIPES.get(tutorial.name) != tutorial:
            if tutorial.name not in RECIPES or RECIPES[tutorial.name].with_settings(**tutorial.settings) != tutorial:
                raise ValueError(f"the Lab's recipe {tutorial.name!r} was made by hand (not one of "
                                 f"{', '.join(RECIPES)} with other settings, nor rw.from_data): it has no state")
            out["tutorial_settings"] = dict(tutorial.settings)
    out.update(s.settings)
    out.update(seed=s.seed, standardize=s.standardize, real=s.real)
    if s.real:
        out["before_real"] = dict(s.own)
    out.update(position=s.position, pair=list(s.pair), zoom=s.zoom, layout=lab.layout_name,
               hidden=list(getattr(lab, "hidden", ())))
    out["pins"] = [{"settings": _full(p.settings), "seed": p.seed, "real": p.real, "standardize": p.standardize}
                   for p in s.pins]
    return json.loads(json.dumps(out))  # plain: tuples made lists, numpy numbers made Python's


def _full(settings: dict) -> dict:
    """Settings with the optimizer settings a recipe leaves out at their defaults written in."""
    return {**settings, **{k: settings.get(k, TABLE[k].default) for k in OPTIMIZER_SETTINGS}}


def _data_entry(tutorial: Recipe) -> dict:
    d = tutorial.data
    entry = {"feature_names": list(d.feature_names), "target_name": d.target_name, "name": d.name, "like": d.like,
             "standardize": d.standardize, "source": d.source, "settings": dict(tutorial.settings)}
    if d.X.size + d.y.size <= EMBED_LIMIT:
        return {"X": d.X.tolist(), "y": d.y.tolist(), **entry}
    return {"digest": d.digest, "rows": d.n, **entry}


# ---------------------------------------------------------------------------------------------- reading it back
def check_state(state) -> dict:
    """``state`` checked for its keys and their types (the values are checked by the Lab as it rebuilds)."""
    if not isinstance(state, dict):
        raise InvalidSetting("state", "a dict (as lab.state_dict() returns it)", type(state).__name__)
    unknown = sorted(set(state) - set(KEYS), key=str)
    if unknown:
        raise InvalidSetting(str(unknown[0]), f"a key of the Lab's state: one of {', '.join(KEYS)}",
                             state[unknown[0]])
    if state.get("format", FORMAT) != FORMAT:
        raise InvalidSetting("format", f"{FORMAT} (the state's format version)", state["format"])
    if "language" in state:
        check_language(state["language"])
    recipe = state.get("recipe", "caffe2")
    if recipe not in (*RECIPES, OWN):
        raise InvalidSetting("recipe", f"one of {', '.join((*RECIPES, OWN))}", recipe)
    if (recipe == OWN) != ("data" in state):
        raise InvalidSetting("data", f"given exactly when recipe is {OWN!r}", state.get("data"))
    for name, kind, words in (("pins", list, "a list of pinned runs"), ("hidden", list, "a list of control names"),
                              ("before_real", dict, "a dict of settings and seed"),
                              ("tutorial_settings", dict, "a dict of settings"), ("data", dict, "a dict")):
        if name in state and not isinstance(state[name], kind):
            raise InvalidSetting(name, words, state[name])
    for i, pin in enumerate(state.get("pins", [])):
        where = f"pins[{i}]"
        if not isinstance(pin, dict) or set(pin) != set(PIN_KEYS):
            raise InvalidSetting(where, f"a dict with the keys {', '.join(PIN_KEYS)}", pin)
        if not isinstance(pin["settings"], dict):
            raise InvalidSetting(f"{where}.settings", "a dict of settings", pin["settings"])
    if "data" in state:
        data = state["data"]
        unknown = sorted(set(data) - set(DATA_KEYS), key=str)
        if unknown:
            raise InvalidSetting(f"data.{unknown[0]}", f"one of {', '.join(DATA_KEYS)}", data[unknown[0]])
        if ("X" in data) == ("digest" in data):
            raise InvalidSetting("data", "the data (X and y) or its digest, one of the two", sorted(data))
    return dict(state)


def tutorial_of(state: dict, data: Recipe | None = None) -> Recipe:
    """The recipe the Lab of ``state`` starts from (``data``: the own data a state references by digest)."""
    recipe = state.get("recipe", "caffe2")
    if recipe != OWN:
        if data is not None:
            raise InvalidSetting("data", f"left out: the state's recipe is {recipe!r}, not your own data", data)
        return RECIPES[recipe].with_settings(**state.get("tutorial_settings", {}))
    entry = state["data"]
    if "digest" in entry:
        if data is None or getattr(data, "data", None) is None:
            raise InvalidSetting("data", f"your own data again (rw.read_csv or rw.from_data): the state refers to "
                                 f"{entry.get('rows', '?')} rows by digest", data)
        if data.data.digest != entry["digest"]:
            raise InvalidSetting("data", f"the data whose digest is {entry['digest']} (these rows differ)",
                                 data.data.digest)
        X, y = data.data.X, data.data.y
    else:
        X, y = entry["X"], entry["y"]
    options = {k: entry[k] for k in ("feature_names", "target_name", "name", "like", "standardize") if k in entry}
    tutorial = from_data(X, y, **options)
    if entry.get("settings"):
        tutorial = tutorial.with_settings(**entry["settings"])
    if entry.get("source"):
        tutorial = replace(tutorial, source=entry["source"], data=replace(tutorial.data, source=entry["source"]))
    return tutorial


def rebuild(lab, state: dict) -> None:
    """Bring ``lab`` (a fresh Lab of the state's recipe) to ``state``: the pins first, each made as it was, then the
    settings, the real run and the view."""
    pins = state.get("pins", [])
    if len(pins) > MAX_PINS:
        raise InvalidSetting("pins", f"at most {MAX_PINS} pinned runs", len(pins))
    for i, pin in enumerate(pins):
        try:
            _reach(lab, pin["settings"], pin["seed"], pin["real"], pin["standardize"])
        except InvalidSetting as err:
            raise InvalidSetting(f"pins[{i}].{err.field}", err.allowed, err.value) from None
        lab.pin()
    tutorial = lab.state.tutorial  # what the state leaves out is the recipe's (a URL gives only some settings)
    settings = {k: v for k, v in _full(tutorial.settings).items() if k in CONTROLLED}
    settings.update({k: state[k] for k in CONTROLLED if k in state})
    if "steps" in state and tutorial.epochs is not None or "epochs" in state and tutorial.epochs is None:
        settings.pop("epochs" if "steps" in state else "steps", None)  # resolve() names the one left out
    own = None if tutorial.data is None else tutorial.data.standardize
    _reach(lab, settings, state.get("seed", 0), state.get("real", False), state.get("standardize", own),
           state.get("before_real"))
    view = {k: state[k] for k in ("pair", "zoom", "position") if k in state}
    if view:
        lab.set(**view)
    if state.get("hidden"):
        try:
            hide_controls(lab, state["hidden"])
        except InvalidSetting as err:
            raise InvalidSetting("hidden", err.allowed, err.value) from None


def _reach(lab, settings: dict, seed, real, standardize, before: dict | None = None) -> None:
    """Set the Lab to ``settings`` and ``seed`` (with the real run shown when ``real``): the order matters, as the
    real run keeps the Lab's own settings to go back to (``before``)."""
    if not isinstance(real, bool):
        raise InvalidSetting("real", "True or False", real)
    if lab.state.real:
        lab.set(real=False)
    if real:
        if before is not None:
            _reach(lab, {k: v for k, v in before.items() if k != "seed"}, before.get("seed", seed), False, None)
        lab.set(real=True)
        lab.set(**{k: settings[k] for k in FREE if k in settings})
        return
    values = {**settings, "seed": seed}
    if standardize is not None:
        values["standardize"] = standardize
    lab.set(**values)


def from_state(cls, state: dict, *, data: Recipe | None = None, display: str = "auto", **options):
    """``Lab.from_state(state)``: the Lab of ``state`` (as :meth:`~.lab.Lab.state_dict` wrote it, or only some of
    its keys), rebuilt exactly: the same runs bit for bit. ``data``: your own data again, when the state refers to it
    by digest. ``display`` and ``options`` (figsize, dpi, show_recipe, show_seed): as ``Lab`` takes them."""
    state = check_state(state)
    options.setdefault("language", state.get("language"))  # a state without one: the package default
    lab = cls(tutorial_of(state, data), seed=state.get("seed", 0), display=display,
              layout=state.get("layout", "full"), **options)
    rebuild(lab, state)
    return lab


def load_state(cls, path, **kwargs):
    """``Lab.load_state(path)``: the Lab saved by ``lab.save_state(path)`` (``kwargs`` as ``from_state`` takes)."""
    return from_state(cls, read_state(path), **kwargs)


def save_state(lab, path) -> Path:
    """``lab.save_state(path)``: write :func:`state_dict` to ``path`` as JSON; returns the path."""
    path = Path(path)
    path.write_text(json.dumps(state_dict(lab), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def read_state(path) -> dict:
    """The state in the JSON file ``path`` (InvalidSetting naming the file when it is not one)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise InvalidSetting("path", "a readable JSON file written by lab.save_state", str(path)) from err
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise InvalidSetting("path", f"a JSON file (line {err.lineno}: {err.msg})", str(path)) from None


def same_runs(a, b) -> bool:
    """Whether two Labs show bit-identical runs (their own and every pin's)."""
    if not np.array_equal(a.run.theta, b.run.theta, equal_nan=True):
        return False
    return all(np.array_equal(p.path.theta, q.path.theta, equal_nan=True)
               for p, q in zip(a.state.pins, b.state.pins, strict=True))
