"""Train a recipe: settings → data → SGD → :class:`Run`; and sweeps of many runs at once."""

from __future__ import annotations

import itertools
import numbers
import time
from dataclasses import dataclass, field

import numpy as np

from .data import Stream, initial_theta, make_stream
from .recipes import InvalidSetting, Recipe, get_recipe
from .sgd import METHODS, simulate

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
    if value not in choices:
        raise InvalidSetting(name, f"one of {', '.join(choices)}", value)


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

    @property
    def steps(self) -> int:
        return len(self.loss)

    @property
    def last_theta(self) -> np.ndarray:
        """The last finite θ (the final one unless the run diverged)."""
        k = self.steps if self.diverged_at is None else self.diverged_at - 1
        return self.theta[k]

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
    recipe = get_recipe(recipe)  # a Recipe is valid however it was made (Recipe.__post_init__)
    if overrides:
        recipe = recipe.with_settings(**overrides)
    seed = check_seed(seed)
    _check_choice("dtype", dtype, DTYPES)
    _check_choice("method", method, METHODS)
    xp = get_xp(backend)
    if stream is None:
        stream = make_stream(recipe, seed)
    elif stream.steps != recipe.total_steps:
        raise ValueError(f"the stream has {stream.steps} steps, the recipe asks for {recipe.total_steps}")
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
               time.perf_counter() - started)


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
    base = get_recipe(recipe)
    _check_choice("dtype", dtype, DTYPES)
    _check_choice("method", method, METHODS)
    xp = get_xp(backend)
    grid.setdefault("seed", 0)
    fixed = {k: v for k, v in grid.items() if not isinstance(v, (list, tuple, range, np.ndarray))}
    axes = {k: list(v) for k, v in grid.items() if k not in fixed}
    combos = [{**fixed, **dict(zip(axes, values, strict=True))} for values in itertools.product(*axes.values())]
    recipes = []
    for combo in combos:
        combo["seed"] = check_seed(combo["seed"])
        recipes.append(base.with_settings(**{k: v for k, v in combo.items() if k != "seed"}))
    groups: dict[tuple, list[int]] = {}
    for i, (combo, r) in enumerate(zip(combos, recipes, strict=True)):
        key = (combo["seed"], r.noise, r.batch_size, r.total_steps)
        groups.setdefault(key, []).append(i)
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
