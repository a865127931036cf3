"""Your own data: a fixed dataset (arrays, lists, DataFrames) made into a :class:`~.recipes.Recipe`.

``from_data(X, y, like="pytorch")`` returns a recipe with that dataset and the conventions of the tutorial
named by ``like`` (its loss scale, schedule counting, data-loader shuffling with the last partial batch kept,
initialisation, optimizer conventions). It is accepted wherever a recipe name is: ``train``, ``sweep``,
``Landscape.for_recipe``, ``Lab``, ``regress-widgets run --csv``.

The tutorial's lr, batch size and run length are kept when they suit the data; when they do not, they are
scaled, and the recipe says so in :attr:`OwnData.notes`:

* lr: the tutorial's lr is a fraction of its own stability limit 2/λmax (PyTorch 3 %, Caffe2 5 %, MXNet
  0.01 %). When the data's limit makes that fraction ten times larger or smaller, lr is the same fraction of
  the data's limit (one significant digit).
* batch size: at most the number of rows.
* run length: about as many SGD steps as the tutorial runs (whole epochs, at least one).

With ``standardize=True`` SGD trains on z = (x − mean)/std of every feature; :meth:`OwnData.to_original` turns
its θ back into the units of the data (:meth:`OwnData.to_scaled` the other way).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from ..recipes.settings import MAX_STEPS, TABLE
from ..recipes.tutorials import RECIPES, InvalidSetting, Recipe
from ..recipes.your_data import OwnData
from .columns import DataError, as_columns, as_labels

__all__ = ["DataError", "OwnData", "from_data", "standardized"]

FAR = 10.0
"""The tutorial's lr is kept while its fraction of the data's stability limit is within this factor of its own."""


def from_data(X, y, *, like: str = "pytorch", feature_names=None, target_name=None, standardize: bool = False,
              name: str | None = None, drop_missing: bool = False, **settings) -> Recipe:
    """A recipe that trains on your dataset ``X`` (N,) or (N, d) and ``y`` (N,) with the conventions of the
    tutorial ``like`` ("caffe2", "mxnet" or "pytorch"). ``X`` may be a numpy array, a list, or a pandas or polars
    DataFrame or Series (their column names are used); ``y`` an array, a list or a Series.

    ``standardize``: train on (x − mean)/std. ``drop_missing``: drop the rows with an empty, NaN or infinite
    value (otherwise they are refused). ``settings``: lr, batch_size, epochs, … as ``train`` takes them
    (noise excepted: the labels are measured). Bad data raises :class:`DataError` naming the row and column.
    """
    if not isinstance(like, str) or like not in RECIPES:
        raise InvalidSetting("like", f"one of {', '.join(RECIPES)}", like)
    Xa, names = as_columns(X, feature_names)
    ya, label = as_labels(y, target_name)
    return _recipe(Xa, ya, names, label, like=like, standardize=standardize, name=name, drop_missing=drop_missing,
                   source="", settings=settings, notes=())


def _check_name(name, default: str) -> str:
    if name is None:
        return default
    if not isinstance(name, str) or not name.strip():
        raise InvalidSetting("name", "a non-empty string", name)
    return name.strip()


def _recipe(X: np.ndarray, y: np.ndarray, names, label, *, like: str, standardize, name, drop_missing, source,
            settings: dict, notes: tuple, where: str = "data", row_of=None) -> Recipe:
    """The recipe of checked float arrays (this function owns them: they become read-only). ``row_of(i)`` names
    data row i in messages ("data, row 3"; a CSV file's own row)."""
    row_of = row_of or (lambda i: f"{where}, row {i}")
    if not isinstance(standardize, bool):
        raise InvalidSetting("standardize", "True or False", standardize)
    if not isinstance(drop_missing, bool):
        raise InvalidSetting("drop_missing", "True or False", drop_missing)
    if len(X) != len(y):
        raise DataError("y", f"{where}: X has {len(X):,} rows but y has {len(y):,} values (they must match)")
    bad = ~(np.isfinite(X).all(axis=1) & np.isfinite(y))
    missing = int(bad.sum())
    if missing:
        first = int(np.argmax(bad))
        cols = [n for n, v in zip((*names, label), (*X[first], y[first]), strict=True) if not math.isfinite(v)]
        rows = f"{missing:,} row{'s' if missing > 1 else ''}"
        if not drop_missing:
            count = "the only row with one" if missing == 1 else f"the first of {rows} with one"
            raise DataError("data", f"{row_of(first)}, column {cols[0]!r}: an empty, NaN or infinite value ({count}); "
                            "clean it, or pass drop_missing=True (--drop-missing) to drop such rows")
        keep = ~bad
        X, y = X[keep], y[keep]
        notes = (*notes, f"dropped {rows} with an empty, NaN or infinite value (drop_missing), the first: "
                         f"{row_of(first)}; {len(y):,} rows remain")
    if len(y) < 2:
        raise DataError("data", f"{where}: {len(y)} row{'s' if len(y) != 1 else ''} of data; at least 2 are needed "
                        "to fit a line")
    for a in (X, y):
        a.setflags(write=False)
    base = OwnData(X, y, tuple(names), label, _check_name(name, "own_data"), standardize, notes, source)
    tutorial = RECIPES[like]
    if base.degenerate:
        base = replace(base, notes=(*base.notes, f"the least-squares optimum is not unique: {base.degenerate}; "
                                                 "the minimum-norm optimum is shown"))
    recipe = _defaults(base, tutorial)
    unknown = sorted(set(settings) - set(TABLE))
    if unknown or "seed" in settings:
        bad_name = unknown[0] if unknown else "seed"
        raise InvalidSetting(bad_name, "a setting train takes (lr, gamma, stepsize, batch_size, steps, epochs, "
                             "optimizer, momentum, …); the seed goes to train", settings[bad_name])
    return recipe.with_settings(**settings) if settings else recipe


def _lr_fraction(tutorial: Recipe) -> float:
    """The tutorial's lr as a fraction of the stability limit of the data it was written for."""
    from ..theory.landscape import Landscape

    return tutorial.lr / Landscape.population(tutorial).lr_max


def _nice(x: float) -> float:
    return float(f"{x:.1g}")


def _defaults(data: OwnData, tutorial: Recipe) -> Recipe:
    """The tutorial's conventions on ``data``, its lr, batch size and run length scaled where they do not suit."""
    from ..theory.landscape import Landscape

    notes = list(data.notes)
    n = data.n
    batch = min(tutorial.batch_size, n)
    if batch < tutorial.batch_size:
        notes.append(f"batch size {batch}: the {tutorial.name} tutorial's {tutorial.batch_size} is more than the "
                     f"{n} rows")
    per_epoch = -(-n // batch)
    if per_epoch > MAX_STEPS:
        batch = -(-n // MAX_STEPS)
        per_epoch = -(-n // batch)
        notes.append(f"batch size {batch}: one epoch of {n:,} rows must fit in {MAX_STEPS:,} steps")
    kind = "steps" if tutorial.epochs is None else "epochs"
    if kind == "epochs":
        epochs = min(max(round(tutorial.total_steps / per_epoch), 1), TABLE["epochs"].high)
        if epochs != tutorial.epochs:
            steps = f"{per_epoch:,} step{'s' if per_epoch > 1 else ''}"
            notes.append(f"{epochs:,} epochs of {steps}: about the {tutorial.total_steps:,} SGD steps of the "
                         f"{tutorial.name} tutorial")
        length = {"epochs": epochs, "steps": None}
    else:
        length = {"steps": tutorial.steps, "epochs": None}
    recipe = Recipe(
        name=data.name, title=f"{data.name} ({n:,} rows, {tutorial.name} conventions)",
        source=data.source or "your own data", w_true=None, b_true=None, x=None, n_examples=n,
        init_w=tutorial.init_w, init_b=tutorial.init_b, loss_scale=tutorial.loss_scale,
        first_iteration=tutorial.first_iteration, framework_dtype=tutorial.framework_dtype, lr=tutorial.lr,
        gamma=tutorial.gamma, stepsize=tutorial.stepsize, batch_size=batch, noise=0.0, **length,
        lr_in_velocity=tutorial.lr_in_velocity, velocity_decay_after_step=tutorial.velocity_decay_after_step,
        adam_step_offset=tutorial.adam_step_offset, adam_eps_corrected=tutorial.adam_eps_corrected,
        names=(*(f"w_{c}" for c in data.feature_names), "b"), data=data)
    limit = Landscape.of_own_data(recipe).lr_max
    fraction = _lr_fraction(tutorial)
    lr = tutorial.lr
    if not (fraction / FAR <= lr / limit <= fraction * FAR):
        lr = min(_nice(fraction * limit), TABLE["lr"].high)
        notes.append(f"lr {lr:g}: the {tutorial.name} tutorial's {tutorial.lr:g} is {tutorial.lr / limit:.3g} × this "
                     f"data's stability limit 2/λmax ≈ {limit:.3g}; {lr:g} is the tutorial's own fraction of its "
                     f"limit ({fraction:.2g})")
    return replace(recipe, lr=lr, data=replace(data, notes=tuple(notes), like=tutorial.name))


def standardized(recipe: Recipe, on: bool = True) -> Recipe:
    """``recipe`` (your own data) trained on standardized features (``on``) or in the data's units. The lr keeps
    its fraction of the stability limit 2/λmax (the limit moves, often by orders of magnitude); the rest stays."""
    from ..theory.landscape import Landscape

    if recipe.data is None:
        raise InvalidSetting("standardize", "False: only your own data can be standardized "
                             f"({recipe.name}'s seeded inputs already have scale 1)", on)
    if not isinstance(on, bool):
        raise InvalidSetting("standardize", "True or False", on)
    if on == recipe.data.standardize:
        return recipe
    new = replace(recipe, data=recipe.data.standardized(on))
    before, after = Landscape.of_own_data(recipe).lr_max, Landscape.of_own_data(new).lr_max
    lr = min(recipe.lr * (after / before), TABLE["lr"].high)
    return replace(new, lr=lr)
