"""Fast seed sweeps: the compiled visiting order is numpy's, draw for draw; threads change nothing but the time."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import regress_widgets as rw
from regress_widgets.engine import compiled as _compiled
from regress_widgets.recipes import data


@pytest.mark.parametrize("name, settings", [("mxnet", {}), ("mxnet", {"steps": 1001, "batch_size": 7}),
                                            ("pytorch", {}), ("pytorch", {"batch_size": 7, "epochs": 3}),
                                            ("pytorch", {"batch_size": 50})])
def test_compiled_visiting_order_is_numpys(name, settings):
    recipe = rw.RECIPES[name].with_settings(**settings)
    for seed in (0, 1, 12345, 2**40 + 3):
        np.testing.assert_array_equal(_compiled.stream_order(recipe, seed), data.stream_order(recipe, seed))


@pytest.mark.parametrize("bits", [np.random.PCG64, np.random.Philox])
@pytest.mark.parametrize("n, epochs", [(1, 3), (2, 5), (10, 4), (1000, 3), (65537, 1)])
def test_compiled_permutations_draw_what_numpy_draws(bits, n, epochs):
    """The same permutations, and the generator left where numpy leaves it (the same draws consumed)."""
    ours, theirs = np.random.Generator(bits(7)), np.random.Generator(bits(7))
    ours.integers(2**31), theirs.integers(2**31)  # a 32-bit half kept for the next draw
    got = _compiled.permutations(ours, n, epochs, n * epochs - 1)
    want = np.concatenate([theirs.permutation(n) for _ in range(epochs)])[:n * epochs - 1]
    np.testing.assert_array_equal(got, want)
    again = np.random.Generator(bits(7))
    again.integers(2**31)
    buffer = np.full(n * epochs + 5, -1, dtype=np.int64)  # a reused buffer: what it held before does not matter
    np.testing.assert_array_equal(_compiled.permutations(again, n, epochs, n * epochs - 1, out=buffer), want)
    # the half-used 32-bit word too (numpy keeps the other half of a 64-bit draw for the next 32-bit one)
    np.testing.assert_array_equal(ours.integers(2**31, size=3), theirs.integers(2**31, size=3))
    assert ours.integers(2**63) == theirs.integers(2**63)


@pytest.mark.parametrize("n, batch, steps", [(100, 8, 37), (100, 10, 30), (100, 100, 3), (100, 99, 7), (7, 3, 1),
                                             (10000, 4, 25000)])
def test_batch_sizes_are_the_epochs_repeated(n, batch, steps):
    recipe = dataclasses.replace(rw.RECIPES["pytorch"], n_examples=n, batch_size=batch, steps=steps, epochs=None)
    full, rest = divmod(n, batch)
    epoch = [batch] * full + ([rest] if rest else [])
    np.testing.assert_array_equal(data.batch_sizes(recipe), np.resize(np.asarray(epoch, dtype=np.int64), steps))


def test_threads_change_nothing_and_runs_equal_single_trains():
    grid = dict(seed=range(9), lr=[1e-4, 0.3, 1.9], batch_size=[1, 4], momentum=[0.0, 0.5], epochs=1)
    one = rw.sweep("mxnet", threads=1, **grid)
    for threads in (2, 3, None):
        other = rw.sweep("mxnet", threads=threads, **grid)
        np.testing.assert_array_equal(other.theta_final, one.theta_final)
        np.testing.assert_array_equal(other.theta0, one.theta0)
        np.testing.assert_array_equal(other.diverged_at, one.diverged_at)
        for a, b in zip(other.loss, one.loss, strict=True):
            np.testing.assert_array_equal(a, b)
    assert one.diverged_at.any() and not one.diverged_at.all()  # both kinds of run are in the grid
    for i in (0, 7, 20, 35, len(one.settings) - 1):
        single = rw.train("mxnet", **one.settings[i])
        np.testing.assert_array_equal(single.theta[-1], one.theta_final[i])
        assert (single.diverged_at or 0) == one.diverged_at[i]


def test_a_thousand_seed_style_sweep_on_two_threads_equals_one():
    one = rw.sweep("mxnet", seed=range(30), epochs=2, threads=1)
    two = rw.sweep("mxnet", seed=range(30), epochs=2, threads=2)
    np.testing.assert_array_equal(two.theta_final, one.theta_final)
    single = rw.train("mxnet", seed=29, epochs=2)
    np.testing.assert_array_equal(single.theta[-1], two.theta_final[29])


@pytest.mark.parametrize("threads", [0, -1, 1.5, "2", True])
def test_bad_threads_name_the_field(threads):
    with pytest.raises(rw.InvalidSetting) as err:
        rw.sweep("mxnet", seed=range(2), threads=threads)
    assert err.value.field == "threads"


def test_threads_share_memory_only_where_it_fits(monkeypatch):
    """Groups computed at once each hold their state: where two would not fit, one at a time (the same numbers)."""
    from regress_widgets.engine import memory
    from regress_widgets.engine import sweep as sweeps

    recipes = [rw.RECIPES["mxnet"]] * 2
    groups = {(0,): [0], (1,): [1]}
    kw = dict(method="compiled", dtype="float64", keep_path=True)
    group = memory.run_bytes(recipes[0], 1, **kw)
    kept = 2 * 8 * (2 * recipes[0].total_steps + (recipes[0].total_steps + 1) * 3)
    monkeypatch.setattr(sweeps, "memory_limit", lambda: kept + 2 * group)
    assert sweeps._check_sweep_memory(recipes, groups, workers=2, **kw) == 2
    monkeypatch.setattr(sweeps, "memory_limit", lambda: kept + 2 * group - 1)
    assert sweeps._check_sweep_memory(recipes, groups, workers=2, **kw) == 1
    assert sweeps._check_sweep_memory(recipes, groups, workers=1, **kw) == 1


@pytest.mark.parametrize("d, dtype", [(1, np.float64), (2, np.float64), (2, np.float32), (4, np.float64)])
@pytest.mark.parametrize("kind", ["sgd", "momentum", "nesterov", "adam"])
def test_loop_compiled_for_thetas_length_equals_the_general_one(monkeypatch, d, dtype, kind):
    """Short θ: a loop compiled for its length (unrolled); long θ: one loop for any length. The same numbers."""
    from regress_widgets.engine.optimizers import Rule

    rng = np.random.default_rng(d)
    X = rng.normal(size=(60, d)).astype(dtype)
    y = (X @ rng.normal(size=d) + 0.3 + 0.1 * rng.normal(size=60)).astype(dtype)
    sizes = np.array([4] * 15 * 10)
    index = np.concatenate([rng.permutation(60) for _ in range(10)])
    theta0 = rng.normal(size=(3, d + 1)).astype(dtype)
    lr = np.stack([np.full(150, v) for v in (0.01, 0.2, 100.0)]).astype(dtype)  # the last one diverges
    zero, one = np.zeros(3), np.ones(3)
    rule = {"sgd": Rule("sgd", zero, zero, zero, zero, one),
            "momentum": Rule("sgd", np.full(3, 0.9), np.full(3, 0.01), zero, zero, one, lr_in_velocity=True),
            "nesterov": Rule("nesterov", np.full(3, 0.5), zero, zero, zero, one, velocity_decay_after_step=True),
            "adam": Rule("adam", zero, np.full(3, 0.01), np.full(3, 0.9), np.full(3, 0.999), np.full(3, 1e-8))}[kind]
    for keep_path in (True, False):
        short = _compiled.sgd_loop(X, y, sizes, theta0, lr, 1.0, keep_path, rule, index)
        monkeypatch.setattr(_compiled, "UNROLLED", 0)
        general = _compiled.sgd_loop(X, y, sizes, theta0, lr, 1.0, keep_path, rule, index)
        monkeypatch.undo()
        for a, b in zip(short, general, strict=True):
            np.testing.assert_array_equal(a, b)
        assert np.isfinite(short[1][0]).all()
        if kind == "sgd":
            assert short[2][2] > 0  # a run that diverged, and where
