"""The SGD engine: hand-computed steps, both methods, divergence, sweeps, and statistics."""

from __future__ import annotations

import math

import numpy as np
import pytest

import regress_widgets as rw
from regress_widgets.engine.sgd import simulate
from regress_widgets.recipes.data import Stream

METHODS = ("compiled", "vectorized")


def _sim(X, y, sizes, theta0, lr, loss_scale, method):
    theta, loss, diverged = simulate(np.asarray(X, float), np.asarray(y, float), np.asarray(sizes),
                                     np.asarray(theta0, float)[None], np.asarray(lr, float)[None], loss_scale,
                                     method=method)
    return theta[0], loss[0], int(diverged[0])


# --- tiny cases computed by hand ------------------------------------------------------------------
# 1-D: batch 1 = {(1, 3), (2, 5)}, batch 2 = {(1, 2)}, θ₀ = [w, b] = [0, 0].
# Plain MSE, lr 0.1.  Step 1: residuals ŷ − y = [−3, −5], loss = (9 + 25)/2 = 17,
#   ∂/∂w = 2·mean(r·x) = 2·(−3 − 10)/2 = −13, ∂/∂b = 2·mean(r) = −8  →  θ₁ = [1.3, 0.8].
#   Step 2: ŷ = 2.1, r = 0.1, loss = 0.01, ∂/∂w = ∂/∂b = 0.2  →  θ₂ = [1.28, 0.78].
X1 = [[1.0], [2.0], [1.0]]
Y1 = [3.0, 5.0, 2.0]


@pytest.mark.parametrize("method", METHODS)
def test_plain_mse_by_hand(method):
    theta, loss, diverged = _sim(X1, Y1, [2, 1], [0.0, 0.0], [0.1, 0.1], 1.0, method)
    np.testing.assert_allclose(theta, [[0, 0], [1.3, 0.8], [1.28, 0.78]], rtol=0, atol=1e-14)
    np.testing.assert_allclose(loss, [17.0, 0.01], rtol=0, atol=1e-14)
    assert diverged == 0


# 2-D with Caffe2's 0.5·MSE: batch 1 = {([1, 0], 1), ([0, 1], 2)}, batch 2 = {([1, 1], 1.3)}, θ₀ = 0.
# Step 1 (lr 0.1): r = [−1, −2], loss = 0.5·(1 + 4)/2 = 1.25, grad = mean(r·x̃) = [−0.5, −1, −1.5]
#   → θ₁ = [0.05, 0.1, 0.15].  Step 2 (lr 0.05): ŷ = 0.3, r = −1, loss = 0.5, grad = [−1, −1, −1]
#   → θ₂ = [0.1, 0.15, 0.2].
# The same with plain MSE: loss 2.5, θ₁ = [0.1, 0.2, 0.3]; then ŷ = 0.6, r = −0.7, loss = 0.49,
#   grad = 2·(−0.7)·[1, 1, 1]  →  θ₂ = [0.17, 0.27, 0.37].
X2 = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
Y2 = [1.0, 2.0, 1.3]


@pytest.mark.parametrize("method", METHODS)
def test_half_mse_by_hand(method):
    theta, loss, _ = _sim(X2, Y2, [2, 1], [0, 0, 0], [0.1, 0.05], 0.5, method)
    np.testing.assert_allclose(theta, [[0, 0, 0], [0.05, 0.1, 0.15], [0.1, 0.15, 0.2]], rtol=0, atol=1e-14)
    np.testing.assert_allclose(loss, [1.25, 0.5], rtol=0, atol=1e-14)


@pytest.mark.parametrize("method", METHODS)
def test_plain_mse_2d_by_hand(method):
    theta, loss, _ = _sim(X2, Y2, [2, 1], [0, 0, 0], [0.1, 0.05], 1.0, method)
    np.testing.assert_allclose(theta, [[0, 0, 0], [0.1, 0.2, 0.3], [0.17, 0.27, 0.37]], rtol=0, atol=1e-14)
    np.testing.assert_allclose(loss, [2.5, 0.49], rtol=0, atol=1e-14)


