"""Train a recipe: settings → data → SGD → :class:`Run`; and sweeps of many runs at once."""

from __future__ import annotations

import itertools
import math
import numbers
import time
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .data import Stream, StreamError, batch_sizes, check_stream, initial_theta, make_stream
from .landscape import Landscape
from .memory import check_fits
from .recipes import SETTINGS, InvalidSetting, Recipe, get_recipe
from .sgd import METHODS, resolve_method, simulate, workspace_bytes
from .verdict import Verdict, verdict

BACKENDS = ("numpy", "cupy")
DTYPES = ("float64", "float32")


def get_xp(backend: str):
    """The array module of a backend: numpy, or cupy when a CUDA GPU is usable."""
    if backend == "numpy":
        return np
    if backend == "cupy":
        try:
            import cupy
        except ImportError:
            raise InvalidSetting("backend", "numpy, or cupy once cupy is installed", backend) from None
        if not cupy.is_available():
            raise InvalidSetting("backend", "numpy, or cupy on a machine with a CUDA GPU", backend)
        return cupy
    raise InvalidSetting("backend", f"one of {', '.join(BACKENDS)}", backend)


def check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise InvalidSetting("seed", "an integer ≥ 0", seed)
    return int(seed)


def _check_choice(name, value, choices):
    if not isinstance(value, str) or value not in choices:
        raise InvalidSetting(name, f"one of {', '.join(choices)}", value)


def check_recipe(recipe: str | Recipe) -> Recipe:
    """The recipe with every setting re-checked, however it was made (``dataclasses.replace`` included)."""
    recipe = get_recipe(recipe)
    settings = recipe.settings
    if settings.get("steps", settings.get("epochs")) is None:
        raise InvalidSetting("steps", "an integer ≥ 1 (or epochs, for a fixed dataset)", None)
    return recipe.with_settings(**settings)


def _stream_examples(recipe: Recipe) -> int:
    return int(batch_sizes(recipe).sum())


def run_bytes(recipe: Recipe, runs: int = 1, *, method: str, dtype: str, keep_path: bool = True,
              stream_made: bool = True) -> int:
    """An estimate of the memory ``runs`` runs of ``recipe`` on one stream allocate (Python ints: no overflow)."""
    T, d = recipe.total_steps, recipe.dim
    S = _stream_examples(recipe)
    itemsize = np.dtype(dtype).itemsize
    need = workspace_bytes(S, d, T, runs, method=method, itemsize=itemsize, keep_path=keep_path)
    need += 8 * runs * ((T + 1 if keep_path else 2) * (d + 1) + 2 * T)  # results back in float64, rates
    if stream_made:  # the stream in float64 (and its copy in the run's dtype), the dataset and visiting order
        need += 8 * S * (d + 1) + (itemsize * S * (d + 1) if itemsize != 8 else 0)
        need += 0 if recipe.streaming else 8 * (recipe.n_examples * (d + 1) + S)
    return need


def _product(recipe: Recipe, runs: int = 1) -> str:
    S = _stream_examples(recipe)
    many = f"{runs:,} runs, each of " if runs > 1 else "a run of "
    return (f"{many}steps × batch_size = {recipe.total_steps:,} × {recipe.batch_size:,} "
            f"({S:,} examples of {recipe.dim} inputs)")


