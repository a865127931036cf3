"""Seeded synthetic data for the recipes: fixed datasets, the order SGD visits them, and streams.

One seed is split (``numpy.random.SeedSequence.spawn``) into independent streams for the
initial parameters, the inputs, the label noise and the shuffling. So moving the noise
slider rescales the same noise draw on the same inputs, and changing the batch size
re-cuts the same shuffled order into batches: a student sees the effect of one setting,
not a new random world.

A :class:`Stream` is what SGD consumes, in order: every example (repeated across epochs,
shuffled as the data loader would), and the size of each step's batch. It is also
exactly what a recording of a real framework holds, so the engine treats both alike.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from .tutorials import Distribution, Recipe, get_recipe


@dataclass(frozen=True)
class Dataset:
    """A fixed dataset: inputs ``X`` (N, d), labels ``y`` (N,) with the noise included."""

    X: np.ndarray
    y: np.ndarray


@dataclass(frozen=True)
class Stream:
    """What SGD consumes: ``X`` (S, d), ``y`` (S,) in order, ``batch_sizes`` (T,) summing to S."""

    X: np.ndarray
    y: np.ndarray
    batch_sizes: np.ndarray

    @property
    def steps(self) -> int:
        return len(self.batch_sizes)

    @property
    def offsets(self) -> np.ndarray:
        """Row where each step's batch starts, plus the end: (T + 1,)."""
        return np.concatenate([[0], np.cumsum(self.batch_sizes)])


class StreamError(ValueError):
    """A stream SGD cannot consume; ``key`` names the part that is wrong (X, y or batch_sizes)."""

    def __init__(self, key: str, problem: str):
        self.key, self.problem = key, problem
        super().__init__(f"{key} {problem}")


def _numbers(key: str, a, ndim: int, kinds: str, what: str) -> np.ndarray:
    try:
        a = np.asarray(a)
    except (TypeError, ValueError) as err:
        raise StreamError(key, f"must be a {ndim}-d array of {what} ({err})") from None
    if a.ndim != ndim or a.dtype.kind not in kinds:
        raise StreamError(key, f"must be a {ndim}-d array of {what}, got shape {a.shape} of {a.dtype}")
    return a


def check_stream(X, y, batch_sizes, dim: int) -> Stream:
    """The stream, checked: ``X`` (S, dim) finite numbers, ``y`` (S,), ``batch_sizes`` (T,) integers ≥ 1 summing
    to S (without wrapping around, whatever their dtype). Raises :class:`StreamError` naming the part."""
    X = _numbers("X", X, 2, "fiu", "numbers")
    y = _numbers("y", y, 1, "fiu", "numbers")
    sizes = _numbers("batch_sizes", batch_sizes, 1, "iu", "integers")
    S, d = X.shape
    if d != dim:
        raise StreamError("X", f"has {d} columns, the recipe has {dim} inputs")
    if len(y) != S:
        raise StreamError("y", f"has {len(y)} labels for the {S} rows of X")
    # each size in [1, S] before summing: T·S cannot wrap an int64 for any array that fits in memory
    if len(sizes) == 0 or sizes.min() < 1 or sizes.max() > S or len(sizes) * S >= 2**62:
        raise StreamError("batch_sizes", f"must hold at least one step, each of 1 to {S} examples (the rows of X)")
    sizes = sizes.astype(np.int64, copy=False)
    total = int(sizes.sum())
    if total != S:
        raise StreamError("batch_sizes", f"sum to {total:,}, not to the {S:,} rows of X")
    for key, a in (("X", X), ("y", y)):
        if not np.isfinite(a).all():
            raise StreamError(key, "holds NaN or infinite values")
    return Stream(X, y, sizes)


_STREAMS = ("init", "inputs", "noise", "order")


@functools.lru_cache(maxsize=256)
def _children(seed: int) -> tuple[np.random.SeedSequence, ...]:
    """The seed's independent child sequences (spawning is the slow part; a child's state never changes)."""
    return tuple(np.random.SeedSequence(seed).spawn(len(_STREAMS)))


def _rng(seed: int, name: str) -> np.random.Generator:
    """A fresh Generator for one of the seed's independent streams (:data:`_STREAMS`)."""
    return np.random.default_rng(_children(seed)[_STREAMS.index(name)])


