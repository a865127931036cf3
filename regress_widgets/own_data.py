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

import hashlib
import math
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np

from .recipes import RECIPES, InvalidSetting, Recipe
from .settings import MAX_STEPS, TABLE
from .table_input import DataError, as_columns, as_labels

__all__ = ["DataError", "OwnData", "from_data", "standardized"]

BLOCK = 1 << 16
"""Rows per block when the moments of a big dataset are summed (no copy of the whole data)."""
FAR = 10.0
"""The tutorial's lr is kept while its fraction of the data's stability limit is within this factor of its own."""
COLLINEAR = 1e-10
"""A feature whose correlation matrix has an eigenvalue below this (relative) makes the optimum not unique."""


@dataclass(frozen=True, eq=False)
class OwnData:
    """A fixed dataset of your own: ``X`` (N, d) and ``y`` (N,) in float64 (read-only), the column names, and
    whether SGD trains on standardized features. Equal and hashed by a digest of the numbers and names, so a
    recipe holding it stays cheap to compare (the Lab caches by recipe)."""

    X: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)
    feature_names: tuple[str, ...]
    target_name: str
    name: str
    standardize: bool = False
    notes: tuple[str, ...] = ()
    """What was done to the data or the tutorial's settings, in words (rows dropped, lr scaled, …)."""
    source: str = ""
    """Where it came from (a file name), for titles."""
    like: str = ""
    """The tutorial whose conventions the recipe follows."""

    @cached_property
    def digest(self) -> str:
        h = hashlib.blake2b(digest_size=16)
        for a in (self.X, self.y):
            h.update(str(a.shape).encode())
            h.update(memoryview(np.ascontiguousarray(a)).cast("B"))
        h.update(repr((self.feature_names, self.target_name)).encode())
        return h.hexdigest()

    def __eq__(self, other) -> bool:
        if not isinstance(other, OwnData):
            return NotImplemented
        return self is other or (self.standardize == other.standardize and self.digest == other.digest)

    def __hash__(self) -> int:
        return hash((self.digest, self.standardize))

    @property
    def n(self) -> int:
        return len(self.y)

    @property
    def dim(self) -> int:
        return self.X.shape[1]

    @cached_property
    def mean(self) -> np.ndarray:
        """Each feature's mean (original units)."""
        return _blocks_sum(self.X) / self.n

    @cached_property
    def scale(self) -> np.ndarray:
        """Each feature's standard deviation (population, ddof 0); 1 where a feature is constant."""
        var = sum(((self.X[i:i + BLOCK] - self.mean) ** 2).sum(axis=0) for i in range(0, self.n, BLOCK)) / self.n
        std = np.sqrt(var)
        return np.where(std > 0, std, 1.0)

    @cached_property
    def inputs(self) -> np.ndarray:
        """The features SGD sees: ``X``, or (x − mean)/std when standardized (made once, read-only)."""
        if not self.standardize:
            return self.X
        out = np.empty_like(self.X)
        for i in range(0, self.n, BLOCK):
            np.divide(self.X[i:i + BLOCK] - self.mean, self.scale, out=out[i:i + BLOCK])
        out.setflags(write=False)
        return out

    def rows(self, index) -> np.ndarray:
        """The inputs as trained of the rows ``index`` (an index array or a slice), standardized block by block:
        no standardized copy of the whole dataset is made (the same numbers as ``inputs[index]``)."""
        out = self.X[index]
        if self.standardize:
            if np.shares_memory(out, self.X):  # a slice: a view of the (read-only) data
                out = out.copy()
            for i in range(0, len(out), BLOCK):
                out[i:i + BLOCK] = np.divide(out[i:i + BLOCK] - self.mean, self.scale)
        return out

    @cached_property
    def moments(self) -> tuple[np.ndarray, np.ndarray, float]:
        """G = mean x̃x̃ᵀ, h = mean x̃·y, c = mean y² of the inputs as trained (x̃ = [x, 1]), summed in blocks."""
        d, n = self.dim, self.n
        G = np.zeros((d + 1, d + 1))
        h = np.zeros(d + 1)
        c = 0.0
        for i in range(0, n, BLOCK):
            Xb, yb = self.rows(slice(i, i + BLOCK)), self.y[i:i + BLOCK]
            G[:d, :d] += Xb.T @ Xb
            col = Xb.sum(axis=0)
            G[:d, d] += col
            G[d, :d] += col
            h[:d] += Xb.T @ yb
            h[d] += yb.sum()
            c += float(yb @ yb)
        G[d, d] = n
        return G / n, h / n, c / n

    @cached_property
    def degenerate(self) -> str:
        """Why the least-squares optimum is not unique (a constant feature, collinear features), or ""."""
        raw = np.sqrt(np.maximum(np.diag(self._covariance), 0))
        constant = [name for name, s, m in zip(self.feature_names, raw, self.mean, strict=True)
                    if s <= 1e-12 * max(abs(m), 1.0)]
        if constant:
            return (f"feature {', '.join(map(repr, constant))} is constant: its weight and the bias b are not "
                    "determined separately")
        if self.dim > 1:
            corr = self._covariance / np.outer(raw, raw)
            values, vectors = np.linalg.eigh(corr)
            if values[0] <= COLLINEAR * values[-1]:
                involved = [self.feature_names[k] for k in np.flatnonzero(np.abs(vectors[:, 0]) > 1e-6)]
                return (f"features {', '.join(map(repr, involved))} are collinear (one is a linear combination of "
                        "the others)")
        return ""

    @property
    def unique_optimum(self) -> bool:
        return not self.degenerate

    @cached_property
    def _covariance(self) -> np.ndarray:
        G, _, _ = self.standardized(False).moments  # in the data's own units
        m = G[:-1, -1]
        return G[:-1, :-1] - np.outer(m, m)

    def standardized(self, on: bool = True) -> OwnData:
        """The same data, trained standardized (``on``) or in its own units; the arrays are shared."""
        if on == self.standardize:
            return self
        return replace(self, standardize=bool(on))

    def to_original(self, theta) -> np.ndarray:
        """θ = [w…, b] as trained turned into the data's own units (the identity unless standardized):
        w = w_z / std, b = b_z − Σ w_z·mean/std. Works on (..., d + 1) arrays."""
        theta = np.asarray(theta, dtype=np.float64)
        if not self.standardize:
            return theta.copy()
        w = theta[..., :-1] / self.scale
        b = theta[..., -1] - (w * self.mean).sum(axis=-1)
        return np.concatenate([w, b[..., None]], axis=-1)

    def to_scaled(self, theta) -> np.ndarray:
        """θ in the data's units as the standardized model holds it (the inverse of :meth:`to_original`)."""
        theta = np.asarray(theta, dtype=np.float64)
        if not self.standardize:
            return theta.copy()
        w = theta[..., :-1] * self.scale
        b = theta[..., -1] + (theta[..., :-1] * self.mean).sum(axis=-1)
        return np.concatenate([w, b[..., None]], axis=-1)


def _blocks_sum(X: np.ndarray) -> np.ndarray:
    return sum(X[i:i + BLOCK].sum(axis=0) for i in range(0, len(X), BLOCK))


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
    from .landscape import Landscape

    return tutorial.lr / Landscape.population(tutorial).lr_max


def _nice(x: float) -> float:
    return float(f"{x:.1g}")


def _defaults(data: OwnData, tutorial: Recipe) -> Recipe:
    """The tutorial's conventions on ``data``, its lr, batch size and run length scaled where they do not suit."""
    from .landscape import Landscape

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
    from .landscape import Landscape

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
