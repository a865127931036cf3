"""The loss landscape from sufficient statistics, checked against brute force."""

from __future__ import annotations

import numpy as np
import pytest

import regress_widgets as rw
from regress_widgets.theory.landscape import Landscape


def _loss(X, y, theta, scale):
    return scale * np.mean((X @ theta[:-1] + theta[-1] - y) ** 2)


def _brute_grid(X, y, i, j, a, b, at, scale):
    """The tutorial's double Python loop over the grid, generalised to any slice."""
    Z = np.zeros((len(b), len(a)))
    for ai, va in enumerate(a):
        for bi, vb in enumerate(b):
            theta = np.array(at, dtype=float)
            theta[i], theta[j] = va, vb
            Z[bi, ai] = _loss(X, y, theta, scale)
    return Z


def test_pytorch_grid_equals_the_tutorials_double_loop():
    data = rw.make_dataset("pytorch", 0)
    land = Landscape.for_recipe("pytorch", 0)
    k_values = np.linspace(3 - 7, 3 + 7, 40)
    m_values = np.linspace(5 - 7, 5 + 7, 30)
    # the tutorial's own loop: loss_values[m_i, k_i] = mean((Y − (k·X + m))²)
    expected = np.zeros((30, 40))
    for k_i in range(40):
        for m_i in range(30):
            y_hat = k_values[k_i] * data.X[:, 0] + m_values[m_i]
            expected[m_i, k_i] = np.mean((data.y - y_hat) ** 2)
    np.testing.assert_allclose(land.grid(0, 1, k_values, m_values), expected, rtol=1e-11)


@pytest.mark.parametrize("scale", [0.5, 1.0])
@pytest.mark.parametrize("i, j", [(0, 1), (0, 2), (2, 1)])
def test_slices_of_a_3_parameter_surface(i, j, scale):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(37, 2))
    y = X @ [1.0, -2.0] + 0.3 + rng.normal(size=37)
    land = Landscape.from_data(X, y, scale)
    a, b = np.linspace(-3, 3, 11), np.linspace(-2, 4, 13)
    # default slice: the others held at the least-squares optimum
    np.testing.assert_allclose(land.grid(i, j, a, b), _brute_grid(X, y, i, j, a, b, land.optimum, scale),
                               rtol=1e-11)
    at = np.array([0.7, -0.1, 2.0])
    np.testing.assert_allclose(land.grid(i, j, a, b, at=at), _brute_grid(X, y, i, j, a, b, at, scale),
                               rtol=1e-11)


def test_loss_equals_direct_mean_at_any_theta():
    data = rw.make_dataset("mxnet", 1)
    land = Landscape.for_recipe("mxnet", 1)
    thetas = np.random.default_rng(2).normal(size=(5, 3)) * 3
    np.testing.assert_allclose(land.loss(thetas), [_loss(data.X, data.y, t, 1.0) for t in thetas], rtol=1e-10)
    assert land.loss(thetas).shape == (5,) and land.loss(thetas[0]).shape == ()
    assert land.param_names == ("w0", "w1", "b")


def test_optimum_is_least_squares_and_minimal():
    data = rw.make_dataset("mxnet", 3)
    land = Landscape.for_recipe("mxnet", 3)
    A = np.column_stack([data.X, np.ones(len(data.X))])
    lstsq = np.linalg.lstsq(A, data.y, rcond=None)[0]
    np.testing.assert_allclose(land.optimum, lstsq, rtol=1e-10)
    assert land.min_loss == pytest.approx(_loss(data.X, data.y, lstsq, 1.0), rel=1e-10)
    # every nearby θ is worse, and the gradient vanishes there
    steps = np.random.default_rng(0).normal(size=(200, 3)) * np.geomspace(1e-4, 1, 200)[:, None]
    assert (land.loss(land.optimum + steps) > land.min_loss).all()
    np.testing.assert_allclose(land.G @ land.optimum - land.h, 0, atol=1e-12)
    # the noise floor: the minimum is about noise² = 0.01
    assert land.min_loss == pytest.approx(0.01, rel=0.05)


