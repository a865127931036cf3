"""A stability map: a grid of runs over the learning rate and one more setting, several seeds a cell, with both
stability limits (:mod:`.stability`) along the other axis. What the figure and the widget draw; no drawing here.

Each row of the grid (one value of the other setting) is one compiled sweep (:func:`regress_widgets.engine.sweep.sweep`,
cupy when a GPU is usable) over the learning rates and the seeds, so every cell equals single :func:`train` runs
at its settings. A cell's colour is the median over its seeds of the final full-data loss over the optimum's
(the least-squares minimum of that seed's data); its blow-up fraction counts the seeds whose verdict
(:mod:`.verdict`) is diverging or diverged.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from ..recipes.data import batch_sizes, initial_theta, make_dataset, make_stream, stream_order
from ..recipes.settings import TABLE, InvalidSetting, check_seed
from ..recipes.tutorials import Recipe, get_recipe
from ..theory.landscape import Landscape
from ..theory.stability import Stability
from ..theory.verdict import final_kinds, full_loss
from .memory import check_fits, run_bytes, run_product
from .optimizers import Rule
from .sgd import resolve_method
from .sweep import RUN_OVERHEAD
from .train import _simulate_rows, get_xp

AXES = ("lr", "batch_size", "momentum", "noise", "gamma")
"""The settings a map may run along: one axis is always lr, the other any of these."""
BLEW_UP = ("diverging", "diverged")
MAX_SEEDS = 64
CACHE_SIZE = 16


class MapCancelled(Exception):
    """The map was cancelled before it was done."""


@dataclass(frozen=True, eq=False)
class StabilityGrid:
    """The computed map. Arrays are indexed [row, column] = [y value, x value] (one more axis: the seeds)."""

    recipe: Recipe
    x: str
    y: str
    x_values: np.ndarray
    y_values: np.ndarray
    seeds: tuple[int, ...]
    final_loss: np.ndarray
    """(ny, nx, seeds): the final full-data loss (inf where the run diverged)."""
    min_loss: np.ndarray
    """(ny, nx, seeds): the least-squares minimum of each run's data (its seed's, its noise)."""
    kinds: np.ndarray
    """(ny, nx, seeds): each run's verdict (converged, still moving, diverging, diverged)."""
    gd_limit: np.ndarray
    """Gradient descent's limit along the other axis (NaN for Adam)."""
    ms_limit: np.ndarray
    """The mean-square limit of minibatch SGD along the other axis (NaN for Adam)."""
    seconds: float = 0.0

    @property
    def other(self) -> str:
        """The axis that is not lr."""
        return self.y if self.x == "lr" else self.x

    @property
    def other_values(self) -> np.ndarray:
        return self.y_values if self.x == "lr" else self.x_values

    @property
    def relative_loss(self) -> np.ndarray:
        """(ny, nx): median over the seeds that did not blow up of final loss / optimum's; NaN where all blew up."""
        floor = np.maximum(self.min_loss, 1e-12)
        ratio = np.where(np.isin(self.kinds, BLEW_UP), np.nan, self.final_loss / floor)
        out = np.full(ratio.shape[:2], np.nan)
        ok = ~np.isnan(ratio).all(axis=2)
        out[ok] = np.nanmedian(ratio[ok], axis=1)
        return out

    @property
    def blown_up(self) -> np.ndarray:
        """(ny, nx): the fraction of seeds whose run diverged or is diverging."""
        return np.isin(self.kinds, BLEW_UP).mean(axis=2)

    def cell(self, x_value, y_value) -> tuple[int, int]:
        """(row, column) of the cell nearest to (x_value, y_value) (log distance along lr)."""
        def nearest(values, v, name):
            a = np.log(values) if name == "lr" else np.asarray(values, dtype=float)
            return int(np.abs(a - (math.log(v) if name == "lr" else v)).argmin())
        return nearest(self.y_values, y_value, self.y), nearest(self.x_values, x_value, self.x)

    def settings_at(self, row: int, column: int) -> dict:
        """The settings of a cell, as ``train`` and ``Lab.set`` take them."""
        return {self.x: _plain(self.x_values[column], self.x), self.y: _plain(self.y_values[row], self.y)}

    def to_json(self) -> dict:
        """The axes, the grid of final losses and blow-up fractions, both limit curves (None for NaN / inf)."""
        def clean(a):
            return [clean(v) for v in a] if isinstance(a, (list, np.ndarray)) else (
                None if not np.isfinite(a) else float(a))
        return {"recipe": self.recipe.name, "x": self.x, "y": self.y, "x_values": clean(self.x_values),
                "y_values": clean(self.y_values), "seeds": list(self.seeds),
                "relative_loss": clean(self.relative_loss), "blown_up": clean(self.blown_up),
                "final_loss": clean(self.final_loss), "min_loss": clean(self.min_loss),
                "limits_along": self.other, "gd_limit": clean(self.gd_limit), "ms_limit": clean(self.ms_limit),
                "settings": {k: v for k, v in self.recipe.settings.items() if k not in (self.x, self.y)},
                "seconds": self.seconds}


def _plain(v, name):
    return int(v) if TABLE[name].kind is int else float(v)