@dataclass(frozen=True, eq=False)
class Run:
    """One SGD run: θ before the first step and after every step, and what each step saw."""

    recipe: Recipe
    seed: int
    theta: np.ndarray
    """(T + 1, P): θ = [w…, b] before the first step, then after every step."""
    loss: np.ndarray
    """(T,): each step's minibatch loss, at the θ the step starts from."""
    lr: np.ndarray
    """(T,): the learning rate each step used."""
    diverged_at: int | None
    """The first step (1-based) whose loss or θ is not finite; from there on all is NaN."""
    stream: Stream = field(repr=False)
    backend: str = "numpy"
    dtype: str = "float64"
    seconds: float = 0.0
    seeded_data: bool = True
    """True when the stream is the seed's own data (``train`` made it); False for a given one (a recording's)."""

    @property
    def steps(self) -> int:
        return len(self.loss)

    @property
    def last_finite(self) -> int:
        """Index in ``theta`` of the last finite θ (``steps`` unless the run diverged)."""
        return self.steps if self.diverged_at is None else self.diverged_at - 1

    @property
    def last_theta(self) -> np.ndarray:
        """The last finite θ (the final one unless the run diverged)."""
        return self.theta[self.last_finite]

    @cached_property
    def landscape(self) -> Landscape:
        """The loss surface this run descends: its recipe's for the seed, or that of the stream it was given."""
        if self.seeded_data:
            return Landscape.for_recipe(self.recipe, self.seed)
        return stream_landscape(self.recipe, self.stream)

    @cached_property
    def status(self) -> Verdict:
        """Converged, still moving, diverging or diverged (:func:`regress_widgets.verdict.verdict`)."""
        return verdict(self)

    @property
    def w(self) -> np.ndarray:
        return self.theta[-1, :-1]

    @property
    def b(self) -> float:
        return float(self.theta[-1, -1])

    @property
    def epoch_loss(self) -> np.ndarray:
        """Mean minibatch loss of each epoch (what the tutorials print); empty when streaming."""
        per_epoch = self.recipe.steps_per_epoch
        if per_epoch is None:
            return np.empty(0)
        starts = np.arange(0, self.steps, per_epoch)
        return np.add.reduceat(self.loss, starts) / np.diff(np.append(starts, self.steps))


def train(
    recipe: str | Recipe = "caffe2",
    *,
    seed: int = 0,
    backend: str = "numpy",
    dtype: str = "float64",
    method: str = "auto",
    stream: Stream | None = None,
    theta0=None,
    **overrides,
) -> Run:
    """Train one run of a recipe with slider overrides (``lr``, ``gamma``, ``stepsize``, ...).

    ``stream`` reuses data already made for the same recipe, seed, noise and batch size (or any
    data, such as a recording's). ``theta0`` ([w…, b]) starts from a given θ instead of the seed's.
    """
    started = time.perf_counter()
    recipe = check_recipe(recipe).with_settings(**overrides)
    seed = check_seed(seed)
    _check_choice("dtype", dtype, DTYPES)
    _check_choice("method", method, METHODS)
    xp = get_xp(backend)
    if stream is not None:
        stream = _check_given_stream(stream, recipe)
    check_fits("steps", _product(recipe),
               run_bytes(recipe, method=resolve_method(method, xp), dtype=dtype, stream_made=stream is None))
    seeded = stream is None
    if stream is None:
        stream = make_stream(recipe, seed)
    if theta0 is None:
        theta0 = initial_theta(recipe, seed)
    else:
        theta0 = np.asarray(theta0, dtype=np.float64)
        if theta0.shape != (recipe.dim + 1,) or not np.isfinite(theta0).all():
            raise InvalidSetting("theta0", f"{recipe.dim + 1} finite numbers [w…, b]", theta0)
    lr = recipe.learning_rates(stream.steps)
    theta, loss, diverged = _simulate(xp, stream, theta0[None], lr[None],
                                      recipe.loss_scale, dtype, method, keep_path=True)
    step = int(diverged[0])
    return Run(recipe, seed, theta[0], loss[0], lr, step or None, stream, backend, dtype,
               time.perf_counter() - started, seeded)


def _check_given_stream(stream, recipe: Recipe) -> Stream:
    """A stream given to :func:`train`: a :class:`Stream` SGD can consume, of the recipe's length and inputs."""
    if not isinstance(stream, Stream):
        raise InvalidSetting("stream", "a regress_widgets.Stream", type(stream).__name__)
    try:
        checked = check_stream(stream.X, stream.y, stream.batch_sizes, recipe.dim)
    except StreamError as err:
        raise InvalidSetting("stream", f"a stream SGD can consume, but its {err}", _describe(stream)) from None
    if any(getattr(checked, k) is not getattr(stream, k) for k in ("X", "y", "batch_sizes")):
        stream = checked  # arrays made of what was given; otherwise the very stream given (runs share it)
    if stream.steps != recipe.total_steps:
        raise InvalidSetting("stream", f"a stream of {recipe.total_steps:,} steps (the recipe's run length)",
                             f"{stream.steps:,} steps")
    return stream


