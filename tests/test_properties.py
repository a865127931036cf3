"""Property-based: random valid overrides never crash; invalid ones always raise InvalidSetting naming the field."""

from __future__ import annotations

import warnings

import numpy as np
import strategies
from conftest import caffe2_reference, mse_reference
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import regress_widgets as rw
from regress_widgets.recipes.tutorials import SETTINGS, SLIDERS, InvalidSetting
from regress_widgets.theory.verdict import KINDS

FAST = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RECIPE_NAMES = st.sampled_from(sorted(rw.RECIPES))


def _valid_value(field: str, recipe):
    return strategies.valid(field, recipe)


@st.composite
def valid_overrides(draw, exclude=()):
    """A recipe name and valid overrides of some sliders, and a short run length (steps or epochs)."""
    name = draw(RECIPE_NAMES)
    recipe = rw.RECIPES[name]
    chosen = draw(st.lists(st.sampled_from([f for f in SLIDERS if f not in exclude]), unique=True))
    overrides = {f: draw(_valid_value(f, recipe)) for f in chosen}
    if "steps" not in exclude and "epochs" not in exclude:
        length = draw(st.sampled_from(["steps"] if recipe.streaming or name == "mxnet" else ["steps", "epochs"]))
        overrides[length] = draw(_valid_value(length, recipe))
    return name, overrides


@FAST
@given(case=valid_overrides(), seed=st.integers(0, 2**32), method=st.sampled_from(["compiled", "vectorized"]),
       dtype=st.sampled_from(["float64", "float32"]))
def test_valid_overrides_never_crash(case, seed, method, dtype):
    name, overrides = case
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run = rw.train(name, seed=seed, method=method, dtype=dtype, **overrides)
    recipe = rw.RECIPES[name].with_settings(**overrides)
    T, P = recipe.total_steps, recipe.dim + 1
    assert run.theta.shape == (T + 1, P) and run.loss.shape == (T,) and run.lr.shape == (T,)
    # lr·gamma^k may underflow to 0 after many decays of a tiny gamma, but never goes negative
    first_k = 1 if name == "caffe2" else 0  # Caffe2's Iter runs before LearningRate
    assert run.lr[0] == recipe.lr * recipe.gamma ** (first_k // recipe.stepsize)
    assert (run.lr >= 0).all() and np.isfinite(run.lr).all() and (np.diff(run.lr) <= 0).all()
    # one verdict, consistent with the run: diverged exactly when it stopped being finite
    assert run.status.kind in KINDS and (run.status.kind == "diverged") == (run.diverged_at is not None)
    if run.status.diverging_at is not None:
        assert run.status.kind in ("diverging", "diverged") and 1 <= run.status.diverging_at <= T
    assert int(run.stream.batch_sizes.sum()) == len(run.stream.X)
    k = run.diverged_at
    if k is None:
        assert np.isfinite(run.theta).all() and np.isfinite(run.loss).all()
    else:
        assert 1 <= k <= T
        assert np.isfinite(run.theta[:k]).all() and np.isnan(run.theta[k:]).all()
        assert np.isnan(run.loss[k - 1:]).all()
    for field, value in overrides.items():
        if field in ("steps", "epochs"):
            continue
        assert getattr(run.recipe, field) == value
    if dtype == "float64" and k is None:
        # the same numbers as the independent per-step reference loop (conftest.py)
        with np.errstate(all="ignore"):  # the plain loop may overflow where the engine stops
            stream = run.stream
            if name == "caffe2":
                theta, lr, loss = caffe2_reference(stream.X, stream.y, stream.batch_sizes, run.theta[0],
                                                   base_lr=recipe.lr, gamma=recipe.gamma, stepsize=recipe.stepsize)
            else:
                theta, lr, loss = mse_reference(stream.X, stream.y, stream.batch_sizes, run.theta[0], lr=recipe.lr,
                                                gamma=recipe.gamma, stepsize=recipe.stepsize)
            scale = max(1.0, float(np.abs(theta).max()))
        if np.isfinite(theta).all() and scale < 1e100:
            np.testing.assert_allclose(run.theta, theta, rtol=0, atol=1e-9 * scale)
            np.testing.assert_allclose(run.lr, lr, rtol=1e-14, atol=0)


def _invalid_value(field: str, recipe):
    return strategies.invalid(field, recipe)


@st.composite
def one_invalid(draw):
    field = draw(st.sampled_from(SETTINGS))
    name, overrides = draw(valid_overrides(exclude=(field,)))
    overrides[field] = draw(_invalid_value(field, rw.RECIPES[name]))
    return name, overrides, field


@FAST
@given(case=one_invalid())
def test_invalid_overrides_always_raise_naming_the_field(case):
    name, overrides, field = case
    try:
        rw.train(name, **overrides)
    except InvalidSetting as err:
        assert err.field == field, (err, overrides)
        assert str(err).startswith(f"{field} must be "), str(err)
        assert err.allowed in str(err)
    else:
        raise AssertionError(f"no InvalidSetting for {field}={overrides[field]!r} on {name}")


@FAST
@given(name=RECIPE_NAMES,
       field=st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12).filter(
           lambda f: f not in SETTINGS and f not in ("recipe", "seed", "backend", "dtype", "method", "stream")),
       value=st.one_of(st.integers(), st.floats(), st.text(max_size=3)))
def test_unknown_overrides_always_raise_naming_the_field(name, field, value):
    try:
        rw.train(name, **{field: value})
    except InvalidSetting as err:
        assert err.field == field
        assert field in str(err) and "lr, gamma, stepsize, batch_size, noise, steps, epochs" in str(err)
    else:
        raise AssertionError(f"no InvalidSetting for {field}")


@FAST
@given(seed=st.one_of(st.integers(max_value=-1), st.floats(), st.text(max_size=2), st.booleans()))
def test_invalid_seeds_raise(seed):
    try:
        rw.train("pytorch", seed=seed, steps=1)
    except InvalidSetting as err:
        assert err.field == "seed"
    else:
        raise AssertionError(f"seed {seed!r} accepted")
