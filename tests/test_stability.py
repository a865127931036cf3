"""The stability limits (issue 15): gradient descent's and the mean-square limit of minibatch SGD, by hand on small
cases, against independent enumerations of the batches, and against the engine's own runs."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import regress_widgets as rw
from regress_widgets.engine.optimizers import Rule
from regress_widgets.engine.sgd import step_maps
from regress_widgets.recipes.data import Stream, batch_sizes, make_dataset
from regress_widgets.theory.limits import limits_for
from regress_widgets.theory.stability import Stability


def _scalar(h: float, v: float) -> Stability:
    """One parameter, fresh batches: H = h, Var(H_i) = v."""
    return Stability(np.array([[h]]), np.array([[v]]), None)


@pytest.mark.parametrize("h, v, B", [(2.0, 8.0, 1), (2.0, 8.0, 4), (0.5, 0.1, 3), (3.0, 0.0, 1)])
def test_one_parameter_by_hand(h, v, B):
    # E[(1 − η·h_b)²] = 1 − 2ηh + η²(h² + v/B) < 1  ⇔  η < 2h/(h² + v/B)
    st = _scalar(h, v)
    expected = 2 * h / (h * h + v / B)
    assert st.mean_square_limit(B) == pytest.approx(expected, rel=1e-12)
    assert st.gd_limit() == pytest.approx(2 / h)
    crossing = Stability._crossing(lambda lr: st.growth(lr, B), st.gd_limit())  # the generic search agrees
    assert crossing == pytest.approx(expected, rel=1e-6)
    assert st.growth(0.99 * expected, B)[0] < 1 < st.growth(1.01 * expected, B)[0] or v == 0


@pytest.mark.parametrize("beta", [0.3, 0.9])
def test_momentum_without_batch_noise_is_gradient_descent(beta):
    st = _scalar(2.0, 0.0)  # every batch the same: the mean-square limit is gradient descent's
    assert st.mean_square_limit(1, "sgd", beta) == pytest.approx(2 * (1 + beta) / 2, rel=1e-5)
    assert st.mean_square_limit(1, "nesterov", beta) == pytest.approx(2 * (1 + beta) / ((1 + 2 * beta) * 2),
                                                                       rel=1e-5)
    noisy = _scalar(2.0, 8.0)
    assert noisy.mean_square_limit(4, "sgd", beta) < noisy.gd_limit("sgd", beta)
    assert noisy.mean_square_limit(4, "adam") is None and noisy.gd_limit("adam") is None


def _two_points():
    recipe = rw.RECIPES["pytorch"].with_settings(batch_size=1)
    return recipe, np.array([[-1.0], [1.0]])


def test_two_examples_by_hand():
    # x̃ = [∓1, 1]: each example's Hessian 2x̃x̃ᵀ has eigenvalue 4 along x̃, 0 across; H = 2I, so 2/λmax = 1.
    # The two directions are orthogonal: an epoch (both examples, either order) is (1 − 4η)·I, stable iff η < 1/2.
    recipe, X = _two_points()
    st = Stability.of_examples(recipe, X)
    assert st.gd_limit() == pytest.approx(1.0)
    assert st.exact(1) and st.mean_square_limit(1) == pytest.approx(0.5, rel=1e-6)
    assert st.growth(0.3, 1)[0] == pytest.approx(abs(1 - 4 * 0.3), rel=1e-9)
    # independent batches: ½((1 − 4η)² + 1) < 1, the same limit; the closed form gives it
    independent = Stability(st.hessian, st.covariance, st.n_examples)
    assert not independent.exact(1) and independent.mean_square_limit(1) == pytest.approx(0.5, rel=1e-9)
    assert independent.growth(0.3, 1)[0] == pytest.approx(((1 - 1.2) ** 2 + 1) / 2, rel=1e-9)


def _subsets(X, B):
    Z = np.concatenate([X, np.ones((len(X), 1))], axis=1)
    return [Z[list(c)] for c in itertools.combinations(range(len(X)), B)]


@pytest.mark.parametrize("optimizer, beta", [("sgd", 0.0), ("sgd", 0.6), ("nesterov", 0.5)])
def test_operator_equals_the_enumerated_batches_of_the_engine_maps(optimizer, beta):
    # every batch of 2 of 6 examples (all equally likely without replacement), its step map from the engine's own
    # step_maps: the mean of A_b ⊗ A_b is the operator, finite-population correction included (Caffe2's
    # conventions: MXNet's NAG reads the decayed θ after the step, a term of order lr·λ the limits leave out)
    recipe = rw.RECIPES["caffe2"].with_settings(optimizer=optimizer, momentum=beta, weight_decay=0.1)
    X = np.random.default_rng(3).normal(size=(6, 2))
    st = Stability.of_examples(recipe, X)
    lr = 0.3
    maps = []
    for Zb in _subsets(X, 2):
        G = (Zb.T @ Zb / 2)[None]
        M, _ = step_maps(np, G, np.zeros((1, 3)), np.array([[lr]]), recipe.loss_scale, Rule.of([recipe]))
        maps.append(M[0, 0])
    brute = np.mean([np.kron(A, A) for A in maps], axis=0)
    np.testing.assert_allclose(st.operator(lr, 2, optimizer, beta)[0], brute, atol=1e-12)


@pytest.mark.parametrize("name", ["caffe2", "pytorch"])
def test_population_moments_match_a_large_sample(name):
    recipe = rw.RECIPES[name]
    exact = Stability.population(recipe)
    rng = np.random.default_rng(0)
    x = recipe.x
    X = rng.normal(x.a, x.b, (400_000, recipe.dim)) if x.kind == "normal" else rng.uniform(x.a, x.b,
                                                                                        (400_000, recipe.dim))
    sample = Stability.of_examples(recipe, X)
    np.testing.assert_allclose(exact.hessian, sample.hessian, atol=0.02 * np.abs(exact.hessian).max())
    np.testing.assert_allclose(exact.covariance, sample.covariance, atol=0.03 * np.abs(exact.covariance).max())


def _dominant(T, P):
    """The PSD second moment that grows fastest under T (its eigenvector), as a covariance to draw from."""
    w, V = np.linalg.eig(T)
    S = V[:, np.argmax(np.abs(w))].real.reshape(P, P)
    S = (S + S.T) / 2
    S = S if np.trace(S) > 0 else -S
    vals, vecs = np.linalg.eigh(S)
    return vecs @ np.diag(np.clip(vals, 0, None)) @ vecs.T


def _engine_growth(name, B, lr, steps, runs, start):
    """Mean |θ_T − θ*|² / mean |θ_0 − θ*|² over engine runs on the recipe's shuffled data (noise 0: θ* fits)."""
    recipe = rw.RECIPES[name].with_settings(batch_size=B, noise=0.0, lr=lr, steps=steps)
    data = make_dataset(recipe, 0)
    opt = rw.Landscape.of_examples(recipe, data.X, data.y).optimum
    L = np.linalg.cholesky(start + 1e-14 * np.eye(len(opt)))
    rng = np.random.default_rng(5)
    sizes = batch_sizes(recipe)
    num = den = 0.0
    for _ in range(runs):
        e0 = L @ rng.standard_normal(len(opt))
        order = rng.permutation(recipe.n_examples)[:int(sizes.sum())]  # one epoch's shuffle, as the loader does
        run = rw.train(recipe, stream=Stream(data.X[order], data.y[order], sizes), theta0=opt + e0)
        num += ((run.theta[-1] - opt) ** 2).sum()
        den += (e0**2).sum()
    return num / den


