"""The engine reading a dataset through the stream's indices gives the very numbers of the gathered stream."""

from __future__ import annotations

import numpy as np
import pytest

import regress_widgets as rw
from regress_widgets.engine.optimizers import Rule
from regress_widgets.engine.sgd import simulate
from regress_widgets.recipes.data import batch_sizes, make_dataset, make_stream, stream_order


@pytest.mark.parametrize("method", ["compiled", "vectorized"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, settings", [("mxnet", {"epochs": 2}), ("pytorch", {"batch_size": 7}),
                                            ("pytorch", {"momentum": 0.9, "lr": 0.3})])
def test_indexed_equals_gathered(method, dtype, name, settings):
    recipe = rw.RECIPES[name].with_settings(**settings)
    data, stream, order = make_dataset(recipe, 3), make_stream(recipe, 3), stream_order(recipe, 3)
    np.testing.assert_array_equal(data.X[order], stream.X)
    theta0 = np.tile(rw.initial_theta(recipe, 3), (2, 1)).astype(dtype)
    lr = np.stack([recipe.learning_rates(), 1.5 * recipe.learning_rates()]).astype(dtype)
    kw = dict(method=method, keep_path=True, rule=Rule.of([recipe, recipe]))
    a = simulate(stream.X.astype(dtype), stream.y.astype(dtype), stream.batch_sizes, theta0, lr, 1.0, **kw)
    b = simulate(data.X.astype(dtype), data.y.astype(dtype), batch_sizes(recipe), theta0, lr, 1.0, index=order, **kw)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)


def test_a_sweep_without_paths_equals_one_with_them():
    grid = dict(lr=[0.01, 0.3, 0.9], seed=[0, 1], batch_size=[1, 4], epochs=1)
    fast, slow = rw.sweep("mxnet", **grid), rw.sweep("mxnet", keep_path=True, **grid)
    np.testing.assert_array_equal(fast.theta_final, slow.theta_final)
    np.testing.assert_array_equal(fast.diverged_at, slow.diverged_at)
    for i, run in enumerate(slow.runs):
        single = rw.train("mxnet", **slow.settings[i])
        np.testing.assert_array_equal(single.theta[-1], fast.theta_final[i])
        assert single.diverged_at == run.diverged_at
