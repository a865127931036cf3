"""Momentum, Nesterov, Adam and weight decay (issue 13): hand-computed steps, every convention, independent
reference loops to 1e-10, sweeps, and the settings' errors."""

from __future__ import annotations

import json
import warnings
from dataclasses import replace

import numpy as np
import pytest
import strategies
from conftest import loader_order
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from optim_reference import REFERENCES

import regress_widgets as rw
from regress_widgets.cli import main
from regress_widgets.recipes.data import Stream
from regress_widgets.recipes.settings import OPTIMIZER_SETTINGS, TABLE
from regress_widgets.recipes.tutorials import InvalidSetting

METHODS = ("compiled", "vectorized")


# --- hand-computed: three steps on x = y = 1, batch 1, θ₀ = 0 ------------------------------------------------
# w and b get the same gradient (x = 1), so θ = [u, u] and, with MSE, g = 2·(2u − 1) = 4u − 2 per entry.
# lr 0.1, γ 0.5 every step (PyTorch's StepLR count: η = 0.1, 0.05, 0.025), β = 0.5.

def _hand(optimizer, *, conventions=None, lr=0.1, gamma=0.5, **settings):
    recipe = rw.RECIPES["pytorch"].with_settings(lr=lr, gamma=gamma, stepsize=1, batch_size=1, steps=3,
                                                 optimizer=optimizer, **settings)
    recipe = replace(recipe, **(conventions or {}))
    stream = Stream(np.ones((3, 1)), np.ones(3), np.ones(3, dtype=np.int64))
    return [rw.train(recipe, stream=stream, theta0=[0.0, 0.0], method=m) for m in METHODS]


HAND = [  # (optimizer, settings, conventions, u after steps 1, 2, 3)
    # heavy ball, lr outside: v = −2, u = 0.2; g = −1.2, v = −2.2, u = 0.31; g = −0.76, v = −1.86, u = 0.3565
    ("sgd", dict(momentum=0.5), dict(lr_in_velocity=False), [0.2, 0.31, 0.3565]),
    # heavy ball, lr inside: v = −0.2, u = 0.2; v = −0.1 − 0.06 = −0.16, u = 0.36; v = −0.08 − 0.014, u = 0.454
    ("sgd", dict(momentum=0.5), dict(lr_in_velocity=True), [0.2, 0.36, 0.454]),
    # Nesterov, lr outside: u = 0.1·(2 + 1) = 0.3; g = −0.8, v = −1.8, u = 0.3 + 0.05·1.7 = 0.385;
    # g = −0.46, v = −1.36, u = 0.385 + 0.025·1.14 = 0.4135
    ("nesterov", dict(momentum=0.5), dict(lr_in_velocity=False), [0.3, 0.385, 0.4135]),
    # Nesterov, lr inside: v = −0.2, u = 0.3; v = −0.14, u = 0.3 + 0.04 + 0.07 = 0.41;
    # g = −0.36, v = −0.079, u = 0.41 + 0.009 + 0.0395 = 0.4585
    ("nesterov", dict(momentum=0.5), dict(lr_in_velocity=True), [0.3, 0.41, 0.4585]),
    # weight decay λ = 1 (g = 5u − 2), Nesterov lr inside: u = 0.3; g = −0.5, v = −0.125, u = 0.3875;
    # g = −0.0625, v = −0.0640625, u = 0.3875 + 0.0015625 + 0.03203125
    ("nesterov", dict(momentum=0.5, weight_decay=1.0), dict(lr_in_velocity=True), [0.3, 0.3875, 0.42109375]),
    # the same, the velocity's λθ read after the step (MXNet): v = 0.1·(−2 + 0.3) = −0.17; u = 0.3 + 0.025 +
    # 0.055 = 0.38, v = −0.085 + 0.05·(−0.8 + 0.38) = −0.106; u = 0.38 + 0.0025 + 0.5·0.0555
    ("nesterov", dict(momentum=0.5, weight_decay=1.0), dict(lr_in_velocity=True, velocity_decay_after_step=True),
     [0.3, 0.38, 0.41025]),
    # plain SGD with weight decay λ = 1: u = 0.2; g = −1, u = 0.25; g = −0.75, u = 0.26875
    ("sgd", dict(weight_decay=1.0), {}, [0.2, 0.25, 0.26875]),
]


@pytest.mark.parametrize("optimizer, extra, conventions, expected", HAND)
def test_three_hand_computed_steps(optimizer, extra, conventions, expected):
    for run in _hand(optimizer, conventions=conventions, **extra):
        np.testing.assert_allclose(run.theta[1:], np.repeat(np.array(expected)[:, None], 2, axis=1), rtol=0,
                                   atol=1e-12)
        np.testing.assert_allclose(run.lr, [0.1, 0.05, 0.025], rtol=1e-15)