@pytest.mark.parametrize("factor", [0.85, 1.15])
def test_mean_square_limit_against_the_engine_mxnet(factor):
    # below the limit the error's mean square shrinks, above it grows, at the rate the operator predicts
    # (3 steps: few enough that the mean over runs is not yet carried by rare runs, the heavy tail)
    st = Stability.for_recipe("mxnet", 0)
    lr = factor * st.mean_square_limit(4)
    T = st.operator(lr, 4)[0]
    predicted = np.abs(np.linalg.eigvals(T)).max() ** 3
    measured = _engine_growth("mxnet", 4, lr, 3, 1500, _dominant(T, 3))
    assert (measured < 1) == (factor < 1)
    assert measured == pytest.approx(predicted, rel=0.1)


@pytest.mark.parametrize("factor", [0.85, 1.1])
def test_mean_square_limit_against_the_engine_pytorch_shuffled_epochs(factor):
    from regress_widgets.theory.epoch_moments import epoch_second_moment

    st = Stability.for_recipe("pytorch", 0)
    assert st.exact(2)
    lr = factor * st.mean_square_limit(2)
    a0, c = st._coefficients(lr, "sgd", 0.0)
    T = epoch_second_moment(st._shuffled_hessians(2), a0, c)[0]
    predicted = np.abs(np.linalg.eigvals(T)).max()  # one epoch: 25 steps
    measured = _engine_growth("pytorch", 2, lr, 25, 1500, _dominant(T, 2))
    assert (measured < 1) == (factor < 1) and (predicted < 1) == (factor < 1)
    assert abs(np.log(measured / predicted)) < np.log(3)  # the same order: the mean over 25 steps is heavy-tailed