def check_axes(x: str, y: str) -> None:
    for field, name in (("x", x), ("y", y)):
        if name not in AXES:
            raise InvalidSetting(field, f"one of {', '.join(AXES)}", name)
    if x == y or "lr" not in (x, y):
        raise InvalidSetting("y" if x == "lr" else "x", "lr on one axis and another setting on the other",
                             f"x={x}, y={y}")


def default_values(recipe: Recipe, name: str, n: int, seed: int = 0, momenta=None) -> np.ndarray:
    """The range a map runs along by default: lr from 1/30 of gradient descent's limit (or 0.7 × the recipe's
    lr, when smaller) to 1.5 times the limit (for a momentum axis, its largest); batch sizes 1 … N (fresh
    batches: 1 … 512); momentum 0 … 0.95; noise 0 … 3σ; γ 0.5 … 1."""
    if name == "lr":
        st = Stability.for_recipe(recipe, seed)
        low = st.gd_limit("sgd", 0.0)
        betas = [recipe.momentum] if momenta is None else momenta  # a momentum axis: its largest limit
        top = low if recipe.optimizer == "adam" else max(st.gd_limit(recipe.optimizer, b) for b in betas)
        return np.geomspace(min(low / 30, 0.7 * recipe.lr), 1.5 * top, n)
    if name == "batch_size":
        top = 512 if recipe.streaming else recipe.n_examples
        return np.unique(np.round(np.geomspace(1, top, n)).astype(np.int64))
    if name == "momentum":
        return np.linspace(0.05 if recipe.optimizer == "nesterov" else 0.0, 0.95, n)
    if name == "noise":
        return np.linspace(0.0, 3 * recipe.noise if recipe.noise > 0 else 1.0, n)
    return np.linspace(0.5, 1.0, n)


def check_values(recipe: Recipe, name: str, values) -> np.ndarray:
    """An axis's values: at least 2, increasing, each allowed for the setting (InvalidSetting names the setting)."""
    s = TABLE[name]
    top = recipe.n_examples if name == "batch_size" and not recipe.streaming else None
    try:
        raw = list(values)
    except TypeError:
        raise InvalidSetting(name, "a sequence of at least 2 increasing values", values) from None
    clean = [s.check(v.item() if isinstance(v, np.generic) else v, high=top) for v in raw]
    if len(clean) < 2 or any(b <= a for a, b in zip(clean, clean[1:], strict=False)):
        raise InvalidSetting(name, f"at least 2 increasing values, each {s.allowed(top)}", raw)
    if name == "momentum" and recipe.optimizer == "adam":
        raise InvalidSetting(name, "an axis of sgd or nesterov (Adam has no momentum β)", raw)
    return np.asarray(clean, dtype=np.int64 if s.kind is int else np.float64)


_CACHE: OrderedDict = OrderedDict()


def stability_map(recipe: str | Recipe = "mxnet", x: str = "lr", y: str = "batch_size", *, x_values=None,
                  y_values=None, n: int = 40, seeds: int = 4, seed: int = 0, backend: str = "auto",
                  progress=None, cancel=None, **settings) -> StabilityGrid:
    """Compute a stability map (cached: the same arguments return the same grid at once).

    ``x``/``y``: lr on one axis, one of batch_size, momentum, noise, gamma on the other; ``x_values``/``y_values``:
    the values (default :func:`default_values`, ``n`` of them); ``seeds``: runs a cell (seeds ``seed`` …
    ``seed + seeds − 1``); ``settings``: anything else the runs share (``epochs=2``, ``optimizer="nesterov"``, …).
    ``backend`` "auto" (cupy when a GPU is usable), "numpy" or "cupy". ``progress``: True for a tqdm.auto bar
    (when tqdm is installed), or a callable ``progress(done, total)`` after each row; ``cancel``: a callable (or
    threading.Event) whose truth stops the map between rows with :class:`MapCancelled`."""
    started = time.perf_counter()
    check_axes(x, y)
    if "momentum" in (x, y) and "momentum" not in settings:  # a placeholder the axis replaces (nesterov needs β > 0)
        settings["momentum"] = 0.5
    base = get_recipe(recipe).with_settings(**settings)
    seed = check_seed(seed)
    if isinstance(seeds, bool) or not isinstance(seeds, int) or not 1 <= seeds <= MAX_SEEDS:
        raise InvalidSetting("seeds", f"an integer in [1, {MAX_SEEDS}]", seeds)
    if isinstance(n, bool) or not isinstance(n, int) or not 2 <= n <= 400:
        raise InvalidSetting("n", "an integer in [2, 400]", n)
    backend = _backend(backend)
    other, given = (y, y_values) if x == "lr" else (x, x_values)
    along = check_values(base, other, default_values(base, other, n, seed) if given is None else given)
    given = x_values if x == "lr" else y_values
    lrs = check_values(base, "lr", default_values(base, "lr", n, seed, along if other == "momentum" else None)
                       if given is None else given)
    xs, ys = (lrs, along) if x == "lr" else (along, lrs)
    seed_list = tuple(range(seed, seed + seeds))
    runs = len(xs) * len(ys) * seeds
    check_fits("seeds", f"a map of {len(ys):,} × {len(xs):,} cells × {seeds} seeds = {runs:,} runs",
               runs * (RUN_OVERHEAD + 64))
    key = (base, x, y, xs.tobytes(), ys.tobytes(), seed_list, backend)
    try:
        hash(key)
    except TypeError:  # a recipe holding arrays (own data, say): computed, not cached
        key = None
    if key is not None and key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    report = _progress(progress, len(ys))
    rows = [_row(base, other, v, lrs, seed_list, backend, report, cancel, i) for i, v in enumerate(along)]
    report(None)
    final, minimum, kinds = (np.stack(a) for a in zip(*rows, strict=True))  # each (n_other, n_lr, S)
    if x != "lr":  # the rows ran along x: [y, x] is [lr, other]
        final, minimum, kinds = (a.transpose(1, 0, 2) for a in (final, minimum, kinds))
    gd, ms = limit_curves(base, other, along, seed)
    grid = StabilityGrid(base, x, y, xs, ys, seed_list, final, minimum, kinds, gd, ms,
                         time.perf_counter() - started)
    if key is not None:
        _CACHE[key] = grid
    while len(_CACHE) > CACHE_SIZE:
        _CACHE.popitem(last=False)
    return grid