ADAM_HAND = [  # β₁ = β₂ = 0.5, ε = 0.1, lr 0.1 constant. Step 1: g = −2, m = −1, s = 2.
    # ε on √v̂ (t = 1): m̂ = −2, √v̂ = 2, u = 0.1·2/2.1
    (dict(adam_step_offset=0, adam_eps_corrected=True), [0.09523809523809523, 0.18935148448701977,
                                                         0.28141084153438495]),
    # ε on √v (t = 1): u = 0.1·√0.5/0.5 · 1/(√2 + 0.1)
    (dict(adam_step_offset=0, adam_eps_corrected=False), [0.09339591174686887, 0.1867672305806611,
                                                          0.2785125910123122]),
    # t = k + 1 (Caffe2): u = 0.1·√0.75/0.75 · 1/(√2 + 0.1)
    (dict(adam_step_offset=1, adam_eps_corrected=False), [0.07625744261394607, 0.16298797381201938,
                                                          0.2523098868586824]),
]


@pytest.mark.parametrize("conventions, expected", ADAM_HAND)
def test_three_hand_computed_adam_steps(conventions, expected):
    for run in _hand("adam", conventions=conventions, gamma=1.0, beta1=0.5, beta2=0.5, eps=0.1):
        np.testing.assert_allclose(run.theta[1:, 0], expected, rtol=0, atol=1e-12)
        np.testing.assert_array_equal(run.theta[:, 0], run.theta[:, 1])


def test_defaults_are_the_tutorials_plain_sgd():
    for name, recipe in rw.RECIPES.items():
        assert (recipe.optimizer, recipe.momentum, recipe.weight_decay) == ("sgd", 0.0, 0.0)
        assert recipe.settings == recipe.with_settings(optimizer="sgd", momentum=0, weight_decay=0).settings
        short = {"steps": 50} if recipe.streaming else {"epochs": 1}
        for method in METHODS:
            a = rw.train(name, method=method, **short)
            b = rw.train(name, method=method, optimizer="sgd", momentum=0.0, beta1=0.5, eps=1.0, **short)
            np.testing.assert_array_equal(a.theta, b.theta)  # Adam's settings do nothing to sgd


# --- decaying lr: where lr sits in the velocity shows -----------------------------------------------------------


@pytest.mark.parametrize("optimizer", ["sgd", "nesterov"])
def test_lr_inside_and_outside_agree_at_a_constant_lr_and_part_when_it_decays(optimizer):
    base = rw.RECIPES["caffe2"].with_settings(optimizer=optimizer, momentum=0.9)
    for gamma, same in ((1.0, True), (0.5, False)):
        runs = [rw.train(replace(base.with_settings(gamma=gamma, stepsize=10), lr_in_velocity=inside), seed=3)
                for inside in (True, False)]
        gap = np.abs(runs[0].theta - runs[1].theta).max()
        assert (gap < 1e-12) if same else (gap > 1e-2), (gamma, gap)


# --- independent reference loops, in each framework's own form, to 1e-10 ------------------------------------------

CASES = {
    "sgd": dict(momentum=0.9, weight_decay=0.05),
    "nesterov": dict(optimizer="nesterov", momentum=0.8, weight_decay=0.3),
    "adam": dict(optimizer="adam", beta1=0.8, beta2=0.95, eps=0.05, weight_decay=0.02),
}
DECAY = {"caffe2": dict(lr=0.05, gamma=0.5, stepsize=7), "mxnet": dict(lr=0.02, gamma=0.5, stepsize=60),
         "pytorch": dict(lr=0.02, gamma=0.5, stepsize=9)}


