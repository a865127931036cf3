"""Train a recipe: settings → data → SGD → :class:`Run` (sweeps of many runs at once: :mod:`.sweeps`)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ..recipes.data import Stream, StreamError, check_stream, initial_theta, make_stream
from ..recipes.settings import check_choice, check_seed
from ..recipes.tutorials import InvalidSetting, Recipe, get_recipe
from ..theory.landscape import Landscape
from ..theory.verdict import Verdict, verdict
from .memory import check_fits, run_bytes, run_product
from .optimizers import Rule
from .sgd import METHODS, resolve_method, simulate

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


def check_theta0(theta0, dim: int) -> np.ndarray:
    """A start θ₀ = [w…, b]: ``dim`` + 1 finite numbers."""
    allowed = f"{dim + 1} finite numbers [w…, b]"
    if isinstance(theta0, (str, bytes)):
        raise InvalidSetting("theta0", allowed, theta0)
    try:
        out = np.asarray(theta0, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidSetting("theta0", allowed, theta0) from None
    if out.shape != (dim + 1,) or not np.isfinite(out).all():
        raise InvalidSetting("theta0", allowed, theta0)
    return out


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
        """Converged, still moving, diverging or diverged (:func:`regress_widgets.theory.verdict.verdict`)."""
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
    """Train one run of a recipe with overrides (``lr``, ``gamma``, ``stepsize``, …, ``optimizer``, ``momentum``,
    ``beta1``, ``beta2``, ``eps``, ``weight_decay``: :data:`regress_widgets.recipes.settings.SETTINGS`).

    ``stream`` reuses data already made for the same recipe, seed, noise and batch size (or any
    data, such as a recording's). ``theta0`` ([w…, b]) starts from a given θ instead of the seed's.
    """
    started = time.perf_counter()
    recipe = get_recipe(recipe)  # a Recipe is valid however it was made (Recipe.__post_init__)
    if overrides:
        recipe = recipe.with_settings(**overrides)
    seed = check_seed(seed)
    check_choice("dtype", dtype, DTYPES)
    check_choice("method", method, METHODS)
    xp = get_xp(backend)
    if stream is not None:
        stream = _check_given_stream(stream, recipe)
    check_fits("steps", run_product(recipe),
               run_bytes(recipe, method=resolve_method(method, xp), dtype=dtype, stream_made=stream is None))
    seeded = stream is None
    if stream is None:
        stream = make_stream(recipe, seed)
    if theta0 is None:
        theta0 = initial_theta(recipe, seed)
    else:
        theta0 = check_theta0(theta0, recipe.dim)
    lr = recipe.learning_rates(stream.steps)
    theta, loss, diverged = _simulate(xp, stream, theta0[None], lr[None],
                                      recipe.loss_scale, dtype, method, keep_path=True, rule=Rule.of([recipe]))
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
    return Landscape.from_data(stream.X, stream.y, recipe.loss_scale, recipe.param_names, recipe.weight_decay)


def _simulate(xp, stream, theta0, lr, loss_scale, dtype, method, keep_path, rule=None):
    """Move to the backend and dtype, run (the update ``rule``, default plain SGD), and bring the results back as
    numpy float64."""
    return _simulate_rows(xp, stream.X, stream.y, stream.batch_sizes, theta0, lr, loss_scale, dtype, method,
                          keep_path, rule)


def _simulate_rows(xp, X, y, batch_sizes, theta0, lr, loss_scale, dtype, method, keep_path, rule=None, index=None):
    """:func:`_simulate` on rows ``X``, ``y`` — the stream itself, or (``index``) a dataset and the order SGD visits
    it (:func:`regress_widgets.recipes.data.stream_order`), which gives the same numbers without gathering the
    stream."""
    def to(a):
        return xp.asarray(a, dtype=dtype)

    out = simulate(to(X), to(y), batch_sizes, to(theta0), to(lr), loss_scale,
                   xp=xp, method=method, keep_path=keep_path, rule=rule, index=index)
    if xp is not np:
        out = tuple(a.get() for a in out)
    theta, loss, diverged = out
    return theta.astype(np.float64, copy=False), loss.astype(np.float64, copy=False), np.asarray(diverged)