def test_population_optimum_for_caffe2_is_the_truth():
    land = Landscape.population("caffe2")
    np.testing.assert_allclose(land.optimum, [2.0, 1.5, 0.5], rtol=0, atol=1e-14)
    assert land.min_loss == pytest.approx(0.5 * 1.0**2, abs=1e-12)  # 0.5·noise²
    np.testing.assert_allclose(land.hessian, np.eye(3), atol=1e-15)  # 2·0.5·E[x̃x̃ᵀ] = I
    assert land.lr_max == pytest.approx(2.0)
    assert Landscape.for_recipe("caffe2").optimum.tolist() == land.optimum.tolist()
    quiet = Landscape.population(rw.RECIPES["caffe2"].with_settings(noise=0.25))
    assert quiet.min_loss == pytest.approx(0.5 * 0.25**2, abs=1e-12)


def test_population_matches_a_large_sample():
    """For every recipe, the population surface is the limit of the data's surface."""
    for name in ("caffe2", "mxnet", "pytorch"):
        recipe = rw.RECIPES[name]
        rng = np.random.default_rng(1)
        n = 400_000
        if recipe.x.kind == "normal":
            X = rng.normal(recipe.x.a, recipe.x.b, (n, recipe.dim))
        else:
            X = rng.uniform(recipe.x.a, recipe.x.b, (n, recipe.dim))
        y = X @ np.asarray(recipe.w_true) + recipe.b_true + recipe.noise * rng.normal(size=n)
        sample = Landscape.from_data(X, y, recipe.loss_scale)
        population = Landscape.population(recipe)
        np.testing.assert_allclose(sample.G, population.G, atol=0.02)
        np.testing.assert_allclose(sample.optimum, population.optimum, atol=0.01)
        np.testing.assert_allclose(population.optimum, recipe.theta_true, atol=1e-12)


@pytest.mark.parametrize("name, seed", [("pytorch", 0), ("pytorch", 4), ("mxnet", 0)])
def test_lr_max_matches_the_explicit_hessian(name, seed):
    recipe = rw.RECIPES[name]
    data = rw.make_dataset(name, seed)
    land = Landscape.for_recipe(name, seed)
    A = np.column_stack([data.X, np.ones(len(data.X))])
    H = 2 * recipe.loss_scale * A.T @ A / len(A)  # ∇² of s·mean((Aθ − y)²)
    np.testing.assert_allclose(land.hessian, H, rtol=1e-12)
    lam = np.linalg.eigvalsh(H)
    np.testing.assert_allclose(land.eigenvalues, lam[::-1], rtol=1e-10)
    assert land.lr_max == pytest.approx(2 / lam.max(), rel=1e-12)
    # and by finite differences of the loss itself (exact for a quadratic, up to rounding)
    e, eps = np.eye(len(H)), 1e-3
    t = land.optimum
    fd = np.array([[(land.loss(t + eps * (e[p] + e[q])) - land.loss(t + eps * (e[p] - e[q]))
                     - land.loss(t - eps * (e[p] - e[q])) + land.loss(t - eps * (e[p] + e[q]))) / (4 * eps**2)
                    for q in range(len(H))] for p in range(len(H))])
    np.testing.assert_allclose(fd, H, atol=1e-5)


def test_caffe2_half_mse_halves_the_hessian():
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(100, 2)), rng.normal(size=100)
    half, full = Landscape.from_data(X, y, 0.5), Landscape.from_data(X, y, 1.0)
    np.testing.assert_allclose(half.hessian * 2, full.hessian)
    assert half.lr_max == pytest.approx(2 * full.lr_max)
    np.testing.assert_allclose(half.optimum, full.optimum)


def test_grid_cost_does_not_depend_on_n():
    """A grid reads only G, h, c: two datasets with the same statistics give the same surface."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 1))
    y = 3 * X[:, 0] + 5 + rng.normal(size=50)
    small = Landscape.from_data(X, y)
    big = Landscape.from_data(np.repeat(X, 2000, axis=0), np.repeat(y, 2000))  # 100,000 rows
    a, b = np.linspace(-4, 10, 200), np.linspace(-2, 12, 200)
    np.testing.assert_allclose(small.grid(0, 1, a, b), big.grid(0, 1, a, b), rtol=1e-10)
    assert small.grid(0, 1, a, b).shape == (200, 200)