@pytest.mark.parametrize("method", METHODS)
def test_pytorch_recipe_by_hand(method):
    """Through train(): θ₀ = 0 (k = m = 0), plain MSE, StepLR counted from 0."""
    stream = Stream(np.array(X1), np.array(Y1), np.array([2, 1]))
    run = rw.train("pytorch", stream=stream, steps=2, lr=0.1, method=method)
    np.testing.assert_allclose(run.theta, [[0, 0], [1.3, 0.8], [1.28, 0.78]], rtol=0, atol=1e-14)
    np.testing.assert_allclose(run.loss, [17.0, 0.01], rtol=0, atol=1e-14)
    # gamma 0.5 every step: the first step keeps the base rate, the second uses 0.05
    #   → θ₂ = [1.3 − 0.05·0.2, 0.8 − 0.05·0.2] = [1.29, 0.79]
    run = rw.train("pytorch", stream=stream, steps=2, lr=0.1, gamma=0.5, stepsize=1, method=method)
    np.testing.assert_allclose(run.lr, [0.1, 0.05], rtol=0, atol=1e-16)
    np.testing.assert_allclose(run.theta[2], [1.29, 0.79], rtol=0, atol=1e-14)


@pytest.mark.parametrize("method", METHODS)
def test_caffe2_recipe_by_hand(method):
    """Through train(): 0.5·MSE and Iter before LearningRate (k = 1, 2: rates 0.1 and 0.1·0.5^(2//2))."""
    stream = Stream(np.array(X2), np.array(Y2), np.array([2, 1]))
    run = rw.train("caffe2", seed=4, stream=stream, steps=2, lr=0.1, gamma=0.5, stepsize=2, method=method)
    np.testing.assert_allclose(run.lr, [0.1, 0.05], rtol=0, atol=1e-16)
    w0, w1, b = run.theta[0]
    assert (w0, w1, b) == tuple(rw.initial_theta("caffe2", 4)) and b == 0
    r = np.array([w0 - 1, w1 - 2])  # residuals of the first batch
    assert run.loss[0] == pytest.approx(0.5 * np.mean(r**2), abs=1e-14)
    # gradient of 0.5·mean(r²) is mean(r·x̃) = [r0/2, r1/2, (r0 + r1)/2]
    t1 = np.array([w0, w1, b]) - 0.1 * np.array([r[0] / 2, r[1] / 2, r.sum() / 2])
    np.testing.assert_allclose(run.theta[1], t1, rtol=0, atol=1e-14)
    r2 = t1.sum() - 1.3
    assert run.loss[1] == pytest.approx(0.5 * r2**2, abs=1e-14)
    np.testing.assert_allclose(run.theta[2], t1 - 0.05 * r2, rtol=0, atol=1e-14)


def test_stream_of_wrong_length_is_refused():
    stream = Stream(np.array(X1), np.array(Y1), np.array([2, 1]))
    with pytest.raises(ValueError, match="2 steps"):
        rw.train("pytorch", stream=stream)


# --- the Run ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["caffe2", "mxnet", "pytorch"])
def test_run_shapes(name):
    recipe = rw.RECIPES[name]
    run = rw.train(name, seed=1)
    T, P = recipe.total_steps, recipe.dim + 1
    assert run.theta.shape == (T + 1, P) and run.loss.shape == (T,) and run.lr.shape == (T,)
    assert run.theta.dtype == run.loss.dtype == np.float64
    assert run.steps == T and run.diverged_at is None
    np.testing.assert_array_equal(run.theta[0], rw.initial_theta(name, 1))
    np.testing.assert_array_equal(run.w, run.theta[-1, :-1])
    assert run.b == run.theta[-1, -1]
    np.testing.assert_array_equal(run.last_theta, run.theta[-1])
    assert (run.lr > 0).all() and np.isfinite(run.loss).all()
    assert run.recipe == recipe and run.seed == 1 and run.seconds > 0


def test_epoch_loss_is_the_mean_of_each_epochs_batch_losses():
    run = rw.train("pytorch", seed=0)
    np.testing.assert_allclose(run.epoch_loss, run.loss.reshape(25, 7).mean(axis=1), rtol=1e-14)
    partial = rw.train("pytorch", seed=0, steps=10)  # one epoch and three steps of the next
    np.testing.assert_allclose(partial.epoch_loss, [run.loss[:7].mean(), run.loss[7:10].mean()], rtol=1e-14)
    assert rw.train("caffe2", seed=0).epoch_loss.shape == (0,)


def test_loss_is_taken_before_the_update():
    """Each step's loss is the minibatch loss at the θ the step starts from."""
    run = rw.train("mxnet", seed=2, epochs=1)
    X, y, off = run.stream.X, run.stream.y, run.stream.offsets
    for t in (0, 1, 500, 2499):
        xb, yb = X[off[t]:off[t + 1]], y[off[t]:off[t + 1]]
        expected = np.mean((xb @ run.theta[t, :-1] + run.theta[t, -1] - yb) ** 2)
        assert run.loss[t] == pytest.approx(expected, rel=1e-12)