def _draw(rng: np.random.Generator, dist: Distribution, shape) -> np.ndarray:
    if dist.kind == "normal":
        return rng.normal(dist.a, dist.b, size=shape)
    return rng.uniform(dist.a, dist.b, size=shape)


def _label(recipe: Recipe, X: np.ndarray, eps: np.ndarray) -> np.ndarray:
    return X @ np.asarray(recipe.w_true) + recipe.b_true + recipe.noise * eps


def initial_theta(recipe: str | Recipe, seed: int) -> np.ndarray:
    """θ₀ = [w…, b] drawn as the recipe's tutorial initialises it."""
    recipe = get_recipe(recipe)
    rng = _rng(seed, "init")
    w = np.zeros(recipe.dim) if recipe.init_w is None else _draw(rng, recipe.init_w, recipe.dim)
    b = 0.0 if recipe.init_b is None else _draw(rng, recipe.init_b, 1)[0]
    return np.append(w, b)


def make_dataset(recipe: str | Recipe, seed: int) -> Dataset:
    """The recipe's fixed dataset for this seed (for a streaming recipe: ``ValueError``); for your own data, its
    inputs as trained (standardized when asked) and its labels."""
    recipe = get_recipe(recipe)
    if recipe.streaming:
        raise ValueError(f"{recipe.name} has no fixed dataset: it draws a fresh batch every step")
    if recipe.data is not None:  # your own data: the same whatever the seed (it orders the visits and θ₀)
        return Dataset(recipe.data.inputs, recipe.data.y)
    X = _draw(_rng(seed, "inputs"), recipe.x, (recipe.n_examples, recipe.dim))
    eps = _rng(seed, "noise").standard_normal(recipe.n_examples)
    return Dataset(X, _label(recipe, X, eps))


def batch_sizes(recipe: Recipe, steps: int | None = None) -> np.ndarray:
    """Examples in each step: full batches, and each epoch's last partial batch kept."""
    steps = recipe.total_steps if steps is None else steps
    if recipe.streaming:
        return np.full(steps, recipe.batch_size, dtype=np.int64)
    full, rest = divmod(recipe.n_examples, recipe.batch_size)
    sizes = np.full(steps, recipe.batch_size, dtype=np.int64)
    if rest:  # every epoch's last step: full batches, then the rest
        sizes[full::full + 1] = rest
    return sizes


def visiting_order(recipe: Recipe, seed: int, epochs: int) -> np.ndarray:
    """Dataset indices in the order SGD visits them: a fresh permutation every epoch.

    The first epochs' permutations do not depend on how many epochs are asked for.
    """
    rng = _rng(seed, "order")
    if epochs == 1:  # the same draw, without a copy (a big dataset of your own is often visited once)
        return rng.permutation(recipe.n_examples)
    return np.concatenate([rng.permutation(recipe.n_examples) for _ in range(epochs)])


def make_stream(recipe: str | Recipe, seed: int, dataset: Dataset | None = None) -> Stream:
    """Everything SGD consumes for this recipe and seed, in order."""
    recipe = get_recipe(recipe)
    sizes = batch_sizes(recipe)
    total = int(sizes.sum())
    if recipe.streaming:
        X = _draw(_rng(seed, "inputs"), recipe.x, (total, recipe.dim))
        eps = _rng(seed, "noise").standard_normal(total)
        return Stream(X, _label(recipe, X, eps), sizes)
    epochs = -(-total // recipe.n_examples)
    if dataset is None and recipe.data is not None:  # your own data: gathered, and standardized, without a copy
        order = visiting_order(recipe, seed, epochs)[:total]
        return Stream(recipe.data.rows(order), recipe.data.y[order], sizes)
    dataset = make_dataset(recipe, seed) if dataset is None else dataset
    order = visiting_order(recipe, seed, epochs)[:total]
    return Stream(dataset.X[order], dataset.y[order], sizes)


def stream_order(recipe: str | Recipe, seed: int) -> np.ndarray:
    """The dataset's indices of every example of the recipe's stream, in order: :func:`make_stream` gathers these
    rows of :func:`make_dataset`; the compiled engine can read the dataset through them instead."""
    recipe = get_recipe(recipe)
    total = int(batch_sizes(recipe).sum())
    epochs = -(-total // recipe.n_examples)
    return visiting_order(recipe, seed, epochs)[:total]
