"""The three recipes are DESIGN §1 exactly; every override is validated in one place."""

from __future__ import annotations

import math

import numpy as np
import pytest

import regress_widgets as rw
from regress_widgets.recipes.data import batch_sizes
from regress_widgets.recipes.tutorials import MAX_STEPS, SETTINGS, SLIDERS, InvalidSetting

CAFFE2, MXNET, PYTORCH = (rw.RECIPES[name] for name in ("caffe2", "mxnet", "pytorch"))


# --- the recipes as DESIGN §1 states them ---------------------------------------------------------


def test_three_recipes():
    assert list(rw.RECIPES) == ["caffe2", "mxnet", "pytorch"]
    for name, recipe in rw.RECIPES.items():
        assert recipe.name == name
        assert rw.get_recipe(name) is recipe
        assert rw.get_recipe(recipe) is recipe
        assert recipe.framework_dtype == "float32"
        assert len(recipe.theta_true) == recipe.dim + 1


def test_caffe2_recipe():
    r = CAFFE2
    assert (r.w_true, r.b_true) == ((2.0, 1.5), 0.5)
    assert r.streaming and r.steps_per_epoch is None
    assert (r.x.kind, r.x.a, r.x.b) == ("normal", 0.0, 1.0)
    assert (r.init_w.kind, r.init_w.a, r.init_w.b) == ("uniform", -1.0, 1.0) and r.init_b is None
    assert r.loss_scale == 0.5  # SquaredL2Distance (0.5·Σ) then AveragedLoss
    assert r.first_iteration == 1  # Iter runs before LearningRate
    assert (r.lr, r.gamma, r.stepsize, r.batch_size, r.noise) == (0.1, 0.9, 20, 64, 1.0)
    assert r.total_steps == 100 and r.epochs is None
    assert r.param_names == ("W0", "W1", "B")  # the tutorial's blobs W and B


def test_mxnet_recipe():
    r = MXNET
    assert (r.w_true, r.b_true) == ((2.0, -3.4), 4.2)
    assert r.n_examples == 10_000
    assert (r.x.kind, r.x.a, r.x.b) == ("normal", 0.0, 1.0)
    assert (r.init_w.kind, r.init_w.a, r.init_w.b) == ("normal", 0.0, 1.0)
    assert (r.init_b.kind, r.init_b.a, r.init_b.b) == ("normal", 0.0, 1.0)
    assert r.loss_scale == 1.0 and r.first_iteration == 0
    assert (r.lr, r.gamma, r.batch_size, r.noise) == (1e-4, 1.0, 4, 0.1)
    assert r.epochs == 10 and r.steps_per_epoch == 2500 and r.total_steps == 25_000


def test_pytorch_recipe():
    r = PYTORCH
    assert (r.w_true, r.b_true) == ((3.0,), 5.0)
    assert r.n_examples == 50
    assert (r.x.kind, r.x.a, r.x.b) == ("uniform", -3.0, 3.0)
    assert r.init_w is None and r.init_b is None  # k = m = 0
    assert r.loss_scale == 1.0 and r.first_iteration == 0
    assert (r.lr, r.gamma, r.batch_size, r.noise) == (0.01, 1.0, 8, 0.5)
    assert r.epochs == 25 and r.total_steps == 175
    assert r.param_names == ("k", "m")  # the tutorial's y = k·x + m


def test_pytorch_has_seven_batches_per_epoch():
    """The tutorial prints int(50/8) = 6, but the loader yields 7: six of 8 and one of 2."""
    assert PYTORCH.steps_per_epoch == 7
    sizes = batch_sizes(PYTORCH)
    assert len(sizes) == 175
    assert sizes[:7].tolist() == [8, 8, 8, 8, 8, 8, 2]
    assert (sizes.reshape(25, 7) == sizes[:7]).all()
    assert sizes.sum() == 25 * 50
    run = rw.train("pytorch", seed=3)
    assert run.stream.batch_sizes.tolist() == sizes.tolist()
    assert len(run.epoch_loss) == 25