def test_full_batch_loss_equals_the_landscape():
    run = rw.train("pytorch", seed=5, batch_size=50, epochs=30)
    landscape = rw.Landscape.for_recipe("pytorch", 5)
    np.testing.assert_allclose(run.loss, landscape.loss(run.theta[:-1]), rtol=1e-11)


# --- compiled and vectorized methods agree ---------------------------------------------------------

CASES = [
    ("caffe2", {}),
    ("caffe2", {"batch_size": 1, "steps": 300}),
    ("caffe2", {"batch_size": 7, "gamma": 0.5, "stepsize": 3, "steps": 40}),  # short run: stepwise path
    ("mxnet", {}),
    ("mxnet", {"batch_size": 3, "epochs": 2}),  # ragged: 3,333 batches of 3 and one of 1 per epoch
    ("mxnet", {"batch_size": 64, "lr": 0.05, "gamma": 0.7, "stepsize": 50, "epochs": 3}),
    ("pytorch", {}),
    ("pytorch", {"batch_size": 7}),
    ("pytorch", {"batch_size": 50, "lr": 0.2}),
    ("pytorch", {"batch_size": 1, "gamma": 0.9, "stepsize": 20, "epochs": 4}),
]


@pytest.mark.parametrize("name, overrides", CASES)
def test_methods_agree_float64(name, overrides):
    a = rw.train(name, seed=3, method="compiled", **overrides)
    b = rw.train(name, seed=3, method="vectorized", **overrides)
    scale = max(1.0, np.abs(a.theta).max())
    np.testing.assert_allclose(b.theta, a.theta, rtol=0, atol=1e-10 * scale)
    np.testing.assert_allclose(b.loss, a.loss, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(b.lr, a.lr)


@pytest.mark.parametrize("name, overrides", CASES[::2])
def test_methods_agree_float32(name, overrides):
    exact = rw.train(name, seed=3, **overrides)
    for method in METHODS:
        run = rw.train(name, seed=3, method=method, dtype="float32", **overrides)
        assert run.dtype == "float32" and run.theta.dtype == np.float64  # results come back as float64
        assert not np.array_equal(run.theta, exact.theta)  # float32 rounding happened
        np.testing.assert_allclose(run.theta, exact.theta, rtol=0, atol=2e-3)
        np.testing.assert_allclose(run.loss, exact.loss, rtol=5e-3, atol=1e-4)


def test_auto_method_is_the_compiled_one():
    a = rw.train("pytorch", seed=0)
    b = rw.train("pytorch", seed=0, method="compiled")
    np.testing.assert_array_equal(a.theta, b.theta)


# --- divergence ------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name, overrides", [("pytorch", {}), ("mxnet", {"epochs": 1}), ("caffe2", {"steps": 1000})])
def test_divergence_past_lr_max(name, overrides, method, no_warnings):
    lr_max = rw.Landscape.for_recipe(name, 0).lr_max
    lr = min(10.0, 10 * lr_max)
    run = rw.train(name, seed=0, lr=lr, method=method, **overrides)
    k = run.diverged_at
    assert k is not None and 1 <= k <= run.steps
    assert np.isfinite(run.theta[:k]).all() and np.isnan(run.theta[k:]).all()
    assert np.isfinite(run.loss[:k - 1]).all() and np.isnan(run.loss[k - 1:]).all()
    assert np.isfinite(run.last_theta).all()
    np.testing.assert_array_equal(run.last_theta, run.theta[k - 1])
    # it really blew up before giving out
    assert np.abs(run.theta[k - 1]).max() > 1e100


def test_divergence_step_agrees_between_methods(no_warnings):
    for name, lr in [("pytorch", 4.0), ("mxnet", 3.0), ("mxnet", 1.5)]:
        a = rw.train(name, seed=1, lr=lr, method="compiled")
        b = rw.train(name, seed=1, lr=lr, method="vectorized")
        assert a.diverged_at is not None and b.diverged_at is not None
        # both stop where float64 overflows; the loops' rounding may differ at the edge of the range
        assert abs(a.diverged_at - b.diverged_at) <= 1


def test_lr_max_is_the_stability_boundary_of_full_batch_descent(no_warnings):
    """Full-batch gradient descent converges just below 2/λ_max and blows up just above."""
    landscape = rw.Landscape.for_recipe("pytorch", 0)
    below = rw.train("pytorch", seed=0, batch_size=50, epochs=2000, lr=0.95 * landscape.lr_max)
    assert below.diverged_at is None
    np.testing.assert_allclose(below.theta[-1], landscape.optimum, atol=1e-8)
    above = rw.train("pytorch", seed=0, batch_size=50, epochs=2000, lr=1.2 * landscape.lr_max)
    assert above.diverged_at is not None  # |1 − 1.2·2|²⁰⁰⁰ overflows
    # just above the limit it grows without bound (1.1 per step: 1e83 after 2,000 steps, still finite)
    barely = rw.train("pytorch", seed=0, batch_size=50, epochs=2000, lr=1.05 * landscape.lr_max)
    distance = np.linalg.norm(barely.theta - landscape.optimum, axis=1)
    assert distance[-1] > 1e60 and (np.diff(distance[-100::2]) > 0).all()


def test_float32_divergence(no_warnings):
    run = rw.train("pytorch", seed=0, lr=2.0, dtype="float32")
    assert run.diverged_at is not None  # float32 overflows far earlier than float64
    assert run.diverged_at < rw.train("pytorch", seed=0, lr=2.0).diverged_at


def test_no_runtime_warning_flood_in_sweeps(no_warnings):
    s = rw.sweep("mxnet", lr=[1e-4, 3.0, 10.0], epochs=1)
    assert s.diverged_at[0] == 0 and (s.diverged_at[1:] > 0).all()
    assert np.isfinite(s.theta_final[0]).all() and np.isnan(s.theta_final[1:]).all()


# --- sweeps ----------------------------------------------------------------------------------------


def test_sweep_grid_equals_individual_runs():
    lrs = [0.001, 0.01, 0.05]
    s = rw.sweep("pytorch", lr=lrs, seed=[0, 1], keep_path=True)
    assert s.shape == (3, 2)
    assert [(c["lr"], c["seed"]) for c in s.settings] == [(lr, seed) for lr in lrs for seed in (0, 1)]
    assert s.theta_final.shape == s.theta0.shape == (6, 2)
    for i, combo in enumerate(s.settings):
        run = rw.train("pytorch", **combo)
        np.testing.assert_allclose(s.theta_final[i], run.theta[-1], rtol=0, atol=1e-12)
        np.testing.assert_allclose(s.loss[i], run.loss, rtol=1e-12)
        np.testing.assert_array_equal(s.theta0[i], run.theta[0])
        np.testing.assert_allclose(s.runs[i].theta, run.theta, rtol=0, atol=1e-12)
        np.testing.assert_array_equal(s.runs[i].lr, run.lr)
    finals = s.grid(s.theta_final[:, 0])
    assert finals.shape == (3, 2) and finals[2, 1] == s.theta_final[5, 0]
    assert s.runs is not None and rw.sweep("pytorch", lr=lrs).runs is None


def test_sweep_groups_runs_by_data():
    """Runs that share seed, noise, batch size and length share one stream; others get their own."""
    s = rw.sweep("pytorch", lr=[0.01, 0.02], batch_size=[8, 5], seed=[0, 3], keep_path=True)
    assert s.shape == (2, 2, 2)
    by = {(c["lr"], c["batch_size"], c["seed"]): r for c, r in zip(s.settings, s.runs, strict=True)}
    assert by[0.01, 8, 0].stream is by[0.02, 8, 0].stream
    assert by[0.01, 8, 0].stream is not by[0.01, 5, 0].stream
    assert by[0.01, 8, 0].stream is not by[0.01, 8, 3].stream
    # other batch sizes mean other numbers of steps
    assert len(by[0.01, 8, 0].loss) == 175 and len(by[0.01, 5, 0].loss) == 250
    for (lr, batch, seed), run in by.items():
        ref = rw.train("pytorch", lr=lr, batch_size=batch, seed=seed)
        np.testing.assert_allclose(run.theta, ref.theta, rtol=0, atol=1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_many_run_sweep_equals_individual_runs(method):
    """More than 16 runs (the vectorized method steps them together) over gamma and stepsize too."""
    lrs = np.geomspace(1e-3, 0.3, 12)
    s = rw.sweep("pytorch", lr=lrs, gamma=[1.0, 0.5], stepsize=[1, 30], method=method, seed=2)
    assert s.shape == (12, 2, 2) and s.axes == ("lr", "gamma", "stepsize")
    for i in (0, 7, 23, 47):
        run = rw.train("pytorch", method="compiled", **s.settings[i])
        np.testing.assert_allclose(s.theta_final[i], run.theta[-1], rtol=0, atol=1e-10)
        np.testing.assert_allclose(s.loss[i], run.loss, rtol=1e-10)


def test_seed_sweep_matches_runs_for_streaming_caffe2():
    s = rw.sweep("caffe2", seed=range(20), steps=60)
    assert s.shape == (20,) and s.axes == ("seed",)  # one axis per sequence given; steps is fixed
    for seed in (0, 13, 19):
        run = rw.train("caffe2", seed=seed, steps=60)
        np.testing.assert_allclose(s.theta_final[seed], run.theta[-1], rtol=0, atol=1e-12)


def test_sweep_validates_every_combination():
    with pytest.raises(rw.InvalidSetting) as err:
        rw.sweep("pytorch", lr=[0.01, -1])
    assert err.value.field == "lr"
    with pytest.raises(rw.InvalidSetting) as err:
        rw.sweep("pytorch", batch_size=[8, 60])
    assert err.value.field == "batch_size"


# --- statistics: the tutorials' published behaviour --------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_mxnet_epoch_loss_falls_by_e_each_epoch(seed):
    """lr·2·λ·2,500 steps = 0.5 per epoch on θ, so the excess loss falls by e⁻¹ per epoch (DESIGN §1)."""
    run = rw.train("mxnet", seed=seed)
    ratios = run.epoch_loss[1:4] / run.epoch_loss[:3]
    np.testing.assert_allclose(ratios, math.exp(-1), atol=0.015)
    assert abs(ratios.mean() - math.exp(-1)) < 0.01
    assert (np.diff(run.epoch_loss) < 0).all()
    # it ends near the noise floor (0.1² = 0.01), like the published 0.0134
    assert 0.009 < run.epoch_loss[-1] < 0.02


@pytest.mark.parametrize("name, atol", [("caffe2", 0.15), ("mxnet", 0.06), ("pytorch", 0.35)])
def test_final_parameters_near_truth_across_seeds(name, atol):
    truth = np.asarray(rw.RECIPES[name].theta_true)
    finals = np.array([rw.train(name, seed=seed).theta[-1] for seed in range(8)])
    np.testing.assert_allclose(finals, np.broadcast_to(truth, finals.shape), rtol=0, atol=atol)
    # and on average closer still
    assert np.abs(finals.mean(axis=0) - truth).max() < atol / 2


def test_pytorch_loss_falls_like_the_tutorial():
    """The tutorial's first epoch loss is 50.09, then 25.08; seeds vary, but the fall is similar."""
    losses = np.array([rw.train("pytorch", seed=s).epoch_loss[:2] for s in range(10)])
    assert 20 < losses[:, 0].mean() < 80
    assert (losses[:, 1] < losses[:, 0]).all()


def test_caffe2_published_results_are_within_run_to_run_spread():
    finals = np.array([rw.train("caffe2", seed=s).theta[-1] for s in range(30)])
    spread = finals.std(axis=0)
    for published in ([1.958, 1.473, 0.452], [2.012, 1.485, 0.491]):
        assert (np.abs(np.asarray(published) - finals.mean(axis=0)) < 4 * spread + 0.01).all()


def test_no_warnings_in_ordinary_runs(no_warnings):
    for name in rw.RECIPES:
        for method in METHODS:
            rw.train(name, seed=0, method=method)


def test_train_from_a_given_theta0_on_a_recording():
    """``theta0`` and ``stream`` together run the engine on any data from any start: a recording's
    replay is then ``train`` with the recording's own settings."""
    from regress_widgets.frameworks.record import shipped

    rec = rw.Recording.load(shipped("pytorch"))
    stream = Stream(rec.X, rec.y, rec.batch_sizes)
    run = rw.train(rec.recipe, seed=0, stream=stream, theta0=rec.theta0)
    np.testing.assert_allclose(run.theta, rw.replay(rec).theta, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(run.theta[0], rec.theta0)
    with pytest.raises(rw.InvalidSetting, match="theta0"):
        rw.train("pytorch", theta0=[1.0, 2.0, 3.0])
    with pytest.raises(rw.InvalidSetting, match="theta0"):
        rw.train("pytorch", theta0=[np.nan, 0.0])