def reference_recording(kind, optimizer_settings, seed=5):
    """A float64 recording made by the framework-form reference loop on data drawn here."""
    rng = np.random.default_rng(seed)
    settings = {**DECAY[kind], **optimizer_settings}
    if kind == "caffe2":
        sizes = np.full(60, 16, dtype=np.int64)
        X = rng.normal(0.0, 1.0, (960, 2))
        y = X @ np.array([2.0, 1.5]) + 0.5 + rng.normal(0.0, 1.0, 960)
        theta0 = np.append(rng.uniform(-1, 1, 2), 0.0)
        settings.update(batch_size=16, steps=60)
    elif kind == "mxnet":
        data = rng.normal(0.0, 1.0, (202, 2))
        labels = 2 * data[:, 0] - 3.4 * data[:, 1] + 4.2 + 0.1 * rng.normal(0.0, 1.0, 202)
        order, sizes = loader_order(rng, 202, 4, 2)
        X, y, theta0 = data[order], labels[order], rng.normal(0.0, 1.0, 3)
        settings.update(batch_size=4, steps=len(sizes))
    else:
        x = rng.uniform(-3.0, 3.0, 50)
        labels = 3.0 * x + 5.0 + rng.normal(0.0, 0.5, 50)
        order, sizes = loader_order(rng, 50, 8, 6)
        X, y, theta0 = x[order, None], labels[order], np.zeros(2)
        settings.update(batch_size=8, epochs=6)
    ref_kw = {k: v for k, v in settings.items() if k not in ("batch_size", "steps", "epochs")}
    theta, lr, loss = REFERENCES[kind](X, y, sizes, theta0, **ref_kw)
    meta = {"framework": f"reference-{kind}", "framework_version": "0", "recipe": kind, "seed": seed,
            "dtype": "float64", "python": "3", "settings": settings}
    return {"X": X, "y": y, "batch_sizes": sizes, "theta0": theta0, "theta": theta, "lr": lr, "loss": loss,
            "meta": np.array(json.dumps(meta))}


@pytest.mark.parametrize("kind", ["caffe2", "mxnet", "pytorch"])
@pytest.mark.parametrize("optimizer", list(CASES))
@pytest.mark.parametrize("method", METHODS)
def test_engine_replays_the_framework_form_reference_to_1e_10(kind, optimizer, method):
    arrays = reference_recording(kind, CASES[optimizer])
    result = rw.replay(arrays, method=method)
    assert result.tolerance == 1e-10
    assert result.ok, result.summary()
    assert max(result.deviations.values()) <= 1e-10
    assert np.abs(result.theta[-1] - result.theta[0]).max() > 0.1  # it really moved


CONVENTIONS = [  # (recipe, optimizer case, a convention of another framework) — each must fail the replay
    ("caffe2", "sgd", dict(lr_in_velocity=False)),
    ("caffe2", "nesterov", dict(lr_in_velocity=False)),
    ("caffe2", "adam", dict(adam_step_offset=0)),
    ("caffe2", "adam", dict(adam_eps_corrected=True)),
    ("mxnet", "sgd", dict(lr_in_velocity=False)),
    ("mxnet", "nesterov", dict(velocity_decay_after_step=False)),
    ("mxnet", "adam", dict(adam_eps_corrected=True)),
    ("pytorch", "sgd", dict(lr_in_velocity=True)),
    ("pytorch", "nesterov", dict(lr_in_velocity=True)),
    ("pytorch", "adam", dict(adam_eps_corrected=False)),
    ("pytorch", "adam", dict(adam_step_offset=1)),
]


@pytest.mark.parametrize("kind, optimizer, wrong", CONVENTIONS)
def test_another_frameworks_convention_does_not_replay(kind, optimizer, wrong):
    arrays = reference_recording(kind, CASES[optimizer])
    rec = rw.Recording.load(arrays)
    run = rw.train(replace(rec.recipe, **wrong), stream=rec.stream, theta0=rec.theta0)
    assert np.abs(run.theta - rec.theta).max() > 1e-6, wrong


# --- sweeps ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_sweep_over_momentum_and_weight_decay_is_each_run(method):
    s = rw.sweep("pytorch", momentum=[0.0, 0.5, 0.9], weight_decay=[0.0, 0.1], lr=0.02, method=method,
                 keep_path=True)
    assert s.shape == (3, 2) and len(s.runs) == 6
    for combo, run in zip(s.settings, s.runs, strict=True):
        alone = rw.train("pytorch", method=method, **combo)
        np.testing.assert_allclose(run.theta, alone.theta, rtol=0, atol=1e-12)
    assert len({tuple(r.theta[-1]) for r in s.runs}) == 6


def test_sweep_over_optimizers_and_adam_settings():
    s = rw.sweep("caffe2", optimizer=["sgd", "nesterov", "adam"], momentum=0.9, beta1=[0.8, 0.9], seed=2)
    for i, combo in enumerate(s.settings):
        alone = rw.train("caffe2", **combo)
        np.testing.assert_allclose(s.theta_final[i], alone.theta[-1], rtol=0, atol=1e-12)
    grid = s.grid(s.theta_final[:, 0])
    assert grid[0, 0] == grid[0, 1] and grid[2, 0] != grid[2, 1]  # β₁ acts on Adam only


