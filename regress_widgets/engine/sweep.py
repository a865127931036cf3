"""Sweeps: many runs of one recipe over a grid of settings, computed together where they share data."""

from __future__ import annotations

import itertools
import math
import numbers
import os
import time
from collections.abc import Iterable, Mapping, Set
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from ..recipes.data import Stream, batch_sizes, initial_theta, make_dataset, make_stream, stream_order
from ..recipes.settings import check_choice, check_seed
from ..recipes.tutorials import SETTINGS, InvalidSetting, Recipe, get_recipe
from .memory import check_fits, memory_limit, run_bytes, run_product, state_size
from .optimizers import Rule
from .sgd import METHODS, resolve_method
from .train import DTYPES, Run, _simulate_rows, get_xp


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


def _check_sweep_memory(recipes: list[Recipe], groups: dict, *, method: str, dtype: str, keep_path: bool,
                        workers: int) -> int:
    """Refuse a sweep whose kept results and largest group of runs (computed together) cannot fit; the number of
    groups that may be computed at once (``workers``, or 1 where that many at once would not fit)."""
    kept = sum(8 * (2 * r.total_steps + (r.total_steps + 1) * (r.dim + 1) * keep_path) for r in recipes)
    def first(members):  # the member whose state is largest (a group may mix momentum 0 and > 0)
        return recipes[max(members, key=lambda i: state_size(recipes[i]))]

    largest = max(groups.values(), key=lambda members: run_bytes(first(members), len(members), method=method,
                                                                 dtype=dtype, keep_path=keep_path))
    group = run_bytes(first(largest), len(largest), method=method, dtype=dtype, keep_path=keep_path)
    if workers > 1 and kept + workers * group <= memory_limit():
        return workers
    check_fits("steps", f"a sweep of {len(recipes):,} runs (the largest group: "
                        f"{run_product(first(largest), len(largest))})", kept + group)
    return 1


def check_threads(threads) -> int:
    """The threads a sweep may use: None (every core this process may run on) or an integer ≥ 1."""
    if threads is None:
        return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    if isinstance(threads, bool) or not isinstance(threads, numbers.Integral) or threads < 1:
        raise InvalidSetting("threads", "an integer ≥ 1 (or None: every core)", threads)
    return int(threads)