def test_limits_of_the_three_tutorials():
    mx = Stability.for_recipe("mxnet", 0)
    assert mx.gd_limit() == pytest.approx(0.9894, abs=1e-4)
    assert mx.mean_square_limit(4) == pytest.approx(0.5255, abs=1e-3)
    assert mx.mean_square_limit(1) == pytest.approx(0.2176, abs=1e-3)
    assert mx.mean_square_limit(10_000) == pytest.approx(mx.gd_limit(), rel=1e-9)  # the full batch: GD
    caffe2 = Stability.for_recipe("caffe2")
    assert caffe2.gd_limit() == pytest.approx(2.0)
    assert caffe2.mean_square_limit(64) == pytest.approx(1.8946, abs=1e-3)
    limits = limits_for("pytorch")
    assert limits["batch_size"] == 8 and limits["mean_square"] <= limits["gradient_descent"]
    assert limits_for(rw.RECIPES["mxnet"].with_settings(optimizer="adam")) == {
        "gradient_descent": None, "mean_square": None, "batch_size": 4}
    # the limit rises with the batch size toward gradient descent's (fixed data: B up to N)
    values = [mx.mean_square_limit(B) for B in (1, 2, 4, 8, 16, 32)]
    assert values == sorted(values) and values[-1] < mx.gd_limit()


def test_bad_batch_sizes_and_optimizers_name_the_field():
    st = Stability.for_recipe("pytorch", 0)
    for bad in (0, 51):
        with pytest.raises(rw.InvalidSetting) as err:
            st.mean_square_limit(bad)
        assert err.value.field == "batch_size" and "[1, 50]" in str(err.value)
    with pytest.raises(rw.InvalidSetting) as err:
        st.mean_square_limit(4, optimizer="lbfgs")
    assert err.value.field == "optimizer"


@pytest.mark.parametrize("optimizer, beta", [("sgd", 0.6), ("nesterov", 0.5)])
def test_momentum_second_moment_against_the_engine(optimizer, beta):
    # the operator's prediction of E|θ_t − θ*|² after 4 steps from θ₀ ~ N(θ*, I), v₀ = 0, against MXNet's own
    # momentum runs (lr in the velocity) on its shuffled data, above and below the limit
    st = Stability.for_recipe("mxnet", 0)
    limit = st.mean_square_limit(4, optimizer, beta)
    recipe = rw.RECIPES["mxnet"].with_settings(noise=0.0, steps=4, optimizer=optimizer, momentum=beta)
    data = make_dataset(recipe, 0)
    opt = rw.Landscape.of_examples(recipe, data.X, data.y).optimum
    rng = np.random.default_rng(7)
    sizes = batch_sizes(recipe)
    for factor in (0.8, 1.3):
        lr = factor * limit
        T = st.operator(lr, 4, optimizer, beta)[0]
        S = np.zeros((6, 6))
        S[:3, :3] = np.eye(3)
        for _ in range(4):
            S = (T @ S.reshape(-1)).reshape(6, 6)
        predicted = np.trace(S[:3, :3]) / 3
        num = den = 0.0
        for _ in range(2500):
            e0 = rng.standard_normal(3)
            order = rng.permutation(recipe.n_examples)[:16]
            run = rw.train(recipe.with_settings(lr=lr), stream=Stream(data.X[order], data.y[order], sizes),
                           theta0=opt + e0)
            num += ((run.theta[-1] - opt) ** 2).sum()
            den += (e0**2).sum()
        measured = num / den  # a mean of heavy-tailed numbers: within a quarter (a third above the limit)
        assert measured == pytest.approx(predicted, rel=0.25 if factor < 1 else 0.35), (factor, measured, predicted)
        assert (measured > 1) == (factor > 1)