def _describe(stream: Stream) -> str:
    shapes = ", ".join(f"{k} {np.shape(getattr(stream, k))}" for k in ("X", "y", "batch_sizes"))
    return f"a stream with {shapes}"


def stream_landscape(recipe: Recipe, stream: Stream) -> Landscape:
    """The loss surface of a given stream: over every example it holds (fixed data, whole epochs: the dataset's),
    or the population's when the recipe draws fresh data every step."""
    if recipe.streaming:
        return Landscape.population(recipe)
    return Landscape.from_data(stream.X, stream.y, recipe.loss_scale, recipe.param_names)


def _simulate(xp, stream, theta0, lr, loss_scale, dtype, method, keep_path):
    """Move to the backend and dtype, run, and bring the results back as numpy float64."""
    def to(a):
        return xp.asarray(a, dtype=dtype)

    out = simulate(to(stream.X), to(stream.y), stream.batch_sizes, to(theta0), to(lr), loss_scale,
                   xp=xp, method=method, keep_path=keep_path)
    if xp is not np:
        out = tuple(a.get() for a in out)
    theta, loss, diverged = out
    return theta.astype(np.float64, copy=False), loss.astype(np.float64, copy=False), np.asarray(diverged)


@dataclass(frozen=True, eq=False)
class Sweep:
    """Many runs of one recipe over a grid of settings (cartesian product, in the order given)."""

    recipe: Recipe
    axes: tuple[str, ...]
    """The settings that vary, one grid axis each, in the order given."""
    shape: tuple[int, ...]
    settings: list[dict]
    """Each run's overrides, seed included, in grid order (C order over ``shape``)."""
    theta0: np.ndarray
    theta_final: np.ndarray
    """(R, P): the last θ of each run (NaN where it diverged)."""
    loss: list[np.ndarray]
    """Each run's minibatch losses (runs of other batch sizes have other lengths)."""
    diverged_at: np.ndarray
    """(R,): first non-finite step, 0 where the run never diverged."""
    runs: list[Run] | None
    """Every run with its whole path, when the sweep was asked to keep paths."""
    seconds: float = 0.0

    def grid(self, values) -> np.ndarray:
        """Per-run values (length R) arranged on the sweep's grid."""
        return np.asarray(values).reshape(self.shape)


RUN_OVERHEAD = 4096
"""Bytes a sweep keeps per run besides its arrays (its settings, recipe and result objects): a generous estimate."""


def sweep_axes(grid: dict) -> tuple[dict, dict]:
    """Split a sweep's keyword arguments into single values and grid axes (each a non-empty list).

    An axis is a list, tuple, range, 1-d array, iterator or other ordered iterable; a string is one value;
    a set or a mapping (no order), an empty sequence and None (which would mean "default") are refused.
    """
    unknown = sorted(set(grid) - {*SETTINGS, "seed"})
    if unknown:
        raise InvalidSetting(unknown[0], f"one of seed, {', '.join(SETTINGS)}", grid[unknown[0]])
    fixed, axes = {}, {}
    for name, value in grid.items():
        if isinstance(value, np.ndarray) and value.ndim == 0:
            value = value.item()
        if isinstance(value, (str, bytes, numbers.Number)) or value is None:
            fixed[name] = value
        elif isinstance(value, (Set, Mapping)):
            raise InvalidSetting(name, "one value or an ordered sequence of values (list, tuple, range, 1-d array)"
                                 f"; a {type(value).__name__} has no order", value)
        elif isinstance(value, np.ndarray) and value.ndim != 1:
            raise InvalidSetting(name, "one value or a 1-d sequence of values", f"an array of shape {value.shape}")
        elif isinstance(value, Iterable):
            axes[name] = [v.item() if isinstance(v, np.generic) else v for v in value]
            if not axes[name]:
                raise InvalidSetting(name, "one value or a non-empty sequence of values (an empty axis makes no runs)",
                                     value)
        else:
            fixed[name] = value
    for name, values in [*((k, [v]) for k, v in fixed.items()), *axes.items()]:
        if any(v is None for v in values):
            raise InvalidSetting(name, "a value (None would silently mean the recipe's default)", None)
    return fixed, axes


