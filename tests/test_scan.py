"""The scan (engine/scan.py): a long run's path in numpy from its affine steps, the compiled loop's numbers to rounding,
numba never imported; a diverging run is stopped step by step where the compiled loop stops it."""

import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import regress_widgets as rw
from regress_widgets.engine import stream_stats
from regress_widgets.engine.compiled import sgd_loop as compiled_loop
from regress_widgets.engine.optimizers import Rule
from regress_widgets.engine.scan import affine_path, sizes
from regress_widgets.engine.sgd import scan_fits, simulate
from regress_widgets.recipes.data import make_stream


def _chain(M, o, z0):
    """The chain one step after the other: the reference."""
    R, T = M.shape[:2]
    out = np.empty((R, T + 1, z0.shape[1]))
    out[:, 0] = z0
    for r in range(R):
        z = z0[r]
        for t in range(T):
            z = M[r, t] @ z + o[r, t]
            out[r, t + 1] = z
    return out


@pytest.mark.parametrize("R, T, Q", [(1, 1, 3), (1, 7, 3), (2, 100, 3), (3, 1000, 6), (1, 4096, 2), (4, 27, 3),
                                     (1, 25_000, 3)])
def test_affine_path_is_the_chain(R, T, Q):
    rng = np.random.default_rng(T)
    M = np.eye(Q) + 0.01 * rng.standard_normal((R, T, Q, Q))
    o = rng.standard_normal((R, T, Q))
    z0 = rng.standard_normal((R, Q))
    want = _chain(M, o, z0)
    got = affine_path(M, o, z0)
    assert got.shape == want.shape
    assert np.abs(got - want).max() <= 1e-12 * max(1.0, np.abs(want).max())


def test_sizes_cover_every_step():
    for T in (1, 2, 63, 64, 1000, 25_000, 400_000):
        K1, K2, L = sizes(T)
        assert K1 * K2 * L >= T > (K1 - 1) * K2 * L and L == K2 and L & (L - 1) == 0


def _both(recipe, **settings):
    recipe = rw.get_recipe(recipe).with_settings(**settings) if settings else rw.get_recipe(recipe)
    stream = make_stream(recipe, 0)
    theta0 = rw.initial_theta(recipe, 0)[None]
    lr = recipe.learning_rates(stream.steps)[None]
    args = (stream.X, stream.y, np.asarray(stream.batch_sizes), theta0, lr, recipe.loss_scale)
    rule = Rule.of([recipe])
    assert scan_fits(stream.X, theta0, lr, rule, stream.batch_sizes)
    return simulate(*args, rule=rule), compiled_loop(*args[:-1], recipe.loss_scale, True, rule)


@pytest.mark.parametrize("settings", [{}, {"lr": 0.01}, {"weight_decay": 0.05}, {"momentum": 0.9},
                                      {"optimizer": "nesterov", "momentum": 0.9}, {"gamma": 0.5, "stepsize": 700}])
def test_mxnet_tutorial_by_the_scan_is_the_compiled_run(settings):
    (path, loss, diverged), (c_path, c_loss, c_diverged) = _both("mxnet", **settings)
    assert (diverged == 0).all() and (c_diverged == 0).all()
    assert np.abs(path - c_path).max() <= 1e-10 * np.abs(c_path).max()
    assert np.abs(loss / c_loss - 1).max() <= 1e-8


@pytest.mark.parametrize("lr", [1.0, 3.0])
def test_a_diverging_run_stops_where_the_compiled_loop_stops_it(lr):
    (path, loss, diverged), (c_path, c_loss, c_diverged) = _both("mxnet", lr=lr)
    assert diverged[0] == c_diverged[0] > 0
    np.testing.assert_array_equal(np.isnan(path), np.isnan(c_path))
    np.testing.assert_array_equal(path[~np.isnan(path)], c_path[~np.isnan(c_path)])


def test_a_lab_of_mxnet_imports_no_numba():
    code = ("import sys, regress_widgets as rw; lab = rw.Lab('mxnet', display='none'); lab.set(lr=0.0003); "
            "print('numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "MPLBACKEND": "Agg"})
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_statistics_kept_only_for_the_same_data():
    """A stream's statistics are kept (a drag runs the same data again) and given again only for the same bits."""
    stream = make_stream(rw.get_recipe("mxnet"), 0)
    X, y, sizes_ = stream.X.copy(), stream.y.copy(), np.asarray(stream.batch_sizes)
    first = stream_stats.statistics(X, y, sizes_)
    assert stream_stats.statistics(X.copy(), y.copy(), sizes_.copy()) is first
    y[5] += 1e-9
    other = stream_stats.statistics(X, y, sizes_)
    assert other is not first and not np.array_equal(other.yy, first.yy)
    kept = sum(sum(b.nbytes for b in bits) + s.nbytes for bits, s in stream_stats._KEPT)
    assert kept <= stream_stats.KEEP_BYTES + first.nbytes + X.nbytes + y.nbytes + sizes_.nbytes


def test_threads_share_a_stream_safely():
    """Runs on one stream from two threads at once (the scan's temporaries are the stream's: a lock)."""
    recipe = rw.get_recipe("mxnet")
    stream = make_stream(recipe, 1)
    theta0 = rw.initial_theta(recipe, 1)[None]
    base = recipe.learning_rates(stream.steps)[None]
    rates = [base * f for f in (1.0, 2.0, 4.0, 8.0)]

    def run(lr):
        return simulate(stream.X, stream.y, np.asarray(stream.batch_sizes), theta0, lr, recipe.loss_scale)[0]

    want = [run(lr) for lr in rates]
    got: dict = {}

    def worker(k):
        for _ in range(5):
            for i, lr in enumerate(rates):
                got.setdefault((k, i), []).append(run(lr))

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for (_, i), paths in got.items():
        for p in paths:
            np.testing.assert_array_equal(p, want[i])
