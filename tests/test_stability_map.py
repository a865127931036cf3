"""The stability map (issue 15): its cells are single train runs, its verdicts the verdict's, bad axes are refused."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import regress_widgets as rw
from regress_widgets.engine.stability_map import MapCancelled, limit_curves, stability_map
from regress_widgets.theory.stability import Stability
from regress_widgets.theory.verdict import final_kinds, full_loss


@pytest.mark.parametrize("name, y, ys, extra", [
    ("pytorch", "batch_size", [2, 8], {}),
    ("mxnet", "batch_size", [4, 50], {"epochs": 1}),
    ("caffe2", "momentum", [0.0, 0.6], {}),
    ("pytorch", "noise", [0.1, 2.0], {"optimizer": "nesterov", "momentum": 0.5}),
    ("caffe2", "gamma", [0.7, 1.0], {}),
])
def test_cells_equal_single_train_runs(name, y, ys, extra):
    lrs = [0.02, 0.3, 2.5]
    grid = stability_map(name, y=y, x_values=lrs, y_values=ys, seeds=2, seed=3, backend="numpy", **extra)
    assert grid.final_loss.shape == (2, 3, 2) and grid.seeds == (3, 4)
    for r, yv in enumerate(ys):
        for c, lr in enumerate(lrs):
            for k, seed in enumerate(grid.seeds):
                run = rw.train(name, seed=seed, **{**extra, y: yv, "lr": lr})
                assert grid.kinds[r, c, k] == run.status.kind
                if run.diverged_at:
                    assert grid.final_loss[r, c, k] == np.inf
                else:
                    assert grid.final_loss[r, c, k] == pytest.approx(full_loss(run.landscape, run.theta[-1:])[0],
                                                                     rel=1e-12)
                assert grid.min_loss[r, c, k] == pytest.approx(run.landscape.min_loss, rel=1e-12)
    assert grid.settings_at(1, 2) == {"lr": 2.5, y: ys[1]}
    assert np.isnan(grid.relative_loss[grid.blown_up == 1]).all()


def test_final_kinds_is_the_verdict():
    sweep = rw.sweep("mxnet", lr=list(np.geomspace(0.05, 1.5, 12)), batch_size=[1, 4], epochs=1, keep_path=True)
    land = sweep.runs[0].landscape
    kinds = final_kinds(sweep.theta0, sweep.theta_final, [r.lr[-1] for r in sweep.runs], sweep.diverged_at, land)
    assert list(kinds) == [r.status.kind for r in sweep.runs]
    assert {"converged", "diverged"} <= set(kinds)


def test_the_map_swapped_and_its_limit_curves():
    grid = stability_map("caffe2", x="batch_size", y="lr", x_values=[4, 64], y_values=[0.1, 1.0, 3.0], seeds=1)
    assert grid.final_loss.shape == (3, 2, 1) and grid.other == "batch_size"
    st = Stability.population("caffe2")
    np.testing.assert_allclose(grid.ms_limit, [st.mean_square_limit(4), st.mean_square_limit(64)])
    np.testing.assert_allclose(grid.gd_limit, 2.0)
    assert grid.blown_up[2].tolist() == [1.0, 1.0] and grid.blown_up[0].tolist() == [0.0, 0.0]
    gd, ms = limit_curves(rw.RECIPES["pytorch"].with_settings(optimizer="adam"), "batch_size", [1, 2])
    assert np.isnan(gd).all() and np.isnan(ms).all()
    data = grid.to_json()
    assert data["x"] == "batch_size" and len(data["relative_loss"]) == 3 and data["limits_along"] == "batch_size"


def test_cached_and_progress_and_cancel():
    seen = []
    kw = dict(x_values=[0.01, 0.1], y_values=[1, 2, 4], seeds=1)
    first = stability_map("pytorch", progress=lambda done, total: seen.append((done, total)), **kw)
    assert seen == [(1, 3), (2, 3), (3, 3)]
    assert stability_map("pytorch", **kw) is first  # cached
    stop = threading.Event()
    stop.set()
    with pytest.raises(MapCancelled):
        stability_map("pytorch", cancel=stop, x_values=[0.01, 0.2], y_values=[1, 2], seeds=1)
    with pytest.raises(MapCancelled):
        stability_map("pytorch", cancel=lambda: True, x_values=[0.01, 0.3], y_values=[1, 2], seeds=1)


def test_default_ranges_straddle_the_limits():
    grid = stability_map("pytorch", n=6, seeds=1)
    assert grid.x == "lr" and grid.y == "batch_size"
    assert grid.x_values[0] < grid.ms_limit.min() and grid.x_values[-1] > grid.gd_limit.max()
    assert grid.y_values[0] == 1 and grid.y_values[-1] == 50
    assert grid.blown_up[:, -1].min() == 1.0 and grid.blown_up[:, 0].max() == 0.0


@pytest.mark.parametrize("kwargs, field", [
    ({"x": "steps"}, "x"),
    ({"y": "seed"}, "y"),
    ({"y": "lr"}, "y"),
    ({"x": "batch_size", "y": "noise"}, "x"),
    ({"x_values": [0.1]}, "lr"),
    ({"x_values": [0.2, 0.1]}, "lr"),
    ({"x_values": [0.1, 20.0]}, "lr"),
    ({"x_values": "fast"}, "lr"),
    ({"y_values": [1, 51]}, "batch_size"),
    ({"y_values": [1, 2.5]}, "batch_size"),
    ({"y": "momentum", "optimizer": "adam"}, "momentum"),
    ({"seeds": 0}, "seeds"),
    ({"seeds": 1000}, "seeds"),
    ({"n": 1}, "n"),
    ({"backend": "tpu"}, "backend"),
    ({"batch_size": 0}, "batch_size"),
])
def test_bad_axes_and_ranges_name_the_field(kwargs, field):
    with pytest.raises(rw.InvalidSetting) as err:
        stability_map("pytorch", **kwargs)
    assert err.value.field == field and err.value.allowed in str(err.value)


def test_too_many_cells_for_memory(monkeypatch):
    import regress_widgets.engine.memory as memory

    monkeypatch.setattr(memory, "memory_limit", lambda: 10_000)
    with pytest.raises(memory.TooBig) as err:
        stability_map("pytorch", n=40, seeds=4)
    assert err.value.field == "seeds" and "40" in str(err.value)


def test_diverging_runs_make_no_warnings():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        grid = stability_map("mxnet", x_values=[0.5, 3.0, 9.0], y_values=[1, 4], seeds=1, epochs=1)
    assert (grid.kinds[:, 1:] == "diverged").all()


def test_any_recipe_with_a_fixed_dataset_works():
    # a recipe of one's own (here: the PyTorch one stretched, 200 examples): the map, both limits, the cells
    import dataclasses

    from regress_widgets.recipes.tutorials import Distribution

    own = dataclasses.replace(rw.RECIPES["pytorch"], name="own", x=Distribution("uniform", -1.0, 2.0), n_examples=200)
    grid = stability_map(own, x_values=[0.05, 0.5, 5.0], y_values=[1, 10, 200], seeds=1)
    st = Stability.for_recipe(own, 0)
    assert st.n_examples == 200 and st.exact(10) and not st.exact(1)  # 200 batches of 1: independent batches
    np.testing.assert_allclose(grid.ms_limit, [st.mean_square_limit(b) for b in (1, 10, 200)])
    assert grid.ms_limit[-1] == pytest.approx(grid.gd_limit[-1])  # the full batch: gradient descent
    run = rw.train(own, lr=0.5, batch_size=10)
    assert grid.kinds[1, 1, 0] == run.status.kind