def _check_sweep_memory(recipes: list[Recipe], groups: dict, *, method: str, dtype: str, keep_path: bool) -> None:
    """Refuse a sweep whose kept results and largest group of runs (computed together) cannot fit."""
    kept = sum(8 * (2 * r.total_steps + (r.total_steps + 1) * (r.dim + 1) * keep_path) for r in recipes)
    largest = max(groups.values(), key=lambda members: run_bytes(recipes[members[0]], len(members), method=method,
                                                                 dtype=dtype, keep_path=keep_path))
    group = run_bytes(recipes[largest[0]], len(largest), method=method, dtype=dtype, keep_path=keep_path)
    check_fits("steps", f"a sweep of {len(recipes):,} runs (the largest group: "
                        f"{_product(recipes[largest[0]], len(largest))})", kept + group)


def sweep(
    recipe: str | Recipe = "caffe2",
    *,
    backend: str = "numpy",
    dtype: str = "float64",
    method: str = "auto",
    keep_path: bool = False,
    **grid,
) -> Sweep:
    """Train every combination of the given settings; each may be one value or a sequence.

    Every sequence is an axis of the grid (in the order given); single values hold for all runs.

    Runs that share seed, noise, batch size and length share their data and are computed
    together, vectorised over learning rate, gamma and stepsize.
    """
    started = time.perf_counter()
    base = check_recipe(recipe)
    _check_choice("dtype", dtype, DTYPES)
    _check_choice("method", method, METHODS)
    xp = get_xp(backend)
    grid.setdefault("seed", 0)
    fixed, axes = sweep_axes(grid)
    R = math.prod(len(values) for values in axes.values())
    check_fits(next(iter(axes), "seed"), f"a grid of {' × '.join(f'{len(v):,}' for v in axes.values()) or 1} "
               f"= {R:,} runs", R * RUN_OVERHEAD)
    combos = [{**fixed, **dict(zip(axes, values, strict=True))} for values in itertools.product(*axes.values())]
    recipes = []
    for combo in combos:
        combo["seed"] = check_seed(combo["seed"])
        recipes.append(base.with_settings(**{k: v for k, v in combo.items() if k != "seed"}))
    groups: dict[tuple, list[int]] = {}
    for i, (combo, r) in enumerate(zip(combos, recipes, strict=True)):
        key = (combo["seed"], r.noise, r.batch_size, r.total_steps)
        groups.setdefault(key, []).append(i)
    _check_sweep_memory(recipes, groups, method=resolve_method(method, xp), dtype=dtype, keep_path=keep_path)
    R, P = len(combos), base.dim + 1
    theta0 = np.empty((R, P))
    final = np.empty((R, P))
    diverged = np.zeros(R, dtype=np.int64)
    losses: list = [None] * R
    runs: list = [None] * R
    for (seed, *_), members in groups.items():
        stream = make_stream(recipes[members[0]], seed)
        t0 = initial_theta(base, seed)
        lr = np.stack([recipes[i].learning_rates(stream.steps) for i in members])
        theta, loss, div = _simulate(xp, stream, np.tile(t0, (len(members), 1)), lr,
                                     base.loss_scale, dtype, method, keep_path)
        for j, i in enumerate(members):
            theta0[i], final[i], diverged[i], losses[i] = t0, theta[j, -1], div[j], loss[j]
            if keep_path:
                runs[i] = Run(recipes[i], seed, theta[j], loss[j], lr[j], int(div[j]) or None,
                              stream, backend, dtype)
    return Sweep(base, tuple(axes), tuple(len(a) for a in axes.values()), combos, theta0, final, losses, diverged,
                 runs if keep_path else None, time.perf_counter() - started)