def test_mxnet_batches_with_partial_last_batch():
    r = MXNET.with_settings(batch_size=3)  # 10,000 = 3·3,333 + 1
    assert r.steps_per_epoch == 3334
    sizes = batch_sizes(r)
    assert sizes[3332:3335].tolist() == [3, 1, 3]
    assert sizes.sum() == 10 * 10_000


def test_caffe2_learning_rate_sequence():
    """Iteration k (from 1) uses 0.1·0.9^(k // 20): 19 steps at 0.1, step 20 at 0.09, step 100 at 0.1·0.9⁵."""
    lr = CAFFE2.learning_rates()
    assert len(lr) == 100
    assert (lr[:19] == 0.1).all()
    assert lr[19] == pytest.approx(0.09, abs=1e-15)
    assert (lr[19:39] == lr[19]).all() and lr[39] == pytest.approx(0.081, abs=1e-15)
    assert lr[99] == pytest.approx(0.1 * 0.9**5, abs=1e-15)
    expected = [0.1 * 0.9 ** (k // 20) for k in range(1, 101)]
    np.testing.assert_allclose(lr, expected, rtol=1e-15)
    np.testing.assert_array_equal(rw.train("caffe2", seed=0).lr, lr)


def test_torch_steplr_schedule_counts_from_zero():
    """StepLR stepped after every optimizer step: the first ``stepsize`` steps use the base rate."""
    r = PYTORCH.with_settings(gamma=0.5, stepsize=7)
    lr = r.learning_rates()
    assert (lr[:7] == 0.01).all() and (lr[7:14] == 0.005).all() and lr[14] == 0.0025
    assert len(lr) == 175


def test_constant_learning_rate_without_decay():
    assert (MXNET.learning_rates() == 1e-4).all()
    assert (PYTORCH.learning_rates() == 0.01).all()


def test_settings_round_trip():
    for recipe in rw.RECIPES.values():
        assert recipe.with_settings(**recipe.settings) == recipe
        assert set(recipe.settings) <= set(SETTINGS)
    assert SLIDERS == ("lr", "gamma", "stepsize", "batch_size", "noise")


def test_overrides():
    r = MXNET.with_settings(lr=2e-4, batch_size=8, gamma=0.5, stepsize=10, noise=0.3)
    assert (r.lr, r.batch_size, r.gamma, r.stepsize, r.noise) == (2e-4, 8, 0.5, 10, 0.3)
    assert r.total_steps == 10 * 1250
    assert MXNET.lr == 1e-4  # frozen: the original is untouched
    assert r.with_settings(steps=7).total_steps == 7
    assert r.with_settings(steps=7).with_settings(epochs=1).total_steps == 1250
    assert CAFFE2.with_settings(steps=250).total_steps == 250
    assert PYTORCH.with_settings(epochs=2, batch_size=50).total_steps == 2
    assert PYTORCH.with_settings(lr=None).lr == 0.01  # None keeps the recipe's value
    # integral values in other types are accepted, and kept as the right type
    r = PYTORCH.with_settings(stepsize=np.int64(3), batch_size=5.0, lr=np.float32(0.5), noise=0)
    assert (r.stepsize, r.batch_size, r.noise) == (3, 5, 0.0)
    assert type(r.stepsize) is int and type(r.batch_size) is int and type(r.lr) is float


def test_recipes_are_frozen():
    with pytest.raises(AttributeError):
        CAFFE2.lr = 1.0


# --- every validation error names its field and allowed range -----------------------------------

RANGES = {
    "lr": "(0, 10]",
    "gamma": "(0, 1]",
    "stepsize": f"[1, {MAX_STEPS}]",
    "noise": "[0, 100]",
    "steps": f"[1, {MAX_STEPS}]",
    "epochs": "[1, 10000]",
}

BAD = {
    "lr": [0, -0.1, 10.5, math.nan, math.inf, -math.inf, "0.1", True, [0.1], 1j],
    "gamma": [0, -1, 1.01, math.nan, math.inf, "0.9", False],
    "stepsize": [0, -5, 2.5, math.nan, math.inf, "20", True, MAX_STEPS + 1],
    "noise": [-0.01, 100.5, math.nan, math.inf, "1", True],
    "steps": [0, -1, 1.5, math.nan, "100", True, MAX_STEPS + 1],
    "epochs": [0, -1, 1.5, math.nan, "10", True, 10_001],
    "batch_size": [0, -1, 2.5, math.nan, "8", True, 51],
}


@pytest.mark.parametrize("field, value", [(f, v) for f, values in BAD.items() for v in values])
def test_invalid_setting_names_field_and_range(field, value):
    with pytest.raises(InvalidSetting) as err:
        PYTORCH.with_settings(**{field: value})
    e = err.value
    assert e.field == field
    message = str(e)
    assert message.startswith(f"{field} must be ")
    allowed = RANGES.get(field, "[1, 50]")  # batch_size: the dataset size
    assert allowed in message, message
    assert e.allowed in message
    assert isinstance(e, ValueError)


@pytest.mark.parametrize("name", ["caffe2", "mxnet", "pytorch"])
@pytest.mark.parametrize("field", ["lr", "gamma", "noise"])
def test_invalid_setting_from_train_for_every_recipe(name, field):
    with pytest.raises(InvalidSetting, match=rf"^{field} must be a number in") as err:
        rw.train(name, **{field: -1.0})
    assert err.value.field == field


def test_batch_size_larger_than_dataset():
    with pytest.raises(InvalidSetting, match=r"batch_size .*\[1, 50\]") as err:
        rw.train("pytorch", batch_size=51)
    assert err.value.field == "batch_size"
    with pytest.raises(InvalidSetting, match=r"\[1, 10000\]"):
        MXNET.with_settings(batch_size=10_001)
    assert PYTORCH.with_settings(batch_size=50).steps_per_epoch == 1
    # streaming data have no dataset size, only the engine's limit
    assert CAFFE2.with_settings(batch_size=5000).batch_size == 5000
    with pytest.raises(InvalidSetting, match=r"\[1, 100000\]"):
        CAFFE2.with_settings(batch_size=100_001)


def test_unknown_recipe():
    for bad in ("tensorflow", "Caffe2", "", 3, None):
        with pytest.raises(InvalidSetting) as err:
            rw.train(bad)
        assert err.value.field == "recipe"
        assert "caffe2, mxnet, pytorch" in str(err.value)


def test_unknown_override():
    with pytest.raises(InvalidSetting) as err:
        rw.train("mxnet", dampening=0.9)  # momentum is a setting now (issue 13); dampening is not
    assert err.value.field == "dampening"
    assert ("dampening must be one of lr, gamma, stepsize, batch_size, noise, steps, epochs, optimizer, momentum, "
            "beta1, beta2, eps, weight_decay") in str(err.value)
    with pytest.raises(InvalidSetting) as err:
        MXNET.with_settings(learning_rate=0.1)
    assert err.value.field == "learning_rate"


def test_steps_and_epochs_exclude_each_other():
    with pytest.raises(InvalidSetting, match="epochs must be left out when steps is given") as err:
        rw.train("pytorch", steps=10, epochs=2)
    assert err.value.field == "epochs"


def test_epochs_for_streaming_caffe2():
    with pytest.raises(InvalidSetting, match="caffe2 draws a fresh batch every step, use steps") as err:
        rw.train("caffe2", epochs=2)
    assert err.value.field == "epochs"


def test_total_steps_limit():
    with pytest.raises(InvalidSetting, match="at most 2,000,000") as err:
        MXNET.with_settings(epochs=1000)  # 2,500,000 steps
    assert err.value.field == "steps"


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"seed": -1}, "seed"), ({"seed": 1.5}, "seed"), ({"seed": "0"}, "seed"), ({"seed": True}, "seed"),
        ({"backend": "tpu"}, "backend"), ({"dtype": "float16"}, "dtype"), ({"method": "fast"}, "method"),
    ],
)
def test_engine_arguments_are_validated(kwargs, field):
    with pytest.raises(InvalidSetting) as err:
        rw.train("pytorch", **kwargs)
    assert err.value.field == field
    assert str(err.value).startswith(f"{field} must be ")
    with pytest.raises(InvalidSetting):
        rw.sweep("pytorch", **kwargs)
