"""The landscape with weight decay (loss + λ/2·|θ|²) and the stability limits of each optimizer (issue 13)."""

from __future__ import annotations

import numpy as np
import pytest

import regress_widgets as rw
from regress_widgets.theory.landscape import limit_formula


@pytest.mark.parametrize("name", sorted(rw.RECIPES))
def test_weight_decay_adds_half_lambda_theta_squared(name):
    lam = 0.3
    plain = rw.Landscape.for_recipe(name, seed=1)
    decayed = rw.Landscape.for_recipe(rw.RECIPES[name].with_settings(weight_decay=lam), seed=1)
    assert decayed.weight_decay == lam and plain.weight_decay == 0
    theta = np.random.default_rng(0).normal(0, 3, (20, plain.G.shape[0]))
    np.testing.assert_allclose(decayed.loss(theta), plain.loss(theta) + lam / 2 * (theta**2).sum(axis=1), rtol=1e-12)
    s = plain.loss_scale
    np.testing.assert_allclose(decayed.hessian, 2 * s * plain.G + lam * np.eye(len(plain.h)), rtol=1e-12)
    # the optimum: where the engine's gradient g + λθ = 2s(Gθ − h) + λθ vanishes
    opt = decayed.optimum
    np.testing.assert_allclose(2 * s * (plain.G @ opt - plain.h) + lam * opt, 0, atol=1e-12)
    assert np.abs(opt).sum() < np.abs(plain.optimum).sum()  # decay pulls the optimum towards 0
    a, b = np.linspace(-2, 4, 7), np.linspace(-1, 6, 5)
    grid = decayed.grid(0, 1, a, b)
    at = opt.copy()
    for r, bv in enumerate(b):
        for c, av in enumerate(a):
            at[0], at[1] = av, bv
            assert grid[r, c] == pytest.approx(float(decayed.loss(at)), rel=1e-12)


def test_full_batch_descent_with_weight_decay_reaches_the_decayed_optimum():
    recipe = rw.RECIPES["pytorch"].with_settings(batch_size=50, epochs=3000, lr=0.05, weight_decay=0.5)
    for optimizer, extra in (("sgd", {}), ("sgd", {"momentum": 0.5}), ("nesterov", {"momentum": 0.5})):
        run = rw.train(recipe.with_settings(optimizer=optimizer, **extra))
        np.testing.assert_allclose(run.theta[-1], run.landscape.optimum, atol=1e-9)
        assert np.abs(run.theta[-1] - rw.Landscape.for_recipe("pytorch").optimum).max() > 0.1


@pytest.mark.parametrize("optimizer, beta", [("sgd", 0.0), ("sgd", 0.5), ("sgd", 0.9), ("nesterov", 0.5),
                                             ("nesterov", 0.9)])
def test_each_optimizers_limit_is_the_boundary_of_full_batch_descent(optimizer, beta):
    land = rw.Landscape.for_recipe("pytorch", seed=0)
    limit = land.lr_limit(optimizer, beta)
    lam = land.eigenvalues[0]
    expected = {"sgd": 2 * (1 + beta) / lam, "nesterov": 2 * (1 + beta) / ((1 + 2 * beta) * lam)}[optimizer]
    assert limit == pytest.approx(expected, rel=1e-12)
    settings = dict(batch_size=50, epochs=2000, optimizer=optimizer, momentum=beta)
    below = rw.train("pytorch", lr=0.95 * limit, **settings)
    above = rw.train("pytorch", lr=1.05 * limit, **settings)
    assert np.abs(below.theta[-1] - land.optimum).max() < 1e-6 and below.status.kind == "converged"
    assert above.diverged_at is not None or np.abs(above.theta[-1] - land.optimum).max() > 1e3
    assert above.status.kind in ("diverging", "diverged")


def test_momentum_runs_past_2_over_lambda_max_are_not_called_diverging():
    land = rw.Landscape.for_recipe("pytorch", seed=0)
    run = rw.train("pytorch", batch_size=50, epochs=400, momentum=0.9, lr=1.5 * land.lr_max)
    assert run.status.kind == "converged", run.status.text


def test_adam_has_no_fixed_limit():
    land = rw.Landscape.for_recipe("mxnet", seed=0)
    assert land.lr_limit("adam", 0.0) is None
    assert "no fixed stability limit" in limit_formula("adam")
    assert limit_formula("sgd") == "2/λmax" and limit_formula("sgd", 0.9) == "2(1+β)/λmax"
    run = rw.train("pytorch", optimizer="adam", lr=5.0, epochs=5)  # far past 2/λmax: wanders, does not blow up
    assert run.diverged_at is None and "stability limit" not in run.status.text
    with pytest.raises(ValueError):
        land.lr_limit("rmsprop")