def sweep(
    recipe: str | Recipe = "caffe2",
    *,
    backend: str = "numpy",
    dtype: str = "float64",
    method: str = "auto",
    keep_path: bool = False,
    threads: int | None = None,
    **grid,
) -> Sweep:
    """Train every combination of the given settings; each may be one value or a sequence.

    Every sequence is an axis of the grid (in the order given); single values hold for all runs.

    Runs that share seed, noise, batch size and length share their data and are computed
    together (one group per optimizer), vectorised over learning rate, gamma, stepsize, momentum, β₁, β₂, ε and
    weight decay.

    With the compiled method, runs of different seeds (or noise levels) are computed on ``threads`` threads at
    once (default: every core; the compiled loop and the permutations run without the GIL): the same numbers
    whatever the number of threads, each run its own rows of the result.
    """
    started = time.perf_counter()
    base = get_recipe(recipe)  # a Recipe is valid however it was made (Recipe.__post_init__)
    check_choice("dtype", dtype, DTYPES)
    check_choice("method", method, METHODS)
    xp = get_xp(backend)
    grid.setdefault("seed", 0)
    fixed, axes = sweep_axes(grid)
    R = math.prod(len(values) for values in axes.values())
    check_fits(next(iter(axes), "seed"), f"a grid of {' × '.join(f'{len(v):,}' for v in axes.values()) or 1} "
               f"= {R:,} runs", R * RUN_OVERHEAD)
    combos = [{**fixed, **dict(zip(axes, values, strict=True))} for values in itertools.product(*axes.values())]
    recipes = []
    made: dict = {}  # runs that differ only by seed share one (frozen) recipe: each set of overrides checked once
    for combo in combos:
        combo["seed"] = check_seed(combo["seed"])
        overrides = {k: v for k, v in combo.items() if k != "seed"}
        try:
            key = tuple((k, type(v), v) for k, v in overrides.items())
            hash(key)
        except TypeError:  # a value that cannot be a key: checked on its own
            key = None
        recipe = None if key is None else made.get(key)
        if recipe is None:
            recipe = base.with_settings(**overrides)
            if key is not None:
                made[key] = recipe
        recipes.append(recipe)
    groups: dict[tuple, list[int]] = {}
    for i, (combo, r) in enumerate(zip(combos, recipes, strict=True)):
        key = (combo["seed"], r.noise, r.batch_size, r.total_steps, r.optimizer)
        groups.setdefault(key, []).append(i)
    method = resolve_method(method, xp)
    workers = check_threads(threads) if method == "compiled" else 1
    workers = _check_sweep_memory(recipes, groups, method=method, dtype=dtype, keep_path=keep_path, workers=workers)
    R, P = len(combos), base.dim + 1
    theta0 = np.empty((R, P))
    final = np.empty((R, P))
    diverged = np.zeros(R, dtype=np.int64)
    losses: list = [None] * R
    runs: list = [None] * R

    def order(recipe, seed, sizes, out):
        return stream_order(recipe, seed)

    if method == "compiled":  # the same visiting order, drawn by compiled code (without the GIL)
        from .compiled import stream_order as order
    sizes_of: dict[tuple, np.ndarray] = {}  # the steps' batch sizes, made once for each length and batch size
    for key, members in groups.items():
        sizes_of.setdefault(key[2:4], batch_sizes(recipes[members[0]]))

    schedules_of: dict[tuple, np.ndarray] = {}  # one learning-rate schedule (1, T) shared by the groups that have it

    def schedule(recipe, steps):
        key = (recipe.lr, recipe.gamma, recipe.stepsize, steps)
        if key not in schedules_of:
            schedules_of[key] = recipe.learning_rates(steps)[None]
        return schedules_of[key]

    def run_group(key, members, datasets, buffer):
        seed, noise = key[0], key[1]
        first = recipes[members[0]]
        if keep_path or first.streaming:  # the runs keep their stream (or it is drawn fresh): made as train makes it
            stream, index = make_stream(first, seed), None
        else:  # the dataset read in the order SGD visits it: the same numbers, without gathering the stream
            if (seed, noise) not in datasets:
                datasets[seed, noise] = make_dataset(first, seed)
            sizes = sizes_of[key[2:4]]
            data, index = datasets[seed, noise], order(first, seed, sizes, buffer)
            buffer = index.base if index.base is not None else index
            stream = Stream(data.X, data.y, sizes)
        t0 = initial_theta(base, seed)
        schedules = {(recipes[i].lr, recipes[i].gamma, recipes[i].stepsize) for i in members}
        if len(schedules) == 1:  # one schedule for the whole group (e.g. a sweep over momentum): computed once
            lr = schedule(recipes[members[0]], stream.steps)
        else:
            lr = np.stack([recipes[i].learning_rates(stream.steps) for i in members])
        theta, loss, div = _simulate_rows(xp, stream.X, stream.y, stream.batch_sizes, np.tile(t0, (len(members), 1)),
                                          lr, base.loss_scale, dtype, method, keep_path,
                                          rule=Rule.of(recipes[i] for i in members), index=index)
        for j, i in enumerate(members):
            theta0[i], final[i], diverged[i], losses[i] = t0, theta[j, -1], div[j], loss[j]
            if keep_path:
                runs[i] = Run(recipes[i], seed, theta[j], loss[j], lr[j if len(lr) > 1 else 0], int(div[j]) or None,
                              stream, backend, dtype)
        return buffer

    def run_data(tasks):  # groups sharing one dataset, in order (each its own rows of the result)
        datasets: dict = {}
        buffer = None  # the visiting order's memory, reused from one dataset to the next (read only while a group runs)
        for key, members in tasks:
            buffer = run_group(key, members, datasets, buffer)
            if len(datasets) > 1:
                datasets.pop(next(iter(datasets)))

    by_data: dict[tuple, list] = {}
    for key, members in groups.items():
        by_data.setdefault(key[:2], []).append((key, members))
    tasks = list(by_data.values())
    if workers == 1 or len(tasks) == 1:
        run_data([group for task in tasks for group in task])
    else:
        size = max(1, len(tasks) // (8 * workers))  # chunks of datasets: few hand-overs, the cores kept busy
        chunks = [[group for task in tasks[i:i + size] for group in task] for i in range(0, len(tasks), size)]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for _ in pool.map(run_data, chunks):
                pass
    return Sweep(base, tuple(axes), tuple(len(a) for a in axes.values()), combos, theta0, final, losses, diverged,
                 runs if keep_path else None, time.perf_counter() - started)
