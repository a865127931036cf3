"""The plain-Python SGD loop (small float64 runs, no numba import) gives the compiled loop's numbers, bit for bit."""

import numpy as np
import pytest

import regress_widgets as rw
from regress_widgets.engine import plain_loop
from regress_widgets.engine.compiled import sgd_loop as compiled_loop
from regress_widgets.engine.optimizers import Rule
from regress_widgets.engine.sgd import simulate
from regress_widgets.recipes.data import make_stream


def _same(a, b):
    """Equal bit for bit: the same numbers, NaN where NaN, and the same sign on every zero."""
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape and a.dtype == b.dtype
    nan = np.isnan(a)
    assert (nan == np.isnan(b)).all()
    assert np.array_equal(a[~nan], b[~nan])
    assert (np.signbit(a[~nan]) == np.signbit(b[~nan])).all()


def _both(recipe, seed, rows=1, keep_path=True, lr_scale=1.0, theta0=None, index=False):
    recipe = rw.get_recipe(recipe) if isinstance(recipe, str) else recipe
    stream = make_stream(recipe, seed)
    T = stream.steps
    t0 = np.tile(rw.initial_theta(recipe, seed) if theta0 is None else theta0, (rows, 1))
    t0 = t0 + np.arange(rows)[:, None] * 0.01
    lr = recipe.learning_rates(T)[None] * lr_scale
    rule = Rule.of([recipe] * rows)
    X, y, idx = stream.X, stream.y, None
    if index:  # the stream as rows of a reversed copy of it
        X, y, idx = X[::-1].copy(), y[::-1].copy(), np.arange(len(y))[::-1].copy()
    args = (X, y, stream.batch_sizes, t0, lr, recipe.loss_scale, keep_path, rule, idx)
    plain = plain_loop.sgd_loop(*args)
    assert plain is not None
    compiled = compiled_loop(*args)
    for a, b in zip(plain, compiled, strict=True):
        _same(a, b)
    return plain


SETTINGS = [
    {},
    {"batch_size": 1, "epochs": 3},
    {"batch_size": 7, "gamma": 0.5, "stepsize": 3},
    {"weight_decay": 0.1},
    {"optimizer": "sgd", "momentum": 0.9},
    {"optimizer": "sgd", "momentum": 0.5, "weight_decay": 0.05},
    {"optimizer": "nesterov", "momentum": 0.9},
    {"optimizer": "nesterov", "momentum": 0.9, "weight_decay": 0.2},
    {"optimizer": "adam", "lr": 0.1},
    {"optimizer": "adam", "lr": 0.05, "beta1": 0.5, "beta2": 0.9, "eps": 1e-3, "weight_decay": 0.01},
]


@pytest.fixture(params=["python", "numpy"])
def sums(request, monkeypatch):
    """Batches summed in Python, or by numpy."""
    monkeypatch.setattr(plain_loop, "WIDE", 10**9 if request.param == "python" else 1)
    return request.param


@pytest.mark.parametrize("name", ["pytorch", "caffe2"])
@pytest.mark.parametrize("settings", SETTINGS)
def test_the_compiled_loops_numbers(name, settings, sums):
    if name == "caffe2" and settings.get("epochs"):
        settings = {k: v for k, v in settings.items() if k != "epochs"} | {"steps": 200}
    recipe = rw.get_recipe(name).with_settings(**settings)
    for seed in (0, 7):
        _both(recipe, seed)
    _both(recipe, 3, rows=3, keep_path=False)
    _both(recipe, 4, index=True)


def test_divergence_and_small_mxnet_runs(sums):
    run = _both(rw.get_recipe("pytorch"), 0, lr_scale=1000.0)  # past the stability limit
    assert run[2][0] > 0
    _both(rw.get_recipe("pytorch"), 1, rows=2, keep_path=False, lr_scale=1000.0)
    _both(rw.get_recipe("mxnet").with_settings(epochs=1, batch_size=1000, lr=0.1), 2)
    _both(rw.get_recipe("pytorch"), 5, theta0=np.array([-0.0, -0.0]), lr_scale=0.0)  # zeros keep their sign


def test_auto_uses_it_for_small_float64_runs_only(monkeypatch):
    calls = []
    original = plain_loop.sgd_loop
    monkeypatch.setattr(plain_loop, "sgd_loop", lambda *a: calls.append(1) or original(*a))
    a = rw.train("pytorch", seed=2)
    b = rw.train("pytorch", seed=2, method="compiled")
    _same(a.theta, b.theta)
    _same(a.loss, b.loss)
    assert len(calls) == 1  # auto only; "compiled" asked for is numba's
    rw.train("mxnet", seed=2)  # 25,000 steps: compiled
    rw.train("pytorch", seed=2, dtype="float32")  # float32: compiled
    assert len(calls) == 1


def test_python_arithmetic_errors_fall_back_to_the_compiled_loop():
    X = np.array([[1.0], [2.0]])
    y = np.array([1.0, 1.0])
    rule = Rule.plain(1)
    args = (X, y, np.array([1, 1]), np.zeros((1, 2)), np.full((1, 2), 0.1), 1.0, True, rule)
    assert plain_loop.sgd_loop(X * np.inf, *args[1:]) is None  # X[0, 0]·0 is NaN: leave it to numba
    theta, loss, diverged = simulate(*args[:6], rule=rule)
    _same(theta, compiled_loop(*args)[0])


def test_data_changed_in_place_is_run_afresh():
    """The loop keeps the last streams' rows as Python lists (a slider move runs the same data again): data changed
    in place since, even only the sign of a zero, is read afresh: the compiled loop's numbers every time."""
    recipe = rw.get_recipe("pytorch")
    stream = make_stream(recipe, 0)
    X, y = stream.X.copy(), stream.y.copy()
    t0 = rw.initial_theta(recipe, 0)[None]
    lr = recipe.learning_rates(stream.steps)[None]
    rule = Rule.of([recipe])

    def check():
        args = (X, y, stream.batch_sizes, t0, lr, recipe.loss_scale, True, rule, None)
        for a, b in zip(plain_loop.sgd_loop(*args), compiled_loop(*args), strict=True):
            _same(a, b)
        return plain_loop.sgd_loop(*args)[0]

    first = check()
    X[0, 0] += 1.0
    assert not np.array_equal(check(), first)
    X[1, 0], y[2] = 0.0, -0.0
    check()
    X[1, 0] = -0.0
    check()