def test_divergence_with_momentum_stops_at_the_first_non_finite_step():
    for method in METHODS:
        run = rw.train("pytorch", momentum=0.9, lr=10.0, method=method)
        k = run.diverged_at
        assert k is not None and np.isfinite(run.theta[:k]).all() and np.isnan(run.theta[k:]).all()
        assert run.status.kind == "diverged"


# --- bad values: the documented error, for every new setting ------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(data=st.data(), name=st.sampled_from(OPTIMIZER_SETTINGS), recipe=st.sampled_from(sorted(rw.RECIPES)))
def test_every_bad_optimizer_setting_names_the_field_and_its_range(data, name, recipe):
    value = data.draw(strategies.invalid(name, rw.RECIPES[recipe]))
    with pytest.raises(InvalidSetting) as err:
        rw.RECIPES[recipe].with_settings(**{name: value})
    assert err.value.field == name
    assert str(err.value).startswith(f"{name} must be {TABLE[name].allowed()}")


@settings(max_examples=25, deadline=None)
@given(data=st.data(), name=st.sampled_from(OPTIMIZER_SETTINGS), recipe=st.sampled_from(sorted(rw.RECIPES)))
def test_every_good_optimizer_setting_is_taken(data, name, recipe):
    value = data.draw(strategies.valid(name, rw.RECIPES[recipe]))
    extra = {"momentum": 0.5} if value == "nesterov" else {}
    r = rw.RECIPES[recipe].with_settings(**{name: value}, **extra)
    assert getattr(r, name) == value
    assert r.with_settings(**r.settings) == r


@pytest.mark.parametrize("name", OPTIMIZER_SETTINGS)
def test_cli_refuses_each_bad_value_in_one_line_exit_2(name, capsys):
    for value in TABLE[name].examples_outside():
        if value is None or isinstance(value, bool) or (isinstance(value, str) and not TABLE[name].choices):
            continue  # not something one can type (a number typed is a number)
        code = main(["run", "pytorch", TABLE[name].flag, str(value), "--steps", "3"])
        err = capsys.readouterr().err.strip()
        assert code == 2 and len(err.splitlines()) == 1, (value, err)
        assert TABLE[name].flag in err


def test_nesterov_without_momentum_is_refused():
    with pytest.raises(InvalidSetting) as err:
        rw.train("mxnet", optimizer="nesterov")
    assert err.value.field == "momentum" and "(0, 1)" in str(err.value)


@settings(max_examples=30, deadline=None)
@given(recipe=st.sampled_from(sorted(rw.RECIPES)), optimizer=st.sampled_from(TABLE["optimizer"].choices),
       momentum=st.floats(0.05, 0.99), weight_decay=st.sampled_from([0.0, 1e-3, 0.5]),
       beta1=strategies.valid("beta1", None), beta2=st.floats(0.5, 0.9999),  # β₂ → 0: the step m/|g| amplifies
       # rounding without bound (two exact implementations, or the framework-form reference, part by 1e-4)
       eps=st.sampled_from([1e-8, 1e-3, 1.0]), lr=st.floats(1e-4, 0.5), dtype=st.sampled_from(["float64", "float32"]))
def test_any_optimizer_settings_run_alike_on_both_paths(recipe, optimizer, momentum, weight_decay, beta1, beta2, eps,
                                                        lr, dtype):
    # float32 Adam with β₂ near 0.5 and a large lr magnifies the two loops' different rounding step after step
    # (measured: 0.4 % apart after 60 steps, β₂ 0.5, lr 0.5): not a difference of the update rules
    assume(dtype == "float64" or optimizer != "adam" or beta2 >= 0.9)
    short = {"steps": 70} if rw.RECIPES[recipe].streaming else {"steps": 90}
    kw = dict(optimizer=optimizer, momentum=momentum, weight_decay=weight_decay, beta1=beta1, beta2=beta2, eps=eps,
              lr=lr, gamma=0.7, stepsize=13, dtype=dtype, **short)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a, b = (rw.train(recipe, method=m, **kw) for m in METHODS)
    assert a.diverged_at == b.diverged_at or dtype == "float32" or a.diverged_at is not None
    k = a.last_finite if a.diverged_at is None or b.diverged_at is None else min(a.last_finite, b.last_finite)
    scale = max(1.0, float(np.abs(a.theta[:k + 1]).max()))
    tol = 1e-9 if dtype == "float64" else 1e-3
    if scale < 1e6:
        np.testing.assert_allclose(a.theta[:k + 1], b.theta[:k + 1], rtol=0, atol=tol * scale)