def _backend(backend: str) -> str:
    if backend == "auto":
        try:
            get_xp("cupy")
            return "cupy"
        except InvalidSetting:
            return "numpy"
    get_xp(backend)  # refuses an unknown backend, or cupy without a GPU
    return backend


def _row(base: Recipe, other: str, value, lrs, seeds, backend, report, cancel, index):
    """One value of the other setting: for each seed, all the learning rates in one compiled call (what
    :func:`~regress_widgets.engine.sweep.sweep` does, without re-validating each run's settings: ``lrs`` are
    checked)."""
    if cancel is not None and (cancel.is_set() if hasattr(cancel, "is_set") else cancel()):
        raise MapCancelled(f"cancelled after {index} rows")
    recipe = base.with_settings(**{other: _plain(value, other)})
    xp = get_xp(backend)
    lrs = np.asarray(lrs, dtype=np.float64)
    R = len(lrs)
    schedule = recipe.learning_rates() / recipe.lr  # the decay, the same for every base rate
    lr = lrs[:, None] * schedule[None]
    rule = Rule.of([recipe] * R)
    check_fits("seeds", f"a row of the map ({run_product(recipe, R)})",
               run_bytes(recipe, R, method=resolve_method("auto", xp), dtype="float64", keep_path=False))
    order = stream_order
    if resolve_method("auto", xp) == "compiled":  # the same visiting order, drawn by compiled code
        from .compiled import stream_order as order
    final = np.empty((R, len(seeds)))
    kinds = np.empty((R, len(seeds)), dtype=object)
    minimum = np.empty((R, len(seeds)))
    for k, s in enumerate(seeds):
        theta0 = np.tile(initial_theta(recipe, s), (R, 1))
        if recipe.streaming:
            stream = make_stream(recipe, s)
            X, y, rows = stream.X, stream.y, None
            land = Landscape.population(recipe)
        else:  # the dataset read in the order SGD visits it (the same numbers as its stream, nothing gathered)
            data = make_dataset(recipe, s)
            X, y, rows = data.X, data.y, order(recipe, s)
            land = Landscape.of_examples(recipe, data.X, data.y)
        theta, _, diverged = _simulate_rows(xp, X, y, batch_sizes(recipe), theta0, lr, recipe.loss_scale, "float64",
                                            "auto", False, rule, index=rows)
        minimum[:, k] = land.min_loss
        last = theta[:, -1]
        final[:, k] = np.where(diverged > 0, np.inf, full_loss(land, last))
        kinds[:, k] = final_kinds(theta0, last, lr[:, -1], diverged, land, recipe.optimizer, recipe.momentum)
    report(index + 1)
    return final, minimum, kinds.astype(str)


def limit_curves(recipe: Recipe, name: str, values, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Gradient descent's and the mean-square limit at each value of the setting ``name`` (NaN for Adam)."""
    gd, ms = np.full(len(values), np.nan), np.full(len(values), np.nan)
    if recipe.optimizer == "adam":
        return gd, ms
    for i, v in enumerate(values):
        r = recipe.with_settings(**{name: _plain(v, name)})
        st = Stability.for_recipe(r, seed)
        gd[i] = st.gd_limit(r.optimizer, r.momentum)
        ms[i] = st.mean_square_limit(r.batch_size, r.optimizer, r.momentum)
    return gd, ms


def _progress(progress, total: int):
    """A function of the rows done (None: finished) from ``progress``: True (tqdm.auto), a callable, or None."""
    if progress is None or progress is False:
        return lambda done: None
    if progress is True:
        try:
            from tqdm.auto import tqdm
        except ImportError:
            return lambda done: None
        bar = tqdm(total=total, desc="stability map", unit="row")

        def tick(done):
            if done is None:
                bar.close()
            else:
                bar.update(done - bar.n)
        return tick
    return lambda done: None if done is None else progress(done, total)
